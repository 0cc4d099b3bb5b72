"""Sensitivity: a tornado of the plan's objective against +-x% on its main drivers, re-solved.

Each factor is moved down and up by ``step`` (default 10%) on its own, and the case is
re-solved (warm-started from the base plan, the runs in parallel): the objective may move
by more than the price change alone because the portfolio may change, and the decisions
that change say how. Factors:

- ``prices``: every mineral's spot price (index-priced contracts follow within their floor
  and cap; fixed contract prices are contractual and do not move);
- ``capex``: every size option's capex;
- ``yields``: every yield (capped at 1 t/t);
- ``discount rate``: the rate itself (10% -> 9% and 11% at a 10% step);
- ``FX``: every rate on the FX sheet, when the case has one (project finance); skipped otherwise.

A change in objective smaller than the two runs' MIP gaps is flagged as not significant.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from optimizer.analyses.differences import decisions_changed, decisions_in_words, significance
from optimizer.case import Case
from optimizer.plan import Plan, plan
from optimizer.runs import OnDone, plan_all

DEFAULT_STEP = 0.10
COLUMNS = [
    "factor",
    "change",
    "what",
    "status",
    "objective_usd_m",
    "objective_change_usd_m",
    "expected_npv_change_usd_m",
    "cvar_change_usd_m",
    "capex_change_usd_m",
    "significance",
    "decisions_changed",
    "decisions",
    "mip_gap",
]
TORNADO_COLUMNS = ["factor", "low_change_usd_m", "high_change_usd_m", "swing_usd_m", "low", "high"]

Mover = Callable[[Case, float], Case]
"""A factor: the case with it multiplied by ``1 + change``."""


def scaled_column(sheet: str, column: str, most: float | None = None) -> Mover:
    def move(case: Case, change: float) -> Case:
        table = case.table(sheet).copy()
        values = table[column].astype(float) * (1 + change)
        table[column] = values.clip(upper=most) if most is not None else values
        return dataclasses.replace(case, tables={**case.tables, sheet: table})

    return move


def discount_rate(case: Case, change: float) -> Case:
    rate = min(max(case.settings.discount_rate * (1 + change), 0.0), 1.0)
    return dataclasses.replace(case, settings=dataclasses.replace(case.settings, discount_rate=rate))


@dataclass(frozen=True)
class Factor:
    name: str
    what: str
    move: Mover


def factors(case: Case) -> list[Factor]:
    """The factors this case has (FX only with a non-empty FX sheet)."""
    listed = [
        Factor("prices", "every mineral's spot price (index-priced contracts follow)", scaled_column("Minerals", "price_usd_per_t")),
        Factor("capex", "every size option's capex", scaled_column("Options", "capex_usd_m")),
        Factor("yields", "every yield, at most 1 t/t", scaled_column("Yields", "yield_t_per_t", most=1.0)),
        Factor("discount rate", f"the discount rate ({case.settings.discount_rate:.1%} in the base)", discount_rate),
    ]  # fmt: skip
    fx = case.tables.get("FX")
    if fx is not None and not fx.empty and "usd_per_unit" in fx.columns:
        listed.append(
            Factor("FX", "every rate on the FX sheet (USD per unit)", scaled_column("FX", "usd_per_unit"))
        )
    return listed


def swing(changes: list[float]) -> float | None:
    """The width of a factor's bar: from its low to its high change (from 0 when only one run has a plan)."""
    if not changes:
        return None
    return max(changes) - min(changes) if len(changes) > 1 else abs(changes[0])


def change_label(change: float) -> str:
    """``+10%``, ``-2.5%``: whole percents without decimals, others with one (``--step 0.025``)."""
    percent = change * 100
    return f"{change:+.0%}" if abs(percent - round(percent)) < 1e-9 else f"{change:+.1%}"


@dataclass
class Sensitivity:
    """The base plan, the step, and one re-solved plan per factor and direction."""

    base: Plan
    step: float
    runs: dict[tuple[str, float], Plan]
    whats: dict[str, str]

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [self.row(factor, change, p) for (factor, change), p in self.runs.items()], columns=COLUMNS
        )

    def row(self, factor: str, change: float, p: Plan) -> dict[str, Any]:
        base = self.base

        def delta(value: float | None, before: float | None) -> float | None:
            return value - before if value is not None and before is not None else None

        objective_change = delta(p.objective_usd_m, base.objective_usd_m)
        return {
            "factor": factor,
            "change": change_label(change),
            "what": self.whats[factor],
            "status": p.status,
            "objective_usd_m": p.objective_usd_m,
            "objective_change_usd_m": objective_change,
            "expected_npv_change_usd_m": delta(p.expected_npv_usd_m, base.expected_npv_usd_m),
            "cvar_change_usd_m": delta(p.cvar_usd_m, base.cvar_usd_m),
            "capex_change_usd_m": delta(p.capex_usd_m, base.capex_usd_m),
            "significance": significance(base, p, objective_change)
            if p.has_solution
            else f"no plan ({p.status})",
            "decisions_changed": len(decisions_changed(base, p)),
            "decisions": decisions_in_words(base, p),
            "mip_gap": p.mip_gap,
        }

    def tornado(self) -> pd.DataFrame:
        """One row per factor, the widest swing first: the objective's change at -x% and +x%."""
        runs = {(r["factor"], r["change"]): r for r in self.table().to_dict("records")}
        low, high = change_label(-self.step), change_label(self.step)
        rows = []
        for factor in dict.fromkeys(f for f, _ in self.runs):
            down, up = runs[(factor, low)], runs[(factor, high)]
            values = [
                v for v in (down["objective_change_usd_m"], up["objective_change_usd_m"]) if pd.notna(v)
            ]
            rows.append(
                {
                    "factor": factor,
                    "low_change_usd_m": down["objective_change_usd_m"],
                    "high_change_usd_m": up["objective_change_usd_m"],
                    "swing_usd_m": swing(values),
                    "low": f"{low}: {down['significance']}; decisions: {down['decisions']}",
                    "high": f"{high}: {up['significance']}; decisions: {up['decisions']}",
                }
            )
        frame = pd.DataFrame(rows, columns=TORNADO_COLUMNS)
        return frame.sort_values(
            "swing_usd_m", ascending=False, kind="stable", na_position="last"
        ).reset_index(drop=True)

    def summary(self, output: Any = None) -> dict[str, Any]:
        """The ``--json`` document: the base plan's summary, the step, and one entry per run."""
        return {
            "status": self.base.status,
            "step": self.step,
            "output": str(output) if output is not None else None,
            "base": self.base.summary(output),
            "runs": [
                {k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in row.items()}
                for row in self.table().to_dict("records")
            ],
        }


def sensitivity(
    case: Case,
    *,
    step: float = DEFAULT_STEP,
    jobs: int | None = None,
    scheduler: str | None = None,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    stage: Callable[[str], None] | None = None,
    on_done: OnDone | None = None,
) -> Sensitivity:
    """Plan ``case``, then re-solve it with each factor moved by ``-step`` and ``+step``."""
    notify = stage or (lambda _: None)
    notify("solving the base case")
    base = plan(
        case, time_limit_s=time_limit_s, mip_gap=mip_gap, stochastic_value=False, marginal_values=False
    )
    listed = factors(case)
    whats = {f.name: f.what for f in listed}
    if not base.has_solution:
        return Sensitivity(base, step, {}, whats)
    moves = {(f.name, sign * step): f for f in listed for sign in (-1, 1)}
    cases = {f"{name} {change_label(change)}": f.move(case, change) for (name, change), f in moves.items()}
    notify(f"re-solving {len(cases)} cases, each factor {change_label(-step)} and {change_label(step)}")
    plans = plan_all(
        cases,
        jobs=jobs,
        scheduler=scheduler,
        time_limit_s=time_limit_s,
        mip_gap=mip_gap,
        on_done=on_done,
        start=base.as_start("the base plan"),
    )
    runs = {(name, change): plans[f"{name} {change_label(change)}"] for name, change in moves}
    return Sensitivity(base, step, runs, whats)
