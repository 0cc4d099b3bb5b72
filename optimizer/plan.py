"""``plan(case) -> Plan``: prepare, build, solve, extract. No printing, no files."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.analyses.duals import dual_table
from optimizer.analyses.explain import explain_model_data
from optimizer.analyses.finance import finance_table, finite_or_none, lender_min_dscr
from optimizer.analyses.stochastic import (
    AverageScenarioPlanning,
    StochasticValue,
    conditional_value_at_risk,
    value_at_risk,
    value_of_stochastic_solution,
)
from optimizer.case import Case, records
from optimizer.collector import cycle_collection_paused
from optimizer.models import create_model, extract, ledger, prepare
from optimizer.models.contracts import drop_idle_signatures
from optimizer.models.data import ModelData
from optimizer.solvers.highs import SolveResult, SolverOptions
from optimizer.solvers.method import chosen_method, solve_with
from optimizer.solvers.start import Start, StartOutcome

FINANCE_KEYS = (
    "equity_usd_m",
    "debt_usd_m",
    "prepayments_usd_m",
    "contingency_usd_m",
    "portfolio_irr",
    "equity_irr",
    "min_dscr",
)
"""Keys ``Plan.summary`` adds for project finance (issue 11), also rows of the Summary sheet."""


def portfolio_row(finance: pd.DataFrame) -> dict[str, Any]:
    return project_row(finance, "portfolio")


def project_row(finance: pd.DataFrame, project: str) -> dict[str, Any]:
    """The Finance row of ``project`` for the expected cash flows (empty if none)."""
    if finance.empty:
        return {}
    rows = finance[(finance["project"] == project) & (finance["scenario"] == "expected")]
    return {str(k): v for k, v in rows.iloc[0].to_dict().items()} if not rows.empty else {}


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
    transfers: pd.DataFrame = field(default_factory=pd.DataFrame)  # plant -> plant and spot feed
    cash_flows: pd.DataFrame = field(default_factory=pd.DataFrame)
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)
    npv_by_scenario: pd.DataFrame = field(default_factory=pd.DataFrame)
    project_scenarios: pd.DataFrame = field(
        default_factory=pd.DataFrame
    )  # NPV and feed per project x scenario
    risk: pd.DataFrame = field(default_factory=pd.DataFrame)
    limit_shares: pd.DataFrame = field(default_factory=pd.DataFrame)
    marginal_values: pd.DataFrame = field(
        default_factory=pd.DataFrame
    )  # optimizer.analyses.duals, optimizer.analyses.marginal
    target_costs: pd.DataFrame = field(default_factory=pd.DataFrame)  # optimizer.analyses.target_costs
    plant_cash_flows: pd.DataFrame = field(default_factory=pd.DataFrame)  # models.ledger, per owner
    npv_bridge: pd.DataFrame = field(default_factory=pd.DataFrame)  # plant NPVs -> portfolio NPV
    funding: pd.DataFrame = field(
        default_factory=pd.DataFrame
    )  # money spent vs available per scenario and year
    finance: pd.DataFrame = field(default_factory=pd.DataFrame)  # optimizer.analyses.finance
    messages: list[str] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)  # infeasible: the limits that must move
    model_size: dict[str, int] = field(default_factory=dict)
    start: StartOutcome | None = None  # what became of the warm start, if one was given
    method: str = "extensive"  # how it was solved: extensive or benders

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "time_limit")

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    def as_start(self, source: str) -> Start:
        """This plan's funding and signing, to start another solve from."""
        funded = [(str(r["project"]), str(r["option"]), int(r["start_year"])) for r in records(self.funded)]
        return Start.of(funded, (str(c) for c in self.signed.get("contract", [])), source)

    @property
    def finance_summary(self) -> dict[str, float | None]:
        """Headline financing numbers: own money, debt, prepayments, contingency, portfolio IRRs, lowest DSCR."""
        if self.funded.empty and self.signed.empty:
            return dict.fromkeys(FINANCE_KEYS)
        expected = portfolio_row(self.finance)
        contingency = None
        if not self.funding.empty:
            contingency = float(self.funding.groupby("scenario")["contingency_usd_m"].sum().max())
        debt = float(self.funded["debt_usd_m"].sum()) if "debt_usd_m" in self.funded else 0.0
        prepayments = float(self.signed["prepayment_usd_m"].sum()) if not self.signed.empty else 0.0
        return {
            "equity_usd_m": float(self.funded["equity_usd_m"].sum()) - prepayments
            if not self.funded.empty
            else -prepayments,
            "debt_usd_m": debt,
            "prepayments_usd_m": prepayments,
            "contingency_usd_m": contingency,
            "portfolio_irr": finite_or_none(expected.get("project_irr")),
            "equity_irr": finite_or_none(expected.get("equity_irr")),
            "min_dscr": lender_min_dscr(self.plant_cash_flows) if not self.plant_cash_flows.empty else None,
        }

    def funded_project_finance(self, project: str) -> dict[str, float | None]:
        """``project_irr``, ``equity_irr`` (of its expected cash flows), ``min_dscr`` (lowest in a lender
        scenario) and ``contracted_share`` (expected) of one funded project."""
        row = project_row(self.finance, project)
        return {
            "project_irr": finite_or_none(row.get("project_irr")),
            "equity_irr": finite_or_none(row.get("equity_irr")),
            "min_dscr": lender_min_dscr(self.plant_cash_flows, project)
            if not self.plant_cash_flows.empty
            else None,
            "contracted_share": finite_or_none(row.get("contracted_share")),
        }

    def summary(self, output: Path | None = None) -> dict[str, Any]:
        """The ``--json`` object of SPEC section 5 (keys are an interface: add, never rename)."""
        finance = self.finance_summary
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
                    **self.funded_project_finance(str(r["project"])),
                }
                for r in records(self.funded)
            ],
            "signed_contracts": [
                {"contract": r["contract"], "buyer": r["buyer"], "mineral": r["mineral"]}
                for r in records(self.signed)
            ],
            "explanation": list(self.explanation),
            "method": self.method,
            **finance,
        }

    def to_excel(self, path: str | Path, *, force: bool = False, backup: str | Path | None = None) -> Path:
        """Write the plan workbook (the input sheets plus result sheets), atomically.

        Writing into the input workbook itself needs ``backup``: where its bytes are kept first.
        """
        from optimizer.report.write import write_plan

        return write_plan(self, Path(path), force=force, backup=Path(backup) if backup is not None else None)


def plan(
    case: Case,
    *,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    log: Callable[[str], None] | None = None,
    stage: Callable[[str], None] | None = None,
    stochastic_value: bool = True,
    highs_options: Mapping[str, bool | int | float | str] | None = None,
    marginal_values: bool = True,
    start: Start | None = None,
    write_model: Path | None = None,
    method: str = "auto",
    scheduler: str | None = None,
) -> Plan:
    """Optimise one case. ``time_limit_s`` and ``mip_gap`` override the Settings sheet.

    ``write_model``: also write the model exactly as HiGHS receives it (``.mps`` or ``.lp``).
    ``method``: ``extensive`` (one MIP), ``benders`` (decomposition by scenario and year) or
    ``auto`` (by size, ``optimizer.solvers.method``); ``scheduler`` (``tcp://host:port``) runs
    the Benders blocks on that Dask cluster instead of local processes.
    ``start``: funding and signing to start the MIP from (``Plan.as_start`` of an earlier
    plan, ``optimizer.workbook.previous_plan``); it is checked against today's limits and
    dropped if it no longer holds (``Plan.start`` says which).

    With several scenarios and ``stochastic_value``, two more solves measure the value of
    the stochastic solution (the plan for the average scenario, evaluated in each scenario).
    ``highs_options`` are passed to HiGHS as they are (for experts: threads, presolve,
    mip_max_improving_sols, ...). With ``marginal_values`` (the default) the plan's
    ``marginal_values`` table holds the duals of the LP left with funding and signing fixed
    (``optimizer.analyses.duals``); it costs one LP solve.
    """
    # Building, solving and reading a model make objects that all stay alive until the plan is
    # made: the cycle collector would walk them again and again for no garbage (``collector``).
    with cycle_collection_paused():
        notify = stage or (lambda _: None)
        timings: dict[str, float] = {}
        started = time.perf_counter()
        notify("preparing model data")
        d = prepare(case)
        timings["prepare_s"] = time.perf_counter() - started
        settings = case.settings
        options = SolverOptions(
            time_limit_s=time_limit_s if time_limit_s is not None else settings.time_limit_s,
            mip_gap=mip_gap if mip_gap is not None else settings.mip_gap,
            mip_abs_gap=settings.mip_abs_gap_usd_m,
            log=log,
            highs_options=dict(highs_options or {}),
            duals=marginal_values,
            start=start,
            write_model=write_model,
        )
        if d.uncoverable_demand:
            notify("explaining why no plan is feasible")
            sentences = explain_model_data(d, options).sentences
            messages = status_messages_for("infeasible", None, None)
            return Plan(
                case,
                "infeasible",
                None,
                None,
                None,
                None,
                None,
                0.0,
                timings,
                messages=messages,
                explanation=sentences,
            )
        how = chosen_method(d, method)
        notify("building model")
        t0 = time.perf_counter()
        m = create_model(d, decomposable=how == "benders")
        timings["build_s"] = time.perf_counter() - t0
        average = None
        if stochastic_value and len(d.scenarios) > 1 and how == "extensive":
            # Planned beside the stochastic plan, for the value of the stochastic solution.
            t0 = time.perf_counter()
            average = AverageScenarioPlanning.start(case, options)
            timings["stochastic_value_s"] = time.perf_counter() - t0
        try:
            return solved_plan(
                case, d, m, how, options, timings, notify, log, scheduler, stochastic_value, average
            )
        finally:
            if average is not None:
                average.cancel()  # stops it if the plan ended without it; nothing to stop once read


def solved_plan(
    case: Case,
    d: ModelData,
    m: Any,
    how: str,
    options: SolverOptions,
    timings: dict[str, float],
    notify: Callable[[str], None],
    log: Callable[[str], None] | None,
    scheduler: str | None,
    stochastic_value: bool,
    average: AverageScenarioPlanning | None,
) -> Plan:
    """Solve the built model by ``how``, read the plan, and evaluate the average scenario's plan in it."""
    notify("solving with HiGHS" if how == "extensive" else "solving with HiGHS by Benders decomposition")
    result = solve_with(how, m, d, options, notify=log, scheduler=scheduler)
    timings.update(compile_s=result.compile_s, handoff_s=result.handoff_s, solve_s=result.solve_s)
    timings["duals_s"] = result.duals_s
    size = {"columns": result.num_cols, "rows": result.num_rows, "nonzeros": result.num_nonzeros}
    if not result.has_solution:
        explanation: list[str] = []
        if result.status == "infeasible":
            notify("explaining why no plan is feasible")
            explanation = explain_model_data(d, options).sentences
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
            messages=[*status_messages(result), *result.warnings],
            explanation=explanation,
            model_size=size,
            method=result.method,
        )
    notify("reading the plan")
    t0 = time.perf_counter()
    drop_idle_signatures(m, d)
    built = extracted_plan(case, d, m, result, timings, size)
    built.start = result.start
    built.method = result.method
    timings["start_s"] = result.start_s
    timings["extract_s"] = time.perf_counter() - t0
    vss = None
    if result.method == "benders" and stochastic_value and len(d.scenarios) > 1:
        built.messages.append("the value of the stochastic solution is not computed for decomposed solves")
    elif stochastic_value and len(d.scenarios) > 1 and built.expected_npv_usd_m is not None:
        notify("value of the stochastic solution: the average scenario's plan in every scenario")
        t0 = time.perf_counter()
        if average is None:  # Benders fell back to the extensive form: plan the average scenario now
            average = AverageScenarioPlanning.start(case, options)
            timings["stochastic_value_s"] = 0.0
        vss = value_of_stochastic_solution(d, built.expected_npv_usd_m, average, options, model=m)
        timings["stochastic_value_s"] += time.perf_counter() - t0
        if vss.message:
            built.messages.append(vss.message)
    built.risk = risk_table(case, built.npv_by_scenario, vss)
    return built


def extracted_plan(
    case: Case, d: ModelData, m: Any, result: SolveResult, timings: dict[str, float], size: dict[str, int]
) -> Plan:
    book = ledger.ledger(m, d)
    funded = extract.funded_table(m, d, case, book)
    plant_cash_flows = ledger.plant_cash_flows_table(m, d, book)
    npv = extract.npv_by_scenario_table(m, d)
    expected = float((npv["probability"] * npv["npv_usd_m"]).sum())
    cvar = conditional_value_at_risk(list(npv["npv_usd_m"]), list(npv["probability"]), d.cvar_alpha)
    shares = extract.limit_shares_table(m, d)
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
        transfers=extract.transfers_table(m, d),
        cash_flows=extract.cash_flows_table(m, d, book),
        plant_cash_flows=plant_cash_flows,
        npv_bridge=ledger.npv_bridge_table(book, d, list(funded["project"])),
        funding=ledger.funding_table(book, d),
        finance=finance_table(plant_cash_flows, funded, d.probability),
        coverage=extract.coverage_table(m, d, case),
        npv_by_scenario=npv,
        project_scenarios=extract.project_scenarios_table(m, d, book),
        limit_shares=shares,
        marginal_values=dual_table(m, d, result.row_duals),
        messages=[*status_messages(result), *result.warnings],
        model_size=size,
    )


def risk_table(case: Case, npv: pd.DataFrame, vss: StochasticValue | None) -> pd.DataFrame:
    """The NPV distribution's headline numbers, one metric per row."""
    settings = case.settings
    values, probabilities = list(npv["npv_usd_m"]), list(npv["probability"])
    expected = float(sum(v * p for v, p in zip(values, probabilities, strict=True)))
    rows: list[tuple[str, float | None, str]] = [
        ("expected_npv_usd_m", expected, "probability-weighted NPV over scenarios"),
        (
            "value_at_risk_usd_m",
            value_at_risk(values, probabilities, settings.cvar_alpha),
            f"NPV at the {1 - settings.cvar_alpha:.0%} worst tail's threshold",
        ),
        (
            "cvar_usd_m",
            conditional_value_at_risk(values, probabilities, settings.cvar_alpha),
            f"mean NPV of the worst {1 - settings.cvar_alpha:.0%} of outcomes",
        ),
        ("worst_scenario_npv_usd_m", min(values), "lowest scenario NPV"),
        ("best_scenario_npv_usd_m", max(values), "highest scenario NPV"),
        ("cvar_alpha", settings.cvar_alpha, "CVaR confidence level"),
        ("risk_aversion", settings.risk_aversion, "objective weight on CVaR"),
        ("min_cvar_npv_usd_m", settings.min_cvar_npv_usd_m, "CVaR floor (blank: none)"),
        (
            "average_scenario_plan_expected_npv_usd_m",
            vss.average_plan_expected_npv_usd_m if vss else None,
            "E[NPV] of the plan made for the average scenario",
        ),
        (
            "value_of_stochastic_solution_usd_m",
            vss.value_usd_m if vss else None,
            "E[NPV] gained by planning for the scenarios rather than their average",
        ),
    ]
    return pd.DataFrame(rows, columns=["metric", "value", "meaning"])


def status_messages(result: SolveResult) -> list[str]:
    return status_messages_for(result.status, result.highs_status, result.mip_gap)


def status_messages_for(status: str, highs_status: str | None, mip_gap: float | None) -> list[str]:
    """What a status means for the user. A limit is the time limit unless HiGHS says otherwise."""
    limit = (highs_status or "time limit reached").lower()
    if status == "time_limit":
        gap = f"{mip_gap:.2%}" if mip_gap is not None else "unknown"
        return [f"{limit}: the plan is feasible but may not be optimal (MIP gap {gap})"]
    if status == "no_solution":
        return [f"{limit} before any feasible plan was found; raise --time-limit or relax the limits"]
    if status == "infeasible":
        return ["no plan satisfies every limit at once; the limits that must move:"]
    if status in ("unbounded", "error"):
        return [f"the solver stopped with status {highs_status}"]
    return []
