"""Which solution method a case gets: the extensive form in one HiGHS MIP, or Benders decomposition.

The extensive form is the model as written, handed to HiGHS whole; it is the fastest route
while HiGHS can take the LP of every scenario at once. Past a size (measured: the medium
benchmark, 121,000 columns, reaches no 1e-4 gap in 300 s as one MIP and 1e-5 in about 40 s
decomposed) the decomposition is chosen: ``auto`` takes it when the operating columns of the
extensive form would exceed ``BENDERS_ABOVE_COLUMNS``.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable

import pyomo.core as pyo

from optimizer.errors import UsageError
from optimizer.models.data import ModelData
from optimizer.solvers.highs import SolveResult, SolverOptions, solve

METHODS = ("auto", "extensive", "benders")
BENDERS_ABOVE_COLUMNS = 50_000


def estimated_columns(d: ModelData) -> int:
    """The extensive form's operating columns, counted from the model data without building it."""
    plant_minerals = sum(len(d.plant_minerals.get(p, [])) for p, _ in d.plant_years)
    per_scenario = len(d.arcs) + len(d.plant_years) + plant_minerals + 2 * len(d.contract_years)
    return per_scenario * len(d.scenarios)


def chosen_method(d: ModelData, requested: str) -> str:
    """``extensive`` or ``benders``: what ``requested`` (auto, extensive, benders) means for this case."""
    if requested not in METHODS:
        raise UsageError(f"unknown method {requested!r}; use one of {', '.join(METHODS)}")
    if requested != "auto":
        return requested
    return "benders" if estimated_columns(d) > BENDERS_ABOVE_COLUMNS else "extensive"


def block_jobs() -> int:
    """Worker processes for the blocks: the cores, or 1 inside a worker of a batch (no nesting)."""
    if multiprocessing.parent_process() is not None:
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def solve_with(
    method: str,
    model: pyo.ConcreteModel,
    d: ModelData,
    options: SolverOptions,
    notify: Callable[[str], None] | None = None,
    scheduler: str | None = None,
) -> SolveResult:
    """Solve ``model`` (built with ``decomposable`` for benders) by ``method``; Benders blocks run on
    local processes, or on the Dask cluster at ``scheduler``."""
    if method == "extensive":
        return solve(model, options)
    from optimizer.solvers.benders import DecompositionError, solve_decomposed

    try:
        return solve_decomposed(
            model, d.scenarios, options, jobs=block_jobs(), scheduler=scheduler, notify=notify
        )
    except DecompositionError as error:
        result = solve(model, options)
        result.warnings.append(
            f"Benders decomposition could not be used ({error}); solved as one MIP instead"
        )
        result.method = "extensive"
        return result
