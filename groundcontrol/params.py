"""Reading and writing vehicle parameters (PARAM_REQUEST_READ / PARAM_SET -> PARAM_VALUE)."""

from __future__ import annotations

import time

from groundcontrol.errors import LinkError
from groundcontrol.link import Link

MAV_PARAM_TYPE_REAL32 = 9


def _name(m) -> str:
    pid = m.param_id
    return (pid if isinstance(pid, str) else pid.decode("ascii", "replace")).rstrip("\x00")


def get(link: Link, sysid: int, compid: int, name: str, *, timeout: float = 3.0, attempts: int = 3) -> float:
    """One parameter's value; :class:`LinkError` if the vehicle does not answer (or has none)."""
    with link.expect(lambda m: m.get_srcSystem() == sysid and m.get_type() == "PARAM_VALUE"
                     and _name(m) == name) as w:
        for _ in range(attempts):
            link.send(link.mav.param_request_read_encode(sysid, compid, name.encode("ascii"), -1))
            m = w.get(timeout / attempts)
            if m is not None:
                return float(m.param_value)
    raise LinkError(f"parameter {name}: no answer from vehicle {sysid} (does it have this parameter?)")


def set(link: Link, sysid: int, compid: int, name: str, value: float, *, timeout: float = 3.0,
        attempts: int = 3) -> float:
    """Set a parameter and return the value the vehicle echoed back."""
    with link.expect(lambda m: m.get_srcSystem() == sysid and m.get_type() == "PARAM_VALUE"
                     and _name(m) == name) as w:
        for _ in range(attempts):
            link.send(link.mav.param_set_encode(sysid, compid, name.encode("ascii"), float(value),
                                                MAV_PARAM_TYPE_REAL32))
            end = time.monotonic() + timeout / attempts
            m = w.get(end - time.monotonic())
            if m is not None:
                return float(m.param_value)
    raise LinkError(f"parameter {name}: vehicle {sysid} did not confirm the new value")
