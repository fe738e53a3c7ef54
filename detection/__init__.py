"""The searcher's eyes: video sources, person detectors, tracking, geolocation, sightings store.

No Qt. Capture and detection run in their own threads; results go to the SQLite store in
the mission folder and to observers.
"""
