"""HiGHS alone on an MPS file: the floor every other route is measured against.

python -m benchmarks.highs_alone MODEL.mps --out RESULT.json [--time-limit S] [--gap G]
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import highspy


def run(mps: Path, time_limit_s: float | None, mip_gap: float | None) -> dict[str, float | str]:
    started = time.perf_counter()
    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("random_seed", 0)
    if time_limit_s is not None:
        highs.setOptionValue("time_limit", time_limit_s)
    if mip_gap is not None:
        highs.setOptionValue("mip_rel_gap", mip_gap)
    highs.readModel(str(mps))
    read_s = time.perf_counter() - started
    t = time.perf_counter()
    highs.run()
    solve_s = time.perf_counter() - t
    return {
        "read_s": round(read_s, 3),
        "solve_s": round(solve_s, 3),
        "total_s": round(time.perf_counter() - started, 3),
        "status": highs.modelStatusToString(highs.getModelStatus()),
        "objective": float(highs.getInfo().objective_function_value),
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
    args = parser.parse_args()
    args.out.write_text(json.dumps(run(args.mps, args.time_limit, args.gap), indent=2))


if __name__ == "__main__":
    main()
