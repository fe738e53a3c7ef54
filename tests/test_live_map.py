"""The live map Google Earth / QGIS watch during a mission: always whole, always current."""

from __future__ import annotations

import json
import threading

from fastkml import kml
from lxml import etree
from shapely.geometry import box, shape

from search_patterns.formats.live_kml import (
    KML_NS,
    LiveMapWriter,
    LivePoint,
    LiveState,
    LiveVehicle,
)


def _state(i: int) -> LiveState:
    track = tuple((47.39 + k * 1e-4, 8.54 + k * 1e-4) for k in range(i + 2))
    return LiveState(
        title="Mission Meadow",
        vehicles=(LiveVehicle("v1", "Drone 1", *track[-1], alt=50, heading=45, track=track),),
        points=(LivePoint("s7", "CONFIRMED Sighting 7", 47.3931, 8.5452, "score 0.91", "confirmed"),
                LivePoint("m1", "LKP", 47.393, 8.545, style="marker")),
        area=box(8.54, 47.39, 8.55, 47.396),
        coverage=box(8.54, 47.39, 8.545, 47.393),
        updated=f"10:00:{i:02d}Z",
    )


def test_google_earth_link_points_at_the_live_file_and_refreshes(tmp_path):
    w = LiveMapWriter(tmp_path, refresh_s=3)
    w.update(_state(3))
    link = etree.parse(str(w.link_path)).getroot()
    ns = {"k": KML_NS}
    assert link.findtext(".//k:Link/k:href", namespaces=ns) == "live.kml"
    assert link.findtext(".//k:Link/k:refreshMode", namespaces=ns) == "onInterval"
    assert link.findtext(".//k:Link/k:refreshInterval", namespaces=ns) == "3"
    assert (tmp_path / "live.kml").exists()


def test_live_kml_reads_in_a_kml_library_with_vehicle_track_sightings_area_and_coverage(tmp_path):
    w = LiveMapWriter(tmp_path)
    w.update(_state(5))
    doc = kml.KML.from_string(w.kml_path.read_bytes())
    names = [f.name for f in list(doc.features)[0].features]
    assert names.count("Search area") == 1 and "Covered" in names
    assert {"Drone 1", "Drone 1 track", "CONFIRMED Sighting 7", "LKP"} <= set(names)
    gj = json.loads(w.geojson_path.read_text())
    kinds = {f["properties"]["kind"]: shape(f["geometry"]) for f in gj["features"]}
    assert kinds["vehicle"].coords[0] == (8.54 + 6e-4, 47.39 + 6e-4)
    assert kinds["track"].geom_type == "LineString" and len(kinds["track"].coords) == 7
    assert kinds["confirmed"].coords[0] == (8.5452, 47.3931)
    assert kinds["coverage"].area < kinds["area"].area


def test_a_reader_polling_during_updates_never_sees_half_a_file(tmp_path):
    w = LiveMapWriter(tmp_path)
    w.update(_state(0))
    stop = threading.Event()
    bad: list[str] = []
    reads = [0]

    def reader() -> None:
        while not stop.is_set():
            for p in (w.kml_path, w.geojson_path):
                data = p.read_bytes()
                try:
                    if p.suffix == ".kml":
                        etree.fromstring(data)
                    else:
                        json.loads(data)
                except Exception as exc:  # a torn read would land here
                    bad.append(f"{p.name}: {exc}")
                reads[0] += 1

    t = threading.Thread(target=reader)
    t.start()
    for i in range(150):
        w.update(_state(i % 50))
    stop.set()
    t.join()
    assert reads[0] > 10 and not bad, bad[:3]
    assert w.updates == 151
