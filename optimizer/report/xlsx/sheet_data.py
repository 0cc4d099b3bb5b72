"""A table's data cells written as sheet XML text, spliced into the sheet openpyxl saves.

openpyxl makes a ``Cell`` object for each value, hashes its style when it is set and again
when it is saved, and writes it through lxml: about 12 us a cell, which was most of the
time of writing a plan (medium: 420,000 data cells, 6 s; large: over 3 minutes). A
table's data cells are plain (a number, a text, a blank) in one of a few styles, so
``add_column`` keeps them as a column of values with one style per row, and
``workbook_package`` writes them when the workbook is saved: the XML openpyxl writes for
the same cells (inline strings, numbers as ``%.16g``), put in the sheet's ``<sheetData>``
beside the cells openpyxl holds (titles, headers, a chart's helper columns), row by row
in column order, and the sheet's ``<dimension>`` widened to cover them.

Save a workbook that holds such columns with ``workbook_bytes`` or ``workbook_package``;
openpyxl's own ``save`` would leave the columns out.
"""

from __future__ import annotations

import io
import math
import re
import weakref
from dataclasses import dataclass, field
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from optimizer.report.cells import FORMULA_LEADS
from optimizer.report.xlsx.package import Package

SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>(.*?)</sheetData>", re.S)
ROW = re.compile(rb"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
ROW_NUMBER = re.compile(rb'\br="(\d+)"')
CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)\d+"[^>]*?(?:/>|>.*?</c>)', re.S)
DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"\s*/>')
XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


@dataclass
class DataColumn:
    """One column of a table's data cells: a value (or ``None``) and a style index per row."""

    column: int
    values: list[Any]
    styles: list[int]


@dataclass
class SheetData:
    """The data cells of one sheet waiting to be written: rows ``first_row``..``last_row``."""

    first_row: int
    last_row: int
    columns: list[DataColumn] = field(default_factory=list)


PENDING: weakref.WeakKeyDictionary[Worksheet, SheetData] = weakref.WeakKeyDictionary()
"""The data columns of each sheet until its workbook is saved."""


def add_column(
    sheet: Worksheet,
    column: int,
    first_row: int,
    last_row: int,
    values: list[Any],
    formats: list[str],
    border: Border,
    alignment: Alignment | None,
) -> None:
    """Rows ``first_row``..``last_row`` of ``column``: ``values`` (plain Python values; rows past
    them are blank), each in the number format ``formats`` gives its row (the last one for
    the rest), with ``border`` and ``alignment``; text that starts like a formula also
    gets Excel's quote prefix, so editing it keeps it text."""
    data = PENDING.get(sheet)
    if data is None:
        data = PENDING[sheet] = SheetData(first_row, last_row)
    if (data.first_row, data.last_row) != (first_row, last_row):
        raise ValueError(f"{sheet.title}: one table of data columns per sheet")
    ids: dict[tuple[str, bool], int] = {}

    def style(number_format: str, quoted: bool) -> int:
        key = (number_format, quoted)
        if key not in ids:
            ids[key] = style_index(sheet, number_format, border, alignment, quoted)
        return ids[key]

    rows = last_row - first_row + 1
    styles = []
    for offset in range(rows):
        value = values[offset] if offset < len(values) else None
        quoted = isinstance(value, str) and value.startswith(FORMULA_LEADS)
        styles.append(style(formats[min(offset, len(formats) - 1)], quoted))
    data.columns.append(DataColumn(column, list(values[:rows]), styles))


def style_index(
    sheet: Worksheet, number_format: str, border: Border, alignment: Alignment | None, quoted: bool
) -> int:
    """The workbook's cell-format index for this combination (registered if new), as openpyxl
    gives a cell with these attributes when it saves it."""
    cell = Cell(sheet)  # a cell of no row: only its style is wanted
    cell.number_format = number_format
    cell.border = border
    if alignment is not None:
        cell.alignment = alignment
    if quoted:
        cell.quotePrefix = True
    return int(cell.style_id)


def saved(workbook: Workbook) -> tuple[bytes, dict[str, SheetData]]:
    """openpyxl's .xlsx bytes of ``workbook`` and the data columns its sheets still wait for
    (taken: a workbook is saved once)."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), {
        sheet.title: PENDING.pop(sheet) for sheet in workbook.worksheets if sheet in PENDING
    }


def workbook_bytes(workbook: Workbook) -> bytes:
    """``workbook`` as .xlsx bytes, its data columns included."""
    data, pending = saved(workbook)
    if not pending:
        return data
    package = Package.from_bytes(data)
    fill_sheets(package, pending)
    return package.to_bytes()


def workbook_package(workbook: Workbook) -> Package:
    """``workbook`` as a package of parts, its data columns included."""
    data, pending = saved(workbook)
    package = Package.from_bytes(data)
    fill_sheets(package, pending)
    return package


def fill_sheets(package: Package, pending: dict[str, SheetData]) -> None:
    """Put each named sheet's data columns into its part."""
    if not pending:
        return
    for name, part in package.sheet_parts():
        data = pending.get(name)
        if data is not None:
            package.write(part, with_data(package.read(part), data))


def with_data(sheet_xml: bytes, data: SheetData) -> bytes:
    """The sheet's XML with ``data``'s cells in its ``<sheetData>`` and its dimension widened."""
    found = SHEET_DATA.search(sheet_xml)
    if found is None:
        raise ValueError("a worksheet without <sheetData>")
    held = {
        int(number.group(1)): (attributes, body or b"")
        for attributes, body in ROW.findall(found.group(1) or b"")
        if (number := ROW_NUMBER.search(attributes)) is not None
    }
    letters = [get_column_letter(c.column).encode() for c in data.columns]
    out = [b"<sheetData>"]
    for row in sorted(held.keys() | set(range(data.first_row, data.last_row + 1))):
        attributes, body = held.get(row, (b' r="%d"' % row, b""))
        if not data.first_row <= row <= data.last_row:
            out.append(b"<row%s>%s</row>" % (attributes, body) if body else b"<row%s/>" % attributes)
            continue
        offset = row - data.first_row
        row_text = b"%d" % row
        cells = [
            (
                c.column,
                cell_xml(
                    letter + row_text, c.styles[offset], c.values[offset] if offset < len(c.values) else None
                ),
            )
            for c, letter in zip(data.columns, letters, strict=True)
        ]
        if body:
            cells = merged_cells(cells, body, row)
        out.append(b"<row%s>%s</row>" % (attributes, b"".join(xml for _, xml in cells)))
    out.append(b"</sheetData>")
    spliced = sheet_xml[: found.start()] + b"".join(out) + sheet_xml[found.end() :]
    last_column = max(c.column for c in data.columns) if data.columns else 1
    return widened_dimension(spliced, data.last_row, last_column)


def merged_cells(ours: list[tuple[int, bytes]], body: bytes, row: int) -> list[tuple[int, bytes]]:
    """Our cells of a row and the ones openpyxl wrote in it, in column order."""
    theirs = [(column_index_from_string(m.group(1).decode()), m.group(0)) for m in CELL.finditer(body)]
    taken = {column for column, _ in ours}
    twice = [column for column, _ in theirs if column in taken]
    if twice:
        raise ValueError(f"cell {get_column_letter(twice[0])}{row} written twice")
    return sorted(ours + theirs, key=lambda cell: cell[0])


def cell_xml(reference: bytes, style: int, value: Any) -> bytes:
    """One data cell as openpyxl writes it: ``t="n"`` numbers and blanks, ``t="b"`` booleans,
    inline strings (spaces kept where they lead or trail; an empty one without text; characters
    beyond ASCII as character references)."""
    head = b'<c r="%s" s="%d" t="' % (reference, style)
    if value is None:
        return head + b'n"></c>'
    if isinstance(value, bool):
        return head + (b'b"><v>1</v></c>' if value else b'b"><v>0</v></c>')
    if isinstance(value, int | float):
        shown = b"" if math.isnan(value) or math.isinf(value) else (b"%.16g" % value)
        return head + b'n"><v>' + shown + b"</v></c>"
    text = value if isinstance(value, str) else str(value)
    if not text:
        return head + b'inlineStr"></c>'
    space = b' xml:space="preserve"' if text != text.strip() else b""
    return (
        head
        + b'inlineStr"><is><t'
        + space
        + b">"
        + text.translate(XML_ESCAPES).encode("ascii", "xmlcharrefreplace")
        + b"</t></is></c>"
    )


def widened_dimension(sheet_xml: bytes, last_row: int, last_column: int) -> bytes:
    """The sheet's ``<dimension ref>`` reaching at least ``last_row`` and ``last_column``."""
    found = DIMENSION.search(sheet_xml)
    if found is None:
        return sheet_xml
    first_letters, first_row, end_letters, end_row = found.groups()
    end_column = column_index_from_string((end_letters or first_letters).decode())
    row = max(int(end_row or first_row), last_row)
    column = max(end_column, last_column)
    ref = b"%s%s:%s%d" % (first_letters, first_row, get_column_letter(column).encode(), row)
    return sheet_xml[: found.start()] + b'<dimension ref="%s"/>' % ref + sheet_xml[found.end() :]
