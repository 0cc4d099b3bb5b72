"""Funding rules: which projects, at which size and start year, within which money.

Index letters: p project, o option, y start year, t year, c contract.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyomo.core as pyo
from optimizer.models.common import funded
from optimizer.models.contracts import tightest_per_member
from optimizer.models.data import FundKey, ModelData


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
    """The portfolio's own money stays within the budget: capex less debt, widened by prepayments.

    sum_k (capex[k] - debt[k]) fund[k] <= budget + sum_c prepayment[c] sign[c]
    capex[k] is committed capex in USD (at the unshocked exchange rates), debt[k] the loan
    a funded choice draws (``models/debt.py``); shocks to capex are the contingency's
    (``finance.add_funding_in_every_scenario``).
    """
    if d.budget_usd_m is None:
        return
    budget = d.budget_usd_m
    m.capex_within_budget = pyo.Constraint(
        expr=sum(equity_usd_m(d, k) * m.fund[k] for k in d.fund_keys)
        - sum(d.prepayment_usd_m[c] * m.sign[c] for c in d.prepayment)
        <= budget,
        doc="own money (capex less debt) within budget, USD m",
    )


def equity_usd_m(d: ModelData, key: FundKey) -> float:
    """Committed capex of a funding choice less the debt it draws: the portfolio's own money in it."""
    loan = d.debt.get(key)
    return d.fund_capex_usd_m[key] - (loan.amount_usd_m if loan is not None else 0.0)


def equity_spent_usd_m(d: ModelData, key: FundKey, year: int, scenario: str | None = None) -> float:
    """Capex of a funding choice spent in ``year`` (shocked in ``scenario``, if given) less debt drawn then."""
    spent = d.capex_spend_usd_m[key].get(year, 0.0)
    if scenario is not None:
        spent *= d.capex_factor(key[0], year, scenario)
    loan = d.debt.get(key)
    return spent - (loan.drawn_usd_m.get(year, 0.0) if loan is not None else 0.0)


def prepayments_arriving(d: ModelData, year: int) -> list[str]:
    """Contracts whose prepayment arrives in ``year``."""
    return [c for c, schedule in d.prepayment.items() if year in schedule.drawn_usd_m]


def add_annual_capex_within_cap(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Own money spent on capex in a year stays within the annual cap plus prepayments arriving that year.

    sum_k (spend[k,t] - drawn[k,t]) fund[k] <= annual_cap + sum_{c starts in t} prepayment[c] sign[c]
    """
    if d.annual_budget_usd_m is None:
        return
    cap = d.annual_budget_usd_m
    spend_years = sorted({t for schedule in d.capex_spend_usd_m.values() for t in schedule})

    def rule(m: pyo.ConcreteModel, t: int) -> Any:
        spent = sum(
            equity_spent_usd_m(d, k, t) * m.fund[k] for k in d.fund_keys if t in d.capex_spend_usd_m[k]
        )
        return spent - sum(d.prepayment_usd_m[c] * m.sign[c] for c in prepayments_arriving(d, t)) <= cap

    m.annual_capex_within_cap = pyo.Constraint(spend_years, rule=rule, doc="annual own money on capex, USD m")


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
        return sum(d.fund_capex_usd_m[k] * m.fund[k] for p in projects for k in d.funds_by_project.get(p, []))

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
