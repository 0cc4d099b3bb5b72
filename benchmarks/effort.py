"""Solver effort on a case, robust to a busy machine: one thread, CPU seconds, nodes, LP iterations.

    python -m benchmarks.effort examples/india_japan.xlsx --seeds 0 1 2

HiGHS's path through a MIP changes with the order of rows and columns and with its seed,
so a formulation change is judged on the mean over a few seeds, never on one run; with one
thread, CPU seconds and the counts of nodes and LP iterations barely depend on what else
the machine is doing. This is how a new rule says what it costs the example's solve.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from optimizer.models import create_model, prepare

from optimizer import Case
from optimizer.solvers.highs import SolverOptions, compile_model, new_highs, solver_lp


def effort(path: Path, seeds: list[int], mip_gap: float) -> list[dict[str, float]]:
    case = Case.from_excel(path)
    compiled = compile_model(create_model(prepare(case)))
    runs = []
    for seed in seeds:
        h = new_highs(SolverOptions(mip_gap=mip_gap, random_seed=seed, highs_options={"threads": 1}))
        h.passModel(solver_lp(compiled))
        started = time.process_time()
        h.run()
        cpu_s = time.process_time() - started
        info = h.getInfo()
        runs.append(
            {
                "seed": seed,
                "objective": float(info.objective_function_value),
                "cpu_s": cpu_s,
                "nodes": float(info.mip_node_count),
                "lp_iterations": float(info.simplex_iteration_count),
            }
        )
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("case", type=Path)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--gap", type=float, default=1e-4)
    args = parser.parse_args()
    runs = effort(args.case, args.seeds, args.gap)
    for r in runs:
        print(
            f"seed {r['seed']:.0f}: objective {r['objective']:.6f}  CPU {r['cpu_s']:7.2f} s  "
            f"nodes {r['nodes']:6.0f}  LP iterations {r['lp_iterations']:8.0f}"
        )
    print(f"mean CPU {statistics.mean(r['cpu_s'] for r in runs):.2f} s over {len(runs)} seeds")


if __name__ == "__main__":
    main()
