"""Routes each message a ground station sends to the part of the vehicle that answers it.

Messages addressed to another system are ignored, as ArduPilot does. Answers go back on
the port the message came in on; state changes are broadcast on every port.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from sitl import commands
from sitl.params import STREAM_PARAM_SUFFIXES
from sitl.streams import STREAMS
from sitl.telemetry import FRAME_BANNER, UID_BANNER, VERSION_BANNER
from sitl.transport import Port, Reply

if TYPE_CHECKING:  # pragma: no cover
    from sitl.sim_vehicle import SimVehicle

m = mavlink
SEV_WARNING = 4


class Dispatcher:
    """One ``handle(msg, port)`` entry point for everything received."""

    def __init__(self, sim: SimVehicle) -> None:
        self.sim = sim
        self._handlers = {
            "HEARTBEAT": self._heartbeat,
            "COMMAND_LONG": self._command,
            "COMMAND_INT": self._command,
            "SET_MODE": self._set_mode,
            "MISSION_COUNT": lambda msg, r: self.sim.mission.handle_count(msg, r, self.sim.clock.now()),
            "MISSION_ITEM_INT": self._mission_item,
            "MISSION_ITEM": self._mission_item,
            "MISSION_REQUEST_LIST": lambda msg, r: self.sim.mission.handle_request_list(msg, r),
            "MISSION_REQUEST_INT": lambda msg, r: self.sim.mission.handle_request(msg, r, as_int=True),
            "MISSION_REQUEST": lambda msg, r: self.sim.mission.handle_request(msg, r, as_int=False),
            "MISSION_CLEAR_ALL": lambda msg, r: self.sim.mission.handle_clear_all(msg, r),
            "MISSION_SET_CURRENT": self._mission_set_current,
            "PARAM_REQUEST_LIST": self._param_request_list,
            "PARAM_REQUEST_READ": self._param_request_read,
            "PARAM_SET": self._param_set,
            "REQUEST_DATA_STREAM": self._request_data_stream,
            "SETUP_SIGNING": self._setup_signing,
            "TIMESYNC": self._timesync,
            "SET_POSITION_TARGET_GLOBAL_INT": self._set_position_target,
        }

    def handle(self, msg: Any, port: Port) -> None:
        target = getattr(msg, "target_system", None)
        if target not in (None, 0, self.sim.config.sysid):
            return
        handler = self._handlers.get(msg.get_type())
        if handler is None:
            return
        self.sim.last_sender = (msg.get_srcSystem(), msg.get_srcComponent())
        handler(msg, Reply(port))

    # ---------------------------------------------------------------- handlers
    def _heartbeat(self, msg: Any, reply: Reply) -> None:
        if msg.get_srcSystem() == int(self.sim.params["MAV_GCS_SYSID"]):
            self.sim.autopilot.gcs_heartbeat()

    def _command(self, msg: Any, reply: Reply) -> None:
        commands.handle_command(self.sim, msg, reply)

    def _set_mode(self, msg: Any, reply: Reply) -> None:
        # SET_MODE changes the mode with no COMMAND_ACK at all (measured); only the HEARTBEAT tells.
        if msg.base_mode & m.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED:
            self.sim.autopilot.set_mode(int(msg.custom_mode))

    def _mission_item(self, msg: Any, reply: Reply) -> None:
        if msg.current == 2 and msg.mission_type == 0:
            # A "guided mode" item: fly there now (GUIDED only), answered with a MISSION_ACK.
            if msg.get_type() == "MISSION_ITEM_INT":
                lat, lon = msg.x * 1e-7, msg.y * 1e-7
            else:
                lat, lon = msg.x, msg.y
            alt = msg.z if msg.frame in (3, 6, 10, 11) else msg.z - self.sim.autopilot.home_alt_amsl()
            ok = self.sim.autopilot.guided_goto(lat, lon, alt)
            reply.send(m.MAVLink_mission_ack_message(msg.get_srcSystem(), msg.get_srcComponent(),
                                                     0 if ok else 1, 0))
            return
        self.sim.mission.handle_item(msg, reply, self.sim.clock.now())

    def _mission_set_current(self, msg: Any, reply: Reply) -> None:
        self.sim.autopilot.auto.set_current(int(msg.seq))
        self.sim.send_mission_current()

    def _param_request_list(self, msg: Any, reply: Reply) -> None:
        sim = self.sim
        for text in (VERSION_BANNER, UID_BANNER, FRAME_BANNER):
            sim.text(6, text)
        for name in sim.params:
            reply.send(sim.telemetry.param_value(name))

    def _param_request_read(self, msg: Any, reply: Reply) -> None:
        p = self.sim.params
        if msg.param_index >= 0:
            name = p.name_at(msg.param_index)
        else:
            name = _param_name(msg.param_id)
        if name is not None and name in p:
            reply.send(self.sim.telemetry.param_value(name))

    def _param_set(self, msg: Any, reply: Reply) -> None:
        name = _param_name(msg.param_id)
        sim = self.sim
        if name not in sim.params:
            return
        old = sim.params[name]
        sim.params.set(name, msg.param_value)
        if sim.params[name] == old:
            sim.broadcast(sim.telemetry.param_value(name))  # ArduPilot echoes even an unchanged value
        if name.startswith("MAV") and name[3:4].isdigit():
            self._stream_param_changed(name)

    def _stream_param_changed(self, name: str) -> None:
        index = int(name[3]) - 1
        suffix = name[5:]
        for port in self.sim.ports:
            if port.index != index:
                continue
            for sid, (sfx, _) in STREAMS.items():
                if sfx == suffix:
                    port.streams.set_stream(sid, self.sim.params[name], True)

    def _request_data_stream(self, msg: Any, reply: Reply) -> None:
        port = reply.port
        changed = port.streams.set_stream(msg.req_stream_id, msg.req_message_rate, bool(msg.start_stop))
        for sid in changed:
            suffix = STREAMS[sid][0]
            if suffix in STREAM_PARAM_SUFFIXES:
                self.sim.set_param_quietly(f"MAV{port.index + 1}_{suffix}",
                                           msg.req_message_rate if msg.start_stop else 0)

    def _setup_signing(self, msg: Any, reply: Reply) -> None:
        sim = self.sim
        if sim.autopilot.armed:
            sim.text(SEV_WARNING, "ERROR: Won't setup signing when armed")
            return
        sim.signing.setup(bytes(msg.secret_key), int(msg.initial_timestamp))
        sim.apply_signing()

    def _timesync(self, msg: Any, reply: Reply) -> None:
        if msg.tc1 == 0:
            reply.send(m.MAVLink_timesync_message(int(self.sim.clock.now() * 1e9), msg.ts1))

    def _set_position_target(self, msg: Any, reply: Reply) -> None:
        if msg.type_mask & 0b111:
            return  # position not used: velocity/acceleration targets are not simulated
        alt = msg.alt if msg.coordinate_frame in (3, 6, 10, 11) else msg.alt - self.sim.autopilot.home_alt_amsl()
        self.sim.autopilot.guided_goto(msg.lat_int * 1e-7, msg.lon_int * 1e-7, alt)


def _param_name(raw: Any) -> str:
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "replace")
    return str(raw).split("\x00", 1)[0]
