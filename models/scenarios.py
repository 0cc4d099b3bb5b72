"""Scenarios and their shocks, resolved to multipliers on the inputs.

A shock multiplies one field (spot ``price``, ``spot_availability``, ``yield``, ``capex``,
``opex``, or ``fx``, an exchange rate) for a target (a mineral, a project, a project kind, a
currency or ``*``) over a range of years in one scenario; shocks on the same thing multiply. The lender stresses read the
multiplier as what they need:

- ``delay``: whole years added to the construction of a target whose construction starts
  within from_year..to_year (delays on one thing add);
- ``ramp_up``: the first operating year runs at that share of capacity, each later year a
  share more, up to full (0.4: 40%, 80%, 100%), in the years covered;
- ``floor``: the share of a contract's premium over its index (the floor, the cap, a fixed
  price) that its buyer still honours; 0 is the index price only; the target is a buyer,
  a contract or ``*``;
- ``export``: the largest share of a mineral's output that may go to buyers in Japan.

No Scenarios sheet means one scenario, ``base``, with probability 1 and no shocks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from optimizer.case import Case, records
from optimizer.workbook.validate import is_blank

Key = TypeVar("Key", bound=tuple[Any, ...])

BASE_SCENARIO = "base"
AVERAGE_SCENARIO = "average"


@dataclass(frozen=True)
class Shock:
    scenario: str
    field: str
    target: str
    from_year: int | None
    to_year: int | None
    multiplier: float

    def covers(self, year: int) -> bool:
        return (self.from_year is None or year >= self.from_year) and (
            self.to_year is None or year <= self.to_year
        )


@dataclass(frozen=True)
class Targets:
    """Who a shock target names: the minerals and projects it reaches."""

    project_kind: dict[str, str]
    minerals: frozenset[str]
    currencies: frozenset[str] = frozenset()  # other than USD
    contract_buyer: dict[str, str] = field(default_factory=dict)

    def minerals_of(self, target: str) -> set[str]:
        if target == "*":
            return set(self.minerals)
        return {target} & self.minerals

    def currencies_of(self, target: str) -> set[str]:
        if target == "*":
            return set(self.currencies)
        return {target} & self.currencies

    def projects_of(self, target: str) -> set[str]:
        if target == "*":
            return set(self.project_kind)
        if target in self.project_kind:
            return {target}
        return {p for p, kind in self.project_kind.items() if kind == target}

    def contracts_of(self, target: str) -> set[str]:
        if target == "*":
            return set(self.contract_buyer)
        return {c for c, buyer in self.contract_buyer.items() if target in (c, buyer)}


@dataclass
class ScenarioSet:
    """Scenario names, probabilities, and the shocks to apply."""

    names: list[str]
    probability: dict[str, float]
    shocks: list[Shock] = field(default_factory=list)


@dataclass
class Multipliers:
    """Resolved shocks; only entries different from 1 are stored."""

    price: dict[tuple[str, int, str], float] = field(default_factory=dict)  # (mineral, year, scenario)
    availability: dict[tuple[str, int, str], float] = field(default_factory=dict)  # (mineral, year, scenario)
    yields: dict[tuple[str, str, int, str], float] = field(
        default_factory=dict
    )  # (project, mineral, year, scenario)
    capex: dict[tuple[str, int, str], float] = field(default_factory=dict)  # (project, year, scenario)
    fx: dict[tuple[str, int, str], float] = field(default_factory=dict)  # (currency, year, scenario)
    opex: dict[tuple[str, int, str], float] = field(default_factory=dict)  # (project, year, scenario)
    delay: dict[tuple[str, int, str], int] = field(default_factory=dict)  # (project, start year, scenario)
    ramp_up: dict[tuple[str, int, str], float] = field(default_factory=dict)  # (project, year, scenario)
    floor: dict[tuple[str, int, str], float] = field(default_factory=dict)  # (contract, year, scenario)
    export: dict[tuple[str, int, str], float] = field(default_factory=dict)  # (mineral, year, scenario)


def resolve_multipliers(
    scenarios: ScenarioSet,
    targets: Targets,
    years: Iterable[int],
    yield_keys: Iterable[tuple[str, str]],
    capex_years: Iterable[int],
) -> Multipliers:
    """Apply every shock to the entities and years it covers."""
    years = list(years)
    yield_keys = list(yield_keys)
    capex_years = list(capex_years)
    out = Multipliers()
    for shock in scenarios.shocks:
        s, x = shock.scenario, shock.multiplier
        if shock.field in ("price", "spot_availability"):
            table = out.price if shock.field == "price" else out.availability
            for mineral in targets.minerals_of(shock.target):
                for t in filter(shock.covers, years):
                    table[mineral, t, s] = table.get((mineral, t, s), 1.0) * x
        elif shock.field == "yield":
            minerals = targets.minerals_of(shock.target)
            projects = targets.projects_of(shock.target)
            for p, mineral in yield_keys:
                if p in projects or mineral in minerals:
                    for t in filter(shock.covers, years):
                        out.yields[p, mineral, t, s] = out.yields.get((p, mineral, t, s), 1.0) * x
        elif shock.field == "capex":
            for p in targets.projects_of(shock.target):
                for t in filter(shock.covers, capex_years):
                    out.capex[p, t, s] = out.capex.get((p, t, s), 1.0) * x
        elif shock.field == "fx":
            for currency in targets.currencies_of(shock.target):
                for t in filter(shock.covers, sorted(set(years) | set(capex_years))):
                    out.fx[currency, t, s] = out.fx.get((currency, t, s), 1.0) * x
        elif shock.field in ("opex", "ramp_up"):
            by_project = out.opex if shock.field == "opex" else out.ramp_up
            for p in targets.projects_of(shock.target):
                for t in filter(shock.covers, years):
                    by_project[p, t, s] = by_project.get((p, t, s), 1.0) * x
        elif shock.field == "delay":
            for p in targets.projects_of(shock.target):
                for y in filter(shock.covers, years):
                    out.delay[p, y, s] = out.delay.get((p, y, s), 0) + round(x)
        elif shock.field == "floor":
            for c in targets.contracts_of(shock.target):
                for t in filter(shock.covers, years):
                    out.floor[c, t, s] = out.floor.get((c, t, s), 1.0) * x
        elif shock.field == "export":
            for mineral in targets.minerals_of(shock.target):
                for t in filter(shock.covers, years):
                    out.export[mineral, t, s] = out.export.get((mineral, t, s), 1.0) * x
    return out


def average_scenario(scenarios: ScenarioSet, multipliers: Multipliers) -> tuple[ScenarioSet, Multipliers]:
    """The mean-value problem: one scenario whose multipliers are the probability-weighted means."""

    def mean(table: dict[Key, float]) -> dict[Key, float]:
        averaged: dict[Key, float] = {}
        for key in {k[:-1] for k in table}:
            value = sum(p * table.get(cast(Key, (*key, s)), 1.0) for s, p in scenarios.probability.items())
            if value != 1.0:
                averaged[cast(Key, (*key, AVERAGE_SCENARIO))] = value
        return averaged

    def mean_delay(table: dict[tuple[str, int, str], int]) -> dict[tuple[str, int, str], int]:
        """The expected delay, to the nearest whole year (construction takes whole years)."""
        averaged: dict[tuple[str, int, str], int] = {}
        for p, y in {k[:2] for k in table}:
            value = round(sum(q * table.get((p, y, s), 0) for s, q in scenarios.probability.items()))
            if value:
                averaged[p, y, AVERAGE_SCENARIO] = value
        return averaged

    average = Multipliers(
        price=mean(multipliers.price),
        availability=mean(multipliers.availability),
        yields=mean(multipliers.yields),
        capex=mean(multipliers.capex),
        fx=mean(multipliers.fx),
        opex=mean(multipliers.opex),
        delay=mean_delay(multipliers.delay),
        ramp_up=mean(multipliers.ramp_up),
        floor=mean(multipliers.floor),
        export=mean(multipliers.export),
    )
    return ScenarioSet([AVERAGE_SCENARIO], {AVERAGE_SCENARIO: 1.0}), average


def scenario_set(case: Case) -> ScenarioSet:
    """The case's scenarios and shocks; a single ``base`` scenario when there is no Scenarios sheet."""
    table = case.table("Scenarios")
    if table.empty:
        return ScenarioSet([BASE_SCENARIO], {BASE_SCENARIO: 1.0})
    names = [str(name) for name in table["scenario"]]
    probability = {str(r["scenario"]): float(r["probability"]) for r in records(table)}
    shocks = [
        Shock(
            scenario=str(r["scenario"]),
            field=str(r["field"]),
            target=str(r["target"]),
            from_year=None if is_blank(r["from_year"]) else int(r["from_year"]),
            to_year=None if is_blank(r["to_year"]) else int(r["to_year"]),
            multiplier=float(r["multiplier"]),
        )
        for r in records(case.table("Shocks"))
    ]
    return ScenarioSet(names, probability, shocks)
