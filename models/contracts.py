"""Contract rules: volume bands, who may serve a signed contract and from what, Japanese demand
coverage and export caps, revenue concentration.

Index letters: p project, c contract, t year, m mineral, s scenario.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import pyomo.core as pyo
from optimizer.models.arrays import add_definition_rows, add_upper_bound_rows
from optimizer.models.common import Skip, can_run, members, running, var_or_zero, var_sum
from optimizer.models.data import FundKey, ModelData, ShareLimit


def add_contract_volumes(m: pyo.ConcreteModel, d: ModelData) -> None:
    """A signed contract gets between its minimum (less a penalised shortfall) and its maximum.

    deliveries + spot purchases + shortfall >= min_tpa x sign[c]
    deliveries + spot purchases            <= max_tpa x sign[c]
    Unsigned contracts carry nothing; shortfall <= min_tpa x sign[c] (built from arrays).
    """

    def supplied(m: pyo.ConcreteModel, c: str, t: int, s: str) -> Any:
        delivered = var_sum(
            var_or_zero(m.flow, (p, c_, t_, s)) for p, c_, t_ in d.arcs_by_contract_year.get((c, t), [])
        )
        bought = var_or_zero(m.spot_buy, (c, t, s))
        return delivered + bought

    index = [(c, t, s) for c, t in d.contract_years for s in d.scenarios]

    def at_least_min(m: pyo.ConcreteModel, c: str, t: int, s: str) -> Any:
        if d.min_tpa[c] <= 0:
            return Skip
        short = var_or_zero(m.shortfall, (c, t, s))
        return supplied(m, c, t, s) + short >= d.min_tpa[c] * m.sign[c]

    def at_most_max(m: pyo.ConcreteModel, c: str, t: int, s: str) -> Any:
        body = supplied(m, c, t, s)
        if isinstance(body, int):
            return Skip
        return body <= d.max_tpa[c] * m.sign[c]

    m.contract_minimum = pyo.Constraint(index, rule=at_least_min, doc="contract minimum volume, t")
    m.contract_maximum = pyo.Constraint(index, rule=at_most_max, doc="contract maximum volume, t")
    add_upper_bound_rows(
        m,
        "shortfall_only_when_signed",
        ((key, short, d.min_tpa[key[0]], m.sign[key[0]]) for key, short in m.shortfall.items()),
        doc="shortfall only against a signed minimum, t",
    )


def serving_choices(d: ModelData, contract: str, plant: str) -> list[FundKey]:
    """The funding choices of ``plant`` that, as planned, run in at least one year of ``contract``."""
    years = set(d.years_of_contract.get(contract, []))
    return [k for k in d.funds_by_project.get(plant, []) if years & set(d.operating_years[k])]


def add_contracts_need_their_plant(m: pyo.ConcreteModel, d: ModelData) -> None:
    """A contract tied to a plant is signed only if that plant is funded and runs in one of its years.

    sign[c] <= sum_{(o,y): p's option o started in y runs in a year of c} fund[p,o,y]   (p = project[c])
    """
    tied = [c for c in d.contracts if d.contract_project[c] is not None]
    m.contract_needs_its_plant = pyo.Constraint(
        tied,
        rule=lambda m, c: (
            m.sign[c] <= sum(m.fund[k] for k in serving_choices(d, c, str(d.contract_project[c])))
        ),
        doc="a contract tied to a plant is signed only with that plant running in its years",
    )


def add_single_plant_service(m: pyo.ConcreteModel, d: ModelData) -> None:
    """A signed single-plant contract is served by exactly one plant, chosen once for all years and
    scenarios, that is funded and runs in one of its years; no other plant delivers to it.

    sum_p assign[c,p] = sign[c]
    assign[c,p] <= sum_{(o,y) of p running in a year of c} fund[p,o,y]
    flow[p,c,t,s] <= max_tpa[c] x assign[c,p]
    With one year, one scenario and firm contracts this is the single-source capacitated
    facility-location problem (x_ij = assign, y_i = fund).
    """
    single = [c for c in d.contracts if d.single_plant[c]]
    if not single:
        return
    m.one_plant_serves = pyo.Constraint(
        single,
        rule=lambda m, c: sum(m.assign[c, p] for p in d.contract_plants.get(c, [])) == m.sign[c],
        doc="a signed single-plant contract has one serving plant",
    )
    m.serving_plant_runs = pyo.Constraint(
        list(m.assign.index_set()),
        rule=lambda m, c, p: m.assign[c, p] <= sum(m.fund[k] for k in serving_choices(d, c, p)),
        doc="the serving plant is funded and runs in one of the contract's years",
    )
    m.deliveries_only_from_serving_plant = pyo.Constraint(
        [(p, c, t, s) for p, c, t, s in m.flow.index_set() if d.single_plant[c]],
        rule=lambda m, p, c, t, s: m.flow[p, c, t, s] <= d.max_tpa[c] * m.assign[c, p],
        doc="only the serving plant delivers to a single-plant contract, t",
    )


def add_spot_cover_only_while_plant_runs(m: pyo.ConcreteModel, d: ModelData) -> None:
    """A contract with ``spot_cover`` FALSE buys nothing spot in years its plant does not run.

    tied to p:        spot_buy[c,t,s] <= max_tpa[c] x running[p,t,s]
    single-plant:     spot_buy[c,t,s] <= max_tpa[c] x sum_p serving_runs[c,p,t,s],
                      serving_runs[c,p,t,s] <= assign[c,p], serving_runs[c,p,t,s] <= running[p,t,s]
    any plant:        spot_buy[c,t,s] <= max_tpa[c] x sum_{p with an arc} running[p,t,s]
    (years before its plant runs, or while a delay holds it back; with spot_cover TRUE, the
    default, spot may serve it in any year).
    """
    index = [(c, t, s) for c, t, s in m.spot_buy.index_set() if not d.spot_cover[c]]
    if not index:
        return
    plants = {c: d.contract_plants.get(c, []) for c, _, _ in index}
    serving = [
        (c, p, t, s) for c, t, s in index if d.single_plant[c] for p in plants[c] if can_run(d, p, t, s)
    ]
    m.serving_runs = pyo.Var(
        serving, bounds=(0, 1), doc="1 if plant p serves single-plant contract c and runs in t of s"
    )
    m.serving_runs_only_if_assigned = pyo.Constraint(
        serving, rule=lambda m, c, p, t, s: m.serving_runs[c, p, t, s] <= m.assign[c, p]
    )
    m.serving_runs_only_if_running = pyo.Constraint(
        serving, rule=lambda m, c, p, t, s: m.serving_runs[c, p, t, s] <= running(m, d, p, t, s)
    )

    def rule(m: pyo.ConcreteModel, c: str, t: int, s: str) -> Any:
        tied = d.contract_project[c]
        if tied is not None:
            runs = running(m, d, tied, t, s) if can_run(d, tied, t, s) else 0
        elif d.single_plant[c]:
            runs = sum(var_or_zero(m.serving_runs, (c, p, t, s)) for p in plants[c])
        else:
            runs = sum(running(m, d, p, t, s) for p in plants[c] if can_run(d, p, t, s))
        return m.spot_buy[c, t, s] <= d.max_tpa[c] * runs

    m.spot_cover_only_while_plant_runs = pyo.Constraint(
        index, rule=rule, doc="no spot purchases for the contract while its plant does not run, t"
    )


def add_exports_within_cap(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Where India caps a mineral's exports (an ``export`` shock), deliveries of it from the plants to
    buyers in Japan are at most that share of what the plants recover.

    sum_{arcs of m to buyers in Japan} flow[p,c,t,s] <= share[m,t,s] x sum_{p yields m} yield x shock x feed[p,t,s]
    (spot purchases are not Indian exports; Japanese coverage of m is waived then, see
    ``ModelData.coverage_applies``)
    """
    index = [
        (mineral, t, s)
        for (mineral, t, s) in d.export_share
        if any((*arc, s) in m.flow for arc in d.export_arcs.get((mineral, t), []))
    ]
    if not index:
        return

    def rule(m: pyo.ConcreteModel, mineral: str, t: int, s: str) -> Any:
        exported = sum(m.flow[(*arc, s)] for arc in d.export_arcs[mineral, t] if (*arc, s) in m.flow)
        recovered = sum(
            d.yields[p, mineral] * d.yield_factor(p, mineral, t, s) * m.feed[p, t, s]
            for p in d.plants_by_year.get(t, [])
            if (p, mineral) in d.yields and (p, t, s) in m.feed
        )
        return exported <= d.export_share[mineral, t, s] * recovered

    m.exports_within_cap = pyo.Constraint(
        index, rule=rule, doc="deliveries to Japan within the export cap, t"
    )


def drop_idle_signatures(m: pyo.ConcreteModel, d: ModelData, tolerance_t: float = 1e-6) -> list[str]:
    """Unsign each signed contract that delivers nothing, buys nothing, owes nothing and costs nothing.

    Signing it or not gives the same objective (a tie the solver may break either way, within
    any MIP gap): the tie is broken against signing, after the solve. Locked contracts stay.
    Every rule still holds: such a contract has no flows, no shortfall, no prepayment and no
    signing cost, so unsigning it frees rows and moves no money. Returns the contracts unsigned.
    """
    moved = {c: 0.0 for c in d.contracts}
    for key in m.flow:
        moved[key[1]] += abs(m.flow[key].value or 0.0)
    for key in m.spot_buy:
        moved[key[0]] += abs(m.spot_buy[key].value or 0.0)
    for key in m.shortfall:
        moved[key[0]] += abs(m.shortfall[key].value or 0.0)
    idle = [
        c
        for c in d.contracts
        if (m.sign[c].value or 0.0) > 0.5
        and not m.sign[c].fixed
        and m.sign[c].lb < 0.5
        and moved[c] <= tolerance_t
        and d.prepayment_usd_m[c] == 0
        and d.signing_cost_usd_m[c] == 0
    ]
    for c in idle:
        m.sign[c].set_value(0)
        for p in d.contract_plants.get(c, []):
            if (c, p) in m.assign:
                m.assign[c, p].set_value(0)
    for c, p, t, s in m.component("serving_runs") or []:
        if c in idle:
            m.serving_runs[c, p, t, s].set_value(0)
    return idle


def add_demand_coverage(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Contracted deliveries from funded plants to buyers in the demand's country cover its required share.

    sum_{arcs of mineral m in t to buyers in the demand's country} flow[p,c,t,s] >= min_coverage x demand_t
    (spot does not count). Demand that no arc can serve is reported by ``ModelData.uncoverable_demand``.
    Not where an export cap on m holds for Japanese demand (``ModelData.coverage_applies``): the
    target is India's policy then, not the portfolio's to meet.
    """
    index = [
        (mineral, t, s)
        for (mineral, t), need in d.coverage_required_t.items()
        if need > 0 and d.coverage_arcs.get((mineral, t))
        for s in d.scenarios
        if d.coverage_applies(mineral, t, s)
    ]

    def rule(m: pyo.ConcreteModel, mineral: str, t: int, s: str) -> Any:
        covered = sum(var_or_zero(m.flow, (*arc, s)) for arc in d.coverage_arcs[mineral, t])
        if isinstance(covered, int):  # a delay keeps every plant that could cover it idle
            return pyo.Constraint.Infeasible
        return covered >= d.coverage_required_t[mineral, t]

    m.demand_coverage = pyo.Constraint(index, rule=rule, doc="demand coverage from funded plants, t")


def add_revenue_concentration_limits(m: pyo.ConcreteModel, d: ModelData, *, short_rows: bool = True) -> None:
    """No buyer or mineral takes more than its share of expected contracted revenue (discounted).

    contract_revenue[c] = sum_s p_s sum_t df[t] price[c,t,s] (deliveries + spot purchases)
    sum_{c in member} contract_revenue[c] <= max_share x sum_c contract_revenue[c]
    With ``short_rows`` revenue per contract and in total are variables, so each limit row
    stays short; without, revenue is a variable per scenario and year instead
    (``add_revenue_limits_by_year``), so a decomposition splits each limit row by block.
    """
    limits = [limit for limit in d.limits if not limit.of_capex]
    if not limits:
        return
    by_member = tightest_per_member(limits)  # keyed like the capex limits, so explanations can name them
    if not short_rows:
        add_revenue_limits_by_year(m, d, by_member)
        return
    m.contract_revenue_usd_m = pyo.Var(
        d.contracts, domain=pyo.NonNegativeReals, doc="expected discounted revenue per contract, USD m"
    )
    m.contract_revenue_definition = pyo.Constraint(
        d.contracts, rule=lambda m, c: m.contract_revenue_usd_m[c] == expected_contract_revenue_usd_m(m, d, c)
    )
    m.total_contract_revenue_usd_m = pyo.Var(
        domain=pyo.NonNegativeReals, doc="expected discounted revenue of all contracts, USD m"
    )
    m.total_contract_revenue_definition = pyo.Constraint(
        expr=m.total_contract_revenue_usd_m == sum(m.contract_revenue_usd_m[c] for c in d.contracts)
    )
    m.revenue_share_within_limit = pyo.Constraint(
        list(by_member),
        rule=lambda m, dimension, member: (
            sum(m.contract_revenue_usd_m[c] for c in by_member[dimension, member].contracts)
            <= by_member[dimension, member].max_share * m.total_contract_revenue_usd_m
        ),
        doc="share of expected contracted revenue per buyer or mineral",
    )


def add_revenue_limits_by_year(
    m: pyo.ConcreteModel, d: ModelData, by_member: dict[tuple[str, str], ShareLimit]
) -> None:
    """The revenue-share limits with revenue per scenario and year (for the decomposition).

    member_revenue[d,m,t,s] = p_s df[t] sum_{c in member} price (deliveries + spot purchases)
    year_revenue[t,s]       = the same over every contract
    sum_{t,s} member_revenue[d,m,t,s] <= max_share x sum_{t,s} year_revenue[t,s]
    """
    blocks = [(t, s) for t in d.years for s in d.scenarios]

    @functools.cache
    def revenue_terms(t: int, s: str) -> dict[str, tuple[float, list[Any]]]:
        """Per contract of year t: p_s df[t] price[c,t,s] and its deliveries and spot purchase
        (a contract is in its buyer's row, its mineral's and the year's: gathered once)."""
        terms: dict[str, tuple[float, list[Any]]] = {}
        flow, spot_buy = members(m.flow), members(m.spot_buy)
        for c in d.contracts_by_year.get(t, []):
            coef = d.probability[s] * d.discount_factor[t] * d.price_usd_m_per_t(c, t, s)
            supplies = [
                delivered
                for p, _, _ in d.arcs_by_contract_year.get((c, t), [])
                if (delivered := flow.get((p, c, t, s))) is not None
            ]
            if (bought := spot_buy.get((c, t, s))) is not None:
                supplies.append(bought)
            terms[c] = (coef, supplies)
        return terms

    def revenue(contracts: Iterable[str], t: int, s: str) -> list[tuple[float, list[Any]]]:
        """p_s df[t] sum_c price[c,t,s] (deliveries + spot purchases): (price term, supplies) per contract."""
        terms = revenue_terms(t, s)
        return [terms[c] for c in contracts if c in terms]

    limited = list(by_member)
    m.member_revenue_usd_m = pyo.Var(
        [(*key, t, s) for key in limited for t, s in blocks],
        domain=pyo.NonNegativeReals,
        doc="expected discounted revenue of a limited member's contracts in one year and scenario, USD m",
    )
    add_definition_rows(  # from arrays: a large case's rows hold 10M terms
        m,
        "member_revenue_definition",
        (
            (key, var, revenue(by_member[key[0], key[1]].contracts, key[2], key[3]))
            for key, var in m.member_revenue_usd_m.items()
        ),
        doc="member_revenue = its contracts' expected discounted revenue in the year and scenario, USD m",
    )
    m.year_revenue_usd_m = pyo.Var(
        blocks, domain=pyo.NonNegativeReals, doc="expected discounted revenue of all contracts, USD m"
    )
    add_definition_rows(
        m,
        "year_revenue_definition",
        ((key, var, revenue(d.contracts, *key)) for key, var in m.year_revenue_usd_m.items()),
        doc="year_revenue = every contract's expected discounted revenue in the year and scenario, USD m",
    )
    m.revenue_share_within_limit = pyo.Constraint(
        limited,
        rule=lambda m, dim, member: (
            sum(m.member_revenue_usd_m[dim, member, t, s] for t, s in blocks)
            <= by_member[dim, member].max_share * sum(m.year_revenue_usd_m[t, s] for t, s in blocks)
        ),
        doc="share of expected contracted revenue per buyer or mineral",
    )
    revenue_terms.cache_clear()  # the rows are built: the model keeps no copy of the terms


def tightest_per_member(limits: Iterable[ShareLimit]) -> dict[tuple[str, str], ShareLimit]:
    """One limit per (dimension, member): a member limited on its own and under ``*`` keeps the tighter."""
    chosen: dict[tuple[str, str], ShareLimit] = {}
    for limit in limits:
        key = (limit.dimension, limit.member)
        if key not in chosen or limit.max_share < chosen[key].max_share:
            chosen[key] = limit
    return chosen


def expected_contract_revenue_usd_m(m: pyo.ConcreteModel, d: ModelData, contract: str) -> Any:
    """Probability-weighted, discounted revenue of one contract, USD m."""
    years = d.years_of_contract.get(contract, [])
    return sum(
        d.probability[s]
        * d.discount_factor[t]
        * d.price_usd_m_per_t(contract, t, s)
        * (
            sum(
                var_or_zero(m.flow, (p, contract, t, s))
                for p, _, _ in d.arcs_by_contract_year.get((contract, t), [])
            )
            + var_or_zero(m.spot_buy, (contract, t, s))
        )
        for s in d.scenarios
        for t in years
    )


def serving_plant(m: pyo.ConcreteModel, d: ModelData, contract: str) -> str | None:
    """The plant that serves (and owns) a contract: the one it names, or the one the optimiser
    assigned to a single-plant contract; None for a contract any plant may serve, or unsigned."""
    if d.contract_project[contract] is not None:
        return d.contract_project[contract]
    for p in d.contract_plants.get(contract, []):
        if (contract, p) in m.assign and (m.assign[contract, p].value or 0.0) > 0.5:
            return p
    return None
