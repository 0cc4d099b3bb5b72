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
) -> list[FrontierPoint]:
    """Up to ``points`` efficient (CVaR, E[NPV]) pairs from the risk-neutral plan to the safest."""
    return trace_frontier(case, points, time_limit_s=time_limit_s, mip_gap=mip_gap, stage=stage).points


def trace_frontier(
    case: Case,
    points: int = 5,
    *,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    stage: Callable[[str], None] | None = None,
) -> Frontier:
    """The frontier of ``frontier``, with the reasons it has fewer points than asked.

    Points are dropped when another beats them on both axes, merged when they lie within the
    MIP gap of a neighbour (a difference the solver cannot tell from noise), and missing when
    their CVaR floor has no feasible plan within the limits.
    """
    found, solved, infeasible = solve_points(case, points, time_limit_s, mip_gap, stage)
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
) -> tuple[list[FrontierPoint], int, int]:
    """The points solved (best expected NPV first), how many solves, how many floors had no plan."""
    notify = stage or (lambda _: None)

    neighbour: list[Plan] = []  # the last plan found: each point starts from its neighbour

    def solve(risk_aversion: float, floor: float | None, label: str) -> Plan | None:
        notify(label)
        result = plan(
            with_risk(case, risk_aversion, floor),
            time_limit_s=time_limit_s,
            mip_gap=mip_gap,
            stochastic_value=False,
            marginal_values=False,
            start=neighbour[-1].as_start("the neighbouring point") if neighbour else None,
        )
        if not result.has_solution:
            return None
        neighbour.append(result)
        return result

    best_npv = solve(0.0, None, "frontier: best expected NPV")
    if best_npv is None:
        return [], 1, 1
    found = [point(best_npv, None)]
    if points < 2:
        return found, 1, 0
    safest = solve(1.0, None, "frontier: best CVaR")
    if safest is None:
        return found, 2, 1
    low, high = point(best_npv, None).cvar_usd_m, point(safest, None).cvar_usd_m
    if high <= low + FLOOR_SLACK * max(1.0, abs(low)):
        # The best plan is already (within the MIP gap) the safest: the frontier is one point.
        return efficient([*found, point(safest, None)]), 2, 0
    infeasible = 0
    for i in range(1, points):
        level = low + (high - low) * i / (points - 1)
        floor = level - FLOOR_SLACK * max(1.0, abs(level))
        result = solve(0.0, floor, f"frontier: point {i + 1} of {points}, CVaR >= {level:,.1f}")
        if result is not None:
            found.append(point(result, floor))
        else:
            infeasible += 1
    return found, 1 + points, infeasible
