"""An annotated, empty input workbook generated from the schema that validates inputs."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from optimizer.schema import SETTINGS, TABLES, Column

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FONT = Font(bold=True)
TEMPLATE_ROWS = 200


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


def template_workbook() -> Workbook:
    """Every input sheet with its headers, a comment per header, dropdowns for enumerations."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in TABLES:
        sheet = workbook.create_sheet(table.sheet)
        for i, column in enumerate(table.columns, start=1):
            cell = sheet.cell(row=1, column=i, value=column.name)
            cell.fill = HEADER_FILL
            if column.required:
                cell.font = REQUIRED_FONT
            cell.comment = Comment(column_note(column), "optimize template", width=320, height=140)
            sheet.column_dimensions[get_column_letter(i)].width = max(14, len(column.name) + 3)
            values = column.choices or column.suggestions
            if values:
                letter = get_column_letter(i)
                validation = DataValidation(type="list", formula1=f'"{",".join(values)}"', allow_blank=True)
                validation.showErrorMessage = bool(column.choices)
                validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
                sheet.add_data_validation(validation)
        sheet.freeze_panes = "A2"
    settings = workbook["Settings"]
    for row, setting in enumerate(SETTINGS, start=2):
        settings.cell(row=row, column=1, value=setting.name)
        settings.cell(row=row, column=2, value=setting.default)
        settings.cell(row=row, column=4, value=setting.description)
    return workbook
