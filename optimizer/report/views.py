"""Tables derived from a plan for the result sheets: one function per view.

Columns whose name starts with ``SCENARIO`` (``scenario:base``) hold one scenario each; the
sheet shows them under the scenario's name with their unit (``render.column_label``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from optimizer.models.ledger import PORTFOLIO

if TYPE_CHECKING:
    from optimizer.plan import Plan

SCENARIO = "scenario:"
"""Prefix of a column that holds one scenario's values (USD m)."""
PORTFOLIO_ITEMS = "portfolio items"
"""The items of contracts no funded plant owns (a contract open to several plants): the NPV that
belongs to no plant (the sheet's note says so; a short label keeps the chart's axis readable)."""


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


def minerals_in_order(plan: Plan, present: pd.Index) -> list[str]:
    return [m for m in plan.case.table("Minerals")["mineral"] if m in present]


def by_year(plan: Plan) -> pd.DataFrame:
    """One row per year, expected over scenarios: capex, revenue and cash (USD m); per mineral the
    contracted tonnes and, comparable across minerals, the contract revenue (USD m)."""
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
        per_mineral = expected_over_scenarios(
            plan.flows, plan, ["year", "mineral"], ["tonnes", "revenue_usd_m"]
        )
        tonnes = per_mineral.pivot(index="year", columns="mineral", values="tonnes")
        minerals = minerals_in_order(plan, tonnes.columns)
        table = table.merge(
            tonnes[minerals].rename(columns=lambda m: f"{m}_t").reset_index(), on="year", how="left"
        )
        revenue = per_mineral.pivot(index="year", columns="mineral", values="revenue_usd_m")
        table = table.merge(
            revenue[minerals].rename(columns=lambda m: f"{m}_revenue_usd_m").reset_index(),
            on="year",
            how="left",
        )
    return table.fillna(0.0)


def coverage_blocks(plan: Plan) -> pd.DataFrame:
    """Coverage by scenario, then mineral, then year: one contiguous block per chart series."""
    return plan.coverage.sort_values(["scenario", "mineral", "year"], kind="stable").reset_index(drop=True)


def npv_bridge(plan: Plan) -> pd.DataFrame:
    """From the projects to the portfolio: each funded project's expected NPV (its ledger, with the
    contracts it owns), largest first, then the items of contracts no funded plant owns, ending at the
    expected NPV; each line split into operating cash, capex and financing (``Plan.npv_bridge``).

    ``from_usd_m`` and ``to_usd_m`` are the running total before and after each step (a waterfall).
    """
    split = ["operating_usd_m", "capex_usd_m", "financing_usd_m"]
    columns = ["item", "kind", "npv_usd_m", "from_usd_m", "to_usd_m", *split]
    ledger = plan.npv_bridge
    if ledger.empty:
        return pd.DataFrame(columns=columns)
    by_project = ledger.set_index("project")
    projects = plan.funded.sort_values("npv_contribution_usd_m", ascending=False, kind="stable")
    steps = [
        (f"{project} ({option})", "project", by_project.loc[project])
        for project, option in zip(projects["project"].tolist(), projects["option"].tolist(), strict=True)
    ]
    steps.append((PORTFOLIO_ITEMS, "portfolio", by_project.loc[PORTFOLIO]))
    rows, total = [], 0.0
    for item, kind, line in steps:
        npv = float(line["npv_usd_m"])
        rows.append({"item": item, "kind": kind, "npv_usd_m": npv, "from_usd_m": total, "to_usd_m": total + npv,
                     **{c: float(line[c]) for c in split}})  # fmt: skip
        total += npv
    last = ledger.iloc[-1]
    rows.append({"item": "expected NPV", "kind": "total", "npv_usd_m": total, "from_usd_m": 0.0, "to_usd_m": total,
                 **{c: float(last[c]) for c in split}})  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def project_npv_matrix(plan: Plan) -> pd.DataFrame:
    """Funded project x scenario NPV (USD m), with the expected value and the portfolio's row."""
    table = plan.project_scenarios
    scenarios = list(plan.npv_by_scenario["scenario"])
    columns = ["project", "option", "expected_npv_usd_m", *(SCENARIO + str(s) for s in scenarios)]
    if table.empty:
        return pd.DataFrame(columns=columns)
    wide = table.pivot_table(index=["project", "option"], columns="scenario", values="npv_usd_m", sort=False)
    rows = []
    for key, values in wide.iterrows():
        project, option = cast(tuple[Any, Any], key)
        expected = sum(
            float(values[s]) * p for s, p in zip(scenarios, plan.npv_by_scenario["probability"], strict=True)
        )
        rows.append({"project": project, "option": option, "expected_npv_usd_m": expected,
                     **{SCENARIO + str(s): float(values[s]) for s in scenarios}})  # fmt: skip
    portfolio = plan.npv_by_scenario.set_index("scenario")["npv_usd_m"]
    rows.append({"project": "portfolio", "option": "", "expected_npv_usd_m": plan.expected_npv_usd_m,
                 **{SCENARIO + str(s): float(portfolio[s]) for s in scenarios}})  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def cumulative_cash(plan: Plan) -> pd.DataFrame:
    """Per year, the portfolio's cumulative undiscounted net cash (USD m) in each scenario: the J-curve."""
    scenarios = list(plan.npv_by_scenario["scenario"])
    columns = ["year", *(SCENARIO + str(s) for s in scenarios)]
    cash = plan.cash_flows
    if cash.empty:
        return pd.DataFrame(columns=columns)
    wide = cash.pivot_table(index="year", columns="scenario", values="net_cash_usd_m", aggfunc="sum")
    wide = wide.reindex(list(plan.case.settings.years)).fillna(0.0).cumsum()
    table = pd.DataFrame({"year": wide.index})
    for s in scenarios:
        table[SCENARIO + str(s)] = wide[s].to_numpy() if s in wide.columns else 0.0
    return table[columns]
