"""An annotated input workbook generated from the schema that validates inputs.

``optimize template`` writes a ``Start`` sheet (the steps, a legend, and every column's
meaning, unit and default, printable), then every input sheet with one example row. The
example rows are real data: together they are a tiny complete case (one plant, one buyer,
one contract, two scenarios) that validates and plans as it is, so a new user sees a plan
before typing anything, and replaces each example row (yellow, its ``notes`` saying so)
with their own. They are not skipped by the reader: an example row left in is part of the
case, and its ``example_`` names show up in the plan.

``annotate`` is shared with the shipped example (``examples/build_india_japan.py``), so the
example carries the same header notes, dropdowns and print setup; ``example_bytes`` is that
example as shipped inside the package (``optimize template OUT --example``).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from optimizer.workbook.schema import SETTINGS, TABLES, Column, Table

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
EXAMPLE_FILL = PatternFill("solid", fgColor="FFF2CC")
PLAIN_FONT = Font(
    name="Calibri", size=11
)  # what openpyxl writes as the default; named, so LibreOffice does not fall back to a serif
REQUIRED_FONT = Font(name="Calibri", size=11, bold=True)
TITLE_FONT = Font(name="Calibri", bold=True, size=14, color="1F3864")
WRAP = Alignment(wrap_text=True, vertical="top")
TEMPLATE_ROWS = 200
TEXT_WIDTH = 45
POINTS_PER_LINE = 15.0  # free-text columns (source, notes) wrap at this width
EXAMPLE_PACKAGE = "optimizer.examples"  # the repository's examples/ folder (pyproject package-dir)
EXAMPLE_FILE = "india_japan.xlsx"
START = "Start"
EXAMPLE_NOTE = "EXAMPLE row: replace it with your own, or delete it"

EXAMPLE_ROWS: dict[str, list[dict[str, Any]]] = {
    "Minerals": [{"mineral": "example_mineral", "price_usd_per_t": 10_000}],
    "Projects": [
        {"project": "example_plant", "sponsor": "Example Sponsor", "state": "Gujarat", "kind": "black_mass",
         "earliest_year": 2027, "latest_year": 2028, "build_years": 1, "variable_cost_usd_per_t": 500},
    ],
    "Options": [{"project": "example_plant", "option": "small", "capacity_tpa": 1_000, "capex_usd_m": 5.0,
                 "fixed_opex_usd_m": 0.2}],
    "Yields": [{"project": "example_plant", "mineral": "example_mineral", "yield_t_per_t": 0.5}],
    "Buyers": [{"buyer": "example_buyer", "country": "Japan", "kind": "battery_maker"}],
    "Contracts": [
        {"contract": "example_contract", "buyer": "example_buyer", "mineral": "example_mineral",
         "start_year": 2028, "end_year": 2032, "min_tpa": 100, "max_tpa": 400, "price_usd_per_t": 11_000},
    ],
    "Demand": [{"mineral": "example_mineral", "year": 2030, "demand_t": 1_000, "min_coverage": 0.1}],
    "Logistics": [{"project": "example_plant", "buyer": "example_buyer", "cost_usd_per_t": 150}],
    "Limits": [{"dimension": "sponsor", "member": "*", "max_share": 1.0}],
    "Scenarios": [
        {"scenario": "base", "probability": 0.7, "description": "Prices as entered."},
        {"scenario": "price_slump", "probability": 0.3, "description": "Spot prices 30% lower."},
    ],
    "Shocks": [{"scenario": "price_slump", "field": "price", "target": "example_mineral", "multiplier": 0.7}],
    "WhatIfs": [{"whatif": "example_higher_price", "target": "Minerals[example_mineral].price_usd_per_t",
                 "op": "scale", "value": 1.2}],
}  # fmt: skip
"""One example row per input sheet (Settings keeps its defaults; Feedstocks stays empty:
the example plant's feedstock is not limited). Together a case that validates and plans."""

STEPS = (
    "Each sheet holds one table: row 1 names the columns, one row per record below. Yellow rows are "
    "examples; together they are a tiny complete case, so optimize plan runs on this file as it is.",
    "Replace the example rows with your own (or delete them): an example row left in is part of "
    "your case. Keep the header row; units are in the column names (_usd_m: USD millions, "
    "_usd_per_t: USD per tonne, _tpa: tonnes per year, _t: tonnes).",
    "Required sheets: Settings, Minerals, Projects, Options, Yields, Buyers, Contracts. The others "
    "are optional: leave them empty (or delete them) to do without.",
    "Run: optimize validate FILE.xlsx. Every problem is listed at once as Sheet!Cell: what is wrong; "
    "what to do.",
    "Run: optimize plan FILE.xlsx. It writes FILE-plan.xlsx: your sheets as they were, plus result "
    "sheets, Summary first. Edit a decision, a limit or a price in the plan and run again on it.",
    "Compare: optimize whatif (the WhatIfs sheet), optimize sensitivity (+-10% on prices, capex, "
    "yields, the discount rate), optimize frontier (expected NPV against CVaR).",
)
LEGEND = (
    ("bold header", "required column: every row needs a value"),
    ("plain header", "optional column: a blank cell takes the default listed below"),
    ("yellow row", "an example row, to replace with your own"),
    ("header note", "hover over a header for the same text as below"),
)


def column_note(column: Column) -> str:
    parts = [column.description]
    parts.append("Required." if column.required else "Optional.")
    if column.default is not None:
        parts.append(f"Default: {column.default}.")
    if column.minimum is not None or column.maximum is not None:
        low = "" if column.minimum is None else f"{column.minimum:g}"
        high = "" if column.maximum is None else f"{column.maximum:g}"
        parts.append(f"Range: [{low}, {high}].")
    if column.references:
        parts.append(f"Must name a {column.references.replace('.', ' ')}.")
    return " ".join(parts)


def annotate(sheet: Worksheet, table: Table, rows: int = TEMPLATE_ROWS) -> None:
    """Header fill, a note on each known header (meaning, unit, default, range), dropdowns for
    enumerations, free text wrapped, and a page that prints landscape, one page wide."""
    headers = {str(cell.value).strip().lower(): cell for cell in sheet[1] if cell.value is not None}
    for column in table.columns:
        cell = headers.get(column.name)
        if cell is None:
            continue
        cell.fill = HEADER_FILL
        if column.required:
            cell.font = REQUIRED_FONT
        cell.comment = Comment(column_note(column), "optimize template", width=320, height=140)
        values = column.choices or column.suggestions
        if values:
            letter = get_column_letter(cell.column)
            validation = DataValidation(type="list", formula1=f'"{",".join(values)}"', allow_blank=True)
            validation.showErrorMessage = bool(column.choices)
            validation.add(f"{letter}2:{letter}{max(rows, sheet.max_row)}")
            sheet.add_data_validation(validation)
        if column.name in ("source", "notes", "description"):
            wrap_column(sheet, cell.column)
    print_one_page_wide(sheet)


def wrap_column(sheet: Worksheet, column: int) -> None:
    """Long free text wrapped in a column ``TEXT_WIDTH`` wide, instead of running across the page."""
    letter = get_column_letter(column)
    sheet.column_dimensions[letter].width = min(
        sheet.column_dimensions[letter].width or TEXT_WIDTH, TEXT_WIDTH
    )
    for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
        if isinstance(cell.value, str):
            cell.alignment = WRAP


def print_one_page_wide(sheet: Worksheet) -> None:
    """Landscape A4, every column on one page width, the header row on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    sheet.oddFooter.left.text = "&A"
    sheet.oddFooter.right.text = "page &P of &N"


def start_sheet(sheet: Worksheet) -> None:
    """The steps, the legend, and every column of every sheet with its meaning: the header notes, printable."""
    sheet["A1"] = "Offtake optimiser input workbook: start here"
    sheet["A1"].font = TITLE_FONT
    row = 3
    for number, step in enumerate(STEPS, start=1):
        label = sheet.cell(row=row, column=1, value=f"step {number}")
        label.font, label.alignment = REQUIRED_FONT, WRAP  # top-aligned, level with its text
        sheet.cell(row=row, column=2, value=step).alignment = WRAP
        sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=4)
        sheet.row_dimensions[row].height = POINTS_PER_LINE * (1 + len(step) // 110)
        row += 1
    row += 1
    sheet.cell(row=row, column=1, value="legend").font = REQUIRED_FONT
    for what, meaning in LEGEND:
        key = sheet.cell(row=row, column=2, value=what)
        key.fill = EXAMPLE_FILL if what == "yellow row" else HEADER_FILL
        key.font = REQUIRED_FONT if what == "bold header" else PLAIN_FONT
        sheet.cell(row=row, column=3, value=meaning)
        row += 1
    row += 1
    for index, header in enumerate(("sheet", "column", "required", "meaning, unit, default, range"), start=1):
        cell = sheet.cell(row=row, column=index, value=header)
        cell.font, cell.fill = REQUIRED_FONT, HEADER_FILL
    for table in TABLES:
        for column in table.columns:
            row += 1
            sheet.cell(row=row, column=1, value=table.sheet).alignment = WRAP
            name = sheet.cell(row=row, column=2, value=column.name)
            name.font, name.alignment = (REQUIRED_FONT if column.required else PLAIN_FONT), WRAP
            sheet.cell(
                row=row, column=3, value="required" if column.required else "optional"
            ).alignment = WRAP
            note = column_note(column)
            sheet.cell(row=row, column=4, value=note).alignment = WRAP
            sheet.row_dimensions[row].height = POINTS_PER_LINE * (1 + len(note) // 95)
    for letter, width in zip("ABCD", (14, 30, 11, 90), strict=True):
        sheet.column_dimensions[letter].width = width
    print_one_page_wide(sheet)
    sheet.print_title_rows = None


def template_workbook() -> Workbook:
    """Start, then every input sheet with its headers, one example row, notes, dropdowns."""
    workbook = Workbook()
    start_sheet(workbook.active)
    workbook.active.title = START
    for table in TABLES:
        sheet = workbook.create_sheet(table.sheet)
        for i, column in enumerate(table.columns, start=1):
            sheet.cell(row=1, column=i, value=column.name)
            sheet.column_dimensions[get_column_letter(i)].width = max(14, len(column.name) + 3)
        for r, example in enumerate(EXAMPLE_ROWS.get(table.sheet, []), start=2):
            write_example_row(sheet, table, r, {**example, "notes": EXAMPLE_NOTE})
        annotate(sheet, table)
        sheet.freeze_panes = "A2"
    settings = workbook["Settings"]
    for row, setting in enumerate(SETTINGS, start=2):
        settings.cell(row=row, column=1, value=setting.name)
        settings.cell(row=row, column=2, value=setting.default)
        settings.cell(row=row, column=4, value=setting.description).alignment = WRAP
    return workbook


def write_example_row(sheet: Worksheet, table: Table, row: int, values: dict[str, Any]) -> None:
    for i, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=row, column=i, value=values.get(column.name))
        cell.fill = EXAMPLE_FILL


def example_bytes() -> bytes:
    """The shipped India-Japan example workbook (built by ``examples/build_india_japan.py``)."""
    return resources.files(EXAMPLE_PACKAGE).joinpath(EXAMPLE_FILE).read_bytes()
