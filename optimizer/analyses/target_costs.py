"""What each policy target costs: the plan re-solved without it.

A policy target is a limit the investor chose, not a fact of the world: a demand coverage
target (per mineral, every year of it), a concentration limit (a Limits row), the CVaR
floor. Its cost is the objective without it minus the objective with it (USD m, >= 0 up to
the MIP gaps), and the decisions it changes say what it makes the plan do (fund a refinery
with a negative NPV, sign a contract...). The re-solves run in parallel, each started from
the plan (which stays feasible when a target is dropped). A cost smaller than the two runs'
MIP gaps is not significant.

They are on request (``optimize plan --target-costs``): one more solve per target, and on
the shipped example (5 coverage targets, 5 limits) that is ten solves of 10-40 s each.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pandas as pd

from optimizer.analyses.differences import decisions_in_words, significance
from optimizer.case import Case, records
from optimizer.plan import Plan
from optimizer.runs import OnDone, plan_all

COLUMNS = [
    "target",
    "kind",
    "limit",
    "objective_usd_m",
    "objective_without_usd_m",
    "cost_usd_m",
    "expected_npv_change_usd_m",
    "significance",
    "decisions_changed",
    "status_without",
    "mip_gap_without",
]


@dataclass(frozen=True)
class Target:
    """A policy target, and the case without it."""

    name: str
    kind: str
    limit: str
    without: Case


def without_table_rows(case: Case, sheet: str, keep: pd.Series) -> Case:
    tables = {**case.tables, sheet: case.table(sheet)[keep].reset_index(drop=True)}
    return dataclasses.replace(case, tables=tables)


def coverage_targets(case: Case) -> list[Target]:
    """One target per mineral with a coverage requirement: all its Demand years at once."""
    demand = case.table("Demand")
    if demand.empty:
        return []
    targets = []
    for mineral, rows in demand[demand["min_coverage"] > 0].groupby("mineral", sort=False):
        relaxed = demand.copy()
        relaxed.loc[relaxed["mineral"] == mineral, "min_coverage"] = 0.0
        shares = ", ".join(f"{s:.0%}" for s in dict.fromkeys(rows["min_coverage"]))
        years = f"{int(rows['year'].min())}-{int(rows['year'].max())}"
        tables = {**case.tables, "Demand": relaxed}
        targets.append(
            Target(
                f"coverage of {mineral}",
                "demand coverage",
                f"{shares} of demand, {years}",
                dataclasses.replace(case, tables=tables),
            )
        )
    return targets


def limit_targets(case: Case) -> list[Target]:
    """One target per row of the Limits sheet."""
    limits = case.table("Limits")
    return [
        Target(
            f"{r['dimension']} {r['member']} at most {r['max_share']:.0%}",
            "concentration limit",
            f"max_share {r['max_share']:.0%}",
            without_table_rows(case, "Limits", limits.index != index),
        )
        for index, r in zip(limits.index, records(limits), strict=True)
    ]


def cvar_floor_target(case: Case) -> list[Target]:
    floor = case.settings.min_cvar_npv_usd_m
    if floor is None:
        return []
    settings = dataclasses.replace(case.settings, min_cvar_npv_usd_m=None)
    return [
        Target(
            "CVaR floor",
            "risk limit",
            f"CVaR >= USD {floor:,.1f}m",
            dataclasses.replace(case, settings=settings),
        )
    ]


def policy_targets(case: Case) -> list[Target]:
    return [*coverage_targets(case), *limit_targets(case), *cvar_floor_target(case)]


def target_costs(
    base: Plan,
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    on_done: OnDone | None = None,
) -> pd.DataFrame:
    """One row per policy target of ``base.case``: the objective with and without it."""
    targets = policy_targets(base.case)
    if not base.has_solution or not targets:
        return pd.DataFrame(columns=COLUMNS)
    plans = plan_all(
        {t.name: t.without for t in targets},
        jobs=jobs,
        scheduler=scheduler,
        time_limit_s=time_limit_s,
        mip_gap=mip_gap,
        on_done=on_done,
        start=base.as_start("the plan"),
    )
    return pd.DataFrame([cost_row(base, t, plans[t.name]) for t in targets], columns=COLUMNS)


def cost_row(base: Plan, target: Target, without: Plan) -> dict[str, Any]:
    cost = npv_change = None
    if without.objective_usd_m is not None and base.objective_usd_m is not None:
        cost = without.objective_usd_m - base.objective_usd_m
    if without.expected_npv_usd_m is not None and base.expected_npv_usd_m is not None:
        npv_change = without.expected_npv_usd_m - base.expected_npv_usd_m
    return {
        "target": target.name,
        "kind": target.kind,
        "limit": target.limit,
        "objective_usd_m": base.objective_usd_m,
        "objective_without_usd_m": without.objective_usd_m,
        "cost_usd_m": cost,
        "expected_npv_change_usd_m": npv_change,
        "significance": significance(base, without, cost),
        "decisions_changed": decisions_in_words(base, without),
        "status_without": without.status,
        "mip_gap_without": without.mip_gap,
    }


def with_target_costs(base: Plan, **options: Any) -> Plan:
    """``base`` with its ``target_costs`` table (see ``target_costs``)."""
    if not base.has_solution or not policy_targets(base.case):
        return base
    return dataclasses.replace(base, target_costs=target_costs(base, **options))
