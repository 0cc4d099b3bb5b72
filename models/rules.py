"""The business rules, one function per constraint family.

Each function adds one named, indexed constraint whose name reads as the rule
(``capex_within_budget``) and returns early when the case has nothing for it to do.
Index letters: p project, o option, y start year, t year, c contract, m mineral,
f feedstock, s scenario.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyomo.environ as pyo
from optimizer.models.data import ModelData, ShareLimit

Skip = pyo.Constraint.Skip


def var_or_zero(var: Any, key: tuple[Any, ...]) -> Any:
    """The variable at ``key`` if the sparse index has it, else the constant 0."""
    return var[key] if key in var else 0  # noqa: SIM401 (Pyomo components have no .get)


def funded(m: pyo.ConcreteModel, d: ModelData, project: str) -> Any:
    """Linear expression: 1 if the project is funded (any option, any start), else 0."""
    return sum(m.fund[k] for k in d.funds_by_project.get(project, []))


def add_one_option_and_start_per_project(m: pyo.ConcreteModel, d: ModelData) -> None:
    """A project is funded at most once: one size option, one start year.

    sum_{o,y} fund[p,o,y] <= 1
    """
    m.one_option_and_start = pyo.Constraint(
        [p for p in d.projects if len(d.funds_by_project.get(p, [])) > 1],
        rule=lambda m, p: funded(m, d, p) <= 1,
        doc="each project funded at most once",
    )


def add_decision_locks(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Locks from the ``decision`` column: rejected choices are fixed to 0, forced ones sum to 1.

    reject: fund[p,o,y] = 0 for all o,y;  fund[:OPTION][:YEAR]: sum over allowed (o,y) = 1;
    contracts: sign[c] = 1 (sign) or 0 (reject).
    """
    for key in d.fund_keys:
        if not d.decisions[key[0]].allows(key[1], key[2]):
            m.fund[key].setub(0)
    forced = [p for p in d.projects if d.decisions[p].fund is True]
    m.funding_locked = pyo.Constraint(
        forced,
        rule=lambda m, p: (
            sum(m.fund[k] for k in d.funds_by_project.get(p, []) if d.decisions[p].allows(k[1], k[2])) == 1
        ),
        doc="projects whose decision is fund",
    )
    for c, decision in d.contract_decision.items():
        if decision == "sign":
            m.sign[c].setlb(1)
        elif decision == "reject":
            m.sign[c].setub(0)


def add_required_projects(m: pyo.ConcreteModel, d: ModelData) -> None:
    """A project that requires another (a refinery its black-mass plant) is funded only with it.

    sum_{o,y} fund[p,o,y] <= sum_{o,y} fund[q,o,y]   for each (p requires q)
    """
    m.required_project_funded = pyo.Constraint(
        d.requires, rule=lambda m, p, q: funded(m, d, p) <= funded(m, d, q), doc="requires"
    )


def add_exclusive_groups(m: pyo.ConcreteModel, d: ModelData) -> None:
    """At most one project of an exclusive group (alternative sites of one plant) is funded.

    sum_{p in g} sum_{o,y} fund[p,o,y] <= 1
    """
    m.one_project_per_exclusive_group = pyo.Constraint(
        list(d.exclusive_groups),
        rule=lambda m, g: sum(funded(m, d, p) for p in d.exclusive_groups[g]) <= 1,
        doc="exclusive groups",
    )


def add_capex_within_budget(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Total capex of funded options stays within the budget plus prepayments of signed contracts.

    sum_{p,o,y} capex[p,o] fund[p,o,y] <= budget + sum_c prepayment[c] sign[c]
    """
    if d.budget_usd_m is None:
        return
    budget = d.budget_usd_m
    m.capex_within_budget = pyo.Constraint(
        expr=sum(d.capex_usd_m[k[0], k[1]] * m.fund[k] for k in d.fund_keys)
        - sum(d.prepayment_usd_m[c] * m.sign[c] for c in d.contracts if d.prepayment_usd_m[c] > 0)
        <= budget,
        doc="capex within budget, USD m",
    )


def add_annual_capex_within_cap(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Capex spent in a year stays within the annual cap plus prepayments arriving that year.

    sum_{p,o,y} spend[p,o,y,t] fund[p,o,y] <= annual_cap + sum_{c starts in t} prepayment[c] sign[c]
    """
    if d.annual_budget_usd_m is None:
        return
    cap = d.annual_budget_usd_m
    spend_years = sorted({t for schedule in d.capex_spend_usd_m.values() for t in schedule})
    arriving = {
        t: [c for c in d.contracts if d.prepayment_usd_m[c] > 0 and d.prepayment_years[c][0] == t]
        for t in spend_years
    }

    def rule(m: pyo.ConcreteModel, t: int) -> Any:
        spent = sum(d.capex_spend_usd_m[k][t] * m.fund[k] for k in d.fund_keys if t in d.capex_spend_usd_m[k])
        return spent - sum(d.prepayment_usd_m[c] * m.sign[c] for c in arriving[t]) <= cap

    m.annual_capex_within_cap = pyo.Constraint(spend_years, rule=rule, doc="annual capex cap, USD m")


def add_feed_within_capacity(m: pyo.ConcreteModel, d: ModelData) -> None:
    """A plant processes no more feed than the capacity of the option funded, once it runs.

    feed[p,t,s] <= sum_{(o,y) running in t} capacity[p,o] fund[p,o,y]
    """
    m.feed_within_capacity = pyo.Constraint(
        list(m.feed.index_set()),
        rule=lambda m, p, t, s: (
            m.feed[p, t, s] <= sum(d.capacity_tpa[k[0], k[1]] * m.fund[k] for k in d.funds_operating[p, t])
        ),
        doc="feed within capacity, t",
    )


def add_feed_within_feedstock(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Plants sharing a feedstock together use no more than is available that year.

    sum_{p uses f} feed[p,t,s] <= available[f,t]
    """
    index = [
        (f, t, s)
        for (f, t) in d.feedstock_available_t
        for s in d.scenarios
        if any((p, t, s) in m.feed for p in d.feedstock_projects.get(f, []))
    ]

    def rule(m: pyo.ConcreteModel, f: str, t: int, s: str) -> Any:
        feed = sum(m.feed[p, t, s] for p in d.feedstock_projects[f] if (p, t, s) in m.feed)
        return feed <= d.feedstock_available_t[f, t]

    m.feed_within_feedstock = pyo.Constraint(index, rule=rule, doc="feedstock availability, t")


def add_output_balance(m: pyo.ConcreteModel, d: ModelData) -> None:
    """What a plant delivers and sells spot is at most what it recovers from its feed.

    sum_c flow[p,c,t,s] + spot_sale[p,m,t,s] <= yield[p,m] x shock x feed[p,t,s]
    """

    def rule(m: pyo.ConcreteModel, p: str, mineral: str, t: int, s: str) -> Any:
        delivered = sum(
            m.flow[pa, ca, ta, s] for pa, ca, ta in d.arcs_by_plant_mineral_year.get((p, mineral, t), [])
        )
        recovered = d.yields[p, mineral] * d.yield_factor(p, mineral, t, s) * m.feed[p, t, s]
        return delivered + m.spot_sale[p, mineral, t, s] <= recovered

    m.output_balance = pyo.Constraint(list(m.spot_sale.index_set()), rule=rule, doc="recovered output, t")


def add_deliveries_only_from_operating_plants(m: pyo.ConcreteModel, d: ModelData) -> None:
    """An arc carries flow only while its plant runs: the tight facility-location link.

    flow[p,c,t,s] <= max_tpa[c] x running[p,t],   running[p,t] = sum_{(o,y) running in t} fund[p,o,y]
    (``running`` keeps each of these many rows at two nonzeros.)
    """
    m.deliveries_only_from_operating_plants = pyo.Constraint(
        list(m.flow.index_set()),
        rule=lambda m, p, c, t, s: m.flow[p, c, t, s] <= d.max_tpa[c] * m.running[p, t],
        doc="flow only from a running plant, t",
    )


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


def add_spot_purchases_within_availability(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Spot purchases of a mineral stay within what the spot market offers that year.

    sum_{c of mineral m} spot_buy[c,t,s] <= availability[m,t,s]
    """
    by_mineral: dict[tuple[str, int, str], list[tuple[str, int, str]]] = {}
    for c, t, s in m.spot_buy.index_set():
        by_mineral.setdefault((d.contract_mineral[c], t, s), []).append((c, t, s))
    index = [k for k in by_mineral if d.spot_availability_tpa[k] is not None]
    m.spot_purchases_within_availability = pyo.Constraint(
        index,
        rule=lambda m, mineral, t, s: (
            sum(m.spot_buy[k] for k in by_mineral[mineral, t, s]) <= d.spot_availability_tpa[mineral, t, s]
        ),
        doc="spot availability, t",
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


def add_capex_concentration_limits(m: pyo.ConcreteModel, d: ModelData) -> None:
    """No sponsor, state or project kind takes more than its share of the funded capex.

    funded_capex = sum_{p,o,y} capex[p,o] fund[p,o,y]
    sum_{p in member} capex[p,o] fund[p,o,y] <= max_share x funded_capex
    (``funded_capex`` is one variable, so each limit row holds only its member's terms.)
    """
    limits = [limit for limit in d.limits if limit.of_capex]
    if not limits:
        return

    def capex(projects: Iterable[str]) -> Any:
        return sum(
            d.capex_usd_m[k[0], k[1]] * m.fund[k] for p in projects for k in d.funds_by_project.get(p, [])
        )

    m.funded_capex_usd_m = pyo.Var(domain=pyo.NonNegativeReals, doc="capex of the funded options, USD m")
    m.funded_capex_definition = pyo.Constraint(expr=m.funded_capex_usd_m == capex(d.projects))
    by_member = tightest_per_member(limits)
    m.capex_share_within_limit = pyo.Constraint(
        list(by_member),
        rule=lambda m, dimension, member: (
            capex(by_member[dimension, member].projects)
            <= by_member[dimension, member].max_share * m.funded_capex_usd_m
        ),
        doc="share of funded capex per sponsor, state or kind",
    )


def add_revenue_concentration_limits(m: pyo.ConcreteModel, d: ModelData, *, short_rows: bool = True) -> None:
    """No buyer or mineral takes more than its share of expected contracted revenue (discounted).

    contract_revenue[c] = sum_s p_s sum_t df[t] price[c,t,s] (deliveries + spot purchases)
    sum_{c in member} contract_revenue[c] <= max_share x sum_c contract_revenue[c]
    With ``short_rows`` revenue per contract and in total are variables, so each limit row
    stays short; without, each limit row holds its revenue terms (one row that a
    decomposition splits by scenario and year).
    """
    limits = [limit for limit in d.limits if not limit.of_capex]
    if not limits:
        return
    if not short_rows:
        revenue = {c: expected_contract_revenue_usd_m(m, d, c) for c in d.contracts}
        m.revenue_share_within_limit = pyo.Constraint(
            range(len(limits)),
            rule=lambda m, i: (
                (1 - limits[i].max_share) * sum(revenue[c] for c in limits[i].contracts)
                - limits[i].max_share
                * sum(revenue[c] for c in d.contracts if c not in set(limits[i].contracts))
                <= 0
            ),
            doc="share of expected contracted revenue per buyer or mineral",
        )
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
    by_member = tightest_per_member(limits)  # keyed like the capex limits, so explanations can name them
    m.revenue_share_within_limit = pyo.Constraint(
        list(by_member),
        rule=lambda m, dimension, member: (
            sum(m.contract_revenue_usd_m[c] for c in by_member[dimension, member].contracts)
            <= by_member[dimension, member].max_share * m.total_contract_revenue_usd_m
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
