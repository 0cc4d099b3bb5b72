"""The one place the report stage puts a value into a cell: user text is always text.

Names the user typed (projects, buyers, contracts, minerals, scenarios, file names) are
data, never code. openpyxl stores any string starting with ``=`` as a formula, so a
contract named ``=HYPERLINK("http://...")`` would become a live formula in the plan.
Every string goes through ``write_value``: it is stored as a text cell, and one that
starts like a formula (``=``, ``+``, ``-``, ``@``) also gets Excel's quote prefix, so
editing the cell in Excel keeps it text. Characters XML cannot hold (control characters,
and the undecodable bytes of a file name that is not UTF-8) become U+FFFD.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import pandas as pd
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from optimizer.stdout import displayable

FORMULA_LEADS = ("=", "+", "-", "@")
"""What makes a spreadsheet program read typed text as a formula."""
REPLACEMENT = "\ufffd"
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # XML 1.0 has no such characters
EXCEL_MAX_TEXT = 32_767  # characters in one cell


def plain(value: Any) -> Any:
    """numpy and pandas scalars to what openpyxl writes; missing to an empty cell."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


@lru_cache(maxsize=65_536)  # names repeat on every row of Flows
def safe_text(text: str) -> str:
    """``text`` as XML can hold it: no control characters, no lone surrogates, at most Excel's length."""
    return NOT_IN_XML.sub(REPLACEMENT, displayable(text))[:EXCEL_MAX_TEXT]


def cell_value(value: Any) -> Any:
    """``value`` as a cell holds it: a plain number, text XML can hold, or ``None`` for blank.

    A table's data columns are written from these values as XML text
    (``optimizer.report.xlsx.sheet_data``), always as text cells, never as formulas."""
    value = plain(value)
    return safe_text(value) if isinstance(value, str) else value


def write_value(cell: Cell, value: Any) -> Cell:
    """Put ``value`` in ``cell``: numbers as numbers, strings always as text, blanks empty."""
    value = cell_value(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never "f": a leading = is part of the name
        if value.startswith(FORMULA_LEADS):
            cell.quotePrefix = True
    return cell


def write_cell(sheet: Worksheet, row: int, column: int, value: Any) -> Cell:
    """``sheet``'s cell at (row, column) holding ``value`` (see ``write_value``)."""
    return write_value(sheet.cell(row=row, column=column), value)
