"""``--json`` means one JSON document on stdout and nothing else, whoever prints what.

Each command runs as a user's script runs it: a fresh ``optimize`` process whose whole
stdout goes to ``json.loads``. HiGHS prints a banner from C++ when its first object is
created (1.16); it must reach neither stdout nor stderr, in this process or in worker
processes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.support.workbooks import ONE_YEAR, one_year_case, write_workbook
from tests.test_risk import THREE_SCENARIOS
from tests.test_whatif import WHATIFS

BANNER = "Running HiGHS"
TIMEOUT_S = 600


def optimize_command() -> list[str]:
    """The installed ``optimize`` script, or the package's entry point run by this interpreter."""
    script = Path(sysconfig.get_path("scripts")) / "optimize"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from optimizer.cli import main; main()"]


def run_json(*args: str, cwd: Path) -> tuple[int, Any, str]:
    """Run ``optimize ARGS --json``; parse its entire stdout as one JSON document."""
    result = subprocess.run(
        [*optimize_command(), *args, "--json"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    document = json.loads(result.stdout)  # the whole stdout, nothing before or after
    assert BANNER not in result.stderr
    return result.returncode, document, result.stderr


@pytest.fixture
def case(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "case.xlsx", one_year_case(WhatIfs=WHATIFS), ONE_YEAR)


def test_plan_json_is_the_whole_stdout(case: Path, tmp_path: Path) -> None:
    code, summary, _ = run_json("plan", str(case), "-o", str(tmp_path / "plan.xlsx"), cwd=tmp_path)
    assert code == 0
    assert summary["status"] == "optimal"
    assert summary["objective_usd_m"] == pytest.approx(0.96, rel=1e-9)


def test_whatif_json_is_the_whole_stdout_with_worker_processes(case: Path, tmp_path: Path) -> None:
    code, runs, _ = run_json("whatif", str(case), "--jobs", "2", "-o", str(tmp_path / "w.xlsx"), cwd=tmp_path)
    assert code == 0
    assert [r["whatif"] for r in runs] == ["base", "tight_budget", "lithium_x2"]
    assert [r["objective_usd_m"] for r in runs] == pytest.approx([0.96, 0.66, 3.3], rel=1e-9)


def test_frontier_json_is_the_whole_stdout(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "risky.xlsx", one_year_case(**THREE_SCENARIOS), {**ONE_YEAR, "cvar_alpha": 0.8}
    )
    code, points, _ = run_json("frontier", str(path), "--points", "3", cwd=tmp_path)
    assert code == 0
    assert len(points) == 2  # A+B, then A alone (tests/test_risk.py has the arithmetic)


def test_explain_json_is_the_whole_stdout(tmp_path: Path) -> None:
    sheets = one_year_case()
    projects = [dict(p, decision="fund") if p["project"] == "A" else dict(p) for p in sheets["Projects"]]
    path = write_workbook(
        tmp_path / "infeasible.xlsx",
        one_year_case(Projects=projects, Limits=[{"dimension": "sponsor", "member": "S1", "max_share": 0.5}]),
        ONE_YEAR,
    )
    code, answer, _ = run_json("explain", str(path), cwd=tmp_path)
    assert code == 1
    assert answer["status"] == "infeasible"
    assert (
        answer["explanation"][0] == "sponsor S1's share of funded capex over its limit by USD 0.1m of capex"
    )


def test_bad_input_under_json_is_still_one_document(tmp_path: Path) -> None:
    path = tmp_path / "not-a-workbook.xlsx"
    path.write_text("hello")
    code, answer, stderr = run_json("plan", str(path), cwd=tmp_path)
    assert code == 2
    assert answer["status"] == "bad_input"
    assert answer["problems"] and "Error:" in stderr


def test_output_written_by_c_code_goes_to_stderr_under_the_json_guard(tmp_path: Path) -> None:
    """The guard works at the descriptor: C's printf and os.write(1) cannot reach stdout."""
    script = textwrap.dedent(
        """
        import ctypes, ctypes.util, os
        from optimizer.stdout import reserved_for_json
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        with reserved_for_json() as out:
            print("python noise")
            os.write(1, b"descriptor noise\\n")
            libc.printf(b"C noise\\n")
            out.write_document('{"ok": true}')
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=True,
        cwd=tmp_path,
    )
    assert result.stdout == '{"ok": true}\n'
    assert {"python noise", "descriptor noise", "C noise"} <= set(result.stderr.splitlines())


def test_solving_prints_nothing_on_stdout_even_outside_the_cli(tmp_path: Path, case: Path) -> None:
    """A script that plans (the example scripts do) sees no HiGHS banner."""
    script = textwrap.dedent(
        f"""
        from optimizer import Case, plan
        result = plan(Case.from_excel({str(case)!r}), stochastic_value=False)
        print(result.status)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=True,
        cwd=tmp_path,
    )
    assert result.stdout == "optimal\n"
    assert BANNER not in result.stderr
