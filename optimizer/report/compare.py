"""The what-if comparison: KPIs side by side with their change against the base, NPV per
scenario, the decisions that changed, and whether a difference is signal or MIP-gap noise.

The comparison workbook is a report the tool owns (``IN-whatif.xlsx``), laid out like the
plan's result sheets (title A1, note A2, an Excel table with headers in words and units
from A4, landscape pages one wide): ``Comparison`` (one row per run, with charts of the
change in expected NPV and of capex below), ``DecisionsChanged``, ``Changes`` (what each
variant changed) and ``NPVByScenario`` (run x scenario).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart._chart import ChartBase

from optimizer.analyses.differences import decisions_changed, significance
from optimizer.plan import Plan
from optimizer.report import charts
from optimizer.report.books import provenance_of, table_sheet
from optimizer.report.charts import TableLayout
from optimizer.report.files import check_writable, save_atomically
from optimizer.report.views import SCENARIO
from optimizer.workbook.changes import BASE, shown_value

if TYPE_CHECKING:
    from optimizer.analyses.whatif import WhatIfs

BOOK = "What-if comparison"
KPI_COLUMNS = [
    "whatif",
    "status",
    "objective_usd_m",
    "objective_change_usd_m",
    "expected_npv_usd_m",
    "cvar_usd_m",
    "capex_usd_m",
    "funded_projects",
    "signed_contracts",
    "decisions_changed",
    "mip_gap",
    "solve_s",
    "changes",
    "significance",
    "expected_npv_change_usd_m",
    "cvar_change_usd_m",
    "capex_change_usd_m",
    "worst_scenario_npv_usd_m",
]
"""The Comparison table's columns (names are an interface: add at the end, never rename)."""


def default_comparison_path(input_path: Path) -> Path:
    return input_path.with_name(f"{input_path.stem}-whatif.xlsx")


def decisions_table(result: WhatIfs) -> pd.DataFrame:
    rows = [
        (name, *row)
        for name, variant in result.plans.items()
        if name != BASE
        for row in decisions_changed(result.base, variant)
    ]
    return pd.DataFrame(rows, columns=["whatif", "decision", "item", "base", "whatif_value"])


def change(value: float | None, base: float | None) -> float | None:
    return value - base if value is not None and base is not None else None


def kpi_row(name: str, p: Plan, base: Plan, changes: str) -> dict[str, Any]:
    objective_change = change(p.objective_usd_m, base.objective_usd_m)
    worst = p.npv_by_scenario["npv_usd_m"].min() if not p.npv_by_scenario.empty else None
    return {
        "whatif": name,
        "status": p.status,
        "objective_usd_m": p.objective_usd_m,
        "objective_change_usd_m": objective_change,
        "expected_npv_usd_m": p.expected_npv_usd_m,
        "cvar_usd_m": p.cvar_usd_m,
        "capex_usd_m": p.capex_usd_m,
        "funded_projects": len(p.funded),
        "signed_contracts": len(p.signed),
        "decisions_changed": len(decisions_changed(base, p)),
        "mip_gap": p.mip_gap,
        "solve_s": round(p.solve_s, 3),
        "changes": changes,
        "significance": "" if name == BASE else significance(base, p, objective_change),
        "expected_npv_change_usd_m": change(p.expected_npv_usd_m, base.expected_npv_usd_m),
        "cvar_change_usd_m": change(p.cvar_usd_m, base.cvar_usd_m),
        "capex_change_usd_m": change(p.capex_usd_m, base.capex_usd_m),
        "worst_scenario_npv_usd_m": float(worst) if worst is not None else None,
    }


def kpi_table(result: WhatIfs) -> pd.DataFrame:
    """One row per run: status, headline numbers, their change against the base, significance."""
    rows = [
        kpi_row(name, p, result.base, "; ".join(str(c) for c in result.changes.get(name, [])))
        for name, p in result.plans.items()
    ]
    return pd.DataFrame(rows, columns=KPI_COLUMNS)


def scenario_table(result: WhatIfs) -> pd.DataFrame:
    """Run x scenario: the portfolio's NPV in each scenario (USD m)."""
    scenarios = list(
        dict.fromkeys(s for p in result.plans.values() for s in p.npv_by_scenario.get("scenario", []))
    )
    rows = []
    for name, p in result.plans.items():
        npv: dict[Any, Any] = (
            p.npv_by_scenario.set_index("scenario")["npv_usd_m"].to_dict()
            if not p.npv_by_scenario.empty
            else {}
        )
        rows.append({"whatif": name, **{SCENARIO + str(s): npv.get(s) for s in scenarios}})
    return pd.DataFrame(rows, columns=["whatif", *(SCENARIO + str(s) for s in scenarios)])


def changes_table(result: WhatIfs) -> pd.DataFrame:
    rows = [
        (name, c.target, c.op, shown_value(c.value))
        for name, listed in result.changes.items()
        for c in listed
    ]
    return pd.DataFrame(rows, columns=["whatif", "target", "op", "value"])


def kpi_charts(table: TableLayout) -> list[ChartBase]:
    """The change in expected NPV against the base, and capex, per run: one quantity per chart."""
    if table.frame.empty:
        return []
    made = []
    for column, heading in (
        ("expected_npv_change_usd_m", "Change in expected NPV against the base (USD m)"),
        ("capex_usd_m", "Capex by run (USD m)"),
    ):
        chart = charts.columns(heading, "USD m", "#,##0.0")
        chart.add_data(table.cells(column), titles_from_data=False)
        chart.set_categories(table.cells("whatif"))
        chart.legend = None
        made.append(chart)
    return made


def write_comparison(result: WhatIfs, path: Path, *, force: bool = False) -> Path:
    """Write the comparison workbook atomically; an existing file is kept unless ``force``."""
    check_writable(path, force)
    workbook = Workbook()
    workbook.remove(workbook.active)
    provenance = provenance_of(result.base.case)
    table_sheet(
        workbook, "Comparison", "What-ifs against the base",
        "One row per run. Changes are against the base; a change in objective smaller than the two "
        "runs' MIP gaps is not significant (the same plan may have been found twice), nor are the "
        "decisions it changed.",
        kpi_table(result), provenance, BOOK, kpi_charts,
    )  # fmt: skip
    table_sheet(
        workbook, "DecisionsChanged", "Decisions changed against the base",
        "Each project or contract a what-if decides differently from the base.",
        decisions_table(result), provenance, BOOK,
    )  # fmt: skip
    table_sheet(
        workbook, "Changes", "What each what-if changes",
        "The WhatIfs rows of each variant, in the order they apply.",
        changes_table(result), provenance, BOOK,
    )  # fmt: skip
    table_sheet(
        workbook, "NPVByScenario", "NPV by scenario and run",
        "The portfolio's NPV in each scenario (USD m), for the base and each what-if.",
        scenario_table(result), provenance, BOOK,
    )  # fmt: skip
    save_atomically(workbook, path)
    return path
