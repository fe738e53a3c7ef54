"""The project's own promises: the CLI starts, shows help, and reports errors in one line."""

from __future__ import annotations

import subprocess
import sys


def run_sargc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], capture_output=True, text=True, timeout=120)


def test_sargc_help_lists_commands() -> None:
    out = run_sargc("--help")
    assert out.returncode == 0, out.stderr
    assert "Usage: sargc" in out.stdout


def test_unknown_command_fails_with_one_line() -> None:
    out = run_sargc("no-such-command")
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
