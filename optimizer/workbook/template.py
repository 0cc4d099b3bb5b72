"""An annotated, empty input workbook generated from the schema that validates inputs.

``annotate`` is shared with the shipped example (``examples/build_india_japan.py``), so the
example carries the same header notes and dropdowns; ``example_bytes`` is that example as
shipped inside the package (``optimize template OUT --example``).
"""

from __future__ import annotations

from importlib import resources

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from optimizer.workbook.schema import SETTINGS, TABLES, Column, Table

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FONT = Font(bold=True)
TEMPLATE_ROWS = 200
EXAMPLE_PACKAGE = "optimizer.examples"  # the repository's examples/ folder (pyproject package-dir)
EXAMPLE_FILE = "india_japan.xlsx"


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
    """Header fill, a note on each known header (meaning, unit, default, range), dropdowns for enumerations."""
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


def template_workbook() -> Workbook:
    """Every input sheet with its headers, a comment per header, dropdowns for enumerations."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in TABLES:
        sheet = workbook.create_sheet(table.sheet)
        for i, column in enumerate(table.columns, start=1):
            sheet.cell(row=1, column=i, value=column.name)
            sheet.column_dimensions[get_column_letter(i)].width = max(14, len(column.name) + 3)
        annotate(sheet, table)
        sheet.freeze_panes = "A2"
    settings = workbook["Settings"]
    for row, setting in enumerate(SETTINGS, start=2):
        settings.cell(row=row, column=1, value=setting.name)
        settings.cell(row=row, column=2, value=setting.default)
        settings.cell(row=row, column=4, value=setting.description)
    return workbook


def example_bytes() -> bytes:
    """The shipped India-Japan example workbook (built by ``examples/build_india_japan.py``)."""
    return resources.files(EXAMPLE_PACKAGE).joinpath(EXAMPLE_FILE).read_bytes()
