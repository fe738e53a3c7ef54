"""Mission upload, download and clear against the vehicle fixture (built-in sim or SITL)."""

from __future__ import annotations

import pytest
from link_helpers import HOME, lawnmower, vehicle  # noqa: F401 - fixture

from groundcontrol.errors import MissionError
from groundcontrol.mission import differences
from groundcontrol.vehicle import Vehicle
from search_patterns import mission_items as mi
from search_patterns.mission_items import MissionItem


@pytest.fixture
def station(vehicle):  # noqa: F811
    v = Vehicle.connect(vehicle.connection, timeout=30)
    v.wait_armable(60)  # mission storage is ready once the vehicle is
    yield v
    v.close()


def test_uploaded_plan_reads_back_identical_and_item_zero_is_home(station):
    items = lawnmower().mission_items()
    progress = []
    station.upload_mission(items, progress=lambda done, total: progress.append((done, total)))
    assert progress[-1] == (len(items), len(items))
    got = station.download_mission()
    assert differences(items, got) == []
    assert got[0].command == mi.MAV_CMD_NAV_WAYPOINT
    assert (got[0].x, got[0].y) == pytest.approx((HOME[0], HOME[1]), abs=1e-6)
    assert got[2].x == pytest.approx(items[2].x, abs=1e-7)


def test_cleared_mission_downloads_empty(station):
    station.upload_mission(lawnmower(rows=2).mission_items())
    station.clear_mission()
    assert station.download_mission() == []


def test_a_plan_over_the_vehicle_limit_is_refused_with_the_limit(station):
    items = [MissionItem(mi.MAV_CMD_NAV_WAYPOINT, x=HOME[0] + i * 1e-5, y=HOME[1], z=20) for i in range(651)]
    with pytest.raises(MissionError, match="at most 650 items"):
        station.upload_mission(items)
    assert station.mission_limit == 650  # remembered for the pre-flight size check


def test_an_item_the_vehicle_cannot_fly_is_named_in_the_error(station):
    items = [MissionItem(mi.MAV_CMD_NAV_WAYPOINT, x=HOME[0], y=HOME[1]), MissionItem(9999, x=HOME[0], y=HOME[1], z=5)]
    with pytest.raises(MissionError, match="item 1 .*UNSUPPORTED"):
        station.upload_mission(items)


def test_verification_catches_a_mission_that_differs():
    sent = lawnmower(rows=2).mission_items()
    moved = list(sent)
    moved[3] = MissionItem(moved[3].command, moved[3].frame, x=moved[3].x + 1e-4, y=moved[3].y, z=moved[3].z)
    assert differences(sent, moved) and "item 3" in differences(sent, moved)[0]
    # what the vehicle legitimately changes is not a difference: home, INT frame, float rounding
    stored = [MissionItem(16, 0, x=1.0, y=2.0, z=584.0)] + [
        MissionItem(it.command, 3 if it.frame == 6 else it.frame, it.param1, it.param2, it.param3, it.param4,
                    it.x + 4e-8, it.y, it.z + 1e-5) for it in sent[1:]]
    assert differences(sent, stored) == []


def test_upload_right_after_connecting_waits_for_the_vehicle_to_be_ready(vehicle):  # noqa: F811
    # Right after boot ArduCopter answers NO_SPACE ("Only 0 items are supported") until its
    # mission storage is ready; the upload must wait and retry, not fail.
    v = Vehicle.connect(vehicle.connection, timeout=30)
    try:
        items = lawnmower(rows=2).mission_items()
        v.upload_mission(items)
        assert differences(items, v.download_mission()) == []
    finally:
        v.close()
