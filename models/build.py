"""Build the Pyomo model: the formulation's table of contents.

Decisions are made once (``fund``, ``sign``, ``assign``); operations (feed, deliveries,
transfers between plants, spot trades, shortfalls) are per year and scenario. Each
business rule is one function in the rule modules (``funding``, ``operations``,
``value_chain``, ``contracts``, ``finance``, ``risk``); money terms go into the per-scenario NPV ledger
in ``optimizer.models.objective``.
"""

from __future__ import annotations

import pyomo.core as pyo
from optimizer.models import contracts, finance, funding, objective, operations, risk, tightening, value_chain
from optimizer.models.common import can_run
from optimizer.models.data import ModelData

OPERATIONS = (
    "feed",
    "flow",
    "spot_sale",
    "spot_buy",
    "shortfall",
    "transfer",
    "feed_spot_buy",
    "member_revenue_usd_m",
    "year_revenue_usd_m",
)
"""The second-stage variable families: decided per year and scenario, each indexed (..., year,
scenario). A new operating decision joins this list; everything else is decided once."""

QUANTITIES_T = ("feed", "flow", "spot_sale", "spot_buy", "shortfall", "transfer", "feed_spot_buy")
"""The operating families measured in tonnes. HiGHS receives them in kt
(``optimizer.solvers.highs.solver_lp``): its analytic centre then converges in a third of
the time. A new family in tonnes joins this list."""


def create_model(d: ModelData, *, decomposable: bool = False) -> pyo.ConcreteModel:
    """Variables, then each rule in turn, then the objective.

    ``decomposable``: no variable that sums over scenarios and years (revenue-share limits
    hold their terms), so that every row but the first-stage ones and the CVaR tail lies
    within one scenario and year (``optimizer.solvers.benders``).
    """
    m = pyo.ConcreteModel(name="offtake_portfolio")
    add_decisions(m, d)
    add_operations(m, d)

    funding.add_one_option_and_start_per_project(m, d)
    funding.add_decision_locks(m, d)
    funding.add_required_projects(m, d)
    funding.add_exclusive_groups(m, d)
    funding.add_capex_within_budget(m, d)
    funding.add_annual_capex_within_cap(m, d)
    finance.add_funding_in_every_scenario(m, d)
    operations.add_feed_within_capacity(m, d)
    operations.add_feed_within_feedstock(m, d)
    value_chain.add_feed_from_other_plants_and_spot(m, d)
    value_chain.add_feed_only_while_required_plant_runs(m, d)
    operations.add_output_balance(m, d)
    operations.add_deliveries_only_from_operating_plants(m, d)
    contracts.add_contract_volumes(m, d)
    contracts.add_contracts_need_their_plant(m, d)
    contracts.add_single_plant_service(m, d)
    contracts.add_spot_cover_only_while_plant_runs(m, d)
    operations.add_spot_purchases_within_availability(m, d)
    contracts.add_demand_coverage(m, d)
    contracts.add_exports_within_cap(m, d)
    tightening.add_coverage_needs_running_capacity(m, d)
    tightening.add_coverage_needs_signed_contracts(m, d)
    if decomposable:
        # A tighter Benders master (the example: 15.4 s -> 10.7 s). Left out of the extensive
        # form, where HiGHS 1.16 then runs its slow root cut rounds: beside the pool covers
        # below, the example's what-ifs took 41 s with it against 26.5 s without (the
        # rare-earth variant 23.8 s against 5.7 s); alone it measured no faster.
        tightening.add_coverage_needs_enough_plants(m, d)
    else:
        # Benders would put these rows in the operations blocks, where funding is fixed and
        # they cut nothing.
        tightening.add_feedstock_short_for_largest_plants(m, d)
    funding.add_capex_concentration_limits(m, d)
    contracts.add_revenue_concentration_limits(m, d, short_rows=not decomposable)
    finance.add_dscr_covenants(m, d)
    finance.add_contracted_share_minimum(m, d)

    objective.add_npv_ledger(m, d)
    risk.add_risk(m, d)
    objective.add_objective(m, d)
    return m


def fix_first_stage(
    m: pyo.ConcreteModel,
    funded: set[tuple[str, str, int]],
    signed: set[str],
    assigned: set[tuple[str, str]] | None = None,
) -> None:
    """Fix funding, signing (and, if given, single-plant assignments) to a plan, leaving operations."""
    for key in m.fund:
        m.fund[key].fix(1 if key in funded else 0)
    for c in m.sign:
        m.sign[c].fix(1 if c in signed else 0)
    if assigned is not None:
        for key in m.assign:
            m.assign[key].fix(1 if key in assigned else 0)


def add_decisions(m: pyo.ConcreteModel, d: ModelData) -> None:
    """``fund[p, o, y]``: fund option o of project p, construction from year y; ``sign[c]``;
    ``assign[c, p]``: single-plant contract c is served by plant p."""
    m.fund = pyo.Var(
        d.fund_keys, domain=pyo.Binary, doc="fund option o of project p, starting construction in year y"
    )
    m.sign = pyo.Var(d.contracts, domain=pyo.Binary, doc="sign contract c")
    m.assign = pyo.Var(
        [(c, p) for c in d.contracts if d.single_plant[c] for p in d.contract_plants.get(c, [])],
        domain=pyo.Binary,
        doc="single-plant contract c is served by plant p",
    )
    m.running = pyo.Var(
        d.plant_years, bounds=(0, 1), doc="1 if plant p is funded and running in year t (follows fund)"
    )
    m.running_definition = pyo.Constraint(
        d.plant_years,
        rule=lambda m, p, t: m.running[p, t] == sum(m.fund[k] for k in d.funds_operating[p, t]),
        doc="running = the funding choices that make the plant run in t",
    )
    delayed = [(p, t, s) for p, t in d.plant_years for s in d.scenarios if not d.runs_as_planned(p, t, s)]
    m.running_in_scenario = pyo.Var(
        delayed, bounds=(0, 1), doc="1 if plant p runs in year t of scenario s, where a delay moves its years"
    )
    m.running_in_scenario_definition = pyo.Constraint(
        delayed,
        rule=lambda m, p, t, s: (
            m.running_in_scenario[p, t, s] == sum(m.fund[k] for k in d.funds_operating_in(p, t, s))
        ),
        doc="running in a scenario = the funding choices that make the plant run in t there",
    )


def add_operations(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Per-year, per-scenario flows in tonnes, only where they can be non-zero."""
    s = d.scenarios
    m.feed = pyo.Var(
        [(p, t, sc) for p, t in d.plant_years for sc in s if can_run(d, p, t, sc)],
        domain=pyo.NonNegativeReals,
        doc="feed processed, t",
    )
    m.flow = pyo.Var(
        [(*arc, sc) for arc in d.arcs for sc in s if can_run(d, arc[0], arc[2], sc)],
        domain=pyo.NonNegativeReals,
        doc="delivered plant -> contract, t",
    )
    m.spot_sale = pyo.Var(
        [
            (p, mineral, t, sc)
            for p, t in d.plant_years
            for mineral in d.plant_minerals.get(p, [])
            for sc in s
            if can_run(d, p, t, sc)
        ],
        domain=pyo.NonNegativeReals,
        doc="surplus sold on the spot market, t",
    )
    m.transfer = pyo.Var(
        [
            (q, p, t, sc)
            for q, p, t in d.transfer_arcs
            for sc in s
            if can_run(d, q, t, sc) and can_run(d, p, t, sc)
        ],
        domain=pyo.NonNegativeReals,
        doc="output of plant q taken as feed by plant p, t",
    )
    m.feed_spot_buy = pyo.Var(
        [
            (p, t, sc)
            for p, f in d.feed_mineral.items()
            for t in sorted({t for q, t in d.plant_years if q == p})
            for sc in s
            if can_run(d, p, t, sc) and d.spot_availability_tpa[f, t, sc] != 0.0
        ],
        domain=pyo.NonNegativeReals,
        doc="feed bought on the spot market of the mineral the plant takes as feed, t",
    )
    m.spot_buy = pyo.Var(
        [
            (c, t, sc)
            for c, t in d.contract_years
            for sc in s
            if d.spot_availability_tpa[d.contract_mineral[c], t, sc] != 0.0
        ],
        domain=pyo.NonNegativeReals,
        doc="bought on the spot market to serve contract c, t",
    )
    m.shortfall = pyo.Var(
        [(c, t, sc) for c, t in d.contract_years for sc in s if d.shortfall_penalty_usd_per_t[c] is not None],
        domain=pyo.NonNegativeReals,
        doc="tonnes below the contract minimum, penalised",
    )
