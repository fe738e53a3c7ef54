"""TAK / Cursor-on-Target: share vehicles and sightings with ATAK, WinTAK, iTAK and TAK servers.

``cot`` builds and reads events from plain values; ``transport`` moves them over UDP multicast,
unicast UDP or TCP to a TAK server and hands back the markers team members drop.
"""

from groundcontrol.tak.cot import (
    SPOT_MARKER_TYPE,
    VEHICLE_TYPE,
    Marker,
    marker_event,
    parse_event,
    sighting_event,
    to_mesh,
    vehicle_event,
)
from groundcontrol.tak.transport import DEFAULT_URL, CotEndpoint, CotLink, LinkStatus, parse_url

__all__ = [
    "DEFAULT_URL", "SPOT_MARKER_TYPE", "VEHICLE_TYPE", "CotEndpoint", "CotLink", "LinkStatus", "Marker",
    "marker_event", "parse_event", "parse_url", "sighting_event", "to_mesh", "vehicle_event",
]
