"""The same runs give the same plans in this process, on local worker processes and on a real Dask cluster.

The cluster is a ``dask scheduler`` and a ``dask worker`` started as separate processes on
127.0.0.1 (a free port, bounded waits), torn down after the module whatever happens.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from optimizer import Case, ClusterError, Plan, cluster, plan_all
from optimizer.cli import main
from tests.support.dask_cluster import free_port, local_cluster
from tests.support.workbooks import ONE_YEAR, Rows, one_year_case, write_workbook
from tests.test_whatif import WHATIFS

START_TIMEOUT_S = 60
scheduler_folders: dict[str, str] = {}  # address -> the folder holding its processes' stdout


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of a one-worker Dask cluster on 127.0.0.1, started for this module."""
    folder = tmp_path_factory.mktemp("dask")
    with local_cluster(folder, workers=1, start_timeout_s=START_TIMEOUT_S) as address:
        scheduler_folders[address] = str(folder)
        yield address


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    path = write_workbook(tmp_path_factory.mktemp("case") / "case.xlsx", one_year_case(), ONE_YEAR)
    base = Case.from_excel(path)
    variants: dict[str, Rows] = {}
    for row in WHATIFS:
        variants.setdefault(row["whatif"], []).append(row)
    return {
        "base": base,
        **{
            name: base.with_changes([(r["target"], r["op"], r["value"]) for r in rows])
            for name, rows in variants.items()
        },
    }


def decisions(plans: dict[str, Plan]) -> dict[str, tuple[object, ...]]:
    """What must not depend on the executor: status, KPIs and every decision, exactly."""
    return {
        name: (
            p.status,
            p.objective_usd_m,
            p.expected_npv_usd_m,
            p.capex_usd_m,
            p.funded.to_dict("records"),
            p.signed.to_dict("records"),
            p.flows.to_dict("records"),
        )
        for name, p in plans.items()
    }


@pytest.fixture(scope="module")
def in_process(cases: dict[str, Case]) -> dict[str, Plan]:
    return plan_all(cases, jobs=1)


def test_runs_come_back_in_order_with_hand_checked_objectives(in_process: dict[str, Plan]) -> None:
    assert list(in_process) == ["base", "tight_budget", "lithium_x2"]
    assert [p.objective_usd_m for p in in_process.values()] == pytest.approx([0.96, 0.66, 3.3])


def test_local_processes_give_identical_plans(cases: dict[str, Case], in_process: dict[str, Plan]) -> None:
    finished: list[str] = []
    on_processes = plan_all(cases, jobs=2, on_done=lambda name, _: finished.append(name))
    assert decisions(on_processes) == decisions(in_process)
    assert sorted(finished) == sorted(cases)
    for name in cases:
        pd.testing.assert_frame_equal(on_processes[name].marginal_values, in_process[name].marginal_values)


def test_dask_cluster_gives_identical_plans(
    cases: dict[str, Case], in_process: dict[str, Plan], scheduler: str
) -> None:
    on_dask = plan_all(cases, scheduler=scheduler)
    assert decisions(on_dask) == decisions(in_process)
    worker_stdout = Path(scheduler_folders[scheduler]) / "dask_worker.stdout"
    assert "HiGHS" not in worker_stdout.read_text(errors="replace"), "the solver printed on the worker"


def test_whatif_command_on_the_cluster_matches_local(tmp_path: Path, scheduler: str) -> None:
    path = write_workbook(tmp_path / "case.xlsx", one_year_case(WhatIfs=WHATIFS), ONE_YEAR)
    outputs = []
    for flags in (["--jobs", "1"], ["--scheduler", scheduler]):
        result = CliRunner().invoke(main, ["whatif", str(path), "--json", "--force", *flags])
        assert result.exit_code == 0, result.output
        outputs.append([{k: v for k, v in r.items() if k != "solve_s"} for r in json.loads(result.stdout)])
    assert outputs[0] == outputs[1]


def test_unreachable_scheduler_is_a_clear_error(
    cases: dict[str, Case], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 2)
    nobody = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(ClusterError, match="cannot reach the Dask scheduler"):
        plan_all(cases, scheduler=nobody)
    path = write_workbook(tmp_path / "case.xlsx", one_year_case(WhatIfs=WHATIFS), ONE_YEAR)
    result = CliRunner().invoke(main, ["whatif", str(path), "--scheduler", nobody])
    assert result.exit_code == 2
    assert "Error: cannot reach the Dask scheduler" in result.stderr
    assert not path.with_name("case-whatif.xlsx").exists()


def test_benders_blocks_on_the_dask_cluster_give_the_extensive_optimum(
    tmp_path: Path, scheduler: str
) -> None:
    """The decomposition's block LPs live as actors on the cluster's worker; same optimum as one MIP."""
    import math

    from optimizer import plan
    from tests.test_benders import case_of

    case = case_of(tmp_path, "three years, scenarios, coverage and a firm minimum")
    extensive = plan(case, method="extensive", time_limit_s=math.inf, stochastic_value=False)
    on_dask = plan(case, method="benders", scheduler=scheduler, time_limit_s=math.inf, stochastic_value=False)
    assert on_dask.method == "benders" and on_dask.status == "optimal"
    assert on_dask.objective_usd_m == pytest.approx(extensive.objective_usd_m, rel=1e-7)
