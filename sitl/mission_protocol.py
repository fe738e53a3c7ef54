"""The MAVLink mission protocol on the vehicle side, timed on the sim clock.

Follows measured ArduCopter behaviour (ardupilot-facts §5): uploads are pulled with
MISSION_REQUEST (#40), the same seq is re-asked every 1 s while unanswered, the upload
is cancelled (ACK 15, "Mission upload timeout") 8 s after the last item received, a
wrong seq answers ACK 13 without aborting, a list request during an upload is DENIED,
a new MISSION_COUNT from the uploader restarts the transfer, and a rejected item ends it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from sitl import mission_store as ms
from sitl.mission_store import ItemRejected, MissionStore, StoredItem

REREQUEST_S = 1.0
UPLOAD_TIMEOUT_S = 8.0
SEV_WARNING, SEV_INFO = 4, 6


class Link:
    """What the protocol needs of a vehicle link: a way to send a message on it."""

    def send(self, msg: Any) -> None:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass
class _Upload:
    link: Link
    sysid: int
    compid: int
    count: int
    next_seq: int
    last_item_s: float
    last_request_s: float


class MissionProtocol:
    """Answers a ground station's mission messages and runs the upload state machine.

    ``home()`` gives (lat, lon, alt_amsl) for seq 0; ``statustext(severity, text)``
    broadcasts a text; ``on_total(count, announce)`` is told the stored item count (announce
    = an item was appended, when ArduPilot broadcasts PARAM_VALUE MIS_TOTAL);
    ``on_changed()`` is called after a completed upload or a clear.
    """

    def __init__(self, store: MissionStore, home: Callable[[], tuple[float, float, float]],
                 statustext: Callable[[int, str], None], on_total: Callable[[int, bool], None],
                 on_changed: Callable[[], None]) -> None:
        self.store = store
        self._home = home
        self._text = statustext
        self._on_total = on_total
        self._on_changed = on_changed
        self._upload: _Upload | None = None
        self._warned_float_request = False

    @property
    def uploading(self) -> bool:
        return self._upload is not None

    # ------------------------------------------------------------------ helpers
    def _ack(self, link: Link, sysid: int, compid: int, result: int, mission_type: int = 0) -> None:
        link.send(mavlink.MAVLink_mission_ack_message(sysid, compid, result, mission_type))

    def _request(self, up: _Upload, now: float) -> None:
        up.link.send(mavlink.MAVLink_mission_request_message(up.sysid, up.compid, up.next_seq, 0))
        up.last_request_s = now

    def _finish(self, result: int) -> None:
        up = self._upload
        self._upload = None
        if up is not None:
            self._ack(up.link, up.sysid, up.compid, result)

    # ------------------------------------------------------------------ upload
    def handle_count(self, msg: Any, link: Link, now: float) -> None:
        src = (msg.get_srcSystem(), msg.get_srcComponent())
        mtype = getattr(msg, "mission_type", 0)
        if mtype != 0:
            self._ack(link, *src, ms.UNSUPPORTED, mtype)
            return
        up = self._upload
        if up is not None and (up.sysid, up.compid) != src:
            self._ack(link, *src, ms.DENIED)
            return
        limit = self.store.max_items()
        if msg.count > limit:
            self._upload = None
            self._text(SEV_WARNING, f"Only {limit} items are supported")
            self._ack(link, *src, ms.NO_SPACE)
            return
        if msg.count == 0:
            self._upload = None
            self.store.clear()
            self._on_total(0, False)
            self._ack(link, *src, ms.ACCEPTED)
            self._on_changed()
            return
        if msg.count < self.store.count:
            self.store.truncate(msg.count)
            self._on_total(self.store.count, False)
        self._upload = _Upload(link, src[0], src[1], msg.count, 0, now, now)
        self._request(self._upload, now)

    def handle_item(self, msg: Any, link: Link, now: float) -> None:
        """MISSION_ITEM_INT (or the float MISSION_ITEM) answering our request."""
        if getattr(msg, "mission_type", 0) != 0:
            return
        up = self._upload
        src = (msg.get_srcSystem(), msg.get_srcComponent())
        if up is None or (up.sysid, up.compid) != src:
            return
        if msg.seq != up.next_seq:
            self._ack(link, *src, ms.INVALID_SEQUENCE)
            return
        if msg.get_type() == "MISSION_ITEM_INT":
            x, y = int(msg.x), int(msg.y)
        else:
            x, y = round(msg.x * 1e7), round(msg.y * 1e7)
        frame = msg.frame
        if msg.get_type() == "MISSION_ITEM" and frame in (5, 6, 11):
            frame = {5: 0, 6: 3, 11: 10}[frame]
        try:
            item = ms.convert_item(msg.command, frame, (msg.param1, msg.param2, msg.param3, msg.param4),
                                   x, y, msg.z, msg.autocontinue)
        except ItemRejected as rej:
            self._finish(rej.result)
            return
        if self.store.write(msg.seq, item):
            self._on_total(self.store.count, True)
        up.next_seq += 1
        up.last_item_s = now
        if up.next_seq >= up.count:
            self._finish(ms.ACCEPTED)
            self._text(SEV_INFO, "Flight plan received")
            self._on_changed()
        else:
            self._request(up, now)

    def tick(self, now: float) -> None:
        """Re-ask for a missing item every second; give up 8 s after the last item."""
        up = self._upload
        if up is None:
            return
        if now - up.last_item_s >= UPLOAD_TIMEOUT_S:
            self._finish(ms.CANCELLED)
            self._text(SEV_WARNING, "Mission upload timeout")
            self._on_changed()
        elif now - up.last_request_s >= REREQUEST_S:
            self._request(up, now)

    # ------------------------------------------------------------------ download and clear
    def handle_request_list(self, msg: Any, link: Link) -> None:
        src = (msg.get_srcSystem(), msg.get_srcComponent())
        mtype = getattr(msg, "mission_type", 0)
        if mtype != 0:
            link.send(mavlink.MAVLink_mission_count_message(src[0], src[1], 0, mtype))
            return
        if self._upload is not None:
            self._ack(link, *src, ms.DENIED)
            return
        link.send(mavlink.MAVLink_mission_count_message(src[0], src[1], self.store.count, 0))

    def stored(self, seq: int) -> StoredItem:
        """Item ``seq`` as a download returns it (seq 0 is the current home)."""
        item = self.store.item(seq)
        if item is None:
            lat, lon, alt = self._home()
            item = self.store.home_item(lat, lon, alt)
        return item

    def handle_request(self, msg: Any, link: Link, as_int: bool) -> None:
        """MISSION_REQUEST_INT (as_int) or the float MISSION_REQUEST for one item."""
        src = (msg.get_srcSystem(), msg.get_srcComponent())
        if getattr(msg, "mission_type", 0) != 0:
            return
        if self._upload is not None and (self._upload.sysid, self._upload.compid) == src:
            return  # a request from the uploader while uploading makes no sense; ArduPilot ignores it
        if not 0 <= msg.seq < self.store.count:
            self._ack(link, *src, ms.INVALID_SEQUENCE)
            return
        it = self.stored(msg.seq)
        if as_int:
            link.send(mavlink.MAVLink_mission_item_int_message(
                src[0], src[1], msg.seq, it.frame, it.command, 0, it.autocontinue,
                it.param1, it.param2, it.param3, it.param4, it.x, it.y, it.z, 0))
        else:
            if not self._warned_float_request:
                self._warned_float_request = True
                self._text(SEV_WARNING, "got MISSION_REQUEST; use MISSION_REQUEST_INT!")
            link.send(mavlink.MAVLink_mission_item_message(
                src[0], src[1], msg.seq, it.frame, it.command, 0, it.autocontinue,
                it.param1, it.param2, it.param3, it.param4, it.x * 1e-7, it.y * 1e-7, it.z, 0))

    def handle_clear_all(self, msg: Any, link: Link) -> None:
        src = (msg.get_srcSystem(), msg.get_srcComponent())
        mtype = getattr(msg, "mission_type", 0)
        if mtype not in (0, 255):
            self._ack(link, *src, ms.ACCEPTED, mtype)
            return
        self._upload = None
        self.store.clear()
        self._on_total(0, False)
        self._ack(link, *src, ms.ACCEPTED, mtype)
        self._on_changed()
