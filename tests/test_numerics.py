"""Badly scaled models are flagged before their plan is trusted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from click.testing import CliRunner
from optimizer.models import create_model, prepare

from optimizer import Case, plan
from optimizer.cli import main
from optimizer.solvers.highs import compile_model, model_scaling_warnings
from optimizer.solvers.scaling import scaling_warnings
from tests.support.workbooks import ONE_YEAR, one_year_case, write_workbook

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "india_japan.xlsx"
ADVICE = (
    "the solver's tolerances (about 1e-7) may then silently accept a wrong plan: check the inputs behind "
    "these entries for a unit slip (a yield in ppm, a capacity in kg, money in USD instead of USD m)"
)


def test_a_yield_below_the_solvers_zero_is_flagged(tmp_path: Path) -> None:
    """Plant B's yield typed as 1e-10 t/t: HiGHS would treat it as 0; the plan must say so."""
    yields = one_year_case()["Yields"]
    yields[1]["yield_t_per_t"] = 1e-10
    path = write_workbook(tmp_path / "case.xlsx", one_year_case(Yields=yields), ONE_YEAR)
    expected = (
        "badly scaled constraint matrix: magnitudes from 1.0e-10 (output_balance[B,lithium,2026,base] x "
        "feed[B,2026,base]) to 2.0e+02 (feed_within_capacity[C,2026,base] x fund[C,std,2026]), "
        f"a ratio of 2e+12; {ADVICE}"
    )
    assert plan(Case.from_excel(path)).messages == [expected]
    result = CliRunner().invoke(main, ["plan", str(path), "--quiet"])
    assert result.exit_code == 0
    assert f"Warning: {expected}" in result.stderr


def test_the_shipped_example_is_well_scaled() -> None:
    compiled = compile_model(create_model(prepare(Case.from_excel(EXAMPLE))))
    assert model_scaling_warnings(compiled) == []


def test_each_part_of_the_model_is_checked() -> None:
    names = ["r0", "r1"]
    columns = ["x0", "x1"]
    warnings = scaling_warnings(
        matrix_values=np.array([1.0, 2.0]),
        matrix_rows=np.array([0, 1]),
        matrix_columns=np.array([0, 1]),
        costs=np.array([1e-3, 1e7]),  # ratio 1e10
        bounds=np.array([0.0, 1.0, np.inf, 5.0]),
        bound_columns=np.array([0, 1, 0, 1]),
        rhs=np.array([1.0, 2e9, -np.inf]),  # 2e9 is huge
        rhs_rows=np.array([0, 1, 1]),
        row_names=names,
        column_names=columns,
    )
    assert [w.split(":")[0] for w in warnings] == ["badly scaled objective", "badly scaled right-hand sides"]
    assert warnings[0].startswith(
        "badly scaled objective: magnitudes from 1.0e-03 (x0) to 1.0e+07 (x1), a ratio of 1e+10"
    )
