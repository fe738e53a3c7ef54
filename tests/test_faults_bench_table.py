"""`make bench` keeps one table: numbers from every script, and a crashed or hung script marked, not lost."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("run_all", ROOT / "bench" / "run_all.py")
run_all = importlib.util.module_from_spec(spec)
sys.modules["run_all"] = run_all  # dataclasses look their module up by name
assert spec.loader is not None
spec.loader.exec_module(run_all)


def test_result_lines_are_collected_with_ratio_and_baseline_and_other_output_ignored():
    out = "warming up\nRESULT planner.lawnmower_ms 41.3 ms ratio=0.52 baseline=79\nRESULT detection.fps 17.8 fps\n" \
          "RESULT broken line\nRESULT x.y nan ms\n"
    rs = run_all.parse_results("planner.py", out)
    assert [(r.name, r.value, r.unit, r.ratio, r.baseline) for r in rs[:2]] == [
        ("planner.lawnmower_ms", 41.3, "ms", 0.52, 79.0), ("detection.fps", 17.8, "fps", None, None)]
    assert len(rs) == 3 and rs[2].name == "x.y"


def test_a_crashing_and_a_hanging_script_are_marked_and_the_others_numbers_kept(tmp_path):
    good = tmp_path / "good.py"
    good.write_text('print("RESULT good.speed 12 x ratio=1.5")\n')
    crash = tmp_path / "crash.py"
    crash.write_text('print("RESULT crash.partial 3 s")\nraise SystemExit("boom: camera missing")\n')
    hang = tmp_path / "hang.py"
    hang.write_text('import time\nprint("RESULT hang.first 1 s", flush=True)\ntime.sleep(60)\n')
    runs = [run_all.run_script(p, timeout_s=3) for p in (good, crash, hang)]
    assert [r.status for r in runs] == ["ok", "failed (exit 1)", "timed out after 3 s"]
    assert "boom: camera missing" in runs[1].tail
    assert [len(r.results) for r in runs] == [1, 1, 1]
    md = run_all.render_markdown(run_all.table(runs), runs, run_all.machine())
    assert "| good.py | good.speed | 12 | x |  | 1.5x |" in md
    assert "- cores:" in md and "- python:" in md
    assert "`hang.py`: timed out after 3 s" in md
