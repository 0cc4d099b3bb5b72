"""Valid inequalities: rows no plan can violate, added so the LP relaxation is closer to the MILP.

None of these changes an optimum; each only cuts off fractional points (a refinery funded
at 0.54 of its size, spread over two start years, "covering" lithium demand). Each row is
implied by the rules in ``rules.py`` for every integer ``fund`` and ``sign``, as each
docstring shows; the OR-Library optima, the rule tests and the example's objective are
the guard.

The weak spot they address is demand coverage (measured: the root gap of the example is
14.7% with coverage rows and 5.3% without): in the LP a choice that could deliver u t of
a mineral covers a need of N t at the fraction N / u.
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo
from optimizer.models.data import FundKey, ModelData

# A cover coefficient below this share of the need is dropped: it cannot matter.
NEGLIGIBLE_SHARE = 1e-9

VALID_INEQUALITIES = ("coverage_needs_running_capacity", "coverage_needs_signed_contracts")
"""Component names. They hold only while the limits they are derived from are hard: a model
that relaxes those limits (``elastic.relax``) must drop them."""


def deliverable_t(d: ModelData, key: FundKey, mineral: str, year: int, scenario: str) -> float:
    """The most of ``mineral`` funding choice ``key`` can deliver under contracts in ``year``.

    min(yield x shock x min(capacity, feedstock available), sum of the contract maximums of its arcs)
    """
    p = key[0]
    arcs = d.arcs_by_plant_mineral_year.get((p, mineral, year), [])
    if not arcs or (p, mineral) not in d.yields:
        return 0.0
    recovered_t = (
        d.yields[p, mineral] * d.yield_factor(p, mineral, year, scenario) * d.usable_feed_tpa(key, year)
    )
    contracted_t = sum(d.max_tpa[c] for _, c, _ in arcs)
    return max(0.0, min(recovered_t, contracted_t))


def cover_rows(need_t: float, capacities_t: dict[Any, float]) -> dict[Any, float] | None:
    """Coefficients min(need, u_k) of a cover row ``sum_k min(need, u_k) x_k >= need``, or None if empty."""
    coefficients = {k: min(need_t, u) for k, u in capacities_t.items() if u > NEGLIGIBLE_SHARE * need_t}
    return coefficients or None


def add_coverage_needs_running_capacity(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Coverage of N t of mineral m in year t needs funded plants running then that can deliver N t.

    sum_{k running in t} min(N, u_k,s) fund[k] >= N   for each (m, t) with N > 0 and each scenario s
    with a distinct row, u_k,s = ``deliverable_t``. Valid: coverage rows need deliveries of at
    least N in scenario s, each funded choice delivers at most u_k,s, and at most one choice per
    project is funded, so when every fund is 0 or 1 the left side is min(N, sum u_k) >= N.
    """
    rows: list[tuple[tuple[str, int, int], dict[FundKey, float]]] = []
    for (mineral, t), need in sorted(d.coverage_required_t.items()):
        if need <= 0 or (mineral, t) not in d.arcs_by_mineral_year:
            continue
        plants = sorted({p for p, _, _ in d.arcs_by_mineral_year[mineral, t]})
        seen: set[tuple[tuple[FundKey, float], ...]] = set()
        for s in d.scenarios:
            capacities = {
                k: deliverable_t(d, k, mineral, t, s)
                for p in plants
                for k in d.funds_operating.get((p, t), [])
            }
            coefficients = cover_rows(need, capacities)
            if coefficients is None:
                continue
            signature = tuple(sorted(coefficients.items()))
            if signature in seen:
                continue
            seen.add(signature)
            rows.append(((mineral, t, len(seen)), coefficients))
    if not rows:
        return
    by_index = dict(rows)
    need_t = {index: d.coverage_required_t[index[0], index[1]] for index in by_index}
    m.coverage_needs_running_capacity = pyo.Constraint(
        list(by_index),
        rule=lambda m, mineral, t, i: (
            sum(u * m.fund[k] for k, u in by_index[mineral, t, i].items()) >= need_t[mineral, t, i]
        ),
        doc="coverage needs funded capacity running that year (valid inequality), t",
    )


def add_coverage_needs_signed_contracts(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Coverage of N t of mineral m in year t needs signed contracts that can take N t then.

    sum_{c of m active in t, with an arc} min(N, max_tpa[c]) sign[c] >= N
    Valid: coverage counts deliveries to contracts, and a contract takes at most max_tpa x sign.
    """
    rows: dict[tuple[str, int], dict[str, float]] = {}
    for (mineral, t), need in sorted(d.coverage_required_t.items()):
        if need <= 0 or (mineral, t) not in d.arcs_by_mineral_year:
            continue
        contracts = sorted({c for _, c, _ in d.arcs_by_mineral_year[mineral, t]})
        coefficients = cover_rows(need, {c: d.max_tpa[c] for c in contracts})
        if coefficients is not None:
            rows[mineral, t] = coefficients
    if not rows:
        return
    m.coverage_needs_signed_contracts = pyo.Constraint(
        list(rows),
        rule=lambda m, mineral, t: (
            sum(u * m.sign[c] for c, u in rows[mineral, t].items()) >= d.coverage_required_t[mineral, t]
        ),
        doc="coverage needs signed contracts able to take it (valid inequality), t",
    )
