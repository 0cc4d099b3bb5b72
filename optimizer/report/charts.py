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
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import (
    CharacterProperties,
    Paragraph,
    ParagraphProperties,
    RegularTextRun,
    RichTextProperties,
)
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from optimizer.report.cells import safe_text

WIDTH_CM = 16.0
HEIGHT_CM = 7.5
TITLE_SIZE = 1100  # hundredths of a point
AXIS_SIZE = 800
SCENARIO_PREFIX = "scenario:"  # views.SCENARIO: a column holding one scenario


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
    chart.y_axis.txPr = axis_text()
    chart.x_axis.txPr = axis_text(rotated=True)
    chart.x_axis.tickLblPos = "low"  # category labels below the plot, never across lines at a negative zero
    return chart


def axis_text(rotated: bool = False) -> RichText:
    """Axis labels in 8 points; category labels turned 45 degrees so years never run together."""
    font = CharacterProperties(sz=AXIS_SIZE)
    body = RichTextProperties(rot=-2_700_000 if rotated else 0, vert="horz")
    return RichText(bodyPr=body, p=[Paragraph(pPr=ParagraphProperties(defRPr=font), endParaRPr=font)])


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


def contract_revenue_by_mineral(table: TableLayout) -> list[ChartBase]:
    """Contract revenue per year stacked by mineral, in USD m: comparable across minerals (tonnes are not)."""
    minerals = [
        c for c in table.frame.columns if str(c).endswith("_revenue_usd_m") and c != "contract_revenue_usd_m"
    ]
    if not minerals:
        return []
    chart = columns("Contract revenue by mineral (USD m)", "USD m", "#,##0", stacked=True)
    for mineral in minerals:
        series = Series(table.cells(mineral), title=safe_text(str(mineral).removesuffix("_revenue_usd_m")))
        chart.series.append(series)
    chart.set_categories(table.cells("year"))
    return [chart]


def scenario_columns(table: TableLayout) -> list[str]:
    return [str(c) for c in table.frame.columns if str(c).startswith(SCENARIO_PREFIX)]


def cumulative_cash_by_scenario(table: TableLayout) -> list[ChartBase]:
    """The J-curve: cumulative net cash per year, one line per scenario."""
    scenarios = scenario_columns(table)
    if table.frame.empty or not scenarios:
        return []
    chart = LineChart()
    styled(chart, "Cumulative net cash by scenario (USD m, undiscounted)", "USD m", "#,##0")
    for column in scenarios:
        series = Series(table.cells(column), title=safe_text(column.removeprefix(SCENARIO_PREFIX)))
        series.smooth = False
        chart.series.append(series)
    chart.set_categories(table.cells("year"))
    chart.width = 2 * WIDTH_CM
    return [chart]


def npv_waterfall(table: TableLayout) -> list[ChartBase]:
    """The NPV bridge as a waterfall: an invisible base, then each step's rise or fall.

    Drawn only while the running total stays at or above zero (a floating bar below zero
    needs a base that is not there); otherwise the table alone tells the bridge.
    """
    frame = table.frame
    if frame.empty or (frame[["from_usd_m", "to_usd_m"]] < -1e-9).any().any():
        return []
    sheet, column = table.sheet, len(frame.columns) + 2
    headers = ("base", "rise", "fall")
    for offset, header in enumerate(headers):
        sheet.cell(row=table.header_row, column=column + offset, value=header)
    steps = zip(
        frame["kind"].astype(str).tolist(),
        frame["from_usd_m"].astype(float).tolist(),
        frame["to_usd_m"].astype(float).tolist(),
        strict=True,
    )
    for i, (kind, before, after) in enumerate(steps, start=table.first_row):
        low, high = sorted((before, after))
        rising = kind == "total" or after >= before
        sheet.cell(row=i, column=column, value=low)
        sheet.cell(row=i, column=column + 1, value=high - low if rising else 0.0)
        sheet.cell(row=i, column=column + 2, value=0.0 if rising else high - low)
        for offset in range(3):
            sheet.cell(row=i, column=column + offset).number_format = "#,##0.0"
    chart = columns("Expected NPV from projects to portfolio (USD m)", "USD m", "#,##0", stacked=True)
    for offset, (header, colour) in enumerate(zip(headers, (None, "548235", "C00000"), strict=True)):
        ref = Reference(sheet, min_col=column + offset, min_row=table.first_row, max_row=table.last_row)
        series = Series(ref, title=header)
        series.graphicalProperties = GraphicalProperties(noFill=colour is None, solidFill=colour)
        if colour is None:
            series.graphicalProperties.line.noFill = True
        chart.series.append(series)
    chart.set_categories(table.cells("item"))
    chart.legend = None
    chart.width = 2 * WIDTH_CM
    chart.height = HEIGHT_CM * 1.3
    return [chart]


def colour_scale(table: TableLayout) -> None:
    """Red (lowest) through white (zero) to green (highest) over every USD m value of the table."""
    money = [
        i + 1
        for i, c in enumerate(table.frame.columns)
        if str(c).endswith("_usd_m") or str(c).startswith(SCENARIO_PREFIX)
    ]
    if table.frame.empty or not money:
        return
    area = f"{get_column_letter(money[0])}{table.first_row}:{get_column_letter(money[-1])}{table.last_row}"
    table.sheet.conditional_formatting.add(
        area,
        ColorScaleRule(start_type="min", start_color="F8696B", mid_type="num", mid_value=0,
                       mid_color="FFFFFF", end_type="max", end_color="63BE7B"),
    )  # fmt: skip


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
