"""Bad input on the sharing paths: CoT from the network, TAK server streams, CalTopo files."""

from __future__ import annotations

import json
import socket
import threading

from fuzz_helpers import Tally, holds_the_rule, inputs
from hypothesis import given, settings
from hypothesis import strategies as st

from groundcontrol.tak import CotLink, marker_event, parse_event, sighting_event, to_mesh, vehicle_event
from search_patterns.formats.caltopo import parse_caltopo

VEHICLE = vehicle_event("sargc-v1", 47.39, 8.54, 500, course=45, speed=5, callsign="Drone 1")
SIGHTING = sighting_event("s-7", 47.3931, 8.5452, score=0.91, review="confirmed", picture_url="http://x/7.jpg",
                          error_m=4)
MARKER = marker_event("m-1", 47.39, 8.54, title="LKP <&> \"quoted\"", remarks="ünïcode ✓")
TALLY = {"cot": Tally(), "caltopo": Tally()}


@given(st.one_of(inputs(VEHICLE), inputs(SIGHTING), inputs(MARKER), inputs(to_mesh(SIGHTING))))
@settings(max_examples=5 * settings.default.max_examples)
def test_any_datagram_is_a_marker_or_a_clear_refusal_naming_the_sender(data):
    m = holds_the_rule(lambda: parse_event(data, where="CoT from 127.0.0.1:4242"),
                       names="127.0.0.1:4242", tally=TALLY["cot"])
    if m is not None:
        assert -90 <= m.lat <= 90 and -180 <= m.lon <= 180 and m.uid


_SEED = json.dumps({"type": "FeatureCollection", "features": [
    {"type": "Feature", "id": "a1", "geometry": {"type": "Polygon", "coordinates": [
        [[8.54, 47.39, 0], [8.55, 47.39, 0], [8.55, 47.396, 0], [8.54, 47.396, 0], [8.54, 47.39, 0]]]},
     "properties": {"class": "Assignment", "title": "AB 12", "letter": "AB", "number": "12", "status": "PREPARED"}},
    {"type": "Feature", "id": "m1", "geometry": {"type": "Point", "coordinates": [8.545, 47.393]},
     "properties": {"class": "Marker", "title": "LKP", "marker-color": "FF0000"}},
    {"type": "Feature", "id": "s1", "geometry": {"type": "LineString", "coordinates": [[8.54, 47.39], [8.55, 47.395]]},
     "properties": {"class": "Shape", "title": "Trail"}}]}).encode()

json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=10),
    lambda kids: st.lists(kids, max_size=5) | st.dictionaries(
        st.sampled_from(["type", "features", "geometry", "coordinates", "properties", "class", "title", "letter",
                         "id", "status"]) | st.text(max_size=5), kids, max_size=5),
    max_leaves=30)
geometry_types = st.sampled_from(["Point", "LineString", "Polygon", "MultiPolygon", "GeometryCollection", "Nope"])
features = st.fixed_dictionaries({
    "type": st.just("Feature"),
    "geometry": st.one_of(st.none(), json_values, st.fixed_dictionaries({"type": geometry_types,
                                                                         "coordinates": json_values})),
    "properties": st.one_of(st.none(), json_values, st.fixed_dictionaries(
        {"class": st.sampled_from(["Assignment", "Marker", "Shape", "Clue", "Folder", ""]),
         "title": json_values, "letter": json_values, "status": json_values})),
})


@given(st.one_of(inputs(_SEED), st.builds(lambda fs: json.dumps({"type": "FeatureCollection", "features": fs},
                                                                 allow_nan=True).encode(),
                                          st.lists(features, max_size=4))))
@settings(max_examples=5 * settings.default.max_examples)
def test_any_caltopo_file_is_read_or_refused_naming_the_file(data):
    holds_the_rule(lambda: parse_caltopo(data, source="team-map.json"), names="team-map.json",
                   tally=TALLY["caltopo"])


@given(garbage=st.lists(st.one_of(st.binary(max_size=300), inputs(VEHICLE)), min_size=1, max_size=4))
@settings(max_examples=max(10, settings.default.max_examples // 3))
def test_a_tak_server_sending_garbage_does_not_stop_the_events_after_it(garbage):
    """Whatever a broken server sends first, a good event after it still arrives."""
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        port = srv.getsockname()[1]

        def serve() -> None:
            conn, _ = srv.accept()
            with conn:
                for chunk in garbage:
                    conn.sendall(chunk)
                # a closing tag ends whatever half event the garbage left open, then a good one
                conn.sendall(b"</event>\n" + MARKER)
                conn.recv(1)  # hold the connection until the client closes

        t = threading.Thread(target=serve, daemon=True)
        t.start()
        with CotLink(f"tcp://127.0.0.1:{port}", reconnect_s=5) as link:
            got = []
            for m in link.markers(5.0):
                got.append(m.uid)
                if m.uid == "m-1":
                    break
        assert "m-1" in got, (got, link.status())
        t.join(timeout=2)
