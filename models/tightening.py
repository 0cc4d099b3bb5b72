"""Valid inequalities: rows no plan can violate, added so the LP relaxation is closer to the MILP.

None of these changes an optimum; each only cuts off fractional points (a refinery funded
at 0.54 of its size, spread over two start years, "covering" lithium demand). Each row is
implied by the rules of ``funding``, ``operations`` and ``contracts`` for every integer ``fund`` and ``sign``, as each
docstring shows; the OR-Library optima, the rule tests and the example's objective are
the guard.

The weak spots they address: demand coverage (measured: the root gap of the example is
14.7% with coverage rows and 5.3% without): in the LP a choice that could deliver u t of
a mineral covers a need of N t at the fraction N / u; and plants sharing a feedstock pool,
where in the LP a plant funded at a fraction takes a full share of the pool.

Rows are generated per year and scenario and then thinned: a cover row whose terms are a
subset of another's, with no larger coefficients and the same need, makes the other
redundant (a plant that runs in 2033 still runs in 2034, so the first year of a need
usually dominates the years after it).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import pyomo.core as pyo
from optimizer.models.data import FundKey, ModelData
from optimizer.models.operations import pool_feed_total, pool_plants

# A cover coefficient below this share of the need is dropped: it cannot matter.
NEGLIGIBLE_SHARE = 1e-9

# Pools of up to this many plants get a cover row for every set of their plants (2^n - n - 1
# sets at most); larger pools one for all their plants and one without each plant.
MAX_PLANTS_FOR_EVERY_COVER = 6

VALID_INEQUALITIES = (
    "coverage_needs_running_capacity",
    "coverage_needs_signed_contracts",
    "coverage_needs_enough_plants",
    "feedstock_short_for_largest_plants",
)
"""Component names. They hold only while the limits they are derived from are hard: a model
that relaxes those limits (``elastic.relax``) must drop them."""

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Cover(Generic[K]):
    """``sum_j coefficients[j] x[j] >= need x[given]`` (``x[given]`` is 1 when ``given`` is None)."""

    need: float
    coefficients: dict[K, float]
    given: K | None = None

    def dominates(self, other: Cover[K]) -> bool:
        """Every point meeting this row meets ``other``: same need and given, fewer or smaller terms."""
        return (
            self.given == other.given
            and self.need == other.need
            and all(
                j in other.coefficients and c <= other.coefficients[j] for j, c in self.coefficients.items()
            )
        )


def undominated(rows: Iterable[Cover[K]]) -> list[Cover[K]]:
    """The rows no other row dominates (one of each set of equal rows), in their first order."""
    kept: list[Cover[K]] = []
    for row in rows:
        if any(k.dominates(row) for k in kept):
            continue
        kept = [k for k in kept if not row.dominates(k)]
        kept.append(row)
    return kept


def cover(need: float, capacities: dict[K, float], given: K | None = None) -> Cover[K] | None:
    """The cover row ``sum_j min(need, u_j) x_j >= need [x_given]``, or None if nothing can cover."""
    coefficients = {j: min(need, u) for j, u in capacities.items() if u > NEGLIGIBLE_SHARE * need}
    return Cover(need, coefficients, given) if coefficients else None


def deliverable_t(d: ModelData, key: FundKey, mineral: str, year: int, scenario: str) -> float:
    """The most of ``mineral`` funding choice ``key`` can deliver in ``year`` under contracts that count
    towards coverage.

    min(yield x shock x min(capacity x ramp-up share, feedstock available), sum of the contract
    maximums of its arcs); a plant other plants feed is bounded by its capacity alone.
    """
    p = key[0]
    arcs = [arc for arc in d.coverage_arcs.get((mineral, year), []) if arc[0] == p]
    if not arcs or (p, mineral) not in d.yields:
        return 0.0
    recovered_t = (
        d.yields[p, mineral]
        * d.yield_factor(p, mineral, year, scenario)
        * d.usable_feed_tpa(key, year, scenario)
    )
    contracted_t = sum(d.max_tpa[c] for _, c, _ in arcs)
    return max(0.0, min(recovered_t, contracted_t))


def coverage_needs(d: ModelData) -> list[tuple[str, int, float]]:
    """(mineral, year, need t) for every coverage row the model has, in some scenario."""
    return [
        (mineral, t, need)
        for (mineral, t), need in sorted(d.coverage_required_t.items())
        if need > 0
        and d.coverage_arcs.get((mineral, t))
        and any(d.coverage_applies(mineral, t, s) for s in d.scenarios)
    ]


def deliverable_by_choice(d: ModelData, mineral: str, t: int, s: str) -> dict[FundKey, float]:
    """u_k,s for every funding choice that runs in year t of s at a plant with an arc for the mineral."""
    plants = sorted({p for p, _, _ in d.coverage_arcs[mineral, t]})
    return {k: deliverable_t(d, k, mineral, t, s) for p in plants for k in d.funds_operating_in(p, t, s)}


def funding_rows_per_need(
    d: ModelData, row_of: Callable[[float, dict[FundKey, float]], Cover[FundKey] | None]
) -> dict[str, list[Cover[FundKey]]]:
    """``row_of(N, u)`` for every coverage need (m, t, N) and scenario where it applies, u the
    deliverable of each funding choice running then (``deliverable_by_choice``), by mineral."""
    rows: dict[str, list[Cover[FundKey]]] = {}
    for mineral, t, need in coverage_needs(d):
        for s in d.scenarios:
            if not d.coverage_applies(mineral, t, s):
                continue
            row = row_of(need, deliverable_by_choice(d, mineral, t, s))
            if row is not None:
                rows.setdefault(mineral, []).append(row)
    return rows


def add_cover_rows(
    m: pyo.ConcreteModel, name: str, variable: pyo.Var, rows: dict[str, list[Cover[K]]], doc: str
) -> None:
    """One constraint family ``name`` from cover rows grouped by mineral, indexed (mineral, i); rows
    another row of the same mineral dominates are left out."""
    index = {
        (mineral, i): row for mineral, listed in rows.items() for i, row in enumerate(undominated(listed))
    }
    if not index:
        return

    def rule(m: pyo.ConcreteModel, mineral: str, i: int) -> object:
        row = index[mineral, i]
        covered = sum(c * variable[j] for j, c in row.coefficients.items())
        return covered >= row.need * (variable[row.given] if row.given is not None else 1)

    m.add_component(name, pyo.Constraint(list(index), rule=rule, doc=doc))


def add_coverage_needs_running_capacity(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Coverage of N t of mineral m in year t needs funded plants running then that can deliver N t.

    sum_{k running in t} min(N, u_k,s) fund[k] >= N   for each need (m, t, N) and scenario s,
    u_k,s = ``deliverable_t``. Valid: the coverage row needs deliveries of at least N in
    scenario s, each funded choice delivers at most u_k,s, and at most one choice per project
    is funded, so when every fund is 0 or 1 the left side is min(N, sum of funded u) >= N.
    """
    add_cover_rows(
        m,
        "coverage_needs_running_capacity",
        m.fund,
        funding_rows_per_need(d, cover),
        "coverage needs funded capacity running that year (valid inequality), t",
    )


def add_coverage_needs_signed_contracts(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Coverage of N t of mineral m in year t needs signed contracts that can take N t then.

    sum_{c of m active in t, with an arc} min(N, max_tpa[c]) sign[c] >= N
    Valid: coverage counts deliveries to contracts, and a contract takes at most max_tpa x sign.
    """
    rows: dict[str, list[Cover[str]]] = {}
    for mineral, t, need in coverage_needs(d):
        contracts = sorted({c for _, c, _ in d.coverage_arcs[mineral, t]})
        row = cover(need, {c: d.max_tpa[c] for c in contracts})
        if row is not None:
            rows.setdefault(mineral, []).append(row)
    add_cover_rows(
        m,
        "coverage_needs_signed_contracts",
        m.sign,
        rows,
        "coverage needs signed contracts able to take it (valid inequality), t",
    )


def enough_plants_cover(need: float, deliverable: dict[FundKey, float]) -> Cover[FundKey] | None:
    """The cardinality cover of one need: ``sum_{u_k >= N} r fund[k] + sum_{u_k < N} fund[k] >= r``.

    A choice that alone can deliver the need N counts r; a smaller one counts 1. r is the
    fewest smaller plants that together could deliver N (distinct projects, each at its
    largest smaller choice); when all of them together could not, only a large choice
    covers the need: ``sum_{u_k >= N} fund[k] >= 1``. None when no choice can deliver.
    """
    usable = {k: u for k, u in deliverable.items() if u > NEGLIGIBLE_SHARE * need}
    if not usable:
        return None
    large = {k for k, u in usable.items() if u >= need}
    best_by_project: dict[str, float] = {}
    for k, u in usable.items():
        if k not in large:
            best_by_project[k[0]] = max(best_by_project.get(k[0], 0.0), u)
    fewest, together = None, 0.0
    for count, u in enumerate(sorted(best_by_project.values(), reverse=True), start=1):
        together += u
        if together >= need:
            fewest = count
            break
    if fewest is None:
        return Cover(1.0, dict.fromkeys(sorted(large), 1.0)) if large else None
    weight = float(fewest)
    return Cover(weight, {k: weight if k in large else 1.0 for k in sorted(usable)})


def add_coverage_needs_enough_plants(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Coverage of N t of mineral m in year t needs one funded plant able to deliver N alone, or
    enough smaller ones.

    sum_{k: u_k,s >= N} r fund[k] + sum_{k: u_k,s < N} fund[k] >= r   for each need (m, t, N) and
    scenario s, with u_k,s = ``deliverable_t`` of the choices running in t of s and r the
    fewest smaller plants whose u add up to N (``enough_plants_cover``). Valid: if a funded
    choice has u >= N the left side is at least r; otherwise every funded choice is smaller,
    at most one per project, and any r - 1 of them deliver less than N, so coverage needs r.
    It cuts what the capacity cover cannot: a refinery delivering 531 t and 0.08 of one
    delivering 647 t meet that cover of 576 t, not this one (the example's LP bound falls
    from 268.4 to 256.7; the optimum is 240.07).
    """
    add_cover_rows(
        m,
        "coverage_needs_enough_plants",
        m.fund,
        funding_rows_per_need(d, enough_plants_cover),
        "coverage needs one plant able to deliver it or enough smaller ones (valid inequality)",
    )


@dataclass(frozen=True)
class PoolCover:
    """``sum of the pool's feed <= base_t + sum_k coefficients[k] fund[k]``: the plants of
    ``plants``, at their largest choices, need ``excess_t`` more than the pool holds."""

    plants: tuple[str, ...]
    excess_t: float
    coefficients: dict[FundKey, float]

    @property
    def base_t(self) -> float:
        """The row's constant, (n - 1) x the excess: with all n plants at their largest, each
        counting its largest less the excess, the right side is then the pool."""
        return (len(self.plants) - 1) * self.excess_t


def plant_sets(plants: list[str]) -> Iterable[tuple[str, ...]]:
    """The sets of plants a pool gets cover rows for (``MAX_PLANTS_FOR_EVERY_COVER``)."""
    if len(plants) <= MAX_PLANTS_FOR_EVERY_COVER:
        return (c for n in range(2, len(plants) + 1) for c in itertools.combinations(plants, n))
    return [tuple(plants), *itertools.combinations(plants, len(plants) - 1)]


def feedstock_short_rows(
    available_t: float, processable_t: dict[str, dict[FundKey, float]]
) -> list[PoolCover]:
    """The cover rows of one pool in one year and scenario (``add_feedstock_short_for_largest_plants``).

    ``processable_t``: per plant, the feed each of its choices running then can process; a
    choice's u is that feed capped at the pool. A set of plants is a cover when their largest
    u add up to ``available_t`` + excess with each largest u above the excess.
    """
    capped = {p: {k: min(available_t, u) for k, u in choices.items()} for p, choices in processable_t.items()}
    plants = sorted(p for p, choices in capped.items() if choices)
    rows = []
    for cover in plant_sets(plants):
        largest_t = {p: max(capped[p].values()) for p in cover}
        excess_t = sum(largest_t.values()) - available_t
        if excess_t <= NEGLIGIBLE_SHARE * available_t or any(u <= excess_t for u in largest_t.values()):
            continue
        coefficients = {}
        for p, choices in capped.items():
            for k, u in sorted(choices.items()):
                coefficients[k] = min(u, largest_t[p] - excess_t) if p in cover else u
        rows.append(PoolCover(cover, excess_t, coefficients))
    return rows


def add_feedstock_short_for_largest_plants(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Plants sharing a feedstock pool whose largest choices together need more than the pool
    holds cannot all process their capacity: together they fall short by the excess.

    sum_{p uses f} pool_feed[p,t,s] <= (n - 1) e + sum_{p in C} sum_k min(u_k, U_p - e) fund[k]
                                       + sum_{p not in C} sum_k u_k fund[k]
    for each pool f with A t available in year t, scenario s and set C of n plants of the
    pool whose largest choices U_p add up to A + e (e > 0, each U_p above e), u_k = min(A,
    usable feed of choice k in t of s) (``feedstock_short_rows``: a flow cover, lifted over
    each plant's choices of size and start year). Valid for every plan (fund 0 or 1, one
    choice per project): each plant's pool feed is at most its funded choice's u_k. If every
    plant of C is funded at a choice with u_k >= U_p - e, the right side is at least
    (n - 1) e + sum_C (U_p - e) = A, which the pool row already bounds. Otherwise at most
    n - 1 of them count U_p - e <= u_k, the (n - 1) e makes up for the e each of those loses,
    and every other funded choice counts its u_k: the right side is at least the sum of the
    funded u_k. It cuts what the pool row cannot: Lohum's 40,000 t, Attero's 25,000 t and
    Batx's 15,000 t of capacity against 75,000 t of battery scrap in 2030 (e = 5,000 t): with
    each plant funded at 0.9 the LP feeds them 72,000 t, this row allows 10,000 + 0.9 x
    (35,000 + 20,000 + 10,000) = 68,500 t (the example's LP bound falls from 268.4 to 259.8
    with these rows; the optimum is 240.07).
    """
    rows = {}
    for (feedstock, t), available_t in sorted(d.feedstock_available_t.items()):
        for s in d.scenarios:
            plants = pool_plants(m, d, feedstock, t, s)
            processable_t = {
                p: {k: d.usable_feed_tpa(k, t, s) for k in d.funds_operating_in(p, t, s)} for p in plants
            }
            for i, row in enumerate(feedstock_short_rows(available_t, processable_t)):
                rows[feedstock, t, s, i] = row
    if not rows:
        return

    def rule(m: pyo.ConcreteModel, feedstock: str, t: int, s: str, i: int) -> object:
        row = rows[feedstock, t, s, i]
        return pool_feed_total(m, d, feedstock, t, s) <= row.base_t + sum(
            c * m.fund[k] for k, c in row.coefficients.items()
        )

    m.feedstock_short_for_largest_plants = pyo.Constraint(
        list(rows),
        rule=rule,
        doc="plants whose largest choices exceed a feedstock pool (valid inequality), t",
    )
