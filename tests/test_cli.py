"""The ``optimize`` command end to end: JSON keys, exit codes, files written and not written."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from optimizer import Case
from optimizer.cli import main
from optimizer.workbook.schema import RESULT_SHEETS
from tests.support.workbooks import ONE_YEAR, SCENARIO_AND_LIMIT_SHEETS, one_year_case, write_workbook

JSON_KEYS = {
    "status",
    "objective_usd_m",
    "expected_npv_usd_m",
    "cvar_usd_m",
    "capex_usd_m",
    "mip_gap",
    "solve_s",
    "output",
    "funded_projects",
    "signed_contracts",
    "explanation",
    "method",
    # project finance (issue 11)
    "equity_usd_m",
    "debt_usd_m",
    "prepayments_usd_m",
    "contingency_usd_m",
    "portfolio_irr",
    "equity_irr",
    "min_dscr",
}


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "case.xlsx", one_year_case(), ONE_YEAR)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_plan_json_has_the_spec_keys_and_writes_next_to_input(workbook: Path) -> None:
    before = sha256(workbook)
    code, out, _ = run("plan", str(workbook), "--json")
    assert code == 0
    summary = json.loads(out)
    assert set(summary) == JSON_KEYS
    assert summary["status"] == "optimal"
    assert summary["objective_usd_m"] == pytest.approx(0.96)
    assert summary["output"] == str(workbook.with_name("case-plan.xlsx"))
    # one year: capex and revenue fall in the same year, so no cash flow turns and no IRR exists
    no_debt = {"project_irr": None, "equity_irr": None, "min_dscr": None}
    assert summary["funded_projects"] == [
        {"project": "A", "option": "std", "start_year": 2026, "capex_usd_m": 0.5, **no_debt,
         "contracted_share": pytest.approx(0.96 / 1.16)},
        {"project": "B", "option": "std", "start_year": 2026, "capex_usd_m": 0.2, **no_debt, "contracted_share": 0.0},
    ]  # fmt: skip
    assert summary["debt_usd_m"] == 0.0 and summary["min_dscr"] is None
    assert summary["signed_contracts"] == [{"contract": "K", "buyer": "Panasonic", "mineral": "lithium"}]
    assert sha256(workbook) == before, "the input must never be modified"


def test_existing_output_is_not_overwritten_without_force(workbook: Path, tmp_path: Path) -> None:
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"the user's own file")
    code, _, err = run("plan", str(workbook), "-o", str(target))
    assert code == 2
    assert "exists; pass --force" in err
    assert target.read_bytes() == b"the user's own file"
    code, _, _ = run("plan", str(workbook), "-o", str(target), "--force")
    assert code == 0
    assert zipfile.is_zipfile(target)


def test_workbook_open_in_excel_is_refused(workbook: Path, tmp_path: Path) -> None:
    target = tmp_path / "plan.xlsx"
    (tmp_path / "~$plan.xlsx").write_bytes(b"lock")
    code, _, err = run("plan", str(workbook), "-o", str(target))
    assert code == 2
    assert "open in Excel" in err
    assert not target.exists()


def test_plan_reads_back_as_input_with_result_sheets_replaced(workbook: Path, tmp_path: Path) -> None:
    first = tmp_path / "first.xlsx"
    second = tmp_path / "second.xlsx"
    assert run("plan", str(workbook), "-o", str(first))[0] == 0
    code, out, _ = run("plan", str(first), "-o", str(second), "--json")
    assert code == 0
    assert json.loads(out)["objective_usd_m"] == pytest.approx(0.96)
    from openpyxl import load_workbook

    names = load_workbook(second, read_only=True).sheetnames
    for sheet in RESULT_SHEETS:
        # One scenario and no limits here: no scenario or limit sheets.
        assert names.count(sheet) == (0 if sheet in SCENARIO_AND_LIMIT_SHEETS else 1), sheet
    original = Case.from_excel(workbook)
    again = Case.from_excel(second)
    for sheet, frame in original.tables.items():
        assert again.tables[sheet].reset_index(drop=True).equals(frame.reset_index(drop=True)), sheet


def test_same_inputs_same_plan(workbook: Path, tmp_path: Path) -> None:
    outputs = []
    for name in ("a.xlsx", "b.xlsx"):
        code, out, _ = run("plan", str(workbook), "-o", str(tmp_path / name), "--json")
        assert code == 0
        summary = json.loads(out)
        summary.pop("solve_s")
        summary.pop("output")
        outputs.append(summary)
    assert outputs[0] == outputs[1]


def test_infeasible_case_exits_1_and_writes_only_the_explanation(tmp_path: Path) -> None:
    demand = [{"mineral": "lithium", "year": 2026, "demand_t": 1_000, "min_coverage": 1.0}]
    path = write_workbook(tmp_path / "infeasible.xlsx", one_year_case(Demand=demand), ONE_YEAR)
    code, out, err = run("plan", str(path), "--json")
    assert code == 1
    assert json.loads(out)["status"] == "infeasible"
    assert "Error:" in err
    from openpyxl import load_workbook

    written = load_workbook(path.with_name("infeasible-plan.xlsx"))
    assert written["Summary"]["B3"].value == "infeasible"
    assert written.sheetnames[-1] == "Summary", "no decision sheets in an infeasible plan"
    assert "FundedProjects" not in written.sheetnames


def test_missing_sheet_and_column_are_reported_together(tmp_path: Path) -> None:
    sheets = one_year_case()
    del sheets["Buyers"]
    sheets["Options"] = [{k: v for k, v in row.items() if k != "capex_usd_m"} for row in sheets["Options"]]
    path = write_workbook(tmp_path / "bad.xlsx", sheets, ONE_YEAR)
    code, out, err = run("plan", str(path))
    assert code == 2
    assert "Buyers: sheet is missing; add a sheet named Buyers" in err
    assert "Options!1: required column capex_usd_m is missing; add a column headed capex_usd_m" in err
    assert "Traceback" not in err
    assert out == ""
    assert not path.with_name("bad-plan.xlsx").exists()


def test_problems_name_the_cell(tmp_path: Path) -> None:
    sheets = one_year_case()
    sheets["Options"][1]["capacity_tpa"] = "1,200"
    sheets["Contracts"][0]["buyer"] = "Panasonik"
    path = write_workbook(tmp_path / "bad.xlsx", sheets, ONE_YEAR)
    code, _, err = run("validate", str(path))
    assert code == 2
    assert (
        "Options!C3: capacity_tpa must be a number, not '1,200'; type it as a number, without thousands separators"
        in err
    )
    assert (
        "Contracts!B2: buyer 'Panasonik' is not in Buyers; use a buyer listed on Buyers (did you mean Panasonic?)"
        in err
    )


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("not a workbook")
    code, _, err = run("validate", str(path))
    assert code == 2
    assert re.search(r"notes\.xlsx: is not an \.xlsx workbook", err)


def test_headers_match_ignoring_case_and_spaces(tmp_path: Path) -> None:
    sheets = one_year_case()
    sheets["Options"] = [{f"  {k.upper()} ": v for k, v in row.items()} for row in sheets["Options"]]
    path = write_workbook(tmp_path / "case.xlsx", sheets, ONE_YEAR)
    code, out, _ = run("plan", str(path), "--json")
    assert code == 0, out
    assert json.loads(out)["objective_usd_m"] == pytest.approx(0.96)


def test_formulas_are_read_by_their_cached_values(tmp_path: Path) -> None:
    """A capex cell holding ``=0.25*2`` with cached value 0.5 reads as 0.5."""
    path = write_workbook(tmp_path / "case.xlsx", one_year_case(), ONE_YEAR)
    with_formula = tmp_path / "formula.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(with_formula, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet4.xml":  # Options
                data, count = re.subn(
                    rb'<c r="D2"([^>]*)><v>0.5</v></c>', rb'<c r="D2"\1><f>0.25*2</f><v>0.5</v></c>', data
                )
                assert count == 1
            target.writestr(item, data)
    case = Case.from_excel(with_formula)
    assert case.table("Options")["capex_usd_m"].iloc[0] == 0.5


def test_every_command_has_an_example_in_its_help() -> None:
    for name, command in main.commands.items():
        assert command.help and "Example" in command.help, name
