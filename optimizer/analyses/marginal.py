"""Marginal values of discrete limits: the objective change from moving the budget a step.

Funding is all-or-nothing, so the dual of the budget row means nothing: what more budget is
worth is which plants it lets in. Each stepped limit is therefore re-solved one step up and
one step down (what-ifs, solved in parallel like ``optimize whatif``), and the table reports
the change in objective, and that change per USD m of limit (USD m per USD m: 0.3 means each
extra USD 1m of budget adds USD 0.3m of objective over that step). Re-solved objectives carry
the MIP gap of each solve, so a change smaller than the gap is noise.

Stepped limits today: ``budget_usd_m``, ``annual_budget_usd_m`` and ``min_cvar_npv_usd_m``
when set. A limit family added later (the Limits sheet) joins by adding to ``stepped_limits``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from optimizer.analyses.duals import COLUMNS
from optimizer.case import Case
from optimizer.plan import Plan
from optimizer.runs import OnDone, plan_all

STEP_SHARE = 0.05
"""A step is 5% of the limit (USD 1m for a limit of zero)."""


@dataclasses.dataclass(frozen=True)
class SteppedLimit:
    """A limit worth moving: the constraint it sets, the setting that holds it, its value."""

    rule: str
    setting: str
    limit_usd_m: float
    lowest_usd_m: float | None = 0.0  # a budget cannot go below zero; a CVaR floor can

    @property
    def step_usd_m(self) -> float:
        return abs(self.limit_usd_m) * STEP_SHARE if self.limit_usd_m else 1.0

    def steps(self) -> list[float]:
        up, down = self.step_usd_m, -self.step_usd_m
        if self.lowest_usd_m is not None and self.limit_usd_m + down < self.lowest_usd_m:
            return [up]
        return [up, down]


def stepped_limits(case: Case) -> list[SteppedLimit]:
    """The discrete limits this case sets."""
    s = case.settings
    limits = []
    if s.budget_usd_m is not None:
        limits.append(SteppedLimit("capex_within_budget", "budget_usd_m", s.budget_usd_m))
    if s.annual_budget_usd_m is not None:
        limits.append(SteppedLimit("annual_capex_within_cap", "annual_budget_usd_m", s.annual_budget_usd_m))
    if s.min_cvar_npv_usd_m is not None:
        limits.append(SteppedLimit("cvar_floor", "min_cvar_npv_usd_m", s.min_cvar_npv_usd_m, None))
    return limits


def limit_steps(
    base: Plan,
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    on_done: OnDone | None = None,
) -> pd.DataFrame:
    """Re-solve ``base.case`` with each stepped limit moved a step up and down; one row per step."""
    moves = {
        f"{limit.setting} {step:+g}": (limit, step)
        for limit in stepped_limits(base.case)
        for step in limit.steps()
    }
    cases = {
        name: base.case.with_changes({f"Settings.{limit.setting}": limit.limit_usd_m + step})
        for name, (limit, step) in moves.items()
    }
    plans = plan_all(
        cases,
        jobs=jobs,
        scheduler=scheduler,
        time_limit_s=time_limit_s,
        mip_gap=mip_gap,
        on_done=on_done,
        start=base.as_start("the plan"),
    )
    rows = [step_row(base, limit, step, plans[name]) for name, (limit, step) in moves.items()]
    return pd.DataFrame(rows, columns=COLUMNS)


def step_row(base: Plan, limit: SteppedLimit, step: float, moved: Plan) -> dict[str, Any]:
    change = None
    if moved.objective_usd_m is not None and base.objective_usd_m is not None:
        change = moved.objective_usd_m - base.objective_usd_m
        change = 0.0 if abs(change) < 1e-9 else change  # the same plan, up to rounding
    gap = max(moved.mip_gap or 0.0, base.mip_gap or 0.0)
    method = f"re-solved at {limit.limit_usd_m + step:g}: {moved.status}, MIP gap up to {gap:.2%}"
    return {
        "rule": limit.rule,
        "item": limit.setting,
        "year": None,
        "scenario": None,
        "limit": limit.limit_usd_m,
        "limit_unit": "USD m",
        "step": step,
        "objective_change_usd_m": change,
        "marginal_value": None if change is None else change / step,
        "marginal_unit": "USD m per USD m",
        "method": method,
    }


def with_limit_steps(
    base: Plan,
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    on_done: OnDone | None = None,
) -> Plan:
    """``base`` with a row per limit step added to its ``marginal_values`` (see ``limit_steps``)."""
    if not base.has_solution or not stepped_limits(base.case):
        return base
    steps = limit_steps(
        base, jobs=jobs, scheduler=scheduler, time_limit_s=time_limit_s, mip_gap=mip_gap, on_done=on_done
    )
    table = (
        steps if base.marginal_values.empty else pd.concat([base.marginal_values, steps], ignore_index=True)
    )
    return dataclasses.replace(base, marginal_values=table)
