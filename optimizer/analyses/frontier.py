"""The efficient frontier of expected NPV against CVaR (epsilon-constraint method).

Solve for the best expected NPV (its CVaR is the frontier's left end), then for the best
CVaR (the right end), then maximise expected NPV with CVaR floors spread evenly between
the two. Points another point beats on both axes are dropped, so what is returned is
efficient: moving right (safer) never raises expected NPV.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from optimizer.analyses.differences import ROUNDING_USD_M, gap_usd_m
from optimizer.case import Case
from optimizer.plan import Plan, plan
from optimizer.runs import plan_all
from optimizer.solvers.start import Start

FLOOR_SLACK = 1e-6  # relative: a floor exactly at the best CVaR must stay feasible


@dataclass(frozen=True)
class FrontierPoint:
    cvar_floor_usd_m: float | None
    expected_npv_usd_m: float
    cvar_usd_m: float
    capex_usd_m: float
    funded_projects: tuple[str, ...]
    signed_contracts: tuple[str, ...]
    status: str
    gap_usd_m: float = 0.0  # how far this point's objective may be from the best at its floor
    merged: int = 0  # other points found within the MIP gap of this one, and merged into it

    def summary(self) -> dict[str, object]:
        """One ``--json`` entry (SPEC section 5 keys first)."""
        return {
            "expected_npv_usd_m": self.expected_npv_usd_m,
            "cvar_usd_m": self.cvar_usd_m,
            "cvar_floor_usd_m": self.cvar_floor_usd_m,
            "capex_usd_m": self.capex_usd_m,
            "status": self.status,
            "funded_projects": list(self.funded_projects),
            "signed_contracts": list(self.signed_contracts),
            "merged_points": self.merged,
        }


def with_risk(case: Case, risk_aversion: float, min_cvar_npv_usd_m: float | None) -> Case:
    settings = replace(case.settings, risk_aversion=risk_aversion, min_cvar_npv_usd_m=min_cvar_npv_usd_m)
    return replace(case, settings=settings)


def point(result: Plan, floor: float | None) -> FrontierPoint:
    assert result.expected_npv_usd_m is not None and result.cvar_usd_m is not None
    return FrontierPoint(
        cvar_floor_usd_m=floor,
        expected_npv_usd_m=result.expected_npv_usd_m,
        cvar_usd_m=result.cvar_usd_m,
        capex_usd_m=result.capex_usd_m or 0.0,
        funded_projects=tuple(f"{r.project}:{r.option}:{r.start_year}" for r in result.funded.itertuples()),
        signed_contracts=tuple(str(c) for c in result.signed["contract"]),
        status=result.status,
        gap_usd_m=gap_usd_m(result),
    )


def efficient(points: list[FrontierPoint]) -> list[FrontierPoint]:
    """Drop points that another beats (or ties) on both expected NPV and CVaR; sort by CVaR."""
    kept: list[FrontierPoint] = []
    for candidate in sorted(points, key=lambda p: (-p.cvar_usd_m, -p.expected_npv_usd_m)):
        if all(candidate.expected_npv_usd_m > other.expected_npv_usd_m + 1e-9 for other in kept):
            kept.append(candidate)
    return sorted(kept, key=lambda p: p.cvar_usd_m)


def within_gap(a: FrontierPoint, b: FrontierPoint) -> bool:
    """Whether two points are the same point as far as the MIP gaps can tell, on both axes."""
    tolerance = max(a.gap_usd_m, b.gap_usd_m, ROUNDING_USD_M)
    return (
        abs(a.expected_npv_usd_m - b.expected_npv_usd_m) <= tolerance
        and abs(a.cvar_usd_m - b.cvar_usd_m) <= tolerance
    )


def merged_within_gap(points: list[FrontierPoint]) -> list[FrontierPoint]:
    """Neighbouring points (by CVaR) closer than the MIP gap merged into the safer one: one point,
    counting how many it stands for."""
    kept: list[FrontierPoint] = []
    for candidate in sorted(points, key=lambda p: -p.cvar_usd_m):
        if kept and within_gap(kept[-1], candidate):
            kept[-1] = replace(kept[-1], merged=kept[-1].merged + 1 + candidate.merged)
        else:
            kept.append(candidate)
    return sorted(kept, key=lambda p: p.cvar_usd_m)


@dataclass(frozen=True)
class Frontier:
    """The points found, how many were asked for, and why fewer came back."""

    points: list[FrontierPoint]
    asked: int
    notes: list[str]


def frontier(
    case: Case,
    points: int = 5,
    *,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    stage: Callable[[str], None] | None = None,
    jobs: int | None = None,
) -> list[FrontierPoint]:
    """Up to ``points`` efficient (CVaR, E[NPV]) pairs from the risk-neutral plan to the safest."""
    return trace_frontier(
        case, points, time_limit_s=time_limit_s, mip_gap=mip_gap, stage=stage, jobs=jobs
    ).points


def trace_frontier(
    case: Case,
    points: int = 5,
    *,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    stage: Callable[[str], None] | None = None,
    jobs: int | None = None,
) -> Frontier:
    """The frontier of ``frontier``, with the reasons it has fewer points than asked.

    Points are dropped when another beats them on both axes, merged when they lie within the
    MIP gap of a neighbour (a difference the solver cannot tell from noise), and missing when
    their CVaR floor has no feasible plan within the limits.
    """
    found, solved, infeasible = solve_points(case, points, time_limit_s, mip_gap, stage, jobs)
    kept = efficient(found)
    dominated = len(found) - len(kept)
    merged = merged_within_gap(kept)
    notes = []
    if len(found) == 1 and points > 1 and solved > 1:
        notes.append("the plan with the best expected NPV is also the safest: the frontier is one point")
    if infeasible:
        notes.append(f"{infeasible} CVaR floor(s) had no plan within the time limit or the limits")
    if dominated:
        notes.append(f"{dominated} point(s) dropped: another point is as good or better on both axes")
    if len(merged) < len(kept):
        notes.append(
            f"{len(kept) - len(merged)} point(s) merged into a neighbour: closer than the MIP gap on both "
            "axes, so not a different trade-off"
        )
    if len(merged) < points and not notes:
        notes.append("fewer distinct plans exist between the two ends")
    return Frontier(merged, points, notes)


def solve_points(
    case: Case,
    points: int,
    time_limit_s: float | None,
    mip_gap: float | None,
    stage: Callable[[str], None] | None,
    jobs: int | None = None,
) -> tuple[list[FrontierPoint], int, int]:
    """The points solved (best expected NPV first), how many solves, how many floors had no plan.

    The two ends are solved one after the other, the safest plan started from the best
    expected NPV's (on the example the best-CVaR MIP alone, started from nothing, ends its
    time limit at a CVaR of 48.7 against the 129.5 that start gives it at once). The CVaR
    floors between them are then solved side by side (``plan_all``: ``jobs`` local
    processes, default one per core; each run is the same solve wherever it runs, so the
    frontier does not depend on ``jobs``), each started from the safest plan: its CVaR is
    the highest, so it meets every floor.
    """
    notify = stage or (lambda _: None)

    def solve_end(risk_aversion: float, label: str, start: Start | None) -> Plan | None:
        notify(f"frontier: {label}")
        result = plan(
            with_risk(case, risk_aversion, None),
            time_limit_s=time_limit_s,
            mip_gap=mip_gap,
            stochastic_value=False,
            marginal_values=False,
            start=start,
        )
        return result if result.has_solution else None

    best_npv = solve_end(0.0, "best expected NPV", None)
    if best_npv is None:
        return [], 1, 1
    found = [point(best_npv, None)]
    if points < 2:
        return found, 1, 0
    safest = solve_end(1.0, "best CVaR", best_npv.as_start("the best expected NPV plan"))
    if safest is None:
        return found, 2, 1
    low, high = point(best_npv, None).cvar_usd_m, point(safest, None).cvar_usd_m
    if high <= low + FLOOR_SLACK * max(1.0, abs(low)):
        # The best plan is already (within the MIP gap) the safest: the frontier is one point.
        return efficient([*found, point(safest, None)]), 2, 0
    floors: dict[str, float] = {}
    for i in range(1, points):
        level = low + (high - low) * i / (points - 1)
        floors[f"point {i + 1} of {points}"] = level - FLOOR_SLACK * max(1.0, abs(level))
    notify(f"frontier: {len(floors)} CVaR floor(s) from {low:,.1f} to {high:,.1f}")
    solved = plan_all(
        {label: with_risk(case, 0.0, floor) for label, floor in floors.items()},
        jobs=jobs,
        time_limit_s=time_limit_s,
        mip_gap=mip_gap,
        start=safest.as_start("the safest plan"),
    )
    infeasible = 0
    for label, floor in floors.items():
        if solved[label].has_solution:
            found.append(point(solved[label], floor))
        else:
            infeasible += 1
    return found, 1 + points, infeasible
