"""What a credit committee reads: the Summary's first screen, the NPV bridge, project x scenario
NPV, the J-curve, marginal values per scenario, policy-target costs, sensitivities, and
differences flagged as noise when the MIP gaps could explain them. Hand-checkable cases.

The two-scenario case below is the one-year case (plants A, B, C; contract K, 80 t at USD
12,000/t) with lithium spot at USD 10,000/t in ``base`` and 5,000 in ``slump`` (50/50), a
budget of USD 0.6m and a prepayment of USD 0.3m on K. A and B are funded (capex 0.7 within
0.6 + 0.3): 150 t, 80 to K (0.96m) and 70 spot: NPV 0.96 + 0.70 - 0.7 = 0.96 in base,
0.96 + 0.35 - 0.7 = 0.61 in slump; expected 0.785 (A alone: 0.61).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from optimizer import Case, Plan, plan
from optimizer.analyses.differences import significance
from optimizer.analyses.frontier import FrontierPoint, merged_within_gap
from optimizer.analyses.sensitivity import change_label
from optimizer.analyses.target_costs import target_costs
from optimizer.cli import main
from optimizer.report.summary import PROVENANCE_ROW, PROVENANCE_ROWS, SUMMARY_ROWS
from optimizer.workbook.template import EXAMPLE_NOTE, START, template_workbook
from tests.support.workbooks import ONE_YEAR, Rows, one_year_case, write_workbook
from tests.test_stdout import run_json

TWO_SCENARIOS: dict[str, Rows] = {
    "Scenarios": [{"scenario": "base", "probability": 0.5}, {"scenario": "slump", "probability": 0.5}],
    "Shocks": [{"scenario": "slump", "field": "price", "target": "lithium", "multiplier": 0.5}],
}


def contract_k(**changes: Any) -> Rows:
    row = {**one_year_case()["Contracts"][0], **changes}
    return [row]


def write(path: Path, settings: dict[str, Any] | None = None, **sheets: Rows) -> Path:
    return write_workbook(
        path, one_year_case(**{**TWO_SCENARIOS, **sheets}), {**ONE_YEAR, **(settings or {})}
    )


@pytest.fixture(scope="module")
def committee_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("committee")
    return write(folder / "case.xlsx", {"budget_usd_m": 0.6}, Contracts=contract_k(prepayment_usd_m=0.3))


@pytest.fixture(scope="module")
def committee_plan(committee_case: Path) -> Plan:
    return plan(Case.from_excel(committee_case), time_limit_s=math.inf)


@pytest.fixture(scope="module")
def committee_book(committee_plan: Plan, committee_case: Path) -> Any:
    written = committee_plan.to_excel(committee_case.with_name("plan.xlsx"), force=True)
    return load_workbook(written)


def test_the_summary_first_screen_answers_the_committee(committee_book: Any) -> None:
    summary = committee_book["Summary"]
    assert summary["A1"].value == (
        "Fund 2 projects (capex USD 0.7m) and sign 1 contract: expected NPV USD 0.8m, "
        "USD 0.6m in the worst scenario (slump)"
    )
    values = {summary.cell(row=3 + i, column=1).value: summary.cell(row=3 + i, column=2).value
              for i in range(len(SUMMARY_ROWS))}  # fmt: skip
    assert list(values) == list(SUMMARY_ROWS)
    assert summary["B5"].value == pytest.approx(0.785), "expected NPV stays at B5"
    assert values["worst_scenario_npv_usd_m"] == pytest.approx(0.61)
    assert values["cvar_usd_m"] == pytest.approx(0.61)
    assert values["portfolio_irr"] == "none exists (see Finance notes)", "one year: the cash never turns"
    assert (values["budget_usd_m"], values["prepayments_usd_m"]) == (pytest.approx(0.6), pytest.approx(0.3))
    assert values["effective_budget_usd_m"] == pytest.approx(0.9)
    assert summary.cell(row=3 + SUMMARY_ROWS.index("effective_budget_usd_m"), column=3).value.endswith(
        "capex uses 78% of it"
    )  # 0.7 / 0.9
    assert values["demand_coverage"] == "no targets (no Demand sheet)"
    assert values["warnings"] == "none", "optimal (gap 0), every plant runs, K delivers, no loss-maker"
    provenance = [summary.cell(row=PROVENANCE_ROW + i, column=1).value for i in range(len(PROVENANCE_ROWS))]
    assert provenance == list(PROVENANCE_ROWS) and 3 + len(SUMMARY_ROWS) < PROVENANCE_ROW
    assert summary.cell(row=PROVENANCE_ROW, column=2).value == "case.xlsx"


def test_warnings_name_a_silent_contract_an_idle_plant_a_loss_maker_and_the_gap(tmp_path: Path) -> None:
    """C is forced in with a variable cost no price covers (it never runs); K2 is forced but
    pays USD 1/t (spot is better, min 0: it never delivers)."""
    projects = one_year_case()["Projects"]
    projects[2] = {**projects[2], "decision": "fund", "variable_cost_usd_per_t": 20_000}
    contracts = [
        *contract_k(),
        {**contract_k()[0], "contract": "K2", "price_usd_per_t": 1, "decision": "sign"},
    ]
    case = Case.from_excel(write(tmp_path / "case.xlsx", Projects=projects, Contracts=contracts))
    result = plan(case, time_limit_s=math.inf)
    written = dataclasses.replace(result, mip_gap=0.02).to_excel(tmp_path / "plan.xlsx")
    summary = load_workbook(written)["Summary"]
    warnings = summary.cell(row=3 + SUMMARY_ROWS.index("warnings"), column=2).value
    lines = warnings.split("\n")
    assert "- contract K2 is signed but never delivers (its minimum is 0 t)" in lines
    assert "- C is funded but processes no feed in scenario(s) base, slump" in lines
    assert any(line.startswith("- C is funded with an expected NPV of USD -3.0m") for line in lines)
    objective = result.objective_usd_m
    assert objective is not None
    assert f"- results are within the MIP gap of 2.00% (USD {0.02 * abs(objective):,.1f}m)" in warnings


def test_bridge_matrix_and_j_curve_add_up_to_the_portfolio(committee_book: Any, committee_plan: Plan) -> None:
    bridge = [[c.value for c in row][:3] for row in committee_book["NPVBridge"].iter_rows(min_row=5)]
    assert bridge[-1][0] == "expected NPV" and bridge[-1][2] == pytest.approx(0.785)
    assert sum(r[2] for r in bridge[:-1]) == pytest.approx(0.785)
    assert [r[1] for r in bridge] == ["project", "project", "portfolio", "total"]
    assert bridge[2][2] == pytest.approx(0.0), "no spot purchase, penalty or discounting: all in the plants"
    matrix = committee_book["ProjectNPV"]
    assert [c.value for c in matrix[4]] == [
        "Project",
        "Option",
        "Expected NPV (USD m)",
        "base (USD m)",
        "slump (USD m)",
    ]
    portfolio = [c.value for c in matrix[7]]
    assert portfolio[0] == "portfolio" and portfolio[2:] == pytest.approx([0.785, 0.96, 0.61])
    assert matrix.conditional_formatting, "a colour scale over the NPVs"
    curve = committee_book["CashByScenario"]
    assert [c.value for c in curve[5]] == [
        2026,
        pytest.approx(0.96),
        pytest.approx(0.61),
    ]  # undiscounted, one year
    assert len(curve._charts) == 1


def test_marginal_values_per_unit_in_the_scenario(committee_plan: Plan) -> None:
    """One more t of feed at A is one more t sold spot: 10,000 in base, 5,000 in slump; the
    dual is that times the probability (0.5)."""
    values = committee_plan.marginal_values
    a = values[(values["rule"] == "feed_within_capacity") & (values["item"] == "A")].set_index("scenario")
    assert a.loc["base", "marginal_value"] == pytest.approx(5_000)
    assert a.loc["base", "marginal_value_in_scenario"] == pytest.approx(10_000)
    assert a.loc["slump", "marginal_value_in_scenario"] == pytest.approx(5_000)
    assert str(a.loc["slump", "weighting"]).startswith(
        "marginal_value weighted by the scenario's probability (50%)"
    )


def test_risk_and_limit_shares_are_formatted(committee_book: Any) -> None:
    risk = committee_book["Risk"]
    formats = {
        risk.cell(row=r, column=1).value: risk.cell(row=r, column=2).number_format for r in range(5, 15)
    }
    assert formats["expected_npv_usd_m"] == "#,##0.0;[Red]-#,##0.0"
    assert formats["cvar_alpha"] == "0.0%"


def test_a_difference_within_the_mip_gaps_is_not_significant(committee_plan: Plan) -> None:
    """A variant stopped at a 2.24% gap on an objective of 0.785: USD 0.018m is noise."""
    stopped = dataclasses.replace(committee_plan, mip_gap=0.0224)
    assert significance(committee_plan, stopped, 0.01) == "not significant (within the MIP gaps, USD 0.0m)"
    assert significance(committee_plan, stopped, 0.05) == "significant"
    assert significance(committee_plan, committee_plan, 0.0) == "no change"


def test_a_coverage_target_costs_what_it_forces(tmp_path: Path) -> None:
    """Demand of 150 t must come under contract: K takes 80, K3 (USD 9,000/t, below spot's
    10,000) the other 70, so the target costs 70 t x USD 1,000 = USD 0.07m (one scenario)."""
    contracts = [
        *contract_k(),
        {**contract_k()[0], "contract": "K3", "price_usd_per_t": 9_000, "max_tpa": 200},
    ]
    demand = [{"mineral": "lithium", "year": 2026, "demand_t": 150, "min_coverage": 1.0}]
    path = write_workbook(tmp_path / "case.xlsx", one_year_case(Contracts=contracts, Demand=demand), ONE_YEAR)
    base = plan(Case.from_excel(path), time_limit_s=math.inf)
    assert base.objective_usd_m == pytest.approx(0.89)
    costs = target_costs(base, jobs=1, time_limit_s=math.inf)
    row = costs.set_index("target").loc["coverage of lithium"]
    assert row["objective_without_usd_m"] == pytest.approx(0.96)
    assert row["cost_usd_m"] == pytest.approx(0.07)
    assert row["significance"] == "significant" and row["limit"] == "100% of demand, 2026-2026"


def test_plan_target_costs_flag_writes_the_sheet(tmp_path: Path) -> None:
    limits = [{"dimension": "sponsor", "member": "S1", "max_share": 0.5}]
    path = write_workbook(tmp_path / "case.xlsx", one_year_case(Limits=limits), ONE_YEAR)
    result = CliRunner().invoke(
        main, ["plan", str(path), "--target-costs", "--jobs", "1", "--time-limit", "inf"]
    )
    assert result.exit_code == 0, result.stderr
    sheet = load_workbook(tmp_path / "case-plan.xlsx")["TargetCosts"]
    assert sheet["A5"].value == "sponsor S1 at most 50%"
    assert sheet["F4"].value == "Cost (USD m)"


def test_sensitivity_json_is_the_whole_stdout_and_hand_checked(tmp_path: Path) -> None:
    """Base 0.96 (A + B: 80 t to K at a fixed 12,000, 70 t spot at 10,000, capex 0.7).
    Prices +-10%: spot 70 t x +-1,000 = +-0.07 (K's fixed price does not move). Capex +-10%:
    -+0.07. Yields -10%: A 0.9, B 0.45: 15 t less spot = -0.15; +10%: A stays at 1 t/t, B
    0.55: +0.05. Discount rate 0: +-10% of nothing changes nothing."""
    path = write_workbook(tmp_path / "case.xlsx", one_year_case(), ONE_YEAR)
    code, document, _ = run_json("sensitivity", str(path), "--jobs", "1", "--time-limit", "inf", cwd=tmp_path)
    assert code == 0
    assert document["base"]["objective_usd_m"] == pytest.approx(0.96) and document["step"] == 0.1
    changes = {(r["factor"], r["change"]): r["objective_change_usd_m"] for r in document["runs"]}
    assert changes == {
        ("prices", "-10%"): pytest.approx(-0.07), ("prices", "+10%"): pytest.approx(0.07),
        ("capex", "-10%"): pytest.approx(0.07), ("capex", "+10%"): pytest.approx(-0.07),
        ("yields", "-10%"): pytest.approx(-0.15), ("yields", "+10%"): pytest.approx(0.05),
        ("discount rate", "-10%"): pytest.approx(0.0), ("discount rate", "+10%"): pytest.approx(0.0),
    }  # fmt: skip
    significance = {(r["factor"], r["change"]): r["significance"] for r in document["runs"]}
    assert significance[("discount rate", "+10%")] == "no change"
    assert significance[("yields", "-10%")] == "significant"
    book = load_workbook(document["output"])
    assert book.sheetnames == ["Tornado", "Sensitivity"]
    tornado = book["Tornado"]
    assert tornado["A5"].value == "yields" and tornado["D5"].value == pytest.approx(0.20), (
        "widest swing first"
    )
    assert len(tornado._charts) == 1


def test_frontier_points_within_the_gap_are_one_point() -> None:
    def at(npv: float, cvar: float, gap: float = 0.5) -> FrontierPoint:
        return FrontierPoint(None, npv, cvar, 100.0, (), (), "optimal", gap_usd_m=gap)

    points = merged_within_gap([at(304.0, 228.8), at(303.8, 229.0), at(290.0, 240.0)])
    assert [(p.expected_npv_usd_m, p.merged) for p in points] == [(303.8, 1), (290.0, 0)]
    assert len(merged_within_gap([at(304.0, 228.8, gap=0.0), at(303.8, 229.0, gap=0.0)])) == 2


def test_template_is_a_tiny_case_that_validates_and_plans(tmp_path: Path) -> None:
    """Decision: the example rows are real data (marked yellow, notes say replace), not skipped."""
    path = tmp_path / "template.xlsx"
    template_workbook().save(path)
    book = load_workbook(path)
    assert book.sheetnames[0] == START
    start = [c.value for row in book[START].iter_rows(max_col=4) for c in row if c.value]
    assert "step 1" in start and "legend" in start and "required" in start
    assert book["Contracts"]["A2"].value == "example_contract"
    notes = [c.value for c in book["Contracts"][1]].index("notes") + 1
    assert book["Contracts"].cell(row=2, column=notes).value == EXAMPLE_NOTE
    assert (
        book["Projects"].page_setup.orientation == "landscape" and book["Projects"].page_setup.fitToWidth == 1
    )
    result = plan(Case.from_excel(path), time_limit_s=math.inf)
    assert result.status == "optimal"
    assert list(result.funded["project"]) == ["example_plant"]
    assert list(result.signed["contract"]) == ["example_contract"]


def test_sensitivity_text_names_a_run_without_a_plan(tmp_path: Path) -> None:
    """A is locked in and the budget is exactly its capex (0.5): base 80 t to K (0.96) + 20 t
    spot (0.2) - 0.5 = 0.66. Capex -10%: 0.05 saved (B still does not fit); +10%: A no
    longer fits, no plan. Printed, not a crash; the sheet says which run found none."""
    projects = one_year_case()["Projects"]
    projects[0] = {**projects[0], "decision": "fund"}
    path = write_workbook(
        tmp_path / "case.xlsx", one_year_case(Projects=projects), {**ONE_YEAR, "budget_usd_m": 0.5}
    )
    result = CliRunner().invoke(
        main, ["sensitivity", str(path), "--jobs", "1", "--time-limit", "inf", "--quiet"]
    )
    assert result.exit_code == 0, result.stderr
    assert "capex: +0.05m at -10%, no plan at +10%" in result.stdout.splitlines()
    assert "prices: -0.02m at -10%, +0.02m at +10%" in result.stdout.splitlines()
    tornado = load_workbook(tmp_path / "case-sensitivity.xlsx")["Tornado"]
    rows = {r[0]: r for r in tornado.iter_rows(min_row=5, values_only=True)}
    assert rows["capex"][3] == pytest.approx(0.05), "the swing of the one run with a plan, from 0"
    assert rows["capex"][5] == "+10%: no plan (infeasible); decisions: none"


def test_sensitivity_labels_keep_a_fractional_step() -> None:
    """--step 0.025 is +-2.5%, not +-2% (and 0.001 not the +-0% both ways)."""
    assert [change_label(c) for c in (-0.1, 0.1, 0.025, -0.001)] == ["-10%", "+10%", "+2.5%", "-0.1%"]
