"""Contract rules: volume bands of signed contracts, Japanese demand coverage, revenue concentration.

Index letters: p project, c contract, t year, m mineral, s scenario.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyomo.environ as pyo
from optimizer.models.common import Skip, var_or_zero
from optimizer.models.data import ModelData, ShareLimit


def add_contract_volumes(m: pyo.ConcreteModel, d: ModelData) -> None:
    """A signed contract gets between its minimum (less a penalised shortfall) and its maximum.

    deliveries + spot purchases + shortfall >= min_tpa x sign[c]
    deliveries + spot purchases            <= max_tpa x sign[c]
    Unsigned contracts carry nothing.
    """

    def supplied(m: pyo.ConcreteModel, c: str, t: int, s: str) -> Any:
        delivered = sum(m.flow[p, c_, t_, s] for p, c_, t_ in d.arcs_by_contract_year.get((c, t), []))
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
    shortfall_index = list(m.shortfall.index_set())
    m.shortfall_only_when_signed = pyo.Constraint(
        shortfall_index,
        rule=lambda m, c, t, s: m.shortfall[c, t, s] <= d.min_tpa[c] * m.sign[c],
        doc="shortfall only against a signed minimum, t",
    )


def add_demand_coverage(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Contracted deliveries from funded plants to buyers in the demand's country cover its required share.

    sum_{arcs of mineral m in t to buyers in the demand's country} flow[p,c,t,s] >= min_coverage x demand_t
    (spot does not count). Demand that no arc can serve is reported by ``ModelData.uncoverable_demand``.
    """
    index = [
        (mineral, t, s)
        for (mineral, t), need in d.coverage_required_t.items()
        if need > 0 and d.coverage_arcs.get((mineral, t))
        for s in d.scenarios
    ]

    def rule(m: pyo.ConcreteModel, mineral: str, t: int, s: str) -> Any:
        arcs = d.coverage_arcs[mineral, t]
        return sum(m.flow[p, c, t_, s] for p, c, t_ in arcs) >= d.coverage_required_t[mineral, t]

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

    def revenue(contracts: Iterable[str], t: int, s: str) -> Any:
        return sum(
            d.probability[s]
            * d.discount_factor[t]
            * d.price_usd_m_per_t(c, t, s)
            * (
                sum(m.flow[p, c, t, s] for p, _, _ in d.arcs_by_contract_year.get((c, t), []))
                + var_or_zero(m.spot_buy, (c, t, s))
            )
            for c in contracts
            if (c, t) in d.contract_year_set
        )

    members = list(by_member)
    m.member_revenue_usd_m = pyo.Var(
        [(*key, t, s) for key in members for t, s in blocks],
        domain=pyo.NonNegativeReals,
        doc="expected discounted revenue of a limited member's contracts in one year and scenario, USD m",
    )
    m.member_revenue_definition = pyo.Constraint(
        list(m.member_revenue_usd_m.index_set()),
        rule=lambda m, dim, member, t, s: (
            m.member_revenue_usd_m[dim, member, t, s] == revenue(by_member[dim, member].contracts, t, s)
        ),
    )
    m.year_revenue_usd_m = pyo.Var(
        blocks, domain=pyo.NonNegativeReals, doc="expected discounted revenue of all contracts, USD m"
    )
    m.year_revenue_definition = pyo.Constraint(
        blocks, rule=lambda m, t, s: m.year_revenue_usd_m[t, s] == revenue(d.contracts, t, s)
    )
    m.revenue_share_within_limit = pyo.Constraint(
        members,
        rule=lambda m, dim, member: (
            sum(m.member_revenue_usd_m[dim, member, t, s] for t, s in blocks)
            <= by_member[dim, member].max_share * sum(m.year_revenue_usd_m[t, s] for t, s in blocks)
        ),
        doc="share of expected contracted revenue per buyer or mineral",
    )


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
            sum(m.flow[p, contract, t, s] for p, _, _ in d.arcs_by_contract_year.get((contract, t), []))
            + var_or_zero(m.spot_buy, (contract, t, s))
        )
        for s in d.scenarios
        for t in years
    )
