"""Marginal values: duals of the LP with funding and signing fixed, and budget steps, by hand arithmetic."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from optimizer import Case, plan
from optimizer.analyses.duals import COLUMNS
from optimizer.analyses.marginal import with_limit_steps
from optimizer.cli import main
from optimizer.report.render import HEADER_ROW, column_label
from tests.conftest import Solve
from tests.support.workbooks import ONE_YEAR, one_year_case, write_workbook


def duals(table: pd.DataFrame) -> dict[tuple[str, str], float]:
    """(rule, item) -> marginal value of the rows that come from LP duals."""
    rows = table[table["method"].str.startswith("LP dual")]
    return {
        (str(rule), str(item)): float(value)
        for rule, item, value in zip(rows["rule"], rows["item"], rows["marginal_value"], strict=True)
    }


def test_capacity_and_contract_maximum_are_worth_their_margins(solve: Solve) -> None:
    """A and B are funded; K takes 80 t at 12,000, the rest sells spot at 10,000.

    One more t of A's feed: 1 t more output sold spot, USD 10,000. B yields 0.5: USD 5,000.
    One more t of K's maximum: 1 t moved from spot to K, USD 12,000 - 10,000 = 2,000.
    """
    result = solve()
    assert result.objective_usd_m == pytest.approx(0.96)
    assert list(result.marginal_values.columns) == COLUMNS
    assert duals(result.marginal_values) == pytest.approx(
        {
            ("feed_within_capacity", "A"): 10_000,
            ("feed_within_capacity", "B"): 5_000,
            ("contract_maximum", "K"): 2_000,
        }
    )
    assert set(result.marginal_values["marginal_unit"]) == {"USD per t"}


def test_a_binding_coverage_target_costs_the_price_gap(solve: Solve) -> None:
    """K pays 9,000 against spot 10,000; covering 50 t of demand means selling 50 t to K.

    One more t of required coverage moves 1 t from spot to K: USD -1,000.
    """
    contracts = one_year_case()["Contracts"]
    contracts[0]["price_usd_per_t"] = 9_000
    demand = [{"mineral": "lithium", "year": 2026, "demand_t": 50, "min_coverage": 1.0}]
    result = solve(Contracts=contracts, Demand=demand)
    assert result.objective_usd_m == pytest.approx(0.75)  # 50 x 9,000 + 100 x 10,000 - 0.7m capex
    assert duals(result.marginal_values) == pytest.approx(
        {
            ("feed_within_capacity", "A"): 10_000,
            ("feed_within_capacity", "B"): 5_000,
            ("demand_coverage", "lithium"): -1_000,
        }
    )


def test_a_binding_contract_minimum_is_negative(solve: Solve) -> None:
    """K is signed by lock, pays 9,000 < spot and must take 60 t: one more t of minimum costs USD 1,000."""
    contracts = one_year_case()["Contracts"]
    contracts[0].update(price_usd_per_t=9_000, min_tpa=60, decision="sign")
    result = solve(Contracts=contracts)
    assert duals(result.marginal_values)[("contract_minimum", "K")] == pytest.approx(-1_000)


def test_no_marginal_values_when_not_asked(tmp_path: Path) -> None:
    case = Case.from_excel(write_workbook(tmp_path / "case.xlsx", one_year_case(), ONE_YEAR))
    result = plan(case, marginal_values=False)
    assert result.marginal_values.empty
    assert result.objective_usd_m == pytest.approx(0.96)


def test_budget_steps_by_hand(tmp_path: Path) -> None:
    """Budget 0.7 funds A and B (0.96). A 5% step up (0.735) changes nothing; a step down
    (0.665) leaves A alone (0.66): USD -0.30m, i.e. 0.30 / 0.035 = 8.57 USD m per USD m."""
    path = write_workbook(tmp_path / "case.xlsx", one_year_case(), {**ONE_YEAR, "budget_usd_m": 0.7})
    result = with_limit_steps(plan(Case.from_excel(path)), jobs=1)
    steps = result.marginal_values[result.marginal_values["method"].str.startswith("re-solved")]
    assert steps[["rule", "item", "limit", "step"]].values.tolist() == [
        ["capex_within_budget", "budget_usd_m", 0.7, pytest.approx(0.035)],
        ["capex_within_budget", "budget_usd_m", 0.7, pytest.approx(-0.035)],
    ]
    assert steps["objective_change_usd_m"].tolist() == pytest.approx([0.0, -0.30])
    assert steps["marginal_value"].tolist() == pytest.approx([0.0, 0.30 / 0.035])
    assert set(steps["marginal_unit"]) == {"USD m per USD m"}


def test_plan_workbook_has_marginal_values_with_limit_steps(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "case.xlsx", one_year_case(), {**ONE_YEAR, "budget_usd_m": 0.7})
    target = tmp_path / "plan.xlsx"
    result = CliRunner().invoke(main, ["plan", str(path), "-o", str(target), "--limit-steps", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(target)["MarginalValues"]
    assert [c.value for c in sheet[HEADER_ROW]] == [column_label(c) for c in COLUMNS]
    rows = [
        dict(zip(COLUMNS, (c.value for c in row), strict=True))
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1)
    ]
    assert [(r["rule"], r["item"]) for r in rows] == [
        ("feed_within_capacity", "A"),
        ("feed_within_capacity", "B"),
        ("contract_maximum", "K"),
        ("capex_within_budget", "budget_usd_m"),
        ("capex_within_budget", "budget_usd_m"),
    ]
    assert rows[4]["objective_change_usd_m"] == pytest.approx(-0.30)
