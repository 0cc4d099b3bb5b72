"""Native Excel charts drawn from a result table's own cells.

A chart maker takes the layout of a written table and returns the charts to place below
it; it returns none when the table has nothing to draw. Series point at cell ranges, so
Excel and LibreOffice draw them from the sheet, not from a cached copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from openpyxl.chart import BarChart, LineChart, Reference, Series
from openpyxl.chart._chart import ChartBase
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RegularTextRun
from openpyxl.worksheet.worksheet import Worksheet

from optimizer.report.cells import safe_text

WIDTH_CM = 16.0
HEIGHT_CM = 7.5
TITLE_SIZE = 1100  # hundredths of a point


@dataclass(frozen=True)
class TableLayout:
    """Where a result table landed: header row, first data row, one column per frame column."""

    sheet: Worksheet
    frame: pd.DataFrame
    header_row: int

    @property
    def first_row(self) -> int:
        return self.header_row + 1

    @property
    def last_row(self) -> int:
        return self.header_row + max(len(self.frame), 1)

    def column(self, name: str) -> int:
        return list(self.frame.columns).index(name) + 1

    def cells(
        self, name: str, first: int | None = None, last: int | None = None, header: bool = False
    ) -> Reference:
        """The cells of column ``name`` (data rows, or ``first``..``last``; with its header cell)."""
        top = first if first is not None else (self.header_row if header else self.first_row)
        return Reference(self.sheet, min_col=self.column(name), min_row=top, max_row=last or self.last_row)


ChartMaker = Callable[[TableLayout], list[ChartBase]]


def title(text: str) -> Title:
    """A chart title in 11-point bold (the default is too large for a chart on a page)."""
    font = CharacterProperties(sz=TITLE_SIZE, b=True)
    paragraph = Paragraph(
        pPr=ParagraphProperties(defRPr=font), r=[RegularTextRun(rPr=font, t=safe_text(text))]
    )
    return Title(tx=Text(rich=RichText(p=[paragraph])), overlay=False)


def styled(
    chart: BarChart | LineChart, heading: str, y_title: str, number_format: str
) -> BarChart | LineChart:
    chart.title = title(heading)
    chart.y_axis.title = y_title
    chart.y_axis.number_format = number_format
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.width, chart.height = WIDTH_CM, HEIGHT_CM
    chart.legend.position = "b"
    return chart


def columns(title: str, y_title: str, number_format: str, stacked: bool = False) -> BarChart:
    chart = BarChart()
    chart.type = "col"
    if stacked:
        chart.grouping = "stacked"
        chart.overlap = 100
    styled(chart, title, y_title, number_format)
    return chart


def capex_by_year(table: TableLayout) -> list[ChartBase]:
    """Capex spent per year, expected over scenarios."""
    if table.frame.empty or not (table.frame["capex_usd_m"] > 0).any():
        return []
    chart = columns("Capex by year (USD m)", "USD m", "#,##0")
    chart.add_data(table.cells("capex_usd_m", header=True), titles_from_data=True)
    chart.set_categories(table.cells("year"))
    chart.legend = None
    return [chart]


def contracted_volume_by_mineral(table: TableLayout) -> list[ChartBase]:
    """Tonnes delivered under contracts per year, stacked by mineral."""
    minerals = [c for c in table.frame.columns if str(c).endswith("_t")]
    if not minerals:
        return []
    chart = columns("Contracted volume by mineral (t)", "t", "#,##0", stacked=True)
    for mineral in minerals:
        chart.add_data(table.cells(mineral, header=True), titles_from_data=True)
    chart.set_categories(table.cells("year"))
    return [chart]


def coverage_against_demand(table: TableLayout) -> list[ChartBase]:
    """Per mineral: tonnes from funded plants (per scenario) against the coverage target."""
    frame = table.frame
    made: list[ChartBase] = []
    scenarios = list(dict.fromkeys(frame["scenario"]))
    for mineral in dict.fromkeys(frame["mineral"]):
        blocks = []
        for scenario in scenarios:
            rows = frame.index[(frame["mineral"] == mineral) & (frame["scenario"] == scenario)]
            blocks.append((scenario, table.first_row + rows[0], table.first_row + rows[-1]))
        _, first, last = blocks[0]
        bars = columns(f"{mineral}: from funded plants vs coverage target (t)", "t", "#,##0")
        for scenario, top, bottom in blocks:
            label = "covered" if len(blocks) == 1 else f"covered, {scenario}"
            bars.series.append(Series(table.cells("covered_t", top, bottom), title=safe_text(label)))
        bars.set_categories(table.cells("year", first, last))
        lines = LineChart()
        lines.series.append(Series(table.cells("required_t", first, last), title="required"))
        for series in lines.series:
            series.smooth = False
        lines.set_categories(table.cells("year", first, last))
        bars += lines
        made.append(bars)
    return made


def npv_by_scenario(table: TableLayout) -> list[ChartBase]:
    """Portfolio NPV in each scenario."""
    if len(table.frame) < 2:
        return []
    chart = columns("NPV by scenario (USD m)", "USD m", "#,##0")
    chart.add_data(table.cells("npv_usd_m", header=True), titles_from_data=True)
    chart.set_categories(table.cells("scenario"))
    chart.legend = None
    return [chart]
