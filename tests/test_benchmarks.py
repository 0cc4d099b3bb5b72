"""The benchmark cases are valid inputs, reproducible from their seed, and solvable."""

from __future__ import annotations

import math
from pathlib import Path

from benchmarks.generate import SIZES, generate, write_case
from optimizer import Case, plan


def test_same_seed_same_case() -> None:
    assert generate(SIZES["small"], seed=7) == generate(SIZES["small"], seed=7)
    assert generate(SIZES["small"], seed=7) != generate(SIZES["small"], seed=8)


def test_small_case_validates_and_solves(tmp_path: Path) -> None:
    case = Case.from_excel(write_case(generate(SIZES["small"]), tmp_path / "small.xlsx"))
    assert len(case.table("Projects")) == SIZES["small"].plants
    assert len(case.table("Scenarios")) == SIZES["small"].scenarios
    result = plan(case, time_limit_s=math.inf, stochastic_value=False)
    assert result.status == "optimal"
    assert result.capex_usd_m is not None and case.settings.budget_usd_m is not None
    assert (
        result.capex_usd_m
        <= case.settings.budget_usd_m + float(result.signed["prepayment_usd_m"].sum()) + 1e-6
    )
