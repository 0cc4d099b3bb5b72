"""One test per business rule, on the three-plant case of ``tests/support/workbooks.py``.

Money in USD m: a tonne at USD 12,000 is 0.012. Plant A makes 100 t (capex 0.5), plant B
50 t (capex 0.2), plant C 200 t (capex 3.0). Contract K takes up to 80 t at 12,000;
the rest sells spot at 10,000.
"""

from __future__ import annotations

import pytest

from tests.conftest import Solve
from tests.support.workbooks import one_year_case

BASE = one_year_case()
K = BASE["Contracts"][0]
REL = 1e-9


def funded_projects(result: object) -> list[str]:
    return sorted(result.funded["project"])  # type: ignore[attr-defined]


def test_base_case_funds_the_two_cheap_plants(solve: Solve) -> None:
    result = solve()
    assert result.status == "optimal"
    assert result.objective_usd_m == pytest.approx(80 * 0.012 + 70 * 0.010 - (0.5 + 0.2), rel=REL)
    assert funded_projects(result) == ["A", "B"]
    assert list(result.signed["contract"]) == ["K"]


def test_budget_limits_capex(solve: Solve) -> None:
    result = solve(settings={"budget_usd_m": 0.6})
    assert result.objective_usd_m == pytest.approx(80 * 0.012 + 20 * 0.010 - 0.5, rel=REL)
    assert result.capex_usd_m is not None
    assert result.capex_usd_m <= 0.6
    assert funded_projects(result) == ["A"]


def test_prepayment_widens_the_budget(solve: Solve) -> None:
    result = solve(settings={"budget_usd_m": 0.6}, Contracts=[{**K, "prepayment_usd_m": 0.1}])
    assert funded_projects(result) == ["A", "B"]
    assert result.objective_usd_m == pytest.approx(0.96, rel=REL)  # one year: no financing benefit


def test_annual_capex_cap(solve: Solve) -> None:
    result = solve(settings={"annual_budget_usd_m": 0.6})
    assert funded_projects(result) == ["A"]
    assert result.objective_usd_m == pytest.approx(0.66, rel=REL)


def test_one_option_and_one_start_per_project(solve: Solve) -> None:
    options = [*BASE["Options"], {"project": "A", "option": "big", "capacity_tpa": 200, "capex_usd_m": 0.9}]
    result = solve(Options=options)
    # A big: 80 x 0.012 + 120 x 0.010 - 0.9; B: + 50 x 0.010 - 0.2. Both options of A would give 2.06.
    assert result.objective_usd_m == pytest.approx(0.96 + 1.2 - 0.9 + 0.5 - 0.2, rel=REL)
    assert sorted(zip(result.funded["project"], result.funded["option"], strict=True)) == [
        ("A", "big"),
        ("B", "std"),
    ]


def test_required_project_must_be_funded_too(solve: Solve) -> None:
    projects = [dict(p) for p in BASE["Projects"]]
    projects[1]["requires"] = "C"  # B needs the loss-making C: not worth it
    result = solve(Projects=projects)
    assert funded_projects(result) == ["A"]
    assert result.objective_usd_m == pytest.approx(0.66, rel=REL)


def test_exclusive_group_funds_one(solve: Solve) -> None:
    projects = [dict(p) for p in BASE["Projects"]]
    projects[0]["exclusive_group"] = "site"
    projects[1]["exclusive_group"] = "site"
    result = solve(Projects=projects)
    assert funded_projects(result) == ["A"]


@pytest.mark.parametrize(
    ("project", "decision", "expected_usd_m", "funded"),
    [
        ("C", "fund", 80 * 0.012 + 270 * 0.010 - 3.7, ["A", "B", "C"]),
        ("A", "reject", 50 * 0.012 - 0.2, ["B"]),
        ("A", "fund:std:2026", 0.96, ["A", "B"]),
    ],
)
def test_project_decision_locks(
    solve: Solve, project: str, decision: str, expected_usd_m: float, funded: list[str]
) -> None:
    projects = [dict(p, decision=decision) if p["project"] == project else dict(p) for p in BASE["Projects"]]
    result = solve(Projects=projects)
    assert result.objective_usd_m == pytest.approx(expected_usd_m, rel=REL)
    assert funded_projects(result) == funded


def test_rejected_contract_is_not_signed(solve: Solve) -> None:
    result = solve(Contracts=[{**K, "decision": "reject"}])
    assert result.signed.empty
    assert result.objective_usd_m == pytest.approx(150 * 0.010 - 0.7, rel=REL)


def test_shortfall_below_minimum_is_penalised(solve: Solve) -> None:
    contract = {**K, "min_tpa": 200, "max_tpa": 200, "shortfall_penalty_usd_per_t": 5_000, "decision": "sign"}
    result = solve(Contracts=[contract])
    assert result.objective_usd_m == pytest.approx(150 * 0.012 - 50 * 0.005 - 0.7, rel=REL)
    assert result.signed.loc[0, "shortfall_t"] == pytest.approx(50)


def test_firm_minimum_must_be_delivered(solve: Solve) -> None:
    contract = {**K, "min_tpa": 150, "max_tpa": 150, "decision": "sign"}
    result = solve(Contracts=[contract])
    assert result.objective_usd_m == pytest.approx(150 * 0.012 - 0.7, rel=REL)
    assert result.flows["tonnes"].sum() == pytest.approx(150)


def test_spot_purchases_within_availability_at_a_premium(solve: Solve) -> None:
    projects = [dict(p, decision="reject") if p["project"] == "A" else dict(p) for p in BASE["Projects"]]
    minerals = [{"mineral": "lithium", "price_usd_per_t": 10_000, "spot_availability_tpa": 20}]
    result = solve(settings={"spot_premium": 0.1}, Projects=projects, Minerals=minerals)
    # B delivers 50 t; 20 t bought at 11,000 and sold under K at 12,000.
    assert result.objective_usd_m == pytest.approx(50 * 0.012 + 20 * (0.012 - 0.011) - 0.2, rel=REL)
    assert result.signed.loc[0, "spot_purchased_t"] == pytest.approx(20)


def test_demand_coverage_counts_contracted_deliveries_from_funded_plants(solve: Solve) -> None:
    cheap = {**K, "contract": "K2", "max_tpa": 100, "price_usd_per_t": 9_000}
    demand = [{"mineral": "lithium", "year": 2026, "demand_t": 100, "min_coverage": 1.0}]
    result = solve(Contracts=[K, cheap], Demand=demand)
    # 80 t to K, 20 t to K2 below spot (to cover demand), 50 t spot.
    assert result.objective_usd_m == pytest.approx(80 * 0.012 + 20 * 0.009 + 50 * 0.010 - 0.7, rel=REL)
    assert float(result.coverage["covered_t"].iloc[0]) >= 100 - 1e-6


def test_feedstock_shared_by_plants(solve: Solve) -> None:
    projects = [dict(p, feedstock="black_mass") for p in BASE["Projects"]]
    feed = [{"feedstock": "black_mass", "year": 2026, "available_t": 120}]
    result = solve(Projects=projects, Feedstocks=feed)
    assert funded_projects(result) == ["A"]
    assert result.objective_usd_m == pytest.approx(0.66, rel=REL)


def test_index_price_is_clipped_to_floor(solve: Solve) -> None:
    # 10,000 x 0.9 = 9,000, floored at 9,500: below spot, so only a firm 80 t makes it flow.
    contract = {
        **K,
        "min_tpa": 80,
        "decision": "sign",
        "price_usd_per_t": None,
        "index_discount": 0.1,
        "floor_usd_per_t": 9_500,
    }
    result = solve(Contracts=[contract])
    assert result.objective_usd_m == pytest.approx(80 * 0.0095 + 70 * 0.010 - 0.7, rel=REL)


def test_index_price_is_clipped_to_cap(solve: Solve) -> None:
    contract = {**K, "price_usd_per_t": None, "index_discount": -0.3, "cap_usd_per_t": 12_500}
    result = solve(Contracts=[contract])
    assert result.objective_usd_m == pytest.approx(80 * 0.0125 + 70 * 0.010 - 0.7, rel=REL)


def test_logistics_cost_per_tonne(solve: Solve) -> None:
    logistics = [{"project": "A", "buyer": "Panasonic", "cost_usd_per_t": 2_000}]
    result = solve(Logistics=logistics)
    # B's 50 t go to K at 12,000; A's 30 t more to K net 10,000, the same as spot.
    assert result.objective_usd_m == pytest.approx(50 * 0.012 + 100 * 0.010 - 0.7, rel=REL)


def test_variable_cost_per_tonne_of_feed(solve: Solve) -> None:
    projects = [
        dict(p, variable_cost_usd_per_t=3_000) if p["project"] == "A" else dict(p) for p in BASE["Projects"]
    ]
    result = solve(Projects=projects)
    assert result.objective_usd_m == pytest.approx(0.96 - 100 * 0.003, rel=REL)


def test_discounting_build_years_and_fixed_opex(solve: Solve) -> None:
    projects = [
        {"project": "A", "earliest_year": 2026, "latest_year": 2027, "build_years": 1},
        {"project": "B", "earliest_year": 2026, "decision": "reject"},
        {"project": "C", "earliest_year": 2026, "decision": "reject"},
    ]
    options = [dict(o, fixed_opex_usd_m=0.1) for o in BASE["Options"]]
    contract = {**K, "start_year": 2027, "end_year": 2027}
    result = solve(
        settings={"end_year": 2027, "discount_rate": 0.1},
        Projects=projects,
        Options=options,
        Contracts=[contract],
    )
    # Capex 0.5 in 2026, runs in 2027: 80 t under K, 20 t spot, opex 0.1; 2027 discounted by 1.1.
    assert result.objective_usd_m == pytest.approx(-0.5 + (80 * 0.012 + 20 * 0.010 - 0.1) / 1.1, rel=REL)
    assert list(result.funded["start_year"]) == [2026]
    assert list(result.funded["first_operating_year"]) == [2027]


def test_prepayment_financing_benefit(solve: Solve) -> None:
    contract = {**K, "end_year": 2028, "prepayment_usd_m": 1.0, "decision": "sign"}
    projects = [dict(p, decision="reject") if p["project"] == "C" else dict(p) for p in BASE["Projects"]]
    result = solve(settings={"end_year": 2028, "discount_rate": 0.1}, Contracts=[contract], Projects=projects)
    benefit = 1.0 * (1 - (1 + 1 / 1.1 + 1 / 1.21) / 3)
    assert result.signed.loc[0, "prepayment_benefit_usd_m"] == pytest.approx(benefit, rel=REL)
    yearly = (80 * 0.012 + 70 * 0.010) * (1 + 1 / 1.1 + 1 / 1.21)
    assert result.objective_usd_m == pytest.approx(yearly - 0.7 + benefit, rel=REL)


def test_uncoverable_demand_is_infeasible_with_a_reason(solve: Solve) -> None:
    demand = [{"mineral": "lithium", "year": 2026, "demand_t": 100, "min_coverage": 1.0}]
    result = solve(
        Contracts=[{**K, "mineral": "cobalt"}],
        Minerals=[*BASE["Minerals"], {"mineral": "cobalt", "price_usd_per_t": 30_000}],
        Demand=demand,
    )
    assert result.status == "infeasible"
    assert "lithium coverage in 2026" in result.explanation[0]


def test_infeasible_coverage_exit_status(solve: Solve) -> None:
    demand = [{"mineral": "lithium", "year": 2026, "demand_t": 1_000, "min_coverage": 1.0}]
    result = solve(Demand=demand)
    assert result.status == "infeasible"
    assert result.exit_code == 1


KOREAN_BUYER = {"buyer": "Hyundai", "country": "Korea", "kind": "automaker"}
KR = {**K, "contract": "KR", "buyer": "Hyundai", "max_tpa": 150, "price_usd_per_t": 20_000}


def test_coverage_counts_only_deliveries_to_the_demands_country(solve: Solve) -> None:
    """60 t of Japanese demand: a Korean buyer paying more does not count towards it.

    A and B make 100 + 50 t; without the rule all 150 t would go to Hyundai at 20,000.
    With it, 60 t go to Panasonic (K, 12,000) and 90 t to Hyundai.
    """
    demand = [{"mineral": "lithium", "year": 2026, "demand_t": 60, "min_coverage": 1.0}]
    buyers = [*BASE["Buyers"], KOREAN_BUYER]
    result = solve(Buyers=buyers, Contracts=[K, KR], Demand=demand)
    assert result.objective_usd_m == pytest.approx(60 * 0.012 + 90 * 0.020 - 0.5 - 0.2, rel=REL)
    assert result.coverage[["country", "required_t", "covered_t"]].to_dict("records") == [
        {"country": "Japan", "required_t": 60.0, "covered_t": pytest.approx(60.0)}
    ]
    korean = solve(Buyers=buyers, Contracts=[K, KR], Demand=[{**demand[0], "country": " korea"}])
    assert korean.objective_usd_m == pytest.approx(150 * 0.020 - 0.5 - 0.2, rel=REL)


def test_demand_no_buyer_of_its_country_can_receive_is_explained(solve: Solve) -> None:
    demand = [{"mineral": "lithium", "year": 2026, "demand_t": 60, "min_coverage": 1.0, "country": "Korea"}]
    result = solve(Demand=demand)
    assert result.status == "infeasible"
    assert result.explanation[0] == (
        "lithium coverage in 2026 short by 60 t "
        "(no contract with a buyer in Korea can receive lithium from a plant that year)"
    )
