"""Stress the India-Japan example with a Chinese rare-earth export restriction.

The stress (DOMAIN.md's export-restriction scenario): no spot purchases of NdPr, Dy or Tb
oxide, and their prices x3 (Dy oxide went from USD 250-310/kg to 700-1,000/kg in 2025).
The script plans the base case and the stressed one side by side and prints what changes:
NPV, capex, and which projects and contracts the stress adds or drops.

    python examples/export_restriction.py                # prices x3
    python examples/export_restriction.py --factor 2 --quick
"""

from __future__ import annotations

import argparse
from pathlib import Path

from optimizer import Case, plan_all
from optimizer.analyses.differences import decisions_changed

EXAMPLE = Path(__file__).resolve().with_name("india_japan.xlsx")
RARE_EARTHS = ("NdPr_oxide", "Dy_oxide", "Tb_oxide")


def export_restriction(case: Case, price_factor: float) -> Case:
    """No spot market for the rare earths, and their prices ``price_factor`` times higher."""
    changes: list[tuple[str, str, object]] = []
    for mineral in RARE_EARTHS:
        changes.append((f"Minerals[{mineral}].spot_availability_tpa", "set", 0))
        changes.append((f"Minerals[{mineral}].price_usd_per_t", "scale", price_factor))
    return case.with_changes(changes)


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Rare-earth export-restriction stress of the India-Japan example."
    )
    parser.add_argument("--factor", type=float, default=3.0, help="rare-earth price multiplier (default 3)")
    parser.add_argument("--quick", action="store_true", help="a 1%% MIP gap (for tests)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    parser.add_argument(
        "--time-limit", type=float, default=None, help="seconds per solve (default: Settings; inf: none)"
    )
    args = parser.parse_args()
    base = Case.from_excel(EXAMPLE)
    plans = plan_all(
        {"base": base, "export restriction": export_restriction(base, args.factor)},
        jobs=args.jobs,
        mip_gap=0.01 if args.quick else None,
        time_limit_s=args.time_limit,
    )
    for name, result in plans.items():
        print(
            f"{name:>20}: {result.status}, expected NPV USD {result.expected_npv_usd_m:,.1f}m, "
            f"capex USD {result.capex_usd_m:,.1f}m, {len(result.funded)} projects, {len(result.signed)} contracts"
        )
    print("decisions that change under the restriction:")
    for decision, item, was, now in decisions_changed(plans["base"], plans["export restriction"]):
        print(f"  {decision} {item}: {was} -> {now}")


if __name__ == "__main__":
    main()
