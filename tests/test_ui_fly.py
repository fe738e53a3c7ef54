"""Flying from the desktop app: connect to the built-in simulated vehicle over TCP and command it."""

from __future__ import annotations

import pytest
import ui_support
from PyQt6.QtCore import Qt
from ui_support import draw_polygon, screenshot

from search_patterns.geo import offset_latlon
from sitl.sim_vehicle import SimConfig, SimVehicle
from ui.app.fleet_status import COLUMNS
from ui.app.fleet_table import COLOURS

window, asker = ui_support.window, ui_support.asker  # fixtures
HOME = (-35.363261, 149.165230, 584.0, 353.0)


@pytest.fixture
def sim():
    v = SimVehicle(SimConfig(home=HOME, speedup=10, tcp_port=0, serial1_port=0, readiness="fast")).start()
    yield v
    v.stop()


def wait_result(qtbot, panel, action: str, timeout: int = 60_000):
    """Wait for the command's answer as the pilot sees it, and return it."""
    def done() -> bool:
        return any(r.action == action for r in panel.last_results)

    qtbot.waitUntil(done, timeout=timeout)
    result = [r for r in panel.last_results if r.action == action][-1]
    assert result.ok, result.message
    assert panel.result_label.text()  # the pilot saw an answer
    return result


def snap(panel):
    return panel.fleet.entries[panel.current].snapshot


def test_connect_upload_arm_takeoff_start_pause_resume_rtl(qtbot, window, asker, sim, tmp_path):
    window.settings.missions_dir = str(tmp_path / "missions")
    lat, lon = HOME[:2]
    corners = [offset_latlon(lat, lon, n, e) for n, e in ((20, 20), (20, 120), (120, 120), (120, 20))]
    draw_polygon(qtbot, window, corners)
    window.plan_panel.spacing.setValue(40)
    window.plan_panel.alt.setValue(20)
    plan = window.plan_model.plan
    assert plan is not None

    fly = window.fly_panel
    window.show_tab(fly)
    fly.conn_edit.setCurrentText(sim.connection_string)
    qtbot.mouseClick(fly.connect_btn, Qt.MouseButton.LeftButton)
    wait_result(qtbot, fly, "connect", 30_000)
    assert fly.current == "vehicle-1"
    qtbot.waitUntil(lambda: snap(fly) is not None and snap(fly).has_position, timeout=20_000)
    assert window.overlays.vehicles and window.overlays.vehicles[0].key == "vehicle-1"
    assert sim.connection_string in window.settings.recent_connections

    for action in ("upload", "arm", "takeoff"):
        qtbot.mouseClick(fly.buttons[action], Qt.MouseButton.LeftButton)
        wait_result(qtbot, fly, action)
    assert {t for t, _ in asker.asked} >= {"Upload", "Arm", "Take off"}
    assert snap(fly).armed
    qtbot.waitUntil(lambda: (snap(fly).alt_rel or 0) > 10, timeout=60_000)

    fly.request("start")
    wait_result(qtbot, fly, "start")
    qtbot.waitUntil(lambda: snap(fly).mode == "AUTO", timeout=20_000)
    qtbot.waitUntil(lambda: (snap(fly).mission_seq or 0) >= 4, timeout=60_000)  # flying the sweeps
    qtbot.waitUntil(lambda: fly.status["progress"].text().startswith("item"), timeout=20_000)
    qtbot.wait(300)
    screenshot(window, "fly-view")

    fly.request("pause")
    wait_result(qtbot, fly, "pause")
    assert snap(fly).mode != "AUTO" or snap(fly).mission_state is not None
    fly.request("resume")
    wait_result(qtbot, fly, "resume")
    qtbot.waitUntil(lambda: snap(fly).mode == "AUTO", timeout=20_000)
    fly.request("rtl")
    wait_result(qtbot, fly, "rtl")
    qtbot.waitUntil(lambda: snap(fly).mode == "RTL", timeout=20_000)
    assert "RTL" in fly.status["mode"].text()
    assert len(window.overlays.vehicles[0].trail) > 3  # the flown trail is on the map
    assert list((tmp_path / "missions").glob("*/vehicle-1.tlog"))  # the flight is logged


def test_a_refused_confirmation_sends_nothing(qtbot, window, asker, sim):
    asker.yes = False
    fly = window.fly_panel
    fly.connect_to(sim.connection_string)
    wait_result(qtbot, fly, "connect", 30_000)
    assert not fly.request("arm")
    qtbot.wait(500)
    assert not any(r.action == "arm" for r in fly.last_results)
    assert not snap(fly).armed
    assert "cancelled" in fly.result_label.text()


def test_link_lost_banner_shows_when_the_vehicle_goes_silent_and_clears_when_it_returns(qtbot, window, sim):
    fly = window.fly_panel
    fly.connect_to(sim.connection_string)
    wait_result(qtbot, fly, "connect", 30_000)
    assert not window.banner.isVisible()
    port = sim.tcp_port
    sim.stop()
    qtbot.waitUntil(window.banner.isVisible, timeout=15_000)
    assert "LINK LOST" in window.banner.text() and "vehicle-1" in window.banner.text()
    qtbot.wait(150)
    screenshot(window, "link-lost")
    back = SimVehicle(SimConfig(home=HOME, speedup=10, tcp_port=port, serial1_port=0)).start()
    try:
        qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=30_000)
    finally:
        back.stop()


@pytest.fixture
def two_sims():
    """Two built-in simulated vehicles side by side, each on its own TCP port."""
    second_home = (*offset_latlon(HOME[0], HOME[1], 0, 60), *HOME[2:])
    sims = [SimVehicle(SimConfig(home=home, speedup=10, tcp_port=0, serial1_port=0, readiness="fast")).start()
            for home in (HOME, second_home)]
    yield sims
    for v in sims:
        v.stop()


def row_text(fly, row: int) -> list[str]:
    table = fly.fleet_table
    return [table.item(row, c).text() for c in range(table.columnCount())]


def shown(fly, key: str, field: str) -> str:
    """What the vehicle's row shows for one field (each cell stacks two fields)."""
    row = [fly.fleet_table.key_at(r) for r in range(fly.fleet_table.rowCount())].index(key)
    for c, (_, names) in enumerate(COLUMNS):
        if field in names:
            return row_text(fly, row)[c].split("\n")[names.index(field)]
    raise KeyError(field)


def test_fleet_table_shows_each_vehicle_flags_a_lost_link_on_its_row_and_selects_on_click(qtbot, window, two_sims):
    fly = window.fly_panel
    window.show_tab(fly)
    for sim in two_sims:
        fly.connect_to(sim.connection_string)
    qtbot.waitUntil(lambda: len(fly.fleet.entries) == 2 and fly.fleet_table.rowCount() == 2, timeout=30_000)
    qtbot.waitUntil(lambda: all(e.snapshot is not None and e.snapshot.battery_pct is not None
                                and e.snapshot.mode for e in fly.fleet.entries.values()), timeout=20_000)

    # make the two differ, through the vehicles themselves: one in GUIDED, the other on a nearly flat pack
    fly.fleet.entries["vehicle-2"].vehicle.set_mode("GUIDED")  # raises if the vehicle refuses
    two_sims[0].autopilot.battery.consumed_mah = 0.85 * two_sims[0].autopilot.battery.capacity_mah
    qtbot.waitUntil(lambda: shown(fly, "vehicle-2", "mode") == "GUIDED"
                    and shown(fly, "vehicle-1", "battery") == "LOW 15 %", timeout=20_000)
    assert shown(fly, "vehicle-1", "mode") != "GUIDED"
    assert shown(fly, "vehicle-2", "battery") == "100 %"
    assert shown(fly, "vehicle-1", "link") == shown(fly, "vehicle-2", "link") == "OK"
    qtbot.wait(200)
    screenshot(window, "fleet-table")

    two_sims[1].stop()  # vehicle-2 goes silent
    qtbot.waitUntil(lambda: shown(fly, "vehicle-2", "link").startswith("LINK LOST"), timeout=15_000)
    qtbot.wait(1500)  # the seconds since the last heartbeat count up
    assert shown(fly, "vehicle-2", "link") != "LINK LOST 0 s"
    assert shown(fly, "vehicle-1", "link") == "OK"
    colour = [fly.fleet_table.item(r, 0).background().color().name() for r in (0, 1)]
    assert colour == [COLOURS["low"][0], COLOURS["lost"][0]]  # amber for the flat pack, red for the silent one
    screenshot(window, "fleet-table-link-lost")

    table = fly.fleet_table
    for row, key in ((1, "vehicle-2"), (0, "vehicle-1")):  # click each row in turn
        rect = table.visualItemRect(table.item(row, 2))  # its battery cell
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert fly.current == key
        assert fly.status["mode"].text() == shown(fly, key, "mode")
        qtbot.waitUntil(lambda r=row: row_text(fly, r)[0].startswith("▶"), timeout=2_000)
        assert not row_text(fly, 1 - row)[0].startswith("▶")
    assert fly.status["battery"].text().startswith("15 %")
