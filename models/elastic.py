"""Elastic model: every limit gets a priced slack, to say which limits make a case infeasible.

``relax(m, FAMILIES)`` takes a built model and, for each named constraint family present,
replaces each row ``lower <= body <= upper`` by ``body + below >= lower`` and
``body - above <= upper`` with non-negative slacks in the row's own business unit (USD m
for budgets, tonnes for volumes). The objective becomes: minimise the sum of slacks, each
divided by the size of its limit, so the answer is the smallest relaxation in relative
terms (moving a USD 400m budget by USD 4m weighs as much as a 1,000 t coverage by 10 t).
The rule modules stay untouched: this works on the constraint components by name.

Families not listed here (capacity, output balance, flow links, one option per project)
are physics and bookkeeping, not limits a financier can move, and stay hard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pyomo.core as pyo
from optimizer.models.tightening import VALID_INEQUALITIES
from pyomo.repn import generate_standard_repn

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Family:
    """A limit family: how to say that its row ``key`` is short by ``amount`` (in its unit)."""

    unit: str  # "usd_m" or "t"
    describe: Callable[[Key, str], str]  # (key without scenario, amount text) -> sentence
    per_scenario: bool = False  # the key's last element is the scenario
    per_year: bool = False  # the key's last element (before any scenario) is the year
    weight: float = 1.0


def usd_m_text(amount: float) -> str:
    return f"USD {amount:,.1f}m" if abs(amount) >= 0.05 else f"USD {amount:,.3f}m"


def tonnes_text(amount: float) -> str:
    return f"{amount:,.0f} t" if abs(amount) >= 0.5 else f"{amount:,.3f} t"


FAMILIES: dict[str, Family] = {
    "capex_within_budget": Family("usd_m", lambda k, a: f"budget short by {a}"),
    "annual_capex_within_cap": Family(
        "usd_m", lambda k, a: f"annual capex cap in {k[0]} short by {a}", per_year=True
    ),
    "demand_coverage": Family(
        "t", lambda k, a: f"{k[0]} coverage in {k[1]} short by {a}", per_scenario=True, per_year=True
    ),
    "contract_minimum": Family(
        "t", lambda k, a: f"contract {k[0]} minimum in {k[1]} short by {a}", per_scenario=True, per_year=True
    ),
    "feed_within_feedstock": Family(
        "t", lambda k, a: f"feedstock {k[0]} in {k[1]} short by {a}", per_scenario=True, per_year=True
    ),
    "spot_purchases_within_availability": Family(
        "t",
        lambda k, a: f"{k[0]} spot availability in {k[1]} short by {a}",
        per_scenario=True,
        per_year=True,
    ),
    "funding_locked": Family(
        "lock", lambda k, a: f"project {k[0]} cannot be funded as its decision lock requires; unlock it"
    ),
    "cvar_floor": Family("usd_m", lambda k, a: f"CVaR floor (min_cvar_npv_usd_m) too high by {a}"),
    "capex_share_within_limit": Family(
        "usd_m", lambda k, a: f"{k[0]} {k[1]}'s share of funded capex over its limit by {a} of capex"
    ),
    "revenue_share_within_limit": Family(
        "usd_m",
        lambda k, a: f"{k[0]} {k[1]}'s share of contract revenue over its limit by {a} of expected revenue",
    ),
    "dscr_covenant": Family(
        "usd_m",
        lambda k, a: (
            f"{k[0]}'s cash available for debt service in {k[1]} short of min_dscr x its debt service by {a}"
        ),
        per_scenario=True,
        per_year=True,
    ),
    "contracted_share_minimum": Family(
        "usd_m",
        lambda k, a: (
            f"{k[0]}'s sales in {k[1]} under contracts as long as its debt short of min_contracted_share by {a}"
        ),
        per_scenario=True,
        per_year=True,
    ),
    "funding_within_budget": Family(
        "usd_m", lambda k, a: f"own money for the capex overruns over the budget by {a}", per_scenario=True
    ),
    "annual_funding_within_cap": Family(
        "usd_m",
        lambda k, a: f"own money for capex in {k[0]} with its overruns over the annual cap by {a}",
        per_scenario=True,
        per_year=True,
    ),
    "overruns_within_contingency": Family(
        "usd_m", lambda k, a: f"contingency (contingency_usd_m) short by {a}", per_scenario=True
    ),
}
"""Constraint component name -> wording. A new limit family needs one line here."""


@dataclass(frozen=True)
class Slack:
    """One relaxed side of one row: ``var`` is how far the row's limit must move."""

    family: str
    key: Key
    var: Any
    scale: float


def row_keys(component: Any) -> list[Key]:
    """Index keys of a constraint component as tuples (a scalar constraint has key ``()``)."""
    if not component.is_indexed():
        return [()]
    return [k if isinstance(k, tuple) else (k,) for k in component]


def row(component: Any, key: Key) -> Any:
    if not component.is_indexed():
        return component
    return component[key if len(key) > 1 else key[0]]


def limit_scale(bound: float, body: Any) -> float:
    """The size of a limit, to price its slack relatively: the bound, else the largest coefficient.

    ``supplied >= min_tpa x sign`` has bound 0; its size is ``min_tpa``.
    """
    if abs(bound) > 1e-9:
        return abs(bound)
    repn = generate_standard_repn(body, compute_values=True)
    coefficients = [abs(float(c)) for c in repn.linear_coefs]
    return max([c for c in coefficients if c > 1e-9], default=1.0)


def relax(m: pyo.ConcreteModel, families: Iterable[str]) -> list[Slack]:
    """Give each row of each named family a slack; minimise the priced sum of slacks."""
    slacks: list[Slack] = []
    for name in VALID_INEQUALITIES:  # derived from the limits about to be relaxed
        component = m.component(name)
        if component is not None:
            component.deactivate()
    m.elastic_rows = pyo.ConstraintList(doc="limit rows with their slack")
    m.elastic_slack = pyo.VarList(domain=pyo.NonNegativeReals, doc="how far a limit must move")
    for name in families:
        component = m.component(name)
        if component is None or not isinstance(component, pyo.Constraint):
            continue
        for key in row_keys(component):
            con = row(component, key)
            if not con.active:
                continue
            body = con.body
            lower = None if con.lower is None else pyo.value(con.lower)
            upper = None if con.upper is None else pyo.value(con.upper)
            con.deactivate()
            if lower is not None:
                below = m.elastic_slack.add()
                m.elastic_rows.add(body + below >= lower)
                slacks.append(Slack(name, key, below, limit_scale(lower, body)))
            if upper is not None:
                above = m.elastic_slack.add()
                m.elastic_rows.add(body - above <= upper)
                slacks.append(Slack(name, key, above, limit_scale(upper, body)))
    for objective in m.component_data_objects(pyo.Objective, active=True):
        objective.deactivate()
    m.smallest_relaxation = pyo.Objective(
        expr=sum(FAMILIES[s.family].weight / s.scale * s.var for s in slacks) if slacks else 0.0,
        sense=pyo.minimize,
        doc="sum of slacks, each relative to its limit",
    )
    return slacks


@dataclass(frozen=True)
class Shortfall:
    """A limit that must move: family, row key (without scenario), amount in its unit, scenarios."""

    family: str
    key: Key
    amount: float
    scenarios: tuple[str, ...]

    def amount_text(self) -> str:
        unit = FAMILIES[self.family].unit
        return {"usd_m": usd_m_text, "t": tonnes_text}.get(unit, lambda a: f"{a:g}")(self.amount)

    def sentence(self, scenario_count: int, last_year: int | None = None) -> str:
        """The shortfall in words; ``last_year`` makes it a run of years with the same amount."""
        family = FAMILIES[self.family]
        key, text = self.key, self.amount_text()
        if last_year is not None and last_year != key[-1]:
            key, text = (*key[:-1], f"{key[-1]}-{last_year}"), f"{text} each year"
        said = family.describe(key, text)
        if family.per_scenario and scenario_count > 1:
            said += f" (in scenario{'s' if len(self.scenarios) > 1 else ''} {', '.join(self.scenarios)})"
        return said


def shortfalls(slacks: list[Slack], tolerance: float = 1e-6) -> list[Shortfall]:
    """Non-zero slacks after the elastic solve, worst scenario per limit, in model order."""
    found: dict[tuple[str, Key], tuple[float, list[str]]] = {}
    for s in slacks:
        amount = float(pyo.value(s.var, exception=False) or 0.0)
        if amount <= tolerance * max(1.0, s.scale):
            continue
        per_scenario = FAMILIES[s.family].per_scenario
        key, scenario = (s.key[:-1], [str(s.key[-1])]) if per_scenario else (s.key, [])
        worst, scenarios = found.get((s.family, key), (0.0, []))
        found[s.family, key] = (max(worst, amount), scenarios + scenario)
    return [
        Shortfall(family, key, amount, tuple(scenarios))
        for (family, key), (amount, scenarios) in found.items()
    ]


def sentences(found: list[Shortfall], scenario_count: int) -> list[str]:
    """One sentence per shortfall; consecutive years of one limit short by the same amount share one."""
    said: list[str] = []
    i = 0
    while i < len(found):
        first = found[i]
        last = i
        if FAMILIES[first.family].per_year:
            while last + 1 < len(found) and same_run(found[last], found[last + 1]):
                last += 1
        year = found[last].key[-1] if last > i else None
        said.append(first.sentence(scenario_count, year))
        i = last + 1
    return said


def same_run(a: Shortfall, b: Shortfall) -> bool:
    """``b`` is the year after ``a`` for the same limit, short by what reads as the same amount."""
    return (
        a.family == b.family
        and a.key[:-1] == b.key[:-1]
        and b.key[-1] == a.key[-1] + 1
        and a.amount_text() == b.amount_text()
        and a.scenarios == b.scenarios
    )
