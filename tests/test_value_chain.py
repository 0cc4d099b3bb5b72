"""The value chain, contracts that make commercial sense and lender stresses (issue 13).

Each test is a small case a person can check by hand, solved by HiGHS through Pyomo. Money in
USD m: a tonne at USD 12,000 is 0.012. Unless a test says otherwise it starts from the
three-plant case of ``tests/support/workbooks.py``: plant A makes 100 t of lithium (capex
0.5), B 50 t (capex 0.2), C 200 t (capex 3.0, never worth it); contract K takes up to 80 t
at 12,000 from Panasonic (Japan); the rest sells spot at 10,000; no spot purchases; one
year, no discounting.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from optimizer.case import Case
from optimizer.plan import Plan, plan
from tests.conftest import check_cash_flows_add_up
from tests.support.orlib import DATA, read_instance
from tests.support.orlib import write_workbook as write_orlib_workbook
from tests.support.workbooks import ONE_YEAR, Rows, one_year_case, write_workbook

BASE = one_year_case()
K = BASE["Contracts"][0]
REL = 1e-9


@pytest.fixture
def run(tmp_path: Path) -> Any:
    """``run(settings=..., **sheets)``: the one-year case with changes, planned without time limit."""
    counter = iter(range(1_000))

    def solve(settings: dict[str, Any] | None = None, **sheets: Rows) -> Plan:
        path = tmp_path / f"case{next(counter)}.xlsx"
        write_workbook(path, one_year_case(**sheets), {**ONE_YEAR, **(settings or {})})
        result = plan(Case.from_excel(path), time_limit_s=math.inf)
        assert result.status == "optimal", result.messages
        check_cash_flows_add_up(result)
        return result

    return solve


def funded(result: Plan) -> list[str]:
    return sorted(result.funded["project"])


def start_year(result: Plan, project: str) -> int:
    rows = result.funded[result.funded["project"] == project]
    return int(rows["start_year"].iloc[0])


def signed(result: Plan) -> list[str]:
    return sorted(result.signed["contract"])


def projects_with(**changes: dict[str, Any]) -> Rows:
    """The base Projects rows with per-project column changes: ``projects_with(A={...})``."""
    return [{**p, **changes.get(p["project"], {})} for p in BASE["Projects"]]


# Over several years C (200 t for 3.0) pays: in the tests that span years it costs 30.
OPTIONS_C_DEAR = [*BASE["Options"][:2], {**BASE["Options"][2], "capex_usd_m": 30.0}]


def one_scenario(*shocks: dict[str, Any]) -> dict[str, Rows]:
    """A single scenario, ``stress`` (probability 1), with the given Shocks rows."""
    return {
        "Scenarios": [{"scenario": "stress", "probability": 1.0}],
        "Shocks": [{"scenario": "stress", **shock} for shock in shocks],
    }


# --- 1. Plant-to-plant transfers --------------------------------------------------------------

# A recycler R makes 100 t of black mass (capex 0.1); a refinery H takes black mass as its
# feedstock (100 t/yr, capex 0.1) and yields 0.5 t of lithium per t; K takes H's 50 t at
# 12,000. Black mass trades spot at 3,000/t: bought at +10%, sold at -5%.
CHAIN: dict[str, Rows] = {
    "Minerals": [
        {"mineral": "lithium", "price_usd_per_t": 10_000, "spot_availability_tpa": 0},
        {"mineral": "black_mass", "price_usd_per_t": 3_000, "spot_availability_tpa": 1_000},
    ],
    "Projects": [
        {"project": "R", "earliest_year": 2026, "kind": "black_mass"},
        {"project": "H", "earliest_year": 2026, "kind": "hydromet_refinery", "feedstock": "black_mass"},
    ],
    "Options": [
        {"project": "R", "option": "std", "capacity_tpa": 100, "capex_usd_m": 0.1},
        {"project": "H", "option": "std", "capacity_tpa": 100, "capex_usd_m": 0.1},
    ],
    "Yields": [
        {"project": "R", "mineral": "black_mass", "yield_t_per_t": 1.0},
        {"project": "H", "mineral": "lithium", "yield_t_per_t": 0.5},
    ],
}
CHAIN_SETTINGS = {"spot_premium": 0.1, "spot_sale_discount": 0.05}


def test_refinery_takes_the_recyclers_black_mass_at_its_logistics_cost(run: Any) -> None:
    result = run(CHAIN_SETTINGS, **CHAIN, Logistics=[{"project": "R", "buyer": "H", "cost_usd_per_t": 100}])
    # 50 t x 12,000 - 100 t x 100 logistics - capex 0.2; the spot round trip would cost 100 x 450.
    assert result.objective_usd_m == pytest.approx(0.6 - 0.01 - 0.2, rel=REL)
    assert funded(result) == ["H", "R"]
    t = result.transfers
    assert list(zip(t["from_project"], t["to_project"], t["source"], strict=True)) == [("R", "H", "plant")]
    assert float(t["tonnes"].iloc[0]) == pytest.approx(100)
    assert float(t["cost_usd_m"].iloc[0]) == pytest.approx(0.01)
    # Plant level: R sells to H at what spot would pay it (2,850/t); H pays that and the haul.
    owned = result.funded.set_index("project")["npv_contribution_usd_m"].to_dict()
    assert owned == pytest.approx({"R": 0.285 - 0.1, "H": 0.6 - 0.285 - 0.01 - 0.1})
    flows = result.flows[result.flows["source"] == "transfer"]
    assert list(zip(flows["project"], flows["to_project"], strict=True)) == [("R", "H")]
    assert float(flows["tonnes"].iloc[0]) == pytest.approx(100)


def test_spot_both_ways_when_moving_black_mass_costs_more_than_the_spread(run: Any) -> None:
    result = run(CHAIN_SETTINGS, **CHAIN, Logistics=[{"project": "R", "buyer": "H", "cost_usd_per_t": 1_000}])
    # R sells 100 t at 2,850, H buys 100 t at 3,300: a spread of 450/t beats 1,000/t logistics.
    assert result.objective_usd_m == pytest.approx(0.6 + 0.285 - 0.33 - 0.2, rel=REL)
    t = result.transfers
    assert list(t["source"]) == ["spot purchase"]
    assert float(t["tonnes"].iloc[0]) == pytest.approx(100)
    assert float(result.cash_flows["spot_sales_usd_m"].sum()) == pytest.approx(0.285)
    assert float(result.cash_flows["spot_purchases_usd_m"].sum()) == pytest.approx(-0.33)


def test_yields_hold_at_every_stage_without_black_mass_on_the_market(run: Any) -> None:
    minerals = [{**row, "spot_availability_tpa": 0} for row in CHAIN["Minerals"]]
    options = [{**CHAIN["Options"][0], "capacity_tpa": 60}, CHAIN["Options"][1]]
    result = run(CHAIN_SETTINGS, **{**CHAIN, "Minerals": minerals, "Options": options})
    # R's 60 t are all H can take: 30 t of lithium; no logistics row costs nothing.
    assert result.objective_usd_m == pytest.approx(30 * 0.012 - 0.2, rel=REL)
    assert float(result.transfers["tonnes"].sum()) == pytest.approx(60)


# --- 2. Time-consistent dependencies --------------------------------------------------------


def test_a_plant_that_requires_another_starts_when_the_other_runs(run: Any) -> None:
    # Three years. A (fixed opex 0.05/yr) requires B, which can start only in 2027. Started in
    # 2026 A would stand idle that year and pay its opex for nothing: it starts in 2027.
    projects = projects_with(
        A={"requires": "B", "latest_year": 2027}, B={"earliest_year": 2027, "latest_year": 2027}
    )
    options = [{**OPTIONS_C_DEAR[0], "fixed_opex_usd_m": 0.05}, *OPTIONS_C_DEAR[1:]]
    contracts = [{**K, "end_year": 2028}]
    result = run({"end_year": 2028}, Projects=projects, Options=options, Contracts=contracts)
    assert funded(result) == ["A", "B"]
    assert start_year(result, "A") == 2027
    # Two years of 80 x 0.012 + 70 x 0.010, capex 0.7, A's opex in 2027 and 2028.
    assert result.objective_usd_m == pytest.approx(2 * 1.66 - 0.7 - 0.1, rel=REL)


def test_a_plant_does_not_run_before_the_plant_it_requires(run: Any) -> None:
    # A must start in 2026; B only in 2027: A runs in 2027 and 2028 only.
    projects = projects_with(A={"requires": "B"}, B={"earliest_year": 2027})
    contracts = [{**K, "end_year": 2028}]
    result = run({"end_year": 2028}, Projects=projects, Options=OPTIONS_C_DEAR, Contracts=contracts)
    made_2026 = result.flows[(result.flows["year"] == 2026) & (result.flows["project"] == "A")]
    assert made_2026["tonnes"].sum() == 0
    assert result.objective_usd_m == pytest.approx(2 * 1.66 - 0.7, rel=REL)


# --- 3. Contracts that make sense ---------------------------------------------------------

SPOT = [{"mineral": "lithium", "price_usd_per_t": 10_000, "spot_availability_tpa": 1_000}]


def test_a_contract_tied_to_an_unfunded_plant_is_not_signed(run: Any) -> None:
    # K tied to C (never funded) could be served spot at a margin of 80 x 2,000 = 0.16.
    result = run(Minerals=SPOT, Contracts=[{**K, "project": "C"}])
    assert signed(result) == []
    assert result.objective_usd_m == pytest.approx(150 * 0.010 - 0.7, rel=REL)


def test_spot_cover_false_keeps_spot_out_of_the_years_before_the_plant(run: Any) -> None:
    # K tied to A runs 2026-2027; A starts in 2027. With spot cover, 2026's 80 t are bought
    # spot (margin 0.16); without it, K takes nothing in 2026.
    projects = projects_with(A={"earliest_year": 2027})
    contracts = [{**K, "project": "A", "end_year": 2027}]
    both = {"end_year": 2027}
    covered = run(both, Minerals=SPOT, Projects=projects, Options=OPTIONS_C_DEAR, Contracts=contracts)
    uncovered = run(
        both,
        Minerals=SPOT,
        Projects=projects,
        Options=OPTIONS_C_DEAR,
        Contracts=[{**contracts[0], "spot_cover": False}],
    )
    assert covered.objective_usd_m - uncovered.objective_usd_m == pytest.approx(0.16, rel=1e-9)
    bought = uncovered.flows[uncovered.flows["source"] == "spot purchase"]
    assert bought.empty
    assert signed(uncovered) == ["K"]


def test_a_signing_cost_above_the_margin_leaves_the_contract_unsigned(run: Any) -> None:
    # Without K, all 150 t sell spot; K's margin over spot is 80 x 2,000 = 0.16 < 0.2.
    result = run(Contracts=[{**K, "signing_cost_usd_m": 0.2}])
    assert signed(result) == []
    assert result.objective_usd_m == pytest.approx(1.5 - 0.7, rel=REL)
    cheap = run(Contracts=[{**K, "signing_cost_usd_m": 0.1}])
    assert signed(cheap) == ["K"]
    assert cheap.objective_usd_m == pytest.approx(0.96 + 0.7 - 0.1 - 0.7, rel=REL)


def test_a_contract_that_delivers_nothing_is_not_signed(run: Any) -> None:
    # K2 is for cobalt, which no plant makes and the market does not sell: signing it or not
    # is a tie, broken against signing.
    minerals = [
        *BASE["Minerals"],
        {"mineral": "cobalt", "price_usd_per_t": 30_000, "spot_availability_tpa": 0},
    ]
    k2 = {**K, "contract": "K2", "mineral": "cobalt"}
    result = run(Minerals=minerals, Contracts=[K, k2])
    assert signed(result) == ["K"]


def test_a_single_plant_contract_is_served_by_one_plant_that_owns_it(run: Any) -> None:
    # K takes up to 120 t. From any mix: A's 100 + 20 of B's (1.44 + 0.30 spot); from one plant,
    # A's 100 t (1.20 + B's 50 t spot 0.50).
    mixed = run(Contracts=[{**K, "max_tpa": 120}])
    assert mixed.objective_usd_m == pytest.approx(1.44 + 0.30 - 0.7, rel=REL)
    single = run(Contracts=[{**K, "max_tpa": 120, "single_plant": True}])
    assert single.objective_usd_m == pytest.approx(1.20 + 0.50 - 0.7, rel=REL)
    to_k = single.flows[single.flows["contract"] == "K"]
    assert set(to_k["project"]) == {"A"}
    assert list(single.signed["served_by"]) == ["A"]
    owned = single.funded.set_index("project")["npv_contribution_usd_m"].to_dict()
    assert owned == pytest.approx({"A": 1.20 - 0.5, "B": 0.50 - 0.2})
    by_setting = run({"single_plant": True}, Contracts=[{**K, "max_tpa": 120}])
    assert by_setting.objective_usd_m == pytest.approx(single.objective_usd_m, rel=REL)


# Single-source capacitated facility location: the OR-Library instances with single sourcing,
# optima as published with the instances by Guastaroba and Speranza ("A heuristic for BILP
# problems: the single source capacitated facility location problem", EJOR 238 (2014)
# 438-450), rounded there to 7 significant digits. cap64 and cap94 differ from the
# multi-source optima of capopt.txt (1,045,650.25 and 946,051.325); cap61, cap74 and cap104
# do not.
SINGLE_SOURCE_OPTIMA = {
    "cap61": 932615.8,
    "cap64": 1053197.0,
    "cap74": 1034977.0,
    "cap94": 950608.4,
    "cap104": 928941.8,
}


@pytest.mark.parametrize("name", sorted(SINGLE_SOURCE_OPTIMA))
def test_single_plant_contracts_match_published_single_source_optima(name: str, tmp_path: Path) -> None:
    instance = read_instance(DATA / f"{name}.txt")
    workbook = write_orlib_workbook(instance, tmp_path / f"{name}.xlsx", single_plant=True)
    result = plan(Case.from_excel(workbook), time_limit_s=math.inf)
    assert result.status == "optimal"
    assert result.objective_usd_m is not None
    assert -result.objective_usd_m == pytest.approx(SINGLE_SOURCE_OPTIMA[name], abs=0.6)
    served_by = result.flows.groupby("contract")["project"].nunique()
    assert (served_by == 1).all()


# --- 4. Shocks lenders test ---------------------------------------------------------------


def test_a_delay_past_the_horizon_drops_the_plant(run: Any) -> None:
    shocked = run(**one_scenario({"field": "delay", "target": "A", "multiplier": 1}))
    assert funded(shocked) == ["B"]
    assert shocked.objective_usd_m == pytest.approx(50 * 0.012 - 0.2, rel=REL)


def test_an_opex_shock_makes_a_marginal_plant_unprofitable(run: Any) -> None:
    options = [BASE["Options"][0], {**BASE["Options"][1], "fixed_opex_usd_m": 0.1}, BASE["Options"][2]]
    base = run(Options=options)
    assert funded(base) == ["A", "B"]  # B: 50 x 0.010 - 0.2 - 0.1 = 0.2
    shocked = run(Options=options, **one_scenario({"field": "opex", "target": "B", "multiplier": 4}))
    assert funded(shocked) == ["A"]  # B: 0.5 - 0.2 - 0.4 < 0
    assert shocked.objective_usd_m == pytest.approx(0.96 + 0.2 - 0.5, rel=REL)


def test_a_slow_ramp_up_leaves_the_plant_unfunded(run: Any) -> None:
    # At 30% A makes 30 t: with B, K gets 80 t (0.96 - 0.7 = 0.26); B alone 50 t (0.6 - 0.2).
    by_column = run(Projects=projects_with(A={"ramp_up": "0.3"}))
    assert funded(by_column) == ["B"]
    assert by_column.objective_usd_m == pytest.approx(0.4, rel=REL)
    by_shock = run(**one_scenario({"field": "ramp_up", "target": "A", "multiplier": 0.3}))
    assert funded(by_shock) == ["B"]
    assert by_shock.objective_usd_m == pytest.approx(0.4, rel=REL)


def test_a_ramp_up_over_years_caps_the_first_years_output(run: Any) -> None:
    # 50% then 100%: A delivers 50 t in 2026 and 100 t in 2027 to K, which takes all.
    result = run(
        {"end_year": 2027},
        Projects=projects_with(A={"ramp_up": "0.5"}),
        Options=OPTIONS_C_DEAR,
        Contracts=[{**K, "end_year": 2027, "max_tpa": 500}],
    )
    made = result.flows[result.flows["project"] == "A"].groupby("year")["tonnes"].sum()
    assert made.to_dict() == pytest.approx({2026: 50.0, 2027: 100.0})


def test_a_floor_not_honoured_leaves_the_contract_unsigned(run: Any) -> None:
    # K is index-priced with a floor of 12,000 over a spot of 10,000 and costs 0.1 to sign:
    # worth 80 x 2,000 - 0.1 with the floor, nothing at the index.
    floored = {**K, "price_usd_per_t": None, "index_discount": 0.0, "floor_usd_per_t": 12_000}
    contracts = [{**floored, "signing_cost_usd_m": 0.1}]
    base = run(Contracts=contracts)
    assert signed(base) == ["K"]
    assert base.objective_usd_m == pytest.approx(1.5 + 0.16 - 0.1 - 0.7, rel=REL)
    shocked = run(
        Contracts=contracts, **one_scenario({"field": "floor", "target": "Panasonic", "multiplier": 0})
    )
    assert signed(shocked) == []
    assert shocked.objective_usd_m == pytest.approx(1.5 - 0.7, rel=REL)


def test_an_export_cap_on_lithium_to_japan_leaves_the_contract_unsigned(run: Any) -> None:
    # India lets a quarter of the 150 t go to Japan: K gets 37.5 t, a margin of 0.075 < 0.1.
    contracts = [{**K, "signing_cost_usd_m": 0.1}]
    shocked = run(
        Contracts=contracts, **one_scenario({"field": "export", "target": "lithium", "multiplier": 0.25})
    )
    assert signed(shocked) == []
    assert shocked.objective_usd_m == pytest.approx(1.5 - 0.7, rel=REL)
    mild = run(
        Contracts=contracts, **one_scenario({"field": "export", "target": "lithium", "multiplier": 0.6})
    )
    assert signed(mild) == ["K"]  # 80 t <= 90 t


# --- Bad input -------------------------------------------------------------------------------


def test_bad_value_chain_inputs_are_reported_at_their_cells_in_one_run(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from optimizer.cli import main

    projects = projects_with(A={"ramp_up": "0.5,abc"}, B={"ramp_up": "1.5"})
    contract = {**K, "project": "A", "single_plant": True, "signing_cost_usd_m": -1}
    sheets = one_year_case(
        Projects=projects,
        Contracts=[contract],
        Logistics=[{"project": "A", "buyer": "B", "cost_usd_per_t": 10}],
        **one_scenario(
            {"field": "delay", "target": "A", "multiplier": 1.5},
            {"field": "floor", "target": "nobody", "multiplier": 2},
            {"field": "export", "target": "A", "multiplier": 0.5},
        ),
    )
    path = write_workbook(tmp_path / "bad.xlsx", sheets, ONE_YEAR)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    for where in (
        "Projects!F2: ramp_up '0.5,abc' is not a list of shares;",
        "Projects!F3: ramp_up '1.5' has 1.5, not a share above 0 and at most 1;",
        "Contracts!J2: single_plant is TRUE but the contract names its plant (A);",
        "Contracts!K2: signing_cost_usd_m is -1",
        "Logistics!B2: project B does not take A's output as feed",
        "Shocks!D2: a delay shock adds whole years, not 1.5;",
        "Shocks!C3: a floor shock cannot target 'nobody';",
        "Shocks!D3: a floor shock's multiplier is a share, not 2;",
        "Shocks!C4: an export shock cannot target 'A';",
    ):
        assert where in result.output


def test_benders_decomposes_transfers_and_delays_like_the_extensive_form(tmp_path: Path) -> None:
    # Two years, two scenarios: black mass dearer in one, the refinery a year late in the other.
    sheets = one_year_case(
        **CHAIN,
        Logistics=[{"project": "R", "buyer": "H", "cost_usd_per_t": 100}],
        Contracts=[{**K, "end_year": 2027}],
        Scenarios=[{"scenario": "dear", "probability": 0.5}, {"scenario": "late", "probability": 0.5}],
        Shocks=[
            {"scenario": "dear", "field": "price", "target": "black_mass", "multiplier": 2},
            {"scenario": "late", "field": "delay", "target": "H", "multiplier": 1},
        ],
    )
    path = write_workbook(tmp_path / "chain.xlsx", sheets, {**ONE_YEAR, **CHAIN_SETTINGS, "end_year": 2027})
    case = Case.from_excel(path)
    extensive = plan(case, method="extensive", time_limit_s=math.inf, stochastic_value=False)
    decomposed = plan(case, method="benders", time_limit_s=math.inf, stochastic_value=False)
    assert extensive.status == decomposed.status == "optimal"
    assert decomposed.objective_usd_m == pytest.approx(extensive.objective_usd_m, rel=1e-6)
    assert funded(decomposed) == funded(extensive) == ["H", "R"]
