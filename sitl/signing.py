"""MAVLink 2 message signing, ArduPilot's way (ardupilot-facts §9).

SETUP_SIGNING stores a key for the whole vehicle. From then on every packet the vehicle
sends, on every link, is signed. Incoming packets on the first link (SERIAL0) are
accepted unsigned, as ArduPilot does for its first port; on every other link unsigned or
wrongly signed packets are dropped without an answer. An all-zero key with timestamp 0
turns signing off. The key cannot be changed while armed.
"""

from __future__ import annotations

import time

from pymavlink.dialects.v20 import ardupilotmega as mavlink

SIGNING_EPOCH_UNIX = 1420070400  # 2015-01-01T00:00:00Z; signing timestamps count 10 µs from here


def wall_timestamp() -> int:
    """The current time as a MAVLink signing timestamp (10 µs units since 2015)."""
    return int((time.time() - SIGNING_EPOCH_UNIX) * 100_000)


class SigningState:
    """The vehicle's key and timestamp, applied to link encoders and parsers."""

    def __init__(self) -> None:
        self.key: bytes | None = None
        self.timestamp = 0

    @property
    def enabled(self) -> bool:
        return self.key is not None

    def setup(self, key: bytes, initial_timestamp: int) -> None:
        """Apply a SETUP_SIGNING: a zero key with timestamp 0 disables signing."""
        if not any(key) and initial_timestamp == 0:
            self.key = None
            self.timestamp = 0
            return
        self.key = bytes(key)
        self.timestamp = max(self.timestamp, initial_timestamp, wall_timestamp())

    def refresh(self) -> None:
        """Keep the timestamp moving with the wall clock (it never goes backwards)."""
        if self.key is not None:
            self.timestamp = max(self.timestamp, wall_timestamp())

    def apply_encoder(self, mav: mavlink.MAVLink, link_id: int) -> None:
        """Make an outgoing encoder sign (or stop signing) with the current key."""
        s = mav.signing
        if self.key is None:
            s.secret_key = None
            s.sign_outgoing = False
            return
        s.secret_key = self.key
        s.sign_outgoing = True
        s.link_id = link_id
        s.timestamp = max(s.timestamp, self.timestamp)
        self.timestamp = s.timestamp

    def apply_parser(self, mav: mavlink.MAVLink, accept_unsigned: bool) -> None:
        """Make an incoming parser check signatures (None key = accept everything)."""
        s = mav.signing
        if self.key is None:
            s.secret_key = None
            s.allow_unsigned_callback = None
            return
        if s.secret_key != self.key:
            s.stream_timestamps.clear()
        s.secret_key = self.key
        s.timestamp = max(s.timestamp, self.timestamp)
        # RADIO_STATUS is accepted unsigned on every link, as in ArduPilot.
        s.allow_unsigned_callback = (lambda _m, _id: True) if accept_unsigned else (
            lambda _m, msg_id: msg_id == mavlink.MAVLINK_MSG_ID_RADIO_STATUS)
