"""The ground-station side of MAVLink: links, vehicle state, missions, actions, logs, forwarding.

Talks to ArduPilot (real, SITL or our built-in simulator, which it never tells apart)
through pymavlink. No Qt: the desktop app observes the snapshots and events it publishes.
"""
