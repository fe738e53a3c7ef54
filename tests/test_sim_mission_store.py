"""Properties of the simulator's mission storage and of the faulty link's packet splitter."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from pymavlink.dialects.v20 import ardupilotmega as m

from sitl import mission_store as ms
from sitl.faulty_link import split_packets
from sitl.mission_store import ItemRejected, MissionStore, convert_item

lat_e7 = st.integers(-900_000_000, 900_000_000)
lon_e7 = st.integers(-1_800_000_000, 1_800_000_000)


@given(lat_e7, lon_e7, st.sampled_from([0, 2, 3, 5, 6, 10, 11]), st.floats(-500, 5000, allow_nan=False))
def test_waypoint_positions_round_trip_exactly_and_frames_map_like_arducopter(lat, lon, frame, z):
    item = convert_item(16, frame, (0, 0, 0, 0), lat, lon, z)
    assert (item.x, item.y) == (lat, lon)
    assert item.frame == {0: 0, 2: 0, 3: 3, 5: 0, 6: 3, 10: 10, 11: 10}[frame]
    assert abs(item.z - z) <= abs(z) * 1e-6 + 1e-6


@given(st.integers(900_000_001, 2_000_000_000))
def test_latitude_beyond_90_degrees_is_invalid_param5(lat):
    try:
        convert_item(16, 6, (0, 0, 0, 0), lat, 0, 10)
    except ItemRejected as rej:
        assert rej.result == ms.INVALID_PARAM5_X
    else:
        raise AssertionError("accepted")


def test_unsupported_commands_and_frames_get_their_codes():
    for cmd, frame, code in ((9999, 6, ms.UNSUPPORTED), (300, 6, ms.UNSUPPORTED), (16, 1, ms.UNSUPPORTED_FRAME)):
        try:
            convert_item(cmd, frame, (0, 0, 0, 0), 0, 0, 0)
        except ItemRejected as rej:
            assert rej.result == code
        else:
            raise AssertionError(f"{cmd}/{frame} accepted")


@given(st.integers(1, 30), st.integers(1, 30), st.integers(0, 30))
def test_partial_upload_overwrites_in_place_and_only_shrinks_to_the_new_count(old_n, new_n, written):
    store = MissionStore()
    for seq in range(1, old_n):
        store.write(seq, convert_item(16, 6, (0, 0, 0, 0), seq, 0, 1.0))
    if new_n < store.count:
        store.truncate(new_n)
    written = min(written, new_n)
    for seq in range(written):
        store.write(seq, convert_item(16, 6, (0, 0, 0, 0), seq, 0, 2.0))
    expected_len = max(min(old_n, new_n), written)
    assert store.count == max(expected_len, 1)
    zs = [store.item(s).z for s in range(1, store.count)]
    assert zs == [2.0 if s < written else 1.0 for s in range(1, store.count)]


def test_writing_seq_0_after_clear_all_puts_home_back_and_stores_the_payload_at_1():
    store = MissionStore()
    store.clear()
    assert store.count == 0
    store.write(0, convert_item(16, 6, (0, 0, 0, 0), 5, 6, 7.0))
    assert store.count == 2 and store.item(0) is None and store.item(1).z == 7.0


def _packets(n: int, signed: bool) -> list[bytes]:
    mav = m.MAVLink(None, 1, 1)
    if signed:
        mav.signing.secret_key = bytes(32)
        mav.signing.sign_outgoing = True
    out = []
    for i in range(n):
        msg = (m.MAVLink_statustext_message(6, f"text {i}".encode(), 0, 0) if i % 2
               else m.MAVLink_heartbeat_message(2, 3, 81, i, 3, 3))
        out.append(msg.pack(mav))
    return out


@given(st.integers(1, 12), st.booleans(), st.lists(st.integers(1, 40), min_size=1, max_size=30))
def test_split_packets_reassembles_any_chunking_of_the_byte_stream(n, signed, cuts):
    pkts = _packets(n, signed)
    stream = b"".join(pkts)
    buf, got, pos, i = bytearray(), [], 0, 0
    while pos < len(stream):
        step = cuts[i % len(cuts)]
        buf += stream[pos:pos + step]
        pos += step
        i += 1
        got += split_packets(buf)
    assert got == pkts and not buf
