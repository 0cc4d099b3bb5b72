"""One end-to-end run of the product on a case, every stage timed (run in its own process).

    python -m benchmarks.pipeline CASE.xlsx --out RESULT.json [--method auto] [--time-limit S]
        [--relax] [--mps MODEL.mps] [--scheduler tcp://host:port]

It runs what ``optimize plan CASE.xlsx`` runs: read and validate the workbook, then
``plan()`` with the chosen method (prepare, build, compile and hand-off, solve, extract,
marginal values), then write the plan workbook. ``--relax`` solves the LP relaxation of
the extensive form instead (it isolates our overhead around HiGHS). ``--mps`` writes the
model exactly as HiGHS receives it for the extensive method (the decomposable one for
Benders), so HiGHS alone can be timed on it.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from optimizer.models import create_model, prepare

from optimizer.case import Case, file_sha256
from optimizer.plan import plan
from optimizer.solvers.highs import SolverOptions, solve, write_mps
from optimizer.solvers.method import chosen_method
from optimizer.workbook.read import read_workbook


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(
    path: Path,
    method: str,
    relax: bool,
    time_limit_s: float | None,
    mps: Path | None,
    mip_gap: float | None,
    scheduler: str | None = None,
) -> dict[str, Any]:
    import scipy.sparse  # noqa: F401  (imported lazily by Pyomo's compiler: not a modelling cost)

    times: dict[str, float] = {}
    started = time.perf_counter()
    raw = read_workbook(path)
    times["read_s"] = time.perf_counter() - started
    t = time.perf_counter()
    case = Case.from_raw_tables(raw, source_path=path, source_sha256=file_sha256(path))
    times["validate_s"] = time.perf_counter() - t
    limit = math.inf if time_limit_s is None else time_limit_s
    if relax:
        t = time.perf_counter()
        d = prepare(case)
        model = create_model(d)
        times["build_s"] = time.perf_counter() - t
        result = solve(model, SolverOptions(relax_integrality=True, time_limit_s=limit))
        times.update(compile_s=result.compile_s, handoff_s=result.handoff_s, solve_s=result.solve_s)
        times["end_to_end_s"] = time.perf_counter() - started
        out: dict[str, Any] = {
            **{k: round(v, 3) for k, v in times.items()},
            "method": "LP relaxation",
            "status": result.status,
            "objective_usd_m": result.objective,
            "mip_gap": 0.0,
            "columns": result.num_cols,
            "rows": result.num_rows,
            "nonzeros": result.num_nonzeros,
        }
    else:
        result_plan = plan(
            case,
            time_limit_s=limit,
            mip_gap=mip_gap,
            method=method,
            stochastic_value=False,
            scheduler=scheduler,
        )
        times.update({k: v for k, v in result_plan.timings_s.items()})
        t = time.perf_counter()
        if result_plan.has_solution:
            with tempfile.TemporaryDirectory() as folder:
                result_plan.to_excel(Path(folder) / "plan.xlsx")
        times["write_s"] = time.perf_counter() - t
        times["end_to_end_s"] = time.perf_counter() - started
        out = {
            **{k: round(v, 3) for k, v in times.items()},
            "method": result_plan.method,
            "status": result_plan.status,
            "objective_usd_m": result_plan.objective_usd_m,
            "mip_gap": result_plan.mip_gap,
            **result_plan.model_size,
        }
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    if mps is not None:
        d = prepare(case)
        write_mps(create_model(d, decomposable=chosen_method(d, method) == "benders"), mps)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("case", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--method", default="auto", choices=["auto", "extensive", "benders"])
    parser.add_argument("--relax", action="store_true", help="solve the LP relaxation of the extensive form")
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--mps", type=Path, default=None)
    parser.add_argument(
        "--gap", type=float, default=None, help="relative MIP gap (default: the case's Settings)"
    )
    parser.add_argument(
        "--scheduler", default=None, help="tcp://host:port: Benders blocks on that Dask cluster"
    )
    args = parser.parse_args()
    result = run(args.case, args.method, args.relax, args.time_limit, args.mps, args.gap, args.scheduler)
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
