"""Bad telemetry logs and training scenarios: read, or refused naming the file; never a crash or hang."""

from __future__ import annotations

import struct
import time

from fuzz_helpers import HANG_S, Tally, holds_the_rule, inputs
from hypothesis import HealthCheck, given, settings
from pymavlink.dialects.v20 import ardupilotmega as mavlink

from groundcontrol.track import read_track
from search_patterns.errors import InputError
from sitl.scenario import builtin_scenarios, load_scenario

TALLY = {"tlog": Tally(), "scenario": Tally()}


def _tlog_seed() -> bytes:
    mav = mavlink.MAVLink(None, srcSystem=1, srcComponent=1)
    out = b""
    t = 1_764_500_000_000_000
    for n in range(6):
        for msg in (mavlink.MAVLink_heartbeat_message(2, 3, 129, 3, 4, 3),
                    mavlink.MAVLink_attitude_message(n * 100, 0.01, -0.02, 1.5, 0, 0, 0),
                    mavlink.MAVLink_global_position_int_message(n * 100, 473900000 + n * 50, 85400000, 500000,
                                                                40000, 100, 0, 0, 9000),
                    mavlink.MAVLink_mount_status_message(1, 1, -9000, 0, 0, 0)):
            t += 20_000
            out += struct.pack(">Q", t) + msg.pack(mav)
    return out


TLOG = _tlog_seed()
SCENARIO = builtin_scenarios()[0].read_bytes()
slow_ok = settings(max_examples=3 * settings.default.max_examples,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@given(data=inputs(TLOG))
@slow_ok
def test_any_tlog_is_read_as_a_track_or_refused_naming_the_file(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("logs") / "vehicle-1.tlog"
    path.write_bytes(data)
    track = holds_the_rule(lambda: read_track(path), names=str(path), tally=TALLY["tlog"])
    if track is not None:
        for pose in track.poses:
            assert -90 <= pose.lat <= 90 and -180 <= pose.lon <= 180


@given(data=inputs(SCENARIO))
@slow_ok
def test_any_scenario_file_is_loaded_or_refused_naming_the_file(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("scn") / "exercise.yaml"
    path.write_bytes(data)
    holds_the_rule(lambda: load_scenario(path), names=str(path), tally=TALLY["scenario"])


def test_a_yaml_alias_bomb_is_refused_quickly(tmp_path):
    """Nested YAML aliases expand to 10^9 items if anything walks them naively."""
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join(['*a' + str(i - 1)] * 10)}]" for i in range(1, 10)]
    lines += ["name: *a9", "format: 1"]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines))
    t0 = time.perf_counter()
    try:
        load_scenario(path)
    except InputError as exc:
        assert str(path) in str(exc)
    else:
        raise AssertionError("an alias bomb was accepted as a scenario")
    assert time.perf_counter() - t0 < HANG_S
