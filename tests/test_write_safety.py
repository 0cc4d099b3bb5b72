"""Nothing is lost: the input is only replaced with --in-place (after a backup), writes are atomic."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from optimizer import Case, OutputError, plan
from optimizer.cli import main
from tests.support.rich_workbook import write_rich_workbook


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sheet_names(path: Path) -> list[str]:
    return list(CalamineWorkbook.from_path(str(path)).sheet_names)


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return write_rich_workbook(tmp_path / "case.xlsx")


def test_in_place_writes_into_the_input_and_keeps_a_backup(workbook: Path) -> None:
    original = workbook.read_bytes()
    code, out, _ = run("plan", str(workbook), "--in-place", "--json")
    assert code == 0
    assert json.loads(out)["output"] == str(workbook)
    backup = workbook.with_name("case.bak.xlsx")
    assert backup.read_bytes() == original
    assert sheet_names(workbook).count("Summary") == 1
    planned = workbook.read_bytes()
    assert run("plan", str(workbook), "--in-place")[0] == 0
    assert backup.read_bytes() == planned, "the backup is the file as it was before this run"
    assert sheet_names(workbook).count("Summary") == 1
    assert not list(workbook.parent.glob("*.tmp"))


def test_in_place_and_output_together_is_a_usage_error(workbook: Path, tmp_path: Path) -> None:
    before = digest(workbook)
    code, _, err = run("plan", str(workbook), "--in-place", "-o", str(tmp_path / "x.xlsx"))
    assert code == 2 and "--in-place" in err
    assert digest(workbook) == before and not (tmp_path / "x.xlsx").exists()


def test_output_onto_the_input_needs_in_place_even_with_force(workbook: Path) -> None:
    before = digest(workbook)
    code, _, err = run("plan", str(workbook), "-o", str(workbook), "--force")
    assert code == 2 and "is the input workbook; use --in-place" in err
    assert digest(workbook) == before


def test_in_place_refuses_a_workbook_open_in_excel(workbook: Path) -> None:
    before = digest(workbook)
    (workbook.parent / f"~${workbook.name}").write_bytes(b"lock")
    code, _, err = run("plan", str(workbook), "--in-place")
    assert code == 2 and "open in Excel" in err
    assert digest(workbook) == before
    assert not workbook.with_name("case.bak.xlsx").exists()


@pytest.mark.parametrize(
    ("interruption", "raised"), [(KeyboardInterrupt, KeyboardInterrupt), (OSError, OutputError)]
)
def test_interrupted_write_leaves_no_partial_file(
    workbook: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    interruption: type[BaseException],
    raised: type[BaseException],
) -> None:
    """Ctrl-C (or a full disk: an OutputError) while the bytes go to disk: no target, no temporary file."""
    result = plan(Case.from_excel(workbook))
    before = digest(workbook)

    def interrupted(_: int) -> None:
        raise interruption()

    monkeypatch.setattr("optimizer.report.files.os.fsync", interrupted)
    target = tmp_path / "plan.xlsx"
    with pytest.raises(raised):
        result.to_excel(target)
    assert not target.exists()
    with pytest.raises(raised):
        result.to_excel(workbook, backup=tmp_path / "case.bak.xlsx")
    assert digest(workbook) == before
    assert not list(tmp_path.glob(".*.tmp")) and not list(tmp_path.glob("*.tmp"))


def test_a_failure_while_drawing_the_results_writes_nothing(
    workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = plan(Case.from_excel(workbook))

    def broken(*_: object) -> None:
        raise RuntimeError("chart engine failed")

    monkeypatch.setattr("optimizer.report.write.results_workbook", broken)
    with pytest.raises(RuntimeError):
        result.to_excel(tmp_path / "plan.xlsx")
    assert list(tmp_path.glob("plan*")) == []


def test_input_changed_while_planning_is_not_merged(workbook: Path, tmp_path: Path) -> None:
    result = plan(Case.from_excel(workbook))
    write_rich_workbook(workbook, Buyers=[{"buyer": "Panasonic", "country": "Japan", "kind": "automaker"}])
    with pytest.raises(OutputError, match="changed while the plan was computed"):
        result.to_excel(tmp_path / "plan.xlsx")
    assert not (tmp_path / "plan.xlsx").exists()
