"""Formulation strength on OR-Library capb: ``optimize plan`` end to end against a hand-written
highspy model of the same capacitated facility-location problem, run one after the other.

    python -m benchmarks.capb [--capacity 5000] [--gap 1e-4] [--time-limit 3600]

The hand-written model is the textbook strong formulation: min sum f_i y_i + sum c_ij x_ij,
sum_i x_ij = 1, sum_j d_j x_ij <= s_i y_i, x_ij <= y_i, y binary. Ours comes from the
workbook through the whole product (read, validate, build, solve, extract, write). Both
report wall time and objective; the ratio is ours over the hand-written one.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import highspy
import numpy as np
from scipy import sparse

from optimizer import Case, plan
from tests.support.orlib import DATA, Instance, large_optima, read_instance, write_workbook


def hand_written(instance: Instance, gap: float, time_limit_s: float) -> tuple[float, float]:
    """Solve with highspy directly; returns (objective, seconds including model building)."""
    started = time.perf_counter()
    m, n = len(instance.capacities), len(instance.demands)
    sites, customers = np.meshgrid(np.arange(m), np.arange(n), indexing="xy")  # shape (n, m)
    x = (m + customers * m + sites).ravel()  # column of x_ij; y_i are columns 0..m-1
    demand = np.asarray(instance.demands)
    served_rows = customers.ravel()  # rows 0..n-1: sum_i x_ij = 1
    capacity_rows = n + sites.ravel()  # rows n..n+m-1: sum_j d_j x_ij - s_i y_i <= 0
    link_rows = n + m + np.arange(m * n)  # one row per (i, j): x_ij - y_i <= 0
    rows = np.concatenate([served_rows, capacity_rows, n + np.arange(m), link_rows, link_rows])
    cols = np.concatenate([x, x, np.arange(m), x, sites.ravel()])
    vals = np.concatenate(
        [
            np.ones(m * n),
            demand[customers.ravel()],
            -np.asarray(instance.capacities),
            np.ones(m * n),
            -np.ones(m * n),
        ]
    )
    row = n + m + m * n
    lower = np.concatenate([np.ones(n), np.full(m + m * n, -highspy.kHighsInf)])
    upper = np.concatenate([np.ones(n), np.zeros(m + m * n)])
    costs = np.concatenate([instance.fixed_costs, np.array(instance.costs).ravel()])
    matrix = sparse.csc_array((vals, (rows, cols)), shape=(row, m + m * n))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = m + m * n, row
    lp.col_cost_ = costs
    lp.col_lower_ = np.zeros(m + m * n)
    lp.col_upper_ = np.ones(m + m * n)
    lp.row_lower_, lp.row_upper_ = lower, upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = matrix.indptr, matrix.indices, matrix.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * m + [highspy.HighsVarType.kContinuous] * (m * n)
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", gap)
    h.setOptionValue("time_limit", time_limit_s)
    h.passModel(lp)
    h.run()
    return float(h.getInfo().objective_function_value), time.perf_counter() - started


def ours(instance: Instance, gap: float, time_limit_s: float) -> tuple[float, float]:
    """The product end to end: workbook in, plan workbook out."""
    with tempfile.TemporaryDirectory() as folder:
        workbook = write_workbook(
            instance, Path(folder) / "capb.xlsx", mip_gap=gap, time_limit_s=time_limit_s
        )
        started = time.perf_counter()
        result = plan(Case.from_excel(workbook), marginal_values=False)
        result.to_excel(Path(folder) / "capb-plan.xlsx")
        elapsed = time.perf_counter() - started
    assert result.objective_usd_m is not None, result.status
    return -result.objective_usd_m, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--capacity", type=float, default=5000.0)
    parser.add_argument("--gap", type=float, default=1e-4)
    parser.add_argument("--time-limit", type=float, default=3600.0)
    args = parser.parse_args()
    instance = read_instance(DATA / "capb.txt", args.capacity)
    print("hand-written highspy ...", file=sys.stderr)
    hand_objective, hand_s = hand_written(instance, args.gap, args.time_limit)
    print("optimize plan ...", file=sys.stderr)
    our_objective, our_s = ours(instance, args.gap, args.time_limit)
    record = {
        "instance": f"capb capacity {args.capacity:g}",
        "published_optimum": large_optima()["capb", args.capacity],
        "hand_written": {"objective": hand_objective, "seconds": round(hand_s, 1)},
        "optimize_plan": {"objective": our_objective, "seconds": round(our_s, 1)},
        "ratio": round(our_s / hand_s, 3),
    }
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
