"""Sighting pictures for TAK users: tap the sighting on the map, see what the drone saw.

Why a tiny HTTP server: a CoT event carries a link, not a picture. The station writes each
sighting's best picture into ``<mission>/sightings/<id>.jpg`` (atomically, so a half-written
JPEG is never served) and serves that folder read-only on the team network; ATAK opens the link
in its browser. Nothing else in the mission folder is served.
"""

from __future__ import annotations

import functools
import socket
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from search_patterns.atomic import write_atomic
from search_patterns.errors import InputError


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def list_directory(self, path):  # no folder listings: only pictures asked for by name
        self.send_error(404)
        return None


def address_towards(host: str) -> str:
    """This laptop's IPv4 address on the network that reaches ``host`` (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect((host, 9))
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


class PictureServer:
    """Serves ``<mission>/sightings/*.jpg`` on ``bind:port`` and names each picture's URL."""

    def __init__(self, mission: Path, *, port: int, bind: str = "0.0.0.0", public_host: str | None = None) -> None:
        self.folder = Path(mission) / "sightings"
        self.folder.mkdir(parents=True, exist_ok=True)
        handler = functools.partial(_Quiet, directory=str(self.folder))
        try:
            self._httpd = ThreadingHTTPServer((bind, port), handler)
        except OSError as exc:
            raise InputError(f"cannot serve pictures on port {port}: {exc.strerror or exc}",
                             where="--serve-pictures") from None
        self.port = self._httpd.server_address[1]
        self.host = public_host or (bind if bind not in ("0.0.0.0", "") else "127.0.0.1")
        self._written: dict[int, object] = {}
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="picture server", daemon=True)
        self._thread.start()

    def url(self, sighting_id: int) -> str:
        return f"http://{self.host}:{self.port}/{int(sighting_id)}.jpg"

    def publish(self, sighting_id: int, version: object, jpeg: bytes | None) -> str | None:
        """Write the picture if it is new or changed (``version``: the best detection's id); its URL."""
        if jpeg is None:
            return self.url(sighting_id) if sighting_id in self._written else None
        if self._written.get(sighting_id) != version:
            write_atomic(self.folder / f"{int(sighting_id)}.jpg", jpeg)
            self._written[sighting_id] = version
        return self.url(sighting_id)

    def needs(self, sighting_id: int, version: object) -> bool:
        """True when the picture for this version of the sighting is not written yet."""
        return self._written.get(sighting_id) != version

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
