"""Atomic file writes.

A field laptop loses power, the process is killed, the disk fills: a file we write must
then be either the old version or the new one, never half of each. We write to a
temporary file in the same folder, fsync it, and rename it over the target.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _mode_for(target: Path, mode: int | None) -> int:
    if mode is not None:
        return mode
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *, encoding: str = "utf-8",
                 mode: int | None = None) -> Path:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never a mix.

    ``mode`` sets the permission bits (e.g. ``0o600`` for a signing key); by default the
    file keeps the mode of the one it replaces, or gets the usual umask-based mode.
    Returns the path written. On any failure (disk full, permission) the temporary file is
    removed and the previous file, if any, is untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode(encoding) if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        # mkstemp makes the file private (0600); keep the mode a plain open() would give, or the
        # mode of the file being replaced, so exports stay readable by other tools and users.
        os.fchmod(fd, _mode_for(target, mode))
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass
    return target
