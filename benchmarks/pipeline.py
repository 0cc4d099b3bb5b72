"""One end-to-end run of the product's pipeline with each stage timed (run in its own process).

    python -m benchmarks.pipeline CASE.xlsx --out RESULT.json [--relax] [--mps MODEL.mps]

Stages: read (workbook -> raw tables), validate (-> Case), build (model data and Pyomo
model), hand-off (standard-form compile and passModel), solve (HiGHS), extract (-> Plan
tables), write (plan workbook). ``--mps`` also writes the exact model HiGHS solved, after
the timed run, so HiGHS alone can be timed on it.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import highspy
from optimizer.models import create_model, prepare

from optimizer.case import Case, file_sha256
from optimizer.plan import extracted_plan
from optimizer.solvers.highs import SolverOptions, compile_model, new_highs, read_result
from optimizer.workbook.read import read_workbook


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(
    path: Path, relax: bool, time_limit_s: float | None, mps: Path | None
) -> dict[str, float | int | str]:
    import scipy.sparse  # noqa: F401  (imported lazily by Pyomo's compiler: not a modelling cost)

    times: dict[str, float] = {}
    started = time.perf_counter()
    raw = read_workbook(path)
    times["read_s"] = time.perf_counter() - started
    t = time.perf_counter()
    case = Case.from_raw_tables(raw, source_path=path, source_sha256=file_sha256(path))
    times["validate_s"] = time.perf_counter() - t
    t = time.perf_counter()
    data = prepare(case)
    model = create_model(data)
    times["build_s"] = time.perf_counter() - t
    t = time.perf_counter()
    compiled = compile_model(model, relax_integrality=relax)
    options = SolverOptions(time_limit_s=time_limit_s, mip_gap=case.settings.mip_gap, relax_integrality=relax)
    highs = new_highs(options)
    highs.passModel(compiled.lp)
    times["handoff_s"] = time.perf_counter() - t
    t = time.perf_counter()
    highs.run()
    times["solve_s"] = time.perf_counter() - t
    result = read_result(highs, compiled, 0.0, times["handoff_s"], times["solve_s"])
    t = time.perf_counter()
    from optimizer.solvers.highs import load_solution

    load_solution(highs, compiled)
    plan = extracted_plan(case, data, model, result, {}, {})
    times["extract_s"] = time.perf_counter() - t
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        plan.to_excel(Path(folder) / "plan.xlsx")
    times["write_s"] = time.perf_counter() - t
    times["end_to_end_s"] = time.perf_counter() - started
    out: dict[str, float | int | str] = {
        **{k: round(v, 3) for k, v in times.items()},
        "status": result.status,
        "objective_usd_m": result.objective if result.objective is not None else float("nan"),
        "columns": compiled.lp.num_col_,
        "rows": compiled.lp.num_row_,
        "nonzeros": len(compiled.lp.a_matrix_.value_),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    if mps is not None:
        writer = highspy.Highs()  # type: ignore[no-untyped-call]
        writer.setOptionValue("output_flag", False)
        writer.passModel(compiled.lp)
        writer.writeModel(str(mps))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("case", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--relax", action="store_true", help="solve the LP relaxation")
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--mps", type=Path, default=None)
    args = parser.parse_args()
    args.out.write_text(json.dumps(run(args.case, args.relax, args.time_limit, args.mps), indent=2))


if __name__ == "__main__":
    main()
