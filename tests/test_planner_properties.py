"""Property tests over random concave areas with holes and no-fly zones.

For every generated area the lawnmower path must never enter a no-fly zone, never leave
the outline by more than the turnaround margin, and pass within half a spacing (plus a
small tolerance) of every point of the area to be searched. Split parts must be disjoint,
cover the area and hold equal shares of it.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from planner_helpers import area_from_local, path_line
from shapely import affinity
from shapely.geometry import Point, Polygon, box
from shapely.ops import unary_union
from shapely.validation import make_valid

from search_patterns.lawnmower import DEFAULT_CLEARANCE_M, plan_lawnmower
from search_patterns.split import part_areas_m2, split_area


@st.composite
def areas(draw: st.DrawFn) -> tuple[Polygon, list[Polygon], list[Polygon]]:
    """A star-shaped (often concave) outline 0.5–1.4 km across, up to 2 holes and 2 no-fly zones inside."""
    n = draw(st.integers(5, 11))
    gaps = draw(st.lists(st.floats(0.4, 1.0), min_size=n, max_size=n))
    angles = np.cumsum(gaps) / sum(gaps) * 2 * math.pi
    radii = draw(st.lists(st.floats(250, 700), min_size=n, max_size=n))
    outline = Polygon([(r * math.cos(a), r * math.sin(a)) for r, a in zip(radii, angles, strict=True)])
    inner = outline.buffer(-100)
    holes: list[Polygon] = []
    exclusions: list[Polygon] = []
    for kind in ("hole", "hole", "nofly", "nofly"):
        if not draw(st.booleans()) or inner.is_empty:
            continue
        cx, cy = draw(st.floats(-300, 300)), draw(st.floats(-300, 300))
        size = draw(st.floats(30, 90))
        shape = affinity.rotate(box(cx - size, cy - size * 0.6, cx + size, cy + size * 0.6),
                                draw(st.floats(0, 180)), origin=(cx, cy)) if draw(st.booleans()) \
            else Point(cx, cy).buffer(size, quad_segs=4)
        if not inner.contains(shape):
            continue
        if any(shape.buffer(40).intersects(h) for h in holes + exclusions):
            continue
        (holes if kind == "hole" else exclusions).append(shape)
    poly = Polygon(outline.exterior, [h.exterior.coords for h in holes])
    return poly, holes, exclusions


@settings(max_examples=20, deadline=None)
@given(areas(), st.floats(25, 60), st.one_of(st.none(), st.floats(0, 179)), st.floats(0, 15))
def test_lawnmower_stays_out_of_no_fly_zones_inside_the_margin_and_covers_the_area(
        geom: tuple[Polygon, list[Polygon], list[Polygon]], spacing: float, angle: float | None,
        overshoot: float) -> None:
    poly, _holes, exclusions = geom
    area = area_from_local(poly, tuple(exclusions))
    plan = plan_lawnmower(area, spacing_m=spacing, alt_m=50, angle_deg=angle, overshoot_m=overshoot)
    line = path_line(plan)
    for ex in exclusions:
        assert line.intersection(ex).length < 0.05, "path enters a no-fly zone"
    margin = overshoot + 0.05
    assert Polygon(poly.exterior).buffer(margin, join_style="mitre").covers(line), "path leaves the area + margin"
    searchable = poly.difference(unary_union(exclusions)) if exclusions else poly
    # small tolerance: corners up to 5 % of a spacing past S/2 get no spur, and no-fly zones keep 1 m clearance
    tolerance = 0.06 * spacing + DEFAULT_CLEARANCE_M + 0.1
    uncovered = searchable.difference(make_valid(line.buffer(spacing / 2 + tolerance, quad_segs=16)))
    assert uncovered.area < 1.0, f"{uncovered.area:.1f} m² farther than half a spacing from the path"


@settings(max_examples=15, deadline=None)
@given(areas(), st.integers(2, 5))
def test_split_parts_are_disjoint_cover_the_area_and_are_equal(geom: tuple[Polygon, list[Polygon], list[Polygon]],
                                                               n: int) -> None:
    poly, _holes, exclusions = geom
    area = area_from_local(poly, tuple(exclusions))
    parts = split_area(area, n)
    assert len(parts) == n
    proj = area.projection()
    local = [proj.geometry_to_local(p.polygon) for p in parts]
    whole = proj.geometry_to_local(area.polygon)
    # a cut point sits on the edge straight in metres, a hair off the edge straight in degrees: allow 1 m²
    assert unary_union(local).symmetric_difference(whole).area < 1.0
    for i in range(n):
        for j in range(i + 1, n):
            assert local[i].intersection(local[j]).area < 1.0
    sizes = part_areas_m2(parts)
    mean = sum(sizes) / n
    assert all(abs(s - mean) <= 0.02 * mean for s in sizes), sizes
