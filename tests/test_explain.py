"""Infeasible cases explained: which limits must move, by amounts computed by hand.

The base is the three-plant one-year case (tests/support/workbooks.py): plant A recovers
100 t of lithium a year for USD 0.5m, B 50 t for USD 0.2m, C 200 t for USD 3.0m; contract
K takes up to 80 t; no spot purchases; no discounting.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from optimizer import Case, plan
from optimizer.analyses.explain import explain
from optimizer.cli import main
from tests.support.workbooks import ONE_YEAR, Rows, one_year_case, write_workbook


def case(tmp_path: Path, settings: dict[str, Any] | None = None, **sheets: Rows) -> Case:
    path = write_workbook(tmp_path / "case.xlsx", one_year_case(**sheets), {**ONE_YEAR, **(settings or {})})
    return Case.from_excel(path)


def locked(*projects: str) -> Rows:
    return [
        dict(r, decision="fund" if r["project"] in projects else None) for r in one_year_case()["Projects"]
    ]


def contract(**changes: Any) -> Rows:
    return [dict(one_year_case()["Contracts"][0], **changes)]


def test_budget_short_by_the_capex_of_the_locked_plants_above_it(tmp_path: Path) -> None:
    """A and B are locked in: capex 0.5 + 0.2 = USD 0.7m against a USD 0.5m budget."""
    explanation = explain(case(tmp_path, {"budget_usd_m": 0.5}, Projects=locked("A", "B")))
    assert explanation.status == "infeasible"
    [short] = explanation.shortfalls
    assert short.family == "capex_within_budget"
    assert short.amount == pytest.approx(0.2)
    assert explanation.sentences == [
        "budget short by USD 0.2m",
        "alternatively, on its own: project B cannot be funded as its decision lock requires; unlock it",
    ]


def test_coverage_short_by_demand_beyond_what_contracts_can_take(tmp_path: Path) -> None:
    """1,000 t of lithium demand; the only contract takes at most 80 t: 920 t short."""
    explanation = explain(case(tmp_path, Demand=[{"mineral": "lithium", "year": 2026, "demand_t": 1_000}]))
    [short] = explanation.shortfalls
    assert (short.family, short.key) == ("demand_coverage", ("lithium", 2026))
    assert short.amount == pytest.approx(920)
    assert explanation.sentences == ["lithium coverage in 2026 short by 920 t"]


def test_signed_contract_minimum_short_by_more_than_all_plants_recover(tmp_path: Path) -> None:
    """K signed with a firm 400 t; A + B + C recover 100 + 50 + 200 = 350 t: 50 t short."""
    explanation = explain(case(tmp_path, Contracts=contract(min_tpa=400, max_tpa=400, decision="sign")))
    assert explanation.sentences == ["contract K minimum in 2026 short by 50 t"]
    assert explanation.shortfalls[0].amount == pytest.approx(50)


def test_feedstock_short_on_its_own(tmp_path: Path) -> None:
    """K needs a firm 80 t; all plants share 50 t of feed at yield <= 1: 30 t short either way."""
    projects = [dict(r, feedstock="bm") for r in one_year_case()["Projects"]]
    explanation = explain(
        case(
            tmp_path,
            Projects=projects,
            Feedstocks=[{"feedstock": "bm", "year": 2026, "available_t": 50}],
            Contracts=contract(min_tpa=80, decision="sign"),
        )
    )
    assert explanation.sentences == [
        "contract K minimum in 2026 short by 30 t",
        "alternatively, on its own: feedstock bm in 2026 short by 30 t",
    ]


def test_annual_cap_short(tmp_path: Path) -> None:
    """A locked in at USD 0.5m capex in 2026 against a USD 0.3m annual cap: 0.2 short."""
    explanation = explain(case(tmp_path, {"annual_budget_usd_m": 0.3}, Projects=locked("A")))
    assert explanation.sentences[0] == "annual capex cap in 2026 short by USD 0.2m"


def test_cvar_floor_above_the_best_npv(tmp_path: Path) -> None:
    """One scenario: CVaR = NPV, at best USD 0.96m; a USD 100m floor is USD 99.04m too high."""
    explanation = explain(case(tmp_path, {"min_cvar_npv_usd_m": 100}))
    assert explanation.shortfalls[0].amount == pytest.approx(99.04)
    assert explanation.sentences == ["CVaR floor (min_cvar_npv_usd_m) too high by USD 99.0m"]


def test_several_limits_at_once(tmp_path: Path) -> None:
    explanation = explain(
        case(
            tmp_path,
            {"budget_usd_m": 0.5},
            Projects=locked("A", "B"),
            Demand=[{"mineral": "lithium", "year": 2026, "demand_t": 1_000}],
        ),
        alternatives=False,
    )
    assert explanation.sentences == ["budget short by USD 0.2m", "lithium coverage in 2026 short by 920 t"]


def test_feasible_case_needs_no_relaxation(tmp_path: Path) -> None:
    explanation = explain(case(tmp_path))
    assert (explanation.status, explanation.sentences) == ("feasible", [])


def test_demand_no_plant_can_deliver_is_explained_without_a_solve(tmp_path: Path) -> None:
    minerals = [*one_year_case()["Minerals"], {"mineral": "cobalt", "price_usd_per_t": 30_000}]
    result = plan(
        case(tmp_path, Minerals=minerals, Demand=[{"mineral": "cobalt", "year": 2026, "demand_t": 10}])
    )
    assert result.status == "infeasible"
    assert result.explanation == [
        "cobalt coverage in 2026 short by 10 t (no plant can deliver cobalt under any contract that year)"
    ]


def test_plan_on_an_infeasible_case_explains_on_stderr_in_json_and_in_the_workbook(tmp_path: Path) -> None:
    demand = [{"mineral": "lithium", "year": 2026, "demand_t": 1_000}]
    path = write_workbook(tmp_path / "short.xlsx", one_year_case(Demand=demand), ONE_YEAR)
    result = CliRunner().invoke(main, ["plan", str(path), "--json"])
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["status"] == "infeasible"
    assert summary["explanation"] == ["lithium coverage in 2026 short by 920 t"]
    assert "Error: no plan satisfies every limit at once; the limits that must move:" in result.stderr
    assert "  lithium coverage in 2026 short by 920 t" in result.stderr
    written = Path(summary["output"])
    assert written == tmp_path / "short-plan.xlsx"
    sheet = load_workbook(written)["Summary"]
    assert sheet["B3"].value == "infeasible"
    column_b = [c.value for c in sheet["B"]]
    assert "lithium coverage in 2026 short by 920 t" in column_b
    assert Case.from_excel(written).table("Demand")["demand_t"].tolist() == [1_000], "input sheets kept"


def test_explain_command(tmp_path: Path) -> None:
    demand = [{"mineral": "lithium", "year": 2026, "demand_t": 1_000}]
    short = write_workbook(tmp_path / "short.xlsx", one_year_case(Demand=demand), ONE_YEAR)
    fine = write_workbook(tmp_path / "fine.xlsx", one_year_case(), ONE_YEAR)
    result = CliRunner().invoke(main, ["explain", str(short)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{short}: infeasible; the smallest relaxation that makes it feasible:",
        "  lithium coverage in 2026 short by 920 t",
    ]
    result = CliRunner().invoke(main, ["explain", str(fine), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"status": "feasible", "explanation": []}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fine.xlsx", "short.xlsx"], "explain writes nothing"


def test_per_scenario_shortfalls_report_the_worst_scenario_and_name_them() -> None:
    """With scenarios, one sentence per limit: the largest amount, and the scenarios short."""
    import pyomo.environ as pyo
    from optimizer.models.elastic import Slack, shortfalls

    m = pyo.ConcreteModel()
    m.s = pyo.Var(range(3), domain=pyo.NonNegativeReals)
    for i, value in enumerate([120.0, 0.0, 80.0]):
        m.s[i].set_value(value)
    slacks = [
        Slack("demand_coverage", ("NdPr", 2031, scenario), m.s[i], 500.0)
        for i, scenario in enumerate(["base", "calm", "china_ban"])
    ]
    [short] = shortfalls(slacks)
    assert (short.amount, short.scenarios) == (120.0, ("base", "china_ban"))
    assert (
        short.sentence(scenario_count=3)
        == "NdPr coverage in 2031 short by 120 t (in scenarios base, china_ban)"
    )
    assert short.sentence(scenario_count=1) == "NdPr coverage in 2031 short by 120 t"


def test_consecutive_years_short_by_the_same_amount_read_as_one_run() -> None:
    from optimizer.models.elastic import Shortfall, sentences

    found = [
        Shortfall("demand_coverage", ("lithium", 2033), 45.0, ("base",)),
        Shortfall("demand_coverage", ("lithium", 2034), 45.2, ("base",)),  # reads as 45 t too
        Shortfall("demand_coverage", ("lithium", 2035), 45.0, ("base",)),
        Shortfall("demand_coverage", ("lithium", 2037), 45.0, ("base",)),  # a gap in the years
        Shortfall("demand_coverage", ("nickel", 2038), 45.0, ("base",)),
        Shortfall("capex_within_budget", (), 42.0, ()),
    ]
    assert sentences(found, scenario_count=1) == [
        "lithium coverage in 2033-2035 short by 45 t each year",
        "lithium coverage in 2037 short by 45 t",
        "nickel coverage in 2038 short by 45 t",
        "budget short by USD 42.0m",
    ]
