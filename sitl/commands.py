"""COMMAND_LONG / COMMAND_INT handling with ArduCopter's answers (facts §1–§7).

Every command gets one COMMAND_ACK on the link it came from, addressed back to the
sender, except where ArduCopter is silent. Results: 0 ACCEPTED, 2 DENIED, 3 UNSUPPORTED,
4 FAILED.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from sitl import modes as M
from sitl.streams import KNOWN_MESSAGES

if TYPE_CHECKING:  # pragma: no cover
    from sitl.sim_vehicle import SimVehicle
    from sitl.transport import Reply

m = mavlink
ACCEPTED, DENIED, UNSUPPORTED, FAILED = 0, 2, 3, 4
FORCE_MAGIC = 21196
# Requestable messages this vehicle has no hardware for: ACK 0 and nothing sent (measured).
SILENT_REQUESTS = {m.MAVLINK_MSG_ID_CAMERA_INFORMATION, m.MAVLINK_MSG_ID_GIMBAL_MANAGER_INFORMATION,
                   m.MAVLINK_MSG_ID_GIMBAL_DEVICE_ATTITUDE_STATUS}


def handle_command(sim: SimVehicle, msg: Any, reply: Reply) -> None:
    """Run one command and send its ACK (when ArduCopter sends one)."""
    is_int = msg.get_type() == "COMMAND_INT"
    cmd = msg.command
    p = [msg.param1, msg.param2, msg.param3, msg.param4]
    if is_int:
        x, y, z = msg.x * 1e-7, msg.y * 1e-7, msg.z
    else:
        x, y, z = msg.param5, msg.param6, msg.param7
    result = _dispatch(sim, cmd, p, x, y, z, reply, is_int)
    if result is None:
        return
    reply.send(m.MAVLink_command_ack_message(cmd, result, 0, 0, msg.get_srcSystem(), msg.get_srcComponent()))


def _dispatch(sim: SimVehicle, cmd: int, p: list[float], x: float, y: float, z: float, reply: Reply,
              is_int: bool) -> int | None:
    ap = sim.autopilot
    if cmd == m.MAV_CMD_COMPONENT_ARM_DISARM:
        force = int(p[1]) == FORCE_MAGIC
        return ap.arm(force) if p[0] == 1 else ap.disarm(force)
    if cmd == m.MAV_CMD_DO_SET_MODE:
        if not int(p[0]) & m.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED:
            return DENIED
        return ap.set_mode(int(p[1]))
    if cmd == m.MAV_CMD_NAV_TAKEOFF:
        return ap.takeoff(z)
    if cmd == m.MAV_CMD_MISSION_START:
        if p[0] != 0 or p[1] != 0:
            return DENIED
        return ap.mission_start()
    if cmd == m.MAV_CMD_DO_SET_MISSION_CURRENT:
        ok = ap.auto.set_current(int(p[0]))
        sim.send_mission_current()
        return ACCEPTED if ok else FAILED
    if cmd == m.MAV_CMD_NAV_RETURN_TO_LAUNCH:
        return ap.set_mode(M.RTL)
    if cmd == m.MAV_CMD_NAV_LAND:
        return ap.set_mode(M.LAND)
    if cmd == m.MAV_CMD_DO_CHANGE_SPEED:
        if p[1] > 0 and int(p[0]) in (0, 1):
            ap.auto.speed = p[1]          # AUTO: for the rest of this mission
            ap.guided_speed = p[1]        # GUIDED: for the following position targets
            return ACCEPTED
        return FAILED
    if cmd == m.MAV_CMD_DO_REPOSITION:
        if int(p[1]) & 1 and ap.mode != M.GUIDED:
            ap.set_mode(M.GUIDED)
        if not is_int and (x == 0 and y == 0):
            return FAILED
        return ACCEPTED if ap.guided_goto(x, y, z if z == z else None) else FAILED
    if cmd in (m.MAV_CMD_DO_SET_ROI, m.MAV_CMD_DO_SET_ROI_LOCATION):
        ap.set_roi(None if (x == 0 and y == 0) else (x, y, z))
        return ACCEPTED
    if cmd == m.MAV_CMD_DO_SET_ROI_NONE:
        ap.set_roi(None)
        return ACCEPTED
    if cmd == m.MAV_CMD_DO_MOUNT_CONTROL:
        ap.set_gimbal(p[0], p[2])
        return ACCEPTED
    if cmd == m.MAV_CMD_DO_GIMBAL_MANAGER_PITCHYAW:
        ap.set_gimbal(p[0], p[1])
        return ACCEPTED
    if cmd == m.MAV_CMD_SET_MESSAGE_INTERVAL:
        msg_id = int(p[0])
        if msg_id not in KNOWN_MESSAGES:
            sim.text(6, f"No ap_message for mavlink id ({msg_id})")
            return DENIED
        reply.port.streams.set_interval(msg_id, p[1])
        return ACCEPTED
    if cmd == m.MAV_CMD_GET_MESSAGE_INTERVAL:
        msg_id = int(p[0])
        if msg_id not in KNOWN_MESSAGES:
            return DENIED
        period = reply.port.streams.period_s(msg_id)
        if msg_id == m.MAVLINK_MSG_ID_HEARTBEAT:
            period = 1.0
        reply.send(m.MAVLink_message_interval_message(msg_id, int(period * 1e6) if period else 0))
        return ACCEPTED
    if cmd == m.MAV_CMD_REQUEST_MESSAGE:
        msg_id = int(p[0])
        if msg_id == m.MAVLINK_MSG_ID_MOUNT_ORIENTATION:
            return FAILED
        if msg_id in SILENT_REQUESTS:
            return ACCEPTED
        if msg_id not in KNOWN_MESSAGES:
            return DENIED
        out = sim.telemetry.build(msg_id)
        result_sent = ACCEPTED
        reply.send(m.MAVLink_command_ack_message(cmd, result_sent, 0, 0, sim.last_sender[0], sim.last_sender[1]))
        if out is not None:
            reply.send(out)
        return None
    if cmd == m.MAV_CMD_REQUEST_AUTOPILOT_CAPABILITIES:
        reply.send(m.MAVLink_command_ack_message(cmd, ACCEPTED, 0, 0, sim.last_sender[0], sim.last_sender[1]))
        reply.send(sim.telemetry.autopilot_version())
        return None
    if cmd in (m.MAV_CMD_DO_SET_SERVO, m.MAV_CMD_DO_REPEAT_SERVO, m.MAV_CMD_DO_SET_RELAY,
               m.MAV_CMD_DO_DIGICAM_CONTROL, m.MAV_CMD_IMAGE_START_CAPTURE, m.MAV_CMD_IMAGE_STOP_CAPTURE):
        return ACCEPTED
    return UNSUPPORTED
