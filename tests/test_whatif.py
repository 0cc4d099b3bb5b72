"""``optimize whatif``: base plus every WhatIfs variant, the JSON list, exit codes, the comparison workbook."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from optimizer import Case
from optimizer.analyses.whatif import run_whatifs
from optimizer.cli import main
from optimizer.progress import RunProgress
from optimizer.report.compare import KPI_COLUMNS
from optimizer.report.render import column_label
from tests.support.workbooks import ONE_YEAR, Rows, one_year_case, write_workbook
from tests.test_cli import JSON_KEYS

WHATIFS: Rows = [
    # Budget 0.5 funds A alone: 80 t to K at 12,000 + 20 t spot at 10,000 - 0.5 = 0.66.
    {"whatif": "tight_budget", "target": "Settings.budget_usd_m", "op": "set", "value": 0.5},
    # Spot at 20,000 beats K: every plant sells spot: A 2.0 - 0.5, B 1.0 - 0.2, C 4.0 - 3.0 = 3.3.
    {"whatif": "lithium_x2", "target": "Minerals[lithium].price_usd_per_t", "op": "scale", "value": 2},
]


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "case.xlsx", one_year_case(WhatIfs=WHATIFS), ONE_YEAR)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_json_lists_base_then_each_variant_with_the_plan_keys(workbook: Path) -> None:
    before = hashlib.sha256(workbook.read_bytes()).hexdigest()
    code, out, _ = run("whatif", str(workbook), "--json", "--jobs", "1")
    assert code == 0
    runs = json.loads(out)
    assert [r["whatif"] for r in runs] == ["base", "tight_budget", "lithium_x2"]
    for r in runs:
        assert set(r) == JSON_KEYS | {"whatif"}
        assert r["status"] == "optimal"
        assert r["output"] == str(workbook.with_name("case-whatif.xlsx"))
    assert [r["objective_usd_m"] for r in runs] == pytest.approx([0.96, 0.66, 3.3])
    assert [[f["project"] for f in r["funded_projects"]] for r in runs] == [
        ["A", "B"],
        ["A"],
        ["A", "B", "C"],
    ]
    assert hashlib.sha256(workbook.read_bytes()).hexdigest() == before, "the input must never be modified"


def test_comparison_workbook_has_kpis_decisions_changes_and_a_chart(workbook: Path, tmp_path: Path) -> None:
    target = tmp_path / "compare.xlsx"
    code, out, _ = run("whatif", str(workbook), "-o", str(target), "--jobs", "1")
    assert code == 0
    assert "tight_budget: optimal, objective USD 0.7m (-0.3m)" in out
    book = load_workbook(target)
    assert book.sheetnames == ["Comparison", "DecisionsChanged", "Changes", "NPVByScenario"]
    comparison = book["Comparison"]
    assert [c.value for c in comparison[4]] == [column_label(c) for c in KPI_COLUMNS]
    assert comparison["C4"].value == "Objective (USD m)" and comparison["A4"].value == "What-if"
    assert [comparison.cell(row=r, column=1).value for r in (5, 6, 7)] == [
        "base",
        "tight_budget",
        "lithium_x2",
    ]
    kpis = dict(zip(KPI_COLUMNS, [c.value for c in comparison[6]], strict=True))  # tight_budget
    # Budget 0.5 instead of 1.0: B (capex 0.2) goes, the plan keeps A (capex 0.5), objective -0.3.
    assert kpis["objective_change_usd_m"] == pytest.approx(-0.3)
    assert kpis["expected_npv_change_usd_m"] == pytest.approx(-0.3)
    assert kpis["capex_change_usd_m"] == pytest.approx(-0.2)
    assert kpis["significance"] == "significant", "both runs proven optimal (gap 0)"
    assert comparison["D6"].number_format == "#,##0.0;[Red]-#,##0.0"
    assert len(comparison._charts) == 2, "change in expected NPV, and capex: one quantity per chart"
    assert comparison.page_setup.orientation == "landscape"
    decisions = [[c.value for c in row] for row in book["DecisionsChanged"].iter_rows(min_row=5)]
    assert ["tight_budget", "fund", "B", "std from 2026", "not funded"] in decisions
    assert ["lithium_x2", "fund", "C", "not funded", "std from 2026"] in decisions
    changes = [[c.value for c in row] for row in book["Changes"].iter_rows(min_row=5)]
    assert changes == [
        ["tight_budget", "Settings.budget_usd_m", "set", "0.5"],
        ["lithium_x2", "Minerals[lithium].price_usd_per_t", "scale", "2"],
    ]


def test_existing_comparison_is_kept_without_force(workbook: Path) -> None:
    target = workbook.with_name("case-whatif.xlsx")
    target.write_bytes(b"the user's own file")
    code, _, err = run("whatif", str(workbook), "--jobs", "1")
    assert code == 2
    assert "exists; pass --force" in err
    assert target.read_bytes() == b"the user's own file"
    assert run("whatif", str(workbook), "--jobs", "1", "--force")[0] == 0


def test_an_infeasible_variant_is_reported_and_exits_1(tmp_path: Path) -> None:
    demand = [{"mineral": "lithium", "year": 2026, "demand_t": 50, "min_coverage": 1.0}]
    rows = [{"whatif": "no_plants", "target": "Projects[*].decision", "op": "set", "value": "reject"}]
    path = write_workbook(tmp_path / "case.xlsx", one_year_case(Demand=demand, WhatIfs=rows), ONE_YEAR)
    code, out, err = run("whatif", str(path), "--json", "--jobs", "1")
    assert code == 1
    assert [r["status"] for r in json.loads(out)] == ["optimal", "infeasible"]
    assert "Error: no_plants:" in err
    assert path.with_name("case-whatif.xlsx").exists(), "the comparison is written whatever the variants say"


def test_bad_whatifs_exit_2_and_write_nothing(tmp_path: Path) -> None:
    """The problem is found only once the change is applied, and is reported at its own cell
    (here the user put the target in column C)."""
    rows = [
        {"value": 2, "op": "scale", "target": "Options[A].capex_usd_m", "whatif": "fine"},
        {"value": -1, "op": "add", "target": "Options[*].capex_usd_m", "whatif": "cheap"},
    ]
    path = write_workbook(tmp_path / "case.xlsx", one_year_case(WhatIfs=rows), ONE_YEAR)
    code, out, err = run("whatif", str(path))
    assert code == 2
    assert (
        "WhatIfs!C3: Options[*].capex_usd_m add -1 makes Options[A,std]: capex_usd_m is -0.5, below its minimum 0"
        in err
    )
    assert out == ""
    assert not path.with_name("case-whatif.xlsx").exists()
    code, _, err = run("validate", str(path))
    assert code == 2
    assert "WhatIfs!C3: Options[*].capex_usd_m add -1 makes Options[A,std]" in err


def test_no_whatifs_is_a_usage_problem(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "case.xlsx", one_year_case(), ONE_YEAR)
    code, _, err = run("whatif", str(path))
    assert code == 2
    assert "WhatIfs: there are no what-ifs" in err


def test_progress_names_each_run_and_the_best_so_far(workbook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("CI", raising=False)  # progress is silent in CI by design; here we look at it
    screen = Terminal()
    progress = RunProgress(3, stream=screen)
    run_whatifs(Case.from_excel(workbook), jobs=1, on_done=progress.run_done)
    lines = screen.getvalue().splitlines()
    assert "run 1/3 base: objective USD 1.0m; best so far base USD 1.0m" in lines[0]
    assert "run 2/3 tight_budget: objective USD 0.7m; best so far base USD 1.0m" in lines[1]
    assert "run 3/3 lithium_x2: objective USD 3.3m; best so far lithium_x2 USD 3.3m" in lines[2]
    quiet = Terminal()
    run_whatifs(
        Case.from_excel(workbook), jobs=1, on_done=RunProgress(3, enabled=False, stream=quiet).run_done
    )
    assert quiet.getvalue() == ""
