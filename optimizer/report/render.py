"""Draw the result sheets with openpyxl into a workbook of their own.

The merge (``optimizer.report.xlsx.merge``) then moves these sheets into the user's workbook.
Every sheet looks the same: title in A1, what it shows in A2, an Excel table with units
in its headers from A4, header row frozen, charts below the table, and a page set up to
print: landscape, one page wide, header row repeated, title and page numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart._chart import ChartBase
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, TwoCellAnchor
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from optimizer.report import summary
from optimizer.report.cells import cell_value, safe_text, write_cell
from optimizer.report.charts import WIDTH_CM, TableLayout
from optimizer.report.results import RESULT_TABLES, ResultSheet
from optimizer.report.views import SCENARIO
from optimizer.report.xlsx.sheet_data import add_column

if TYPE_CHECKING:
    from optimizer.plan import Plan

MARKER = "Written by optimize on every run (edits here are replaced)."
"""Starts A2 of every result sheet: how a later run knows the sheet is the tool's to replace."""
TITLE_ROW, NOTE_ROW, HEADER_ROW = 1, 2, 4
TITLE_FONT = Font(name="Calibri", bold=True, size=14, color="1F3864")
NOTE_FONT = Font(name="Calibri", italic=True, size=9, color="595959")
KEY_FONT = Font(name="Calibri", bold=True)
HEADER_FONT = Font(name="Calibri", bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
ROW_BORDER = Border(bottom=Side(style="hair", color="BFBFBF"))
WRAP = Alignment(wrap_text=True, vertical="top", indent=1)
TEXT = Alignment(indent=1)
POINTS_PER_LINE = 14.0
MAX_WIDTH = 42
TAB_COLOUR = "1F3864"
TABLE_STYLE = "TableStyleMedium2"
ROWS_PER_CHART = 17  # chart height in rows (15 points each), one of them the gap below
CHART_ROWS_PER_PAGE = 2
SHORT_TABLE_ROWS = 16  # a table this short shares its printed page with the first row of charts
DEFAULT_WIDTH = 8.43  # Excel's default column width, in characters
MIN_CHART_WIDTH = 50.0  # characters: narrow tables still get readable charts
ACRONYMS = {
    "npv": "NPV",
    "cvar": "CVaR",
    "mip": "MIP",
    "usd": "USD",
    "irr": "IRR",
    "moic": "MOIC",
    "dscr": "DSCR",
    "llcr": "LLCR",
    "cfads": "CFADS",
    "fx": "FX",
    "whatif": "what-if",
}
UNITS = (  # column-name suffix -> unit shown in the header
    ("_usd_m", "USD m"),
    ("_usd_per_t", "USD/t"),
    ("_t_per_t", "t/t"),
    ("_tpa", "t/yr"),
    ("_share", "%"),
    ("_t", "t"),
    ("_s", "s"),
)


@dataclass(frozen=True)
class Provenance:
    """Where a plan came from, shown on Summary and in every page footer."""

    input_file: str | None
    input_sha256: str | None
    versions: dict[str, str]
    written_at_utc: str


def column_label(name: str) -> str:
    """``npv_contribution_usd_m`` -> ``NPV contribution (USD m)``: words first, unit in brackets.

    A column holding one scenario (``scenario:base``) shows the scenario's name as typed.
    """
    if name.startswith(SCENARIO):
        return f"{name.removeprefix(SCENARIO)} (USD m)"
    unit = ""
    for suffix, shown in UNITS:
        if name.endswith(suffix) and len(name) > len(suffix):
            name, unit = name[: -len(suffix)], f" ({shown})"
            break
    words = [ACRONYMS.get(word, word) for word in name.split("_")]
    text = " ".join(words)
    return (text[:1].upper() + text[1:] if text[:1].islower() else text) + unit


def number_format(column: str, values: Any = ()) -> str:
    """USD m with one decimal, tonnes and USD/t with thousands separators, shares in per cent.

    Tonnes get one decimal when some values are small fractions (platinum-group metals).
    """
    if column.endswith("_usd_m") or column.startswith(SCENARIO):
        return "#,##0.0;[Red]-#,##0.0"
    if column.endswith(("_t", "_tpa", "tonnes")):
        small = [v for v in values if isinstance(v, float) and 0 < abs(v) < 10 and not v.is_integer()]
        return "#,##0.0" if small else "#,##0"
    if column.endswith("_usd_per_t"):
        return "#,##0"
    if column.startswith("mip_gap"):
        return "0.00%"
    if column.endswith(("_share", "_irr", "_rate")) or column in (
        "share",
        "probability",
        "min_coverage",
        "max_share",
        "cvar_alpha",
        "risk_aversion",
    ):
        return "0.0%"
    if column == "discount_factor":
        return "0.0000"
    if column.endswith("_t_per_t"):
        return "0.000"
    return "General"


def results_workbook(plan: Plan, provenance: Provenance) -> Workbook:
    """Summary, then every registered result sheet that applies to this plan.

    A case without a plan (infeasible) gets the Summary alone, which carries the explanation.
    """
    workbook = Workbook()
    workbook.remove(workbook.active)
    write_summary(workbook.create_sheet("Summary"), plan, provenance)
    for spec in RESULT_TABLES:
        if plan.has_solution and spec.when(plan):
            write_result_sheet(workbook.create_sheet(spec.name), spec, spec.frame(plan), provenance)
    return workbook


def heading(sheet: Worksheet, title: str, description: str, marker: bool = True) -> None:
    """Title in A1, the note in A2 (starting with ``MARKER`` on a plan's result sheet)."""
    write_cell(sheet, TITLE_ROW, 1, title).font = TITLE_FONT
    write_cell(sheet, NOTE_ROW, 1, f"{MARKER} {description}" if marker else description).font = NOTE_FONT
    sheet.sheet_properties.tabColor = TAB_COLOUR


def write_summary(sheet: Worksheet, plan: Plan, provenance: Provenance) -> None:
    """The committee's first screen (``summary``), then the solver's messages and the decisions."""
    sheet.sheet_properties.tabColor = TAB_COLOUR
    row = summary.write_summary(
        sheet, plan, provenance, f"{MARKER} The decision, its headline numbers, and where they came from."
    )
    write_cell(sheet, row, 1, "messages").font = KEY_FONT
    for offset, message in enumerate([*plan.messages, *plan.explanation]):
        write_cell(sheet, row + offset, 2, message)
    row += max(len(plan.messages) + len(plan.explanation), 1) + 1
    write_cell(sheet, row, 1, "decisions").font = KEY_FONT
    for offset, (verb, what, detail) in enumerate(summary.decision_lines(plan), start=1):
        write_cell(sheet, row + offset, 1, verb).alignment = TEXT
        write_cell(sheet, row + offset, 2, what)
        write_cell(sheet, row + offset, 3, detail)
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 40
    sheet.column_dimensions["C"].width = 80
    sheet.sheet_view.showGridLines = False
    print_setup(sheet, "Summary", provenance, title_rows=None)


def write_result_sheet(
    sheet: Worksheet, spec: ResultSheet, frame: pd.DataFrame, provenance: Provenance
) -> None:
    """Title, note, the table as an Excel table at A4, frozen header, charts below, print setup."""
    heading(sheet, spec.title, spec.description)
    layout = write_table(sheet, spec.name, frame)
    if spec.highlight is not None:
        spec.highlight(layout)
    place_charts(sheet, layout, [chart for maker in spec.charts for chart in maker(layout)])
    print_setup(sheet, spec.title, provenance, title_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    if spec.printed_rows is not None and len(frame) > spec.printed_rows:
        print_first_rows(sheet, len(frame.columns), spec.printed_rows, len(frame))


def print_first_rows(sheet: Worksheet, columns: int, printed: int, rows: int) -> None:
    """A long detail table prints its first ``printed`` rows, and row 3 says so; the sheet keeps all."""
    last = HEADER_ROW + printed
    sheet.print_area = f"A1:{get_column_letter(columns)}{last}"
    write_cell(
        sheet, 3, 1,
        f"Printed: the first {printed:,} of {rows:,} rows; every row is in the sheet (to print them all, "
        "clear the print area: Page Layout > Print Area > Clear Print Area).",
    ).font = NOTE_FONT  # fmt: skip


def write_table(sheet: Worksheet, name: str, frame: pd.DataFrame) -> TableLayout:
    """The frame as an Excel table with its header at A4; returns where it landed."""
    columns = [str(c) for c in frame.columns]
    last_row = HEADER_ROW + max(len(frame), 1)
    header_lines = 1
    headers: list[str] = []
    for i, column in enumerate(columns, start=1):
        values = [cell_value(v) for v in frame.iloc[:, i - 1]]
        label = column_label(column)
        numeric = bool(values) and all(isinstance(v, int | float) for v in values if v is not None)
        width = column_width(label, values)
        header = write_cell(sheet, HEADER_ROW, i, label)
        header.font, header.fill = HEADER_FONT, HEADER_FILL
        headers.append(str(header.value))
        header.alignment = Alignment(
            wrap_text=True, vertical="center", horizontal="right" if numeric else "left"
        )
        header_lines = max(header_lines, wrapped_lines(label, width))
        long_text = not numeric and any(isinstance(v, str) and len(v) > width for v in values)
        alignment = WRAP if long_text else (None if numeric else TEXT)
        add_column(
            sheet,
            i,
            HEADER_ROW + 1,
            last_row,
            values,
            row_formats(frame, column, values),
            ROW_BORDER,
            alignment,
        )
        if long_text:
            fit_wrapped_rows(sheet, values, width)
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.row_dimensions[HEADER_ROW].height = POINTS_PER_LINE * max(header_lines, 2) + 2
    if columns:
        sheet.add_table(
            excel_table(name, f"A{HEADER_ROW}:{get_column_letter(len(columns))}{last_row}", headers)
        )
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    return TableLayout(sheet, frame.reset_index(drop=True), HEADER_ROW)


def excel_table(name: str, ref: str, headers: list[str]) -> Table:
    """An Excel table over ``ref`` with a filter button on each header and its columns named.

    The columns are named here from the headers as written: a table without them has
    openpyxl read the whole range back, cell by cell, when it saves, only to name them.
    """
    return Table(
        displayName=name,
        ref=ref,
        autoFilter=AutoFilter(ref=ref),
        tableColumns=[TableColumn(id=i, name=header) for i, header in enumerate(headers, start=1)],
        tableStyleInfo=TableStyleInfo(name=TABLE_STYLE, showRowStripes=True),
    )


def fit_wrapped_rows(sheet: Worksheet, values: list[Any], width: float) -> None:
    """Rows whose text wraps in a column ``width`` characters wide are made tall enough for it."""
    for row, value in enumerate(values, start=HEADER_ROW + 1):
        if not isinstance(value, str):
            continue
        lines = wrapped_lines(value, width)
        if lines > 1:
            height = sheet.row_dimensions[row].height or POINTS_PER_LINE
            sheet.row_dimensions[row].height = max(height, POINTS_PER_LINE * lines + 2)


def row_formats(frame: pd.DataFrame, column: str, values: list[Any]) -> list[str]:
    """The number format of each cell of ``column``: by the column's unit, or, in a table of
    ``metric``/``value`` rows (Risk), by each row's metric."""
    if column == "value" and "metric" in frame.columns and len(frame):
        return [number_format(str(metric)) if metric else "General" for metric in frame["metric"]]
    return [number_format(column, values)]


def wrapped_lines(label: str, width: float) -> int:
    """Lines a header takes when wrapped at word boundaries in a column ``width`` characters wide."""
    lines, used = 1, 0
    for word in label.split():
        if used and used + 1 + len(word) > width - 2:
            lines, used = lines + 1, len(word)
        else:
            used += len(word) + (1 if used else 0)
    return lines


def column_width(label: str, values: list[Any]) -> float:
    """Wide enough for the longest value and for the header's longest word (headers wrap)."""
    longest_word = max((len(w) for w in label.split()), default=4)
    shown = [len(f"{v:,.1f}") if isinstance(v, float) else len(str(v)) for v in values[:500] if v is not None]
    return float(min(max(longest_word + 3, max(shown, default=0) + 2, 9), MAX_WIDTH))


def place_charts(sheet: Worksheet, layout: TableLayout, made: list[ChartBase]) -> None:
    """Charts two abreast below the table, each half the table's width; a wide chart (a J-curve, a
    waterfall) takes a whole row. A page holds two rows of charts; they start a new printed page
    unless the table is short enough to share its page with them.

    Charts are anchored to cells at both corners, so Excel and LibreOffice size them alike.
    """
    if not made:
        return
    top = layout.last_row + 3
    halves = chart_columns(sheet, len(layout.frame.columns))
    slot = 0  # half-row slots used so far
    for chart in made:
        wide = chart.width > WIDTH_CM + 0.1
        if wide and slot % 2:
            slot += 1
        row = top + (slot // 2) * ROWS_PER_CHART
        if slot % (2 * CHART_ROWS_PER_PAGE) == 0 and (slot > 0 or layout.last_row > SHORT_TABLE_ROWS):
            sheet.row_breaks.append(Break(id=row - 1))
        first, last = (halves[0][0], halves[1][1]) if wide else halves[slot % 2]
        chart.anchor = TwoCellAnchor(
            _from=AnchorMarker(col=first - 1, row=row - 1),
            to=AnchorMarker(col=last, row=row + ROWS_PER_CHART - 2),
        )
        sheet.add_chart(chart)
        slot += 2 if wide else 1


def chart_columns(sheet: Worksheet, table_columns: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """Two column spans (first, last) side by side, each about half the table's width."""

    def width(column: int) -> float:
        return float(sheet.column_dimensions[get_column_letter(column)].width or DEFAULT_WIDTH)

    table_width = sum(width(c) for c in range(1, table_columns + 1))
    half = max(table_width / 2, MIN_CHART_WIDTH)
    spans = []
    column = 1
    for _ in range(2):
        first, covered = column, 0.0
        while covered < half - width(column) / 2:
            covered += width(column)
            column += 1
        spans.append((first, column - 1))
        column += 0 if column > first else 1
    return spans[0], spans[1]


def print_setup(
    sheet: Worksheet,
    title: str,
    provenance: Provenance,
    title_rows: str | None,
    book: str = "Offtake portfolio plan",
) -> None:
    """Landscape A4, one page wide, header row on every page; title, source and page in the margins."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.75
    sheet.page_margins.header = sheet.page_margins.footer = 0.3
    sheet.print_options.horizontalCentered = True
    if title_rows:
        sheet.print_title_rows = title_rows
    source = safe_text(provenance.input_file or "a case built in Python").replace("&", "&&")
    digest = f" (sha256 {provenance.input_sha256[:12]})" if provenance.input_sha256 else ""
    sheet.oddHeader.left.text = book
    sheet.oddHeader.center.text = title
    sheet.oddHeader.right.text = f"written {provenance.written_at_utc} UTC"
    sheet.oddFooter.left.text = f"from {source}{digest}"
    sheet.oddFooter.right.text = "page &P of &N"
    for part in (
        sheet.oddHeader.left,
        sheet.oddHeader.center,
        sheet.oddHeader.right,
        sheet.oddFooter.left,
        sheet.oddFooter.right,
    ):
        part.size = 8
