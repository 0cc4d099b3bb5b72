"""Plan many cases at once: in this process, on local worker processes, or on a Dask cluster.

Each worker receives plain data (a Case: its settings and DataFrames) and builds its own
model; Pyomo models do not pickle well, and building is a small share of a solve
(``benchmarks/whatif_resolve.py``). A run is the same deterministic solve wherever it
happens, so the plans do not depend on the executor.

Local workers are started with ``spawn``: a forked child would inherit HiGHS's thread pool
from a parent that has already solved, which is not safe.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor, as_completed

from optimizer import cluster
from optimizer.case import Case
from optimizer.cluster import connect_client
from optimizer.errors import ClusterError
from optimizer.plan import Plan, plan
from optimizer.solvers.start import Start

BATCH_THREADS = 1
"""HiGHS threads per run on worker processes and Dask workers: runs side by side do not fight
over the cores. Runs in this process go one after another and get HiGHS's default (every
core): its MIP search is sequential, and its second thread computes the root's analytic
centre beside it (on the example 2.5 s of a 7.5 s solve that one thread waits through).
A run's answer does not depend on the number of threads."""

OnDone = Callable[[str, Plan], None]
"""Called in the calling process as each run finishes: its name and its plan."""


def solve_case(
    case: Case,
    time_limit_s: float | None,
    mip_gap: float | None,
    start: Start | None = None,
    threads: int | None = None,
) -> Plan:
    """What a worker runs for one case: prepare, build, solve, extract (module level, so it pickles by name).

    Runs in a batch skip the value of the stochastic solution (two more solves each): it
    describes one plan against its average-scenario twin, not a comparison between runs.
    ``threads``: HiGHS's threads for this run; runs side by side get one each, so that two
    runs on two cores do not fight over four threads (a run's answer does not depend on it).
    """
    options = {"threads": threads} if threads is not None else {}
    return plan(
        case,
        time_limit_s=time_limit_s,
        mip_gap=mip_gap,
        stochastic_value=False,
        start=start,
        highs_options=options,
    )


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def plan_all(
    cases: Mapping[str, Case],
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    on_done: OnDone | None = None,
    start: Start | None = None,
) -> dict[str, Plan]:
    """Plan every case and return the plans under the same names, in the same order.

    ``jobs`` local worker processes (default: the number of cores; 1 runs in this process),
    or, with ``scheduler`` (``tcp://host:port``), the workers of that Dask cluster (needs the
    ``cluster`` extra). ``time_limit_s`` and ``mip_gap`` override each case's Settings;
    ``start`` (``Plan.as_start``) starts every solve, where it still holds.

    >>> import math
    >>> from optimizer import Case, plan_all
    >>> case = Case.from_excel("examples/india_japan.xlsx").with_changes({"Settings.mip_gap": 0.01})
    >>> budgets = {f"budget {b}": case.with_changes({"Settings.budget_usd_m": b}) for b in (250, 400)}
    >>> plans = plan_all(budgets, jobs=2, time_limit_s=math.inf)  # no time limit: run to the gap
    >>> [name for name in plans]
    ['budget 250', 'budget 400']
    >>> [p.status for p in plans.values()]
    ['optimal', 'optimal']
    >>> bool(plans["budget 400"].objective_usd_m > plans["budget 250"].objective_usd_m)
    True
    """
    done = on_done or (lambda name, result: None)
    workers = min(jobs or default_jobs(), len(cases))
    if scheduler is not None:
        finished = on_dask(cases, scheduler, time_limit_s, mip_gap, done, start)
    elif workers <= 1:
        finished = {}
        for name, case in cases.items():
            finished[name] = solve_case(case, time_limit_s, mip_gap, start)
            done(name, finished[name])
    else:
        finished = on_processes(cases, workers, time_limit_s, mip_gap, done, start)
    return {name: finished[name] for name in cases}


def on_processes(
    cases: Mapping[str, Case],
    workers: int,
    time_limit_s: float | None,
    mip_gap: float | None,
    done: OnDone,
    start: Start | None,
) -> dict[str, Plan]:
    finished: dict[str, Plan] = {}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures: dict[Future[Plan], str] = {
            pool.submit(solve_case, case, time_limit_s, mip_gap, start, BATCH_THREADS): name
            for name, case in cases.items()
        }
        try:
            for future in as_completed(futures):
                name = futures[future]
                finished[name] = future.result()
                done(name, finished[name])
        except BaseException:
            stop_workers(pool)
            raise
    return finished


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Ctrl-C reaches the workers too (one process group), SIGTERM only this process: end them all.

    Otherwise leaving the pool would wait for every solve still running to finish.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public way before Python 3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(OSError, AttributeError):
            process.terminate()


def on_dask(
    cases: Mapping[str, Case],
    scheduler: str,
    time_limit_s: float | None,
    mip_gap: float | None,
    done: OnDone,
    start: Start | None,
) -> dict[str, Plan]:
    """Submit every case to the Dask scheduler at ``scheduler`` and collect the plans as they finish.

    Every call that waits on the cluster is bounded: connecting (``connect_client``), finding
    a worker, and closing take at most ``cluster.CONNECT_TIMEOUT_S`` each; the runs themselves are
    bounded by their time limit. A cluster that stops answering is a ``ClusterError``.
    """
    try:
        from distributed import as_completed as dask_completed
    except ImportError as error:
        raise ClusterError(
            "--scheduler needs Dask: pip install 'offtake-optimizer[cluster]' (here and on the workers)"
        ) from error
    client = connect_client(scheduler)
    batch = uuid.uuid4().hex[:8]
    finished: dict[str, Plan] = {}
    try:
        try:
            client.wait_for_workers(1, timeout=cluster.CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as error:
            raise ClusterError(
                f"the Dask scheduler at {scheduler} has no worker (none joined within {cluster.CONNECT_TIMEOUT_S:g} s); "
                f"start one with: dask worker {scheduler}"
            ) from error
        futures = {
            client.submit(
                solve_case,
                case,
                time_limit_s,
                mip_gap,
                start,
                BATCH_THREADS,
                key=f"optimize-{batch}-{i}",
                pure=False,
            ): name
            for i, (name, case) in enumerate(cases.items())
        }
        try:
            for future in dask_completed(list(futures)):  # type: ignore[no-untyped-call]
                name = futures[future]
                try:
                    finished[name] = future.result()
                except (OSError, TimeoutError, CancelledError) as error:
                    raise ClusterError(
                        f"the Dask cluster at {scheduler} lost run {name!r} ({type(error).__name__}: {error}); "
                        "check the scheduler and its workers"
                    ) from error
                done(name, finished[name])
        except BaseException:  # interrupted, or the cluster failed: the other runs are not wanted
            with contextlib.suppress(Exception):
                client.cancel(list(futures))
            raise
    finally:
        with contextlib.suppress(Exception):
            client.close(timeout=cluster.CONNECT_TIMEOUT_S)
    return finished
