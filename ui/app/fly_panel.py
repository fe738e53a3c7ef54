"""The Fly tab: connect, watch each vehicle's health, and command it with big buttons.

A 10 Hz timer pulls the ``Fleet`` (snapshots, queued link events, command results) and renders
them: this is the one place link callbacks become widget updates. The fleet table above the
status shows every vehicle at once (a coordinator flies several); clicking a row selects it.
Dangerous commands ask first through the window's injectable ``Asker``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QTimer
from PyQt6.QtGui import QColor
from PyQt6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.app.fleet import Fleet
from ui.app.fleet_status import GPS_FIX, FleetRow, fleet_row, in_name_order
from ui.app.fleet_table import FleetTable
from ui.app.models import VehicleView
from ui.app.plan_panel import fmt_duration

if TYPE_CHECKING:
    from ui.app.main_window import MainWindow

POLL_HZ = 10
SEVERITY = {0: "EMERGENCY", 1: "ALERT", 2: "CRITICAL", 3: "ERROR", 4: "WARNING", 5: "NOTICE", 6: "INFO", 7: "DEBUG"}

# action -> (button text, shortcut, question or None when harmless)
BUTTONS = {
    "upload": ("Upload", "Ctrl+U", "Upload the plan to {v}? It replaces the mission on the vehicle."),
    "arm": ("Arm", "Ctrl+Shift+A", "ARM {v}? The propellers may spin."),
    "takeoff": ("Take off", "Ctrl+Shift+T", "Take off {v} to {alt:.0f} m?"),
    "start": ("Start", "Ctrl+Shift+S", "Start the mission on {v}?"),
    "pause": ("Pause", "Space", None),
    "resume": ("Resume", "Ctrl+Shift+R", "Resume the mission on {v}?"),
    "rtl": ("RTL", "Ctrl+Shift+H", "Return {v} to launch now?"),
    "land": ("Land", "Ctrl+Shift+L", "LAND {v} where it is now?"),
}


class FlyPanel(QWidget):
    """Connection, per-vehicle status, STATUSTEXT messages, mission progress and flight actions."""

    def __init__(self, window: MainWindow, fleet: Fleet | None = None) -> None:
        super().__init__()
        self.window = window
        self.fleet = fleet or Fleet()
        self.last_results: list = []
        self._centred = False
        self._picked: str | None = None  # the row last clicked (mission runs have no Vehicle combo entries)
        lay = QVBoxLayout(self)

        conn = QGroupBox("Connection")
        cf = QFormLayout(conn)
        self.conn_edit = QComboBox()
        self.conn_edit.setEditable(True)
        self.conn_edit.addItems(window.settings.recent_connections or ["udpin:0.0.0.0:14550"])
        self.key_edit = QLineEdit()
        self.key_edit.setPlaceholderText("signing passphrase (optional)")
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.connect_btn = QPushButton("Connect (Ctrl+K)")
        self.connect_btn.clicked.connect(lambda: self.connect_to(self.conn_edit.currentText()))
        cf.addRow("Connection", self.conn_edit)
        cf.addRow("Signing key", self.key_edit)
        cf.addRow(self.connect_btn)
        self.vehicle_pick = QComboBox()
        cf.addRow("Vehicle", self.vehicle_pick)
        lay.addWidget(conn)

        self.fleet_box = QGroupBox("All vehicles")
        fl = QVBoxLayout(self.fleet_box)
        self.fleet_table = FleetTable()
        self.fleet_table.picked.connect(self.select_vehicle)
        fl.addWidget(self.fleet_table)
        self.fleet_box.setVisible(False)  # until a vehicle is there
        lay.addWidget(self.fleet_box)

        status = QGroupBox("Status")
        sf = QFormLayout(status)
        self.status: dict[str, QLabel] = {}
        for key, title in (("mode", "Mode"), ("armed", "Armed"), ("battery", "Battery"), ("gps", "GPS"),
                           ("ekf", "EKF"), ("link", "Link"), ("heartbeat", "Heartbeat"), ("alt", "Altitude"),
                           ("progress", "Mission"), ("eta", "ETA / battery at end")):
            lab = QLabel("–")
            lab.setProperty("role", "stat")
            self.status[key] = lab
            sf.addRow(title, lab)
        lay.addWidget(status)

        actions = QGroupBox("Actions")
        grid = QGridLayout(actions)
        self.buttons: dict[str, QPushButton] = {}
        for i, (action, (text, shortcut, _)) in enumerate(BUTTONS.items()):
            b = QPushButton(f"{text}\n{shortcut}")
            b.setProperty("flight", True)
            if action in ("arm", "takeoff", "rtl", "land"):
                b.setProperty("danger", True)
            b.clicked.connect(lambda _=False, a=action: self.request(a))
            b.setEnabled(False)
            grid.addWidget(b, i // 2, i % 2)
            self.buttons[action] = b
        lay.addWidget(actions)

        self.messages = QListWidget()
        self.messages.setMinimumHeight(120)
        lay.addWidget(QLabel("Messages from the vehicle"))
        lay.addWidget(self.messages, 1)
        self.result_label = QLabel("")
        self.result_label.setWordWrap(True)
        lay.addWidget(self.result_label)

        self._timer = QTimer(self)
        self._timer.setInterval(int(1000 / POLL_HZ))
        self._timer.timeout.connect(self.pull)
        self._timer.start()

    def add_menu(self, menu, add_action) -> None:
        """Vehicle menu entries with the same shortcuts as the buttons."""
        add_action(menu, "Connect…", "Ctrl+K", lambda: self.connect_to(self.conn_edit.currentText()))
        menu.addSeparator()
        for action, (text, shortcut, _) in BUTTONS.items():
            add_action(menu, text, shortcut, lambda _=False, a=action: self.request(a))

    # ---- user actions -------------------------------------------------------------------------
    def connect_to(self, conn_str: str) -> str | None:
        conn_str = conn_str.strip()
        if not conn_str:
            return None
        self.window.settings.remember("connections", conn_str)
        tlog = None
        folder = self.window.mission_folder() if hasattr(self.window, "mission_folder") else None
        if folder is not None:
            tlog = str(Path(folder) / f"vehicle-{len(self.fleet.entries) + 1}.tlog")
        self.result_label.setText(f"Connecting to {conn_str} …")
        return self.fleet.connect(conn_str, tlog_path=tlog, signing_key=self.key_edit.text() or None)

    @property
    def current(self) -> str | None:
        return self.vehicle_pick.currentText() or None

    def select_vehicle(self, key: str) -> None:
        """Make ``key`` the vehicle the status and the buttons are about (a click on its table row)."""
        self._picked = key
        if self.vehicle_pick.findText(key) >= 0:
            self.vehicle_pick.setCurrentText(key)
            self._show_status()

    def show_fleet(self, rows: list[FleetRow]) -> str | None:
        """Render the fleet table and return the key of the vehicle whose details to show.

        That is the Vehicle combo's choice when this panel is connected itself, else the row
        last clicked (a mission run's vehicles), else the first row.
        """
        keys = [row.key for row in rows]
        chosen = self.current if self.fleet.entries else self._picked
        if chosen not in keys:
            chosen = keys[0] if keys else None
        self.fleet_box.setVisible(bool(rows))
        self.fleet_table.show_rows(rows, chosen)
        return chosen

    def request(self, action: str) -> bool:
        """Ask (for dangerous actions) then send ``action`` to the selected vehicle."""
        key = self.current
        if key is None:
            self.result_label.setText("Connect a vehicle first.")
            return False
        plan = self.window.plan_model.plan
        alt = self.window.plan_model.params.alt_m
        if plan is not None:
            alt = plan.takeoff_alt or (plan.waypoints[0].alt if plan.waypoints else alt)
        args: tuple = ()
        if action == "upload":
            plans = self.window.plan_model.plans
            if not plans:
                self.result_label.setText("Make a plan first (Plan tab).")
                return False
            index = list(self.fleet.entries).index(key) if key in self.fleet.entries else 0
            args = (plans[index % len(plans)],)
        elif action == "takeoff":
            args = (float(alt),)
        question = BUTTONS[action][2]
        if question and not self.window.asker.confirm(BUTTONS[action][0], question.format(v=key, alt=alt)):
            self.result_label.setText(f"{BUTTONS[action][0]} cancelled.")
            return False
        self.result_label.setText(f"{BUTTONS[action][0]} → {key} …")
        self.fleet.run(key, action, *args)
        return True

    # ---- the one adapter: fleet → widgets -----------------------------------------------------
    def pull(self) -> None:
        results, events = self.fleet.poll()
        for r in results:
            self.last_results.append(r)
            self.result_label.setText(r.message)
            if r.action == "connect" and r.ok and self.vehicle_pick.findText(r.key) < 0:
                self.vehicle_pick.addItem(r.key)
                self.vehicle_pick.setCurrentText(r.key)
        for key, ev in events:
            if type(ev).__name__ == "StatusText":
                self.add_message(f"{key} {SEVERITY.get(ev.severity, ev.severity)}: {ev.text}", ev.severity <= 3)
        if not self.fleet.entries:
            self._show_status()  # nothing connected here (a mission run may be drawing vehicles)
            return
        views = []
        lost = []
        for key, entry in self.fleet.entries.items():
            snap = entry.snapshot
            if entry.link_lost:
                lost.append(key)
            if snap is not None and snap.has_position:
                views.append(VehicleView(key, snap.lat, snap.lon, snap.heading or snap.yaw or 0.0,
                                         tuple(entry.trail), self.fleet.footprint(snap),
                                         f"{key} {snap.mode or ''}", not entry.link_lost))
        if views and not self._centred and self.window.plan_model.area is None:
            self._centred = True  # first position: bring the vehicle into view
            self.window.map_state.set_view(views[0].lat, views[0].lon, max(self.window.map_state.zoom, 16.0))
        self.window.overlays.set("vehicles", views)
        self.window.show_link_lost(bool(lost), "LINK LOST: " + ", ".join(lost) if lost else "")
        for key, entry in self.fleet.entries.items():
            self.window.vehicle_status(key, entry.snapshot, entry.link_lost)
        self.show_fleet(in_name_order(fleet_row(key, e.snapshot, e.link_lost) for key, e in self.fleet.entries.items()))
        self._show_status()

    def add_message(self, text: str, alarming: bool = False) -> None:
        """A line in the message list, newest first; alarming ones in red."""
        item = QListWidgetItem(f"{time.strftime('%H:%M:%S')} {text}")
        if alarming:
            item.setForeground(QColor("#d00000"))
        self.messages.insertItem(0, item)
        while self.messages.count() > 300:
            self.messages.takeItem(self.messages.count() - 1)

    def _show_status(self) -> None:
        key = self.current
        entry = self.fleet.entries.get(key) if key else None
        for b in self.buttons.values():
            b.setEnabled(entry is not None)
        if entry is None or entry.snapshot is None:
            return
        self.render_status(entry.snapshot, entry.link_lost)
        st = self.status
        if entry.upload_progress is not None:
            st["progress"].setText(f"uploading {100 * min(1.0, entry.upload_progress):.0f} %")
        prog = self.fleet.progress(key)
        if prog is not None:
            st["progress"].setText(f"item {prog.current} / {prog.total}")
            eta = fmt_duration(prog.eta_s) if prog.eta_s is not None else "?"
            end = f"{prog.battery_end_pct:.0f} %" if prog.battery_end_pct is not None else "?"
            st["eta"].setText(f"{eta}  /  {end}")

    def render_status(self, s, link_lost: bool) -> None:
        """Show one vehicle snapshot in the status grid (also used for vehicles a mission run flies)."""
        st = self.status
        st["mode"].setText(s.mode or "?")
        st["armed"].setText("ARMED" if s.armed else "disarmed")
        batt = f"{s.battery_pct:.0f} %" if s.battery_pct is not None else "?"
        if s.battery_voltage is not None:
            batt += f"  {s.battery_voltage:.1f} V"
        st["battery"].setText(batt)
        st["gps"].setText(f"{GPS_FIX.get(s.gps_fix, '?')}, {s.gps_satellites if s.gps_satellites is not None else '?'} sats")
        st["ekf"].setText("OK" if s.ekf_ok else "NOT OK")
        link = s.link
        st["link"].setText(("LOST" if link_lost else "OK") + f", loss {link.loss_pct:.0f} %"
                           + (", signed" if link.signed else ""))
        hb = link.heartbeat_age
        st["heartbeat"].setText(f"{hb:.1f} s ago" if hb is not None else "never")
        st["alt"].setText(f"{s.alt_rel:.1f} m" if s.alt_rel is not None else "?")
        if s.mission_seq is not None and s.mission_total:
            st["progress"].setText(f"item {s.mission_seq} / {s.mission_total}")

    def camera_poses(self) -> dict:
        """Each vehicle's camera pose from its latest snapshot (called from worker threads)."""
        from ui.mission.camera_feed import pose_from_snapshot

        now = time.time()
        return {key: pose_from_snapshot(e.snapshot, now) for key, e in list(self.fleet.entries.items())}

    def shutdown(self) -> None:
        self._timer.stop()
        self.fleet.close()
