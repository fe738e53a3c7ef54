"""Example areas shipped with the package, for the demo and for trying the planner.

``moorland.kml``: a concave stretch of open fell with a tarn (a hole: not searched, may
be overflown). ``nofly.geojson``: a no-fly zone inside it (a wind turbine).
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
MOORLAND_KML = HERE / "moorland.kml"
NOFLY_GEOJSON = HERE / "nofly.geojson"
