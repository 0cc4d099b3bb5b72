"""The frontier as a workbook: a table of points and a native Excel scatter chart."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import Reference, ScatterChart, Series

from optimizer.analyses.frontier import FrontierPoint
from optimizer.report.files import check_writable, save_atomically
from optimizer.report.write import write_frame


def frontier_table(points: list[FrontierPoint]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "cvar_usd_m": p.cvar_usd_m,
                "expected_npv_usd_m": p.expected_npv_usd_m,
                "cvar_floor_usd_m": p.cvar_floor_usd_m,
                "capex_usd_m": p.capex_usd_m,
                "funded_projects": ", ".join(p.funded_projects),
                "signed_contracts": ", ".join(p.signed_contracts),
            }
            for p in points
        ],
        columns=[
            "cvar_usd_m",
            "expected_npv_usd_m",
            "cvar_floor_usd_m",
            "capex_usd_m",
            "funded_projects",
            "signed_contracts",
        ],
    )


def write_frontier(points: list[FrontierPoint], path: Path, *, force: bool = False) -> Path:
    check_writable(path, force)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Frontier"
    write_frame(sheet, frontier_table(points))
    if points:
        chart = ScatterChart()
        chart.title = "Efficient frontier: expected NPV against CVaR"
        chart.style = 13
        chart.x_axis.title = "CVaR of NPV, USD m (higher is safer)"
        chart.y_axis.title = "Expected NPV, USD m"
        xs = Reference(sheet, min_col=1, min_row=2, max_row=len(points) + 1)
        ys = Reference(sheet, min_col=2, min_row=1, max_row=len(points) + 1)
        series = Series(ys, xs, title_from_data=True)
        series.marker.symbol = "circle"
        chart.series.append(series)
        chart.width, chart.height = 18, 10
        sheet.add_chart(chart, "H2")
    save_atomically(workbook, path)
    return path
