"""The what-if comparison: KPIs side by side, the decisions that changed against the base, a chart.

The comparison workbook is a report the tool owns (``IN-whatif.xlsx``): sheet ``Comparison``
(one row per run, with a native bar chart of expected NPV and capex below it), ``DecisionsChanged``
and ``Changes`` (what each variant changed).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from optimizer.case import records
from optimizer.plan import Plan
from optimizer.report.files import check_writable, save_atomically
from optimizer.report.write import write_frame
from optimizer.workbook.changes import BASE, shown_value

if TYPE_CHECKING:
    from optimizer.analyses.whatif import WhatIfs

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
]


def default_comparison_path(input_path: Path) -> Path:
    return input_path.with_name(f"{input_path.stem}-whatif.xlsx")


def funding(result: Plan) -> dict[str, str]:
    """Each funded project's choice in words: ``large from 2027``."""
    return {str(r["project"]): f"{r['option']} from {int(r['start_year'])}" for r in records(result.funded)}


def decisions_changed(base: Plan, variant: Plan) -> list[tuple[str, str, str, str]]:
    """(decision, item, in the base, in the variant) for each project or contract decided differently."""
    if not variant.has_solution or not base.has_solution:
        return []
    rows = []
    before, after = funding(base), funding(variant)
    for project in sorted(before.keys() | after.keys()):
        was, now = before.get(project, "not funded"), after.get(project, "not funded")
        if was != now:
            rows.append(("fund", project, was, now))
    signed_before, signed_after = set(base.signed["contract"]), set(variant.signed["contract"])
    for contract in sorted(signed_before ^ signed_after):
        was = "signed" if contract in signed_before else "not signed"
        now = "signed" if contract in signed_after else "not signed"
        rows.append(("sign", contract, was, now))
    return rows


def decisions_table(result: WhatIfs) -> pd.DataFrame:
    rows = [
        (name, *row)
        for name, variant in result.plans.items()
        if name != BASE
        for row in decisions_changed(result.base, variant)
    ]
    return pd.DataFrame(rows, columns=["whatif", "decision", "item", "base", "whatif_value"])


def kpi_table(result: WhatIfs) -> pd.DataFrame:
    """One row per run: status and headline numbers, the change in objective against the base."""
    base_objective = result.base.objective_usd_m
    rows = []
    for name, p in result.plans.items():
        change = (
            p.objective_usd_m - base_objective
            if p.objective_usd_m is not None and base_objective is not None
            else None
        )
        rows.append(
            {
                "whatif": name,
                "status": p.status,
                "objective_usd_m": p.objective_usd_m,
                "objective_change_usd_m": change,
                "expected_npv_usd_m": p.expected_npv_usd_m,
                "cvar_usd_m": p.cvar_usd_m,
                "capex_usd_m": p.capex_usd_m,
                "funded_projects": len(p.funded),
                "signed_contracts": len(p.signed),
                "decisions_changed": len(decisions_changed(result.base, p)),
                "mip_gap": p.mip_gap,
                "solve_s": round(p.solve_s, 3),
                "changes": "; ".join(str(c) for c in result.changes.get(name, [])),
            }
        )
    return pd.DataFrame(rows, columns=KPI_COLUMNS)


def changes_table(result: WhatIfs) -> pd.DataFrame:
    rows = [
        (name, c.target, c.op, shown_value(c.value))
        for name, listed in result.changes.items()
        for c in listed
    ]
    return pd.DataFrame(rows, columns=["whatif", "target", "op", "value"])


def write_comparison(result: WhatIfs, path: Path, *, force: bool = False) -> Path:
    """Write the comparison workbook atomically; an existing file is kept unless ``force``."""
    check_writable(path, force)
    workbook = Workbook()
    workbook.remove(workbook.active)
    kpis = kpi_table(result)
    sheet = workbook.create_sheet("Comparison")
    write_frame(sheet, kpis)
    add_kpi_chart(sheet, kpis)
    write_frame(workbook.create_sheet("DecisionsChanged"), decisions_table(result))
    write_frame(workbook.create_sheet("Changes"), changes_table(result))
    save_atomically(workbook, path)
    return path


def add_kpi_chart(sheet: Worksheet, kpis: pd.DataFrame) -> None:
    """A native clustered bar chart of expected NPV and capex per run, below the table."""
    runs = len(kpis)
    chart = BarChart()
    chart.type = "col"
    chart.title = "Expected NPV and capex by run"
    chart.y_axis.title = "USD m"
    chart.x_axis.title = "run"
    for column in ("expected_npv_usd_m", "capex_usd_m"):
        index = KPI_COLUMNS.index(column) + 1
        chart.add_data(
            Reference(sheet, min_col=index, max_col=index, min_row=1, max_row=runs + 1), titles_from_data=True
        )
    chart.set_categories(Reference(sheet, min_col=1, max_col=1, min_row=2, max_row=runs + 1))
    chart.width, chart.height = 18, 9
    sheet.add_chart(chart, f"A{runs + 4}")
