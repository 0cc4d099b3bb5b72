"""HiGHS alone on an MPS file: the floor every other route is measured against.

python -m benchmarks.highs_alone MODEL.mps --out RESULT.json [--time-limit S] [--gap G] [--relax]

HiGHS runs with its own default options (only the gap, the time limit and the seed are
set), so the ratio says what our formulation, options and decomposition add or save.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import highspy

from optimizer.solvers.highs import quiet_highs


def run(mps: Path, time_limit_s: float | None, mip_gap: float | None, relax: bool) -> dict[str, float | str]:
    started = time.perf_counter()
    highs = quiet_highs()
    highs.setOptionValue("random_seed", 0)
    if time_limit_s is not None:
        highs.setOptionValue("time_limit", time_limit_s)
    if mip_gap is not None:
        highs.setOptionValue("mip_rel_gap", mip_gap)
    if relax:
        highs.setOptionValue("solve_relaxation", True)
    highs.readModel(str(mps))
    read_s = time.perf_counter() - started
    t = time.perf_counter()
    highs.run()
    solve_s = time.perf_counter() - t
    info = highs.getInfo()
    return {
        "read_s": round(read_s, 3),
        "solve_s": round(solve_s, 3),
        "total_s": round(time.perf_counter() - started, 3),
        "status": highs.modelStatusToString(highs.getModelStatus()),
        "objective": float(info.objective_function_value),
        "mip_gap": float(info.mip_gap) if not relax and info.mip_gap < highspy.kHighsInf else 0.0,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mps", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--gap", type=float, default=None)
    parser.add_argument("--relax", action="store_true", help="the LP relaxation")
    args = parser.parse_args()
    args.out.write_text(json.dumps(run(args.mps, args.time_limit, args.gap, args.relax), indent=2))


if __name__ == "__main__":
    main()
