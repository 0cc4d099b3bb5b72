"""Read a workbook's sheets into raw tables, remembering where each value came from.

Values are read by pandas with the calamine engine (formulas give their cached values).
Header names are matched ignoring case and surrounding spaces; sheet names too. Result
sheets that the tool wrote into an earlier plan are skipped, so a plan reads back as input.
"""

from __future__ import annotations

import zipfile
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from optimizer.errors import InputError, InputProblem
from optimizer.schema import RESULT_SHEETS, TABLES_BY_SHEET


@dataclass(frozen=True)
class RawTable:
    """A sheet's records as read: normalised column names, index = Excel row number."""

    sheet: str
    frame: pd.DataFrame
    column_letters: dict[str, str]

    def cell(self, column: str, excel_row: int | None = None) -> str:
        """The A1 reference of a column's header (no row) or of one of its cells."""
        letter = self.column_letters.get(column, "A")
        return f"{letter}{excel_row if excel_row is not None else 1}"


def row_number(label: Hashable) -> int:
    """A table's index label back to its Excel row number."""
    return int(str(label))


def normalise_header(name: object) -> str:
    """``' Capex_USD_m '`` -> ``'capex_usd_m'``: headers match ignoring case and outer spaces."""
    return str(name).strip().lower()


def read_workbook(path: Path) -> dict[str, RawTable]:
    """Read every input sheet the schema knows; unknown sheets (the user's own) are skipped."""
    problems = check_readable(path)
    if problems:
        raise InputError(problems)
    try:
        grids: dict[str, pd.DataFrame] = pd.read_excel(
            path,
            sheet_name=None,
            header=None,
            dtype=object,
            engine="calamine",
            keep_default_na=False,
            na_values=[""],
        )
    except Exception as exc:  # calamine raises several unrelated types for broken files
        raise InputError(
            [
                InputProblem(
                    path.name,
                    "",
                    f"cannot be read as an Excel workbook ({exc})",
                    "save it from Excel as .xlsx and try again",
                )
            ]
        ) from exc
    known = {name.lower(): name for name in TABLES_BY_SHEET}
    skipped = {name.lower() for name in RESULT_SHEETS}
    tables: dict[str, RawTable] = {}
    for sheet_name, grid in grids.items():
        key = sheet_name.strip().lower()
        if key in skipped or key not in known:
            continue
        tables[known[key]] = grid_to_table(known[key], grid)
    return tables


def check_readable(path: Path) -> list[InputProblem]:
    """A file that is missing or is not an .xlsx package gets one clear problem."""
    if not path.exists():
        return [InputProblem(path.name, "", "file not found", "check the path")]
    if not zipfile.is_zipfile(path):
        return [
            InputProblem(
                path.name,
                "",
                "is not an .xlsx workbook (or is password protected)",
                "save it from Excel as an unprotected .xlsx workbook",
            )
        ]
    return []


def grid_to_table(sheet: str, grid: pd.DataFrame) -> RawTable:
    """First row is the header; fully blank rows are dropped; index becomes Excel row numbers."""
    if grid.empty:
        return RawTable(sheet, pd.DataFrame(), {})
    headers = [normalise_header(h) if isinstance(h, str) and h.strip() else "" for h in grid.iloc[0]]
    letters = {h: get_column_letter(i + 1) for i, h in enumerate(headers) if h}
    body = grid.iloc[1:].copy()
    body.columns = pd.Index(headers)
    body = body.loc[:, [h != "" for h in headers]]
    body.index = pd.RangeIndex(2, 2 + len(body))
    body = body.dropna(how="all")
    return RawTable(sheet, body, letters)
