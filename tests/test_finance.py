"""Project finance (issue 11), on a three-plant case whose numbers a person can check by hand.

Money in USD m; no discounting (discount_rate 0), so NPV is the sum of the cash. Every plant
is built in 2026 (build_years 1) and runs 2027-2029. Lithium sells spot at USD 10,000/t (no
spot sale discount); contract K, tied to plant A, takes up to 80 t a year 2027-2029 at
USD 12,000/t.

- A: 100 t/yr, capex 2.0: CFADS 80 x 0.012 + 20 x 0.010 = 1.16 a year.
- B: 50 t/yr (yield 0.5), capex 0.9: CFADS 50 x 0.010 = 0.50 a year.
- C: 200 t/yr, capex 4.5: CFADS 200 x 0.010 = 2.00 a year.

Debt (Settings): debt_share 0.5, debt_rate 10%, tenor 2 years, no grace. A borrows
0.5 x 2.0 = 1.0 in 2026; interest is capitalised to the first operating year:
B = 1.0 x 1.1 = 1.1. Annuity over 2 years: 1.1 x 0.1 / (1 - 1.1 ** -2) = 1.1 x 1.21 / 2.1
= 0.633809524 a year; 2027 interest 0.11, principal 0.523809524; 2028 interest
0.1 x 0.576190476 = 0.0576190476, principal 0.576190476. A's DSCR = 1.16 / 0.633809524
= 1.830203. B and C borrow 0.45 and 2.25, so their service is 0.45 and 2.25 times A's per
USD of debt: B 0.285214, C 1.426071; DSCR B 0.50 / 0.285214 = 1.753068, C 2.00 / 1.426071
= 1.402454.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from optimizer import Case, Plan, plan
from optimizer.analyses.finance import SUMMED_ITEMS, by_year, irr, yearly_cash
from optimizer.cli import main
from tests.support.workbooks import Rows, write_workbook

ANNUITY = 1.1 * 1.21 / 2.1  # per USD 1.0m of debt: 0.633809524
REL = 1e-9

SETTINGS: dict[str, Any] = {
    "base_year": 2026,
    "end_year": 2029,
    "discount_rate": 0.0,
    "mip_gap": 0.0,
    "debt_share": 0.5,
    "debt_rate": 0.1,
    "debt_tenor_years": 2,
    "min_dscr": 1.3,
}


def three_plants(**overrides: Rows) -> dict[str, Rows]:
    """The case of the module docstring; ``overrides`` replace whole sheets."""
    sheets: dict[str, Rows] = {
        "Minerals": [{"mineral": "lithium", "price_usd_per_t": 10_000, "spot_availability_tpa": 0}],
        "Projects": [
            {
                "project": p,
                "earliest_year": 2026,
                "latest_year": 2026,
                "build_years": 1,
                "kind": kind,
                "sponsor": "S",
                "state": "Gujarat",
            }
            for p, kind in (("A", "hydromet_refinery"), ("B", "black_mass"), ("C", "hydromet_refinery"))
        ],
        "Options": [
            {"project": "A", "option": "std", "capacity_tpa": 100, "capex_usd_m": 2.0},
            {"project": "B", "option": "std", "capacity_tpa": 100, "capex_usd_m": 0.9},
            {"project": "C", "option": "std", "capacity_tpa": 200, "capex_usd_m": 4.5},
        ],
        "Yields": [
            {"project": "A", "mineral": "lithium", "yield_t_per_t": 1.0},
            {"project": "B", "mineral": "lithium", "yield_t_per_t": 0.5},
            {"project": "C", "mineral": "lithium", "yield_t_per_t": 1.0},
        ],
        "Buyers": [{"buyer": "Panasonic", "country": "Japan", "kind": "battery_maker"}],
        "Contracts": [contract()],
    }
    sheets.update(overrides)
    return sheets


def contract(**changes: Any) -> dict[str, Any]:
    return {
        "contract": "K",
        "buyer": "Panasonic",
        "mineral": "lithium",
        "project": "A",
        "start_year": 2027,
        "end_year": 2029,
        "min_tpa": 0,
        "max_tpa": 80,
        "price_usd_per_t": 12_000,
        **changes,
    }


def projects(**columns: dict[str, Any]) -> Rows:
    """The Projects rows with extra cells per project: ``projects(A={"min_dscr": 2})``."""
    rows = three_plants()["Projects"]
    return [{**r, **columns.get(str(r["project"]), {})} for r in rows]


@pytest.fixture
def solve(tmp_path: Path) -> Any:
    counter = iter(range(1_000))

    def run(settings: dict[str, Any] | None = None, **sheets: Rows) -> Plan:
        path = tmp_path / f"finance{next(counter)}.xlsx"
        write_workbook(path, three_plants(**sheets), {**SETTINGS, **(settings or {})})
        return plan(Case.from_excel(path), time_limit_s=math.inf)

    return run


def funded(result: Plan) -> list[str]:
    return sorted(result.funded["project"])


def rows_of(result: Plan, project: str, scenario: str = "base") -> Any:
    cash = result.plant_cash_flows
    return cash[(cash["project"] == project) & (cash["scenario"] == scenario)].set_index("year")


def finance_row(result: Plan, project: str, scenario: str = "expected") -> dict[str, Any]:
    table = result.finance
    found = table[(table["project"] == project) & (table["scenario"] == scenario)]
    assert len(found) == 1
    return dict(found.iloc[0])


def test_debt_service_dscr_and_irr_by_hand(solve: Any) -> None:
    result = solve()
    assert result.status == "optimal"
    assert funded(result) == ["A", "B", "C"]
    a = rows_of(result, "A")
    assert a.loc[2026, "debt_drawn_usd_m"] == pytest.approx(1.0, rel=REL)
    assert a.loc[2027, "debt_interest_usd_m"] == pytest.approx(-0.11, rel=REL)
    assert a.loc[2027, "debt_principal_usd_m"] == pytest.approx(-(ANNUITY - 0.11), rel=REL)
    assert a.loc[2028, "debt_interest_usd_m"] == pytest.approx(-0.1 * (1.1 - (ANNUITY - 0.11)), rel=REL)
    assert a.loc[2028, "debt_service_usd_m"] == pytest.approx(ANNUITY, rel=REL)
    assert a.loc[2029, "debt_service_usd_m"] == pytest.approx(0.0, abs=1e-12)
    assert a.loc[2027, "cfads_usd_m"] == pytest.approx(1.16, rel=REL)
    assert a.loc[2027, "dscr"] == pytest.approx(1.16 / ANNUITY, rel=REL)  # 1.830203
    assert rows_of(result, "B").loc[2027, "dscr"] == pytest.approx(0.50 / (0.45 * ANNUITY), rel=REL)
    assert rows_of(result, "C").loc[2028, "dscr"] == pytest.approx(2.00 / (2.25 * ANNUITY), rel=REL)

    # Project IRR of A: -2.0 in 2026, +1.16 in 2027-2029; equity IRR: -1.0, then 1.16 less
    # the annuity twice, then 1.16. Each rate sets the cash's value to zero.
    finance = finance_row(result, "A")
    r, e = finance["project_irr"], finance["equity_irr"]
    assert -2.0 + sum(1.16 / (1 + r) ** i for i in (1, 2, 3)) == pytest.approx(0.0, abs=1e-9)
    assert r == pytest.approx(0.3377, abs=1e-4)
    equity = [-1.0, 1.16 - ANNUITY, 1.16 - ANNUITY, 1.16]
    assert sum(c / (1 + e) ** i for i, c in enumerate(equity)) == pytest.approx(0.0, abs=1e-9)
    assert finance["min_dscr"] == pytest.approx(1.16 / ANNUITY, rel=REL)
    assert finance["moic"] == pytest.approx((2 * (1.16 - ANNUITY) + 1.16) / 1.0, rel=REL)
    assert finance["payback_year"] == 2028  # -2.0 + 1.16 + 1.16 >= 0
    assert finance["contracted_share"] == pytest.approx(0.96 / 1.16, rel=REL)

    # NPV: each plant's cash less its debt's interest (the principal repays what was drawn
    # and capitalised): A 3 x 1.16 - 2.0 - (0.11 + 0.0576190476) - 0.1 of capitalised interest.
    a_npv = 3 * 1.16 - 2.0 - (2 * ANNUITY - 1.0)
    b_npv = 3 * 0.50 - 0.9 - 0.45 * (2 * ANNUITY - 1.0)
    c_npv = 3 * 2.00 - 4.5 - 2.25 * (2 * ANNUITY - 1.0)
    assert result.objective_usd_m == pytest.approx(a_npv + b_npv + c_npv, rel=REL)
    bridge = result.npv_bridge.set_index("line")
    assert bridge.loc["A", "npv_usd_m"] == pytest.approx(a_npv, rel=REL)
    assert bridge.loc["expected NPV of the portfolio", "npv_usd_m"] == pytest.approx(
        result.expected_npv_usd_m, abs=1e-9
    )
    summary = result.summary()
    assert summary["min_dscr"] == pytest.approx(2.00 / (2.25 * ANNUITY), rel=REL)
    assert summary["debt_usd_m"] == pytest.approx(3.7, rel=REL)
    assert summary["equity_usd_m"] == pytest.approx(3.7, rel=REL)
    entry = {e["project"]: e for e in summary["funded_projects"]}["A"]
    assert entry["project_irr"] == pytest.approx(r, rel=REL)
    assert entry["equity_irr"] == pytest.approx(e, rel=REL)
    assert entry["contracted_share"] == pytest.approx(0.96 / 1.16, rel=REL)


def test_dscr_covenant_changes_the_decision(solve: Any) -> None:
    """At min_dscr 1.5, C (DSCR 1.40) cannot borrow as it must, so it is not funded."""
    result = solve({"min_dscr": 1.5})
    assert funded(result) == ["A", "B"]
    a_npv = 3 * 1.16 - 2.0 - (2 * ANNUITY - 1.0)
    b_npv = 3 * 0.50 - 0.9 - 0.45 * (2 * ANNUITY - 1.0)
    assert result.objective_usd_m == pytest.approx(a_npv + b_npv, rel=REL)
    # a project's own covenant: C alone at 1.40 still passes, A at 1.9 fails (1.83)
    result = solve({"min_dscr": 1.5}, Projects=projects(A={"min_dscr": 1.9}, C={"min_dscr": 1.4}))
    assert funded(result) == ["B", "C"]


def test_budget_counts_the_portfolios_own_money(solve: Any) -> None:
    """Capex 7.4, half of it borrowed: a budget of 3.7 funds all three plants, without debt it cannot."""
    assert funded(solve({"budget_usd_m": 3.7})) == ["A", "B", "C"]
    assert funded(solve({"budget_usd_m": 3.7, "debt_share": 0.0})) == ["A", "B"]  # C alone is 4.5


def test_contract_backs_debt_only_if_it_runs_as_long_as_the_debt(solve: Any) -> None:
    """A needs 60% of its sales under contract in its debt years. K (3 years) backs a 3-year debt;
    K shortened to 2027-2028 (2 years) does not, and A can then not be funded."""
    terms = {"min_contracted_share": 0.6, "debt_tenor_years": 3}
    result = solve(Projects=projects(A=terms))
    assert "A" in funded(result)
    assert rows_of(result, "A").loc[2029, "debt_backing_share"] == pytest.approx(0.96 / 1.16, rel=REL)
    result = solve(Projects=projects(A=terms), Contracts=[contract(end_year=2028)])
    assert funded(result) == ["B", "C"]


def test_prepayment_is_financing_with_a_price(solve: Any) -> None:
    """K prepays 0.3 in 2027 at 10%: repaid 0.1 a year 2027-2029 with interest 0.03, 0.02, 0.01 on the
    balance; at no discounting it costs its interest, 0.06, and it is A's senior debt service."""
    base = solve().objective_usd_m
    result = solve(Contracts=[contract(prepayment_usd_m=0.3, prepayment_rate=0.1)])
    assert result.objective_usd_m == pytest.approx(base - 0.06, rel=REL)
    a = rows_of(result, "A")
    assert a.loc[2027, "prepayments_received_usd_m"] == pytest.approx(0.3, rel=REL)
    assert a.loc[2028, "prepayment_interest_usd_m"] == pytest.approx(-0.02, rel=REL)
    assert a.loc[2027, "debt_service_usd_m"] == pytest.approx(ANNUITY + 0.1 + 0.03, rel=REL)
    assert a.loc[2029, "debt_service_usd_m"] == pytest.approx(0.1 + 0.01, rel=REL)


def overrun(probability: float = 0.5) -> dict[str, Rows]:
    return {
        "Scenarios": [
            {"scenario": "base", "probability": 1 - probability},
            {"scenario": "overrun", "probability": probability},
        ],
        "Shocks": [{"scenario": "overrun", "field": "capex", "target": "C", "multiplier": 1.2}],
    }


def test_funding_per_year_and_scenario_with_contingency(solve: Any) -> None:
    """Own money 3.7 fits the budget; C's 20% overrun (0.9, all own money) needs a contingency."""
    result = solve({"budget_usd_m": 3.7}, **overrun())
    assert funded(result) == ["A", "B", "C"]
    funding = result.funding.set_index(["scenario", "year"])
    assert funding.loc[("base", 2026), "contingency_usd_m"] == pytest.approx(0.0, abs=1e-9)
    assert funding.loc[("overrun", 2026), "own_money_usd_m"] == pytest.approx(3.7 + 0.9, rel=REL)
    assert funding.loc[("overrun", 2026), "contingency_usd_m"] == pytest.approx(0.9, rel=REL)
    assert result.summary()["contingency_usd_m"] == pytest.approx(0.9, rel=REL)
    # a contingency of 0.5 cannot pay C's overrun: the plan drops C
    assert "C" not in funded(solve({"budget_usd_m": 3.7, "contingency_usd_m": 0.5}, **overrun()))


def test_lender_scenarios_are_the_ones_covenants_hold_in(solve: Any) -> None:
    """A 15% lithium slump takes C's CFADS to 1.70 and its DSCR to 1.70 / 1.426071 = 1.19: lenders sizing
    on the slump refuse C; sizing on base alone, they lend (C's expected NPV stays positive)."""
    slump = {
        "Scenarios": [{"scenario": "base", "probability": 0.5}, {"scenario": "slump", "probability": 0.5}],
        "Shocks": [{"scenario": "slump", "field": "price", "target": "lithium", "multiplier": 0.85}],
    }
    assert "C" not in funded(solve(**slump))
    result = solve({"lender_scenarios": "base"}, **slump)
    assert "C" in funded(result)
    assert rows_of(result, "C", "slump").loc[2027, "dscr"] == pytest.approx(1.7 / (2.25 * ANNUITY), rel=REL)
    assert result.summary()["min_dscr"] == pytest.approx(2.00 / (2.25 * ANNUITY), rel=REL), "lenders' only"


def test_capex_in_rupees_converts_at_the_fx_sheet(solve: Any) -> None:
    """C's capex typed as INR 375m at USD 0.012 per rupee is USD 4.5m: the same plan."""
    base = solve().objective_usd_m
    options = three_plants()["Options"]
    options[2] = {**options[2], "capex_usd_m": 375.0}
    result = solve(
        Projects=projects(C={"currency": "INR"}),
        Options=options,
        FX=[{"currency": "INR", "year": 2026, "usd_per_unit": 0.012}],
    )
    assert result.objective_usd_m == pytest.approx(base, rel=REL)
    assert float(result.funded.set_index("project").loc["C", "capex_usd_m"]) == pytest.approx(4.5, rel=REL)


def test_no_irr_is_said_not_guessed() -> None:
    assert irr([1.0, 2.0]).value is None
    assert "never change sign" in irr([1.0, 2.0]).reason
    assert irr([-1.0, 1.1]).value == pytest.approx(0.1, rel=1e-9)
    two = irr([-1.0, 5.0, -6.0])  # (1 + r) ** 2 - 5 (1 + r) + 6 = 0: r = 1 and r = 2
    assert two.value is None and "2 rates" in two.reason


def test_bad_financing_input_is_named_cell_by_cell(tmp_path: Path) -> None:
    sheets = three_plants(Projects=projects(A={"debt_grace_years": 3}, C={"currency": "INR"}))
    path = write_workbook(tmp_path / "bad.xlsx", sheets, {**SETTINGS, "lender_scenarios": "base, boom"})
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    lines = [line.strip() for line in result.stderr.splitlines()[1:]]
    assert any(line.startswith("Projects!") and "debt_grace_years 3" in line for line in lines), lines
    assert any(line.startswith("Projects!") and "INR has no rate" in line for line in lines), lines
    assert any(line.startswith("Settings!") and "boom" in line for line in lines), lines


def test_explain_words_the_covenant(tmp_path: Path) -> None:
    """C locked in at min_dscr 1.5: its DSCR 1.40 must rise by (1.5 - 1.402454) x 1.426071 = USD 0.139m
    of cash a year, or its service fall by 0.139 / 1.5 = 0.0927 a year: 0.0927 / 0.633810 = USD 0.146m less debt."""
    sheets = three_plants(Projects=projects(C={"decision": "fund"}))
    path = write_workbook(tmp_path / "locked.xlsx", sheets, {**SETTINGS, "min_dscr": 1.5})
    result = CliRunner().invoke(main, ["explain", str(path)])
    assert "C's DSCR in 2027 under base is 1.40 against 1.50 (short in 2027-2028): borrow USD 0.1m less" in (
        result.output
    ), result.output


@pytest.mark.parametrize("min_dscr", [1.3, 1.5])
def test_benders_keeps_the_covenants(tmp_path: Path, min_dscr: float) -> None:
    """DSCR rows hold one (scenario, year) block's operations and the funding: block rows; the
    contingency drawn per year and scenario is the master's. Both methods give the same plan."""
    settings = {**SETTINGS, "budget_usd_m": 3.7, "contingency_usd_m": 1.0, "min_dscr": min_dscr}
    path = write_workbook(tmp_path / "benders.xlsx", three_plants(**overrun()), settings)
    extensive = plan(Case.from_excel(path), time_limit_s=math.inf, method="extensive")
    benders = plan(Case.from_excel(path), time_limit_s=math.inf, method="benders")
    assert benders.method == "benders"
    assert benders.objective_usd_m == pytest.approx(extensive.objective_usd_m, rel=1e-7)
    assert funded(benders) == funded(extensive) == (["A", "B", "C"] if min_dscr == 1.3 else ["A", "B"])


def ledger_rows(seed: int) -> pd.DataFrame:
    """A plant ledger of three plants in two scenarios with years missing here and there."""
    rng = np.random.default_rng(seed)
    rows = []
    for project in ("A", "B", "C"):
        for scenario in ("low", "high"):
            for year in range(2026, 2036):
                if rng.random() < 0.25:  # a year without a row: yearly sums fill it with zeros
                    continue
                rows.append(
                    {"project": project, "scenario": scenario, "year": year}
                    | {item: float(rng.normal(0, 50)) for item in SUMMED_ITEMS}
                )
    return pd.DataFrame(rows).sample(frac=1.0, random_state=seed)  # rows in no particular order


@pytest.mark.parametrize("seed", range(5))
def test_yearly_sums_of_all_rows_at_once_are_each_rows_own(seed: int) -> None:
    cash = ledger_rows(seed)
    weights = pd.Series({"low": 0.3, "high": 0.7})
    at_once = yearly_cash(cash, ["project", "scenario"], None)
    weighted = yearly_cash(cash, ["project"], weights)
    for (project, scenario), rows in cash.groupby(["project", "scenario"]):
        alone = by_year(rows, list(SUMMED_ITEMS), None)
        filled = alone.reindex(range(alone.index.min(), alone.index.max() + 1), fill_value=0.0)
        assert at_once[str(project), str(scenario)].years == list(filled.index)
        assert np.array_equal(at_once[str(project), str(scenario)].amounts, filled.to_numpy())
    for (project,), rows in cash.groupby(["project"]):
        alone = by_year(rows, list(SUMMED_ITEMS), weights)
        filled = alone.reindex(range(alone.index.min(), alone.index.max() + 1), fill_value=0.0)
        assert np.array_equal(weighted[(str(project),)].amounts, filled.to_numpy())
