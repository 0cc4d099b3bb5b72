"""The result sheets of a plan workbook: one registry entry per sheet.

Each entry names the sheet (also the Excel table's name), the plan table it shows (a
``Plan`` attribute, or a function deriving a table from the plan), a title and one
sentence for the reader, and the charts drawn from it. Adding a result sheet is adding
one line to ``RESULT_TABLES`` (and its name to ``schema.RESULT_SHEETS``, so that reading
a plan back skips it). ``Summary`` is laid out by hand: its cells never move.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from optimizer.report import charts

if TYPE_CHECKING:
    from optimizer.plan import Plan

SUMMARY_ROWS = (
    "status",
    "objective_usd_m",
    "expected_npv_usd_m",
    "cvar_usd_m",
    "capex_usd_m",
    "budget_usd_m",
    "mip_gap",
    "solve_s",
    "input_file",
    "input_sha256",
    "optimizer_version",
    "pyomo_version",
    "highs_version",
    "written_at_utc",
)
"""Summary keys, one per row from row 3 (values in column B): their cells never move."""

SUMMARY_MEANINGS = {
    "status": "Solver status: optimal, or time_limit (feasible; see the MIP gap)",
    "objective_usd_m": "Objective, USD m: (1 - risk_aversion) x E[NPV] + risk_aversion x CVaR",
    "expected_npv_usd_m": "Expected NPV, USD m: probability-weighted over scenarios",
    "cvar_usd_m": "CVaR of NPV at cvar_alpha, USD m: mean of the worst tail",
    "capex_usd_m": "Capex of the funded projects, USD m",
    "budget_usd_m": "Capital budget from Settings, USD m (prepayments widen it)",
    "mip_gap": "Relative MIP gap at the end of the solve (0 = proven optimal)",
    "solve_s": "HiGHS solve time, seconds",
    "input_file": "Workbook the plan was computed from",
    "input_sha256": "SHA-256 of that workbook's bytes",
    "optimizer_version": "Version of this tool (offtake-optimizer)",
    "pyomo_version": "Pyomo version",
    "highs_version": "HiGHS (highspy) version",
    "written_at_utc": "When this plan was written, UTC",
}

TableSource = str | Callable[["Plan"], pd.DataFrame]


def always(plan: Plan) -> bool:
    return True


def several_scenarios(plan: Plan) -> bool:
    return len(plan.npv_by_scenario) > 1


@dataclass(frozen=True)
class ResultSheet:
    """A result sheet: an Excel table at A4 (title in A1, description in A2) and its charts."""

    name: str
    title: str
    source: TableSource
    description: str
    charts: tuple[charts.ChartMaker, ...] = ()
    when: Callable[[Plan], bool] = always

    def frame(self, plan: Plan) -> pd.DataFrame:
        if isinstance(self.source, str):
            frame: pd.DataFrame = getattr(plan, self.source)
            return frame
        return self.source(plan)


def expected_over_scenarios(
    frame: pd.DataFrame, plan: Plan, by: list[str], columns: list[str]
) -> pd.DataFrame:
    """Probability-weighted sums of ``columns`` per ``by``: expected values over the scenarios."""
    probability = plan.npv_by_scenario.set_index("scenario")["probability"]
    weights = frame["scenario"].map(probability).astype(float)
    weighted = frame[by].copy()
    for column in columns:
        weighted[column] = frame[column].astype(float) * weights
    return weighted.groupby(by, sort=True)[columns].sum().reset_index()


def by_year(plan: Plan) -> pd.DataFrame:
    """One row per year: capex spent, revenue and cash (expected, USD m); contracted tonnes per mineral."""
    years = pd.DataFrame({"year": list(plan.case.settings.years)})
    money = ["capex_usd_m", "contract_revenue_usd_m", "net_cash_usd_m", "discounted_usd_m"]
    cash = (
        expected_over_scenarios(plan.cash_flows, plan, ["year"], money) if not plan.cash_flows.empty else None
    )
    table = (
        years.merge(cash, on="year", how="left")
        if cash is not None
        else years.assign(**dict.fromkeys(money, 0.0))
    )
    table["capex_usd_m"] = -table["capex_usd_m"]
    if not plan.flows.empty:
        tonnes = expected_over_scenarios(plan.flows, plan, ["year", "mineral"], ["tonnes"])
        wide = tonnes.pivot(index="year", columns="mineral", values="tonnes")
        minerals = [m for m in plan.case.table("Minerals")["mineral"] if m in wide.columns]
        wide = wide[minerals].rename(columns=lambda m: f"{m}_t").reset_index()
        table = table.merge(wide, on="year", how="left")
    return table.fillna(0.0)


def coverage_blocks(plan: Plan) -> pd.DataFrame:
    """Coverage by scenario, then mineral, then year: one contiguous block per chart series."""
    return plan.coverage.sort_values(["scenario", "mineral", "year"], kind="stable").reset_index(drop=True)


RESULT_TABLES: tuple[ResultSheet, ...] = (
    ResultSheet("FundedProjects", "Funded projects", "funded", "One row per funded project: the size option, the year construction starts, capex and the project's expected NPV contribution."),
    ResultSheet("SignedContracts", "Signed contracts", "signed", "One row per signed offtake contract: volume band, pricing, expected tonnes delivered, bought spot and short, and the prepayment's financing benefit."),
    ResultSheet("ByYear", "Plan by year", by_year, "Expected over scenarios: capex spent, contract revenue and net cash per year (USD m), and tonnes delivered under contracts per mineral.", charts=(charts.capex_by_year, charts.contracted_volume_by_mineral)),
    ResultSheet("Coverage", "Demand coverage", coverage_blocks, "Demand per mineral and year (Japanese unless Demand.country says otherwise), the share that must come from funded plants, and what the plan's contracts deliver from them to buyers in that country (spot purchases do not count).", charts=(charts.coverage_against_demand,)),
    ResultSheet("NPVByScenario", "NPV by scenario", "npv_by_scenario", "Portfolio NPV in each scenario (USD m) and the scenario's probability.", charts=(charts.npv_by_scenario,), when=several_scenarios),
    ResultSheet("Risk", "Risk", "risk", "The NPV distribution's headline numbers: expected NPV, VaR and CVaR at cvar_alpha, worst and best scenario, and the value of the stochastic solution (what planning for the scenarios gains over planning for their average).", when=several_scenarios),
    ResultSheet("LimitShares", "Concentration limits", "limit_shares", "Each limit of the Limits sheet with the share the plan gives its member (of funded capex, or of expected discounted contract revenue) against its maximum.", when=lambda plan: not plan.limit_shares.empty),
    ResultSheet("MarginalValues", "Marginal values", "marginal_values", "What one more unit of each binding limit is worth, from the LP with funding and signing fixed (USD per t), and, with --limit-steps, the objective change from moving the budget and discrete limits a step (USD m per USD m).", when=lambda plan: not plan.marginal_values.empty),
    ResultSheet("Flows", "Deliveries", "flows", "Tonnes delivered per scenario, year, plant and contract, at the contract's price; spot purchases made to serve a contract show the plant that owns it (none for a contract any plant may serve); transfers show the plant they go to (to_project) and move no money."),
    ResultSheet("Transfers", "Plant-to-plant transfers", "transfers", "Feed of plants that take other plants' output: per scenario, year and receiving plant, the tonnes from each plant (at its Logistics cost) and from the spot market (at spot x (1 + spot_premium)), and the transfer price plant-level results use (empty when no plant feeds another)."),
    ResultSheet("CashFlows", "Cash flows", "cash_flows", "Undiscounted cash per scenario and year by ledger item (USD m); the discounted column sums to the scenario's NPV."),
)  # fmt: skip
