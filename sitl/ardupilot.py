"""Start and stop real ArduPilot SITL (ArduCopter) for training and for the conformance tests.

SITL is found from ``ARDUPILOT_SITL`` or ``arducopter`` on PATH; a defaults file from
``ARDUPILOT_DEFAULTS`` (or none). It runs in its own working folder (``eeprom.bin`` and
``logs/`` land there), as a child of this process: SITL exits when its parent dies, and on
Linux we also ask the kernel to stop it then. Ports follow SITL's rule: SERIAL0 on
5760 + 10·instance, SERIAL1 on 5762 + 10·instance. SITL does not boot until a client
connects to SERIAL0, so :meth:`SitlLauncher.wait_armable` connects, waits for a position
estimate, and disconnects again.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from search_patterns.errors import InputError, SargcError

DEFAULT_HOME = (-35.363261, 149.165230, 584.0, 353.0)
MISSING_HINT = "set ARDUPILOT_SITL=/path/to/arducopter or put arducopter on PATH"
EKF_POSITION_FLAGS = 0x33F & ~0x80   # attitude, velocities, positions (not CONST_POS_MODE)


class SitlError(SargcError):
    """ArduPilot SITL is missing, would not start, or died."""


def find_binary(binary: str | os.PathLike[str] | None = None) -> Path | None:
    """The SITL executable to use: the argument, else $ARDUPILOT_SITL, else arducopter on PATH."""
    cand = binary or os.environ.get("ARDUPILOT_SITL") or shutil.which("arducopter")
    return Path(cand) if cand else None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: deliver SIGTERM to the child when this process dies (PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


class SitlLauncher:
    """One ArduCopter SITL instance.

    >>> SitlLauncher(binary="/nonexistent/arducopter").start()   # doctest: +SKIP
    Traceback (most recent call last):
    SitlError: ArduPilot SITL binary /nonexistent/arducopter does not exist: set ARDUPILOT_SITL=...
    """

    def __init__(self, binary: str | os.PathLike[str] | None = None, defaults: str | os.PathLike[str] | None = None,
                 home: tuple[float, float, float, float] = DEFAULT_HOME, speedup: float = 1.0, instance: int = 0,
                 workdir: str | os.PathLike[str] | None = None, model: str = "quad", wipe: bool = True,
                 host: str = "127.0.0.1") -> None:
        if instance < 0:
            raise InputError(f"instance must be >= 0, got {instance}", where="sitl")
        if speedup <= 0:
            raise InputError(f"speedup must be > 0, got {speedup}", where="sitl")
        self._binary_arg = binary
        d = defaults if defaults is not None else os.environ.get("ARDUPILOT_DEFAULTS") or None
        self.defaults = Path(d) if d else None
        self.home = home
        self.speedup = speedup
        self.instance = instance
        self.model = model
        self.wipe = wipe
        self.host = host
        self.workdir = Path(workdir) if workdir else None
        self._own_workdir = False
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None

    # ---------------------------------------------------------------- ports
    @property
    def tcp_port(self) -> int:
        return 5760 + 10 * self.instance

    @property
    def serial1_port(self) -> int:
        return 5762 + 10 * self.instance

    @property
    def connection_string(self) -> str:
        return f"tcp:{self.host}:{self.tcp_port}"

    @property
    def second_connection_string(self) -> str:
        return f"tcp:{self.host}:{self.serial1_port}"

    # ---------------------------------------------------------------- lifecycle
    def resolve_binary(self) -> Path:
        """The executable, or a SitlError saying how to provide it."""
        path = find_binary(self._binary_arg)
        if path is None:
            raise SitlError(f"ArduPilot SITL not installed: {MISSING_HINT}")
        if not path.is_file():
            raise SitlError(f"ArduPilot SITL binary {path} does not exist: {MISSING_HINT}")
        if not os.access(path, os.X_OK):
            raise SitlError(f"ArduPilot SITL binary {path} is not executable (chmod +x it)")
        return path

    def command(self) -> list[str]:
        """The SITL command line this launcher runs."""
        lat, lon, alt, hdg = self.home
        cmd = [str(self.resolve_binary())]
        if self.wipe:
            cmd.append("-w")
        cmd += ["--model", self.model, "--speedup", f"{self.speedup:g}",
                "--home", f"{lat},{lon},{alt},{hdg}", "-I", str(self.instance)]
        if self.defaults is not None:
            if not self.defaults.is_file():
                raise InputError(f"defaults file {self.defaults} does not exist", where="ARDUPILOT_DEFAULTS")
            cmd += ["--defaults", str(self.defaults)]
        return cmd

    def start(self, timeout_s: float = 20.0) -> SitlLauncher:
        """Start SITL and wait until its SERIAL0 port listens. Raises SitlError if it dies first."""
        cmd = self.command()
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix=f"sitl-{self.instance}-"))
            self._own_workdir = True
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / "sitl.log"
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed by stop()
        try:
            self.process = subprocess.Popen(cmd, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        except OSError as exc:
            log.close()
            raise SitlError(f"could not start ArduPilot SITL {cmd[0]}: {exc}") from exc
        finally:
            self._log = log
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                self._check_alive("while starting")
            except SitlError:
                self._own_workdir = False   # keep the folder: its log says why
                self.stop()
                raise
            with contextlib.suppress(OSError), socket.create_connection((self.host, self.tcp_port), timeout=0.5) as s:
                s.close()
                return self
            time.sleep(0.2)
        self._own_workdir = False
        self.stop()
        raise SitlError(f"ArduPilot SITL did not open {self.connection_string} within {timeout_s:.0f} s "
                        f"(log: {self.log_path})")

    def _check_alive(self, when: str) -> None:
        if self.process is None:
            raise SitlError("ArduPilot SITL is not running (call start() first)")
        code = self.process.poll()
        if code is not None:
            tail = ""
            if self.log_path and self.log_path.exists():
                tail = self.log_path.read_text(errors="replace").strip().splitlines()[-3:]
                tail = " | ".join(tail)
            raise SitlError(f"ArduPilot SITL exited with code {code} {when}"
                            + (f": {tail}" if tail else "") + f" (log: {self.log_path})")

    def wait_armable(self, timeout_s: float | None = None) -> None:
        """Connect to SERIAL0 (which boots SITL) and wait until the EKF has a GPS position,
        i.e. GUIDED can be armed (≈42 s of sim time after boot)."""
        from pymavlink import mavutil

        timeout = timeout_s if timeout_s is not None else 60.0 / self.speedup + 60.0
        deadline = time.monotonic() + timeout
        conn = mavutil.mavlink_connection(self.connection_string, source_system=255, source_component=190,
                                          autoreconnect=False)
        try:
            if conn.wait_heartbeat(timeout=max(1.0, deadline - time.monotonic())) is None:
                self._check_alive("before its first heartbeat")
                raise SitlError(f"no heartbeat from ArduPilot SITL on {self.connection_string}")
            conn.mav.request_data_stream_send(conn.target_system, conn.target_component, 12, 2, 1)
            last_hb = 0.0
            while time.monotonic() < deadline:
                self._check_alive("while waiting to be armable")
                if time.monotonic() - last_hb > 1.0 / self.speedup:
                    conn.mav.heartbeat_send(6, 8, 0, 0, 0)
                    last_hb = time.monotonic()
                msg = conn.recv_match(type="EKF_STATUS_REPORT", blocking=True, timeout=0.5)
                if msg is not None and (msg.flags & EKF_POSITION_FLAGS) == EKF_POSITION_FLAGS \
                        and not msg.flags & 0x80:
                    return
            raise SitlError(f"ArduPilot SITL was not armable within {timeout:.0f} s")
        finally:
            conn.close()

    def stop(self) -> None:
        """Stop SITL (SIGTERM, then SIGKILL after 5 s) and remove a working folder we created."""
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        log = getattr(self, "_log", None)
        if log is not None:
            log.close()
            self._log = None
        if self._own_workdir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
            self._own_workdir = False

    def __enter__(self) -> SitlLauncher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
