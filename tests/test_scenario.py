"""Scenario files: the shipped ones load, and a trainer's mistakes are named by file and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from search_patterns.errors import InputError
from search_patterns.geo import haversine_m
from sitl.scenario import builtin_scenarios, find_scenario, load_scenario, scenario_from_dict

MOOR = find_scenario("moorland")


def moor_dict() -> dict:
    return yaml.safe_load(MOOR.read_text())


def write(tmp_path: Path, data: dict, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data) if name.endswith(".yaml") else json.dumps(data))
    return p


def test_three_shipped_scenarios_load_with_their_subjects() -> None:
    names = [p.stem for p in builtin_scenarios()]
    assert names[0] == "1-moorland", "the demo flies the first scenario: moorland"
    scenarios = [load_scenario(p) for p in builtin_scenarios()]
    moor, forest, two = scenarios[:3]
    assert len(moor.subjects) == 2 and len(moor.vehicles) == 1
    assert forest.area.exclusions and any(s.posture == "lying" for s in forest.subjects)
    assert len(two.vehicles) == 2
    assert two.area.area_m2() > moor.area.area_m2()


def test_subject_placed_in_metres_from_home_lands_there() -> None:
    moor = load_scenario(MOOR)
    blue = moor.subjects[1]
    d = haversine_m(moor.home.lat, moor.home.lon, blue.lat, blue.lon)
    assert d == pytest.approx((115**2 + 180**2) ** 0.5, rel=0.01)


def test_json_and_yaml_give_the_same_scenario(tmp_path: Path) -> None:
    data = moor_dict()
    a = load_scenario(write(tmp_path, data, "a.yaml"))
    b = load_scenario(write(tmp_path, data, "b.json"))
    assert a.subjects == b.subjects and a.area.polygon.equals(b.area.polygon) and a.pattern == b.pattern


def test_find_scenario_by_short_name_and_unknown_name_lists_shipped() -> None:
    assert find_scenario("two-drones").name == "3-two-drones.yaml"
    with pytest.raises(InputError, match="shipped: 1-moorland"):
        find_scenario("no-such-scenario")


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["subjects"][1].update(lat=123.0, lon=1.0) or d["subjects"][1].pop("north_m")
         or d["subjects"][1].pop("east_m"), r"subjects\[1\]\.lat: 123.0 is greater than the maximum of 90"),
        (lambda d: d.pop("home"), r"'home' is a required property"),
        (lambda d: d["pattern"].update(spacing_m=-5), r"pattern\.spacing_m: -5 is less than or equal"),
        (lambda d: d["subjects"][0].update(posture="dancing"), r"subjects\[0\]\.posture: 'dancing' is not one of"),
        (lambda d: d["subjects"][0].update(clothing="tartan"), r"subjects\[0\]\.clothing: unknown colour 'tartan'"),
        (lambda d: d.update(colour="red"), r"Additional properties are not allowed \('colour' was unexpected\)"),
        (lambda d: d["area"].update(file="x.geojson"), r"area: give only one of polygon or file, not both"),
        (lambda d: d["subjects"][0].pop("lat"), r"subjects\[0\]: needs lat\+lon or east_m\+north_m"),
        (lambda d: d["pattern"].update(spacing_m=90), r"wider than the camera footprint"),
        (lambda d: d.update(events=[{"type": "link_blackout", "vehicle": 3, "at_s": 5}]),
         r"events\[0\]\.vehicle: 3 but the scenario has 1 vehicle"),
        (lambda d: d["subjects"][0].update(lat=50.59), r"subjects\[0\]: subject is outside the search area"),
        (lambda d: d["area"].update(polygon=[[50.58, -3.95], [50.59, -3.94], [50.58, -3.94], [50.59, -3.95]]),
         r"area\.polygon: polygon is not a simple ring"),
    ],
)
def test_bad_scenario_is_refused_naming_file_and_field(tmp_path: Path, mutate, expected) -> None:
    data = moor_dict()
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(InputError, match=expected) as info:
        load_scenario(path)
    assert str(path) in str(info.value)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    p = tmp_path / "broken.yaml"
    p.write_text("name: x\nhome: {lat: 50, lon: -3\narea: []\n")
    with pytest.raises(InputError, match=r"broken.yaml: line \d+, column \d+: not valid YAML"):
        load_scenario(p)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nope.yaml: scenario file not found"):
        load_scenario(tmp_path / "nope.yaml")


@given(st.one_of(st.none(), st.integers(), st.text(), st.lists(st.integers()),
                 st.dictionaries(st.sampled_from(["name", "home", "area", "pattern", "subjects", "seed"]),
                                 st.one_of(st.none(), st.integers(), st.text(), st.lists(st.floats())))))
def test_any_garbage_is_an_input_error_never_a_crash(data) -> None:
    with pytest.raises(InputError):
        scenario_from_dict(data, where="fuzz.yaml") if isinstance(data, dict) else \
            scenario_from_dict({"x": data}, where="fuzz.yaml")
