"""``report.html``: one self-contained page that tells what a mission did and found.

Why self-contained: the report is mailed, put on a USB stick, opened on a police laptop with
no network. Every picture (map, sighting thumbnails) is embedded as a data URI, the timeline is
inline SVG, and the page loads nothing from anywhere.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search_patterns.atomic import write_atomic
from ui.mission.model import SightingRecord, TimelineEvent, TrainingScore, VehicleRun

REPORT_NAME = "report.html"
MAX_SIGHTINGS_SHOWN = 60  # a reviewer works down a ranked list; the rest stay in the store


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows. Built by the runner (or from a mission folder)."""

    title: str
    started_utc: str
    ended_utc: str
    map_png: bytes
    stats: dict[str, Any]
    vehicles: Sequence[VehicleRun] = ()
    timeline: Sequence[TimelineEvent] = ()
    sightings: Sequence[SightingRecord] = ()
    training: TrainingScore | None = None
    description: str = ""
    notes: Sequence[str] = ()
    extra_pictures: dict[str, bytes] = field(default_factory=dict)


def _e(x: object) -> str:
    return html.escape(str(x), quote=True)


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _mime(data: bytes) -> str:
    return "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"


def _fmt_t(t: float | None) -> str:
    if t is None or (isinstance(t, float) and math.isnan(t)):
        return "–"
    m, s = divmod(max(0.0, t), 60)
    return f"{int(m)}:{s:04.1f}"


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        if abs(v) <= 1.0 and v != 0:
            return f"{v:.3f}"
        return f"{v:,.1f}"
    return str(v)


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f3f4f1;color:#1d2220}
header{background:#1f3b2d;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:22px} header p{margin:4px 0 0;opacity:.85;font-size:14px}
main{padding:16px 24px;max-width:1200px}
section{background:#fff;border-radius:6px;padding:12px 16px;margin:0 0 16px;box-shadow:0 1px 2px #0002}
h2{font-size:17px;margin:4px 0 10px}
table{border-collapse:collapse;font-size:14px} td,th{padding:3px 10px;border-bottom:1px solid #e3e5e1;text-align:left}
.grid{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid #d6d9d3;border-radius:6px;padding:8px;width:220px;font-size:13px;background:#fbfcfa}
.card img{width:100%;image-rendering:pixelated;border-radius:3px;background:#ccc;min-height:60px}
.found{color:#17801f;font-weight:600} .missed{color:#c0241c;font-weight:600}
.warning{color:#a35d00} .critical{color:#c0241c;font-weight:600}
.score{font-size:34px;font-weight:700;color:#1f3b2d}
img.map{max-width:100%;border:1px solid #ccd;border-radius:4px}
"""


def _timeline_svg(events: Sequence[TimelineEvent], duration: float) -> str:
    """An inline SVG strip: one row per vehicle, a tick per event, coloured by severity."""
    if not events:
        return ""
    vehicles = sorted({e.vehicle for e in events})
    end = max(duration, max(e.t for e in events), 1.0)
    w, row, left = 1000, 26, 90
    h = row * len(vehicles) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {w} {h}" role="img" '
             f'aria-label="timeline">']
    colours = {"info": "#2d6a9f", "warning": "#d98c00", "critical": "#c0241c"}
    for i, v in enumerate(vehicles):
        y = 10 + i * row
        parts.append(f'<text x="4" y="{y + 15}" font-size="12">{_e(v)}</text>'
                     f'<rect x="{left}" y="{y + 6}" width="{w - left - 10}" height="10" fill="#e5e8e3"/>')
        for e in events:
            if e.vehicle != v:
                continue
            x = left + (w - left - 10) * e.t / end
            parts.append(f'<rect x="{x - 1.5:.1f}" y="{y + 2}" width="3" height="18" '
                         f'fill="{colours.get(e.severity, "#555")}"><title>{_e(_fmt_t(e.t))} {_e(e.text)}</title></rect>')
    for k in range(6):
        x = left + (w - left - 10) * k / 5
        anchor = "end" if k == 5 else "middle"
        parts.append(f'<text x="{x:.0f}" y="{h - 4}" font-size="11" text-anchor="{anchor}">{_fmt_t(end * k / 5)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_report(data: ReportData) -> str:
    """The whole page as a string."""
    out: list[str] = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
                      f"<title>{_e(data.title)}</title><style>{CSS}</style></head><body>"]
    out.append(f"<header><h1>{_e(data.title)}</h1><p>{_e(data.started_utc)} → {_e(data.ended_utc)}"
               f"{' · ' + _e(data.description) if data.description else ''}</p></header><main>")

    if data.training is not None:
        tr = data.training
        out.append("<section id='training'><h2>Training result</h2>"
                   f"<div class='score' id='score'>{tr.score:.0f} / 100</div>"
                   f"<p>{tr.found} of {len(tr.subjects)} subjects found · {tr.false_alarms} false alarm(s) · "
                   f"planned POD {_fmt(tr.planned_pod) if tr.planned_pod is not None else '–'}, achieved POD "
                   f"{_fmt(tr.achieved_pod) if tr.achieved_pod is not None else '–'}. "
                   f"A subject counts as found when a sighting lies within {tr.match_radius_m:g} m of them. "
                   "Score: 60 for finding everyone, 20 for achieved against planned POD, 20 times the "
                   "share of sightings that were a subject.</p>"
                   "<table><tr><th>subject</th><th>posture</th><th>result</th><th>distance error</th>"
                   "<th>time to first sighting</th><th>sighting</th></tr>")
        for s in tr.subjects:
            cls, word = ("found", "found") if s.found else ("missed", "missed")
            out.append(f"<tr class='subject'><td>{_e(s.name)}</td><td>{_e(s.posture)}</td>"
                       f"<td class='{cls}'>{word}</td>"
                       f"<td>{'' if s.distance_m is None else f'{s.distance_m:.1f} m'}</td>"
                       f"<td>{_fmt_t(s.time_to_first_s) if s.found else ''}</td>"
                       f"<td>{'' if s.sighting_id is None else '#' + str(s.sighting_id)}</td></tr>")
        out.append("</table></section>")

    out.append("<section id='map'><h2>Map</h2>"
               f"<img class='map' id='map-picture' alt='mission map' src='{_data_uri(data.map_png, 'image/png')}'>"
               "<p>Grey outline: search area. Green: ground the camera covered. Lines: flown tracks. "
               "Orange circles: sightings (numbered). Crosses: true subject positions (training only; "
               "green found, red missed). Red hatching: no-fly zones. H: home.</p></section>")

    out.append("<section id='statistics'><h2>Statistics</h2><table>")
    for k, v in data.stats.items():
        out.append(f"<tr><th>{_e(k)}</th><td>{_e(_fmt(v))}</td></tr>")
    out.append("</table>")
    if data.vehicles:
        out.append("<h2>Vehicles</h2><table><tr><th>vehicle</th><th>connection</th><th>waypoints reached</th>"
                   "<th>flown</th><th>result</th><th>logs</th></tr>")
        for v in data.vehicles:
            result = "completed" if v.completed else f"interrupted ({v.interrupted_by or 'unknown'})"
            out.append(f"<tr><td>{_e(v.name)}</td><td>{_e(v.connection)}</td>"
                       f"<td>{v.last_waypoint_reached} / {v.waypoints_planned}</td><td>{v.flown_m:,.0f} m</td>"
                       f"<td class='{'found' if v.completed else 'warning'}'>{_e(result)}</td>"
                       f"<td>{_e(', '.join(v.tlogs))}</td></tr>")
        out.append("</table>")
    for note in data.notes:
        out.append(f"<p class='warning'>{_e(note)}</p>")
    out.append("</section>")

    duration = float(data.stats.get("mission time (s)", 0.0) or 0.0)
    out.append("<section id='timeline'><h2>Timeline</h2>")
    out.append(_timeline_svg(data.timeline, duration))
    out.append("<table><tr><th>time</th><th>vehicle</th><th>event</th></tr>")
    for e in data.timeline:
        out.append(f"<tr class='{_e(e.severity)}'><td>{_fmt_t(e.t)}</td><td>{_e(e.vehicle)}</td>"
                   f"<td>{_e(e.text)}</td></tr>")
    out.append("</table></section>")

    shown = sorted(data.sightings, key=lambda s: (-s.score, s.id))[:MAX_SIGHTINGS_SHOWN]
    out.append(f"<section id='sightings'><h2>Sightings ({len(data.sightings)})</h2>")
    if len(shown) < len(data.sightings):
        out.append(f"<p>The {len(shown)} most likely are shown; all {len(data.sightings)} are in "
                   "detections.sqlite for review in the desktop app.</p>")
    out.append("<div class='grid'>")
    if not data.sightings:
        out.append("<p>No sightings.</p>")
    for s in shown:
        img = (f"<img alt='sighting {s.id}' src='{_data_uri(s.thumbnail, _mime(s.thumbnail))}'>"
               if s.thumbnail else "<div>(no picture)</div>")
        err = f" ± {s.error_m:.1f} m" if s.error_m is not None else ""
        out.append(f"<div class='card sighting' id='sighting-{s.id}'>{img}<b>#{s.id}</b> · score {s.score:.2f}"
                   f"<br>{s.lat:.6f}, {s.lon:.6f}{err}<br>seen {_fmt_t(s.t)} by {_e(s.vehicle or '?')}"
                   f" · {s.detections} detection(s)<br>{_e(s.detector)} · review: {_e(s.review)}</div>")
    out.append("</div></section>")
    for name, pic in data.extra_pictures.items():
        out.append(f"<section><h2>{_e(name)}</h2><img class='map' alt='{_e(name)}' "
                   f"src='{_data_uri(pic, _mime(pic))}'></section>")
    out.append("<footer style='padding:8px 24px;font-size:12px;color:#666'>SAR Ground Control mission report. "
               "Times are mission time (m:ss) from the start of the first vehicle's mission.</footer>")
    # lets a reader (or a headless browser in a test) see that every picture decoded
    out.append("<script>window.addEventListener('load',function(){var n=0;for(var i of document.images)"
               "{if(i.naturalWidth>0)n++;}document.body.setAttribute('data-images-decoded',n);"
               "document.body.setAttribute('data-images',document.images.length);});</script>")
    out.append("</main></body></html>")
    return "".join(out)


def write_report(data: ReportData, folder: str | Path) -> Path:
    """Write ``folder/report.html`` atomically and return its path."""
    return write_atomic(Path(folder) / REPORT_NAME, render_report(data))
