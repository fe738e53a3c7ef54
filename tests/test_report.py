"""The mission report is one self-contained page a real browser shows with its map and sightings."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from shapely.geometry import box

from search_patterns.pose import Pose
from sitl.scenario import find_scenario, load_scenario
from ui.mission.mapview import MapMarker, render_map
from ui.mission.model import SightingRecord, TimelineEvent, VehicleRun
from ui.mission.report import ReportData, write_report
from ui.mission.scoring import score_training
from ui.mission.simulated_scene import make_renderer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason="Debian's chromium is not installed (make sysdeps installs it)")


def chromium(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def sample_report(folder: Path) -> tuple[Path, ReportData]:
    """A report of the moorland scenario with two real sightings (pictures from the simulated camera)."""
    sc = load_scenario(find_scenario("moorland"))
    render = make_renderer(sc)
    sightings = []
    for i, subj in enumerate(sc.subjects):
        img = render(Pose(subj.lat, subj.lon, 40.0, yaw=0.0))
        h, w = img.shape[:2]
        crop = img[h // 2 - 40:h // 2 + 40, w // 2 - 40:w // 2 + 40]
        ok, jpg = cv2.imencode(".jpg", crop)
        assert ok
        sightings.append(SightingRecord(id=i + 1, lat=subj.lat + 2e-5, lon=subj.lon, score=0.8 - 0.1 * i,
                                        t=60.0 + 30 * i, error_m=1.5, detector="rx", vehicle="vehicle-1",
                                        detections=4, thumbnail=jpg.tobytes()))
    sightings.append(SightingRecord(id=3, lat=sc.home.lat + 0.0009, lon=sc.home.lon + 0.001, score=0.55, t=90.0,
                                    detector="rx", vehicle="vehicle-1"))
    b = sc.area.polygon.bounds
    covered = box(b[0], b[1], (b[0] + b[2]) / 2, b[3])
    track = [(sc.home.lat, sc.home.lon), (b[1], b[0]), (b[3], b[0]), (b[3], b[2])]
    training = score_training(sc.subjects, sightings, planned_pod=0.8, achieved_pod=0.6)
    markers = [MapMarker(s.lat, s.lon, str(s.id), "sighting") for s in sightings]
    markers += [MapMarker(r.lat, r.lon, r.name, "found" if r.found else "missed") for r in training.subjects]
    png = render_map(sc.area, tracks=[track], covered=covered, markers=markers, home=(sc.home.lat, sc.home.lon))
    data = ReportData(
        title="Mission report – test", started_utc="2026-11-30T10:00:00Z", ended_utc="2026-11-30T10:05:00Z",
        map_png=png, stats={"mission time (s)": 300.0, "covered fraction": 0.5, "sightings": 3},
        vehicles=[VehicleRun("vehicle-1", "sim", ("vehicle-1.tlog",), "plan.plan", 10, 10, 950.0, True)],
        timeline=[TimelineEvent(0.0, "vehicle-1", "armed", "armed"),
                  TimelineEvent(120.0, "vehicle-1", "link-lost", "LINK LOST <script>", "critical"),
                  TimelineEvent(280.0, "vehicle-1", "landed", "landed and disarmed")],
        sightings=sightings, training=training, description="two walkers & a dog")
    return write_report(data, folder), data


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ReportData]:
    return sample_report(tmp_path_factory.mktemp("report"))


def test_report_is_self_contained_and_escapes_text(sample) -> None:
    path, data = sample
    text = path.read_text()
    assert not re.search(r"""(src|href)=['"]?(https?:|//|file:)""", text), "report must load nothing from anywhere"
    assert text.count("data:image/") == 1 + 2  # map + two sightings with pictures
    assert "LINK LOST &lt;script&gt;" in text and "walkers &amp; a dog" in text
    assert "walker in red" in text and "walker in blue" in text
    assert data.training is not None and data.training.found == 2 and data.training.false_alarms == 1


def test_map_picture_shows_area_coverage_track_and_sightings(sample, tmp_path: Path) -> None:
    _, data = sample
    img = cv2.imdecode(np.frombuffer(data.map_png, np.uint8), cv2.IMREAD_COLOR)
    assert img.shape[1] == 1000
    orange = np.all(np.abs(img.astype(int) - (0, 140, 255)) < 30, axis=2).sum()
    green_cov = np.all(np.abs(img.astype(int) - (174, 226, 174)) < 25, axis=2).sum()
    assert orange > 400, "sighting circles (partly under the true-subject crosses drawn on top)"
    assert green_cov > 5000, "half the area covered"
    cv2.imwrite(str(tmp_path / "map.png"), img)


@needs_chromium
def test_report_opens_in_headless_chromium_with_map_and_sightings(sample, tmp_path: Path) -> None:
    path, _ = sample
    dom = chromium("--dump-dom", path.as_uri(), tmp=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    m = re.search(r'data-images-decoded="(\d+)" data-images="(\d+)"', dom.stdout)
    assert m, "the page's load handler ran"
    assert m.group(1) == m.group(2) == "3", "map and both sighting pictures decoded in the browser"
    assert dom.stdout.count("class=\"card sighting\"") == 3

    shot = tmp_path / "report.png"
    out = chromium(f"--screenshot={shot}", "--window-size=1280,2600", "--hide-scrollbars", path.as_uri(), tmp=tmp_path)
    assert out.returncode == 0 and shot.exists(), out.stderr[-2000:]
    img = cv2.imread(str(shot))
    assert img.shape[:2] == (2600, 1280)
    # the map's sighting circles (orange) and the sightings' grass thumbnails (green) are on screen
    orange = np.all(np.abs(img.astype(int) - (0, 140, 255)) < 40, axis=2)
    grass = (img[:, :, 1].astype(int) - img[:, :, 2] > 25) & (img[:, :, 1] > 90)
    assert orange.sum() > 300
    rows = np.where(grass.sum(axis=1) > 100)[0]
    assert rows.size > 50, "sighting thumbnails visible"
    assert rows.max() > np.where(orange.any(axis=1))[0].min(), "sightings below the map"
