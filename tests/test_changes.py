"""``Case.with_changes`` and the WhatIfs sheet: the target syntax, ops, and problems at the right cell."""

from __future__ import annotations

import doctest
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

import optimizer.case
import optimizer.runs
from optimizer import Case, InputError, plan
from optimizer.cli import main
from tests.support.workbooks import ONE_YEAR, Rows, one_year_case, write_workbook

ROOT = Path(__file__).resolve().parent.parent


def whatifs(*rows: tuple[str, str, str, object]) -> Rows:
    return [{"whatif": w, "target": t, "op": op, "value": v} for w, t, op, v in rows]


@pytest.fixture
def case(tmp_path: Path) -> Case:
    return Case.from_excel(write_workbook(tmp_path / "case.xlsx", one_year_case(), ONE_YEAR))


def options(case: Case, column: str = "capex_usd_m") -> dict[str, float]:
    return dict(zip(case.table("Options")["project"], case.table("Options")[column], strict=True))


def test_set_scale_and_add_change_a_copy(case: Case) -> None:
    changed = case.with_changes(
        [
            ("Options[A].capex_usd_m", "set", 0.7),
            ("Options[B].capex_usd_m", "scale", 2),
            ("Options[C].capex_usd_m", "add", -1),
            ("Settings.discount_rate", "set", 0.08),
        ]
    )
    assert options(changed) == {"A": 0.7, "B": 0.4, "C": 2.0}
    assert changed.settings.discount_rate == 0.08
    assert options(case) == {"A": 0.5, "B": 0.2, "C": 3.0}, "the original case must not change"
    assert case.settings.discount_rate == 0.0


def test_a_mapping_sets_each_target(case: Case) -> None:
    changed = case.with_changes({"Minerals[lithium].price_usd_per_t": 20_000, "Settings.budget_usd_m": 0.5})
    assert changed.table("Minerals")["price_usd_per_t"].tolist() == [20_000]
    assert changed.settings.budget_usd_m == 0.5, "a setting the sheet does not list is added"


def test_star_and_partial_keys_select_rows(tmp_path: Path) -> None:
    sheets = one_year_case()
    sheets["Options"].append({"project": "A", "option": "big", "capacity_tpa": 200, "capex_usd_m": 0.9})
    case = Case.from_excel(write_workbook(tmp_path / "two.xlsx", sheets, ONE_YEAR))
    partial = case.with_changes([("Options[A].capacity_tpa", "scale", 0.5)])
    rows = partial.table("Options")[["project", "option", "capacity_tpa"]].values.tolist()
    assert rows == [["A", "std", 50], ["B", "std", 100], ["C", "std", 200], ["A", "big", 100]]
    every = case.with_changes([("Options[*].capacity_tpa", "add", 10)])
    assert every.table("Options")["capacity_tpa"].tolist() == [110, 110, 210, 210]
    full = case.with_changes([("Options[A,big].capacity_tpa", "set", 1)])
    assert full.table("Options")["capacity_tpa"].tolist() == [100, 100, 200, 1]


def test_changes_apply_in_order(case: Case) -> None:
    scale_then_add = case.with_changes(
        [("Options[A].capex_usd_m", "scale", 2), ("Options[A].capex_usd_m", "add", 1)]
    )
    add_then_scale = case.with_changes(
        [("Options[A].capex_usd_m", "add", 1), ("Options[A].capex_usd_m", "scale", 2)]
    )
    assert options(scale_then_add)["A"] == 2.0
    assert options(add_then_scale)["A"] == 3.0


def test_blank_stays_blank_under_scale_and_set_blank_clears(case: Case) -> None:
    unlimited = case.with_changes({"Minerals[lithium].spot_availability_tpa": None})
    assert unlimited.table("Minerals")["spot_availability_tpa"].isna().all(), "set blank: unlimited"
    scaled = unlimited.with_changes([("Minerals[*].spot_availability_tpa", "scale", 2)])
    assert scaled.table("Minerals")["spot_availability_tpa"].isna().all(), "unlimited x 2 is unlimited"


def test_a_variant_plans_as_hand_arithmetic_says(case: Case) -> None:
    """Budget 0.5 funds A alone: 80 t to K at 12,000 + 20 t spot at 10,000 - 0.5 capex = 0.66."""
    assert plan(case).objective_usd_m == pytest.approx(0.96)
    tight = plan(case.with_changes({"Settings.budget_usd_m": 0.5}))
    assert tight.objective_usd_m == pytest.approx(0.66)
    assert tight.funded["project"].tolist() == ["A"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("Minerals[cobalt].price_usd_per_t", "set", 1),
            "selects no Minerals row; use one of the mineral values on Minerals: lithium",
        ),
        (
            ("Options[A,huge].capex_usd_m", "set", 1),
            "selects no Options row; use one of the option values on Options: std",
        ),
        (("Options[A].capexx_usd_m", "set", 1), "names no column (did you mean capex_usd_m?)"),
        (("Options[A].project", "set", "B"), "names a key column, which cannot change"),
        (("Option[A].capex_usd_m", "set", 1), "names no input sheet 'Option'"),
        (("Options.capex_usd_m", "set", 1), "needs a [key] of project, option"),
        (("Settings.budget", "set", 1), "names no setting"),
        (("Projects[A].sponsor", "scale", 2), "holds text, which cannot scale"),
        (("Options[A].capex_usd_m", "times", 2), "op 'times' is not one of set, scale, add"),
        (("Options[A].capex_usd_m", "set", "lots"), "value 'lots' is not a number"),
        (("Options[A].capex_usd_m", "add", None), "the value is blank"),
    ],
)
def test_bad_changes_are_explained(case: Case, change: tuple[str, str, object], message: str) -> None:
    with pytest.raises(InputError) as error:
        case.with_changes([change])
    assert len(error.value.problems) == 1
    assert message in str(error.value)
    assert str(error.value).startswith("with_changes: ")


def test_a_result_that_fails_validation_names_the_change_and_the_row(case: Case) -> None:
    with pytest.raises(InputError) as error:
        case.with_changes([("Options[*].capex_usd_m", "add", -1)])
    assert [str(p) for p in error.value.problems] == [
        f"with_changes: Options[*].capex_usd_m add -1 makes Options[{p},std]: capex_usd_m is {v:g}, below its minimum 0; use a value of at least 0"
        for p, v in (("A", -0.5), ("B", -0.8))
    ]


def test_every_problem_of_every_change_at_once(case: Case) -> None:
    with pytest.raises(InputError) as error:
        case.with_changes([("Options[Z].capex_usd_m", "set", 1), ("Settings.nope", "set", 1)])
    assert len(error.value.problems) == 2


def test_whatifs_sheet_problems_name_its_cells(tmp_path: Path) -> None:
    rows = whatifs(
        ("ok", "Settings.budget_usd_m", "set", 1),
        ("typo", "Minerals[lithum].price_usd_per_t", "scale", 2),
        ("base", "Settings.budget_usd_m", "set", 2),
        ("text", "Options[A].capex_usd_m", "add", "two"),
    )
    path = write_workbook(tmp_path / "bad.xlsx", one_year_case(WhatIfs=rows), ONE_YEAR)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert "WhatIfs!B3: Minerals[lithum].price_usd_per_t selects no Minerals row" in result.stderr
    assert (
        "WhatIfs!A4: whatif 'base' is reserved for the unchanged case; give the variant another name"
        in result.stderr
    )
    assert "WhatIfs!D5: Options[A].capex_usd_m: value 'two' is not a number; type a number" in result.stderr


@pytest.mark.parametrize("module", [optimizer.case, optimizer.runs])
def test_docstring_examples_run(module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
