"""Write the plan workbook: the input workbook as it was, plus result sheets the tool owns.

Result sheets are dropped and written anew on every run, always at the same cells, so a
user's formula pointing at one keeps working. The file is written to a temporary file
beside the target and renamed into place: a failure never leaves half a workbook.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from optimizer.errors import OutputError
from optimizer.schema import RESULT_SHEETS, TABLES

if TYPE_CHECKING:
    from optimizer.plan import Plan

SUMMARY_ROWS = (
    "status",
    "objective_usd_m",
    "expected_npv_usd_m",
    "cvar_usd_m",
    "capex_usd_m",
    "budget_usd_m",
    "mip_gap",
    "solve_s",
    "input_file",
    "input_sha256",
    "optimizer_version",
    "pyomo_version",
    "highs_version",
    "written_at_utc",
)
"""Summary keys, one per row from row 3 (values in column B): their cells never move."""

BOLD = Font(bold=True)


def default_output_path(input_path: Path) -> Path:
    return input_path.with_name(f"{input_path.stem}-plan.xlsx")


def check_writable(path: Path, force: bool) -> None:
    """Refuse to overwrite without ``force``, and refuse a workbook Excel has open."""
    lock = path.with_name(f"~${path.name}")
    if lock.exists():
        raise OutputError(
            f"{path.name} is open in Excel (found {lock.name}); close it and run again, or write elsewhere with -o"
        )
    if path.exists() and not force:
        raise OutputError(f"{path} exists; pass --force to replace it, or choose another name with -o")
    if not path.parent.exists():
        raise OutputError(f"folder {path.parent} does not exist; create it or choose another -o")


def write_plan(plan: Plan, path: Path, *, force: bool = False) -> Path:
    """Write ``plan`` to ``path`` atomically and return the path."""
    check_writable(path, force)
    source = plan.case.source_path
    workbook = load_workbook(source) if source is not None and source.exists() else workbook_from_case(plan)
    for name in list(workbook.sheetnames):
        if name.strip().lower() in {r.lower() for r in RESULT_SHEETS}:
            del workbook[name]
    write_summary(workbook.create_sheet("Summary"), plan)
    tables = {
        "FundedProjects": plan.funded,
        "SignedContracts": plan.signed,
        "Flows": plan.flows,
        "CashFlows": plan.cash_flows,
        "Coverage": plan.coverage,
        "MarginalValues": plan.marginal_values,
    }
    for name, frame in tables.items():
        write_frame(workbook.create_sheet(name), frame)
    save_atomically(workbook, path)
    return path


def save_atomically(workbook: Workbook, path: Path) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".xlsx.tmp", dir=path.parent)
    os.close(handle)
    try:
        workbook.save(temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


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


def summary_values(plan: Plan) -> dict[str, Any]:
    case = plan.case
    return {
        "status": plan.status,
        "objective_usd_m": plan.objective_usd_m,
        "expected_npv_usd_m": plan.expected_npv_usd_m,
        "cvar_usd_m": plan.cvar_usd_m,
        "capex_usd_m": plan.capex_usd_m,
        "budget_usd_m": case.settings.budget_usd_m,
        "mip_gap": plan.mip_gap,
        "solve_s": round(plan.solve_s, 3),
        "input_file": case.source_path.name if case.source_path else None,
        "input_sha256": case.source_sha256,
        **versions(),
        "written_at_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
    }


def write_summary(sheet: Worksheet, plan: Plan) -> None:
    sheet["A1"] = "Offtake portfolio plan"
    sheet["A1"].font = Font(bold=True, size=14)
    values = summary_values(plan)
    for row, key in enumerate(SUMMARY_ROWS, start=3):
        sheet.cell(row=row, column=1, value=key).font = BOLD
        cell = sheet.cell(row=row, column=2, value=values[key])
        cell.number_format = number_format(key)
    first_message_row = 3 + len(SUMMARY_ROWS) + 1
    sheet.cell(row=first_message_row, column=1, value="messages").font = BOLD
    for offset, message in enumerate(plan.messages):
        sheet.cell(row=first_message_row + offset, column=2, value=message)
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 70


def number_format(column: str) -> str:
    if column.endswith("_usd_m"):
        return "#,##0.0"
    if column.endswith(("_t", "_tpa", "tonnes")):
        return "#,##0"
    if column.endswith("_usd_per_t"):
        return "#,##0"
    if column in ("mip_gap", "coverage_share", "probability", "min_coverage"):
        return "0.00%"
    return "General"


def write_frame(sheet: Worksheet, frame: pd.DataFrame) -> None:
    """A table at A1: bold header, frozen header row, business number formats."""
    columns = [str(c) for c in frame.columns]
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = BOLD
    for record in frame.itertuples(index=False):
        sheet.append([plain(v) for v in record])
    for i, column in enumerate(columns, start=1):
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = max(12, min(40, len(column) + 2))
        fmt = number_format(column)
        if fmt != "General":
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = fmt
    sheet.freeze_panes = "A2"


def plain(value: Any) -> Any:
    """numpy and pandas scalars to what openpyxl writes; missing to an empty cell."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value
