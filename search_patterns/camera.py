"""Camera model: what a sensor sees on the ground from a height.

Used for spacing from a camera (footprint and GSD), for coverage footprints, for the
simulated camera, and for geolocating detections: one description of the camera for all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from search_patterns.errors import InputError


@dataclass(frozen=True)
class Camera:
    """A pinhole camera. Sizes in millimetres, resolution in pixels.

    Examples
    --------
    >>> cam = Camera(sensor_width_mm=6.17, sensor_height_mm=4.55, focal_length_mm=4.5,
    ...              image_width_px=1920, image_height_px=1080)
    >>> round(cam.footprint_m(50.0)[0], 1)
    68.6
    """

    sensor_width_mm: float = 6.17
    sensor_height_mm: float = 3.47
    focal_length_mm: float = 4.5
    image_width_px: int = 1920
    image_height_px: int = 1080
    name: str = "generic 1/2.3in 16:9"

    def __post_init__(self) -> None:
        for fname in ("sensor_width_mm", "sensor_height_mm", "focal_length_mm"):
            if not getattr(self, fname) > 0:
                raise InputError(f"{fname} must be > 0, got {getattr(self, fname)}", where="camera")
        if self.image_width_px <= 0 or self.image_height_px <= 0:
            raise InputError("image size must be positive", where="camera")

    @classmethod
    def from_fov(cls, hfov_deg: float, width_px: int, height_px: int, name: str = "fov camera") -> Camera:
        """A camera from its horizontal field of view and resolution (square pixels)."""
        if not 0 < hfov_deg < 180:
            raise InputError(f"horizontal field of view must be in (0, 180) degrees, got {hfov_deg}",
                             where="camera")
        focal = 10.0
        sw = 2 * focal * math.tan(math.radians(hfov_deg) / 2)
        return cls(sw, sw * height_px / width_px, focal, width_px, height_px, name)

    @property
    def hfov_deg(self) -> float:
        """Horizontal field of view in degrees."""
        return math.degrees(2 * math.atan(self.sensor_width_mm / (2 * self.focal_length_mm)))

    @property
    def vfov_deg(self) -> float:
        """Vertical field of view in degrees."""
        return math.degrees(2 * math.atan(self.sensor_height_mm / (2 * self.focal_length_mm)))

    @property
    def focal_px(self) -> float:
        """Focal length in pixels (same on both axes for square pixels)."""
        return self.focal_length_mm * self.image_width_px / self.sensor_width_mm

    def footprint_m(self, altitude_m: float) -> tuple[float, float]:
        """Ground footprint (across-track width, along-track height) in metres, nadir view."""
        return (altitude_m * self.sensor_width_mm / self.focal_length_mm,
                altitude_m * self.sensor_height_mm / self.focal_length_mm)

    def gsd_m(self, altitude_m: float) -> float:
        """Ground sample distance (metres per pixel) at nadir from ``altitude_m``."""
        return self.footprint_m(altitude_m)[0] / self.image_width_px
