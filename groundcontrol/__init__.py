"""The ground-station side of MAVLink: links, vehicle state, missions, actions, logs, forwarding.

Talks to ArduPilot (real, SITL or our built-in simulator, which it never tells apart)
through pymavlink. No Qt: the desktop app observes the snapshots and events it publishes.

The one entry point is :class:`groundcontrol.vehicle.Vehicle`; behind it, one module per
capability: ``connection`` (connection strings, transports), ``link`` (the reader thread),
``telemetry``/``snapshot``/``events`` (state and what changed), ``mission`` (upload, download,
verify), ``commands``/``actions`` (commands with the vehicle's reasons), ``params``,
``signing``, ``tlog``, ``forwarding``, ``preflight`` and ``reserve``.
"""
