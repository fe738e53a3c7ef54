"""The simulated clock.

Everything the simulated vehicle times (stream rates, the mission upload re-request and
timeout, auto-disarm, failsafes, readiness) runs on this clock, never on the wall clock,
so that a speed-up changes how fast things happen on the wall but not their order or
their sim-time durations. Like ArduPilot SITL, the clock slows down instead of jumping
when the host is too busy to keep up (each step advances by at most ``max_step_s``).
"""

from __future__ import annotations

import time


class SimClock:
    """Sim seconds since boot, advanced explicitly by the simulation loop."""

    def __init__(self, speedup: float = 1.0, max_step_s: float = 0.25) -> None:
        if speedup <= 0:
            raise ValueError(f"speedup must be > 0, got {speedup}")
        self.speedup = float(speedup)
        self.max_step_s = max_step_s
        self._now = 0.0
        self._wall: float | None = None

    def now(self) -> float:
        """Sim seconds since boot."""
        return self._now

    def advance(self) -> float:
        """Move sim time forward by the wall time elapsed since the last call (times speed-up).

        Returns the sim seconds advanced. The first call only starts the clock.
        """
        wall = time.monotonic()
        if self._wall is None:
            self._wall = wall
            return 0.0
        dt = min((wall - self._wall) * self.speedup, self.max_step_s)
        self._wall = wall
        self._now += dt
        return dt

    def step(self, dt: float) -> None:
        """Advance by a fixed amount of sim time (for deterministic unit tests)."""
        self._now += dt
