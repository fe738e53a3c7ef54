"""A simulated search scene: seeded ground plus hidden subjects and look-alike objects at lat/lon.

Training flights and detection tests need ground truth: where each person really is. A Scene
holds that truth and the ground it stands on; :class:`sitl.sim_camera.SimCamera` renders it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from search_patterns.errors import InputError
from search_patterns.geo import LocalProjection
from sitl.camera.terrain import Terrain

POSTURES = ("standing", "sitting", "lying")
DISTRACTOR_KINDS = ("rock", "log", "bush", "bright")

#: Clothing a lost walker might wear, as RGB: bright outdoor colours and drab ones.
BRIGHT_CLOTHING: tuple[tuple[int, int, int], ...] = (
    (210, 30, 35), (245, 120, 20), (235, 215, 40), (30, 90, 210), (230, 60, 150), (240, 240, 235))
DRAB_CLOTHING: tuple[tuple[int, int, int], ...] = (
    (85, 95, 60), (105, 85, 60), (110, 110, 108), (40, 45, 70), (35, 35, 38), (70, 85, 55))
#: Trousers: jeans and the usual dull outdoor colours.
TROUSERS: tuple[tuple[int, int, int], ...] = (
    (50, 62, 95), (40, 40, 42), (120, 110, 85), (80, 65, 50), (95, 95, 92), (70, 78, 55))


@dataclass(frozen=True)
class Subject:
    """A person to be found. ``clothing`` is the jacket's RGB colour; ``id`` is filled in by Scene."""

    lat: float
    lon: float
    posture: str = "standing"
    clothing: tuple[int, int, int] = (210, 30, 35)
    heading_deg: float = 0.0
    height_m: float = 1.75
    trousers: tuple[int, int, int] = (60, 58, 55)
    id: str = ""

    def __post_init__(self) -> None:
        if self.posture not in POSTURES:
            raise InputError(f"posture must be one of {', '.join(POSTURES)}, got {self.posture!r}",
                             where=f"subject {self.id or (self.lat, self.lon)}")

    @property
    def bright(self) -> bool:
        """Clothing a colour-anomaly detector should find: saturated or very light."""
        r, g, b = self.clothing
        return max(r, g, b) - min(r, g, b) > 90 or min(r, g, b) > 200


@dataclass(frozen=True)
class Distractor:
    """Something that is not a person but may look like one from the air."""

    lat: float
    lon: float
    kind: str = "rock"
    size_m: float = 1.0
    color: tuple[int, int, int] | None = None  # RGB; a per-kind default when None
    heading_deg: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in DISTRACTOR_KINDS:
            raise InputError(f"distractor kind must be one of {', '.join(DISTRACTOR_KINDS)}, got {self.kind!r}",
                             where=f"distractor at {self.lat:.6f},{self.lon:.6f}")

    def rgb(self) -> tuple[int, int, int]:
        if self.color is not None:
            return self.color
        return {"rock": (125, 122, 115), "log": (95, 70, 45), "bush": (45, 75, 35), "bright": (30, 110, 200)}[self.kind]


@dataclass
class Scene:
    """Ground and things on it around ``center`` (lat, lon). Positions are fixed by the seed."""

    center: tuple[float, float]
    seed: int = 1
    subjects: Sequence[Subject] = ()
    distractors: Sequence[Distractor] = ()
    sun_azimuth_deg: float = 140.0
    sun_elevation_deg: float = 45.0
    terrain: Terrain = field(init=False, repr=False)
    projection: LocalProjection = field(init=False, repr=False)

    def __post_init__(self) -> None:
        lat, lon = self.center
        if not (-85 < lat < 85 and -180 <= lon <= 180):
            raise InputError(f"scene centre {self.center} is not a valid lat/lon", where="scene")
        self.terrain = Terrain(self.seed)
        self.projection = LocalProjection(lat, lon)
        self.subjects = tuple(s if s.id else _with_id(s, f"S{i + 1}") for i, s in enumerate(self.subjects))
        self.distractors = tuple(self.distractors)

    def local_ne(self, lat: float, lon: float) -> tuple[float, float]:
        """Metres (north, east) of the scene centre."""
        x, y = self.projection.to_local(lat, lon)
        return y, x

    def latlon(self, north: float, east: float) -> tuple[float, float]:
        return self.projection.to_latlon(east, north)

    def sun_direction(self) -> np.ndarray:
        """Unit vector (east, north, up) pointing at the sun."""
        a, e = math.radians(self.sun_azimuth_deg), math.radians(self.sun_elevation_deg)
        return np.array([math.cos(e) * math.sin(a), math.cos(e) * math.cos(a), math.sin(e)])

    @classmethod
    def random(cls, center: tuple[float, float], seed: int = 1, n_subjects: int = 10, n_distractors: int = 20,
               radius_m: float = 150.0, bright_fraction: float = 0.5, min_spacing_m: float = 8.0) -> Scene:
        """A scene with people and distractors scattered within ``radius_m`` of the centre:
        postures in turn, clothing bright for ``bright_fraction`` of them and drab otherwise."""
        rng = np.random.default_rng(seed + 7919)
        proj = LocalProjection(*center)
        placed: list[tuple[float, float]] = []

        def spot() -> tuple[float, float]:
            for _ in range(500):
                r = radius_m * math.sqrt(rng.uniform())
                a = rng.uniform(0, 2 * math.pi)
                e, n = r * math.cos(a), r * math.sin(a)
                if all(math.hypot(e - pe, n - pn) >= min_spacing_m for pe, pn in placed):
                    placed.append((e, n))
                    return e, n
            raise InputError("cannot place all objects with the spacing asked; use fewer or a larger radius",
                             where="scene")

        subjects = []
        for i in range(n_subjects):
            e, n = spot()
            lat, lon = proj.to_latlon(e, n)
            bright = rng.uniform() < bright_fraction
            palette = BRIGHT_CLOTHING if bright else DRAB_CLOTHING
            subjects.append(Subject(lat, lon, posture=POSTURES[i % 3],
                                    clothing=palette[int(rng.integers(len(palette)))],
                                    heading_deg=float(rng.uniform(0, 360)),
                                    height_m=float(rng.uniform(1.55, 1.9)),
                                    trousers=TROUSERS[int(rng.integers(len(TROUSERS)))]))
        distractors = []
        for i in range(n_distractors):
            e, n = spot()
            lat, lon = proj.to_latlon(e, n)
            kind = DISTRACTOR_KINDS[i % 4]
            color = None
            if kind == "bright":
                color = ((30, 110, 200), (200, 200, 40), (180, 40, 40), (235, 235, 230))[int(rng.integers(4))]
            distractors.append(Distractor(lat, lon, kind=kind, size_m=float(rng.uniform(0.6, 1.8)), color=color,
                                          heading_deg=float(rng.uniform(0, 360))))
        return cls(center=center, seed=seed, subjects=subjects, distractors=distractors)


def _with_id(s: Subject, sid: str) -> Subject:
    from dataclasses import replace

    return replace(s, id=sid)
