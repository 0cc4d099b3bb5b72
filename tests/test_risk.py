"""Scenarios, shocks, CVaR, concentration limits and the value of the stochastic solution.

The three-plant case of ``tests/support/workbooks.py`` (A: 100 t, capex 0.5; B: 50 t,
capex 0.2; C: 200 t, capex 3.0; contract K up to 80 t at USD 12,000/t; spot 10,000/t)
under price scenarios on the spot market; NPVs written as arithmetic in USD m.
"""

from __future__ import annotations

import pytest

from tests.conftest import Solve
from tests.support.workbooks import Rows, one_year_case

BASE = one_year_case()
K = BASE["Contracts"][0]
REL = 1e-9

# Spot at 10,000 (high), 5,000 (low) and 2,000 (crash).
THREE_SCENARIOS: dict[str, Rows] = {
    "Scenarios": [
        {"scenario": "high", "probability": 0.5},
        {"scenario": "low", "probability": 0.3},
        {"scenario": "crash", "probability": 0.2},
    ],
    "Shocks": [
        {"scenario": "low", "field": "price", "target": "lithium", "multiplier": 0.5},
        {"scenario": "crash", "field": "price", "target": "*", "multiplier": 0.2},
    ],
}
# Plan A+B: 80 t under K, 70 t spot; plan A: 80 t under K, 20 t spot.
NPV_AB = {"high": 0.96 + 70 * 0.010 - 0.7, "low": 0.96 + 70 * 0.005 - 0.7, "crash": 0.96 + 70 * 0.002 - 0.7}
NPV_A = {"high": 0.96 + 20 * 0.010 - 0.5, "low": 0.96 + 20 * 0.005 - 0.5, "crash": 0.96 + 20 * 0.002 - 0.5}
P = {"high": 0.5, "low": 0.3, "crash": 0.2}


def expected(npv: dict[str, float]) -> float:
    return sum(P[s] * npv[s] for s in P)


def funded(result: object) -> list[str]:
    return sorted(result.funded["project"])  # type: ignore[attr-defined]


def test_risk_neutral_maximises_expected_npv_and_reports_cvar(solve: Solve) -> None:
    result = solve(settings={"cvar_alpha": 0.8}, **THREE_SCENARIOS)
    assert funded(result) == ["A", "B"]
    assert result.objective_usd_m == pytest.approx(expected(NPV_AB), rel=REL)
    assert result.expected_npv_usd_m == pytest.approx(expected(NPV_AB), rel=REL)
    # Worst 20% is the crash scenario alone.
    assert result.cvar_usd_m == pytest.approx(NPV_AB["crash"], rel=REL)
    by_scenario = dict(
        zip(result.npv_by_scenario["scenario"], result.npv_by_scenario["npv_usd_m"], strict=True)
    )
    assert by_scenario == pytest.approx(NPV_AB, rel=REL)


def test_cvar_of_a_tail_spanning_two_scenarios(solve: Solve) -> None:
    result = solve(settings={"cvar_alpha": 0.5}, **THREE_SCENARIOS)
    # Worst 50%: all of crash (0.2) and 0.3 of low.
    assert result.cvar_usd_m == pytest.approx((0.2 * NPV_AB["crash"] + 0.3 * NPV_AB["low"]) / 0.5, rel=REL)
    risk = dict(zip(result.risk["metric"], result.risk["value"], strict=True))
    assert risk["value_at_risk_usd_m"] == pytest.approx(NPV_AB["low"], rel=REL)


def test_full_risk_aversion_maximises_cvar(solve: Solve) -> None:
    result = solve(settings={"cvar_alpha": 0.8, "risk_aversion": 1.0}, **THREE_SCENARIOS)
    # CVaR of A (its crash NPV, 0.50) beats A+B (0.40) and B (0.40 in every scenario).
    assert funded(result) == ["A"]
    assert result.objective_usd_m == pytest.approx(NPV_A["crash"], rel=REL)


def test_blended_objective(solve: Solve) -> None:
    result = solve(settings={"cvar_alpha": 0.8, "risk_aversion": 0.5}, **THREE_SCENARIOS)
    blend_ab = 0.5 * expected(NPV_AB) + 0.5 * NPV_AB["crash"]
    blend_a = 0.5 * expected(NPV_A) + 0.5 * NPV_A["crash"]
    assert blend_ab > blend_a
    assert result.objective_usd_m == pytest.approx(blend_ab, rel=REL)


def test_cvar_floor_is_honoured(solve: Solve) -> None:
    result = solve(settings={"cvar_alpha": 0.8, "min_cvar_npv_usd_m": 0.45}, **THREE_SCENARIOS)
    assert funded(result) == ["A"]
    assert result.cvar_usd_m is not None and result.cvar_usd_m >= 0.45
    assert result.objective_usd_m == pytest.approx(expected(NPV_A), rel=REL)


def test_one_scenario_with_probability_one_equals_no_scenarios_sheet(solve: Solve) -> None:
    plain = solve()
    single = solve(Scenarios=[{"scenario": "only", "probability": 1.0}])
    assert single.objective_usd_m == pytest.approx(plain.objective_usd_m, rel=REL)
    assert funded(single) == funded(plain)
    assert list(single.signed["contract"]) == list(plain.signed["contract"])


def test_capex_shock_hits_npv_not_the_budget(solve: Solve) -> None:
    result = solve(
        settings={"budget_usd_m": 0.7},
        Scenarios=[{"scenario": "overrun", "probability": 1.0}],
        Shocks=[{"scenario": "overrun", "field": "capex", "target": "hydromet_refinery", "multiplier": 1.5}],
    )
    assert funded(result) == ["A", "B"]  # nominal capex 0.7 fits the budget
    assert result.objective_usd_m == pytest.approx(0.96 + 0.7 - 0.5 * 1.5 - 0.2, rel=REL)


def test_yield_shock_on_one_project(solve: Solve) -> None:
    result = solve(
        Scenarios=[{"scenario": "b_fails", "probability": 1.0}],
        Shocks=[{"scenario": "b_fails", "field": "yield", "target": "B", "multiplier": 0.0}],
    )
    assert funded(result) == ["A"]
    assert result.objective_usd_m == pytest.approx(0.66, rel=REL)


def test_shock_outside_its_years_does_nothing(solve: Solve) -> None:
    result = solve(
        Scenarios=[{"scenario": "later", "probability": 1.0}],
        Shocks=[{"scenario": "later", "field": "price", "target": "*", "from_year": 2030, "multiplier": 0.1}],
    )
    assert result.objective_usd_m == pytest.approx(0.96, rel=REL)


def test_capex_share_limit_binds_exactly_where_it_should(solve: Solve) -> None:
    # Sponsor S1 owns A (0.5 of the 0.7 of A+B): a share of 5/7.
    at_limit = solve(Limits=[{"dimension": "sponsor", "member": "S1", "max_share": 5 / 7 + 1e-9}])
    assert funded(at_limit) == ["A", "B"]
    shares = at_limit.limit_shares
    assert shares.loc[0, "share"] == pytest.approx(5 / 7)
    assert bool(shares.loc[0, "binding"])
    below = solve(Limits=[{"dimension": "sponsor", "member": "S1", "max_share": 0.7}])
    assert funded(below) == ["B"]
    assert below.objective_usd_m == pytest.approx(50 * 0.012 - 0.2, rel=REL)


def test_star_member_applies_to_each_member(solve: Solve) -> None:
    # Each state holds one plant; A (Gujarat) is 5/7 of A+B's capex, B (Tamil Nadu) 2/7.
    result = solve(Limits=[{"dimension": "state", "member": "*", "max_share": 0.75}])
    assert funded(result) == ["A", "B"]
    assert set(result.limit_shares["member"]) == {"Gujarat", "Odisha", "Tamil Nadu"}
    # At 70% every plan that funds anything puts more than 70% in one state: nothing is funded.
    strict = solve(Limits=[{"dimension": "state", "member": "*", "max_share": 0.7}])
    assert funded(strict) == []
    assert strict.objective_usd_m == pytest.approx(0.0, abs=1e-12)


def test_revenue_share_limit_per_buyer(solve: Solve) -> None:
    buyers = [*BASE["Buyers"], {"buyer": "Toyota", "country": "Japan", "kind": "automaker"}]
    k2 = {**K, "contract": "K2", "buyer": "Toyota", "max_tpa": 100, "price_usd_per_t": 11_000}
    result = solve(
        Buyers=buyers,
        Contracts=[K, k2],
        Limits=[{"dimension": "buyer", "member": "Panasonic", "max_share": 0.5}],
    )
    # 12,000 x = 11,000 y and x + y = 150: x = 1650/23 t to K, y = 1800/23 t to K2, nothing spot.
    x, y = 1650 / 23, 1800 / 23
    assert result.objective_usd_m == pytest.approx((12_000 * x + 11_000 * y) * 1e-6 - 0.7, rel=1e-7)
    panasonic = result.limit_shares[result.limit_shares["member"] == "Panasonic"]
    assert float(panasonic["share"].iloc[0]) == pytest.approx(0.5, abs=1e-7)


def test_value_of_the_stochastic_solution(solve: Solve) -> None:
    """C pays only in a boom, which the average scenario cannot see.

    Spot 18,000 (boom) or 2,000 (bust), average 10,000. C: capex 0.5, variable cost 9,000/t:
    at the average its margin is 200 x 0.001 = 0.2 < 0.5; across the scenarios it is
    0.5 x 200 x 0.009 = 0.9 (it idles in the bust) > 0.5. VSS = 0.9 - 0.5 = 0.4.
    """
    projects = [
        dict(p, variable_cost_usd_per_t=9_000) if p["project"] == "C" else dict(p) for p in BASE["Projects"]
    ]
    options = [dict(o, capex_usd_m=0.5) if o["project"] == "C" else dict(o) for o in BASE["Options"]]
    result = solve(
        Projects=projects,
        Options=options,
        Scenarios=[{"scenario": "boom", "probability": 0.5}, {"scenario": "bust", "probability": 0.5}],
        Shocks=[
            {"scenario": "boom", "field": "price", "target": "lithium", "multiplier": 1.8},
            {"scenario": "bust", "field": "price", "target": "lithium", "multiplier": 0.2},
        ],
    )
    assert funded(result) == ["A", "B", "C"]
    ab = 0.5 * (150 * 0.018 - 0.7) + 0.5 * (80 * 0.012 + 70 * 0.002 - 0.7)
    assert result.expected_npv_usd_m == pytest.approx(ab + 0.4, rel=REL)
    risk = dict(zip(result.risk["metric"], result.risk["value"], strict=True))
    assert risk["average_scenario_plan_expected_npv_usd_m"] == pytest.approx(ab, rel=REL)
    assert risk["value_of_stochastic_solution_usd_m"] == pytest.approx(0.4, rel=1e-7)


def test_frontier_runs_from_best_expected_npv_to_best_cvar(tmp_path: object) -> None:
    from pathlib import Path

    from optimizer import Case
    from optimizer.analyses.frontier import frontier
    from tests.support.workbooks import ONE_YEAR, write_workbook

    path = write_workbook(
        Path(str(tmp_path)) / "case.xlsx", one_year_case(**THREE_SCENARIOS), {**ONE_YEAR, "cvar_alpha": 0.8}
    )
    points = frontier(Case.from_excel(path), points=3)
    # A+B: CVaR 0.40, E 0.743; A: CVaR 0.50, E 0.598. The middle floor (0.45) also gives A.
    assert [(p.cvar_usd_m, p.expected_npv_usd_m) for p in points] == [
        pytest.approx((NPV_AB["crash"], expected(NPV_AB)), rel=1e-9),
        pytest.approx((NPV_A["crash"], expected(NPV_A)), rel=1e-9),
    ]
    assert [p.funded_projects for p in points] == [("A:std:2026", "B:std:2026"), ("A:std:2026",)]


def test_frontier_is_the_same_in_this_process_and_on_workers(tmp_path: object) -> None:
    # The CVaR floors are solved side by side (plan_all); a run is the same solve wherever it runs.
    from pathlib import Path

    from optimizer import Case
    from optimizer.analyses.frontier import frontier
    from tests.support.workbooks import ONE_YEAR, write_workbook

    path = write_workbook(
        Path(str(tmp_path)) / "case.xlsx", one_year_case(**THREE_SCENARIOS), {**ONE_YEAR, "cvar_alpha": 0.8}
    )
    case = Case.from_excel(path)
    here, on_workers = frontier(case, points=4, jobs=1), frontier(case, points=4, jobs=2)
    assert here == on_workers
    assert len(here) == 2, "four floors, two distinct plans (A+B, A)"


def test_infeasible_concentration_limit_is_explained(solve: Solve) -> None:
    # A is locked in (sponsor S1, capex 0.5); with B too, S1 holds 0.5 of 0.7 against a 50% cap:
    # 0.5 - 0.5 x 0.7 = 0.15 over, the least any plan can be (A alone: 0.25 over).
    projects = [dict(p, decision="fund") if p["project"] == "A" else dict(p) for p in BASE["Projects"]]
    result = solve(Projects=projects, Limits=[{"dimension": "sponsor", "member": "S1", "max_share": 0.5}])
    assert result.status == "infeasible"
    assert result.explanation == ["sponsor S1's share of funded capex over its limit by USD 0.1m of capex"]
