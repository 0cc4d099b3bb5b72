"""Why a case is infeasible, in business words: which limits must move, and by how much.

The model is built as usual, every limit family gets a priced slack
(``optimizer.models.elastic``), and HiGHS finds the smallest relaxation. Each non-zero
slack becomes a sentence such as ``budget short by USD 42.0m`` or ``NdPr coverage in
2031 short by 120 t``. Demand that no plant could ever deliver is said first, without a
solve. No printing here: the command line prints ``Explanation.sentences``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyomo.core as pyo

from optimizer.case import Case
from optimizer.models import create_model, prepare
from optimizer.models.data import USD_M_PER_USD, ModelData
from optimizer.models.elastic import FAMILIES, Shortfall, relax, shortfalls, tonnes_text
from optimizer.models.elastic import sentences as say
from optimizer.models.finance import arcs_contracts
from optimizer.solvers.highs import SolverOptions, solve


@dataclass(frozen=True)
class Explanation:
    """``status``: feasible (no limit needs to move), infeasible, or unknown (no answer in time)."""

    status: str
    sentences: list[str] = field(default_factory=list)
    shortfalls: list[Shortfall] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return self.status == "feasible"


def explain(
    case: Case,
    *,
    time_limit_s: float | None = None,
    log: Callable[[str], None] | None = None,
    stage: Callable[[str], None] | None = None,
    alternatives: bool = True,
) -> Explanation:
    """The smallest relaxation of the case's limits that makes it feasible (none if it is).

    With ``alternatives``, also the smallest relaxation of each kind of limit on its own
    (budget alone, feedstock alone, ...), where moving that kind alone is enough: one more
    solve per kind of limit in the model.
    """
    notify = stage or (lambda _: None)
    notify("preparing model data")
    d = prepare(case)
    settings = case.settings
    options = SolverOptions(
        time_limit_s=time_limit_s if time_limit_s is not None else settings.time_limit_s,
        mip_gap=settings.mip_gap,
        log=log,
    )
    notify("solving the elastic model")
    explanation = explain_model_data(d, options)
    if alternatives and explanation.status == "infeasible":
        notify("relaxing one kind of limit at a time")
        explanation.sentences.extend(single_family_alternatives(d, options, explanation.shortfalls))
    return explanation


def explain_model_data(d: ModelData, options: SolverOptions) -> Explanation:
    """Elastic re-solve of the model built from ``d``; sentences for every limit that must move."""
    sentences = [
        f"{mineral} coverage in {year} short by {tonnes_text(need)} ({no_supply_reason(d, mineral, year)})"
        for mineral, year, need in d.uncoverable_demand
    ]
    m = create_model(d)
    slacks = relax(m, FAMILIES)
    result = solve(m, options)
    if not result.has_solution:
        sentences.append(
            "no relaxation of the limits was found within the time limit; raise --time-limit and run again"
        )
        return Explanation("unknown", sentences)
    found = shortfalls(slacks)
    sentences += say([f for f in found if f.family != "dscr_covenant"], len(d.scenarios))
    sentences += dscr_sentences(m, d, [f for f in found if f.family == "dscr_covenant"])
    if result.status == "time_limit" and found:
        sentences.append("(the solver stopped at its limit: a smaller relaxation may exist)")
    status = "infeasible" if found or d.uncoverable_demand else "feasible"
    return Explanation(status, sentences, found)


def no_supply_reason(d: ModelData, mineral: str, year: int) -> str:
    """Why no delivery can count towards a demand: none of the mineral at all, or none to its country."""
    if (mineral, year) not in d.arcs_by_mineral_year:
        return f"no plant can deliver {mineral} under any contract that year"
    country = d.coverage_country.get((mineral, year), "Japan")
    return f"no contract with a buyer in {country} can receive {mineral} from a plant that year"


def single_family_alternatives(d: ModelData, options: SolverOptions, joint: list[Shortfall]) -> list[str]:
    """``alternatively, on its own: ...`` for each limit family that alone can restore feasibility."""
    joint_families = {s.family for s in joint}
    probe = create_model(d)
    present = [name for name in FAMILIES if probe.component(name) is not None]
    sentences = []
    for family in present:
        if joint_families == {family}:
            continue  # the joint answer already moves this kind of limit alone
        m = create_model(d)
        slacks = relax(m, [family])
        if not solve(m, options).has_solution:
            continue
        found = shortfalls(slacks)
        if found:
            said = "; ".join(say(found, len(d.scenarios)))
            sentences.append(f"alternatively, on its own: {said}")
    return sentences


def dscr_sentences(m: Any, d: ModelData, found: list[Shortfall]) -> list[str]:
    """One sentence per plant whose DSCR covenant must move, at its lowest DSCR in the relaxed plan:
    ``ATT_UK_BM's DSCR in 2031 under capex_overrun is 1.12 against 1.30 (short in 2031-2033): sign
    1,800 t more under contract or borrow USD 14.0m less``."""
    by_plant: dict[str, list[tuple[float, int, str, float]]] = defaultdict(list)
    for shortfall in found:
        p, t = shortfall.key
        service = float(pyo.value(m.debt_service_usd_m[p, t]))
        if service <= 1e-9:
            continue
        for s in shortfall.scenarios:
            cfads = float(pyo.value(m.cash_available_for_debt_service_usd_m[p, t, s]))
            by_plant[p].append((cfads / service, t, s, service))
    sentences = []
    for p, cases in by_plant.items():
        dscr, t, s, service = min(cases, key=lambda c: (round(c[0], 9), c[1]))  # lowest, then earliest
        floor = d.debt_terms[p].min_dscr
        years = sorted({year for _, year, _, _ in cases})
        span = f" (short in {years[0]}-{years[-1]})" if len(years) > 1 else ""
        gap_usd_m = (floor - dscr) * service
        remedies = [
            remedy
            for remedy in (more_contracted(d, p, t, s, gap_usd_m), less_debt(m, d, p, t, s, gap_usd_m))
            if remedy
        ]
        said = " or ".join(remedies) if remedies else f"raise its cash by USD {gap_usd_m:,.1f}m"
        sentences.append(f"{p}'s DSCR in {t} under {s} is {dscr:.2f} against {floor:.2f}{span}: {said}")
    return sentences


def more_contracted(d: ModelData, p: str, t: int, s: str, gap_usd_m: float) -> str:
    """``sign N t more under contract``: tonnes moved from spot sales to the plant's best-paying contract."""
    gains = [
        d.contract_price_usd_per_t[c, t, s]
        - d.logistics_usd_per_t.get((p, d.contract_buyer[c]), 0.0)
        - d.spot_price_usd_per_t[d.contract_mineral[c], t, s] * (1 - d.spot_sale_discount)
        for c in arcs_contracts(d, p, t)
    ]
    best = max(gains, default=0.0)
    if best <= 0:
        return ""
    return f"sign {gap_usd_m / (best * USD_M_PER_USD):,.0f} t more under contract"


def less_debt(m: Any, d: ModelData, p: str, t: int, s: str, gap_usd_m: float) -> str:
    """``borrow USD Xm less``: the debt whose service in ``t`` is smaller by gap / min_dscr."""
    for k in d.serviced_by.get((p, t), []):
        if float(pyo.value(m.fund[k])) > 0.5:
            loan = d.debt[k]
            per_usd_m = loan.service_usd_m(t) / loan.amount_usd_m
            less = gap_usd_m / d.debt_terms[p].min_dscr / per_usd_m
            if less >= loan.amount_usd_m:
                return f"fund it without its USD {loan.amount_usd_m:,.1f}m of debt"
            return f"borrow USD {less:,.1f}m less"
    return ""
