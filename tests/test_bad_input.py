"""Every kind of bad input gets its exact ``Sheet!Cell: what is wrong; what to do`` line.

Each test breaks the three-plant one-year case in one way (or writes a broken file) and
runs the real ``optimize validate`` command: exit code 2, no traceback, nothing written,
and the exact line a user would read.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msoffcrypto.format.ooxml
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from optimizer.cli import main
from optimizer.workbook.consistency import scenario_probabilities
from optimizer.workbook.read import RawTable
from tests.support.workbooks import ONE_YEAR, Rows, one_year_case, write_workbook


def problems(path: Path) -> list[str]:
    """Run ``optimize validate``; it must fail cleanly, and its problem lines are returned."""
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Error: the input has ")
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name], "nothing may be written"
    return [line.strip() for line in lines[1:]]


def case_file(
    tmp_path: Path,
    settings: dict[str, Any] | None = None,
    edit: Callable[[Any], None] | None = None,
    **sheets: Rows,
) -> Path:
    """The one-year case with sheet overrides, then ``edit(workbook)`` through openpyxl."""
    path = write_workbook(tmp_path / "case.xlsx", one_year_case(**sheets), {**ONE_YEAR, **(settings or {})})
    if edit is not None:
        workbook = load_workbook(path)
        edit(workbook)
        workbook.save(path)
    return path


def rows(sheet: str, **changes: Any) -> Rows:
    """The base case's rows of ``sheet`` with ``changes`` applied to its first row."""
    base = [dict(r) for r in one_year_case()[sheet]]
    base[0].update(changes)
    return base


# --- files that are not usable workbooks ---------------------------------------------


def test_text_file_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("quarterly notes")
    assert problems(path) == ["notes.xlsx: is not an .xlsx workbook; save it from Excel as an .xlsx workbook"]


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert problems(path) == ["empty.xlsx: is empty (0 bytes); save the workbook from Excel again as .xlsx"]


def test_truncated_workbook_is_damaged(tmp_path: Path) -> None:
    whole = case_file(tmp_path).read_bytes()
    (tmp_path / "case.xlsx").unlink()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    assert problems(path) == [
        "cut.xlsx: is damaged: an incomplete or corrupt .xlsx package; "
        "open it in Excel (which can often repair it), save it as .xlsx and try again"
    ]


def test_workbook_with_a_corrupt_sheet_is_damaged(tmp_path: Path) -> None:
    source = case_file(tmp_path)
    path = tmp_path / "corrupt.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # XML cut in the middle
            new.writestr(item, data)
    source.unlink()
    [line] = problems(path)
    assert line.startswith("corrupt.xlsx: is damaged and cannot be read as an Excel workbook (")
    assert line.endswith("); open it in Excel (which can often repair it), save it as .xlsx and try again")


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("readme.txt", "hello")
    assert problems(path) == [
        "archive.xlsx: is a zip archive, not an Excel workbook; save it from Excel as an .xlsx workbook"
    ]


def test_password_protected_workbook(tmp_path: Path) -> None:
    """Excel encrypts an .xlsx into an OLE2 compound file: not a zip at all."""
    plain = case_file(tmp_path)
    encrypted = io.BytesIO()
    with plain.open("rb") as handle:
        msoffcrypto.format.ooxml.OOXMLFile(handle).encrypt("secret", encrypted)
    plain.unlink()
    path = tmp_path / "locked.xlsx"
    path.write_bytes(encrypted.getvalue())
    assert problems(path) == [
        "locked.xlsx: is password protected (encrypted); "
        "open it in Excel, remove the password (File > Info > Protect Workbook) and save it as .xlsx"
    ]


def test_old_xls_workbook(tmp_path: Path) -> None:
    path = tmp_path / "old.xlsx"
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))
    assert problems(path) == [
        "old.xlsx: is an old-format .xls workbook (Excel 97-2003), not .xlsx; "
        "open it in Excel and save it as .xlsx (Excel Workbook)"
    ]


def test_workbook_without_sheets_of_ours_lists_every_missing_sheet(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "blank.xlsx", {"Sheet1": []})
    assert problems(path) == [
        f"{sheet}: sheet is missing; add a sheet named {sheet} (optimize template shows its columns)"
        for sheet in ("Settings", "Minerals", "Projects", "Options", "Yields", "Buyers", "Contracts")
    ]


# --- sheets and columns ---------------------------------------------------------------


def test_missing_sheet_and_missing_column(tmp_path: Path) -> None:
    options = [{k: v for k, v in r.items() if k != "capex_usd_m"} for r in one_year_case()["Options"]]
    path = case_file(tmp_path, Options=options, edit=lambda wb: wb.remove(wb["Buyers"]))
    assert problems(path) == [
        "Options!1: required column capex_usd_m is missing; add a column headed capex_usd_m",
        "Buyers: sheet is missing; add a sheet named Buyers (optimize template shows its columns)",
        "Contracts!B2: buyer 'Panasonic' is not in Buyers; use a buyer listed on Buyers",
    ]


def test_unknown_column_suggests_the_closest_name(tmp_path: Path) -> None:
    path = case_file(tmp_path, Options=rows("Options", fixed_opex_usd=1.0))
    assert problems(path) == [
        "Options!E1: unknown column 'fixed_opex_usd'; rename or delete it (did you mean fixed_opex_usd_m?)"
    ]


def test_blank_header_over_values(tmp_path: Path) -> None:
    def edit(wb: Any) -> None:
        wb["Options"]["F2"] = 42

    assert problems(case_file(tmp_path, edit=edit)) == [
        "Options!F1: column F has values but no header; "
        "give it a header (optimize template shows the column names) or delete its values"
    ]


def test_header_used_twice(tmp_path: Path) -> None:
    def edit(wb: Any) -> None:
        sheet: Worksheet = wb["Options"]
        sheet["E1"] = "Capex_USD_m "
        for row in (2, 3, 4):
            sheet.cell(row=row, column=5, value=sheet.cell(row=row, column=4).value)

    assert problems(case_file(tmp_path, edit=edit)) == [
        "Options!E1: column capex_usd_m appears twice (also in D1); keep one of the two columns"
    ]


def test_merged_header_cells(tmp_path: Path) -> None:
    def edit(wb: Any) -> None:
        wb["Options"].merge_cells("D1:E1")
        wb["Options"]["E2"] = 1.0

    assert problems(case_file(tmp_path, edit=edit)) == [
        "Options!D1:E1: header cells D1:E1 are merged; unmerge them and give each column its own header"
    ]


def test_merged_body_cells(tmp_path: Path) -> None:
    def edit(wb: Any) -> None:
        wb["Projects"].merge_cells("D2:D4")  # sponsor of A, B, C

    assert problems(case_file(tmp_path, edit=edit)) == [
        "Projects!D2:D4: cells D2:D4 are merged, so only D2 holds a value; unmerge them and fill in every cell"
    ]


def test_merged_notes_cells_are_allowed(tmp_path: Path) -> None:
    projects = [{**r, "notes": "n"} for r in one_year_case()["Projects"]]

    def edit(wb: Any) -> None:
        wb["Projects"].merge_cells("G2:G4")

    path = case_file(tmp_path, Projects=projects, edit=edit)
    assert CliRunner().invoke(main, ["validate", str(path)]).exit_code == 0


# --- cell values ----------------------------------------------------------------------


def test_wrong_types(tmp_path: Path) -> None:
    options = [dict(r) for r in one_year_case()["Options"]]
    options[0]["capacity_tpa"] = "large"
    options[1]["capacity_tpa"] = True
    projects = rows("Projects", earliest_year=2026.5)
    assert problems(case_file(tmp_path, Options=options, Projects=projects)) == [
        "Projects!B2: earliest_year must be a whole number, not 2026.5; type a whole number",
        "Options!C2: capacity_tpa must be a number, not 'large'; type a number",
        "Options!C3: capacity_tpa must be a number, not True; type a number",
    ]


def test_number_stored_as_text(tmp_path: Path) -> None:
    path = case_file(tmp_path, {"budget_usd_m": "1,200"}, Options=rows("Options", capacity_tpa="1,200"))
    assert problems(path) == [
        "Settings!B6: budget_usd_m must be a number, not '1,200'; type it as a number, without thousands separators",
        "Options!C2: capacity_tpa must be a number, not '1,200'; type it as a number, without thousands separators",
    ]


def test_date_in_a_number_column(tmp_path: Path) -> None:
    import datetime as dt

    path = case_file(tmp_path, Options=rows("Options", capex_usd_m=dt.datetime(2026, 1, 1)))
    assert problems(path) == [
        "Options!D2: capex_usd_m must be a number, not a date or time (2026-01-01 00:00:00); "
        "format the cell as a number (Home > Number Format > General) and type the number again"
    ]


def test_blank_required_value(tmp_path: Path) -> None:
    assert problems(case_file(tmp_path, Options=rows("Options", capex_usd_m=None))) == [
        "Options!D2: capex_usd_m is blank; fill it in (Capital cost, USD m (in the project's currency).)"
    ]


def test_negative_and_out_of_range_values(tmp_path: Path) -> None:
    demand = [{"mineral": "lithium", "year": 2026, "demand_t": 10, "min_coverage": 1.5}]
    path = case_file(
        tmp_path,
        {"discount_rate": 1.5, "risk_aversion": -0.1},
        Options=rows("Options", capacity_tpa=-5),
        Yields=rows("Yields", yield_t_per_t=1.2),
        Demand=demand,
    )
    assert problems(path) == [
        "Settings!B4: discount_rate is 1.5, above its maximum 1; use a value of at most 1",
        "Settings!B6: risk_aversion is -0.1, below its minimum 0; use a value of at least 0",
        "Options!C2: capacity_tpa is -5, below its minimum 0; use a value of at least 0",
        "Yields!C2: yield_t_per_t is 1.2, above its maximum 1; use a value of at most 1",
        "Demand!D2: min_coverage is 1.5, above its maximum 1; use a value of at most 1",
    ]


def test_formula_without_a_saved_value(tmp_path: Path) -> None:
    """openpyxl, like many exporters, saves formulas without calculating them."""

    def edit(wb: Any) -> None:
        wb["Options"]["D2"] = "=0.25*2"
        wb["Options"]["E3"] = "=D3/10"

    path = case_file(
        tmp_path, Options=[{**r, "fixed_opex_usd_m": 0} for r in one_year_case()["Options"]], edit=edit
    )
    fix = "open the file in Excel and save it, so each formula's value is stored, or type the value"
    why = "(the file was written by a program that does not calculate)"
    assert problems(path) == [
        f"Options!D2: formula =0.25*2 has no saved value {why}; {fix}",
        f"Options!E3: formula =D3/10 has no saved value {why}; {fix}",
    ]


def test_formula_with_an_error_value(tmp_path: Path) -> None:
    source = case_file(tmp_path)
    path = tmp_path / "errors.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "xl/worksheets/sheet4.xml":  # Options
                data = data.replace(
                    b'<c r="D2" t="n"><v>0.5</v></c>', b'<c r="D2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
                )
                assert b"#DIV/0!" in data
            new.writestr(item, data)
    source.unlink()
    assert problems(path) == [
        "Options!D2: formula gives the error #DIV/0!; correct the formula or type the value"
    ]


# --- keys, references, ranges across sheets --------------------------------------------


def test_references_to_things_that_do_not_exist(tmp_path: Path) -> None:
    demand = [{"mineral": "lithum", "year": 2026, "demand_t": 10}]
    path = case_file(
        tmp_path,
        Contracts=rows("Contracts", buyer="Panasonik"),
        Yields=rows("Yields", project="Z"),
        Demand=demand,
    )
    assert problems(path) == [
        "Yields!A2: project 'Z' is not in Projects; use a project listed on Projects",
        "Contracts!B2: buyer 'Panasonik' is not in Buyers; use a buyer listed on Buyers (did you mean Panasonic?)",
        "Demand!A2: mineral 'lithum' is not in Minerals; use a mineral listed on Minerals (did you mean lithium?)",
    ]


def test_contract_plant_that_does_not_recover_its_mineral(tmp_path: Path) -> None:
    minerals = [*one_year_case()["Minerals"], {"mineral": "cobalt", "price_usd_per_t": 30_000}]
    path = case_file(tmp_path, Minerals=minerals, Contracts=rows("Contracts", project="A", mineral="cobalt"))
    assert problems(path) == [
        "Contracts!I2: project A does not recover cobalt (no positive yield on Yields), so it could never deliver; "
        "add a Yields row for A and cobalt, name another plant, or leave project blank"
    ]


def test_feedstock_not_on_feedstocks(tmp_path: Path) -> None:
    feedstocks = [{"feedstock": "black_mass", "year": 2026, "available_t": 500}]
    path = case_file(tmp_path, Projects=rows("Projects", feedstock="black_mas"), Feedstocks=feedstocks)
    assert problems(path) == [
        "Projects!F2: feedstock 'black_mas' is not on Feedstocks, so its supply would be unlimited; "
        "use one of: black_mass; add it to Feedstocks; or leave the cell blank for no limit"
    ]


def test_duplicate_keys(tmp_path: Path) -> None:
    projects = one_year_case()["Projects"]
    options = one_year_case()["Options"]
    path = case_file(tmp_path, Projects=[*projects, projects[0]], Options=[*options, options[1]])
    assert problems(path) == [
        "Projects!A5: duplicate project 'A'; keep one row per key",
        "Options!B5: duplicate project/option ('B', 'std'); keep one row per key",
    ]


def test_min_above_max(tmp_path: Path) -> None:
    path = case_file(
        tmp_path,
        Contracts=rows("Contracts", min_tpa=100, max_tpa=80),
        Projects=rows("Projects", earliest_year=2026, latest_year=2025),
    )
    assert problems(path) == [
        "Projects!B2: earliest_year 2026 is above latest_year 2025; make earliest_year at most latest_year",
        "Contracts!F2: min_tpa 100 is above max_tpa 80; make min_tpa at most max_tpa",
    ]


def test_years_outside_the_horizon(tmp_path: Path) -> None:
    horizon = "the horizon 2026-2026 (Settings base_year..end_year)"
    fix = "change the year, delete the row, or widen the horizon on Settings"
    path = case_file(
        tmp_path,
        Projects=rows("Projects", earliest_year=2030),
        Contracts=rows("Contracts", start_year=2027, end_year=2028),
        Demand=[{"mineral": "lithium", "year": 2031, "demand_t": 10}],
        Feedstocks=[{"feedstock": "bm", "year": 2020, "available_t": 10}],
    )
    assert problems(path) == [
        f"Projects!B2: earliest_year 2030 is after {horizon}, so the project could never start; {fix}",
        f"Contracts!D2: the contract runs 2027-2028, wholly outside {horizon}; {fix}",
        f"Demand!B2: year 2031 is outside {horizon}; {fix}",
        f"Feedstocks!B2: year 2020 is outside {horizon}; {fix}",
    ]


def test_end_year_before_base_year(tmp_path: Path) -> None:
    assert problems(case_file(tmp_path, {"end_year": 2025})) == [
        "Settings: end_year 2025 is before base_year 2026; make end_year at least base_year"
    ]


def test_decision_naming_an_unknown_option_or_year(tmp_path: Path) -> None:
    projects = [dict(r) for r in one_year_case()["Projects"]]
    projects[0]["decision"] = "fund:huge"
    projects[1]["decision"] = "fund:2030"
    projects[2]["decision"] = "build"
    fix = "use fund, fund:OPTION, fund:YEAR, fund:OPTION:YEAR or reject (or leave it blank)"
    assert problems(case_file(tmp_path, Projects=projects)) == [
        f"Projects!F2: decision 'fund:huge' names 'huge', which is neither a year nor an option of this project (std); {fix}",
        "Projects!F3: decision 'fund:2030' starts in 2030, outside the years the project can start (2026-2026); "
        "choose a start year within earliest_year..latest_year and the horizon",
        f"Projects!F4: decision 'build' is not understood; {fix}",
    ]


def test_unknown_setting_suggests_the_closest(tmp_path: Path) -> None:
    assert problems(case_file(tmp_path, {"budget_usd": 5})) == [
        "Settings!A6: setting is 'budget_usd'; did you mean budget_usd_m? use one of: "
        "base_year, end_year, discount_rate, budget_usd_m, annual_budget_usd_m, risk_aversion, cvar_alpha, "
        "min_cvar_npv_usd_m, spot_premium, spot_sale_discount, time_limit_s, mip_gap, mip_abs_gap_usd_m, "
        "debt_share, debt_rate, debt_tenor_years, debt_grace_years, min_dscr, min_contracted_share, "
        "lender_scenarios, prepayment_rate, contingency_usd_m, single_plant"
    ]


def scenarios_table(probabilities: list[float]) -> tuple[dict[str, pd.DataFrame], dict[str, RawTable]]:
    frame = pd.DataFrame(
        {"scenario": [f"s{i}" for i in range(len(probabilities))], "probability": probabilities},
        index=range(2, 2 + len(probabilities)),
    )
    return {"Scenarios": frame}, {
        "Scenarios": RawTable("Scenarios", frame, {"scenario": "A", "probability": "B"})
    }


def test_probabilities_must_add_up_to_one() -> None:
    assert [str(p) for p in scenario_probabilities(*scenarios_table([0.5, 0.3, 0.1]))] == [
        "Scenarios!B1: the probabilities add up to 0.9, not 1; make the scenarios' probabilities add up to exactly 1"
    ]
    assert scenario_probabilities(*scenarios_table([0.5, 0.3, 0.2])) == []
    assert scenario_probabilities({}, {}) == [], "no Scenarios sheet: one base scenario, nothing to check"


# --- what must not be a problem -------------------------------------------------------


def test_trailing_blank_rows_are_ignored(tmp_path: Path) -> None:
    def edit(wb: Any) -> None:
        sheet: Worksheet = wb["Options"]
        sheet["A9"] = "   "  # looks empty
        sheet["D12"] = ""
        sheet.cell(row=20, column=2).number_format = "0.00"

    path = case_file(tmp_path, edit=edit)
    result = CliRunner().invoke(main, ["plan", str(path), "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    assert '"objective_usd_m": 0.96' in result.stdout


def test_problem_list_is_capped_with_a_count_of_the_rest(tmp_path: Path) -> None:
    options = [{"project": "A", "option": f"o{i}", "capacity_tpa": -1, "capex_usd_m": 1} for i in range(60)]
    options += one_year_case()["Options"][1:]
    result = CliRunner().invoke(main, ["validate", str(case_file(tmp_path, Options=options))])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == "Error: the input has 60 problem(s):"
    assert len(lines) == 1 + 50 + 1
    assert lines[-1] == "  ... and 10 more"


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("not a workbook")
    result = CliRunner().invoke(main, ["validate", str(path), "--debug"])
    assert result.exit_code == 2
    assert "Traceback" in result.stderr


@pytest.mark.parametrize("name", ["Demand", "Feedstocks", "Logistics"])
def test_empty_optional_sheet_is_fine(tmp_path: Path, name: str) -> None:
    path = case_file(tmp_path, edit=lambda wb: wb.create_sheet(name))
    assert CliRunner().invoke(main, ["validate", str(path)]).exit_code == 0
