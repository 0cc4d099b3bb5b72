"""The result sheets of a plan workbook: one registry entry per sheet.

Each entry names the sheet (also the Excel table's name), the plan table it shows (a
``Plan`` attribute, or a function deriving a table from the plan), a title and one
sentence for the reader, and the charts drawn from it. Adding a result sheet is adding
one line to ``RESULT_TABLES`` (and its name to ``schema.RESULT_SHEETS``, so that reading
a plan back skips it). ``Summary`` is laid out by hand (``summary``): its cells never move.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from optimizer.report import charts, views
from optimizer.report.charts import TableLayout
from optimizer.report.summary import PROVENANCE_ROWS, SUMMARY_MEANINGS, SUMMARY_ROWS

__all__ = ["PROVENANCE_ROWS", "RESULT_TABLES", "SUMMARY_MEANINGS", "SUMMARY_ROWS", "ResultSheet"]

if TYPE_CHECKING:
    from optimizer.plan import Plan

PRINTED_ROWS = 60
"""Rows a long detail table prints (its first page); the sheet holds every row."""

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
    highlight: Callable[[TableLayout], None] | None = None  # conditional formats on the table
    printed_rows: int | None = None  # a long detail table prints its first rows only (the sheet has all)

    def frame(self, plan: Plan) -> pd.DataFrame:
        if isinstance(self.source, str):
            frame: pd.DataFrame = getattr(plan, self.source)
            return frame
        return self.source(plan)


RESULT_TABLES: tuple[ResultSheet, ...] = (
    ResultSheet("FundedProjects", "Funded projects", "funded", "One row per funded project: the size option, the year construction starts, capex and the project's expected NPV contribution."),
    ResultSheet("SignedContracts", "Signed contracts", "signed", "One row per signed offtake contract: volume band, pricing, expected tonnes delivered, bought spot and short, and the prepayment's financing benefit."),
    ResultSheet("Finance", "Project finance", "finance", "Per funded plant and for the portfolio, per scenario and expected: project and equity IRR (blank when none exists; notes say why), payback year, MOIC, peak funding, minimum and average DSCR, LLCR and contracted share.", when=lambda plan: not plan.finance.empty),
    ResultSheet("NPVBridge", "NPV bridge", views.npv_bridge, "From the projects to the portfolio: each funded plant's expected NPV (largest first: its ledger in PlantCashFlows, with the contracts it owns, split into operating cash, capex and financing), then the items of contracts no funded plant owns, ending at the expected NPV (USD m, discounted).", charts=(charts.npv_waterfall,), when=lambda plan: not plan.funded.empty),
    ResultSheet("Funding", "Funding by year", "funding", "Per scenario and year: capex spent against the money available for it (debt drawn, prepayments, the budget within the annual cap) and the contingency the overruns need (USD m).", when=lambda plan: not plan.funding.empty),
    ResultSheet("TargetCosts", "Cost of policy targets", "target_costs", "What each policy target costs (optimize plan --target-costs): the objective re-solved without it against the plan's, and the decisions it changes. A cost smaller than the two runs' MIP gaps is not significant.", when=lambda plan: not plan.target_costs.empty),
    ResultSheet("ByYear", "Plan by year", views.by_year, "Expected over scenarios: capex spent, contract revenue and net cash per year (USD m), tonnes delivered under contracts per mineral, and contract revenue per mineral (USD m: comparable across minerals, tonnes are not).", charts=(charts.capex_by_year, charts.contract_revenue_by_mineral)),
    ResultSheet("CashByScenario", "Cumulative cash by scenario", views.cumulative_cash, "The J-curve: the portfolio's cumulative undiscounted net cash (USD m) at the end of each year, in each scenario: how deep the funding need goes and when it pays back.", charts=(charts.cumulative_cash_by_scenario,), when=lambda plan: not plan.cash_flows.empty),
    ResultSheet("ProjectNPV", "Project NPV by scenario", views.project_npv_matrix, "NPV of each funded project in each scenario and expected (USD m), and the portfolio's; red is the lowest, green the highest. A project's NPV is its ledger's (PlantCashFlows): its capex, running costs, financing and the contracts it owns; the portfolio's also holds the contracts no funded plant owns.", when=lambda plan: not plan.funded.empty, highlight=charts.colour_scale),
    ResultSheet("Coverage", "Demand coverage", views.coverage_blocks, "Demand per mineral and year (Japanese unless Demand.country says otherwise), the share that must come from funded plants, and what the plan's contracts deliver from them to buyers in that country (spot purchases do not count).", charts=(charts.coverage_against_demand,)),
    ResultSheet("NPVByScenario", "NPV by scenario", "npv_by_scenario", "Portfolio NPV in each scenario (USD m) and the scenario's probability.", charts=(charts.npv_by_scenario,), when=several_scenarios),
    ResultSheet("Risk", "Risk", "risk", "The NPV distribution's headline numbers: expected NPV, VaR and CVaR at cvar_alpha, worst and best scenario, and the value of the stochastic solution (what planning for the scenarios gains over planning for their average).", when=several_scenarios),
    ResultSheet("LimitShares", "Concentration limits", "limit_shares", "Each limit of the Limits sheet with the share the plan gives its member (of funded capex, or of expected discounted contract revenue) against its maximum.", when=lambda plan: not plan.limit_shares.empty),
    ResultSheet("MarginalValues", "Marginal values", "marginal_values", "What one more unit of each binding limit is worth, from the LP with funding and signing fixed (USD per t), and, with --limit-steps, the objective change from moving the budget and discrete limits a step (USD m per USD m). Marginal value is weighted by the scenario's probability (it adds to the expected objective); marginal value in scenario is per unit if that scenario happens.", when=lambda plan: not plan.marginal_values.empty, printed_rows=PRINTED_ROWS),
    ResultSheet("PlantCashFlows", "Plant cash flows", "plant_cash_flows", "Every cash item of every funded plant (and of the portfolio's own contracts) per scenario and year (USD m), with CFADS, debt service, DSCR and contracted share; the rows add up to CashFlows.", when=lambda plan: not plan.plant_cash_flows.empty, printed_rows=PRINTED_ROWS),
    ResultSheet("Flows", "Deliveries", "flows", "Tonnes delivered per scenario, year, plant and contract, at the contract's price; spot purchases made to serve a contract show the plant that owns it (none for a contract any plant may serve); transfers show the plant they go to (to_project) and move no money.", printed_rows=PRINTED_ROWS),
    ResultSheet("Transfers", "Plant-to-plant transfers", "transfers", "Feed of plants that take other plants' output: per scenario, year and receiving plant, the tonnes from each plant (at its Logistics cost) and from the spot market (at spot x (1 + spot_premium)), and the transfer price plant-level results use (empty when no plant feeds another)."),
    ResultSheet("CashFlows", "Cash flows", "cash_flows", "Undiscounted cash per scenario and year by ledger item (USD m); the discounted column sums to the scenario's NPV."),
)  # fmt: skip
