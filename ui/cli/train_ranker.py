"""``sargc train-ranker``: train the person ranker on simulated flights or on a team's labelled frames.

Why a command: the shipped ranker learned what people look like from our simulated camera. A
team flying over its own moorland, scree or beach does better with a ranker that has seen that
ground. Frames labelled in any tool that writes YOLO text labels (CVAT, Label Studio, LabelImg)
can be used directly; the simulated flights give the same kind of rows with exact truth.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import click
import numpy as np

from search_patterns.errors import InputError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")


def _cache_file(cache: Path, seed: int, every: int) -> Path:
    """Where one flight's rows are kept; the name carries the measurement list's digest, so rows
    measured by an older version are never mixed with new ones."""
    import hashlib

    from detection.detectors.features import FEATURE_NAMES

    digest = hashlib.sha1(",".join(FEATURE_NAMES).encode()).hexdigest()[:10]
    return cache / f"flight-{seed}-every{every}-{digest}.npz"


def simulated_rows(seeds: range, every: int = 4, cache: Path | None = None) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
    """(rows, labels, scene seed) per simulated flight, from ``cache`` when measured before. Flights differ in ground, people,
    clutter, altitude (35/50/70 m), sun and image size (one in four at 1280×720), so the ranker
    learns neither one light nor one ground scale (2.5–7.5 cm per pixel)."""
    from detection.detectors.ranked import measure_candidates
    from detection.detectors.rx import RxDetector
    from detection.evaluate import label_boxes
    from search_patterns.camera import Camera
    from sitl.scene import Scene
    from sitl.sim_camera import SimCamera, lawnmower_poses

    rx = RxDetector()
    home = (46.5, 8.0)
    for seed in seeds:
        cached = _cache_file(cache, seed, every) if cache is not None else None
        if cached is not None and cached.is_file():
            with np.load(cached) as z:
                yield z["x"], z["y"], seed
            continue
        scene = Scene.random(home, seed=seed, n_subjects=12, n_distractors=24, radius_m=70)
        scene = replace(scene, sun_elevation_deg=30.0 + (seed * 17) % 40, sun_azimuth_deg=float((seed * 73) % 360))
        alt = (35.0, 50.0, 70.0)[seed % 3]
        cam = Camera.from_fov(69.0, 1280, 720) if seed % 4 == 3 else Camera()
        sim = SimCamera(scene, cam, seed=seed)
        gsd = cam.gsd_m(alt)
        xs, ys = [], []
        poses = list(lawnmower_poses(home, 140, 150, 0.9 * cam.footprint_m(alt)[0], alt_m=alt, speed_ms=5.0,
                                     frame_rate=2.0))
        for pose in poses[seed % every::every]:
            img, truth = sim.render(pose)
            boxes, rows = measure_candidates(rx, img, gsd)
            labels = label_boxes([(t.id, t.box) for t in truth], boxes)
            xs.append(rows)
            ys.append(np.array([lab is not None for lab in labels], np.int32))
        x, y = np.concatenate(xs), np.concatenate(ys)
        if cached is not None:
            import io

            from search_patterns.atomic import write_atomic

            buf = io.BytesIO()
            np.savez_compressed(buf, x=x, y=y)
            write_atomic(cached, buf.getvalue())
        yield x, y, seed


def yolo_labels(path: Path, width: int, height: int) -> list[tuple[str, tuple[float, float, float, float]]]:
    """People boxes from a YOLO text label file (``class cx cy w h``, fractions of the image)."""
    out = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        try:
            _, cx, cy, w, h = (float(v) for v in parts[:5])
        except ValueError as exc:
            raise InputError("expected 'class cx cy w h' numbers", where=f"{path}:{n}") from exc
        if len(parts) < 5 or not all(0.0 <= v <= 1.0 for v in (cx, cy, w, h)):
            raise InputError("expected 'class cx cy w h' with cx, cy, w, h fractions of the image in [0, 1]",
                             where=f"{path}:{n}")
        out.append((f"{path.stem}:{n}", ((cx - w / 2) * width, (cy - h / 2) * height, w * width, h * height)))
    return out


def labelled_rows(folder: Path, gsd_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Rows and labels from a folder of frames, each with a same-named YOLO ``.txt`` (only
    people labelled; a frame without a ``.txt`` is taken as having nobody in it)."""
    import cv2

    from detection.detectors.ranked import measure_candidates
    from detection.detectors.rx import RxDetector
    from detection.evaluate import label_boxes

    rx = RxDetector()
    images = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise InputError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in {folder}", where="--frames")
    xs, ys = [], []
    for p in images:
        img = cv2.imread(str(p), cv2.IMREAD_COLOR)
        if img is None:
            raise InputError("not a readable image", where=str(p))
        txt = p.with_suffix(".txt")
        truth = yolo_labels(txt, img.shape[1], img.shape[0]) if txt.exists() else []
        boxes, rows = measure_candidates(rx, img, gsd_m)
        xs.append(rows)
        ys.append(np.array([lab is not None for lab in label_boxes(truth, boxes)], np.int32))
    return np.concatenate(xs), np.concatenate(ys)


def _check(ranker, x: np.ndarray, y: np.ndarray) -> str:
    p = ranker.probability(x)
    flag = p >= 0.5
    tp = int((flag & (y == 1)).sum())
    return (f"{tp}/{int(y.sum())} people candidates flagged ({tp / max(1, y.sum()):.0%}), "
            f"{tp}/{int(flag.sum())} flags are people ({tp / max(1, flag.sum()):.0%})")


@click.command("train-ranker")
@click.option("--simulated", type=click.IntRange(0), default=12, show_default=True,
              help="Simulated flights to learn from (about 12 s each).")
@click.option("--seed", type=int, default=1000, show_default=True,
              help="First scene seed. The benchmark scores seeds 100-199; keep training seeds away from them.")
@click.option("--frames", "frames_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of your own frames with YOLO-format .txt labels of the people in them.")
@click.option("--gsd", type=click.FloatRange(0.001, 1.0), default=None,
              help="Ground size of a pixel in metres for --frames (altitude × 2 tan(hfov/2) ÷ image width).")
@click.option("--every", type=click.IntRange(1), default=4, show_default=True,
              help="Use every Nth frame of a simulated flight (neighbouring frames repeat each other).")
@click.option("--trees", type=click.IntRange(10, 2000), default=150, show_default=True,
              help="Trees in the forest: more is steadier and slower to load.")
@click.option("--person-weight", type=click.FloatRange(0.1, 100.0), default=4.0, show_default=True,
              help="How much more a missed person costs than a false alarm while training.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep each simulated flight's measurements here and reuse them next time "
                   "(default: the user cache folder).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the model (.yml.gz); use it with `sargc detect --ranker`.")
def train_ranker(simulated: int, seed: int, frames_dir: Path | None, gsd: float | None, every: int, trees: int,
                 person_weight: float, cache_dir: Path | None, out_path: Path) -> None:
    """Train the person ranker that scores colour-anomaly candidates (shape, tones, shadow).

    The shipped model was made with `--simulated 40` and the other defaults.

    \b
    Examples:
      sargc train-ranker --out my_ranker.yml.gz
      sargc train-ranker --simulated 6 --frames labelled/ --gsd 0.03 --out moor_ranker.yml.gz
    """
    from platformdirs import user_cache_path
    from tqdm import tqdm

    from detection.detectors.ranker import PersonRanker

    cache = cache_dir or user_cache_path("sargc") / "ranker-rows"

    if frames_dir is not None and gsd is None:
        raise InputError("--frames needs --gsd: the ground size of a pixel, in metres", where="--gsd")
    if simulated == 0 and frames_dir is None:
        raise InputError("nothing to learn from: give --simulated N > 0 or --frames", where="--simulated")
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    held: tuple[np.ndarray, np.ndarray] | None = None
    if simulated:
        reused = sum(_cache_file(cache, s, every).is_file() for s in range(seed, seed + simulated))
        if reused:
            click.echo(f"reusing the measurements of {reused} simulated flights from {cache}")
        n_fit = simulated if simulated < 4 else simulated - max(1, simulated // 6)
        for x, y, s in tqdm(simulated_rows(range(seed, seed + simulated), every, cache), total=simulated,
                            desc="simulated flights", unit="flight"):
            if s - seed < n_fit:
                parts.append((x, y))
            else:
                held = (x, y) if held is None else (np.concatenate([held[0], x]), np.concatenate([held[1], y]))
    if frames_dir is not None:
        assert gsd is not None
        x, y = labelled_rows(frames_dir, gsd)
        click.echo(f"{frames_dir}: {len(y)} candidates, {int(y.sum())} on labelled people")
        parts.append((x, y))
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    click.echo(f"training on {len(y)} candidates, {int(y.sum())} of them people ({y.mean():.1%})")
    ranker = PersonRanker.train(x, y, trees=trees, person_weight=person_weight)
    if held is not None:
        click.echo(f"held-out flights ({len(held[1])} candidates): {_check(ranker, *held)}")
    top = ", ".join(f"{n} {v:.3f}" for n, v in ranker.importance()[:8])
    click.echo(f"leans most on: {top}")
    ranker.save(out_path)
    click.echo(f"wrote {out_path} ({math.ceil(out_path.stat().st_size / 1024)} KiB)")
