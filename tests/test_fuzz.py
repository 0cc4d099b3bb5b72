"""Property: whatever a spreadsheet does to a valid workbook, ``optimize plan`` answers cleanly.

Hypothesis mutates a valid workbook at random (blank, retype, duplicate, swap, delete
cells, rows, columns and sheets) and runs the real command on it. Each run must end in a
plan (exit 0, a complete workbook), an infeasible or time-limited answer (exit 1 or 3),
or exit 2 with every problem naming a sheet: never a traceback, never a partial file.
Derandomized, so a failure reproduces; bounded so the suite stays fast.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from optimizer.cli import main
from optimizer.workbook.schema import TABLES
from tests.support.workbooks import ONE_YEAR, one_year_case, write_workbook

SHEETS = [t.sheet for t in TABLES]

ODD_VALUES: list[Any] = [
    None,
    "",
    "   ",
    "abc",
    "1,200",
    "=1+1",
    True,
    dt.datetime(2026, 1, 1),
    -1,
    0,
    0.5,
    1.5,
    2026,
    2031,
    1e9,
    "A",
    "lithium",
    "fund",
    "sign",
    "reject",
]


SCALES = [0, 0.5, 2, 10, 1000]


def base_case(path: Path) -> Path:
    """The one-year case over two years, with demand, feedstock, logistics and locks."""
    sheets = one_year_case(
        Demand=[{"mineral": "lithium", "year": 2026, "demand_t": 40, "min_coverage": 0.5}],
        Feedstocks=[{"feedstock": "bm", "year": year, "available_t": 150} for year in (2026, 2027)],
        Logistics=[{"project": "A", "buyer": "Panasonic", "cost_usd_per_t": 100}],
    )
    sheets["Projects"][0].update(feedstock="bm", decision="fund")
    sheets["Contracts"][0].update(end_year=2027, min_tpa=10, shortfall_penalty_usd_per_t=500)
    return write_workbook(path, sheets, {**ONE_YEAR, "end_year": 2027, "budget_usd_m": 2.0})


mutation = st.tuples(
    st.sampled_from(
        [
            "blank",
            "retype",
            "scale",
            "scale",
            "duplicate_row",
            "swap",
            "delete_row",
            "delete_column",
            "delete_sheet",
        ]
    ),
    st.integers(0, 1_000),
    st.integers(0, 1_000),
    st.integers(0, 1_000),
    st.sampled_from(ODD_VALUES),
)


def mutate(workbook: Workbook, kind: str, a: int, b: int, c: int, value: Any) -> None:
    """One spreadsheet accident, at positions chosen by ``a``, ``b``, ``c`` modulo the sheet's size."""
    sheet = workbook.worksheets[a % len(workbook.worksheets)]
    rows, cols = max(sheet.max_row, 1), max(sheet.max_column, 1)
    row, col = 1 + b % rows, 1 + c % cols
    if kind == "blank":
        sheet.cell(row=row, column=col).value = None
    elif kind == "retype":
        sheet.cell(row=row, column=col).value = value
    elif kind == "scale":  # a plausible slip in a number: the case stays valid, the plan changes
        cell = sheet.cell(row=1 + b % rows, column=1 + c % cols)
        if isinstance(cell.value, int | float) and not isinstance(cell.value, bool) and cell.row > 1:
            cell.value = cell.value * SCALES[(a // len(workbook.worksheets)) % len(SCALES)]
    elif kind == "duplicate_row":
        sheet.append([cell.value for cell in sheet[row]])
    elif kind == "swap":
        other = sheet.cell(row=1 + c % rows, column=1 + b % cols)
        here = sheet.cell(row=row, column=col)
        here.value, other.value = other.value, here.value
    elif kind == "delete_row":
        sheet.delete_rows(row)
    elif kind == "delete_column":
        sheet.delete_cols(col)
    elif kind == "delete_sheet" and len(workbook.worksheets) > 1:
        workbook.remove(sheet)


def check_clean_answer(folder: Path, workbook: Path, output: Path) -> int:
    """Run the plan command; assert the answer is clean; return the exit code."""
    result = CliRunner().invoke(main, ["plan", str(workbook), "-o", str(output), "--json", "--quiet"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.stderr
    assert "Traceback" not in result.stderr
    assert result.exit_code in (0, 1, 2, 3), result.output
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert lines[0].startswith("Error: the input has "), result.stderr
        for line in lines[1:]:
            named = line.strip().split("!")[0].split(":")[0]
            assert named in SHEETS or line.strip().startswith("..."), line
        assert not output.exists()
    if output.exists():
        assert result.exit_code in (0, 1)
        with zipfile.ZipFile(output) as package:
            assert package.testzip() is None
        load_workbook(output, read_only=True).close()
    leftovers = [p.name for p in folder.iterdir() if p.name not in (workbook.name, output.name)]
    assert leftovers == [], "no temporary or partial files may remain"
    return result.exit_code


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(mutation, min_size=1, max_size=3))
def test_any_mutation_ends_in_a_plan_or_a_clean_error(
    mutations: list[tuple[str, int, int, int, Any]],
) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = base_case(folder / "case.xlsx")
        workbook = load_workbook(path)
        for kind, a, b, c, value in mutations:
            mutate(workbook, kind, a, b, c, value)
        workbook.save(path)
        check_clean_answer(folder, path, folder / "plan.xlsx")


def test_the_unmutated_base_case_plans(tmp_path: Path) -> None:
    path = base_case(tmp_path / "case.xlsx")
    result = CliRunner().invoke(main, ["plan", str(path), "--json", "--quiet"])
    assert result.exit_code == 0, result.output
