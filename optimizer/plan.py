"""``plan(case) -> Plan``: prepare, build, solve, extract. No printing, no files."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer import extract
from optimizer.case import Case, records
from optimizer.duals import dual_table
from optimizer.models import create_model, prepare
from optimizer.models.data import ModelData
from optimizer.solve import SolveResult, SolverOptions, solve

EXIT_CODES = {"optimal": 0, "time_limit": 0, "infeasible": 1, "unbounded": 1, "error": 1, "no_solution": 3}


@dataclass
class Plan:
    """The answer to one case: headline numbers and the result tables."""

    case: Case
    status: str
    objective_usd_m: float | None
    expected_npv_usd_m: float | None
    cvar_usd_m: float | None
    capex_usd_m: float | None
    mip_gap: float | None
    solve_s: float
    timings_s: dict[str, float]
    funded: pd.DataFrame = field(default_factory=pd.DataFrame)
    signed: pd.DataFrame = field(default_factory=pd.DataFrame)
    flows: pd.DataFrame = field(default_factory=pd.DataFrame)
    cash_flows: pd.DataFrame = field(default_factory=pd.DataFrame)
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)
    npv_by_scenario: pd.DataFrame = field(default_factory=pd.DataFrame)
    marginal_values: pd.DataFrame = field(default_factory=pd.DataFrame)  # optimizer.duals, optimizer.marginal
    messages: list[str] = field(default_factory=list)
    model_size: dict[str, int] = field(default_factory=dict)

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "time_limit")

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    def summary(self, output: Path | None = None) -> dict[str, Any]:
        """The ``--json`` object of SPEC section 5 (keys are an interface: add, never rename)."""
        return {
            "status": self.status,
            "objective_usd_m": self.objective_usd_m,
            "expected_npv_usd_m": self.expected_npv_usd_m,
            "cvar_usd_m": self.cvar_usd_m,
            "capex_usd_m": self.capex_usd_m,
            "mip_gap": self.mip_gap,
            "solve_s": round(self.solve_s, 3),
            "output": str(output) if output is not None else None,
            "funded_projects": [
                {
                    "project": r["project"],
                    "option": r["option"],
                    "start_year": int(r["start_year"]),
                    "capex_usd_m": float(r["capex_usd_m"]),
                }
                for r in records(self.funded)
            ],
            "signed_contracts": [
                {"contract": r["contract"], "buyer": r["buyer"], "mineral": r["mineral"]}
                for r in records(self.signed)
            ],
        }

    def to_excel(self, path: str | Path, *, force: bool = False) -> Path:
        """Write the plan workbook (the input sheets plus result sheets), atomically."""
        from optimizer.write import write_plan

        return write_plan(self, Path(path), force=force)


def conditional_value_at_risk(values: list[float], probabilities: list[float], alpha: float) -> float:
    """CVaR_alpha of an NPV distribution: the probability-weighted mean of its worst (1 - alpha) tail."""
    tail = 1.0 - alpha
    remaining = tail
    total = 0.0
    for value, probability in sorted(zip(values, probabilities, strict=True)):
        take = min(probability, remaining)
        total += take * value
        remaining -= take
        if remaining <= 1e-12:
            break
    return total / tail


def plan(
    case: Case,
    *,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    log: Callable[[str], None] | None = None,
    stage: Callable[[str], None] | None = None,
    marginal_values: bool = True,
) -> Plan:
    """Optimise one case. ``time_limit_s`` and ``mip_gap`` override the Settings sheet.

    With ``marginal_values`` (the default) the plan's ``marginal_values`` table holds the duals
    of the LP left with funding and signing fixed (``optimizer.duals``); it costs one LP solve.
    """
    notify = stage or (lambda _: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    notify("preparing model data")
    d = prepare(case)
    timings["prepare_s"] = time.perf_counter() - started
    if d.uncoverable_demand:
        messages = [
            f"{mineral} coverage in {year} needs {need:,.0f} t but no plant could deliver {mineral} under any contract that year"
            for mineral, year, need in d.uncoverable_demand
        ]
        return Plan(case, "infeasible", None, None, None, None, None, 0.0, timings, messages=messages)
    notify("building model")
    t0 = time.perf_counter()
    m = create_model(d)
    timings["build_s"] = time.perf_counter() - t0
    settings = case.settings
    options = SolverOptions(
        time_limit_s=time_limit_s if time_limit_s is not None else settings.time_limit_s,
        mip_gap=mip_gap if mip_gap is not None else settings.mip_gap,
        mip_abs_gap=settings.mip_abs_gap_usd_m,
        log=log,
        duals=marginal_values,
    )
    notify("solving with HiGHS")
    result = solve(m, options)
    timings.update(compile_s=result.compile_s, handoff_s=result.handoff_s, solve_s=result.solve_s)
    timings["duals_s"] = result.duals_s
    size = {"columns": result.num_cols, "rows": result.num_rows, "nonzeros": result.num_nonzeros}
    if not result.has_solution:
        return Plan(
            case,
            result.status,
            None,
            None,
            None,
            None,
            None,
            result.solve_s,
            timings,
            messages=status_messages(result),
            model_size=size,
        )
    notify("reading the plan")
    t0 = time.perf_counter()
    built = extracted_plan(case, d, m, result, timings, size)
    timings["extract_s"] = time.perf_counter() - t0
    return built


def extracted_plan(
    case: Case, d: ModelData, m: Any, result: SolveResult, timings: dict[str, float], size: dict[str, int]
) -> Plan:
    funded = extract.funded_table(m, d, case)
    npv = extract.npv_by_scenario_table(m, d)
    expected = float((npv["probability"] * npv["npv_usd_m"]).sum())
    cvar = conditional_value_at_risk(list(npv["npv_usd_m"]), list(npv["probability"]), d.cvar_alpha)
    return Plan(
        case=case,
        status=result.status,
        objective_usd_m=result.objective,
        expected_npv_usd_m=expected,
        cvar_usd_m=cvar,
        capex_usd_m=float(funded["capex_usd_m"].sum()),
        mip_gap=result.mip_gap,
        solve_s=result.solve_s,
        timings_s=timings,
        funded=funded,
        signed=extract.signed_table(m, d, case),
        flows=extract.flows_table(m, d),
        cash_flows=extract.cash_flows_table(m, d),
        coverage=extract.coverage_table(m, d, case),
        npv_by_scenario=npv,
        marginal_values=dual_table(m, d, result.row_duals),
        messages=status_messages(result),
        model_size=size,
    )


def status_messages(result: SolveResult) -> list[str]:
    if result.status == "time_limit":
        gap = f"{result.mip_gap:.2%}" if result.mip_gap is not None else "unknown"
        return [f"time limit reached: the plan is feasible but may not be optimal (MIP gap {gap})"]
    if result.status == "no_solution":
        return [
            "time limit reached before any feasible plan was found; raise --time-limit or relax the limits"
        ]
    if result.status == "infeasible":
        return [
            "no plan satisfies every limit at once (budget, demand coverage, locks, contract minimums); relax one and run again"
        ]
    if result.status in ("unbounded", "error"):
        return [f"the solver stopped with status {result.highs_status}"]
    return []
