"""A real spreadsheet program opens the plan: headless LibreOffice recalculates a user's formulas.

Skipped only when LibreOffice is not installed outside CI (``apt-get install
libreoffice-calc-nogui``); under CI (``CI`` set) a missing LibreOffice fails the run.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from optimizer.cli import main
from tests.support.rich_workbook import sheet_parts, write_rich_workbook

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
TIMEOUT_S = 180


@pytest.fixture(scope="module")
def soffice() -> str:
    if SOFFICE is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is missing in CI; .ci/run installs libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
    return SOFFICE


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private LibreOffice profile, so the tests neither use nor change the user's."""
    return tmp_path_factory.mktemp("lo-profile")


def resave(soffice: str, profile: Path, path: Path, folder: Path) -> Path:
    """Open ``path`` in LibreOffice and save it as .xlsx in ``folder``, as a user would."""
    folder.mkdir(exist_ok=True)
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(folder), str(path)],
        check=True, capture_output=True, timeout=TIMEOUT_S,
    )  # fmt: skip
    saved = folder / f"{path.stem}.xlsx"
    assert saved.exists(), f"LibreOffice did not write {saved}"
    return saved


def value(path: Path, sheet: str, address: str) -> object:
    """The value a non-recalculating reader sees in ``sheet!address`` (a formula's cached result)."""
    match = re.fullmatch(r"([A-Z]+)(\d+)", address)
    assert match
    column = sum((ord(c) - 64) * 26**i for i, c in enumerate(reversed(match.group(1))))
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return rows[int(match.group(2)) - 1][column - 1]


def plan_json(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(main, ["plan", *args, "--json"])
    assert result.exit_code == 0, result.stderr
    summary: dict[str, object] = json.loads(result.stdout)
    return summary


def set_lithium_price(path: Path, usd_per_t: int) -> None:
    """Edit Minerals!B2 inside a LibreOffice-written file, as the user would in the program."""
    part = sheet_parts(path.read_bytes())["Minerals"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == part:
                data, count = re.subn(rb'(<c r="B2"[^>]*>)<v>[^<]*</v>', rb"\g<1><v>%d</v>" % usd_per_t, data)
                assert count == 1
            target.writestr(info, data)
    path.write_bytes(buffer.getvalue())


def test_user_formula_on_a_result_cell_follows_a_replan(soffice: str, profile: Path, tmp_path: Path) -> None:
    """Notes!B4 is ``=Summary!B5`` (expected NPV), Notes!B5 ``=B4*2``; both must follow the new plan."""
    case = write_rich_workbook(tmp_path / "case.xlsx")
    first = plan_json(str(case), "-o", str(tmp_path / "plan1.xlsx"))
    opened = resave(soffice, profile, tmp_path / "plan1.xlsx", tmp_path / "lo1")
    assert value(opened, "Notes", "B4") == pytest.approx(first["expected_npv_usd_m"])
    assert value(opened, "Summary", "B5") == pytest.approx(0.96)

    set_lithium_price(opened, 20_000)  # the user edits a price in the plan and saves
    second = plan_json(str(opened), "-o", str(tmp_path / "plan2.xlsx"))
    # Spot beats contract K: A, B and C make 100 + 50 + 200 t sold at USD 20,000/t = 7.0m, capex 3.7m.
    assert second["expected_npv_usd_m"] == pytest.approx(3.3)
    reopened = resave(soffice, profile, tmp_path / "plan2.xlsx", tmp_path / "lo2")
    assert value(reopened, "Summary", "B5") == pytest.approx(3.3)
    assert value(reopened, "Notes", "B4") == pytest.approx(3.3), "stale cached result shown"
    assert value(reopened, "Notes", "B5") == pytest.approx(6.6), "a formula reading that formula is stale"


def test_libreoffice_reads_result_tables_charts_and_the_users_drawing(
    soffice: str, profile: Path, tmp_path: Path
) -> None:
    """The example's plan opens in LibreOffice with its tables, charts and the user's drawing intact."""
    case = write_rich_workbook(tmp_path / "case.xlsx")
    plan_json(str(case), "-o", str(tmp_path / "plan.xlsx"))
    saved = resave(soffice, profile, tmp_path / "plan.xlsx", tmp_path / "lo")
    with zipfile.ZipFile(saved) as archive:
        names = archive.namelist()
        drawings = b"".join(archive.read(n) for n in names if n.startswith("xl/drawings/drawing"))
        tables = [archive.read(n) for n in names if n.startswith("xl/tables/")]
    assert sum(n.startswith("xl/charts/chart") for n in names) >= 3, "the user's chart and ByYear's two"
    assert b"Reviewed by the investment committee" in drawings
    assert any(n.startswith("xl/media/") for n in names), "the user's picture"
    table_names = {m.decode() for t in tables for m in re.findall(rb'displayName="([^"]+)"', t)}
    assert {"BuyersTable", "FundedProjects", "SignedContracts", "ByYear", "Flows", "CashFlows"} <= table_names
    assert value(saved, "FundedProjects", "I4") == "Capex (USD m)"


def pdf_pages(pdf: bytes) -> list[bytes]:
    """The page objects of a PDF LibreOffice wrote (it writes them uncompressed, one per page)."""
    return re.findall(rb"/Type\s*/Page(?![s\w])", pdf)


def test_a_plan_prints_as_a_person_would_print_it(soffice: str, profile: Path, tmp_path: Path) -> None:
    """The template's case planned and printed to PDF: every sheet's columns on one page width
    (Start's four columns, each input sheet's up to 18), so the pages are the sheets, plus at
    most a few for Start's column list and the result sheets' charts: not one per column."""
    template = tmp_path / "template.xlsx"
    assert CliRunner().invoke(main, ["template", str(template)]).exit_code == 0
    plan_json(str(template), "-o", str(tmp_path / "plan.xlsx"), "--time-limit", "inf")
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(tmp_path / "plan.xlsx")],
        check=True, capture_output=True, timeout=TIMEOUT_S,
    )  # fmt: skip
    pages = len(pdf_pages((tmp_path / "pdf" / "plan.pdf").read_bytes()))
    sheets = len(CalamineWorkbook.from_path(str(tmp_path / "plan.xlsx")).sheet_names)
    assert sheets <= pages <= sheets + 8, f"{pages} pages for {sheets} sheets"
