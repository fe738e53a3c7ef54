"""CoT events: what ATAK users see of our vehicles and sightings, over UDP multicast and unicast."""

from __future__ import annotations

import socket
import time

import pytest
import takproto
from hypothesis import given
from hypothesis import strategies as st

from groundcontrol.tak import (
    CotLink,
    marker_event,
    parse_event,
    parse_url,
    sighting_event,
    to_mesh,
    vehicle_event,
)
from search_patterns.errors import InputError

lats = st.floats(-90, 90, allow_nan=False)
lons = st.floats(-180, 180, allow_nan=False)


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@given(lat=lats, lon=lons, course=st.floats(-720, 720, allow_nan=False), speed=st.floats(0, 60),
       hae=st.floats(-400, 9000))
def test_vehicle_position_reads_back_the_same_in_xml_and_tak_protocol(lat, lon, course, speed, hae):
    xml = vehicle_event("sargc-v1", lat, lon, hae, course=course, speed=speed, callsign="Drone 1")
    for raw in (xml, to_mesh(xml)):
        m = parse_event(raw)
        assert (m.lat, m.lon) == pytest.approx((lat, lon), abs=1e-7)
        assert 0 <= m.course < 360
        off = abs(m.course - course % 360.0)
        assert min(off, 360 - off) <= 0.051
        assert m.speed == pytest.approx(speed, abs=0.006)
        assert m.hae == pytest.approx(hae, abs=0.051)
        assert m.callsign == "Drone 1" and not m.is_user_marker


def test_vehicle_goes_stale_in_seconds_and_sightings_stay_for_hours():
    v = parse_event(vehicle_event("v", 47, 8))
    s = parse_event(sighting_event("s", 47, 8, score=0.5))
    assert 5 <= (v.stale - v.time).total_seconds() <= 60
    assert (s.stale - s.time).total_seconds() >= 3600


def test_sighting_review_state_shows_in_label_colour_and_fields():
    pending = parse_event(sighting_event("s-1", 47.1, 8.2, score=0.61, sighting_id=1))
    confirmed = parse_event(sighting_event("s-1", 47.1, 8.2, score=0.61, sighting_id=1, review="confirmed",
                                           picture_url="http://station.local/s/1.jpg"))
    assert not pending.callsign.startswith("CONFIRMED") and confirmed.callsign.startswith("CONFIRMED")
    assert confirmed.field("review") == "confirmed" and pending.field("review") == "pending"
    assert "http://station.local/s/1.jpg" in confirmed.remarks
    assert b'argb="-65536"' in sighting_event("s", 1, 1, score=0.5, review="confirmed")  # red
    assert b'argb="-256"' in sighting_event("s", 1, 1, score=0.5)  # yellow


@pytest.mark.parametrize("call, why", [
    (lambda: vehicle_event("v", 91, 0), "latitude"),
    (lambda: vehicle_event("v", 0, float("nan")), "longitude"),
    (lambda: vehicle_event("two words", 0, 0), "uid"),
    (lambda: sighting_event("s", 0, 0, score=1.5), "score"),
    (lambda: sighting_event("s", 0, 0, score=0.5, review="maybe"), "review"),
    (lambda: marker_event("m", 0, 0, title="x", color="purple"), "colour"),
])
def test_impossible_values_are_refused_with_the_field_named(call, why):
    with pytest.raises(InputError, match=why):
        call()


@pytest.mark.parametrize("url, expect", [
    ("udp://239.2.3.1:6969", ("udp", "239.2.3.1", 6969, True)),
    ("239.2.3.1", ("udp", "239.2.3.1", 6969, True)),
    ("tcp://tak.example.org:8087", ("tcp", "tak.example.org", 8087, False)),
    ("udp://10.1.1.5:4242", ("udp", "10.1.1.5", 4242, False)),
])
def test_cot_addresses_read_like_atak_writes_them(url, expect):
    ep = parse_url(url)
    assert (ep.scheme, ep.host, ep.port, ep.multicast) == expect


@pytest.mark.parametrize("url", ["ssl://tak:8089", "udp://:6969", "tcp://host:99999", "http://x"])
def test_unusable_cot_addresses_are_refused(url):
    with pytest.raises(InputError, match="CoT address"):
        parse_url(url)


def test_multicast_team_sees_our_vehicle_and_we_see_their_marker_but_not_our_own_echo():
    """Two stations and an ATAK phone on one multicast group (kept on this machine: loopback, TTL 0)."""
    port = _free_udp_port()
    url = f"udp://239.2.3.1:{port}"
    with CotLink(url, interface="127.0.0.1", ttl=0) as ours, \
            CotLink(url, interface="127.0.0.1", ttl=0) as other:
        assert ours.send(vehicle_event("sargc-v1", 47.39, 8.54, 500, course=45, speed=5, callsign="Drone 1"))
        seen = other.get(timeout=3)
        assert seen is not None and seen.uid == "sargc-v1" and seen.course == 45.0

        # an ATAK phone speaks TAK protocol v1 (protobuf) on the mesh by default
        phone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        phone.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
        phone.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 0)
        dropped = marker_event("ANDROID-pt-1", 47.3912345, 8.5412345, title="Footprints", remarks="heading N")
        phone.sendto(bytes(takproto.xml2proto(dropped)), ("239.2.3.1", port))
        phone.close()
        got = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not any(m.uid == "ANDROID-pt-1" for m in got):
            m = ours.get(timeout=0.2)
            if m:
                got.append(m)
        marker = next(m for m in got if m.uid == "ANDROID-pt-1")
        assert marker.is_user_marker and marker.title == "Footprints" and marker.remarks == "heading N"
        assert (marker.lat, marker.lon) == pytest.approx((47.3912345, 8.5412345), abs=1e-7)
        assert all(m.uid != "sargc-v1" for m in got), "our own vehicle came back to us as a marker"


def test_unicast_to_one_client_and_garbage_on_the_port_is_counted_not_fatal():
    port = _free_udp_port()
    with CotLink(f"udp://127.0.0.1:{port}", listen=False) as ours, \
            CotLink("udp://127.0.0.1:9", listen_port=port, interface="127.0.0.1") as phone:
        raw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        raw.sendto(b"\x00garbage<event", ("127.0.0.1", port))
        raw.sendto(b"<event uid='x' type='a-u-G'><point lat='200' lon='0'/></event>", ("127.0.0.1", port))
        raw.close()
        assert ours.send(sighting_event("sargc-s-3", 47.2, 8.3, score=0.9, sighting_id=3))
        m = phone.get(timeout=3)
        assert m is not None and m.uid == "sargc-s-3" and m.field("score") == "0.900"
        deadline = time.monotonic() + 2
        while phone.status().rejected < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert phone.status().rejected == 2
        assert "no valid point" in phone.status().last_rejected and "127.0.0.1" in phone.status().last_rejected
        assert phone.status().last_error == ""


def test_tcp_send_without_a_server_fails_softly_and_says_why():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    with CotLink(f"tcp://127.0.0.1:{port}", reconnect_s=0.1, connect_timeout_s=0.5) as link:
        time.sleep(0.3)
        assert not link.send(vehicle_event("v", 1, 1))
        assert "TAK server" in link.last_error
