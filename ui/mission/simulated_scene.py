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
    return Scene(center=(c.y, c.x), seed=scenario.seed, subjects=subjects, distractors=distractors)


def make_renderer(scenario: Scenario) -> Callable[[Pose], Any]:
    """``pose -> BGR image`` of the scenario's simulated camera."""
    from sitl.sim_camera import SimCamera

    cam = SimCamera(make_scene(scenario), scenario.camera.camera(), seed=scenario.seed)

    def render(pose: Pose) -> Any:
        img, _truth = cam.render(pose)  # the truth is not used: scoring compares with the scenario
        return img

    return render
