"""The ArduPilot SITL launcher's error paths (SITL itself is not installed here)."""

from __future__ import annotations

import stat

import pytest

from search_patterns.errors import InputError
from sitl.ardupilot import SitlError, SitlLauncher
from ui.cli import main


def test_missing_sitl_says_how_to_provide_it(monkeypatch):
    monkeypatch.delenv("ARDUPILOT_SITL", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SitlError, match="ARDUPILOT_SITL=/path/to/arducopter"):
        SitlLauncher().start()


def test_a_binary_path_that_does_not_exist_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("ARDUPILOT_SITL", str(tmp_path / "arducopter"))
    with pytest.raises(SitlError, match=r"arducopter does not exist"):
        SitlLauncher().start()


def test_a_binary_that_is_not_executable_is_refused(tmp_path):
    fake = tmp_path / "arducopter"
    fake.write_text("not a program")
    with pytest.raises(SitlError, match="not executable"):
        SitlLauncher(binary=fake).start()


def test_sitl_that_dies_at_start_reports_its_exit_code_and_last_log_lines(tmp_path):
    fake = tmp_path / "arducopter"
    fake.write_text("#!/bin/sh\necho 'bad model quad-x' >&2\nexit 3\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    launcher = SitlLauncher(binary=fake, workdir=tmp_path / "run", instance=41)
    with pytest.raises(SitlError, match=r"exited with code 3.*bad model quad-x"):
        launcher.start(timeout_s=10)
    launcher.stop()


def test_command_line_follows_sitl_conventions(tmp_path):
    fake = tmp_path / "arducopter"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    parm = tmp_path / "copter.parm"
    parm.write_text("FS_GCS_ENABLE 1\n")
    launcher = SitlLauncher(binary=fake, defaults=parm, home=(57.1, -3.6, 450.0, 90.0), speedup=5, instance=2)
    cmd = launcher.command()
    assert cmd[0] == str(fake) and "-w" in cmd
    assert cmd[cmd.index("--home") + 1] == "57.1,-3.6,450.0,90.0"
    assert cmd[cmd.index("-I") + 1] == "2" and cmd[cmd.index("--speedup") + 1] == "5"
    assert cmd[cmd.index("--defaults") + 1] == str(parm)
    assert (launcher.tcp_port, launcher.serial1_port) == (5780, 5782)
    assert launcher.connection_string == "tcp:127.0.0.1:5780"


def test_missing_defaults_file_is_an_input_error(tmp_path):
    fake = tmp_path / "arducopter"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    with pytest.raises(InputError, match="copter.parm does not exist"):
        SitlLauncher(binary=fake, defaults=tmp_path / "copter.parm").command()


def test_sargc_sitl_without_sitl_prints_one_line_and_exits_1(monkeypatch, capsys):
    monkeypatch.delenv("ARDUPILOT_SITL", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    assert main(["sitl", "--duration", "1"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["sargc: error: ArduPilot SITL not installed: set ARDUPILOT_SITL=/path/to/arducopter or put "
                   "arducopter on PATH"]
