"""A telemetry radio is a serial port: here a pseudo-terminal bridged to the vehicle's TCP port,
so the station opens a real tty device with pyserial, as it would /dev/ttyUSB0."""

from __future__ import annotations

import os
import select
import socket
import threading
import tty

from link_helpers import HOME, eventually, vehicle  # noqa: F401 - fixture

from groundcontrol.vehicle import Vehicle


def _bridge(master_fd: int, sock: socket.socket, stop: threading.Event) -> None:
    while not stop.is_set():
        ready, _, _ = select.select([master_fd, sock], [], [], 0.05)
        try:
            if master_fd in ready:
                sock.sendall(os.read(master_fd, 4096))
            if sock in ready:
                data = sock.recv(4096)
                if not data:
                    return
                os.write(master_fd, data)
        except OSError:
            return


def test_vehicle_over_a_serial_device(vehicle):  # noqa: F811
    master, slave = os.openpty()
    tty.setraw(slave)
    device = os.ttyname(slave)
    host, port = vehicle.connection.split(":")[1:]
    sock = socket.create_connection((host, int(port)))
    stop = threading.Event()
    threading.Thread(target=_bridge, args=(master, sock, stop), daemon=True).start()
    v = None
    try:
        v = Vehicle.connect(f"{device}:57600", timeout=20)
        s = eventually(lambda: (lambda s: s if s.home is not None and s.gps_fix else None)(v.snapshot()), 10)
        assert abs(s.home_lat - HOME[0]) < 1e-7 and s.mode == "STABILIZE" and not s.link.lost
        eventually(lambda: v.telemetry_mode == "message_interval", 10)  # our requests went out through the tty
    finally:
        if v is not None:
            v.close()
        stop.set()
        sock.close()
        os.close(master)
        os.close(slave)
