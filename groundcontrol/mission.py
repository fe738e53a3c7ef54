"""The MAVLink mission protocol: upload, download, clear, and checking what the vehicle holds.

Written for radios that lose packets. The vehicle drives an upload by requesting items
(ArduCopter asks with MISSION_REQUEST #40 even though we answer with MISSION_ITEM_INT, and
re-asks every second); we answer whatever it asks for, so lost or repeated requests just
work. Downloads are driven by us: several requests are kept in flight and re-sent after a
timeout that follows the measured round-trip time. After an upload, :func:`verify`
downloads the mission and compares it item by item, because an upload that "succeeded"
over a bad link is only trusted once read back.

Known vehicle behaviours handled (see /work/shared/ardupilot-facts.md section 5): item 0 is
replaced by home; frames come back in their non-INT form; right after boot the vehicle
answers NO_SPACE ("Only 0 items are supported") until its storage is ready.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Sequence

from groundcontrol.errors import MissionError
from groundcontrol.link import Link
from search_patterns import mission_items as mi
from search_patterns.mission_items import MissionItem

Progress = Callable[[int, int], None]

MISSION_ACK_NAMES = {
    0: "ACCEPTED", 1: "ERROR", 2: "UNSUPPORTED_FRAME", 3: "UNSUPPORTED", 4: "NO_SPACE", 5: "INVALID",
    6: "INVALID_PARAM1", 7: "INVALID_PARAM2", 8: "INVALID_PARAM3", 9: "INVALID_PARAM4",
    10: "INVALID_PARAM5_X", 11: "INVALID_PARAM6_Y", 12: "INVALID_PARAM7", 13: "INVALID_SEQUENCE",
    14: "DENIED", 15: "OPERATION_CANCELLED",
}
GLOBAL_FRAMES = frozenset({0, 3, 5, 6, 10, 11})
# INT frames the vehicle stores (and returns) in their plain form.
FRAME_ON_DOWNLOAD = {5: 0, 6: 3, 11: 10}
class MissionTooLarge(MissionError):
    """The vehicle has no room for the mission; ``limit`` is how many items it holds."""

    def __init__(self, limit: int, message: str) -> None:
        self.limit = limit
        super().__init__(message)


_ONLY_N = re.compile(r"Only (\d+) items are supported")


def _to_wire(link: Link, sysid: int, compid: int, seq: int, item: MissionItem):
    if item.frame in GLOBAL_FRAMES:
        x, y = int(round(item.x * 1e7)), int(round(item.y * 1e7))
    else:
        x, y = int(round(item.x)), int(round(item.y))
    return link.mav.mission_item_int_encode(sysid, compid, seq, item.frame, item.command, 0,
                                            item.autocontinue, item.param1, item.param2, item.param3,
                                            item.param4, x, y, float(item.z), 0)


def _from_wire(m) -> MissionItem:
    if m.get_type() == "MISSION_ITEM_INT":
        scale = 1e7 if m.frame in GLOBAL_FRAMES else 1.0
        x, y = m.x / scale, m.y / scale  # division keeps 1e-7 steps exact as decimals
    else:
        x, y = float(m.x), float(m.y)
    return MissionItem(command=m.command, frame=m.frame, param1=m.param1, param2=m.param2,
                       param3=m.param3, param4=m.param4, x=x, y=y, z=m.z, autocontinue=m.autocontinue)


def _from(sysid: int, *types: str):
    wanted = frozenset(types)

    def pred(m) -> bool:
        return m.get_srcSystem() == sysid and m.get_type() in wanted and \
            getattr(m, "mission_type", 0) == 0
    return pred


def upload(link: Link, sysid: int, compid: int, items: Sequence[MissionItem], *,
           progress: Progress | None = None, stall_timeout: float = 12.0,
           ready_timeout: float = 90.0) -> None:
    """Send ``items`` (item 0 = home placeholder) to the vehicle.

    Raises :class:`MissionError` with the vehicle's reason if it refuses an item, has no
    room, or stops answering for ``stall_timeout`` seconds. While the vehicle's mission
    store is not ready yet (NO_SPACE with "Only 0 items"), it retries for ``ready_timeout``.
    """
    count = len(items)
    if count == 0:
        clear(link, sysid, compid)
        return
    limit_text: int | None = None
    start = time.monotonic()
    with link.expect(_from(sysid, "MISSION_REQUEST", "MISSION_REQUEST_INT", "MISSION_ACK", "STATUSTEXT")) as w:
        def send_item(seq: int) -> None:
            link.send(_to_wire(link, sysid, compid, seq, items[seq]))

        def restart() -> None:
            link.send(link.mav.mission_count_encode(sysid, compid, count, 0))

        restart()
        last_send = last_progress = time.monotonic()
        highest = -1  # highest seq the vehicle asked for
        sent_seq: int | None = None  # the item we sent last (and when)
        sent_at = 0.0
        nudged: set[int] = set()
        rto = 0.25
        all_sent_at: float | None = None
        while True:
            m = w.get(0.02)
            now = time.monotonic()
            if m is None:
                if all_sent_at is not None and now - all_sent_at > max(2.0, 4 * rto):
                    return  # the final ACK was lost; verify() will tell whether it all arrived
                if now - last_progress > stall_timeout:
                    where = f"after item {highest} of {count - 1}" if highest >= 0 else "before the first item"
                    raise MissionError(f"mission upload: the vehicle stopped answering {where} "
                                       f"({stall_timeout:g} s); check the link and try again")
                if highest < 0 and now - last_send > max(0.5, 2 * rto):  # MISSION_COUNT or its answer lost
                    restart()
                    last_send = now
                elif sent_seq is not None and now - sent_at > rto:
                    # Fast retransmit: the vehicle only re-asks after 1 s; resend what it asked for last.
                    send_item(sent_seq)
                    sent_at = now
                continue
            kind = m.get_type()
            if kind == "STATUSTEXT":
                found = _ONLY_N.search(m.text if isinstance(m.text, str) else "")
                if found:
                    limit_text = int(found.group(1))
                continue
            if kind in ("MISSION_REQUEST", "MISSION_REQUEST_INT"):
                if m.target_system not in (0, link.mav.srcSystem) or not 0 <= m.seq < count:
                    continue
                if sent_seq is not None and m.seq == sent_seq + 1:
                    rto = min(1.0, max(0.03, 0.8 * rto + 0.2 * 3 * (now - sent_at)))
                send_item(m.seq)
                sent_seq, sent_at, last_send = m.seq, now, now
                if m.seq > highest:
                    highest = m.seq
                    last_progress = now
                    if progress is not None:
                        progress(m.seq + 1, count)
                    if highest == count - 1:
                        all_sent_at = now
                continue
            # MISSION_ACK
            if m.target_system not in (0, link.mav.srcSystem):
                continue
            if m.type == 0:
                if highest == count - 1:
                    return
                continue  # a stale ACK from an earlier transfer
            if m.type == 13:
                # INVALID_SEQUENCE: the item we repeated had already arrived, so the request for the
                # next one was lost. Send that next item without waiting to be asked again.
                if sent_seq is not None and sent_seq == highest and sent_seq + 1 < count \
                        and sent_seq + 1 not in nudged:
                    nudged.add(sent_seq + 1)
                    sent_seq += 1
                    send_item(sent_seq)
                    sent_at = now
                    highest = sent_seq
                    last_progress = now
                    if progress is not None:
                        progress(sent_seq + 1, count)
                    if highest == count - 1:
                        all_sent_at = now
                continue
            if m.type == 4:  # NO_SPACE
                time.sleep(0.1)  # let the explaining STATUSTEXT arrive
                for t in w.drain():
                    if t.get_type() == "STATUSTEXT":
                        found = _ONLY_N.search(t.text)
                        if found:
                            limit_text = int(found.group(1))
                if limit_text and count > limit_text:
                    raise MissionTooLarge(limit_text, f"mission upload: the vehicle holds at most {limit_text} items "
                                       f"(including home) and the plan has {count}; split the plan")
                if time.monotonic() - start > ready_timeout:
                    raise MissionError("mission upload: the vehicle's mission storage is not ready "
                                       f"after {ready_timeout:g} s (NO_SPACE)")
                time.sleep(1.0)  # storage not ready yet (right after boot): ask again
                restart()
                last_send = last_progress = time.monotonic()
                highest, sent_seq, all_sent_at = -1, None, None
                nudged.clear()
                continue
            if m.type in (14, 15) and time.monotonic() - start < stall_timeout:
                # DENIED (a transfer was still open) or CANCELLED (it timed out): start over once more
                time.sleep(0.5)
                restart()
                last_send = last_progress = time.monotonic()
                highest, sent_seq, all_sent_at = -1, None, None
                nudged.clear()
                continue
            name = MISSION_ACK_NAMES.get(m.type, str(m.type))
            bad = sent_seq if sent_seq is not None else 0
            raise MissionError(f"mission upload: the vehicle rejected item {bad} "
                               f"(command {items[bad].command}): {name}; the vehicle's stored mission "
                               "may be half-written, upload again after fixing it")


def download(link: Link, sysid: int, compid: int, *, progress: Progress | None = None,
             stall_timeout: float = 12.0, window: int = 10) -> list[MissionItem]:
    """Read the vehicle's mission (item 0 is home). Raises :class:`MissionError` if it stalls."""
    with link.expect(_from(sysid, "MISSION_COUNT", "MISSION_ITEM_INT", "MISSION_ITEM", "MISSION_ACK")) as w:
        count = _request_count(link, sysid, compid, w, stall_timeout)
        got: dict[int, MissionItem] = {}
        pending: dict[int, float] = {}  # seq -> time requested
        next_seq = 0
        rto = 0.3
        last_progress = time.monotonic()
        while len(got) < count:
            now = time.monotonic()
            while next_seq < count and len(pending) < window:
                link.send(link.mav.mission_request_int_encode(sysid, compid, next_seq, 0))
                pending[next_seq] = now
                next_seq += 1
            for seq, sent in list(pending.items()):
                if now - sent > rto:
                    link.send(link.mav.mission_request_int_encode(sysid, compid, seq, 0))
                    pending[seq] = now
            m = w.get(0.05)
            now = time.monotonic()
            if m is None:
                if now - last_progress > stall_timeout:
                    raise MissionError(f"mission download: the vehicle stopped answering at item "
                                       f"{len(got)} of {count} ({stall_timeout:g} s)")
                continue
            if m.get_type() not in ("MISSION_ITEM_INT", "MISSION_ITEM") or m.seq in got or m.seq >= count:
                continue
            got[m.seq] = _from_wire(m)
            sent = pending.pop(m.seq, None)
            if sent is not None:
                rto = min(1.0, max(0.05, 0.8 * rto + 0.2 * 4 * (now - sent)))
            last_progress = now
            if progress is not None:
                progress(len(got), count)
        link.send(link.mav.mission_ack_encode(sysid, compid, 0, 0))
    return [got[i] for i in range(count)]


def _request_count(link: Link, sysid: int, compid: int, w, stall_timeout: float) -> int:
    deadline = time.monotonic() + stall_timeout
    while time.monotonic() < deadline:
        link.send(link.mav.mission_request_list_encode(sysid, compid, 0))
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            m = w.get(end - time.monotonic())
            if m is not None and m.get_type() == "MISSION_COUNT":
                return m.count
    raise MissionError(f"mission download: no MISSION_COUNT from the vehicle in {stall_timeout:g} s")


def clear(link: Link, sysid: int, compid: int, *, timeout: float = 10.0) -> None:
    """Delete the vehicle's mission; raises :class:`MissionError` if it does not confirm."""
    with link.expect(_from(sysid, "MISSION_ACK")) as w:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            link.send(link.mav.mission_clear_all_encode(sysid, compid, 0))
            m = w.get(1.0)
            if m is None:
                continue
            if m.type == 0:
                return
            raise MissionError(f"mission clear refused by the vehicle: {MISSION_ACK_NAMES.get(m.type, m.type)}")
    raise MissionError(f"mission clear: no answer from the vehicle in {timeout:g} s")


def _close(a: float, b: float, tol: float) -> bool:
    if math.isnan(a) and math.isnan(b):
        return True
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def _stored_frame(frame: int) -> int:
    frame = FRAME_ON_DOWNLOAD.get(frame, frame)
    return 0 if frame == 2 else frame  # MAV_FRAME_MISSION is stored as GLOBAL


def differences(sent: Sequence[MissionItem], got: Sequence[MissionItem]) -> list[str]:
    """Where the vehicle's mission differs from what was sent, ignoring what the vehicle
    legitimately changes (item 0 is home; INT frames come back plain; float rounding)."""
    if len(sent) != len(got):
        return [f"the vehicle holds {len(got)} items, {len(sent)} were sent"]
    out = []
    for seq in range(1, len(sent)):
        a, b = sent[seq], got[seq]
        frame_a, frame_b = _stored_frame(a.frame), _stored_frame(b.frame)
        problems = []
        if a.command != b.command:
            problems.append(f"command {a.command} became {b.command}")
        has_position = (a.x, a.y) != (0.0, 0.0)  # frames mean nothing to items without a position
        if frame_a != frame_b and has_position:
            problems.append(f"frame {a.frame} became {b.frame}")
        for name in ("param1", "param2", "param3", "param4"):
            if not _close(getattr(a, name), getattr(b, name), 1e-4):
                problems.append(f"{name} {getattr(a, name)} became {getattr(b, name)}")
        if a.frame in GLOBAL_FRAMES and (abs(a.x - b.x) > 2e-7 or abs(a.y - b.y) > 2e-7):
            problems.append(f"position {a.x:.7f},{a.y:.7f} became {b.x:.7f},{b.y:.7f}")
        if a.command != mi.MAV_CMD_DO_MOUNT_CONTROL and not _close(a.z, b.z, 1e-3):
            # DO_MOUNT_CONTROL's z is a mount mode ArduPilot rewrites; it is not a height.
            problems.append(f"altitude {a.z} became {b.z}")
        if problems:
            out.append(f"item {seq}: " + ", ".join(problems))
    return out


def verify(link: Link, sysid: int, compid: int, sent: Sequence[MissionItem], *,
           progress: Progress | None = None) -> list[MissionItem]:
    """Download and compare; raises :class:`MissionError` listing the first differences."""
    got = download(link, sysid, compid, progress=progress)
    diffs = differences(sent, got)
    if diffs:
        more = f" (and {len(diffs) - 3} more)" if len(diffs) > 3 else ""
        raise MissionError("mission verification failed: " + "; ".join(diffs[:3]) + more)
    return got
