"""How two plans differ: the decisions that changed, and whether a change in value is news.

A plan solved to a relative MIP gap ``g`` is only known to within ``g x |objective|`` of the
best plan; two runs whose objectives differ by less than the larger of their two gaps (in
USD m) may be the same plan found twice, so that difference is not significant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optimizer.case import records

if TYPE_CHECKING:
    from optimizer.plan import Plan

NOT_SIGNIFICANT = "not significant"
ROUNDING_USD_M = 1e-6  # below this two objectives are the same number


def funding(result: Plan) -> dict[str, str]:
    """Each funded project's choice in words: ``large from 2027``."""
    return {str(r["project"]): f"{r['option']} from {int(r['start_year'])}" for r in records(result.funded)}


def decisions_changed(base: Plan, variant: Plan) -> list[tuple[str, str, str, str]]:
    """(decision, item, in the base, in the variant) for each project or contract decided differently."""
    if not variant.has_solution or not base.has_solution:
        return []
    rows = []
    before, after = funding(base), funding(variant)
    for project in sorted(before.keys() | after.keys()):
        was, now = before.get(project, "not funded"), after.get(project, "not funded")
        if was != now:
            rows.append(("fund", project, was, now))
    signed_before, signed_after = set(base.signed["contract"]), set(variant.signed["contract"])
    for contract in sorted(signed_before ^ signed_after):
        was = "signed" if contract in signed_before else "not signed"
        now = "signed" if contract in signed_after else "not signed"
        rows.append(("sign", contract, was, now))
    return rows


def decisions_in_words(base: Plan, variant: Plan, most: int = 6) -> str:
    """``fund X: large from 2028 -> not funded; sign K: signed -> not signed`` (the first ``most``)."""
    changed = decisions_changed(base, variant)
    words = [f"{verb} {item}: {was} -> {now}" for verb, item, was, now in changed[:most]]
    if len(changed) > most:
        words.append(f"and {len(changed) - most} more")
    return "; ".join(words) if words else "none"


def gap_usd_m(result: Plan) -> float:
    """How far the plan's objective may be from the best plan's, USD m (0 when proven optimal)."""
    if result.objective_usd_m is None:
        return 0.0
    relative = (result.mip_gap or 0.0) * abs(result.objective_usd_m)
    absolute = result.case.settings.mip_abs_gap_usd_m
    return min(relative, absolute) if absolute is not None and result.mip_gap else relative


def noise_usd_m(base: Plan, variant: Plan) -> float:
    """The smallest difference between the two runs' objectives that means something, USD m."""
    return max(gap_usd_m(base), gap_usd_m(variant))


def significance(base: Plan, variant: Plan, difference_usd_m: float | None) -> str:
    """``significant`` or ``not significant (within the MIP gaps, USD 6.8m)`` for a difference in value."""
    if difference_usd_m is None:
        return ""
    noise = noise_usd_m(base, variant)
    if abs(difference_usd_m) <= noise + ROUNDING_USD_M:
        return (
            f"{NOT_SIGNIFICANT} (within the MIP gaps, USD {noise:,.1f}m)"
            if noise > ROUNDING_USD_M
            else "no change"
        )
    return "significant"
