"""Search geometry for SAR Ground Control: pure functions, no I/O threads, no Qt.

Areas, search patterns (parallel track, expanding square, sector), splitting an area
between drones, camera footprints, coverage and probability of detection (POD), and the
file formats that areas and plans travel in. Every other package builds on this one and
this one imports none of them.
"""
