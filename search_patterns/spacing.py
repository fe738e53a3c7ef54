"""Track spacing: from a number, from a camera, or from search theory.

Search planners think in terms of probability of detection. For a sensor with effective
sweep width W flown along parallel tracks S apart, the coverage factor is C = W / S and the
expected probability of detection (exponential detection function, IAMSAR) is
POD = 1 − exp(−C). Turned around, a target POD gives C = −ln(1 − POD) and S = W / C.
A camera gives a footprint; with side overlap the useful swath is footprint·(1 − overlap).

Examples
--------
>>> round(pod_from_spacing(sweep_width_m=30, spacing_m=30), 3)
0.632
>>> round(spacing_from_pod(sweep_width_m=30, target_pod=0.632), 1)
30.0
>>> pod_from_spacing(sweep_width_m=30, spacing_m=1e9) < 1e-6
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from search_patterns.camera import Camera
from search_patterns.errors import InputError


@dataclass(frozen=True)
class SpacingInfo:
    """How a spacing was chosen and what it buys."""

    spacing_m: float
    sweep_width_m: float
    coverage_factor: float
    pod: float
    footprint_m: tuple[float, float] | None = None
    gsd_m: float | None = None
    source: str = "given"

    def as_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"spacing_m": self.spacing_m, "sweep_width_m": self.sweep_width_m,
                                "coverage_factor": self.coverage_factor, "pod": self.pod,
                                "spacing_source": self.source}
        if self.footprint_m is not None:
            d["footprint_m"] = list(self.footprint_m)
        if self.gsd_m is not None:
            d["gsd_m"] = self.gsd_m
        return d


def pod_from_spacing(*, sweep_width_m: float, spacing_m: float) -> float:
    """Expected POD of parallel tracks: 1 − exp(−W/S)."""
    if spacing_m <= 0 or sweep_width_m < 0:
        raise InputError(f"need spacing > 0 and sweep width >= 0, got S={spacing_m}, W={sweep_width_m}",
                         where="spacing")
    return 1.0 - math.exp(-sweep_width_m / spacing_m)


def coverage_factor_for_pod(target_pod: float) -> float:
    """Coverage factor C = −ln(1 − POD) needed for a target POD."""
    if not 0 < target_pod < 1:
        raise InputError(f"target POD must be between 0 and 1 (exclusive), got {target_pod}", where="pod")
    return -math.log(1.0 - target_pod)


def spacing_from_pod(*, sweep_width_m: float, target_pod: float) -> float:
    """Track spacing S = W / C that reaches ``target_pod`` with sweep width W."""
    if not sweep_width_m > 0:
        raise InputError(f"sweep width must be > 0 m, got {sweep_width_m}", where="sweep width")
    return sweep_width_m / coverage_factor_for_pod(target_pod)


def spacing_from_camera(camera: Camera, alt_m: float, side_overlap: float = 0.2) -> SpacingInfo:
    """Spacing from a nadir camera's footprint at ``alt_m`` with a side overlap fraction.

    The POD reported treats the image footprint as a definite-range sensor of width equal to
    the footprint (what a reviewer looking at every frame sees), i.e. C = footprint / S.
    """
    if not 0 <= side_overlap < 1:
        raise InputError(f"side overlap must be in [0, 1), got {side_overlap}", where="side overlap")
    if not alt_m > 0:
        raise InputError(f"altitude must be > 0 m, got {alt_m}", where="altitude")
    fw, fh = camera.footprint_m(alt_m)
    s = fw * (1.0 - side_overlap)
    return SpacingInfo(spacing_m=s, sweep_width_m=fw, coverage_factor=fw / s,
                       pod=pod_from_spacing(sweep_width_m=fw, spacing_m=s), footprint_m=(fw, fh),
                       gsd_m=camera.gsd_m(alt_m), source=f"camera {camera.name}, {side_overlap:.0%} side overlap")


def spacing_info(spacing_m: float, sweep_width_m: float | None = None, *, source: str = "given") -> SpacingInfo:
    """Describe a spacing given in metres. Without a sweep width, W = S (coverage factor 1)."""
    w = spacing_m if sweep_width_m is None else sweep_width_m
    return SpacingInfo(spacing_m=spacing_m, sweep_width_m=w, coverage_factor=w / spacing_m,
                       pod=pod_from_spacing(sweep_width_m=w, spacing_m=spacing_m), source=source)


def spacing_for_target(*, sweep_width_m: float, target_pod: float) -> SpacingInfo:
    """A :class:`SpacingInfo` from search theory (sweep width and target POD)."""
    s = spacing_from_pod(sweep_width_m=sweep_width_m, target_pod=target_pod)
    return spacing_info(s, sweep_width_m, source=f"sweep width {sweep_width_m:g} m, target POD {target_pod:g}")
