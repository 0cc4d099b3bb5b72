"""Warm starts: a solve begins from a plan made before, checked against today's limits, never trusted.

The three-plant case (tests/support/workbooks.py): A+B fund, objective 0.96 = 80 t to K at
12,000 + 70 t spot at 10,000 - 0.7 capex; with a budget of 0.5 only A fits (0.66).
"""

from __future__ import annotations

import json
from pathlib import Path

import highspy
import pytest
from click.testing import CliRunner
from optimizer.models import create_model, prepare

from optimizer import Case, plan
from optimizer.cli import main
from optimizer.solvers.highs import compile_model, quiet_highs
from optimizer.solvers.start import Start
from optimizer.workbook.previous_plan import previous_decisions
from tests.support.workbooks import ONE_YEAR, one_year_case, write_workbook

A_AND_B = Start.of([("A", "std", 2026), ("B", "std", 2026)], ["K"], "a test plan")


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "case.xlsx", one_year_case(), ONE_YEAR)


def test_a_start_that_holds_is_accepted_with_its_objective(workbook: Path) -> None:
    result = plan(Case.from_excel(workbook), start=A_AND_B)
    assert result.start is not None and result.start.accepted
    assert result.start.objective == pytest.approx(0.96, rel=1e-9)
    assert result.objective_usd_m == pytest.approx(0.96, rel=1e-9)


def test_a_start_that_breaks_a_changed_limit_is_dropped_and_the_answer_is_still_optimal(
    workbook: Path,
) -> None:
    tight = Case.from_excel(workbook).with_changes({"Settings.budget_usd_m": 0.5})
    result = plan(tight, start=A_AND_B)  # A+B costs 0.7 > 0.5
    assert result.start is not None and not result.start.accepted
    assert result.start.sentence == (
        "a test plan was not used as a start: it no longer satisfies every limit; solved from scratch"
    )
    assert result.objective_usd_m == pytest.approx(0.66, rel=1e-9)


def test_a_start_that_breaks_a_decision_lock_is_dropped(workbook: Path, tmp_path: Path) -> None:
    sheets = one_year_case()
    projects = [dict(p, decision="reject") if p["project"] == "B" else p for p in sheets["Projects"]]
    path = write_workbook(tmp_path / "locked.xlsx", one_year_case(Projects=projects), ONE_YEAR)
    result = plan(Case.from_excel(path), start=A_AND_B)
    assert result.start is not None and not result.start.accepted
    assert "decision locks (fund[B,std,2026])" in result.start.sentence
    assert sorted(result.funded["project"]) == ["A"]


def test_planning_a_plan_workbook_starts_from_the_plan_it_holds(workbook: Path, tmp_path: Path) -> None:
    first = tmp_path / "first.xlsx"
    assert CliRunner().invoke(main, ["plan", str(workbook), "-o", str(first), "--quiet"]).exit_code == 0
    assert previous_decisions(first) == ([("A", "std", 2026), ("B", "std", 2026)], ["K"])
    assert previous_decisions(workbook) is None  # an input that was never planned holds no plan
    again = CliRunner().invoke(main, ["plan", str(first), "-o", str(tmp_path / "second.xlsx"), "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["objective_usd_m"] == pytest.approx(0.96, rel=1e-9)


def test_write_mps_writes_the_model_highs_solves(workbook: Path, tmp_path: Path) -> None:
    mps = tmp_path / "model.mps"
    result = CliRunner().invoke(
        main, ["plan", str(workbook), "-o", str(tmp_path / "p.xlsx"), "--write-mps", str(mps), "--json"]
    )
    assert result.exit_code == 0, result.output
    alone = quiet_highs()
    assert alone.readModel(str(mps)) == highspy.HighsStatus.kOk
    alone.run()
    # MPS has no sense of its own: HiGHS reads a maximisation as written by writeModel
    assert alone.getInfo().objective_function_value == pytest.approx(0.96, rel=1e-9)
    assert not list(tmp_path.glob(".*partial*")), "no partial file is left behind"


def test_write_mps_writes_the_plans_model_not_the_value_of_the_stochastic_solutions(tmp_path: Path) -> None:
    """With two scenarios the plan is followed by the VSS's two solves (the average scenario, then
    its plan in every scenario); the file is still the model whose optimum the plan reports."""
    sheets = one_year_case(
        Scenarios=[{"scenario": "high", "probability": 0.5}, {"scenario": "crash", "probability": 0.5}],
        Shocks=[{"scenario": "crash", "field": "price", "target": "*", "multiplier": 0.2}],
    )
    workbook = write_workbook(tmp_path / "two.xlsx", sheets, ONE_YEAR)
    mps = tmp_path / "model.mps"
    result = CliRunner().invoke(
        main, ["plan", str(workbook), "-o", str(tmp_path / "p.xlsx"), "--write-mps", str(mps), "--json"]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    alone = quiet_highs()
    assert alone.readModel(str(mps)) == highspy.HighsStatus.kOk
    built = compile_model(create_model(prepare(Case.from_excel(workbook))))
    assert (alone.getNumCol(), alone.getNumRow()) == (built.lp.num_col_, built.lp.num_row_)
    alone.run()
    assert alone.getInfo().objective_function_value == pytest.approx(answer["objective_usd_m"], rel=1e-9)
