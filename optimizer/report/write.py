"""Write the plan workbook: the input workbook as it was, plus result sheets the tool owns.

The result sheets are drawn with openpyxl into a workbook of their own (``render``) and
merged into the user's file at the package level (``xlsx.merge``): openpyxl never loads
the user's workbook, so nothing it cannot read back (shapes, images, sparklines, slicers,
cached formula results, ...) is lost. Result sheets are replaced on every run at the same
cells, so a user's formula pointing at one keeps working. The file is written to a
temporary file beside the target and renamed into place: a failure or Ctrl-C never
leaves half a workbook, and the input is only replaced with ``--in-place``, after a backup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import stat
import warnings
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from optimizer.collector import cycle_collection_paused
from optimizer.errors import OutputError
from optimizer.report.cells import write_cell
from optimizer.report.files import (
    check_replaceable,
    check_writable,
    regular_or_absent,
    save_atomically,
    write_bytes_atomically,
)
from optimizer.report.render import MARKER, Provenance, number_format, results_workbook
from optimizer.report.results import RESULT_TABLES, SUMMARY_ROWS
from optimizer.report.xlsx.merge import merge_result_sheets
from optimizer.report.xlsx.package import Package
from optimizer.report.xlsx.sheet_data import workbook_bytes, workbook_package
from optimizer.workbook.schema import RESULT_SHEETS, TABLES, TABLES_BY_SHEET

if TYPE_CHECKING:
    from optimizer.plan import Plan

__all__ = [
    "SUMMARY_ROWS",
    "check_writable",
    "default_output_path",
    "plan_target",
    "save_atomically",
    "write_bytes_atomically",
    "write_plan",
]

OWNED_SHEETS = tuple(dict.fromkeys([*RESULT_SHEETS, *(spec.name for spec in RESULT_TABLES)]))
"""Sheets the tool replaces on every run (those of earlier runs included)."""
BOLD = Font(bold=True)


def default_output_path(input_path: Path) -> Path:
    """``case.xlsx`` -> ``case-plan.xlsx``; a macro workbook keeps its ``.xlsm`` (Excel checks the suffix)."""
    suffix = ".xlsm" if input_path.suffix.lower() == ".xlsm" else ".xlsx"
    return input_path.with_name(f"{input_path.stem}-plan{suffix}")


def backup_path(input_path: Path) -> Path:
    """``case.xlsx`` -> ``case.bak.xlsx``: the input as it was before the last ``--in-place`` run."""
    return input_path.with_name(f"{input_path.stem}.bak{input_path.suffix}")


def plan_target(
    workbook: Path, output: Path | None, *, in_place: bool = False, force: bool = False
) -> tuple[Path, Path | None]:
    """Where ``optimize plan`` writes, and the backup to keep; refuses before any solving."""
    if in_place and output is not None:
        raise OutputError("--in-place writes into the input workbook; drop -o, or drop --in-place")
    if in_place:
        check_writable(workbook, force=True)
        check_replaceable(workbook, force)
        regular_or_absent(
            backup_path(workbook), "the backup", "--in-place keeps the backup there: move or rename it"
        )
        check_result_sheets_are_ours(workbook.name, workbook.read_bytes())
        return workbook, backup_path(workbook)
    target = output if output is not None else default_output_path(workbook)
    if target.resolve() == workbook.resolve():
        raise OutputError(
            f"{target} is the input workbook; use --in-place to write into it (a backup is kept)"
        )
    check_writable(target, force)
    if workbook.exists():
        check_result_sheets_are_ours(workbook.name, workbook.read_bytes())
    return target, None


def write_plan(plan: Plan, path: Path, *, force: bool = False, backup: Path | None = None) -> Path:
    """Write ``plan`` to ``path`` atomically and return the path.

    With ``backup``, ``path`` may be the input workbook itself: its bytes are first saved
    to ``backup`` (atomically too), then replaced.
    """
    check_writable(path, force or backup is not None)
    source = plan.case.source_path
    if source is not None and backup is None and path.resolve() == source.resolve():
        raise OutputError(f"{path} is the input workbook; write into it with --in-place (a backup is kept)")
    if source is not None and source.exists():
        user_bytes = source.read_bytes()
        if plan.case.source_sha256 and hashlib.sha256(user_bytes).hexdigest() != plan.case.source_sha256:
            raise OutputError(f"{source.name} changed while the plan was computed; run optimize plan again")
        check_result_sheets_are_ours(source.name, user_bytes)
    else:
        user_bytes = workbook_bytes(workbook_from_case(plan))
    provenance = Provenance(
        input_file=source.name if source else None,
        input_sha256=plan.case.source_sha256,
        versions=versions(),
        written_at_utc=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
    )
    package = Package.from_bytes(user_bytes)
    with cycle_collection_paused():
        results = workbook_package(results_workbook(plan, provenance))
    try:
        merge_result_sheets(package, results, owned=OWNED_SHEETS, inputs=TABLES_BY_SHEET)
    except KeyError as error:  # no workbook part or sheet list where .xlsx keeps them
        raise OutputError(
            f"{source.name if source else 'the workbook'} is not laid out as an Excel workbook ({error}); "
            "save it from Excel as 'Excel Workbook (.xlsx)' and run again"
        ) from error
    merged = package.to_bytes()
    if backup is not None and path.exists():
        write_bytes_atomically(path.read_bytes(), backup, mode=stat.S_IMODE(path.stat().st_mode))
    write_bytes_atomically(merged, path)
    return path


def check_result_sheets_are_ours(name: str, data: bytes) -> None:
    """A sheet named like a result sheet that this tool did not write is the user's: never replace it.

    Only A2 of those sheets is read, streaming (openpyxl read-only): a result sheet of a
    large plan, or a hostile one, is never loaded whole. A workbook with no such sheet (every
    input before its first plan) is not opened with openpyxl at all: opening it reads the
    whole shared-string table (1 s for the large benchmark's input on its own, about 10 s
    when a solved large model fills the heap the cycle collector walks).
    """
    owned = {n.lower() for n in OWNED_SHEETS}
    try:  # the sheet list alone first: openpyxl reads the whole shared-string table to open a book
        named_like_results = [n for n, _ in Package.from_bytes(data).sheet_parts() if n.lower() in owned]
    except Exception:  # not laid out as we expect: openpyxl below decides
        named_like_results = None
    if named_like_results == []:
        return
    foreign = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's notes on parts it does not read
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # not a workbook: reading it reports that properly
            return
        try:
            for sheet in book.sheetnames:
                if sheet.lower() not in owned:
                    continue
                rows = book[sheet].iter_rows(min_row=2, max_row=2, max_col=1, values_only=True)
                note = next(iter(rows), (None,))[0]
                if not (isinstance(note, str) and note.startswith(MARKER)):
                    foreign.append(sheet)
        finally:
            book.close()
    if foreign:
        raise OutputError(
            f"{name}: sheet(s) {', '.join(foreign)} carry names the plan's result sheets use but were not "
            "written by optimize, and would be replaced; rename them and run again"
        )


def workbook_from_case(plan: Plan) -> Workbook:
    """A workbook holding the case's input tables, for a Case built in Python rather than read."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    case = plan.case
    settings = [{"setting": k, "value": v} for k, v in case.raw_settings.items()]
    write_frame(workbook.create_sheet("Settings"), pd.DataFrame(settings, columns=["setting", "value"]))
    for table in TABLES[1:]:
        frame = case.tables[table.sheet]
        if table.required or not frame.empty:
            write_frame(workbook.create_sheet(table.sheet), frame.dropna(axis=1, how="all"))
    return workbook


def versions() -> dict[str, str]:
    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "unknown"

    return {
        "optimizer_version": version("offtake-optimizer"),
        "pyomo_version": version("pyomo"),
        "highs_version": version("highspy"),
    }


def write_frame(sheet: Worksheet, frame: pd.DataFrame) -> None:
    """An input table at A1: bold header, frozen header row, business number formats."""
    columns = [str(c) for c in frame.columns]
    for i, column in enumerate(columns, start=1):
        write_cell(sheet, 1, i, column).font = BOLD
    for r, record in enumerate(frame.itertuples(index=False), start=2):
        for i, value in enumerate(record, start=1):
            write_cell(sheet, r, i, value)
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(column) + 2))
        fmt = number_format(column)
        if fmt != "General":
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = fmt
    sheet.freeze_panes = "A2"
