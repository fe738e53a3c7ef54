"""Plan a search over the bundled moorland, the way a pilot would before a callout.

Reads the area and a no-fly zone, chooses the track spacing from the camera, plans a
parallel-track search from the launch point, checks it against one battery, and writes
the files QGroundControl and Mission Planner open, plus a picture to check by eye.

    python examples/plan_search.py [OUTPUT_FOLDER]
"""

from __future__ import annotations

import sys
from pathlib import Path

from search_patterns.area import SearchArea
from search_patterns.camera import Camera
from search_patterns.examples import MOORLAND_KML, NOFLY_GEOJSON
from search_patterns.formats import read_area, read_exclusions, write_plan
from search_patterns.lawnmower import plan_lawnmower
from search_patterns.spacing import spacing_from_camera
from search_patterns.split import split_area

out = Path(sys.argv[1] if len(sys.argv) > 1 else "plan-output")
LAUNCH = (54.4985, -3.0545)  # the lay-by at the foot of the moor
ALT_M = 50.0
BATTERY_MIN = 25.0

# 1. The area to search, with the no-fly zone added.
area = read_area(MOORLAND_KML)
area = SearchArea(area.polygon, area.exclusions + read_exclusions(NOFLY_GEOJSON), area.name, area.source)
print(f"{area.name}: {area.area_m2() / 1e6:.2f} km², {len(area.exclusions)} no-fly zone(s)")

# 2. Spacing from the camera: what one image covers at 50 m, with 20 % side overlap.
camera = Camera(sensor_width_mm=6.17, sensor_height_mm=4.55, focal_length_mm=4.5,
                image_width_px=4000, image_height_px=3000, name="1/2.3in 12 MP")
spacing = spacing_from_camera(camera, ALT_M, side_overlap=0.2)
print(f"spacing {spacing.spacing_m:.1f} m, footprint {spacing.footprint_m[0]:.0f} m, "
      f"GSD {spacing.gsd_m * 100:.1f} cm/px, POD {spacing.pod:.0%}")

# 3. The plan, fastest sweep angle, starting at the corner nearest the launch point.
plan = plan_lawnmower(area, spacing_m=spacing.spacing_m, alt_m=ALT_M, home=LAUNCH, spacing=spacing,
                      endurance_min=BATTERY_MIN)
s = plan.stats
print(f"{s.waypoints} waypoints, {s.length_m / 1000:.1f} km, {s.duration_s / 60:.0f} min, "
      f"{s.coverage_fraction:.1%} of the area within half a swath")

# 4. One battery? If not, split the area into that many sorties of equal area.
plans = [plan]
if not s.extra["fits_endurance"]:
    n = s.extra["sorties_needed"]
    print(f"does not fit one {BATTERY_MIN:g}-minute battery: splitting into {n} sorties")
    plans = [plan_lawnmower(part, spacing_m=spacing.spacing_m, alt_m=ALT_M, home=LAUNCH, spacing=spacing,
                            endurance_min=BATTERY_MIN) for part in split_area(area, n)]

# 5. Files for the ground stations.
for i, p in enumerate(plans, start=1):
    for ext in (".plan", ".waypoints", ".kml"):
        path = out / f"sortie-{i}{ext}"
        write_plan(p, path, area=area)
    print(f"sortie {i}: {p.stats.waypoints} waypoints, {p.stats.duration_s / 60:.0f} min -> {out}/sortie-{i}.*")
