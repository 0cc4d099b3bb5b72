"""The scripts in examples/ run as a user runs them, and say what a financier would check."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 1800  # a hung script, not a slow machine: the solves themselves have no time limit


def run_script(name: str, *args: str, cwd: Path) -> str:
    """Run ``examples/NAME`` in a fresh interpreter, from a folder outside the repository."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_budget_sweep_draws_npv_and_coverage_against_budget(tmp_path: Path) -> None:
    chart = tmp_path / "sweep.png"
    out = run_script(
        "budget_sweep.py", "--quick", "--jobs", "2", "--time-limit", "inf", "-o", str(chart), cwd=tmp_path
    )
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert re.search(r"^\s*100\.0\s+infeasible", out, re.M), "USD 100m cannot meet coverage within the limits"
    rows = [line.split() for line in out.splitlines() if re.match(r"\s*\d+\.0\s+optimal", line)]
    assert [float(r[0]) for r in rows] == [250.0, 400.0]
    npv = [float(r[2]) for r in rows]
    assert npv == sorted(npv), "more budget never lowers the best NPV"
    assert float(rows[1][-1]) >= 0, "the marginal value of budget is not negative"


def test_export_restriction_compares_base_and_stress(tmp_path: Path) -> None:
    out = run_script("export_restriction.py", "--quick", "--jobs", "2", "--time-limit", "inf", cwd=tmp_path)
    lines = out.splitlines()
    assert re.match(r"\s+base: optimal, expected NPV USD [\d,.]+m", lines[0])
    assert re.match(r"\s+export restriction: optimal, expected NPV USD [\d,.]+m", lines[1])
    assert lines[2] == "decisions that change under the restriction:"
    assert any(line.startswith("  fund ") or line.startswith("  sign ") for line in lines[3:])
