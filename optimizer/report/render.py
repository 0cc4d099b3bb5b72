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
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, TwoCellAnchor
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from optimizer.report.cells import plain, safe_text, write_cell
from optimizer.report.charts import TableLayout
from optimizer.report.results import RESULT_TABLES, SUMMARY_MEANINGS, SUMMARY_ROWS, ResultSheet

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
PROVENANCE_FILL = PatternFill("solid", fgColor="F2F2F2")
TABLE_STYLE = "TableStyleMedium2"
ROWS_PER_CHART = 17  # chart height in rows (15 points each), one of them the gap below
CHART_ROWS_PER_PAGE = 2
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
    """``npv_contribution_usd_m`` -> ``NPV contribution (USD m)``: words first, unit in brackets."""
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
    if column.endswith("_usd_m"):
        return "#,##0.0;[Red]-#,##0.0"
    if column.endswith(("_t", "_tpa", "tonnes")):
        small = [v for v in values if isinstance(v, float) and 0 < abs(v) < 10 and not v.is_integer()]
        return "#,##0.0" if small else "#,##0"
    if column.endswith("_usd_per_t"):
        return "#,##0"
    if column in ("mip_gap",):
        return "0.00%"
    if column.endswith(("_share", "_irr", "_rate")) or column in ("probability", "min_coverage", "max_share"):
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


def heading(sheet: Worksheet, title: str, description: str) -> None:
    write_cell(sheet, TITLE_ROW, 1, title).font = TITLE_FONT
    write_cell(sheet, NOTE_ROW, 1, f"{MARKER} {description}").font = NOTE_FONT
    sheet.sheet_properties.tabColor = TAB_COLOUR


def write_summary(sheet: Worksheet, plan: Plan, provenance: Provenance) -> None:
    """Keys in A3.., values in B3.., what each means in C3..; then the solver's messages."""
    heading(sheet, "Offtake portfolio plan", "Headline numbers of the plan, and where they came from.")
    values = summary_values(plan, provenance)
    for row, key in enumerate(SUMMARY_ROWS, start=3):
        write_cell(sheet, row, 1, key).font = KEY_FONT
        cell = write_cell(sheet, row, 2, values[key])
        cell.number_format = number_format(key) if key != "solve_s" else "0.0"
        cell.alignment = Alignment(horizontal="left", shrink_to_fit=key == "input_sha256")
        write_cell(sheet, row, 3, SUMMARY_MEANINGS.get(key, "")).font = NOTE_FONT
        if key in ("input_file", "input_sha256") or key.endswith(("_version", "_utc")):
            for column in (1, 2, 3):
                sheet.cell(row=row, column=column).fill = PROVENANCE_FILL
    first_message_row = 3 + len(SUMMARY_ROWS) + 1
    write_cell(sheet, first_message_row, 1, "messages").font = KEY_FONT
    for offset, message in enumerate([*plan.messages, *plan.explanation]):
        write_cell(sheet, first_message_row + offset, 2, message)
    write_decisions(sheet, plan, first_message_row + max(len(plan.messages) + len(plan.explanation), 1) + 1)
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 36
    sheet.column_dimensions["C"].width = 72
    sheet.sheet_view.showGridLines = False
    print_setup(sheet, "Summary", provenance, title_rows=None)


def write_decisions(sheet: Worksheet, plan: Plan, row: int) -> None:
    """The decisions in words, below the messages (these rows move with the number of messages)."""
    write_cell(sheet, row, 1, "decisions").font = KEY_FONT
    lines = [
        ("fund", f"{r.project} ({r.option})", f"from {r.start_year}: capex USD {r.capex_usd_m:,.1f}m, NPV contribution USD {r.npv_contribution_usd_m:,.1f}m")
        for r in plan.funded.itertuples()
    ] + [
        ("sign", str(r.contract), f"{r.buyer}, {r.mineral}, {r.start_year}-{r.end_year}, {r.min_tpa:,.1f}-{r.max_tpa:,.1f} t/yr, {r.pricing} price")
        for r in plan.signed.itertuples()
    ]  # fmt: skip
    for offset, (verb, what, detail) in enumerate(lines, start=1):
        write_cell(sheet, row + offset, 1, verb).alignment = TEXT
        write_cell(sheet, row + offset, 2, what)
        write_cell(sheet, row + offset, 3, detail)


def summary_values(plan: Plan, provenance: Provenance) -> dict[str, Any]:
    return {
        "status": plan.status,
        "objective_usd_m": plan.objective_usd_m,
        "expected_npv_usd_m": plan.expected_npv_usd_m,
        "cvar_usd_m": plan.cvar_usd_m,
        "capex_usd_m": plan.capex_usd_m,
        "budget_usd_m": plan.case.settings.budget_usd_m,
        "mip_gap": plan.mip_gap,
        "solve_s": round(plan.solve_s, 3),
        "input_file": provenance.input_file,
        "input_sha256": provenance.input_sha256,
        **provenance.versions,
        "written_at_utc": provenance.written_at_utc,
        **plan.finance_summary,
    }


def write_result_sheet(
    sheet: Worksheet, spec: ResultSheet, frame: pd.DataFrame, provenance: Provenance
) -> None:
    """Title, note, the table as an Excel table at A4, frozen header, charts below, print setup."""
    heading(sheet, spec.title, spec.description)
    layout = write_table(sheet, spec.name, frame)
    place_charts(sheet, layout, spec)
    print_setup(sheet, spec.title, provenance, title_rows=f"{HEADER_ROW}:{HEADER_ROW}")


def write_table(sheet: Worksheet, name: str, frame: pd.DataFrame) -> TableLayout:
    """The frame as an Excel table with its header at A4; returns where it landed."""
    columns = [str(c) for c in frame.columns]
    last_row = HEADER_ROW + max(len(frame), 1)
    for r, record in enumerate(frame.itertuples(index=False), start=HEADER_ROW + 1):
        for i, value in enumerate(record, start=1):
            write_cell(sheet, r, i, value)
    header_lines = 1
    for i, column in enumerate(columns, start=1):
        values = [plain(v) for v in frame[column]] if len(frame) else []
        label = column_label(column)
        numeric = bool(values) and all(isinstance(v, int | float) for v in values if v is not None)
        width = column_width(label, values)
        header = write_cell(sheet, HEADER_ROW, i, label)
        header.font, header.fill = HEADER_FONT, HEADER_FILL
        header.alignment = Alignment(
            wrap_text=True, vertical="center", horizontal="right" if numeric else "left"
        )
        header_lines = max(header_lines, wrapped_lines(label, width))
        fmt = number_format(column, values)
        long_text = not numeric and any(isinstance(v, str) and len(v) > MAX_WIDTH for v in values)
        alignment = WRAP if long_text else (None if numeric else TEXT)
        for (cell,) in sheet.iter_rows(min_row=HEADER_ROW + 1, max_row=last_row, min_col=i, max_col=i):
            cell.number_format = fmt
            cell.border = ROW_BORDER
            if alignment is not None:
                cell.alignment = alignment
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.row_dimensions[HEADER_ROW].height = POINTS_PER_LINE * max(header_lines, 2) + 2
    if columns:
        table = Table(displayName=name, ref=f"A{HEADER_ROW}:{get_column_letter(len(columns))}{last_row}")
        table.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
        sheet.add_table(table)
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    return TableLayout(sheet, frame.reset_index(drop=True), HEADER_ROW)


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


def place_charts(sheet: Worksheet, layout: TableLayout, spec: ResultSheet) -> None:
    """Charts two abreast below the table, each half the table's width, from a new printed page.

    Charts are anchored to cells at both corners, so Excel and LibreOffice size them alike.
    """
    made = [chart for maker in spec.charts for chart in maker(layout)]
    if not made:
        return
    top = layout.last_row + 3
    halves = chart_columns(sheet, len(layout.frame.columns))
    for index, chart in enumerate(made):
        row = top + (index // 2) * ROWS_PER_CHART
        if index % (2 * CHART_ROWS_PER_PAGE) == 0:
            sheet.row_breaks.append(Break(id=row - 1))
        first, last = halves[index % 2]
        chart.anchor = TwoCellAnchor(
            _from=AnchorMarker(col=first - 1, row=row - 1),
            to=AnchorMarker(col=last, row=row + ROWS_PER_CHART - 2),
        )
        sheet.add_chart(chart)


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


def print_setup(sheet: Worksheet, title: str, provenance: Provenance, title_rows: str | None) -> None:
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
    sheet.oddHeader.left.text = "Offtake portfolio plan"
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
