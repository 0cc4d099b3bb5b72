"""The plan workbook keeps everything of the input, run after run, and owns only its result sheets."""

from __future__ import annotations

import copy
import json
import re
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineWorkbook

from optimizer import Case
from optimizer.cli import main
from optimizer.report.render import column_label, write_table
from optimizer.report.results import RESULT_TABLES, SUMMARY_ROWS
from optimizer.report.xlsx.sheet_data import PENDING, workbook_bytes
from optimizer.workbook.schema import RESULT_SHEETS, TABLES_BY_SHEET
from tests.support.rich_workbook import (
    SHAPE_TEXT,
    SPARKLINE_URI,
    USER_SHEET,
    sheet_parts,
    write_rich_workbook,
)
from tests.support.workbooks import SCENARIO_AND_LIMIT_SHEETS

EXPECTED_NPV_CELL = "B5"  # Summary: SUMMARY_ROWS[2] is expected_npv_usd_m, row 3 + 2
# Parts a merge may rewrite; every other part of the user's package must come back byte for byte.
WORKBOOK_PARTS = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def load(path: Path) -> Workbook:
    """openpyxl's view of a workbook (it warns that it would drop the sparklines: we only read)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Sparkline Group extension is not supported")
        return load_workbook(path)


def sheet_names(path: Path) -> list[str]:
    return list(CalamineWorkbook.from_path(str(path)).sheet_names)


def cell(path: Path, sheet: str, row: int, column: int) -> object:
    """A cell's value (a formula's cached result) as a reader that never recalculates sees it."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return rows[row - 1][column - 1] if len(rows) >= row and len(rows[row - 1]) >= column else None


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The rich user workbook, planned three times over: input, plan, plan of plan, plan of that."""
    folder = tmp_path_factory.mktemp("chain")
    paths = [write_rich_workbook(folder / "case.xlsx")]
    for name in ("plan1.xlsx", "plan2.xlsx", "plan3.xlsx"):
        code, out, err = run("plan", str(paths[-1]), "-o", str(folder / name), "--json")
        assert code == 0, err
        assert json.loads(out)["objective_usd_m"] == pytest.approx(0.96)
        paths.append(folder / name)
    return paths


def test_every_part_of_the_input_comes_back_byte_for_byte(chain: list[Path]) -> None:
    """Shapes, pictures, sparklines, comments, tables, charts: untouched parts are copied, not rewritten."""
    original = parts(chain[0])
    user_sheet = sheet_parts(chain[0].read_bytes())[USER_SHEET]
    for plan in chain[1:]:
        merged = parts(plan)
        for name, data in original.items():
            if name in WORKBOOK_PARTS or name == user_sheet:
                continue
            assert merged.get(name) == data, f"{plan.name}: {name} changed"


def test_what_openpyxl_would_drop_survives(chain: list[Path]) -> None:
    final = parts(chain[-1])
    drawing = final["xl/drawings/drawing1.xml"]
    assert SHAPE_TEXT.encode() in drawing, "text box"
    assert b'r:embed="rIdLogo"' in drawing and "xl/media/logo.png" in final, "picture"
    user_sheet = final[sheet_parts(chain[-1].read_bytes())[USER_SHEET]]
    assert SPARKLINE_URI.encode() in user_sheet, "sparklines"
    assert cell(chain[-1], "Options", 2, 4) == 0.5, "cached result of an input formula"
    assert Case.from_excel(chain[-1]).table("Options")["capex_usd_m"].iloc[0] == 0.5


def test_values_formulas_and_formats_survive(chain: list[Path]) -> None:
    book = load(chain[-1])
    options, projects = book["Options"], book["Projects"]
    assert options["D2"].value == "=0.25*2"
    assert options["D3"].value == 0.2 and options["D3"].number_format == "#,##0.00"
    assert projects["A1"].font.bold and projects["A1"].fill.fgColor.rgb == "00375623"
    assert projects.column_dimensions["A"].width == 25
    assert projects["A2"].comment.text == "Sponsor confirmed in March"
    assert [str(v.sqref) for v in projects.data_validations.dataValidation] == ["F2:F4"]
    assert book.defined_names["MaxVolume"].attr_text == "Contracts!$H$2"
    assert book[USER_SHEET].defined_names["QuarterOne"].attr_text == f"{USER_SHEET}!$B$3"
    assert book["Buyers"].tables["BuyersTable"].ref == "A1:C2"
    assert book["Contracts"].freeze_panes == "B2"
    notes = book[USER_SHEET]
    assert notes["A1"].value == "My notes on the plan" and notes["A1"].font.italic
    assert notes["B4"].value == "=Summary!B5" and notes["B5"].value == "=B4*2"
    assert len(notes._charts) == 1, "the user's chart"


def test_user_formulas_reading_results_lose_their_stale_cached_value(chain: list[Path]) -> None:
    """LibreOffice shows a cached result as it is; without one it recomputes."""
    assert cell(chain[0], USER_SHEET, 4, 2) == 999
    assert cell(chain[-1], USER_SHEET, 4, 2) in (None, "")


def test_result_sheets_once_each_in_place_and_style_table_stable(chain: list[Path]) -> None:
    names = sheet_names(chain[-1])
    user_sheets = sheet_names(chain[0])
    assert names[: len(user_sheets)] == user_sheets, "the user's sheets keep their order, results after them"
    for sheet in RESULT_SHEETS:
        assert names.count(sheet) == (0 if sheet in SCENARIO_AND_LIMIT_SHEETS else 1), sheet
    assert parts(chain[2])["xl/styles.xml"] == parts(chain[3])["xl/styles.xml"], (
        "re-planning must not grow styles"
    )
    assert parts(chain[2])["xl/workbook.xml"] == parts(chain[3])["xl/workbook.xml"]


def test_result_sheets_sit_at_stable_cells(chain: list[Path]) -> None:
    book = load(chain[-1])
    summary = book["Summary"]
    assert [summary.cell(row=3 + i, column=1).value for i in range(len(SUMMARY_ROWS))] == list(SUMMARY_ROWS)
    assert summary[EXPECTED_NPV_CELL].value == pytest.approx(0.96)
    funded = book["FundedProjects"]
    table = funded.tables["FundedProjects"]
    assert table.ref.startswith("A4:")
    assert funded["A4"].value == "Project" and funded["I4"].value == "Capex (USD m)"
    assert funded["I5"].number_format == "#,##0.0;[Red]-#,##0.0"
    assert funded.freeze_panes == "A5"
    assert book["ByYear"]["A4"].value == "Year" and len(book["ByYear"]._charts) == 2
    assert len(book["Coverage"]._charts) == 0, "no Demand sheet in this case: nothing to chart"
    for spec in RESULT_TABLES:
        if spec.name in book.sheetnames:
            assert spec.name in book[spec.name].tables, spec.name


def test_registry_and_reserved_names_agree() -> None:
    """Every registered result sheet is skipped when reading and never shadows an input sheet."""
    for spec in RESULT_TABLES:
        assert spec.name in RESULT_SHEETS, f"add {spec.name} to schema.RESULT_SHEETS"
    assert not {n.lower() for n in RESULT_SHEETS} & {n.lower() for n in TABLES_BY_SHEET}


def test_column_labels_carry_units() -> None:
    assert column_label("npv_contribution_usd_m") == "NPV contribution (USD m)"
    assert column_label("price_usd_per_t") == "Price (USD/t)"
    assert column_label("capacity_tpa") == "Capacity (t/yr)"
    assert column_label("NdPr_oxide_t") == "NdPr oxide (t)"
    assert column_label("coverage_share") == "Coverage (%)"


def written_table(tmp_path: Path, frame: pd.DataFrame) -> Worksheet:
    """``frame`` drawn by ``write_table``, saved and read back: what a user's Excel gets."""
    book = Workbook()
    write_table(book.active, "Table1", frame)
    (tmp_path / "table.xlsx").write_bytes(workbook_bytes(book))
    return load_workbook(tmp_path / "table.xlsx").active


def test_the_quote_prefix_stays_on_the_cells_whose_text_starts_like_a_formula(tmp_path: Path) -> None:
    """Cells of a column share one style, but the quote prefix is each formula-like name's own."""
    sheet = written_table(tmp_path, pd.DataFrame({"contract": ["=A1", "plain", "-x", "also plain"]}))
    assert [sheet.cell(row, 1).quotePrefix for row in range(5, 9)] == [True, False, True, False]
    assert {sheet.cell(row, 1).number_format for row in range(5, 9)} == {"General"}
    assert all(sheet.cell(row, 1).border.bottom.style == "hair" for row in range(5, 9))


def test_a_metric_table_formats_each_row_by_its_metric(tmp_path: Path) -> None:
    """Risk: one column of values, each row in its own metric's format, and the table's border on all."""
    frame = pd.DataFrame(
        {
            "metric": ["expected_npv_usd_m", "cvar_alpha", "expected_npv_usd_m", None],
            "value": [1.0, 0.9, 2.0, 3.0],
        }
    )
    sheet = written_table(tmp_path, frame)
    formats = [sheet.cell(row, 2).number_format for row in range(5, 9)]
    assert formats == ["#,##0.0;[Red]-#,##0.0", "0.0%", "#,##0.0;[Red]-#,##0.0", "General"]
    assert all(sheet.cell(row, 2).border.bottom.style == "hair" for row in range(5, 9))


AWKWARD_TEXT = [
    "plain",
    '=HYPERLINK("http://x")',
    " leading",
    "trailing ",
    "a & b < c > d",
    "cr\r\nlf",
    "",
    None,
]
AWKWARD_TEXT += ["ünïcødé 日本", "-5", "@x", "+1", "tab\there", "bell\x07"]
AWKWARD_NUMBERS = [0, 1, -2.5, 1e-17, 123456789012345678, float("nan"), float("inf"), True, False, None]
AWKWARD_NUMBERS += [2030, 0.1, -0.0, 7.25e300]


def test_data_cells_are_the_xml_openpyxl_writes_for_them(tmp_path: Path) -> None:
    """The data columns written as XML text (sheet_data) against the same values and styles put
    into openpyxl's cells and saved by openpyxl: the sheet's XML is the same, byte for byte."""
    frame = pd.DataFrame({"contract": AWKWARD_TEXT, "amount_usd_m": AWKWARD_NUMBERS, "note": ["x"] * 14})
    fast, reference = Workbook(), Workbook()
    for book in (fast, reference):
        write_table(book.active, "Table1", frame)
        book.active.cell(row=6, column=5, value=1.5)  # beside the table, as the waterfall's helper columns
        book.active.row_dimensions[7].height = 30  # as a wrapped text's row
    waiting = PENDING.pop(reference.active)
    for column in waiting.columns:
        for offset, style in enumerate(column.styles):
            cell = reference.active.cell(row=waiting.first_row + offset, column=column.column)
            value = column.values[offset] if offset < len(column.values) else None
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
            cell._style = copy.copy(reference._cell_styles[style])
    (tmp_path / "reference.xlsx").write_bytes(workbook_bytes(reference))
    (tmp_path / "fast.xlsx").write_bytes(workbook_bytes(fast))
    part = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(tmp_path / "fast.xlsx") as a, zipfile.ZipFile(tmp_path / "reference.xlsx") as b:
        assert a.read(part) == b.read(part)
        assert a.read("xl/styles.xml") == b.read("xl/styles.xml")
    sheet = load_workbook(tmp_path / "fast.xlsx").active
    assert sheet.cell(6, 1).value == '=HYPERLINK("http://x")' and sheet.cell(6, 1).data_type == "s"
    assert sheet.cell(6, 1).quotePrefix and not sheet.cell(5, 1).quotePrefix
    assert sheet.cell(9, 1).value == "a & b < c > d"
    assert sheet.cell(18, 1).value == "bell\ufffd"  # XML cannot hold the control character
    assert sheet.cell(6, 5).value == 1.5 and sheet.row_dimensions[7].height == 30
    assert sheet.dimensions == "A4:E18"  # the header row at A4, no title above it here


def test_edited_plan_runs_again_with_the_edit(tmp_path: Path) -> None:
    """Reject a funded project and raise a price in the plan; the re-plan follows both.

    Lithium at USD 20,000/t: selling spot beats contract K (USD 12,000/t), so K gets nothing;
    A is rejected; B makes 50 t (USD 1.0m, capex 0.2) and C 200 t (USD 4.0m, capex 3.0):
    NPV = 1.0 - 0.2 + 4.0 - 3.0 = 1.8.
    """
    first = write_rich_workbook(tmp_path / "case.xlsx")
    plan = tmp_path / "plan.xlsx"
    assert run("plan", str(first), "-o", str(plan))[0] == 0
    book = load(plan)
    book["Projects"]["F1"] = "decision"
    book["Projects"]["F2"] = "reject"  # project A
    book["Minerals"]["B2"] = 20_000  # lithium price_usd_per_t
    book["Options"]["D2"] = 0.5  # openpyxl drops cached formula results; Excel would keep them
    book.save(plan)
    second = tmp_path / "plan2.xlsx"
    code, out, _ = run("plan", str(plan), "-o", str(second), "--json")
    assert code == 0
    summary = json.loads(out)
    assert [p["project"] for p in summary["funded_projects"]] == ["B", "C"]
    assert summary["expected_npv_usd_m"] == pytest.approx(1.8)
    names = sheet_names(second)
    assert names.count("Summary") == 1 and names.count("FundedProjects") == 1
    assert load(second)["Summary"][EXPECTED_NPV_CELL].value == pytest.approx(summary["expected_npv_usd_m"])


def test_a_users_sheet_named_like_a_result_sheet_is_never_replaced(tmp_path: Path) -> None:
    path = write_rich_workbook(tmp_path / "case.xlsx", Summary=[{"my": "own summary"}])
    code, _, err = run("plan", str(path))
    assert code == 2
    assert "Summary" in err and "not written by optimize" in err and "rename" in err
    assert not path.with_name("case-plan.xlsx").exists()


def test_a_case_built_in_python_writes_a_plan_too(tmp_path: Path) -> None:
    case = Case.from_excel(write_rich_workbook(tmp_path / "case.xlsx"))
    in_memory = Case(case.settings, case.tables, raw_settings=case.raw_settings)
    from optimizer import plan

    written = plan(in_memory).to_excel(tmp_path / "python.xlsx")
    again = Case.from_excel(written)
    assert set(again.tables) == set(case.tables)
    assert re.fullmatch(r"[0-9a-f]{64}", str(cell(written, "Summary", 12, 2))) is None  # no input hash


def test_excel_markup_compatibility_prefixes_survive_the_merge(tmp_path: Path) -> None:
    """Excel marks extensions ``mc:Ignorable="x15"``; the prefix must stay declared under its name."""
    path = write_rich_workbook(tmp_path / "case.xlsx")
    data = parts(path)
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    x15 = "http://schemas.microsoft.com/office/spreadsheetml/2010/11/main"
    data["xl/workbook.xml"] = data["xl/workbook.xml"].replace(
        b"<workbook ", f'<workbook xmlns:mc="{mc}" xmlns:x15="{x15}" mc:Ignorable="x15" '.encode(), 1
    )
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in data.items():
            archive.writestr(name, content)
    plan = tmp_path / "plan.xlsx"
    assert run("plan", str(path), "-o", str(plan))[0] == 0
    book = parts(plan)["xl/workbook.xml"]
    assert b'mc:Ignorable="x15"' in book and f'xmlns:x15="{x15}"'.encode() in book
    assert b'fullCalcOnLoad="1"' in book
