"""The simulated battery as ArduCopter SITL reports it (facts §8).

SITL's battery holds 12.6 V whatever the charge, so the only thing that changes is the
charge drawn: remaining % falls with mAh consumed against BATT_CAPACITY. The current is
0 on the ground and about 27–33 A in the air (more when flying fast or climbing), which
drains a 3300 mAh pack from 100 % to a few % in roughly 400 s of flight.
"""

from __future__ import annotations

VOLTAGE_V = 12.6
HOVER_A = 27.0
A_PER_M_S = 0.6      # extra current per m/s of groundspeed
A_PER_CLIMB = 1.2    # extra current per m/s of climb


class Battery:
    """Charge drawn from the battery, integrated over sim time."""

    def __init__(self, capacity_mah: float = 3300.0) -> None:
        self.capacity_mah = capacity_mah
        self.consumed_mah = 0.0
        self.current_a = 0.0

    def step(self, dt: float, airborne: bool, groundspeed: float, climb: float) -> None:
        self.current_a = (HOVER_A + A_PER_M_S * groundspeed + A_PER_CLIMB * max(0.0, climb)) if airborne else 0.0
        self.consumed_mah += self.current_a * dt / 3.6

    @property
    def voltage_mv(self) -> int:
        return int(VOLTAGE_V * 1000)

    @property
    def remaining_pct(self) -> int:
        if self.capacity_mah <= 0:
            return -1
        return max(0, min(100, round(100.0 * (1.0 - self.consumed_mah / self.capacity_mah))))

    @property
    def remaining_mah(self) -> float:
        return self.capacity_mah - self.consumed_mah

    @property
    def energy_hj(self) -> int:
        """Energy drawn in hectojoules (mAh × 12.6 V)."""
        return int(self.consumed_mah * 3.6 * VOLTAGE_V / 100.0)
