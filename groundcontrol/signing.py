"""MAVLink 2 message signing: keys, handing the key to the vehicle, signing what we send.

A key is 32 random bytes stored as hex in a file only its owner can read. Handing it to
the vehicle is one SETUP_SIGNING message, which ArduPilot accepts silently (no ACK), so we
count the key as accepted only when the vehicle's own packets arrive signed with it.

The timestamp trap (ardupilot-facts section 9): a receiver rejects a new signed stream
whose timestamp is more than a minute behind its own clock, and a simulated vehicle's
clock may run ahead of ours (speed-up). We therefore start at the later of our clock and
the newest timestamp the vehicle has signed with, and the link keeps us ahead of it.
"""

from __future__ import annotations

import hashlib
import secrets
import stat
import time
from pathlib import Path

import platformdirs

from groundcontrol.errors import SigningError
from groundcontrol.link import Link
from search_patterns.atomic import write_atomic
from search_patterns.errors import InputError

KEY_BYTES = 32
EPOCH_2015 = 1420070400


def default_key_path() -> Path:
    """Where ``sargc`` keeps the team's signing key unless told otherwise."""
    return Path(platformdirs.user_config_dir("sargc")) / "signing.key"


def create_key(path: str | Path) -> bytes:
    """Make a new random key and store it (hex, mode 0600). Refuses to overwrite a key."""
    target = Path(path)
    if target.exists():
        raise InputError("a signing key already exists here; delete it first to make a new one",
                         where=str(target))
    key = secrets.token_bytes(KEY_BYTES)
    write_atomic(target, key.hex() + "\n", mode=0o600)  # private from the first byte
    return key


def key_from_passphrase(passphrase: str) -> bytes:
    """The key MAVProxy's ``signing setup <passphrase>`` uses: SHA-256 of the passphrase."""
    return hashlib.sha256(passphrase.encode("utf-8")).digest()


def load_key(path: str | Path) -> bytes:
    """Read a key file; refuses keys that other users can read (they could fly our drone)."""
    p = Path(path)
    try:
        mode = p.stat().st_mode
        text = p.read_text().strip()
    except OSError as exc:
        raise InputError(f"cannot read signing key: {exc.strerror}", where=str(p)) from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InputError("signing key is readable by other users; run: chmod 600 " + str(p), where=str(p))
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise InputError(f"not a signing key (expected {KEY_BYTES * 2} hex digits)", where=str(p))
    return key


def _now_stamp() -> int:
    """MAVLink signing time: 10 µs units since 2015-01-01."""
    return int((time.time() - EPOCH_2015) * 100_000)


def _use_key(link: Link, key: bytes | None, timestamp: int) -> None:
    s = link.mav.signing
    s.secret_key = key
    s.sign_outgoing = key is not None
    s.link_id = 0
    s.timestamp = timestamp
    # Accept unsigned packets too: a vehicle only signs after it has the key, and we check
    # the vehicle's signatures ourselves (Link.signature_ok) to know that it does.
    s.allow_unsigned_callback = (lambda mav, msg_id: True) if key is not None else None


def enable(link: Link, sysid: int, compid: int, key: bytes, *, armed: bool, timeout: float = 6.0) -> None:
    """Give ``key`` to the vehicle and sign everything we send from now on.

    Raises :class:`SigningError` if the vehicle is armed (ArduPilot refuses) or does not
    start signing its own packets with the key within ``timeout`` seconds.
    """
    if len(key) != KEY_BYTES:
        raise SigningError(f"a signing key is {KEY_BYTES} bytes, not {len(key)}")
    if armed:
        raise SigningError("the vehicle is armed; ArduPilot will not take a signing key in flight. "
                           "Land and disarm first.")
    stamp = max(_now_stamp(), link.vehicle_signing_timestamp + 1)
    setup = link.mav.setup_signing_encode(sysid, compid, key, stamp)
    refused = None
    with link.expect(lambda m: m.get_srcSystem() == sysid and m.get_type() == "STATUSTEXT") as w:
        link.send(setup)  # unsigned: works when the vehicle has no key or an old one (on SERIAL0)
        link.signature_ok = False
        _use_key(link, key, stamp + 1)
        link.send(link.mav.setup_signing_encode(sysid, compid, key, stamp))  # signed: when it has ours
        deadline = time.monotonic() + timeout
        next_resend = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            if link.signature_ok:
                return
            m = w.get(0.1)
            if m is not None and "signing" in m.text.lower():
                refused = m.text
            if time.monotonic() > next_resend:
                link.send(link.mav.setup_signing_encode(sysid, compid, key, link.mav.signing.timestamp))
                next_resend = time.monotonic() + 2.0
    _use_key(link, None, 0)
    why = f": {refused}" if refused else ""
    raise SigningError(f"signing was asked for, but vehicle {sysid} did not start signing with our key "
                       f"within {timeout:g} s{why}. It may not support MAVLink 2 signing; refusing to fly "
                       "unsigned.")


def disable(link: Link, sysid: int, compid: int) -> None:
    """Tell the vehicle to stop signing (all-zero key) and stop signing ourselves."""
    zero = link.mav.setup_signing_encode(sysid, compid, bytes(KEY_BYTES), 0)
    link.send(zero)  # signed, while we still have the key
    _use_key(link, None, 0)
    link.send(link.mav.setup_signing_encode(sysid, compid, bytes(KEY_BYTES), 0))
    link.signature_ok = False
