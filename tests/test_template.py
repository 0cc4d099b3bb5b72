"""`optimize template`: the annotated empty workbook, and the shipped example from inside the package."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook
from optimizer.examples.build_india_japan import build, save_deterministic

from optimizer import Case
from optimizer.cli import main
from optimizer.workbook.schema import TABLES_BY_SHEET
from optimizer.workbook.template import START

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "india_japan.xlsx"


def test_example_is_written_from_the_package_and_reads_as_input(tmp_path: Path) -> None:
    out = tmp_path / "example.xlsx"
    result = CliRunner().invoke(main, ["template", str(out), "--example"])
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes() == EXAMPLE.read_bytes()
    assert Case.from_excel(out).settings.budget_usd_m == 400
    again = CliRunner().invoke(main, ["template", str(out), "--example"])
    assert again.exit_code == 2 and "exists; pass --force" in again.stderr


def test_shipped_example_is_what_its_builder_writes(tmp_path: Path) -> None:
    """One source: examples/india_japan.xlsx is regenerated, never edited by hand."""
    rebuilt = tmp_path / "rebuilt.xlsx"
    save_deterministic(build(), rebuilt)
    assert rebuilt.read_bytes() == EXAMPLE.read_bytes(), (
        "run: PYTHONPATH=. python examples/build_india_japan.py"
    )


def test_template_and_example_carry_header_notes_and_dropdowns(tmp_path: Path) -> None:
    out = tmp_path / "template.xlsx"
    assert CliRunner().invoke(main, ["template", str(out)]).exit_code == 0
    for path in (out, EXAMPLE):
        book = load_workbook(path)
        options = book["Options"]
        assert "USD" in options["D1"].comment.text and "Required." in options["D1"].comment.text
        projects = book["Projects"]
        headers = [c.value for c in projects[1]]
        kind = projects.cell(row=1, column=headers.index("kind") + 1)
        assert kind.comment is not None
        assert any("recycler" in (v.formula1 or "") for v in projects.data_validations.dataValidation)
        settings = {r[0]: r[1] for r in book["Settings"].iter_rows(min_row=2, max_col=2, values_only=True)}
        assert "discount_rate" in settings
    assert load_workbook(out).sheetnames[0] == START
    assert set(load_workbook(out).sheetnames) == {START, *TABLES_BY_SHEET}
