"""``sargc share``: put the drone and its sightings on the team's maps (ATAK / TAK, CalTopo, Google Earth).

This is where the independent parts meet: vehicle snapshots (groundcontrol) and the sightings
store (detection) are turned into plain values for the CoT builders (groundcontrol.tak) and the
CalTopo / live-map writers (search_patterns.formats).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import click

from search_patterns.errors import InputError

STATE_TO_REVIEW = {"new": "pending", "confirmed": "confirmed", "rejected": "rejected"}


@click.group()
def share() -> None:
    """Share with ATAK / TAK servers (CoT), CalTopo / SARTopo (GeoJSON) and Google Earth / QGIS.

    \b
    Examples:
      sargc share follow --connect udp:127.0.0.1:14550 --mission missions/today
      sargc share follow --connect tcp:127.0.0.1:5760 --url tcp://takserver.local:8087
      sargc share listen --seconds 60 --out markers.json
      sargc share caltopo-import map-export.json --assignment "AB 12" --out area.geojson
      sargc share caltopo-export map-export.json --assignment "AB 12" --mission missions/today --out back.json
    """


# -- helpers -----------------------------------------------------------------------------------------
def _sighting_rows(mission: Path | None) -> list:
    """Sightings with a ground position from the mission's store (empty if there is none yet)."""
    if mission is None:
        return []
    from detection.store import FILENAME, SightingStore

    db = mission / FILENAME if mission.is_dir() else mission
    if not db.exists():
        return []
    with SightingStore(db, readonly=True) as store:
        return [s for s in store.sightings() if s.lat is not None and s.lon is not None]


def _picture_url(pictures, mission: Path | None, s) -> str | None:
    """Write the sighting's best picture for the picture server (once per best detection); its URL."""
    if pictures is None or mission is None or s.best_detection_id is None:
        return None
    jpeg = None
    if pictures.needs(s.id, s.best_detection_id):
        from detection.store import FILENAME, SightingStore

        with SightingStore(mission / FILENAME, readonly=True) as store:
            jpeg = store.thumbnail(s.best_detection_id)
    return pictures.publish(s.id, s.best_detection_id, jpeg)


def _course(snap) -> float | None:
    if snap.vn is not None and snap.ve is not None and math.hypot(snap.vn, snap.ve) > 0.3:
        return math.degrees(math.atan2(snap.ve, snap.vn)) % 360.0
    return snap.heading if snap.heading is not None else snap.yaw


def _speed(snap) -> float | None:
    if snap.groundspeed is not None:
        return snap.groundspeed
    if snap.vn is not None and snap.ve is not None:
        return math.hypot(snap.vn, snap.ve)
    return None


def _when(t: float) -> str:
    """A sighting's time for people; simulated missions run on a clock from zero, which means nothing to them."""
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(t)) if t > 946_684_800 else ""


def _marker_line(m) -> str:
    who = f" from {m.parent_callsign}" if m.parent_callsign else ""
    note = f" — {m.remarks}" if m.remarks else ""
    return f"{m.title} [{m.cot_type}] {m.lat:.6f}, {m.lon:.6f}{who}{note}"


def _write_markers(path: Path, markers: dict) -> None:
    from search_patterns.formats.caltopo import CaltopoMarker, write_caltopo

    write_caltopo(path, markers=[CaltopoMarker(lat=m.lat, lon=m.lon, title=m.title, description=m.remarks,
                                               color="FFFFFF", feature_id=m.uid) for m in markers.values()])


# -- ATAK / TAK --------------------------------------------------------------------------------------
@share.command()
@click.option("--connect", required=True, help="MAVLink connection of the vehicle (e.g. udp:127.0.0.1:14550).")
@click.option("--url", default="udp://239.2.3.1:6969", show_default=True,
              help="Where CoT goes: udp://GROUP:PORT (multicast), udp://HOST:PORT, tcp://TAKSERVER:PORT.")
@click.option("--interface", default=None, help="IPv4 address of the network interface for multicast.")
@click.option("--mission", type=click.Path(path_type=Path), default=None,
              help="Mission folder: sightings from its detections.sqlite go out; team markers and the live map are written there.")
@click.option("--callsign", default="SAR Drone", show_default=True, help="Name the vehicle has on TAK maps.")
@click.option("--rate", default=1.0, show_default=True, help="Position updates per second.")
@click.option("--seconds", default=0.0, help="Stop after this many seconds (0: until Ctrl-C).")
@click.option("--live/--no-live", default=True, show_default=True,
              help="Also keep live.kml / live.geojson in the mission folder for Google Earth / QGIS.")
@click.option("--serve-pictures", type=int, default=None, metavar="PORT",
              help="Serve each sighting's picture over HTTP on this port and link it from the TAK marker.")
def follow(connect: str, url: str, interface: str | None, mission: Path | None, callsign: str, rate: float,
           seconds: float, live: bool, serve_pictures: int | None) -> None:
    """Publish the vehicle's position and the mission's sightings as CoT; collect markers the team drops.

    \b
    Example:
      sargc share follow --connect udp:127.0.0.1:14550 --mission missions/today --url tcp://10.0.0.2:8087
      sargc share follow --connect tcp:127.0.0.1:5760 --mission missions/today --serve-pictures 8080
    """
    from groundcontrol.tak import CotLink, parse_url, sighting_event, vehicle_event
    from groundcontrol.vehicle import Vehicle
    from search_patterns.formats.live_kml import LiveMapWriter, LivePoint, LiveState, LiveVehicle

    pictures = None
    if serve_pictures is not None:
        if mission is None:
            raise click.UsageError("--serve-pictures needs --mission (the pictures come from its detections)")
        from ui.picture_server import PictureServer, address_towards

        pictures = PictureServer(mission, port=serve_pictures, bind=interface or "0.0.0.0",
                                 public_host=interface or address_towards(parse_url(url).host))
        click.echo(f"sighting pictures at {pictures.url(0).rsplit('/', 1)[0]}/")
    vehicle = Vehicle.connect(connect, timeout=30)  # also asks the autopilot for position telemetry
    cot = CotLink(url, interface=interface)
    writer = LiveMapWriter(mission, title=callsign) if (live and mission is not None) else None
    markers: dict = {}
    track: list[tuple[float, float]] = []
    sent_sightings: dict[int, tuple] = {}
    last_sighting_scan = 0.0
    shown_error = ""
    try:
        sysid = vehicle.system_id
        uid = f"sargc-{callsign.replace(' ', '-').lower()}-{sysid}"
        click.echo(f"vehicle {sysid} on {connect}; CoT to {url} as {uid!r}")
        period = 1.0 / max(rate, 0.05)
        t_end = time.monotonic() + seconds if seconds > 0 else math.inf
        while time.monotonic() < t_end:
            t0 = time.monotonic()
            snap = vehicle.snapshot()
            if snap.has_position:
                track.append((snap.lat, snap.lon))
                del track[:-2000]
                cot.send(vehicle_event(uid, snap.lat, snap.lon, snap.alt_amsl, course=_course(snap),
                                       speed=_speed(snap), callsign=callsign,
                                       remarks=f"mode {snap.mode}, battery {snap.battery_pct or 0:.0f}%"))
            if t0 - last_sighting_scan > 5.0:  # resend sightings now and then: TAK clients join late
                last_sighting_scan = t0
                sent_sightings.clear()
            rows = _sighting_rows(mission)
            for s in rows:
                key = (s.state, round(s.score, 3), s.lat, s.lon)
                if sent_sightings.get(s.id) != key:
                    picture = _picture_url(pictures, mission, s)
                    cot.send(sighting_event(f"sargc-sighting-{s.id}", s.lat, s.lon, score=min(1.0, s.score),
                                            review=STATE_TO_REVIEW.get(s.state, "pending"), error_m=s.error_m,
                                            sighting_id=s.id, detector=",".join(s.detectors),
                                            picture_url=picture or ""))
                    sent_sightings[s.id] = key
            for m in cot.drain():
                if m.is_user_marker and m.field("kind") not in ("vehicle", "sighting") and markers.get(m.uid) != m:
                    markers[m.uid] = m
                    click.echo(f"marker: {_marker_line(m)}")
                    if mission is not None:
                        _write_markers(mission / "team-markers.json", markers)
            if writer is not None:
                vehicles = (LiveVehicle(uid, callsign, snap.lat, snap.lon, snap.alt_rel or 0.0,
                                        _course(snap) or 0.0, tuple(track)),) if snap.has_position else ()
                points = tuple(LivePoint(f"s{s.id}", f"Sighting {s.id}", s.lat, s.lon, f"score {s.score:.2f}",
                                         STATE_TO_REVIEW.get(s.state, "pending")) for s in rows)
                points += tuple(LivePoint(m.uid, m.title, m.lat, m.lon, m.remarks) for m in markers.values())
                writer.update(LiveState(title=callsign, vehicles=vehicles, points=points,
                                        updated=time.strftime("%H:%M:%SZ", time.gmtime())))
            if cot.last_error != shown_error:  # say each new problem once, and when it clears
                shown_error = cot.last_error
                click.echo(f"CoT: {shown_error}" if shown_error else "CoT: sending again", err=True)
            time.sleep(max(0.0, period - (time.monotonic() - t0)))
    except KeyboardInterrupt:
        pass
    finally:
        st = cot.status()
        cot.close()
        vehicle.close()
        if pictures is not None:
            pictures.close()
        click.echo(f"sent {st.sent} CoT events, received {st.received}, rejected {st.rejected}; "
                   f"{len(markers)} team markers")


@share.command()
@click.option("--url", default="udp://239.2.3.1:6969", show_default=True, help="CoT address to listen on.")
@click.option("--interface", default=None, help="IPv4 address of the network interface for multicast.")
@click.option("--seconds", default=30.0, show_default=True, help="How long to listen.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Write the markers received as CalTopo GeoJSON here.")
@click.option("--all", "show_all", is_flag=True, help="Show every event, not only markers people dropped.")
def listen(url: str, interface: str | None, seconds: float, out: Path | None, show_all: bool) -> None:
    """Print the markers team members drop in ATAK (and optionally save them for CalTopo).

    \b
    Example:
      sargc share listen --seconds 120 --out team-markers.json
    """
    from groundcontrol.tak import CotLink

    markers: dict = {}
    with CotLink(url, interface=interface) as cot:
        for m in cot.markers(seconds):
            if show_all or m.is_user_marker:
                markers[m.uid] = m
                click.echo(_marker_line(m))
        st = cot.status()
    if out is not None:
        _write_markers(out, markers)
    click.echo(f"{len(markers)} markers ({st.received} events, {st.rejected} unreadable)")


@share.command()
@click.option("--url", default="udp://239.2.3.1:6969", show_default=True, help="Where CoT goes.")
@click.option("--interface", default=None, help="IPv4 address of the network interface for multicast.")
@click.option("--lat", type=float, required=True)
@click.option("--lon", type=float, required=True)
@click.option("--title", required=True, help="Label on the map.")
@click.option("--remarks", default="", help="Text shown when the marker is tapped.")
@click.option("--color", default="white", show_default=True)
@click.option("--uid", default=None, help="Stable id (sending again with it moves the marker).")
def marker(url: str, interface: str | None, lat: float, lon: float, title: str, remarks: str, color: str,
           uid: str | None) -> None:
    """Drop one marker (a datum, a landing zone) on every TAK map.

    \b
    Example:
      sargc share marker --lat 47.3931 --lon 8.5452 --title "LZ 1" --remarks "landing zone"
    """
    from groundcontrol.tak import CotLink, marker_event

    uid = uid or f"sargc-marker-{abs(hash((lat, lon, title))) % 10**8}"
    with CotLink(url, interface=interface, listen=False) as cot:
        if not cot.wait_connected(5) or not cot.send(marker_event(uid, lat, lon, title=title, remarks=remarks,
                                                                  color=color)):
            raise InputError(cot.last_error or "could not send", where=url)
    click.echo(f"sent marker {title!r} ({uid}) to {url}")


# -- CalTopo -----------------------------------------------------------------------------------------
@share.command("caltopo-import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--assignment", default=None, help="Title, letter or number of the assignment to take.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Write that assignment as a search-area GeoJSON (for sargc plan --area).")
def caltopo_import(file: Path, assignment: str | None, out: Path | None) -> None:
    """List the assignments in a CalTopo/SARTopo GeoJSON export, or take one as the search area.

    \b
    Example:
      sargc share caltopo-import map-export.json --assignment "AB 12" --out area.geojson
    """
    from shapely.geometry import mapping

    from search_patterns.atomic import write_atomic
    from search_patterns.formats.caltopo import read_caltopo

    doc = read_caltopo(file)
    if assignment is None:
        for a in doc.assignments:
            km2 = a.to_area().area_m2() / 1e6
            click.echo(f"{a.title:10s} {a.status:10s} {a.resource_type or '-':8s} {km2:7.3f} km²  {a.description}")
        click.echo(f"{len(doc.assignments)} assignments, {len(doc.markers)} markers, {len(doc.shapes)} shapes"
                   + (f"; skipped {len(doc.skipped)} other features" if doc.skipped else ""))
        return
    a = doc.assignment(assignment)
    if out is None:
        raise click.UsageError("--out is needed with --assignment")
    feature = {"type": "Feature", "geometry": mapping(a.polygon),
               "properties": {"name": a.title, "caltopo_id": a.feature_id, "role": "search"}}
    write_atomic(out, json.dumps({"type": "FeatureCollection", "features": [feature]}, indent=1))
    click.echo(f"wrote assignment {a.title} ({a.to_area().area_m2() / 1e6:.3f} km²) to {out}")


def _coverage_from_mission(mission: Path):
    """(covered geometry or None, covered fraction, mean POD) from the mission's coverage/ folder."""
    from shapely.geometry import shape
    from shapely.ops import unary_union

    folder = mission / "coverage"
    covered, frac, pod = None, math.nan, math.nan
    summary = folder / "summary.json"
    if summary.exists():
        try:
            s = json.loads(summary.read_text())
        except ValueError as exc:
            raise InputError(f"not JSON ({exc})", where=str(summary)) from None
        frac = float(s.get("covered_fraction", s.get("coverage_fraction", math.nan)))
        pod = float(s.get("mean_pod", s.get("pod", math.nan)))
    gj = folder / "coverage.geojson"
    if gj.exists():
        try:
            feats = json.loads(gj.read_text()).get("features", [])
            geoms = [shape(f["geometry"]) for f in feats if f.get("geometry")]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"unreadable coverage ({exc})", where=str(gj)) from None
        polys = [g for g in geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        covered = unary_union(polys) if polys else None
    return covered, frac, pod


@share.command("caltopo-export")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--assignment", required=True, help="Title, letter or number of the assignment flown.")
@click.option("--mission", type=click.Path(path_type=Path), required=True, help="The mission folder flown.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="GeoJSON to import into CalTopo.")
@click.option("--include-rejected", is_flag=True, help="Also export sightings reviewers rejected.")
def caltopo_export(file: Path, assignment: str, mission: Path, out: Path, include_rejected: bool) -> None:
    """Hand a flown assignment back to CalTopo: status, coverage, POD and sightings, in CalTopo's shape.

    \b
    Example:
      sargc share caltopo-export map-export.json --assignment "AB 12" --mission missions/today --out back.json
    """
    from search_patterns.formats.caltopo import (
        CaltopoShape,
        flown_assignment,
        read_caltopo,
        sighting_marker,
        write_caltopo,
    )

    a = read_caltopo(file).assignment(assignment)
    if not mission.is_dir():
        raise InputError("no such mission folder", where=str(mission))
    covered, frac, pod = _coverage_from_mission(mission)
    if covered is not None and math.isnan(frac):
        frac = covered.intersection(a.polygon).area / a.polygon.area
    shapes = []
    if covered is not None:
        shapes.append(CaltopoShape(covered, f"{a.title} drone coverage", stroke="#00AA00", fill="#00AA00"))
    markers = [sighting_marker(s.lat, s.lon, sighting_id=s.id, score=s.score,
                               review=STATE_TO_REVIEW.get(s.state, "pending"),
                               when=_when(s.first_time))
               for s in _sighting_rows(mission) if include_rejected or s.state != "rejected"]
    flown = flown_assignment(a, covered_fraction=0.0 if math.isnan(frac) else frac,
                             mean_pod=0.0 if math.isnan(pod) else pod)
    write_caltopo(out, assignments=[flown], shapes=shapes, markers=markers)
    click.echo(f"wrote {out}: assignment {a.title} ({flown.status}, "
               f"{'?' if math.isnan(frac) else f'{frac:.0%}'} covered), {len(shapes)} coverage shapes, "
               f"{len(markers)} sightings")
