"""Sweep the capex budget of the India-Japan example from USD 100m to 400m and chart the answer.

For each budget the script plans the case (the budgets in parallel, one process per core),
prints expected NPV, capex, demand coverage per mineral and the marginal value of budget
between neighbouring points (USD m of NPV per USD m of budget), and draws NPV and coverage
against budget to a PNG.

    python examples/budget_sweep.py                     # 100, 150, ..., 400; writes budget_sweep.png
    python examples/budget_sweep.py --quick -o out.png  # 100, 250, 400 at a 1% MIP gap

Below about USD 250m the case is infeasible: the lithium coverage target needs a refinery,
and in a small portfolio one refinery breaks the 40% single-sponsor and 50% single-state
limits (``optimize explain`` says by how much); those budgets show as infeasible.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from optimizer import Case, Plan, plan_all

EXAMPLE = Path(__file__).resolve().with_name("india_japan.xlsx")


def coverage_by_mineral(result: Plan) -> dict[str, float]:
    """Share of the Demand sheet's tonnes that contracted deliveries from funded plants cover."""
    if not result.has_solution:
        return {}
    totals = result.coverage.groupby("mineral")[["covered_t", "demand_t"]].sum()
    return {str(mineral): float(row.covered_t / row.demand_t) for mineral, row in totals.iterrows()}


def sweep(
    case: Case,
    budgets: list[float],
    jobs: int | None,
    mip_gap: float | None,
    time_limit_s: float | None = None,
) -> pd.DataFrame:
    """One row per budget: objective, expected NPV, capex, coverage per mineral, marginal value."""
    cases = {f"{b:g}": case.with_changes({"Settings.budget_usd_m": b}) for b in budgets}
    plans = plan_all(cases, jobs=jobs, mip_gap=mip_gap, time_limit_s=time_limit_s)
    rows = []
    for budget, result in zip(budgets, plans.values(), strict=True):
        rows.append(
            {
                "budget_usd_m": budget,
                "status": result.status,
                "expected_npv_usd_m": result.expected_npv_usd_m,
                "capex_usd_m": result.capex_usd_m,
                "projects_funded": len(result.funded),
                **{f"coverage_{m}": share for m, share in coverage_by_mineral(result).items()},
            }
        )
    table = pd.DataFrame(rows)
    table["npv_per_budget_usd_m_per_usd_m"] = (
        table["expected_npv_usd_m"].diff() / table["budget_usd_m"].diff()
    )
    return table


def chart(table: pd.DataFrame, path: Path) -> None:
    """Expected NPV (top) and coverage by mineral (bottom) against budget."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (npv, coverage) = plt.subplots(2, 1, sharex=True, figsize=(7, 6))
    npv.plot(table["budget_usd_m"], table["expected_npv_usd_m"], marker="o")
    npv.set_ylabel("expected NPV, USD m")
    npv.set_title("India-Japan portfolio: what more budget buys")
    npv.grid(alpha=0.3)
    for column in (c for c in table.columns if c.startswith("coverage_")):
        coverage.plot(
            table["budget_usd_m"], 100 * table[column], marker="o", label=column.removeprefix("coverage_")
        )
    coverage.set_ylabel("Japanese demand covered, %")
    coverage.set_xlabel("capex budget, USD m (before prepayments)")
    coverage.legend()
    coverage.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description="Budget sweep of the India-Japan example.")
    parser.add_argument("--quick", action="store_true", help="three budgets at a 1%% MIP gap (for tests)")
    parser.add_argument("-o", "--output", type=Path, default=Path("budget_sweep.png"), help="chart to write")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    parser.add_argument(
        "--time-limit", type=float, default=None, help="seconds per solve (default: Settings; inf: none)"
    )
    args = parser.parse_args()
    budgets = [100.0, 250.0, 400.0] if args.quick else [100.0 + 50 * i for i in range(7)]
    table = sweep(Case.from_excel(EXAMPLE), budgets, args.jobs, 0.01 if args.quick else None, args.time_limit)
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.precision", 3):
        print(table.to_string(index=False))
    chart(table, args.output)
    print(f"chart written to {args.output}")


if __name__ == "__main__":
    main()
