"""Solver limits and interruptions: a feasible plan at a limit says its gap; none is exit 3;
Ctrl-C leaves nothing behind.

Limits are forced deterministically: HiGHS's ``mip_max_improving_sols=1`` stops at the
first incumbent (root heuristics, fixed seed), and a time limit of a microsecond stops
before any incumbent can exist.
"""

from __future__ import annotations

import json
import math
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from optimizer.models import create_model, prepare

from optimizer import Case
from optimizer.cli import main
from optimizer.solvers.highs import (
    BackgroundSolve,
    SolverOptions,
    compile_model,
    new_highs,
    run_interruptibly,
    solve,
    solver_lp,
)
from tests.support.hard import hard_workbook
from tests.support.workbooks import ONE_YEAR, one_year_case, write_workbook


@pytest.fixture(scope="module")
def hard_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30 sites x 80 customers: the root node does not prove optimality."""
    return hard_workbook(tmp_path_factory.mktemp("hard") / "hard.xlsx", 30, 80, seed=1, capacity_ratio=3)


def test_feasible_plan_at_a_limit_exits_0_and_shows_its_gap(hard_case: Path, tmp_path: Path) -> None:
    output = tmp_path / "plan.xlsx"
    result = CliRunner().invoke(
        main,
        ["plan", str(hard_case), "-o", str(output), "--json", "--highs-option", "mip_max_improving_sols=1"],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["status"] == "time_limit"
    gap = summary["mip_gap"]
    assert gap > 1e-3, "the first incumbent is not proven optimal"
    assert (
        f"Warning: solution limit reached: the plan is feasible but may not be optimal (MIP gap {gap:.2%})"
        in result.stderr
    )
    sheet = load_workbook(output)["Summary"]
    rows = {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2).value for r in range(3, 40)}
    assert rows["status"] == "time_limit"
    assert rows["mip_gap"] == pytest.approx(gap)
    assert any("may not be optimal" in str(v) for v in rows.values() if v)


def test_no_feasible_plan_within_the_time_limit_exits_3_and_writes_nothing(
    hard_case: Path, tmp_path: Path
) -> None:
    output = tmp_path / "plan.xlsx"
    result = CliRunner().invoke(
        main, ["plan", str(hard_case), "-o", str(output), "--json", "--time-limit", "1e-6"]
    )
    assert result.exit_code == 3, result.output
    assert json.loads(result.stdout)["status"] == "no_solution"
    assert (
        "Error: time limit reached before any feasible plan was found; raise --time-limit or relax the limits"
        in result.stderr
    )
    assert list(tmp_path.iterdir()) == []


def test_a_highs_option_highs_refuses_is_a_usage_error(hard_case: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["plan", str(hard_case), "-o", str(tmp_path / "p.xlsx"), "--highs-option", "no_such_option=1"]
    )
    assert result.exit_code == 2
    assert "Error: HiGHS refused the option no_such_option=1" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_as_highs_starts_still_stops_it(hard_case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C landing while HiGHS's thread starts, before the wait that handles it: HiGHS is
    still stopped and joined (it was left running, and Python's exit could abort under it)."""
    h = new_highs(SolverOptions())
    h.passModel(solver_lp(compile_model(create_model(prepare(Case.from_excel(hard_case))))))
    start = h.startSolve

    def start_then_ctrl_c() -> object:
        thread = start()
        signal.raise_signal(signal.SIGINT)
        return thread

    monkeypatch.setattr(h, "startSolve", start_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt) as raised:
        run_interruptibly(h)
    assert type(raised.value) is KeyboardInterrupt, "stopped within STOP_WAIT_S"
    assert not h.is_solver_running()


def read_available(fd: int, wait_s: float) -> bytes:
    """What the terminal ``fd`` has to read within ``wait_s`` (nothing once it is closed)."""
    ready, _, _ = select.select([fd], [], [], wait_s)
    if not ready:
        return b""
    try:
        return os.read(fd, 4096)
    except OSError:
        return b""


def test_ctrl_c_during_the_solve_leaves_no_file(tmp_path: Path) -> None:
    """SIGINT once HiGHS is running (a 60 x 300 case it needs minutes for): exit 130, no file."""
    workbook = hard_workbook(tmp_path / "slow.xlsx", 60, 300, seed=3, capacity_ratio=8)
    output = tmp_path / "plan.xlsx"
    leader, follower = pty.openpty()  # a terminal for stderr, so progress shows the solve starting
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from optimizer.cli import main; main()",
            "plan",
            str(workbook),
            "-o",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 60
    try:
        while b"solving with HiGHS" not in seen and time.monotonic() < deadline:
            seen += read_available(leader, 1.0)
        assert b"solving with HiGHS" in seen, seen.decode(errors="replace")
        inside = time.monotonic() + 1.0  # well inside the solve
        while time.monotonic() < inside:
            seen += read_available(leader, 0.1)
        assert process.poll() is None, "the solve must still be running"
        process.send_signal(signal.SIGINT)
        # Read on while it stops, as a terminal does: unread, the solver's log fills the pty
        # and HiGHS's log callback waits on it instead of stopping.
        deadline = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < deadline:
            seen += read_available(leader, 0.2)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    while chunk := read_available(leader, 0.2):
        seen += chunk
    os.close(leader)
    assert process.returncode == 130
    text = seen.decode(errors="replace")
    assert "Interrupted: nothing was written." in text
    assert "Traceback" not in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["slow.xlsx"], "no plan, no temporary file"


def test_a_background_solve_gives_the_answer_and_cancel_stops_it(hard_case: Path) -> None:
    """The value of the stochastic solution's MIP runs in a thread of its own (``BackgroundSolve``):
    beside another solve in this thread it gives the same answer as alone, and ``cancel`` stops a
    solve that would not finish, promptly, leaving no solver thread behind."""

    small = Case.from_excel(write_workbook(hard_case.parent / "small.xlsx", one_year_case(), ONE_YEAR))
    options = SolverOptions(time_limit_s=math.inf, mip_gap=0.0, highs_options={"threads": 1})
    beside = BackgroundSolve.start(create_model(prepare(small)), options)
    alone = solve(create_model(prepare(small)), options)  # in this thread, while the other runs
    assert beside.finish().objective == pytest.approx(alone.objective, rel=1e-12) == pytest.approx(0.96)

    endless = BackgroundSolve.start(create_model(prepare(Case.from_excel(hard_case))), options)
    time.sleep(0.5)
    began = time.perf_counter()
    endless.cancel()
    assert time.perf_counter() - began < 10
    assert not endless.thread.is_alive()
    assert endless.finish().status in ("time_limit", "no_solution")  # interrupted: a limit, not an error
