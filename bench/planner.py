"""Planner speed: a 25 km² concave area with 5 holes at 20 m spacing, auto and fixed sweep angle,
and how the time grows with area (4× and 16×, same shape scaled, same spacing).

A pilot plans on a field laptop while the team waits, so the number that matters is the
wall time of ``plan_lawnmower`` end to end (projection, auto angle, transects, cell order,
routing, corner spurs, statistics). Ratios printed: time(4× area) ÷ time(1×) and
time(16×) ÷ time(1×); 4 and 16 would mean time grows linearly with area (the number of
waypoints grows only with the square root, the path length linearly).

Each case runs twice at 1× (fastest kept; the host is shared), once at 4× and 16×.

Run: ``python bench/planner.py``
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shapely import affinity  # noqa: E402
from shapely.geometry import Point, Polygon  # noqa: E402

from search_patterns.area import SearchArea  # noqa: E402
from search_patterns.geo import LocalProjection  # noqa: E402
from search_patterns.lawnmower import plan_lawnmower  # noqa: E402
from search_patterns.validate import Limits  # noqa: E402

PROJ = LocalProjection(54.45, -3.05)
SPACING = 20.0
LIMITS = Limits(max_area_km2=1000.0, max_waypoints=1_000_000)


def base_area() -> Polygon:
    """About 25 km²: a 5.6 km × 5.2 km block with a bay cut into its north side and 5 tarns."""
    outline = Polygon([(0, 0), (5600, 0), (5600, 5200), (3600, 5200), (3300, 2800), (2300, 2800), (2000, 5200),
                       (0, 5200), (0, 0)])
    holes = [Point(x, y).buffer(r, quad_segs=8) for x, y, r in
             [(900, 1000, 220), (4500, 1300, 260), (1100, 3900, 200), (4700, 4200, 240), (2800, 1200, 180)]]
    return Polygon(outline.exterior, [h.exterior.coords for h in holes])


def area_at(scale: float) -> SearchArea:
    local = affinity.scale(base_area(), scale, scale, origin=(0, 0))
    return SearchArea(PROJ.geometry_to_lonlat(local), name=f"bench x{scale * scale:g}")


def timed(area: SearchArea, angle: float | None, runs: int) -> tuple[float, object]:
    best, plan = math.inf, None
    for _ in range(runs):
        t0 = time.perf_counter()
        plan = plan_lawnmower(area, spacing_m=SPACING, alt_m=50, angle_deg=angle, home=PROJ.to_latlon(-200, -200),
                              limits=LIMITS)
        best = min(best, time.perf_counter() - t0)
    return best, plan


def main() -> None:
    results: dict[tuple[str, int], float] = {}
    for factor in (1, 4, 16):
        area = area_at(math.sqrt(factor))
        km2 = area.area_m2() / 1e6
        for label, angle in (("auto", None), ("fixed", 0.0)):
            t, plan = timed(area, angle, 2 if factor == 1 else 1)
            results[(label, factor)] = t
            s = plan.stats
            print(f"{factor:>2}x area {km2:7.1f} km², {label:5s} angle {s.extra['angle_deg']:6.1f}°: {t:7.2f} s, "
                  f"{s.waypoints} waypoints, {s.length_m / 1000:.0f} km, coverage {s.coverage_fraction:.4f}")
    for label in ("auto", "fixed"):
        base = results[(label, 1)]
        print(f"RESULT planner.lawnmower_25km2_{label}_s {base:.3f} s")
        for factor in (4, 16):
            t = results[(label, factor)]
            print(f"RESULT planner.lawnmower_{25 * factor}km2_{label}_s {t:.3f} s ratio={t / base:.2f} "
                  f"baseline={base:.3f}")
    print("ratio = time at that area ÷ time at 25 km² (4 and 16 would be linear in area)")


if __name__ == "__main__":
    main()
