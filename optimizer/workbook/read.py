"""Read a workbook's sheets into raw tables, remembering where each value came from.

Values are read by pandas with the calamine engine (formulas give their cached values).
Header names are matched ignoring case and surrounding spaces; sheet names too. Result
sheets that the tool wrote into an earlier plan are skipped, so a plan reads back as input.
"""

from __future__ import annotations

import math
import stat
import zipfile
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl.utils import column_index_from_string, get_column_letter

from optimizer.errors import InputError, InputProblem
from optimizer.workbook.limits import check_package, sheet_cells_problem
from optimizer.workbook.schema import RESULT_SHEETS, TABLES_BY_SHEET
from optimizer.workbook.sheet_xml import SheetCells, scan_workbook, sheet_parts


@dataclass(frozen=True)
class RawTable:
    """A sheet's records as read: normalised column names, index = Excel row number.

    ``problems`` are layout problems found while reading (merged or blank headers, formulas
    without a saved value); ``reported_cells`` are the cells they cover, so that typing does
    not report those cells a second time as blank.
    """

    sheet: str
    frame: pd.DataFrame
    column_letters: dict[str, str]
    problems: tuple[InputProblem, ...] = ()
    reported_cells: frozenset[str] = frozenset()

    def cell(self, column: str, excel_row: int | None = None) -> str:
        """The A1 reference of a column's header (no row) or of one of its cells."""
        letter = self.column_letters.get(column, "A")
        return f"{letter}{excel_row if excel_row is not None else 1}"


def row_number(label: Hashable) -> int:
    """A table's index label back to its Excel row number."""
    return int(str(label))


def normalise_header(name: object) -> str:
    """``' Capex_USD_m '`` -> ``'capex_usd_m'``: headers match ignoring case and outer spaces.

    A header typed as a number (``2026``) is read as its text; a blank one as ``''``.
    """
    if is_empty_cell(name):
        return ""
    if isinstance(name, float) and name.is_integer():
        return str(int(name))
    return str(name).strip().lower()


def is_empty_cell(value: object) -> bool:
    """Nothing, NaN, or only spaces: what a user sees as an empty cell."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def read_workbook(path: Path) -> dict[str, RawTable]:
    """Read every input sheet the schema knows; unknown sheets (the user's own) are never read.

    The package is checked as a whole first (``limits``: sizes, part names, DTDs), then only
    the sheets the model uses are scanned and read, each within ``limits.MAX_SHEET_CELLS``.
    """
    problems = check_readable(path)
    if problems:
        raise InputError(problems)
    try:
        problems = check_package(path)
        if problems:
            raise InputError(problems)
        with zipfile.ZipFile(path) as package:
            names = list(sheet_parts(package))
    except (zipfile.BadZipFile, KeyError, OSError, SyntaxError) as exc:  # SyntaxError: bad XML
        raise InputError([damaged(path, exc)]) from exc
    wanted, problems = wanted_sheets(names)
    if problems:
        raise InputError(problems)
    try:
        cells = scan_workbook(path, set(wanted))
    except (zipfile.BadZipFile, KeyError, OSError, SyntaxError) as exc:  # SyntaxError: bad XML
        raise InputError([damaged(path, exc)]) from exc
    too_large = [
        problem
        for name, found in cells.items()
        if (problem := sheet_cells_problem(name, found.last_row, found.last_column)) is not None
    ]
    if too_large:
        raise InputError(too_large)
    try:
        grids: dict[str, pd.DataFrame] = (
            pd.read_excel(
                path,
                sheet_name=list(wanted),
                header=None,
                dtype=object,
                engine="calamine",
                keep_default_na=False,
                na_values=[""],
            )
            if wanted
            else {}
        )
    except Exception as exc:  # calamine raises several unrelated types for broken files
        raise InputError([damaged(path, exc)]) from exc
    return {
        schema_name: grid_to_table(schema_name, grids[sheet_name], cells.get(sheet_name))
        for sheet_name, schema_name in wanted.items()
    }


KNOWN_SHEETS = {name.lower(): name for name in TABLES_BY_SHEET}
RESULT_KEYS = {name.lower() for name in RESULT_SHEETS}


def wanted_sheets(names: list[str]) -> tuple[dict[str, str], list[InputProblem]]:
    """Workbook sheet name -> schema sheet, for the input sheets the model reads.

    Names match ignoring case and surrounding spaces, so two sheets that differ only in
    those (``Contracts`` and ``contracts ``) would both be the same table: that is refused,
    naming both, rather than reading one of them.
    """
    by_key: dict[str, list[str]] = {}
    for name in names:
        key = name.strip().lower()
        if key in KNOWN_SHEETS or key in RESULT_KEYS:
            by_key.setdefault(key, []).append(name)
    problems = [
        InputProblem(
            KNOWN_SHEETS.get(key, same[0]),
            "",
            f"the workbook has {len(same)} sheets named {' and '.join(repr(n) for n in same)}, "
            "which differ only in case or spaces, so it is unclear which one to read",
            "rename or delete all but one of them",
        )
        for key, same in by_key.items()
        if len(same) > 1
    ]
    wanted = {
        same[0]: KNOWN_SHEETS[key]
        for key, same in by_key.items()
        if key in KNOWN_SHEETS and key not in RESULT_KEYS and len(same) == 1
    }
    return wanted, problems


def damaged(path: Path, exc: BaseException) -> InputProblem:
    return InputProblem(
        path.name,
        "",
        f"is damaged and cannot be read as an Excel workbook ({type(exc).__name__}: {exc})",
        "open it in Excel (which can often repair it), save it as .xlsx and try again",
    )


OLE2_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # stream name in an encrypted .xlsx


def check_readable(path: Path) -> list[InputProblem]:
    """A file that cannot be an .xlsx workbook gets one clear problem naming what it is instead.

    An .xlsx is a zip package holding ``xl/workbook.xml``. A password-protected .xlsx is not
    a zip at all: Excel wraps the encrypted package in an OLE2 compound file (the format of
    old .xls files), with a stream named ``EncryptedPackage``.
    """

    def problem(what: str, fix: str) -> list[InputProblem]:
        return [InputProblem(path.name, "", what, fix)]

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return problem("file not found", "check the path")
    except OSError as exc:
        return problem(f"cannot be opened ({exc.strerror})", "check the path and its permissions")
    if not stat.S_ISREG(mode):
        return problem(
            f"is not a regular file (it is {file_kind(mode)})", "give the path of an .xlsx workbook file"
        )
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
            size = path.stat().st_size
            if head == OLE2_SIGNATURE:
                handle.seek(0)
                encrypted = ENCRYPTED_PACKAGE in handle.read()
    except OSError as exc:
        return problem(
            f"cannot be opened ({exc.strerror})",
            "close it in Excel or any other program holding it, check its permissions, and try again",
        )
    if size == 0:
        return problem("is empty (0 bytes)", "save the workbook from Excel again as .xlsx")
    if head == OLE2_SIGNATURE:
        if encrypted:
            return problem(
                "is password protected (encrypted)",
                "open it in Excel, remove the password (File > Info > Protect Workbook) and save it as .xlsx",
            )
        return problem(
            "is an old-format .xls workbook (Excel 97-2003), not .xlsx",
            "open it in Excel and save it as .xlsx (Excel Workbook)",
        )
    if not zipfile.is_zipfile(path):
        if head.startswith(b"PK"):
            return problem(
                "is damaged: an incomplete or corrupt .xlsx package",
                "open it in Excel (which can often repair it), save it as .xlsx and try again",
            )
        return problem("is not an .xlsx workbook", "save it from Excel as an .xlsx workbook")
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        return [damaged(path, exc)]
    if "xl/workbook.xml" not in names:
        binary = "xl/workbook.bin" in names
        what = (
            "is a binary .xlsb workbook, not .xlsx" if binary else "is a zip archive, not an Excel workbook"
        )
        return problem(what, "save it from Excel as an .xlsx workbook")
    return []


def file_kind(mode: int) -> str:
    """What a path that is not a regular file is, in words."""
    kinds = (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    )
    return next((words for test, words in kinds if test(mode)), "not a regular file")


FREE_TEXT_COLUMNS = ("source", "notes")


def grid_to_table(sheet: str, grid: pd.DataFrame, cells: SheetCells | None = None) -> RawTable:
    """First row is the header; blank rows are dropped; index becomes Excel row numbers.

    Layout problems become ``RawTable.problems``: a column with values but no header, a
    header used twice, merged cells, formulas without a saved value or with an error.
    """
    if grid.empty:
        return RawTable(sheet, pd.DataFrame(), {})
    grid = grid.map(lambda v: None if is_empty_cell(v) else v)
    raw_headers = [normalise_header(h) for h in grid.iloc[0]]
    body = grid.iloc[1:].copy()
    body.index = pd.RangeIndex(2, 2 + len(body))
    problems: list[InputProblem] = []
    reported: set[str] = set()
    merged = cells.merged_ranges if cells is not None else []
    merged_headers = {  # letter under a merged header, after its first -> the merged range
        letter: ref for ref in merged if range_rows(ref)[0] == 1 for letter in range_letters(ref)[1:]
    }
    headers: list[str] = []
    letters: dict[str, str] = {}
    for i, name in enumerate(raw_headers):
        letter = get_column_letter(i + 1)
        if name and name in letters:
            problems.append(
                InputProblem(
                    sheet,
                    f"{letter}1",
                    f"column {name} appears twice (also in {letters[name]}1)",
                    "keep one of the two columns",
                )
            )
            name = ""
        elif not name and body.iloc[:, i].notna().any():
            problems.append(headerless_column(sheet, letter, merged_headers.get(letter)))
        if name:
            letters[name] = letter
        headers.append(name)
    body.columns = pd.Index(headers)
    body = body.loc[:, [h != "" for h in headers]]
    body = body.dropna(how="all")
    if cells is not None:
        checked = {letter for name, letter in letters.items() if name not in FREE_TEXT_COLUMNS}
        found, covered = cell_problems(sheet, cells, checked)
        problems.extend(found)
        reported.update(covered)
    return RawTable(sheet, body, letters, tuple(problems), frozenset(reported))


def headerless_column(sheet: str, letter: str, merged_header: str | None) -> InputProblem:
    """A column with values and no header of its own: blank, or hidden under a merged header."""
    if merged_header is not None:
        return InputProblem(
            sheet,
            merged_header,
            f"header cells {merged_header} are merged",
            "unmerge them and give each column its own header",
        )
    return InputProblem(
        sheet,
        f"{letter}1",
        f"column {letter} has values but no header",
        "give it a header (optimize template shows the column names) or delete its values",
    )


def cell_problems(sheet: str, cells: SheetCells, letters: set[str]) -> tuple[list[InputProblem], set[str]]:
    """Merged ranges, formulas without a usable value, error values and unreal numbers, in the table's own columns."""
    problems: list[InputProblem] = []
    covered: set[str] = set()
    for ref in cells.merged_ranges:
        if range_rows(ref)[0] == 1 or not set(range_letters(ref)) & letters:
            continue  # merged headers matter only over values: see headerless_column
        what = f"cells {ref} are merged, so only {ref.split(':')[0]} holds a value"
        problems.append(InputProblem(sheet, ref, what, "unmerge them and fill in every cell"))
    for cell, formula in cells.formulas_without_value.items():
        if cell.rstrip("0123456789") in letters:
            problems.append(
                InputProblem(
                    sheet,
                    cell,
                    f"formula ={formula} has no saved value (the file was written by a program that does not calculate)",
                    "open the file in Excel and save it, so each formula's value is stored, or type the value",
                )
            )
            covered.add(cell)
    for cell, error in cells.formula_errors.items():
        if cell.rstrip("0123456789") in letters:
            problems.append(
                InputProblem(
                    sheet, cell, f"formula gives the error {error}", "correct the formula or type the value"
                )
            )
            covered.add(cell)
    for cell, error in cells.error_values.items():
        if cell.rstrip("0123456789") in letters:
            problems.append(
                InputProblem(
                    sheet,
                    cell,
                    f"holds the error value {error}, not a value",
                    "type the value, or clear the cell to take its default",
                )
            )
            covered.add(cell)
    for cell, text in cells.unreal_numbers.items():
        if cell.rstrip("0123456789") in letters:
            problems.append(
                InputProblem(
                    sheet,
                    cell,
                    f"holds {text}, which is not a real number",
                    "type the number, or clear the cell to take its default",
                )
            )
            covered.add(cell)
    return problems, covered


def range_letters(ref: str) -> list[str]:
    """``'B2:D5'`` -> ``['B', 'C', 'D']``."""
    first, _, last = ref.partition(":")
    low = column_index_from_string(first.rstrip("0123456789"))
    high = column_index_from_string((last or first).rstrip("0123456789"))
    return [get_column_letter(i) for i in range(low, high + 1)]


def range_rows(ref: str) -> tuple[int, int]:
    """``'B2:D5'`` -> ``(2, 5)``."""
    first, _, last = ref.partition(":")

    def row(cell: str) -> int:
        digits = cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ$")
        return int(digits) if digits.isdigit() else 1

    return row(first), row(last or first)
