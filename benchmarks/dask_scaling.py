"""How the decomposed solve's time falls with Dask workers: the same case on 1, 2, ... workers.

    python -m benchmarks.dask_scaling medium --workers 1 2
    python -m benchmarks.dask_scaling large --workers 1 2 --gap 0.01 --time-limit 1800

For each worker count a ``dask scheduler`` and that many ``dask worker`` processes (one
thread each) are started on 127.0.0.1, the case is planned with Benders decomposition on
them (``plan(..., method="benders", scheduler=...)``: the master runs in this process, the
(scenario, year) blocks on the workers), and the cluster is stopped. Every count solves
the same case to the same gap in a fresh process; the table gives the solve and end-to-end
times and the speed-up over one worker. On a machine with N cores, counts above N only
share the cores.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.run import RESULTS, case_path, run_module
from tests.support.dask_cluster import local_cluster

START_TIMEOUT_S = 120


def with_cluster(workers: int, run: Any) -> Any:
    """Start a scheduler and ``workers`` one-thread workers on 127.0.0.1, call ``run(address)``, stop them."""
    with (
        tempfile.TemporaryDirectory() as scratch,
        local_cluster(Path(scratch), workers, START_TIMEOUT_S) as address,
    ):
        return run(address)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("case", choices=["small", "medium", "large"])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--gap", type=float, default=1e-4)
    parser.add_argument("--time-limit", type=float, default=1800.0)
    args = parser.parse_args()
    path = case_path(args.case)
    rows = []
    for count in args.workers:
        print(f"{args.case}: Benders on {count} Dask worker(s)", file=sys.stderr)
        started = time.perf_counter()
        result = with_cluster(
            count,
            lambda address: run_module(
                "benchmarks.pipeline", str(path), "--method", "benders", "--scheduler", address,
                "--gap", str(args.gap), "--time-limit", str(args.time_limit),
            ),
        )  # fmt: skip
        result["workers"] = count
        result["with_cluster_s"] = round(time.perf_counter() - started, 1)
        rows.append(result)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"dask-{args.case}.json").write_text(json.dumps(rows, indent=2))
    one = rows[0]["solve_s"]
    print("| workers | solve s | end-to-end s | speed-up of the solve | gap | status |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['workers']} | {r['solve_s']:.1f} | {r['end_to_end_s']:.1f} | {one / r['solve_s']:.2f} | "
            f"{r['mip_gap'] if r['mip_gap'] is None else format(r['mip_gap'], '.1e')} | {r['status']} |"
        )


if __name__ == "__main__":
    main()
