"""Cursor-on-Target events: what we tell ATAK / WinTAK / iTAK, and what they tell us.

Why plain values in, bytes out: the ground station's vehicles live in ``groundcontrol`` and its
sightings in ``detection``, which must not know each other. The UI layer reads both and hands
plain numbers to these builders, so this module depends on neither.

Events are CoT XML (version 2.0), which every TAK client and server reads; ``to_mesh`` turns one
into TAK protocol v1 (protobuf) for meshes that want it. pytak builds the event skeleton (uid,
type, times, point); we add the details TAK clients use: ``contact`` (the label), ``track``
(course and speed), ``remarks``, ``color``, ``link`` and a ``sargc`` element with our own fields.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from lxml import etree

with warnings.catch_warnings():  # pytak warns at import that its optional HTTP extra is missing
    warnings.simplefilter("ignore")
    import pytak

from search_patterns.errors import InputError

#: Friendly air, rotary-wing unmanned (a quadcopter) in the MIL-STD-2525 tree CoT types follow.
VEHICLE_TYPE = "a-f-A-M-H-Q"
#: A spot-map marker: what ATAK's "drop a marker" makes, and what we use for sightings.
SPOT_MARKER_TYPE = "b-m-p-s-m"
#: How long a vehicle position stays fresh on a TAK map without a new one (published ~1 Hz).
VEHICLE_STALE_S = 15
#: Sightings stay on maps for a working day unless resent.
SIGHTING_STALE_S = 12 * 3600
MARKER_STALE_S = 24 * 3600
#: ATAK colours are signed 32-bit ARGB integers.
COLORS = {"yellow": -256, "red": -65536, "green": -16711936, "white": -1, "grey": -7829368}
REVIEW_COLORS = {"pending": "yellow", "confirmed": "red", "rejected": "grey"}
#: Events larger than this are refused before parsing: a CoT event is a few hundred bytes.
MAX_EVENT_BYTES = 256 * 1024
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                          remove_comments=True, remove_pis=True, load_dtd=False)


@dataclass(frozen=True)
class Marker:
    """One CoT event received from a TAK client or server, as plain values.

    A point a team member dropped in ATAK (``is_user_marker``), another team's position, or our
    own event echoed back. ``hae`` is metres above the WGS84 ellipsoid; ``course`` and ``speed``
    (degrees, m/s) are set when the event carried a ``track``.
    """

    uid: str
    lat: float
    lon: float
    cot_type: str
    callsign: str = ""
    remarks: str = ""
    hae: float | None = None
    ce: float | None = None
    how: str = ""
    time: dt.datetime | None = None
    stale: dt.datetime | None = None
    course: float | None = None
    speed: float | None = None
    parent_callsign: str = ""
    sargc: tuple[tuple[str, str], ...] = ()

    @property
    def is_user_marker(self) -> bool:
        """True for points a person placed (spot markers, dropped points), not moving tracks."""
        return self.cot_type.startswith("b-m-p") or self.how.startswith("h-")

    @property
    def from_sargc(self) -> bool:
        """True when a SAR Ground Control station sent this (ours or another laptop's)."""
        return bool(self.sargc)

    @property
    def title(self) -> str:
        """What a map shows as this marker's label."""
        return self.callsign or self.uid

    def field(self, name: str, default: str = "") -> str:
        """One of our own ``sargc`` fields (sighting id, score, review) if the event came from us."""
        return dict(self.sargc).get(name, default)


def _finite(name: str, value: float, lo: float, hi: float) -> float:
    v = float(value)
    if not math.isfinite(v) or not lo <= v <= hi:
        raise InputError(f"{name} {value!r} is outside {lo}..{hi}", where="CoT event")
    return v


def _event(uid: str, lat: float, lon: float, *, cot_type: str, how: str, stale_s: float,
           hae: float | None, ce: float | None, callsign: str) -> tuple[ET.Element, ET.Element]:
    if not uid or any(c.isspace() for c in uid):
        raise InputError(f"uid {uid!r} must be a non-empty word", where="CoT event")
    lat = _finite("latitude", lat, -90, 90)
    lon = _finite("longitude", lon, -180, 180)
    hae_s = f"{_finite('altitude', hae, -12000, 100000):.1f}" if hae is not None else None
    ce_s = f"{max(0.0, float(ce)):.1f}" if ce is not None and math.isfinite(ce) else None
    # pytak rounds to 4 decimals (~11 m) by default; a sighting needs metres, so keep 7 (~1 cm).
    point = pytak.cot_point(lat=lat, lon=lon, hae=hae_s, ce=ce_s, precision=7)
    detail = pytak.cot_detail(flow_tag=False)
    event = pytak.cot_event(uid=uid, cot_type=cot_type, how=how, stale=max(1, int(stale_s)),
                            point=point, detail=detail, callsign=callsign or None)
    return event, detail


def _sargc(detail: ET.Element, **fields: object) -> None:
    el = ET.SubElement(detail, "sargc")
    for k, v in fields.items():
        if v is not None and v != "":
            el.set(k, str(v))


def vehicle_event(uid: str, lat: float, lon: float, hae: float | None = None, *, course: float | None = None,
                  speed: float | None = None, callsign: str = "", remarks: str = "",
                  cot_type: str = VEHICLE_TYPE, stale_s: float = VEHICLE_STALE_S) -> bytes:
    """A vehicle's position as a CoT event (bytes of XML).

    ``hae`` is height above the WGS84 ellipsoid in metres (MAVLink ``alt`` of GLOBAL_POSITION_INT
    is AMSL; the difference is the geoid, tens of metres; TAK maps only show it). ``course`` is
    degrees true, ``speed`` m/s over ground.
    """
    event, detail = _event(uid, lat, lon, cot_type=cot_type, how="m-g", stale_s=stale_s, hae=hae, ce=None,
                           callsign=callsign or uid)
    if course is not None or speed is not None:
        track = ET.SubElement(detail, "track")
        if course is not None and math.isfinite(course):
            track.set("course", f"{round(float(course) % 360.0, 1) % 360.0:.1f}")
        if speed is not None and math.isfinite(speed):
            track.set("speed", f"{max(0.0, float(speed)):.2f}")
    ET.SubElement(detail, "precisionlocation", geopointsrc="GPS", altsrc="GPS")
    if remarks:
        ET.SubElement(detail, "remarks").text = remarks
    _sargc(detail, kind="vehicle")
    return pytak.serialize_cot(event)


def sighting_event(uid: str, lat: float, lon: float, *, score: float, review: str = "pending",
                   title: str = "", picture_url: str = "", error_m: float | None = None,
                   hae: float | None = None, detector: str = "", sighting_id: str | int = "",
                   stale_s: float = SIGHTING_STALE_S) -> bytes:
    """A possible subject seen from the air, as a spot marker TAK clients show and can tap.

    Colour says the review state (yellow: pending, red: confirmed, grey: rejected); the label
    says CONFIRMED for confirmed ones so it reads on a monochrome screen too. ``error_m`` is the
    ground position's error radius (CoT ``ce``). ``picture_url`` goes in a ``link`` and in the
    remarks, where ATAK shows it as a tappable address.
    """
    if review not in REVIEW_COLORS:
        raise InputError(f"review state {review!r} is not one of {sorted(REVIEW_COLORS)}", where="CoT sighting")
    score = _finite("score", score, 0.0, 1.0)
    label = title or f"Sighting {sighting_id}".strip()
    if review == "confirmed":
        label = f"CONFIRMED {label}"
    elif review == "rejected":
        label = f"{label} (rejected)"
    event, detail = _event(uid, lat, lon, cot_type=SPOT_MARKER_TYPE, how="m-p", stale_s=stale_s, hae=hae,
                           ce=error_m, callsign=label)
    ET.SubElement(detail, "color", argb=str(COLORS[REVIEW_COLORS[review]]))
    words = [f"Possible subject, score {score:.2f}, {review}"]
    if detector:
        words.append(f"detector {detector}")
    if error_m is not None:
        words.append(f"± {error_m:.0f} m")
    if picture_url:
        words.append(f"picture {picture_url}")
        ET.SubElement(detail, "link", url=picture_url, relation="r-u", mime="image/jpeg", remarks="picture")
    ET.SubElement(detail, "remarks").text = "; ".join(words)
    _sargc(detail, kind="sighting", sighting_id=sighting_id, score=f"{score:.3f}", review=review,
           detector=detector, picture=picture_url)
    return pytak.serialize_cot(event)


def marker_event(uid: str, lat: float, lon: float, *, title: str, remarks: str = "", color: str = "white",
                 hae: float | None = None, cot_type: str = SPOT_MARKER_TYPE,
                 stale_s: float = MARKER_STALE_S) -> bytes:
    """A plain map marker (a datum, a clue, a landing zone) as a person would drop it."""
    if color not in COLORS:
        raise InputError(f"colour {color!r} is not one of {sorted(COLORS)}", where="CoT marker")
    event, detail = _event(uid, lat, lon, cot_type=cot_type, how="h-g-i-g-o", stale_s=stale_s, hae=hae,
                           ce=None, callsign=title)
    ET.SubElement(detail, "color", argb=str(COLORS[color]))
    if remarks:
        ET.SubElement(detail, "remarks").text = remarks
    _sargc(detail, kind="marker")
    return pytak.serialize_cot(event)


def to_mesh(event_xml: bytes) -> bytes:
    """The same event as TAK protocol v1 mesh bytes (protobuf), for meshes that ask for it."""
    import takproto

    return bytes(takproto.xml2proto(event_xml, takproto.TAKProtoVer.MESH))


def _time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    t = text.strip().replace("Z", "+00:00")
    try:
        when = dt.datetime.fromisoformat(t)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def _float(el: etree._Element | None, name: str) -> float | None:
    if el is None:
        return None
    try:
        v = float(el.get(name, ""))
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) and v != 9999999.0 else None


def parse_event(data: bytes | str, *, where: str = "CoT event") -> Marker:
    """Read one CoT event (XML, or TAK protocol v1 mesh/stream bytes) into a ``Marker``.

    Anything that is not a usable event with a position raises ``InputError`` naming ``where``
    (the sender's address, or a file): TAK networks carry chat, pings and other traffic too.
    """
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_EVENT_BYTES:
        raise InputError(f"event of {len(raw)} bytes is larger than {MAX_EVENT_BYTES}", where=where)
    if raw[:1] == b"\xbf":
        return _parse_proto(raw, where)
    try:
        root = etree.fromstring(raw.strip(), _PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise InputError(f"not CoT XML ({exc})", where=where) from None
    if root is None or root.tag != "event":
        raise InputError(f"root element is <{getattr(root, 'tag', None)}>, not <event>", where=where)
    uid, cot_type = root.get("uid", ""), root.get("type", "")
    if not uid or not cot_type:
        raise InputError("event without uid or type", where=where)
    point = root.find("point")
    lat, lon = _float(point, "lat"), _float(point, "lon")
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"event {uid!r} has no valid point", where=where)
    detail = root.find("detail")
    d = detail if detail is not None else etree.Element("detail")
    contact, track, sargc, link = d.find("contact"), d.find("track"), d.find("sargc"), d.find("link")
    remarks = d.findtext("remarks") or ""
    parent = ""
    if link is not None and link.get("relation") == "p-p":
        parent = link.get("parent_callsign", "")
    return Marker(
        uid=uid, lat=lat, lon=lon, cot_type=cot_type,
        callsign=contact.get("callsign", "") if contact is not None else "",
        remarks=remarks.strip(), hae=_float(point, "hae"), ce=_float(point, "ce"), how=root.get("how", ""),
        time=_time(root.get("time")), stale=_time(root.get("stale")),
        course=_float(track, "course"), speed=_float(track, "speed"), parent_callsign=parent,
        sargc=tuple(sorted((str(k), str(v)) for k, v in sargc.attrib.items())) if sargc is not None else (),
    )


def _parse_proto(raw: bytes, where: str) -> Marker:
    import takproto

    try:
        msg = takproto.parse_proto(bytearray(raw))
    except Exception as exc:  # protobuf raises its own DecodeError and others on garbage
        raise InputError(f"not a TAK protocol message ({type(exc).__name__})", where=where) from None
    if msg is None or not msg.HasField("cotEvent"):
        raise InputError("TAK protocol message without an event", where=where)
    ev = msg.cotEvent
    if not ev.uid or not ev.type:
        raise InputError("event without uid or type", where=where)
    if not (math.isfinite(ev.lat) and math.isfinite(ev.lon) and -90 <= ev.lat <= 90 and -180 <= ev.lon <= 180):
        raise InputError(f"event {ev.uid!r} has no valid point", where=where)

    def ms(v: int) -> dt.datetime | None:
        try:
            return dt.datetime.fromtimestamp(v / 1000.0, dt.timezone.utc) if v else None
        except (OverflowError, OSError, ValueError):
            return None

    det = ev.detail
    remarks, sargc = "", ()
    if det.xmlDetail:
        try:
            frag = etree.fromstring(f"<d>{det.xmlDetail}</d>".encode(), _PARSER)
            remarks = (frag.findtext("remarks") or "").strip()
            el = frag.find("sargc")
            if el is not None:
                sargc = tuple(sorted((str(k), str(v)) for k, v in el.attrib.items()))
        except etree.XMLSyntaxError:
            pass
    has_track = det.HasField("track")
    return Marker(uid=ev.uid, lat=ev.lat, lon=ev.lon, cot_type=ev.type, callsign=det.contact.callsign,
                  remarks=remarks, hae=ev.hae if ev.hae != 9999999.0 else None,
                  ce=ev.ce if ev.ce != 9999999.0 else None, how=ev.how, time=ms(ev.sendTime),
                  stale=ms(ev.staleTime), course=det.track.course if has_track else None,
                  speed=det.track.speed if has_track else None, sargc=sargc)
