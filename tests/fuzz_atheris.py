"""Coverage-guided fuzzing (atheris) of the readers that take input from outside.

Not part of ``make test``: the hypothesis tests in ``test_fuzz_*.py`` run there. This finds deeper
paths by following coverage and is run by hand, for minutes or hours:

    .venv/bin/pip install atheris
    .venv/bin/python tests/fuzz_atheris.py cot -atheris_runs=200000
    .venv/bin/python tests/fuzz_atheris.py area-geojson -max_total_time=600

Targets: cot, caltopo, area-geojson, area-kml, area-wkt, plan-qgc, plan-waypoints, scenario.
Any exception other than ``SargcError`` is a crash (atheris saves the input as ``crash-*``).
"""

from __future__ import annotations

import os
import sys
import tempfile

import atheris

with atheris.instrument_imports():
    from groundcontrol.tak import parse_event
    from search_patterns.errors import SargcError
    from search_patterns.formats import read_area, read_mission_items, read_plan
    from search_patterns.formats.caltopo import parse_caltopo
    from sitl.scenario import load_scenario

_DIR = tempfile.mkdtemp(prefix="sargc-fuzz-")


def _via_file(ext: str, reader):
    path = os.path.join(_DIR, f"input{ext}")

    def run(data: bytes) -> None:
        with open(path, "wb") as fh:
            fh.write(data)
        reader(path)
    return run


def _plan_and_items(path: str) -> None:
    read_plan(path)
    read_mission_items(path)


TARGETS = {
    "cot": lambda data: parse_event(data, where="fuzz"),
    "caltopo": lambda data: parse_caltopo(data, source="fuzz"),
    "area-geojson": _via_file(".geojson", read_area),
    "area-kml": _via_file(".kml", read_area),
    "area-wkt": _via_file(".wkt", read_area),
    "plan-qgc": _via_file(".plan", _plan_and_items),
    "plan-waypoints": _via_file(".waypoints", _plan_and_items),
    "scenario": _via_file(".yaml", load_scenario),
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(TARGETS)}}} [libFuzzer options]")
    target = TARGETS[sys.argv.pop(1)]

    def one_input(data: bytes) -> None:
        try:
            target(data)
        except SargcError:
            pass

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
