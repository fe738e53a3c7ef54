"""Training scenarios: one file that says everything about a practice search.

A trainer writes a scenario (YAML or JSON, one format, checked against
``sitl/scenarios/scenario.schema.json``): home, the search area and its exclusion zones,
the pattern, the vehicles and how to reach them, the hidden subjects and the distractors,
wind, battery, link-loss events and a time limit. The mission runner flies it and the
report scores the crew against the subjects' true positions.

Why a schema and not ad-hoc checks: a trainer editing YAML in the field gets an error
naming the file and the field (``moor.yaml: subjects[1].lat: 123 is greater than the
maximum of 90``) instead of a traceback in the middle of a flight.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from shapely.geometry import Point, Polygon

from search_patterns.area import SearchArea
from search_patterns.camera import Camera
from search_patterns.errors import InputError
from search_patterns.geo import haversine_m, offset_latlon

SCHEMA_FILE = "scenario.schema.json"
POSTURES = ("standing", "sitting", "lying")

# Named clothing colours a trainer can write instead of #rrggbb (RGB).
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (200, 30, 30), "orange": (240, 120, 20), "yellow": (235, 210, 40), "blue": (30, 70, 190),
    "green": (40, 140, 50), "olive": (95, 100, 50), "brown": (110, 75, 45), "grey": (120, 120, 120),
    "gray": (120, 120, 120), "black": (25, 25, 25), "white": (235, 235, 235), "pink": (230, 100, 170),
    "purple": (120, 50, 150),
}


@dataclass(frozen=True)
class Home:
    """Launch point: where the vehicle boots and returns to."""

    lat: float
    lon: float
    alt_amsl_m: float = 0.0
    heading_deg: float = 0.0


@dataclass(frozen=True)
class PatternSettings:
    """How to search the area (parameters of the planner)."""

    spacing_m: float
    alt_m: float
    kind: str = "lawnmower"
    angle_deg: float | None = None
    speed_m_s: float = 10.0


@dataclass(frozen=True)
class CameraSettings:
    """The payload camera and how often its frames go to detection."""

    hfov_deg: float = 70.0
    width_px: int = 960
    height_px: int = 540
    frame_every_m: float = 8.0
    detector: str | None = None

    def camera(self) -> Camera:
        """The shared camera model for footprints, rendering and geolocation."""
        return Camera.from_fov(self.hfov_deg, self.width_px, self.height_px, name="scenario camera")


@dataclass(frozen=True)
class VehicleSpec:
    """One vehicle of the scenario and how the station reaches it."""

    connection: str = "sim"
    name: str = "vehicle-1"
    battery_mah: float | None = None
    home_offset_m: tuple[float, float] = (0.0, 0.0)

    @property
    def kind(self) -> str:
        """``sim``, ``sitl`` or ``connect`` (a connection string to a real or external vehicle)."""
        return self.connection if self.connection in ("sim", "sitl") else "connect"


@dataclass(frozen=True)
class SubjectSpec:
    """A hidden person: ground truth for scoring."""

    lat: float
    lon: float
    posture: str = "standing"
    clothing: tuple[int, int, int] = COLOURS["red"]
    name: str = "subject"


@dataclass(frozen=True)
class DistractorSpec:
    """Something that is not a person but may look like one to a detector."""

    lat: float
    lon: float
    kind: str = "rock"
    colour: tuple[int, int, int] | None = None


@dataclass(frozen=True)
class Wind:
    """Steady wind plus gusts; ``from_deg`` is where it blows from, as a forecast says."""

    speed_m_s: float = 0.0
    from_deg: float = 0.0
    gust_m_s: float = 0.0


@dataclass(frozen=True)
class Failsafe:
    """What the ground station itself does when things go wrong."""

    battery_rtl_percent: float = 25.0
    link_lost_s: float = 3.0


@dataclass(frozen=True)
class ScenarioEvent:
    """Something that goes wrong on purpose during the mission."""

    kind: str  # "link_blackout"
    vehicle: int = 1
    after_waypoint: int | None = None
    at_s: float | None = None
    duration_s: float = 10.0


@dataclass(frozen=True)
class Scenario:
    """A parsed, checked scenario. Build it with :func:`load_scenario`."""

    name: str
    home: Home
    area: SearchArea
    pattern: PatternSettings
    subjects: tuple[SubjectSpec, ...]
    description: str = ""
    seed: int = 0
    camera: CameraSettings = field(default_factory=CameraSettings)
    vehicles: tuple[VehicleSpec, ...] = (VehicleSpec(),)
    distractors: tuple[DistractorSpec, ...] = ()
    wind: Wind = field(default_factory=Wind)
    failsafe: Failsafe = field(default_factory=Failsafe)
    events: tuple[ScenarioEvent, ...] = ()
    time_limit_s: float | None = None
    target_pod: float = 0.8
    source: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def vehicle_home(self, index: int) -> Home:
        """Launch point of vehicle ``index`` (0-based): the scenario home moved by its offset."""
        north, east = self.vehicles[index].home_offset_m
        lat, lon = offset_latlon(self.home.lat, self.home.lon, north, east)
        return Home(lat, lon, self.home.alt_amsl_m, self.home.heading_deg)

    def events_for(self, vehicle: int) -> tuple[ScenarioEvent, ...]:
        """The scenario events aimed at vehicle number ``vehicle`` (1-based, as in the file)."""
        return tuple(e for e in self.events if e.vehicle == vehicle)

    def with_vehicles(self, connection: str) -> Scenario:
        """The same scenario with every vehicle reached through ``connection`` (``--vehicle``)."""
        from dataclasses import replace

        vehicles = tuple(replace(v, connection=connection) for v in self.vehicles)
        return replace(self, vehicles=vehicles)


@lru_cache(maxsize=1)
def scenario_schema() -> dict[str, Any]:
    """The JSON Schema every scenario file is checked against (shipped with the package)."""
    text = resources.files("sitl").joinpath("scenarios", SCHEMA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def builtin_scenarios() -> list[Path]:
    """The scenarios shipped with SAR Ground Control, in order (the first one is the demo)."""
    folder = Path(str(resources.files("sitl").joinpath("scenarios")))
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml", ".json") and
                  not p.name.endswith(".schema.json"))


def find_scenario(name_or_path: str | Path) -> Path:
    """A scenario path from a file path or the name of a shipped scenario (``moorland``)."""
    path = Path(name_or_path)
    if path.exists():
        return path
    for candidate in builtin_scenarios():
        stem = candidate.stem
        if str(name_or_path) in (stem, stem.split("-", 1)[-1], candidate.name):
            return candidate
    names = ", ".join(p.stem for p in builtin_scenarios())
    raise InputError(f"no such scenario file or shipped scenario (shipped: {names})", where=str(name_or_path))


def load_scenario(path: str | Path) -> Scenario:
    """Read, check and build a scenario from a YAML or JSON file.

    Every problem raises :class:`InputError` naming the file and the field (or line).
    """
    path = Path(path)
    where = str(path)
    try:
        if path.stat().st_size > MAX_SCENARIO_BYTES:
            raise InputError(f"{path.stat().st_size:,} bytes is far larger than a scenario can be", where=where)
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("scenario file not found", where=where) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read scenario: {exc}", where=where) from None
    data = parse_scenario_text(text, where=where, json_only=path.suffix.lower() == ".json")
    return scenario_from_dict(data, where=where, base_dir=path.parent)


def parse_scenario_text(text: str, *, where: str, json_only: bool = False) -> dict[str, Any]:
    """Parse YAML (a superset of JSON) or strict JSON, with the line of any syntax error."""
    try:
        if json_only:
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"line {exc.lineno}, column {exc.colno}: not valid JSON: {exc.msg}", where=where) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        pos = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"{pos}not valid YAML: {problem}", where=where) from None
    if not isinstance(data, dict):
        raise InputError("a scenario must be a mapping of fields (name, home, area, ...)", where=where)
    _check_size(data, where=where)
    return data


#: Scenario files are a few kilobytes; refuse what cannot be one before reading it into memory.
MAX_SCENARIO_BYTES = 4 * 1024 * 1024
#: A scenario has hundreds of values; YAML aliases can make a small file expand to billions.
MAX_SCENARIO_VALUES = 100_000


def _check_size(data: Any, *, where: str) -> None:
    """Refuse data that expands past MAX_SCENARIO_VALUES values (a YAML alias bomb) before anything walks it."""
    stack, seen = [data], 0
    while stack:
        item = stack.pop()
        seen += 1
        if seen > MAX_SCENARIO_VALUES:
            raise InputError(f"more than {MAX_SCENARIO_VALUES:,} values (nested YAML aliases?): not a scenario",
                             where=where)
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _field_path(parts: Any) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _friendly(error: jsonschema.ValidationError) -> str:
    """One sentence for a schema error: which field, and what is wrong with it."""
    fieldname = _field_path(error.absolute_path)
    if error.validator == "oneOf":
        schema_alts = [set(s.get("required", [])) for s in error.validator_value if "required" in s]
        if schema_alts:
            options = " or ".join("+".join(sorted(a)) for a in schema_alts)
            inst = error.instance if isinstance(error.instance, dict) else {}
            given = [k for a in schema_alts for k in a if k in inst]
            if given and all(any(k in inst for k in a) for a in schema_alts):
                return f"{fieldname}: give only one of {options}, not both"
            return f"{fieldname}: needs {options}"
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        return f"{fieldname}: {error.message} (allowed: {', '.join(allowed)})"
    if error.validator == "enum":
        return f"{fieldname}: {error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    return f"{fieldname}: {error.message}"


def validate_scenario_dict(data: dict[str, Any], *, where: str) -> None:
    """Check ``data`` against the schema; raise the first (most specific) problem."""
    validator = jsonschema.Draft202012Validator(scenario_schema())
    errors = list(validator.iter_errors(data))
    if not errors:
        return
    best = jsonschema.exceptions.best_match(errors)
    # best_match descends into oneOf context; prefer a plain error on the deepest path when present.
    raise InputError(_friendly(best), where=where)


def parse_colour(value: str, *, where: str) -> tuple[int, int, int]:
    """A colour name or ``#rrggbb`` → RGB."""
    v = value.strip().lower()
    if v in COLOURS:
        return COLOURS[v]
    if v.startswith("#") and len(v) == 7:
        try:
            return (int(v[1:3], 16), int(v[3:5], 16), int(v[5:7], 16))
        except ValueError:
            pass
    raise InputError(f"unknown colour {value!r} (use #rrggbb or one of {', '.join(sorted(COLOURS))})",
                     where=where)


def _ring(points: list[list[float]], *, where: str) -> Polygon:
    ring = [(float(lon), float(lat)) for lat, lon in points]
    poly = Polygon(ring)
    if not poly.is_valid or poly.area == 0:
        from shapely.validation import explain_validity

        raise InputError(f"polygon is not a simple ring ({explain_validity(poly)}); "
                         "check the order of the [lat, lon] points", where=where)
    return poly


def _place(item: dict[str, Any], home: Home) -> tuple[float, float]:
    if "lat" in item:
        return float(item["lat"]), float(item["lon"])
    return offset_latlon(home.lat, home.lon, float(item["north_m"]), float(item["east_m"]))


def _load_area(spec: dict[str, Any], *, where: str, base_dir: Path) -> SearchArea:
    name = spec.get("name", "search area")
    if "file" in spec:
        from search_patterns import formats  # lands with the planner; imported only when used

        fpath = Path(spec["file"])
        if not fpath.is_absolute():
            fpath = base_dir / fpath
        area = formats.read_area(fpath)
        extra = tuple(_ring(r, where=f"{where}: area.exclusions[{i}]")
                      for i, r in enumerate(spec.get("exclusions", [])))
        from dataclasses import replace

        return replace(area, exclusions=tuple(area.exclusions) + extra, name=spec.get("name", area.name))
    poly = _ring(spec["polygon"], where=f"{where}: area.polygon")
    exclusions = tuple(_ring(r, where=f"{where}: area.exclusions[{i}]")
                       for i, r in enumerate(spec.get("exclusions", [])))
    return SearchArea(poly, exclusions, name=name, source=where)


def scenario_from_dict(data: dict[str, Any], *, where: str = "scenario", base_dir: Path | None = None) -> Scenario:
    """Build a :class:`Scenario` from parsed data, after checking it against the schema."""
    validate_scenario_dict(data, where=where)
    base_dir = base_dir or Path.cwd()
    h = data["home"]
    home = Home(float(h["lat"]), float(h["lon"]), float(h.get("alt_amsl_m", 0.0)), float(h.get("heading_deg", 0.0)))
    area = _load_area(data["area"], where=where, base_dir=base_dir)

    p = data["pattern"]
    pattern = PatternSettings(spacing_m=float(p["spacing_m"]), alt_m=float(p["alt_m"]),
                              kind=p.get("type", "lawnmower"), angle_deg=p.get("angle_deg"),
                              speed_m_s=float(p.get("speed_m_s", 10.0)))
    c = data.get("camera", {})
    camera = CameraSettings(hfov_deg=float(c.get("hfov_deg", 70.0)), width_px=int(c.get("width_px", 960)),
                            height_px=int(c.get("height_px", 540)),
                            frame_every_m=float(c.get("frame_every_m", 8.0)), detector=c.get("detector"))
    if camera.height_px > camera.width_px:
        raise InputError("camera.height_px must not exceed camera.width_px (landscape sensor)", where=where)
    footprint_w = camera.camera().footprint_m(pattern.alt_m)[0]
    if pattern.spacing_m > footprint_w:
        raise InputError(f"pattern.spacing_m {pattern.spacing_m:g} m is wider than the camera footprint "
                         f"{footprint_w:.1f} m at {pattern.alt_m:g} m: strips between tracks would never be seen",
                         where=where)

    vehicles = tuple(
        VehicleSpec(connection=v.get("connection", "sim"), name=v.get("name", f"vehicle-{i + 1}"),
                    battery_mah=v.get("battery_mah"),
                    home_offset_m=tuple(v.get("home_offset_m", (0.0, 0.0))))  # type: ignore[arg-type]
        for i, v in enumerate(data.get("vehicles", [{}]))
    )
    subjects = []
    for i, s in enumerate(data.get("subjects", [])):
        lat, lon = _place(s, home)
        clothing = parse_colour(s["clothing"], where=f"{where}: subjects[{i}].clothing") if "clothing" in s \
            else COLOURS["red"]
        subjects.append(SubjectSpec(lat, lon, s.get("posture", "standing"), clothing, s.get("name", f"subject {i + 1}")))
    distractors = []
    for i, d in enumerate(data.get("distractors", [])):
        lat, lon = _place(d, home)
        colour = parse_colour(d["colour"], where=f"{where}: distractors[{i}].colour") if "colour" in d else None
        distractors.append(DistractorSpec(lat, lon, d.get("kind", "rock"), colour))
    w = data.get("wind", {})
    wind = Wind(float(w.get("speed_m_s", 0.0)), float(w.get("from_deg", 0.0)), float(w.get("gust_m_s", 0.0)))
    f = data.get("failsafe", {})
    failsafe = Failsafe(float(f.get("battery_rtl_percent", 25.0)), float(f.get("link_lost_s", 3.0)))
    events = []
    for i, e in enumerate(data.get("events", [])):
        if e.get("vehicle", 1) > len(vehicles):
            raise InputError(f"events[{i}].vehicle: {e['vehicle']} but the scenario has {len(vehicles)} vehicle(s)",
                             where=where)
        events.append(ScenarioEvent(kind=e["type"], vehicle=int(e.get("vehicle", 1)),
                                    after_waypoint=e.get("after_waypoint"), at_s=e.get("at_s"),
                                    duration_s=float(e.get("duration_s", 10.0))))

    scenario = Scenario(
        name=data["name"], description=data.get("description", ""), seed=int(data.get("seed", 0)), home=home,
        area=area, pattern=pattern, camera=camera, vehicles=vehicles, subjects=tuple(subjects),
        distractors=tuple(distractors), wind=wind, failsafe=failsafe, events=tuple(events),
        time_limit_s=data.get("time_limit_s"), target_pod=float(data.get("target_pod", 0.8)),
        source=where, raw=data,
    )
    _check_geometry(scenario, where=where)
    return scenario


def _check_geometry(s: Scenario, *, where: str) -> None:
    """Catch scenarios that would fly somewhere silly: home or subjects far away, subjects in a no-fly zone."""
    centroid = s.area.polygon.centroid
    dist = haversine_m(s.home.lat, s.home.lon, centroid.y, centroid.x)
    if dist > 5000:
        raise InputError(f"home is {dist / 1000:.1f} km from the search area (more than 5 km); "
                         "check lat/lon order", where=f"{where}: home")
    for i, subj in enumerate(s.subjects):
        if not s.area.polygon.buffer(_deg(50, s.home.lat)).contains(Point(subj.lon, subj.lat)):
            raise InputError("subject is outside the search area (more than ~50 m from it)",
                             where=f"{where}: subjects[{i}]")


def _deg(metres: float, lat: float) -> float:
    """A rough distance in degrees, for tolerances only."""
    return metres / (111_320.0 * max(0.2, math.cos(math.radians(lat))))
