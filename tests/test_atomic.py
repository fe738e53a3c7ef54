"""Files we write are whole or untouched, and readable by the tools a coordinator uses."""

from __future__ import annotations

import os
import stat

import pytest

from search_patterns.atomic import write_atomic


def test_new_file_gets_the_usual_permissions_not_private(tmp_path) -> None:
    umask = os.umask(0o022)
    try:
        path = write_atomic(tmp_path / "plan.plan", "{}")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_replacing_a_file_keeps_its_mode_and_explicit_mode_wins(tmp_path) -> None:
    key = tmp_path / "signing.key"
    write_atomic(key, b"k" * 32, mode=0o600)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    write_atomic(key, b"j" * 32)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_bytes() == b"j" * 32


def test_failed_write_leaves_old_file_and_no_temp_files(tmp_path) -> None:
    target = tmp_path / "area.geojson"
    write_atomic(target, "old")
    with pytest.raises(TypeError):
        write_atomic(target, 12345)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["area.geojson"]
