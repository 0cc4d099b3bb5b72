"""Shared fixtures: hand-checkable cases written as real workbooks and solved with real HiGHS."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from optimizer import Case, Plan, plan
from tests.support.workbooks import ONE_YEAR, Rows, one_year_case, write_workbook

Solve = Callable[..., Plan]


@pytest.fixture
def solve(tmp_path: Path) -> Solve:
    """``solve(settings=..., **sheet_overrides)``: write the one-year case with changes, plan it."""
    counter = iter(range(1_000))

    def run(settings: dict[str, Any] | None = None, **sheets: Rows) -> Plan:
        path = tmp_path / f"case{next(counter)}.xlsx"
        write_workbook(path, one_year_case(**sheets), {**ONE_YEAR, **(settings or {})})
        result = plan(Case.from_excel(path))
        if result.has_solution:
            check_cash_flows_add_up(result)
        return result

    return run


def check_cash_flows_add_up(result: Plan) -> None:
    """Invariant of every plan: the discounted cash flows of a scenario sum to its NPV."""
    for row in result.npv_by_scenario.itertuples():
        flows = result.cash_flows[result.cash_flows["scenario"] == row.scenario]
        assert flows["discounted_usd_m"].sum() == pytest.approx(row.npv_usd_m, abs=1e-6)
        plants = result.plant_cash_flows[result.plant_cash_flows["scenario"] == row.scenario]
        assert plants["discounted_usd_m"].sum() == pytest.approx(row.npv_usd_m, abs=1e-6), "plant ledgers"
    if not result.npv_bridge.empty:
        total = result.npv_bridge["npv_usd_m"].iloc[-1]
        assert total == pytest.approx(result.expected_npv_usd_m, abs=1e-6), "NPV bridge"
        assert result.npv_bridge["npv_usd_m"].iloc[:-1].sum() == pytest.approx(total, abs=1e-6)
