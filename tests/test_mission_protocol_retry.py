"""Vehicle answers the mission protocol can give, scripted exactly (pymavlink peer on TCP):
NO_SPACE while its storage is not ready, and lost requests the vehicle only repeats after 1 s."""

from __future__ import annotations

import threading
import time

import pytest
from link_helpers import ScriptedPeer, small_plan

from groundcontrol import mission
from groundcontrol.errors import MissionError
from groundcontrol.vehicle import Vehicle


@pytest.fixture
def peer():
    p = ScriptedPeer()
    stop = threading.Event()

    def beat():
        while not stop.is_set():
            if p._accepted.is_set():
                p.heartbeat()
            stop.wait(0.3)
    threading.Thread(target=beat, daemon=True).start()
    yield p
    stop.set()
    p.close()


class UploadScript:
    """Answers MISSION_COUNT like ArduCopter: NO_SPACE ``not_ready`` times, then requests items
    with MISSION_REQUEST (#40) and ends with MISSION_ACK 0. ``drop`` lists item seqs whose first
    answer is ignored (as if lost on the radio)."""

    def __init__(self, not_ready: int = 0, drop: tuple[int, ...] = (), limit: int = 650) -> None:
        self.not_ready, self.drop, self.limit = not_ready, set(drop), limit
        self.count = 0
        self.stored: dict[int, object] = {}
        self.counts_seen = 0

    def __call__(self, peer: ScriptedPeer, m) -> None:
        kind = m.get_type()
        if kind == "MISSION_COUNT":
            self.counts_seen += 1
            if self.not_ready > 0 or m.count > self.limit:
                self.not_ready -= 1
                n = 0 if m.count <= self.limit else self.limit
                peer.send(peer.mav.statustext_encode(4, f"Only {n} items are supported".encode()))
                peer.send(peer.mav.mission_ack_encode(255, 190, 4, 0))
                return
            self.count, self.stored = m.count, {}
            peer.send(peer.mav.mission_request_encode(255, 190, 0, 0))
        elif kind == "MISSION_ITEM_INT":
            if m.seq in self.drop:
                self.drop.discard(m.seq)
                return
            if m.seq != len(self.stored):
                peer.send(peer.mav.mission_ack_encode(255, 190, 13, 0))
                return
            self.stored[m.seq] = m
            if len(self.stored) == self.count:
                peer.send(peer.mav.mission_ack_encode(255, 190, 0, 0))
            else:
                peer.send(peer.mav.mission_request_encode(255, 190, len(self.stored), 0))


def _station(peer) -> Vehicle:
    return Vehicle.connect(peer.connection, timeout=5, request_telemetry=False)


def test_no_space_before_the_vehicle_is_ready_is_retried_until_it_is(peer):
    script = UploadScript(not_ready=2)
    peer.on_message = script
    v = _station(peer)
    try:
        items = small_plan().mission_items()
        mission.upload(v.link, 1, 1, items)
        assert script.counts_seen == 3 and len(script.stored) == len(items)
        assert [script.stored[i].x for i in range(2, len(items) - 1)] == [round(it.x * 1e7) for it in items[2:-1]]
    finally:
        v.close()


def test_a_plan_larger_than_the_vehicle_holds_names_the_limit(peer):
    peer.on_message = UploadScript(limit=5)
    v = _station(peer)
    try:
        with pytest.raises(MissionError, match="holds at most 5 items .* the plan has 6"):
            mission.upload(v.link, 1, 1, small_plan(legs=((10, 0), (20, 0), (30, 0))).mission_items())
    finally:
        v.close()


def test_lost_answers_are_resent_without_waiting_for_the_vehicles_one_second_retry(peer):
    script = UploadScript(drop=(1, 3, 4))
    peer.on_message = script
    v = _station(peer)
    try:
        items = small_plan().mission_items()
        t = time.monotonic()
        mission.upload(v.link, 1, 1, items)
        assert len(script.stored) == len(items)
        assert time.monotonic() - t < 2.0  # the peer never re-requests: only our own resends got it through
    finally:
        v.close()


def test_the_vehicle_stopping_mid_upload_is_reported_with_where_it_stopped(peer):
    script = UploadScript()
    peer.on_message = lambda p, m: None if (m.get_type() == "MISSION_ITEM_INT" and m.seq >= 2) else script(p, m)
    v = _station(peer)
    try:
        with pytest.raises(MissionError, match="stopped answering after item 2 of"):
            mission.upload(v.link, 1, 1, small_plan().mission_items(), stall_timeout=1.0)
    finally:
        v.close()

