"""Benders decomposition agrees with the extensive form, reports its bound honestly, and stops at limits.

Every case is solved both ways through ``plan(case, method=...)`` with real HiGHS; the
decomposition must reach the same objective (to the MIP gap of 0 the cases ask for) and a
plan whose cash flows add up. The cases cover each kind of row the decomposition treats
differently: block rows with master columns on the right (capacity, contract bands), CVaR
tail rows (replaced by theta), a linking revenue-share limit (allocations), a coverage need
and firm minimums (cuts for plans that cannot operate), several years and scenarios.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
import pytest
from optimizer.models import create_model, prepare

from optimizer import Case, plan
from optimizer.solvers.benders import (
    BlockSolver,
    Decomposition,
    DecompositionError,
    Master,
    Workers,
    choose_master_presolve,
    decompose,
    drop_slack_cuts,
    master_box,
)
from optimizer.solvers.highs import SolverOptions, compile_model, quiet_highs
from tests.conftest import check_cash_flows_add_up
from tests.support.workbooks import ONE_YEAR, Rows, one_year_case, write_workbook
from tests.test_risk import THREE_SCENARIOS, K

BASE = one_year_case()
THREE_YEARS = {**ONE_YEAR, "end_year": 2028, "discount_rate": 0.08}
TOYOTA = {"buyer": "Toyota", "country": "Japan", "kind": "automaker"}
K2 = {**K, "contract": "K2", "buyer": "Toyota", "max_tpa": 100, "price_usd_per_t": 11_000}


def long_contracts() -> list[dict[str, object]]:
    return [{**K, "end_year": 2028, "min_tpa": 20}, {**K2, "end_year": 2028}]


CASES: dict[str, tuple[dict[str, Rows], dict[str, Any]]] = {
    "three plants, one year": ({}, ONE_YEAR),
    "CVaR over three scenarios": (
        dict(THREE_SCENARIOS),
        {**ONE_YEAR, "cvar_alpha": 0.8, "risk_aversion": 0.5},
    ),
    "revenue-share limit": (
        {
            "Buyers": [*BASE["Buyers"], TOYOTA],
            "Contracts": [K, K2],
            "Limits": [{"dimension": "buyer", "member": "Panasonic", "max_share": 0.5}],
        },
        ONE_YEAR,
    ),
    "three years, scenarios, coverage and a firm minimum": (
        {
            **THREE_SCENARIOS,
            "Buyers": [*BASE["Buyers"], TOYOTA],
            "Contracts": long_contracts(),
            "Demand": [{"mineral": "lithium", "year": y, "demand_t": 60} for y in (2027, 2028)],
            "Projects": [dict(p, latest_year=2027, build_years=1) for p in BASE["Projects"]],
        },
        {**THREE_YEARS, "cvar_alpha": 0.8, "risk_aversion": 0.2, "budget_usd_m": 1.0},
    ),
}


def case_of(tmp_path: Path, name: str) -> Case:
    sheets, settings = CASES[name]
    return Case.from_excel(write_workbook(tmp_path / "case.xlsx", one_year_case(**sheets), settings))


def decomposition(case: Case) -> Decomposition:
    """The case's model split into master and blocks, as ``solve_decomposed`` splits it."""
    d = prepare(case)
    m = create_model(d, decomposable=True)
    m.scenario_npv_objective = pyo.Objective(
        list(d.scenarios), rule=lambda m, s: m.npv[s], sense=pyo.maximize
    )
    return decompose(compile_model(m), d.scenarios)


@pytest.mark.parametrize("name", list(CASES))
def test_benders_agrees_with_the_extensive_form(tmp_path: Path, name: str) -> None:
    case = case_of(tmp_path, name)
    extensive = plan(case, method="extensive", time_limit_s=math.inf, stochastic_value=False)
    decomposed = plan(case, method="benders", time_limit_s=math.inf, stochastic_value=False)
    assert (extensive.status, decomposed.status) == ("optimal", "optimal")
    assert decomposed.method == "benders" and extensive.method == "extensive"
    assert decomposed.objective_usd_m == pytest.approx(extensive.objective_usd_m, rel=1e-7, abs=1e-9)
    assert decomposed.expected_npv_usd_m == pytest.approx(extensive.expected_npv_usd_m, rel=1e-6, abs=1e-9)
    assert decomposed.mip_gap is not None and decomposed.mip_gap <= 1e-7
    check_cash_flows_add_up(decomposed)
    budget = case.settings.budget_usd_m
    if budget is not None:
        assert decomposed.capex_usd_m is not None
        assert decomposed.capex_usd_m <= budget + float(decomposed.signed["prepayment_usd_m"].sum()) + 1e-9


def test_an_infeasible_case_is_infeasible_by_benders_too(tmp_path: Path) -> None:
    sheets = {"Demand": [{"mineral": "lithium", "year": 2026, "demand_t": 1_000}]}
    case = Case.from_excel(write_workbook(tmp_path / "case.xlsx", one_year_case(**sheets), ONE_YEAR))
    result = plan(case, method="benders", time_limit_s=math.inf)
    assert result.status == "infeasible"
    assert result.explanation, "the explanation comes from the elastic model, as for the extensive form"


def test_cuts_never_cut_off_a_blocks_true_value(tmp_path: Path) -> None:
    """theta <= Q(x^) + cut . (x - x^) holds at other points x: the duals are read with the right sign."""
    dec = decomposition(case_of(tmp_path, "three years, scenarios, coverage and a firm minimum"))
    solver = BlockSolver(list(enumerate(dec.blocks)))
    lower, upper = master_box(dec)
    rng = np.random.default_rng(7)

    def point() -> np.ndarray:
        x = np.zeros(dec.num_master)
        own = len(dec.master_columns)
        x[:own] = rng.uniform(np.maximum(lower[:own], 0.0), np.minimum(upper[:own], 1.0))
        return x

    checked = 0
    for _ in range(10):
        here, there = point(), point()
        at_here = {a.index: a for a in solver.solve(here) if a.feasible}
        at_there = {b.index: b for b in solver.solve(there) if b.feasible}
        for index, b in at_there.items():
            if index not in at_here:
                continue
            a = at_here[index]
            assert b.value <= a.value + a.cut @ (there - here) + 1e-7 * max(1.0, abs(b.value))
            checked += 1
    assert checked > 20


def test_a_time_limit_ends_with_the_best_plan_and_its_gap(tmp_path: Path) -> None:
    case = case_of(tmp_path, "three years, scenarios, coverage and a firm minimum")
    result = plan(case, method="benders", time_limit_s=1e-6)
    assert result.status in ("time_limit", "no_solution")
    assert result.exit_code in (0, 3)


def test_a_block_worker_that_dies_is_an_error_not_a_hang(tmp_path: Path) -> None:
    """A worker process killed mid-solve (out of memory, say) ends the decomposition with an error
    (``solve_with`` then solves the extensive form) instead of the master waiting for it forever."""
    dec = decomposition(case_of(tmp_path, "three years, scenarios, coverage and a firm minimum"))
    pool = Workers(dec.blocks, jobs=2, parallel_above_nonzeros=0)
    try:
        assert len(pool.processes) == 2
        x = np.zeros(dec.num_master)
        assert len(pool.solve(x)) == len(dec.blocks)  # both workers answer
        pool.processes[0][1].kill()
        pool.processes[0][1].join()
        with pytest.raises(DecompositionError, match="a block worker process ended"):
            pool.solve(x)
    finally:
        pool.close()


WORKERS_WITHOUT_MAIN_GUARD = """
import copy, sys
import numpy as np
from optimizer import Case
from optimizer.solvers.benders import DecompositionError, Workers
from tests.test_benders import decomposition

dec = decomposition(Case.from_excel(sys.argv[1]))
# Distinct copies, so the blocks pickle to far more than a pipe's 64 KB buffer.
blocks = [copy.deepcopy(block) for _ in range(100) for block in dec.blocks]
try:
    pool = Workers(blocks, jobs=2, parallel_above_nonzeros=0)
    pool.solve(np.zeros(dec.num_master))
except DecompositionError as error:
    print("stopped:", error)
"""


def test_a_script_without_a_main_guard_gets_an_error_not_a_hang(tmp_path: Path) -> None:
    """Spawned workers re-run a script's top level; without ``if __name__ == "__main__":`` they
    die while starting. The master must say so, not wait for them forever."""
    workbook = tmp_path / "case.xlsx"
    sheets, settings = CASES["three years, scenarios, coverage and a firm minimum"]
    write_workbook(workbook, one_year_case(**sheets), settings)
    script = tmp_path / "no_guard.py"
    script.write_text(WORKERS_WITHOUT_MAIN_GUARD)
    run = subprocess.run(
        [sys.executable, str(script), str(workbook)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    assert "stopped: a block worker process ended" in run.stdout, run.stderr[-2000:]


def two_column_master(cut_uppers: list[float]) -> Master:
    """x0 + x1 <= 10 (the master's own row), then one cut x0 + x1 <= u per upper bound u."""
    h = quiet_highs()
    h.addVars(2, np.zeros(2), np.full(2, 10.0))
    for upper in [10.0, *cut_uppers]:
        h.addRow(-highspy.kHighsInf, upper, 2, np.array([0, 1], dtype=np.int32), np.ones(2))
    return Master(h, np.array([], dtype=np.int32), base_rows=1)


def test_only_cuts_slack_at_the_last_lp_are_dropped() -> None:
    # At x0 + x1 = 4: the cut at 4 binds, the cuts at 5 and 9 are slack, the master's own row
    # (slack at 10) is never a cut, and the last row (added after the solve) is kept unmeasured.
    master = two_column_master([5.0, 4.0, 9.0, 3.0])
    row_values = np.full(5, 4.0)
    assert drop_slack_cuts(master.h, master, row_values, solved_rows=4) == 2
    assert list(master.h.getLp().row_upper_) == [10.0, 4.0, 3.0]


def presolve_mode(h: highspy.Highs) -> int:
    value = h.getOptionValue("presolve_mode")
    return int(value[1] if isinstance(value, tuple) else value)  # (status, value) in highspy 1.16


def test_a_large_master_gets_light_presolve_unless_the_user_chose_one() -> None:
    small = two_column_master([5.0])
    choose_master_presolve(small.h, SolverOptions(), light_above_nonzeros=4)
    assert presolve_mode(small.h) == 0
    large = two_column_master([5.0, 4.0])
    choose_master_presolve(large.h, SolverOptions(), light_above_nonzeros=4)
    assert presolve_mode(large.h) == 2
    chosen = two_column_master([5.0, 4.0])
    choose_master_presolve(chosen.h, SolverOptions(highs_options={"presolve": "on"}), light_above_nonzeros=4)
    assert presolve_mode(chosen.h) == 0
