"""The frontier as a workbook: a table of points and a native Excel scatter chart.

Honest by construction: each point's CVaR floor sits next to the CVaR it achieved; points
closer than the MIP gap are merged (``merged_points`` says how many each stands for); the
note says how many points were asked for and why fewer came back; the chart's axes span
the points with a margin of at least the MIP gap (never auto-scaled from zero, never
stretching noise into a slope), with straight segments between markers.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import ScatterChart, Series
from openpyxl.chart._chart import ChartBase

from optimizer.analyses.frontier import Frontier, FrontierPoint
from optimizer.case import Case
from optimizer.report import charts
from optimizer.report.books import provenance_of, table_sheet
from optimizer.report.charts import TableLayout
from optimizer.report.files import check_writable, save_atomically

BOOK = "Efficient frontier"
COLUMNS = [
    "cvar_floor_usd_m",
    "cvar_usd_m",
    "expected_npv_usd_m",
    "capex_usd_m",
    "merged_points",
    "gap_usd_m",
    "funded_projects",
    "signed_contracts",
]
MIN_SPAN_SHARE = 0.02  # an axis spans at least 2% of its values' size: no magnified noise


def frontier_table(points: list[FrontierPoint]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "cvar_floor_usd_m": p.cvar_floor_usd_m,
                "cvar_usd_m": p.cvar_usd_m,
                "expected_npv_usd_m": p.expected_npv_usd_m,
                "capex_usd_m": p.capex_usd_m,
                "merged_points": p.merged,
                "gap_usd_m": p.gap_usd_m,
                "funded_projects": ", ".join(p.funded_projects),
                "signed_contracts": ", ".join(p.signed_contracts),
            }
            for p in points
        ],
        columns=COLUMNS,
    )


def axis_bounds(values: list[float], margin: float) -> tuple[float, float]:
    """Round bounds a little beyond ``values``: at least ``margin`` either side and a span of
    ``MIN_SPAN_SHARE`` of their size."""
    low, high = min(values), max(values)
    size = max(abs(low), abs(high), 1.0)
    pad = max(margin, (high - low) * 0.1, (size * MIN_SPAN_SHARE - (high - low)) / 2)
    unit = 10 ** math.floor(math.log10(max(pad, 1e-6)))
    return math.floor((low - pad) / unit) * unit, math.ceil((high + pad) / unit) * unit


def scatter(points: list[FrontierPoint]) -> charts.ChartMaker:
    def draw(table: TableLayout) -> list[ChartBase]:
        if table.frame.empty:
            return []
        chart = ScatterChart()
        chart.title = charts.title("Efficient frontier: expected NPV against CVaR (USD m)")
        chart.style = 13
        chart.x_axis.title = "CVaR of NPV, USD m (higher is safer)"
        chart.y_axis.title = "Expected NPV, USD m"
        margin = max(p.gap_usd_m for p in points)
        for axis, values in ((chart.x_axis, [p.cvar_usd_m for p in points]),
                             (chart.y_axis, [p.expected_npv_usd_m for p in points])):  # fmt: skip
            axis.scaling.min, axis.scaling.max = axis_bounds(values, margin)
            axis.number_format = "#,##0.0"
            axis.delete = False
            axis.txPr = charts.axis_text()
        series = Series(table.cells("expected_npv_usd_m"), table.cells("cvar_usd_m"), title="frontier")
        series.marker.symbol = "circle"
        series.marker.size = 8
        series.smooth = False
        chart.series.append(series)
        chart.legend = None
        chart.width = 2 * charts.WIDTH_CM
        return [chart]

    return draw


def frontier_note(found: Frontier) -> str:
    returned = len(found.points)
    text = f"{found.asked} point(s) asked, {returned} returned" + (
        f": {'; '.join(found.notes)}." if found.notes else "."
    )
    return (
        f"{text} Each point maximises expected NPV with CVaR at least its floor (blank: no floor); "
        "USD m. Points closer than the MIP gap (gap USD m) are one point."
    )


def write_frontier(
    found: Frontier | list[FrontierPoint], path: Path, *, force: bool = False, case: Case | None = None
) -> Path:
    check_writable(path, force)
    if not isinstance(found, Frontier):
        found = Frontier(list(found), len(found), [])
    workbook = Workbook()
    workbook.remove(workbook.active)
    provenance = provenance_of(case)
    table_sheet(
        workbook, "Frontier", "Efficient frontier: expected NPV against CVaR", frontier_note(found),
        frontier_table(found.points), provenance, BOOK, scatter(found.points),
    )  # fmt: skip
    save_atomically(workbook, path)
    return path
