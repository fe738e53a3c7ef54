"""`sargc fly` and `sargc status` as a pilot runs them: a real process, a real plan file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from link_helpers import HOME, lawnmower, small_plan, vehicle  # noqa: F401 - fixture
from pymavlink import mavutil
from test_faults_flight import _free_instance, _kill, _start_sim

from groundcontrol.vehicle import Vehicle
from search_patterns.formats import write_plan
from sitl.sim_vehicle import SimConfig
from ui.cli import main

SARGC = [sys.executable, "-m", "ui.cli"]
ROOT = Path(__file__).resolve().parent.parent


def _run(args, cwd, timeout=120):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(SARGC + args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _tlog_messages(path: Path) -> list:
    log = mavutil.mavlink_connection(str(path))
    out = []
    while (m := log.recv_match()) is not None:
        out.append(m)
    return out


def test_fly_a_lawnmower_plan_to_landed_with_the_tlog_in_a_new_mission_folder(vehicle, tmp_path):  # noqa: F811
    plan_file = tmp_path / "search.plan"
    write_plan(lawnmower(rows=4, length=60, spacing=20, alt=20), plan_file)
    r = _run(["fly", str(plan_file), "--connect", vehicle.connection], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    tlog = tmp_path / r.stdout.strip().splitlines()[-1]
    assert tlog.parent.parent == tmp_path / "missions" and tlog.name == "vehicle-1.tlog"
    assert "Mission uploaded and verified" in r.stderr and "Mission complete" in r.stderr
    msgs = _tlog_messages(tlog)
    reached = [m.seq for m in msgs if m.get_type() == "MISSION_ITEM_REACHED"]
    assert reached == list(range(1, 11))  # takeoff, 8 waypoints, the final RTL: nothing skipped
    assert any(m.get_type() == "STATUSTEXT" and m.text == "Disarming motors" for m in msgs)
    sent = [m for m in msgs if m.get_type() == "MISSION_ITEM_INT" and m.get_srcSystem() == 255]
    assert {m.seq for m in sent} == set(range(11))  # home, takeoff, 8 waypoints, RTL


def test_ctrl_c_in_flight_brakes_then_returns_home_and_lands(vehicle, tmp_path):  # noqa: F811
    plan_file = tmp_path / "long.plan"
    write_plan(small_plan(legs=((200, 0), (200, 200), (0, 200)), alt=15, speed=3.0), plan_file)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.Popen(SARGC + ["fly", str(plan_file), "--connect", vehicle.connection, "--out", str(tmp_path / "m")],
                         cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        tlog = tmp_path / "m" / "vehicle-1.tlog"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait until it flies the first search leg
            if tlog.exists() and any(m.get_type() == "MISSION_ITEM_REACHED" and m.seq >= 3
                                     for m in _tlog_messages(tlog)):
                break
            time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=120)
    finally:
        p.kill()
    assert p.returncode == 1
    assert "BRAKE" in err and "→ RTL" in err
    assert "mission not completed: stopped by the pilot (Ctrl-C); landed and disarmed" in err
    modes = [m.custom_mode for m in _tlog_messages(tlog) if m.get_type() == "HEARTBEAT" and m.get_srcSystem() == 1]
    assert 17 in modes and modes.index(17) < modes.index(6)  # BRAKE came before RTL


def test_plan_above_the_altitude_limit_is_refused_before_connecting(tmp_path, capsys):
    plan_file = tmp_path / "high.plan"
    write_plan(small_plan(alt=150), plan_file)
    code = main(["fly", str(plan_file), "--connect", "tcp:127.0.0.1:9", "--out", str(tmp_path / "m")])
    assert code == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "sargc: error: pre-flight check failed: altitude: highest point 150 m above home (limit 120 m)"]


def test_bad_connection_string_is_one_clear_line(tmp_path, capsys):
    plan_file = tmp_path / "p.plan"
    write_plan(small_plan(), plan_file)
    code = main(["fly", str(plan_file), "--connect", "tcp:localhost", "--out", str(tmp_path / "m")])
    assert code == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "sargc: error: --connect: cannot use connection string 'tcp:localhost'; use tcp:HOST:PORT, "
        "udp:HOST:PORT, udpout:HOST:PORT or /dev/ttyUSB0[:BAUD]"]
    assert not (tmp_path / "m").exists()


def test_status_prints_live_telemetry(vehicle, capsys):  # noqa: F811
    assert main(["status", "--connect", vehicle.connection]) == 0
    out = capsys.readouterr().out
    assert "mode STABILIZE" in out and "disarmed" in out
    assert f"{HOME[0]:.7f}, {HOME[1]:.7f}" in out and "fix 6" in out
    assert main(["status", "--connect", vehicle.connection, "--json"]) == 0
    d = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert d["lat"] == pytest.approx(HOME[0], abs=1e-5) and d["gps_fix"] >= 3 and d["link"]["lost"] is False
    assert d["battery_pct"] == 100 and d["armed"] is False


def test_fly_from_a_later_waypoint_flies_only_the_rest(vehicle, tmp_path, capsys):  # noqa: F811
    plan_file = tmp_path / "search.plan"
    plan = small_plan(legs=((30, 0), (30, 30), (0, 30), (0, 60)), alt=15)
    write_plan(plan, plan_file)
    assert main(["fly", str(plan_file), "--connect", vehicle.connection, "--out", str(tmp_path / "m"),
                 "--from-waypoint", "3"]) == 0
    assert "Flying from waypoint 3: 2 waypoints left." in capsys.readouterr().err
    sent = [m for m in _tlog_messages(tmp_path / "m" / "vehicle-1.tlog")
            if m.get_type() == "MISSION_ITEM_INT" and m.get_srcSystem() == 255 and m.command == 16 and m.seq >= 2]
    first = min(sent, key=lambda m: m.seq)
    assert (first.x, first.y) == (round(plan.waypoints[2].lat * 1e7), round(plan.waypoints[2].lon * 1e7))
    assert len({m.seq for m in sent}) == 2


@pytest.mark.timeout(90)
@pytest.mark.parametrize("off_s", [4.0, 0.5], ids=["after-link-lost", "before-link-lost"])
def test_a_vehicle_that_reboots_mid_flight_is_named_and_the_rest_of_the_plan_is_checked_and_re_uploaded(
        tmp_path, off_s):
    """The drone's autopilot restarts on the third leg (a `sargc sim` process killed and started
    again on the same port, ``off_s`` later: long enough for LINK LOST, or too quick for it): the
    pilot is told it rebooted, that its mission is gone, and the rest of the plan (from the leg it
    was on) is back on the vehicle, read back and matching."""
    instance = _free_instance()
    port0, _ = SimConfig.instance_ports(instance)
    first = _start_sim(instance, tmp_path / "sim.log")
    second = None
    plan = small_plan(legs=((150, 0), (150, 150), (0, 150)), alt=15, speed=3.0)
    plan_file = tmp_path / "search.plan"
    write_plan(plan, plan_file)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.Popen(SARGC + ["fly", str(plan_file), "--connect", f"tcp:127.0.0.1:{port0}", "--out",
                                  str(tmp_path / "m")], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        tlog = tmp_path / "m" / "vehicle-1.tlog"
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:  # waypoint 2 (seq 4: home, takeoff, speed, wp 1) reached
            if tlog.exists() and any(m.get_type() == "MISSION_ITEM_REACHED" and m.seq >= 4
                                     for m in _tlog_messages(tlog)):
                break
            time.sleep(0.3)
        else:
            pytest.fail("the vehicle never reached waypoint 2")
        _kill(first)
        time.sleep(off_s)  # someone power-cycles the drone
        second = _start_sim(instance, tmp_path / "sim.log")
        out, err = p.communicate(timeout=40)
        assert p.returncode == 1, err
        if off_s > 3.0:
            assert "LINK LOST" in err and "link back after" in err
        assert "VEHICLE REBOOTED" in err
        assert "MISSION ON THE VEHICLE CHANGED: the vehicle holds 1 items, 7 were sent" in err
        assert "Re-uploaded and verified the rest of the plan: waypoints 2-3 (2 waypoints, 6 items)." in err
        last = err.strip().splitlines()[-1]
        assert last.startswith("sargc: error: mission not completed: the vehicle rebooted in flight"), last
        assert last.endswith(f"sargc fly {plan_file} --from-waypoint 2"), last

        v = Vehicle.connect(f"tcp:127.0.0.1:{port0}", timeout=20)  # a second look, from another station
        try:
            held = v.download_mission()
        finally:
            v.close()
        wps = [(round(it.x, 6), round(it.y, 6)) for it in held[3:-1]]
        assert wps == [(round(w.lat, 6), round(w.lon, 6)) for w in plan.waypoints[1:]]
    finally:
        p.kill()
        _kill(first)
        if second is not None:
            _kill(second)
