"""Measure re-solving a budget sweep: rebuild each variant vs one persistent HiGHS model.

Run from the repository root (after ``pip install -e .``)::

    python benchmarks/whatif_resolve.py [--budgets 100,150,200,250,300,350,400] [--repeat 2]

Routes, each over the same budgets on the shipped India-Japan example:

- rebuild: ``plan(case.with_changes(...))`` per budget (prepare, build, compile, pass, solve);
- persistent: compile and pass the model once, then change the budget row's bound and re-run;
- persistent + warm start: as persistent, handing HiGHS the previous budget's incumbent
  (``setSolution``) when it is still feasible (budgets visited in increasing order).

This script talks to highspy directly because it measures an alternative to
``optimizer.solvers.highs``; the package itself never does.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import highspy
from optimizer.models import create_model, prepare

from optimizer import Case, plan
from optimizer.solvers.highs import SolverOptions, compile_model, new_highs, solver_lp
from optimizer.solvers.standard_form import Rows

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "india_japan.xlsx"


@dataclass
class Tally:
    """Seconds outside HiGHS (rebuild, compile, hand-off), seconds in HiGHS, and HiGHS's work."""

    overhead_s: float = 0.0
    highs_s: float = 0.0
    nodes: int = 0
    simplex_iterations: int = 0
    objectives: list[float] = field(default_factory=list)

    def ran(self, h: highspy.Highs, started: float) -> None:
        self.highs_s += time.perf_counter() - started
        info = h.getInfo()
        self.nodes += int(info.mip_node_count)
        self.simplex_iterations += int(info.simplex_iteration_count)
        self.objectives.append(float(info.objective_function_value))


def options(case: Case) -> SolverOptions:
    return SolverOptions(time_limit_s=case.settings.time_limit_s, mip_gap=case.settings.mip_gap)


def budget_row(rows: Rows) -> int:
    return next(i for i, con in rows.pyomo_rows() if con.parent_component().name == "capex_within_budget")


def rebuild(case: Case, budgets: list[float]) -> Tally:
    """What ``plan`` does for each variant: derive the case, prepare, build, compile, pass, solve."""
    tally = Tally()
    for budget in budgets:
        started = time.perf_counter()
        variant = case.with_changes({"Settings.budget_usd_m": budget})
        compiled = compile_model(create_model(prepare(variant)))
        h = new_highs(options(variant))
        h.passModel(solver_lp(compiled))
        handed = time.perf_counter()
        tally.overhead_s += handed - started
        h.run()
        tally.ran(h, handed)
    return tally


def persistent(case: Case, budgets: list[float], warm: bool) -> Tally:
    """Build and pass once; per budget change one row bound (and hand over the last incumbent)."""
    tally = Tally()
    started = time.perf_counter()
    compiled = compile_model(create_model(prepare(case)))
    row = budget_row(compiled.rows)
    h = new_highs(options(case))
    h.passModel(solver_lp(compiled))
    tally.overhead_s += time.perf_counter() - started
    previous: list[float] | None = None
    for budget in budgets:
        started = time.perf_counter()
        h.changeRowBounds(row, -highspy.kHighsInf, float(budget))
        if warm and previous is not None:
            solution = highspy.HighsSolution()
            solution.col_value = previous
            solution.value_valid = True
            h.setSolution(solution)
        handed = time.perf_counter()
        tally.overhead_s += handed - started
        h.run()
        tally.ran(h, handed)
        previous = list(h.getSolution().col_value)
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", default="100,150,200,250,300,350,400")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    budgets = [float(b) for b in args.budgets.split(",")]
    case = Case.from_excel(EXAMPLE)
    plan(case)  # warm up imports and scipy's lazy compile path before timing
    for attempt in range(args.repeat):
        routes: list[tuple[str, Callable[[], Tally]]] = [
            ("rebuild", lambda: rebuild(case, budgets)),
            ("persistent", lambda: persistent(case, budgets, warm=False)),
            ("persistent + warm start", lambda: persistent(case, budgets, warm=True)),
        ]
        for name, route in routes:
            t = route()
            shown = ", ".join(f"{o:.1f}" for o in t.objectives)
            print(
                f"run {attempt + 1}  {name:<24} outside HiGHS {t.overhead_s:5.2f} s  HiGHS {t.highs_s:6.2f} s  "
                f"nodes {t.nodes:6d}  simplex iterations {t.simplex_iterations:7d}  objectives {shown}",
                flush=True,
            )


if __name__ == "__main__":
    main()
