"""The model against published optima: OR-Library capacitated warehouse location.

Each of the 37 small instances is written as an input workbook and solved through the
real ``optimize plan`` command; the plan's objective must be minus the proven optimum
of ``capopt.txt`` to 1e-6 relative. The 100 x 1000 instances (capa/b/c) are in the
benchmarks and under the ``slow`` marker.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from optimizer.cli import main
from tests.support.orlib import DATA, large_optima, optima, read_instance, write_workbook

OPTIMA = optima()


def plan_json(workbook: Path, *extra: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["plan", str(workbook), "--json", "--quiet", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_all_small_instances_are_present() -> None:
    assert len(OPTIMA) == 37


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_small_instance_matches_published_optimum(name: str, tmp_path: Path) -> None:
    instance = read_instance(DATA / f"{name}.txt")
    workbook = write_workbook(instance, tmp_path / f"{name}.xlsx")
    summary = plan_json(workbook)
    assert summary["status"] == "optimal"
    assert -float(summary["objective_usd_m"]) == pytest.approx(OPTIMA[name], rel=1e-6)
    funded = summary["funded_projects"]
    opened = sum(instance.fixed_costs[int(p["project"][1:]) - 1] for p in funded)
    assert summary["capex_usd_m"] == pytest.approx(opened)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "capacity"), [("capb", 5000.0)])
def test_large_instance_matches_published_optimum(name: str, capacity: float, tmp_path: Path) -> None:
    instance = read_instance(DATA / f"{name}.txt", capacity)
    workbook = write_workbook(instance, tmp_path / f"{name}.xlsx", mip_gap=1e-6, time_limit_s=3600)
    summary = plan_json(workbook)
    assert -float(summary["objective_usd_m"]) == pytest.approx(large_optima()[name, capacity], rel=1e-6)


@pytest.mark.parametrize("name", ["cap41", "cap71", "cap101", "cap131"])
def test_benders_reaches_the_published_optimum_too(name: str, tmp_path: Path) -> None:
    """One scenario and one year: the decomposition is a single block, and must still be exact."""
    workbook = write_workbook(read_instance(DATA / f"{name}.txt"), tmp_path / f"{name}.xlsx")
    summary = plan_json(workbook, "--method", "benders", "--time-limit", "inf")
    assert (summary["status"], summary["method"]) == ("optimal", "benders")
    assert -float(summary["objective_usd_m"]) == pytest.approx(OPTIMA[name], rel=1e-6)
