"""Shared pieces of the bad-input (fuzz) tests: mutations of valid files and the rule every reader keeps.

The rule: a reader given any bytes either returns a value or raises ``SargcError`` whose message
names the file (or source) — never another exception, never a hang.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from hypothesis import strategies as st

from search_patterns.errors import SargcError

#: Any single input taking longer than this is treated as a hang (generous: 2 shared cores).
HANG_S = 10.0

_INTERESTING = [b"\x00", b"\xff", b"<", b">", b"\"", b"'", b"&", b"]]>", b"{", b"}", b"[", b"]", b",", b":",
                b"-1", b"1e999", b"NaN", b"nan", b"-0", b"99999999999999999999", b"\n", b"\t", b"\r\n",
                b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>", b"&a;", b"\xef\xbb\xbf", b"\xc3\x28", b"%", b"\\"]


@st.composite
def mutated(draw: st.DrawFn, seed: bytes, max_edits: int = 6) -> bytes:
    """``seed`` with a few random edits: flips, deletions, insertions, truncation, duplicated runs."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, max_edits))):
        if not data:
            data += draw(st.binary(min_size=1, max_size=8))
            continue
        i = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "delete", "insert", "interesting", "truncate", "duplicate", "swap"]))
        if op == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "delete":
            del data[i: i + draw(st.integers(1, 16))]
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=16))
        elif op == "interesting":
            data[i:i] = draw(st.sampled_from(_INTERESTING))
        elif op == "truncate":
            del data[i:]
        elif op == "duplicate":
            j = draw(st.integers(i, min(len(data), i + 64)))
            data[i:i] = data[i:j] * draw(st.integers(1, 4))
        else:
            j = draw(st.integers(0, len(data) - 1))
            data[i], data[j] = data[j], data[i]
    return bytes(data)


def inputs(seed: bytes) -> st.SearchStrategy[bytes]:
    """Mostly near-valid variants of ``seed``, some plain random bytes."""
    return st.one_of(mutated(seed), mutated(seed), mutated(seed), st.binary(max_size=512))


class Tally:
    """Counts inputs tried and how each ended, for the report."""

    def __init__(self) -> None:
        self.tried = self.accepted = self.refused = 0


def holds_the_rule(read: Callable[[], object], *, names: str, tally: Tally | None = None) -> object | None:
    """Run ``read``: fine if it returns; fine if it raises SargcError mentioning ``names``; else fail."""
    t0 = time.perf_counter()
    try:
        out = read()
    except SargcError as exc:
        if tally is not None:
            tally.tried += 1
            tally.refused += 1
        assert names in str(exc), f"error does not name {names!r}: {exc}"
        out = None
    else:
        if tally is not None:
            tally.tried += 1
            tally.accepted += 1
    took = time.perf_counter() - t0
    assert took < HANG_S, f"one input took {took:.1f} s"
    return out
