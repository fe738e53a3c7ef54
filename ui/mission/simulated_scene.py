"""The scenario's hidden world: a seeded ground with its subjects and distractors, and a camera on it.

Only the training truth lives here. The runner hands the renderer poses it got from
telemetry; nothing about the simulated vehicle is read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from search_patterns.pose import Pose
from sitl.scenario import Scenario


def make_scene(scenario: Scenario) -> Any:
    """``sitl.scene.Scene`` for the scenario (centred on the search area)."""
    from sitl.scene import Distractor, Scene, Subject

    c = scenario.area.polygon.centroid
    subjects = [Subject(s.lat, s.lon, posture=s.posture, clothing=s.clothing,
                        heading_deg=(37.0 * i + scenario.seed) % 360.0) for i, s in enumerate(scenario.subjects)]
    distractors = [Distractor(d.lat, d.lon, kind=d.kind, color=d.colour,
                              heading_deg=(53.0 * i + scenario.seed) % 360.0)
                   for i, d in enumerate(scenario.distractors)]
    scene = Scene(center=(c.y, c.x), seed=scenario.seed, subjects=subjects, distractors=distractors)
    # Ground chunks are expensive to draw and a lawnmower comes back next to where it was:
    # keep every chunk of the area (plus a margin) so that no ground is drawn twice.
    from sitl.camera.terrain import CHUNK_PX, Terrain

    chunk_m = CHUNK_PX * scene.terrain.base_mpp
    minx, miny, maxx, maxy = scenario.area.projection().geometry_to_local(scenario.area.polygon).bounds
    margin = 2 * scenario.pattern.alt_m
    n = int(((maxx - minx + 2 * margin) / chunk_m + 2) * ((maxy - miny + 2 * margin) / chunk_m + 2))
    scene.terrain = Terrain(scenario.seed, base_mpp=scene.terrain.base_mpp, cache_chunks=min(1200, max(96, n)))
    return scene


def make_renderer(scenario: Scenario) -> Callable[[Pose], Any]:
    """``pose -> BGR image`` of the scenario's simulated camera."""
    from sitl.sim_camera import SimCamera

    cam = SimCamera(make_scene(scenario), scenario.camera.camera(), seed=scenario.seed)

    def render(pose: Pose) -> Any:
        img, _truth = cam.render(pose)  # the truth is not used: scoring compares with the scenario
        return img

    return render
