"""The sensitivity workbook: a tornado of the objective against each factor, and every run.

``Tornado`` (one row per factor, widest swing first, and a native horizontal bar chart of the
change in objective at -x% and +x%) and ``Sensitivity`` (one row per re-solved run: the
objective, its change and those of expected NPV, CVaR and capex against the base, whether
the change is significant, the decisions that change).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.chart import BarChart, Series
from openpyxl.chart._chart import ChartBase

from optimizer.analyses.sensitivity import change_label
from optimizer.report import charts
from optimizer.report.books import provenance_of, table_sheet
from optimizer.report.charts import TableLayout
from optimizer.report.files import check_writable, save_atomically

if TYPE_CHECKING:
    from optimizer.analyses.sensitivity import Sensitivity

BOOK = "Sensitivity"


def tornado_chart(step: float) -> charts.ChartMaker:
    def draw(table: TableLayout) -> list[ChartBase]:
        if table.frame.empty:
            return []
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "clustered"
        chart.overlap = 100
        charts.styled(
            chart,
            f"Change in objective at {change_label(-step)} and {change_label(step)} (USD m)",
            "USD m",
            "#,##0.0",
        )
        for column, label in (
            ("low_change_usd_m", change_label(-step)),
            ("high_change_usd_m", change_label(step)),
        ):
            chart.series.append(Series(table.cells(column), title=label))
        chart.set_categories(table.cells("factor"))
        chart.x_axis.scaling.orientation = "maxMin"  # the widest swing on top
        chart.x_axis.txPr = charts.axis_text()
        chart.width = 2 * charts.WIDTH_CM
        return [chart]

    return draw


def write_sensitivity(result: Sensitivity, path: Path, *, force: bool = False) -> Path:
    """Write the sensitivity workbook atomically; an existing file is kept unless ``force``."""
    check_writable(path, force)
    workbook = Workbook()
    workbook.remove(workbook.active)
    provenance = provenance_of(result.base.case)
    base = result.base.objective_usd_m
    table_sheet(
        workbook, "Tornado", f"Sensitivity of the objective to +-{change_label(result.step)[1:]}",
        f"Each factor moved on its own by {change_label(-result.step)} and {change_label(result.step)} and the case re-solved "
        f"(the portfolio may change); the change in objective against the base (USD {base or 0:,.1f}m). "
        "A change smaller than the runs' MIP gaps is not significant.",
        result.tornado(), provenance, BOOK, tornado_chart(result.step),
    )  # fmt: skip
    table_sheet(
        workbook, "Sensitivity", "Every re-solved run",
        "Objective, and the change in objective, expected NPV, CVaR and capex against the base (USD m); "
        "whether the change is significant; the decisions that change.",
        result.table(), provenance, BOOK,
    )  # fmt: skip
    save_atomically(workbook, path)
    return path
