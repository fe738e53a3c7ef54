"""The searcher's eyes: video sources, person detectors, tracking, geolocation, sightings store.

No Qt. Capture and detection run in their own threads; results go to the SQLite store in
the mission folder and to observers.

Public API::

    from detection.sources import open_source           # path | folder | device | udp:// rtsp:// | callable
    from detection.detectors import make_detector       # "rx" | "dnn" | "hog" | "onnx:PATH" | "rx+dnn" | "all" | None
    from detection.pipeline import DetectionPipeline    # capture thread → detector → geolocate → store → observers
    from detection.store import SightingStore           # <mission>/detections.sqlite (WAL)
    from detection.poses import PoseTrack               # pose provider: telemetry poses interpolated by time
    from detection.geolocate import locate              # pixel → lat/lon with error estimate
    from detection.export import export_sightings       # .geojson / .kml / .csv
"""
