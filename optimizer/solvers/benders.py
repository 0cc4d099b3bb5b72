"""Benders (L-shaped) decomposition, multi-cut: for the cases the extensive form cannot solve.

Funding and signing are decided once; given them, operations separate into one LP per
scenario and year (no rule links two years or two scenarios of operations). The method
works on the model exactly as the extensive form compiles it, so every rule of
``models/`` is decomposed without a line of its own:

- every column of an operating family (``models.build.OPERATIONS``, indexed (..., year,
  scenario)) belongs to the block of its (scenario, year); every other column is the
  master's (funding, signing, ``running``, CVaR's VaR and tail, defined totals);
- a row with master columns only is a master row (budget, locks, limits on capex, the
  valid inequalities, which so tighten the master too); a row within one block is that
  block's, its master columns moved to the right-hand side;
- a row that spans blocks is either a CVaR tail row, whose operating part is the
  scenario's NPV, replaced in the master by ``theta[s, t]``, the value of each block
  (exact: a larger NPV only helps the row and the objective), or any other linking row
  (revenue-share limits), which gets one allocation variable per block: the block keeps
  its part below (or above) its allocation, the master keeps the allocations' sum within
  the limit.

Each block is a persistent HiGHS LP whose right-hand sides change between rounds and
whose basis is kept. ``theta[s, t] <= Q(x^) + pi (b(x) - b(x^))`` (optimality cuts) and
phase-one cuts for blocks a plan cannot operate (coverage or a firm minimum out of reach)
are added to the master, which is solved first as an LP (Kelley's cutting planes) and then
as a MIP, re-solved from the best plan each round (HiGHS has no lazy-constraint callback).
Between the two, the cuts slack at the last LP are dropped (most of them: each is dense in
the funding columns, and HiGHS's MIP presolve and LP carry every one), and a master too
large for HiGHS's probing gets light presolve.
The bound is the master's; the plan is the best master solution whose blocks were solved,
its continuous master values re-optimised with ``theta`` at the blocks' true values.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp

from optimizer.models.build import OPERATIONS
from optimizer.solvers.highs import (
    INF,
    TUNED_MIP_OPTIONS,
    CompiledModel,
    SolveResult,
    SolverOptions,
    compile_model,
    quiet_highs,
    solver_lp,
    write_model_file,
)
from optimizer.solvers.start import Start

BlockKey = tuple[str, int]  # (scenario, year)

# The extensive form's options, but HiGHS's own strong-branching reliability: trusting a
# pseudocost after one observation was measured on the example's whole MIP; with it the
# large case's Benders solve (a master of 2,200 binaries under dense cuts) took 137.6 s
# against 120.7 s in one pair, and medium's was unchanged.
MASTER_MIP_OPTIONS = {k: v for k, v in TUNED_MIP_OPTIONS.items() if k != "mip_pscost_minreliable"}
IN_OUT = 0.5  # LP phase: cuts at this share of the last separation point plus the rest of x^
THETA_ROWS = ("tail_loss_definition",)  # rows that hold a scenario's whole NPV (models.risk)
PARALLEL_ABOVE_NONZEROS = 200_000  # smaller blocks solve faster here than a worker process starts
CUT_TOLERANCE = 1e-7  # a block value this far (relative) below its theta makes a cut
LP_ROUNDS = 200  # at most, before the master is solved as a MIP
STALL_ROUNDS = 5  # LP rounds whose bound moved less than STALL_SHARE end the LP phase
STALL_SHARE = 1e-6
WORKER_POLL_S = 1.0  # how often the master checks that a block worker it waits for is alive
SLACK_CUT_SHARE = 1e-6  # a cut this far (relative) from binding at the last LP is dropped before the MIP
# HiGHS's full presolve probes every binary of the master, each probe a pass over its dense
# cut rows: on the large benchmark (2,200 binaries, 1.6M nonzeros) 80 s of a 97 s master MIP,
# with light presolve 17 s; on medium (500 binaries, 56,000 nonzeros) full presolve is faster
# (1.4 s against 3.1 s). Above this many nonzeros the master MIP gets light presolve.
LIGHT_PRESOLVE_ABOVE_NONZEROS = 1_000_000


class DecompositionError(Exception):
    """The model has a shape this method cannot decompose (the extensive form is used)."""


@dataclass
class Block:
    """One (scenario, year) LP: its columns and rows in the compiled model, and how x moves it.

    ``coupling`` (rows x master columns) holds the master's coefficients in the block's rows:
    row bounds are ``lower - coupling @ x`` and ``upper - coupling @ x``.
    """

    key: BlockKey
    columns: np.ndarray  # indices of the compiled model's columns
    rows: np.ndarray  # indices of the compiled model's rows (-1: an allocation row)
    cost: np.ndarray  # the block's part of its scenario's NPV, per column
    col_lower: np.ndarray
    col_upper: np.ndarray
    matrix: sp.csr_matrix  # rows x block columns
    row_lower: np.ndarray
    row_upper: np.ndarray
    coupling: sp.csr_matrix  # rows x master columns


@dataclass
class BlockAnswer:
    """A block solved at x^: its value and cut, or the phase-one cut that says x^ cannot run it."""

    index: int
    feasible: bool
    value: float  # Q(x^), or the phase-one violation
    cut: np.ndarray  # d value / d x over the master columns (dense)
    solution: np.ndarray | None = None  # block column values, when asked
    row_duals: np.ndarray | None = None


@dataclass
class Decomposition:
    """The compiled model split into a master and blocks."""

    compiled: CompiledModel
    master_columns: np.ndarray  # compiled column indices of the master's own columns
    blocks: list[Block]
    master_rows: np.ndarray  # compiled rows kept as they are
    tail_rows: list[tuple[int, float, list[int]]]  # (compiled row, alpha, blocks) replaced by theta
    allocations: list[tuple[int, list[int]]]  # (compiled row, blocks): one allocation per block
    objective_weight: np.ndarray  # per block: the main objective's weight on its NPV
    theta_upper: np.ndarray = field(default_factory=lambda: np.zeros(0))
    deferred: list[int] = field(default_factory=list)  # linking rows left out, checked on the plan

    @property
    def coupled(self) -> np.ndarray:
        """Master columns (own) that some block's right-hand side depends on."""
        used = np.unique(np.concatenate([block.coupling.indices for block in self.blocks]))
        return used[used < len(self.master_columns)].astype(np.int32)

    @property
    def num_master(self) -> int:
        """Master columns: its own, then theta per block, then the allocations."""
        return len(self.master_columns) + len(self.blocks) + sum(len(b) for _, b in self.allocations)

    @property
    def theta_offset(self) -> int:
        return len(self.master_columns)


def column_block_keys(compiled: CompiledModel) -> list[BlockKey | None]:
    """Each column's block, (scenario, year) of an operating variable, or None for the master's.

    Read from the operating components' own index (Pyomo's ``name`` and ``index()`` of each
    of 3.9M columns took 30 s on the large benchmark; this is a dictionary lookup each).
    """
    if not compiled.columns:
        return []
    model = compiled.columns[0].model()
    key_of: dict[int, BlockKey] = {}
    for name in OPERATIONS:
        component = model.component(name)
        if component is not None:
            for index, var in component.items():
                key_of[id(var)] = (str(index[-1]), int(index[-2]))
    return [key_of.get(id(var)) for var in compiled.columns]


def rows_of_components(compiled: CompiledModel, names: Sequence[str]) -> np.ndarray:
    """Whether each compiled row belongs to one of the model's components ``names``."""
    mask = np.zeros(len(compiled.rows), dtype=bool)
    if not compiled.columns:
        return mask
    model = compiled.columns[0].model()
    wanted = {
        id(row)
        for name in names
        if (component := model.component(name)) is not None
        for row in component.values()
    }
    for i, row in compiled.rows.pyomo_rows():
        if id(row) in wanted:
            mask[i] = True
    return mask


def decompose(
    compiled: CompiledModel, scenarios: Sequence[str], linking: frozenset[int] = frozenset()
) -> Decomposition:
    """Split ``compiled`` (whose objectives after the first are the scenarios' NPVs, in order).

    Rows that span blocks (other than the CVaR tail) get allocations only if listed in
    ``linking``; the others are deferred: left out, and checked on the plan at the end
    (``deferred_violations``), since such limits (revenue shares) seldom bind.
    """
    if len(compiled.other_objectives) != len(scenarios):
        raise DecompositionError("the model was compiled without its scenario NPVs")
    npv = {s: costs for s, (_, costs, _) in zip(scenarios, compiled.other_objectives, strict=True)}
    lp = compiled.lp
    a: sp.csr_matrix = compiled.matrix
    n_rows, n_cols = a.shape
    keys = column_block_keys(compiled)
    block_ids: dict[BlockKey, int] = {}
    col_block = np.full(n_cols, -1, dtype=np.int64)
    for j, key in enumerate(keys):
        if key is not None:
            col_block[j] = block_ids.setdefault(key, len(block_ids))
    if not block_ids:
        raise DecompositionError("the model has no operations to decompose")
    master_columns = np.flatnonzero(col_block < 0)
    order = np.argsort(col_block, kind="stable")
    starts = np.searchsorted(col_block[order], np.arange(len(block_ids) + 1))
    columns_of = [order[starts[b] : starts[b + 1]] for b in range(len(block_ids))]
    master_position = np.full(n_cols, -1, dtype=np.int64)
    master_position[master_columns] = np.arange(len(master_columns))

    # Which blocks each row touches: (row, block) pairs, one number each, sorted by row.
    n_blocks = len(block_ids)
    entry_block = col_block[a.indices]
    row_of_entry = np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(a.indptr))
    in_block = entry_block >= 0
    pairs = np.unique(row_of_entry[in_block] * n_blocks + entry_block[in_block])
    touched_rows, first_pair, blocks_touched = np.unique(
        pairs // n_blocks, return_index=True, return_counts=True
    )
    pair_block = pairs % n_blocks
    row_blocks = np.zeros(n_rows, dtype=np.int64)  # how many blocks each row touches
    row_blocks[touched_rows] = blocks_touched
    only_block = np.full(n_rows, -1, dtype=np.int64)  # the block of a row that touches one
    only_block[touched_rows] = pair_block[first_pair]
    blocks_of_row = {
        int(r): pair_block[start : start + count].tolist()
        for r, start, count in zip(touched_rows, first_pair, blocks_touched, strict=True)
        if count > 1
    }
    theta_row = rows_of_components(compiled, THETA_ROWS)
    row_lower, row_upper = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
    costs = np.asarray(lp.col_cost_)
    col_lower, col_upper = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
    sense = 1.0 if lp.sense_ == highspy.ObjSense.kMaximize else -1.0

    scenario_of_block = {b: key[0] for key, b in block_ids.items()}
    weight = np.zeros(len(block_ids))
    for key, b in block_ids.items():
        columns = columns_of[b]
        weight[b] = proportion(sense * costs[columns], npv[key[0]][columns], f"the objective in block {key}")
        if weight[b] < -1e-12:
            raise DecompositionError(f"the objective falls with the NPV of block {key}")

    tail_rows: list[tuple[int, float, list[int]]] = []
    allocations: list[tuple[int, list[int]]] = []
    deferred: list[int] = []
    master_rows = np.flatnonzero(row_blocks == 0).tolist()
    single_rows = np.flatnonzero((row_blocks == 1) & ~theta_row)  # a block's own rows, in order
    single_rows = single_rows[np.argsort(only_block[single_rows], kind="stable")]
    bounds = np.searchsorted(only_block[single_rows], np.arange(n_blocks + 1))
    single = {b: single_rows[bounds[b] : bounds[b + 1]].tolist() for b in range(n_blocks)}
    for r in np.flatnonzero((row_blocks > 1) | ((row_blocks == 1) & theta_row)).tolist():
        touched_blocks = blocks_of_row.get(r) or [int(only_block[r])]
        if theta_row[r]:
            tail = tail_alpha(a, r, col_block, touched_blocks, scenario_of_block, npv)
            one_sided_up = row_upper[r] >= INF and tail is not None and tail > 0
            one_sided_down = row_lower[r] <= -INF and tail is not None and tail < 0
            if tail is None or not (one_sided_up or one_sided_down):
                raise DecompositionError(f"{compiled.rows[r].name} does not hold a scenario's NPV")
            tail_rows.append((r, tail, touched_blocks))
        elif r in linking:
            allocations.append((r, touched_blocks))
        else:
            deferred.append(r)

    allocation_start = len(master_columns) + len(block_ids)
    allocation_rows: dict[int, list[tuple[int, int]]] = {}  # block -> (compiled row, master column of r)
    position = allocation_start
    for r, touched_blocks in allocations:
        for b in touched_blocks:
            allocation_rows.setdefault(b, []).append((r, position))
            position += 1
    num_master = position

    built = []
    for key, b in block_ids.items():
        columns = columns_of[b]
        rows = single.get(b, [])
        extra = allocation_rows.get(b, [])
        own_rows = a[rows] if rows else None
        sub = own_rows[:, columns] if own_rows is not None else sp.csr_matrix((0, len(columns)))
        coupling_own = (
            own_rows[:, master_columns] if own_rows is not None else sp.csr_matrix((0, len(master_columns)))
        )
        coupling = sp.hstack(
            [coupling_own, sp.csr_matrix((len(rows), num_master - len(master_columns)))]
        ).tocsr()
        lower, upper = row_lower[rows].copy(), row_upper[rows].copy()
        if extra:
            parts = a[[r for r, _ in extra]][:, columns]
            sub = sp.vstack([sub, parts]).tocsr()
            allocation_coupling = sp.csr_matrix(
                (-np.ones(len(extra)), ([i for i in range(len(extra))], [p for _, p in extra])),
                shape=(len(extra), num_master),
            )
            coupling = sp.vstack([coupling, allocation_coupling]).tocsr()
            lower = np.concatenate([lower, [0.0 if row_lower[r] > -INF else -INF for r, _ in extra]])
            upper = np.concatenate([upper, [0.0 if row_upper[r] < INF else INF for r, _ in extra]])
        built.append(
            Block(
                key=key,
                columns=columns,
                rows=np.array(rows + [-1] * len(extra), dtype=np.int64),
                cost=npv[key[0]][columns],
                col_lower=col_lower[columns],
                col_upper=col_upper[columns],
                matrix=sp.csr_matrix(sub),
                row_lower=lower,
                row_upper=upper,
                coupling=coupling,
            )
        )
    return Decomposition(
        compiled,
        master_columns,
        built,
        np.array(master_rows),
        tail_rows,
        allocations,
        weight,
        deferred=deferred,
    )


def proportion(values: np.ndarray, base: np.ndarray, what: str) -> float:
    """The factor w with values == w x base, or DecompositionError if there is none."""
    scale = float(base @ base)
    if scale == 0.0:
        if np.any(values):
            raise DecompositionError(f"{what} has terms outside the NPV")
        return 0.0
    w = float(values @ base) / scale
    if np.max(np.abs(values - w * base)) > 1e-9 * max(1.0, float(np.max(np.abs(values)))):
        raise DecompositionError(f"{what} is not a multiple of the NPV")
    return w


def tail_alpha(
    a: sp.csr_matrix,
    r: int,
    col_block: np.ndarray,
    touched: list[int],
    scenario_of_block: dict[int, str],
    npv: dict[str, np.ndarray],
) -> float | None:
    """alpha if row r's operating part is alpha x the NPV of one scenario's blocks, else None."""
    scenarios = {scenario_of_block[b] for b in touched}
    if len(scenarios) != 1:
        return None
    s = scenarios.pop()
    start, end = a.indptr[r], a.indptr[r + 1]
    cols, vals = a.indices[start:end], a.data[start:end]
    in_blocks = col_block[cols] >= 0
    support = np.flatnonzero(np.isin(col_block, touched) & (npv[s] != 0))
    if set(cols[in_blocks].tolist()) != set(support.tolist()):
        return None
    try:
        return proportion(vals[in_blocks], npv[s][cols[in_blocks]], "a linking row")
    except DecompositionError:
        return None


class BlockSolver:
    """Persistent HiGHS LPs for some blocks, re-solved from their last basis at each x^."""

    def __init__(self, blocks: list[tuple[int, Block]]) -> None:
        self.blocks = blocks
        self.highs = [self.new_lp(block) for _, block in blocks]
        self.phase_one: dict[int, highspy.Highs] = {}

    @staticmethod
    def lp_of(
        cost: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
        matrix: sp.csr_matrix,
        rl: np.ndarray,
        ru: np.ndarray,
        maximise: bool,
    ) -> highspy.Highs:
        csc = matrix.tocsc()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = csc.shape[1], csc.shape[0]
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, lower, upper
        lp.row_lower_, lp.row_upper_ = rl, ru
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
        lp.a_matrix_.index_ = csc.indices.astype(np.int32)
        lp.a_matrix_.value_ = csc.data.astype(float)
        lp.sense_ = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
        h = quiet_highs()
        h.setOptionValue("presolve", "off")
        h.passModel(lp)
        return h

    def new_lp(self, block: Block) -> highspy.Highs:
        return self.lp_of(
            block.cost, block.col_lower, block.col_upper, block.matrix, block.row_lower, block.row_upper, True
        )

    def phase_one_lp(self, i: int, block: Block) -> highspy.Highs:
        """min sum of row violations: slacks e+ and e- on every row."""
        if i not in self.phase_one:
            n, rows = len(block.columns), block.matrix.shape[0]
            eye = sp.identity(rows, format="csr")
            matrix = sp.hstack([block.matrix, eye, -eye]).tocsr()
            cost = np.concatenate([np.zeros(n), np.ones(2 * rows)])
            lower = np.concatenate([block.col_lower, np.zeros(2 * rows)])
            upper = np.concatenate([block.col_upper, np.full(2 * rows, INF)])
            self.phase_one[i] = self.lp_of(
                cost, lower, upper, matrix, block.row_lower, block.row_upper, False
            )
        return self.phase_one[i]

    def bounds(self, lower_x: np.ndarray, upper_x: np.ndarray) -> list[tuple[int, float]]:
        return [(index, loosest_bound(block, lower_x, upper_x)) for index, block in self.blocks]

    def solve(self, x: np.ndarray, want_solution: bool = False) -> list[BlockAnswer]:
        """Each block at x^: its value and optimality cut, or, where x^ cannot run it, a phase-one cut."""
        answers = []
        for (index, block), h in zip(self.blocks, self.highs, strict=True):
            shift = block.coupling @ x
            lower, upper = block.row_lower - shift, block.row_upper - shift
            rows = np.arange(len(lower), dtype=np.int32)
            h.changeRowsBounds(len(rows), rows, lower, upper)  # type: ignore[attr-defined]
            status = run_lp(h)
            if status == highspy.HighsModelStatus.kOptimal:
                solution = h.getSolution()
                duals = np.asarray(solution.row_dual)
                answers.append(
                    BlockAnswer(
                        index,
                        True,
                        float(h.getInfo().objective_function_value),
                        -(block.coupling.T @ duals),
                        np.asarray(solution.col_value) if want_solution else None,
                        duals if want_solution else None,
                    )
                )
                continue
            if status not in (
                highspy.HighsModelStatus.kInfeasible,
                highspy.HighsModelStatus.kUnboundedOrInfeasible,
            ):
                raise DecompositionError(f"block {block.key} ended {h.modelStatusToString(status)}")
            feasibility = self.phase_one_cut(index, block, lower, upper)
            if feasibility is None:  # HiGHS and its phase one disagree: within tolerances, call it feasible
                raise DecompositionError(
                    f"block {block.key}: infeasible, yet its phase one finds no violation"
                )
            answers.append(feasibility)
        return answers

    def phase_one_cut(
        self, index: int, block: Block, lower: np.ndarray, upper: np.ndarray
    ) -> BlockAnswer | None:
        one = self.phase_one_lp(index, block)
        rows = np.arange(len(lower), dtype=np.int32)
        one.changeRowsBounds(len(rows), rows, lower, upper)  # type: ignore[attr-defined]
        if run_lp(one) != highspy.HighsModelStatus.kOptimal:
            raise DecompositionError(f"the phase-one LP of block {block.key} did not solve")
        value = float(one.getInfo().objective_function_value)
        if value <= 0:
            return None
        duals = np.asarray(one.getSolution().row_dual)
        return BlockAnswer(index, False, value, -(block.coupling.T @ duals))


def run_lp(h: highspy.Highs) -> highspy.HighsModelStatus:
    """Re-solve from the last basis; if HiGHS cannot tell the status from there, solve afresh."""
    h.run()
    status = h.getModelStatus()
    if status in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kInfeasible):
        return status
    h.clearSolver()
    h.setOptionValue("presolve", "on")
    try:
        h.run()
    finally:
        h.setOptionValue("presolve", "off")
    return h.getModelStatus()


def block_worker(connection: Any) -> None:
    """A worker process: receives its blocks, keeps their LPs alive, answers each x^ until told to stop."""
    blocks = connection.recv()
    if blocks is None:
        return
    solver = BlockSolver(blocks)
    while True:
        message = connection.recv()
        if message is None:
            return
        verb, *args = message
        try:
            answer = solver.bounds(*args) if verb == "bounds" else solver.solve(*args)
        except Exception as error:  # sent back whole: the master raises it
            connection.send(("error", f"{type(error).__name__}: {error}"))
            continue
        connection.send(("ok", answer))


class Workers:
    """The blocks, spread over solvers that keep them: this process, spawned worker processes
    (``jobs``), or Dask actors on the cluster at ``scheduler`` (one per worker thread)."""

    def __init__(
        self,
        blocks: list[Block],
        jobs: int,
        scheduler: str | None = None,
        parallel_above_nonzeros: int = PARALLEL_ABOVE_NONZEROS,
    ) -> None:
        numbered = list(enumerate(blocks))
        self.local: BlockSolver | None = None
        self.processes: list[tuple[Any, Any]] = []
        self.actors: list[Any] = []
        self.client: Any = None
        if scheduler is not None:
            self.start_actors(numbered, scheduler)
            return
        if jobs <= 1 or sum(block.matrix.nnz for block in blocks) < parallel_above_nonzeros:
            self.local = BlockSolver(numbered)
            return
        context = multiprocessing.get_context("spawn")
        shares = [share for share in (numbered[k::jobs] for k in range(jobs)) if share]
        for _ in shares:
            parent, child = context.Pipe()
            process = context.Process(target=block_worker, args=(child,), daemon=True)
            process.start()
            child.close()  # the worker holds its own end: a dead worker's pipe then reads as closed
            self.processes.append((parent, process))
        # The blocks go over our own pipe once the workers run, not as the Process's arguments:
        # CPython writes those while it still holds the pipe's other end itself, so a worker that
        # dies while starting (a script without the ``__main__`` guard) would hang this process.
        try:
            for (connection, _), share in zip(self.processes, shares, strict=True):
                connection.send(share)
        except OSError as error:
            self.close()
            raise DecompositionError("a block worker process ended before it had its blocks") from error

    def start_actors(self, numbered: list[tuple[int, Block]], scheduler: str) -> None:
        """One BlockSolver actor per Dask worker thread, each holding its share of the blocks."""
        from optimizer.cluster import connect_client

        self.client = connect_client(scheduler)
        threads = sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values())
        count = max(1, min(threads, len(numbered)))
        # Each share goes straight to a worker (scatter), not through the scheduler inside the task:
        # on the large benchmark the blocks are 500 MB.
        shares = [self.client.scatter([numbered[k::count]], direct=True, hash=False)[0] for k in range(count)]
        futures = [self.client.submit(BlockSolver, share, actor=True, pure=False) for share in shares]
        self.actors = [future.result() for future in futures]

    def bounds(self, lower_x: np.ndarray, upper_x: np.ndarray, count: int) -> np.ndarray:
        """theta's upper bound per block (``loosest_bound``), computed where the blocks live."""
        if self.local is not None:
            found = self.local.bounds(lower_x, upper_x)
        else:
            found = self.ask(("bounds", lower_x, upper_x))
        bounds = np.zeros(count)
        for index, value in found:
            bounds[index] = value
        return bounds

    def solve(self, x: np.ndarray, want_solution: bool = False) -> list[BlockAnswer]:
        if self.local is not None:
            return self.local.solve(x, want_solution)
        return sorted(self.ask(("solve", x, want_solution)), key=lambda a: a.index)

    def ask(self, message: tuple[Any, ...]) -> list[Any]:
        """Send ``message`` to every worker; their answers, in one list."""
        if self.actors:
            verb, *args = message
            calls = [getattr(actor, verb)(*args) for actor in self.actors]
            try:
                return [item for call in calls for item in call.result()]
            except Exception as error:
                raise DecompositionError(f"a block actor on the cluster failed: {error}") from error
        answers: list[Any] = []
        try:
            for connection, _ in self.processes:
                connection.send(message)
            for connection, process in self.processes:
                # A worker that died before it took its end of the pipe never closes it: poll.
                while not connection.poll(WORKER_POLL_S):
                    if not process.is_alive():
                        raise EOFError(f"exit code {process.exitcode}")
                kind, answer = connection.recv()
                if kind == "error":
                    raise DecompositionError(f"a block worker failed: {answer}")
                answers.extend(answer)
        except (EOFError, OSError) as error:
            raise DecompositionError("a block worker process ended") from error
        return answers

    def close(self) -> None:
        if self.client is not None:
            self.actors = []
            with contextlib.suppress(Exception):
                self.client.close(timeout=10)
        for connection, process in self.processes:
            with contextlib.suppress(BrokenPipeError, OSError):
                connection.send(None)
            process.join(timeout=10)
            if process.is_alive():
                process.kill()


@dataclass
class Master:
    """The master MIP in HiGHS: its own columns, theta per block, allocations; cuts added each round."""

    h: highspy.Highs
    integers: np.ndarray
    base_rows: int  # rows before the first cut: the master's own, CVaR tail and allocation rows


def build_master(dec: Decomposition, options: SolverOptions) -> Master:
    compiled, lp = dec.compiled, dec.compiled.lp
    a: sp.csr_matrix = compiled.matrix
    own = dec.master_columns
    n_own, n_blocks = len(own), len(dec.blocks)
    n = dec.num_master
    sense = 1.0 if lp.sense_ == highspy.ObjSense.kMaximize else -1.0
    cost = np.zeros(n)
    cost[:n_own] = np.asarray(lp.col_cost_)[own]
    cost[n_own : n_own + n_blocks] = sense * dec.objective_weight
    lower = np.full(n, -INF)
    upper = np.full(n, INF)
    lower[:n_own] = np.asarray(lp.col_lower_)[own]
    upper[:n_own] = np.asarray(lp.col_upper_)[own]
    upper[n_own : n_own + n_blocks] = dec.theta_upper

    rows: list[sp.csr_matrix] = [a[dec.master_rows][:, own]]
    if rows[0].shape[0]:
        rows[0] = sp.hstack([rows[0], sp.csr_matrix((rows[0].shape[0], n - n_own))]).tocsr()
    else:
        rows[0] = sp.csr_matrix((0, n))
    all_lower, all_upper = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)  # each a list copied once
    row_lower = [all_lower[dec.master_rows]]
    row_upper = [all_upper[dec.master_rows]]
    for r, alpha, touched in dec.tail_rows:
        line = sp.lil_matrix((1, n))
        line[0, :n_own] = a[r][:, own].toarray()
        for b in touched:
            line[0, n_own + b] = alpha
        rows.append(line.tocsr())
        row_lower.append(all_lower[r : r + 1])
        row_upper.append(all_upper[r : r + 1])
    position = n_own + n_blocks
    for r, touched in dec.allocations:
        line = sp.lil_matrix((1, n))
        line[0, :n_own] = a[r][:, own].toarray()
        for _ in touched:
            line[0, position] = 1.0
            position += 1
        rows.append(line.tocsr())
        row_lower.append(all_lower[r : r + 1])
        row_upper.append(all_upper[r : r + 1])
    matrix = sp.vstack(rows).tocsc()
    master = highspy.HighsLp()
    master.num_col_, master.num_row_ = n, matrix.shape[0]
    master.col_cost_, master.col_lower_, master.col_upper_ = cost, lower, upper
    master.offset_ = float(lp.offset_)
    master.row_lower_, master.row_upper_ = np.concatenate(row_lower), np.concatenate(row_upper)
    master.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    master.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    master.a_matrix_.index_ = matrix.indices.astype(np.int32)
    master.a_matrix_.value_ = matrix.data.astype(float)
    master.sense_ = lp.sense_
    integer_own = np.array(
        [i for i, j in enumerate(own) if compiled.columns[j].is_integer() or compiled.columns[j].is_binary()],
        dtype=np.int32,
    )
    h = quiet_highs()
    for name, value in {**MASTER_MIP_OPTIONS, **options.highs_options}.items():
        h.setOptionValue(name, value)
    h.setOptionValue("random_seed", options.random_seed)
    h.passModel(master)
    return Master(h, integer_own, master.num_row_)


def master_box(dec: Decomposition) -> tuple[np.ndarray, np.ndarray]:
    """The master's column bounds as numpy infinities (allocations are unbounded)."""
    lp = dec.compiled.lp
    extra = dec.num_master - len(dec.master_columns)
    lower = np.concatenate([np.asarray(lp.col_lower_)[dec.master_columns], np.full(extra, -np.inf)])
    upper = np.concatenate([np.asarray(lp.col_upper_)[dec.master_columns], np.full(extra, np.inf)])
    lower[lower <= -INF] = -np.inf
    upper[upper >= INF] = np.inf
    return lower, upper


def loosest_bound(block: Block, lower_x: np.ndarray, upper_x: np.ndarray) -> float:
    """An upper bound on the block's value for any master values in their bounds.

    The block LP is solved with every right-hand side at the loosest value the master's
    bounds allow (an allocation row, unbounded, drops out): its optimum bounds Q(x).
    -inf: no plan can operate the block.
    """
    coo = block.coupling.tocoo()
    with np.errstate(invalid="ignore"):
        ends_low, ends_high = coo.data * lower_x[coo.col], coo.data * upper_x[coo.col]
    low_shift = np.zeros(coo.shape[0])
    high_shift = np.zeros(coo.shape[0])
    np.add.at(low_shift, coo.row, np.minimum(ends_low, ends_high))
    np.add.at(high_shift, coo.row, np.maximum(ends_low, ends_high))
    lower = block.row_lower - high_shift
    upper = block.row_upper - low_shift
    lower[~np.isfinite(lower)] = -INF
    upper[~np.isfinite(upper)] = INF
    h = BlockSolver.lp_of(block.cost, block.col_lower, block.col_upper, block.matrix, lower, upper, True)
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return float(h.getInfo().objective_function_value)
    if status == highspy.HighsModelStatus.kInfeasible:
        return -INF
    raise DecompositionError(f"block {block.key} is unbounded ({h.modelStatusToString(status)})")


@dataclass
class BendersResult:
    status: str  # optimal, time_limit, infeasible, no_solution
    objective: float | None
    bound: float | None
    rounds: int
    cuts: int
    master_values: np.ndarray | None  # the compiled model's values of the master's own columns
    block_answers: list[BlockAnswer]
    theta_weights: np.ndarray | None  # d objective / d block value at the plan (scales block duals)
    log: list[str]
    block_parts: list[tuple[np.ndarray, np.ndarray]] = field(
        default_factory=list
    )  # columns, rows (-1 allocation)
    master_columns: np.ndarray = field(  # the compiled model's columns that master_values are for
        default_factory=lambda: np.zeros(0, dtype=np.int64)
    )


def relative_gap(bound: float, objective: float) -> float:
    return abs(bound - objective) / max(abs(objective), 1e-9)


def solve_benders(
    compiled: CompiledModel,
    scenarios: Sequence[str],
    options: SolverOptions,
    jobs: int = 1,
    scheduler: str | None = None,
    notify: Callable[[str], None] | None = None,
) -> BendersResult:
    """Solve the compiled extensive form by decomposition; see the module docstring."""
    say = notify or (lambda _: None)
    began = time.perf_counter()
    limit_s = options.time_limit_s if options.time_limit_s and options.time_limit_s > 0 else math.inf
    gap_target = options.mip_gap if options.mip_gap is not None else 1e-4
    linking: frozenset[int] = frozenset()
    while True:
        dec = decompose(compiled, scenarios, linking)
        say(f"[{time.perf_counter() - began:6.1f}s] split into {len(dec.blocks)} blocks")
        pool = Workers(dec.blocks, jobs, scheduler)
        try:
            outcome = run_rounds(dec, pool, options, began, limit_s, gap_target, say)
        finally:
            pool.close()
        broken = deferred_violations(dec, outcome)
        if not broken:
            return outcome
        # A limit left out binds: decompose again with it linked (allocations) and solve again.
        say(f"{len(broken)} linking limit(s) bind at the plan: solving again with them in the master")
        linking = linking | frozenset(broken)


def deferred_violations(dec: Decomposition, outcome: BendersResult) -> list[int]:
    """The deferred linking rows the plan breaks (none when there is no plan or none was deferred)."""
    if not dec.deferred or outcome.master_values is None:
        return []
    compiled = dec.compiled
    values = np.zeros(len(compiled.columns))
    values[dec.master_columns] = outcome.master_values
    for answer in outcome.block_answers:
        if answer.solution is not None:
            values[dec.blocks[answer.index].columns] = answer.solution
    rows = np.array(dec.deferred)
    activity = compiled.matrix[rows] @ values
    lower = np.asarray(compiled.lp.row_lower_)[rows]
    upper = np.asarray(compiled.lp.row_upper_)[rows]
    tolerance = 1e-6 * np.maximum(1.0, np.abs(activity))
    broken = (activity > upper + tolerance) | (activity < lower - tolerance)
    return [int(r) for r in rows[broken]]


def run_rounds(
    dec: Decomposition,
    pool: Workers,
    options: SolverOptions,
    began: float,
    limit_s: float,
    gap_target: float,
    say: Callable[[str], None],
) -> BendersResult:
    """The rounds of ``solve_benders``: master, blocks, cuts, until the gap or the time limit."""
    compiled = dec.compiled
    dec.theta_upper = pool.bounds(*master_box(dec), len(dec.blocks))
    say(
        f"[{time.perf_counter() - began:6.1f}s] decomposed: {len(dec.blocks)} blocks, {len(dec.tail_rows)} CVaR rows, {len(dec.allocations)} linking rows"
    )
    if np.any(dec.theta_upper == -INF):
        return BendersResult("infeasible", None, None, 0, 0, None, [], None, ["a block no plan can operate"])
    master = build_master(dec, options)
    h = master.h
    maximise = compiled.lp.sense_ == highspy.ObjSense.kMaximize
    n_own, n_blocks = len(dec.master_columns), len(dec.blocks)
    best: tuple[float, np.ndarray, np.ndarray, list[BlockAnswer], np.ndarray] | None = None
    bound = math.inf if maximise else -math.inf
    log: list[str] = []
    rounds = cuts = 0
    lp_phase = True
    center: np.ndarray | None = None
    stalled = 0
    last_bound = math.inf
    continuous = np.zeros(len(master.integers), dtype=np.uint8)
    integer = np.ones(len(master.integers), dtype=np.uint8)
    h.changeColsIntegrality(len(master.integers), master.integers, continuous)
    if options.start is not None:
        best = start_plan(h, master, dec, pool, options.start)
        say(f"warm start: {options.start.source} " + (f"gives {best[0]:,.4f}" if best else "does not hold"))
    status = "no_solution"
    while True:
        rounds += 1
        remaining = limit_s - (time.perf_counter() - began)
        if remaining <= 0:
            status = "time_limit" if best is not None else "no_solution"
            break
        h.setOptionValue("time_limit", float(remaining))
        if not lp_phase:
            h.setOptionValue("mip_rel_gap", gap_target / 2)
            if best is not None:
                h.setSolution(full_master_solution(best, n_own, n_blocks, dec.num_master))
        h.run()
        model_status = h.getModelStatus()
        if model_status == highspy.HighsModelStatus.kInfeasible:
            status = "infeasible"
            break
        if model_status in (
            highspy.HighsModelStatus.kUnbounded,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            raise DecompositionError("the master problem is unbounded")
        info = h.getInfo()
        if info.primal_solution_status != 2:
            say(f"master ended {h.modelStatusToString(model_status)} without a solution")
            status = "time_limit" if best is not None else "no_solution"
            break
        solution = h.getSolution()
        x, row_values = np.asarray(solution.col_value), np.asarray(solution.row_value)
        round_bound = float(info.mip_dual_bound) if not lp_phase else float(info.objective_function_value)
        if model_status != highspy.HighsModelStatus.kOptimal and not lp_phase:
            round_bound = float(info.mip_dual_bound)
        bound = min(bound, round_bound) if maximise else max(bound, round_bound)
        # In the LP phase cuts are taken between the last separation point and x^ (in-out
        # stabilisation): Kelley's cuts at x^ alone zig-zag for many rounds.
        separate_at = x if center is None else IN_OUT * center + (1 - IN_OUT) * x
        answers = pool.solve(separate_at)
        added = add_cuts(h, dec, x, separate_at, answers)
        if added == 0 and center is not None:
            separate_at, center = x, None  # the stabilised point cut nothing: separate at x^ itself
            answers = pool.solve(x)
            added = add_cuts(h, dec, x, x, answers)
        elif lp_phase:
            center = separate_at
        cuts += added
        runs = [a for a in answers if a.feasible]
        if not lp_phase and len(runs) == len(answers):
            candidate = evaluate_plan(h, master, dec, x, runs)
            if candidate is not None and (best is None or better(candidate[0], best[0], maximise)):
                best = candidate
        message = f"[{time.perf_counter() - began:6.1f}s] round {rounds} ({'LP' if lp_phase else 'MIP'}): bound {bound:,.4f}"
        if best is not None:
            message += f", plan {best[0]:,.4f}, gap {relative_gap(bound, best[0]):.2e}"
        message += f", {added} cuts, {sum(not a.feasible for a in answers)} infeasible blocks"
        say(message)
        log.append(message)
        if lp_phase:
            stalled = (
                stalled + 1
                if abs(last_bound - round_bound) <= STALL_SHARE * max(1.0, abs(round_bound))
                else 0
            )
            last_bound = round_bound
            if added == 0 or stalled >= STALL_ROUNDS or rounds >= LP_ROUNDS:
                lp_phase, center = False, None
                dropped = drop_slack_cuts(h, master, row_values, h.getNumRow() - added)
                say(f"LP phase over: {dropped} of {cuts} cuts slack at its last LP dropped")
                h.changeColsIntegrality(len(master.integers), master.integers, integer)
                choose_master_presolve(h, options)
            continue
        if best is not None and relative_gap(bound, best[0]) <= gap_target:
            status = "optimal"
            break
        if added == 0:
            # The master's answer is exact at its own optimum: nothing is left to cut.
            status = "optimal" if best is not None else "no_solution"
            break
    if best is None:
        return BendersResult(
            status, None, None if math.isinf(bound) else bound, rounds, cuts, None, [], None, log
        )
    final = pool.solve(best[2], want_solution=True)
    objective, _, master_values, _, weights = best
    parts = [(block.columns, block.rows) for block in dec.blocks]
    return BendersResult(
        status,
        objective,
        bound,
        rounds,
        cuts,
        master_values[:n_own],
        final,
        weights,
        log,
        parts,
        dec.master_columns,
    )


def drop_slack_cuts(h: highspy.Highs, master: Master, row_values: np.ndarray, solved_rows: int) -> int:
    """Delete the cuts that are slack at the master's last LP solution; returns how many.

    Kelley's rounds leave most cuts slack at the LP optimum (on the large benchmark 4,900 of
    6,245, each with a coefficient on most funding columns), and every one of them is
    carried through the MIP's presolve, LP and search. A dropped cut is still implied by the
    blocks: if the MIP's plan needs it, that round's block solves add it again. The master
    without it is still a relaxation, so its bound stays valid. Rows added after the solve
    (``solved_rows`` onwards) have no slack to measure and are kept.
    """
    cut_rows = np.arange(master.base_rows, solved_rows)
    if not len(cut_rows):
        return 0
    _, _, _, upper, _ = h.getRows(len(cut_rows), cut_rows.astype(np.int32))  # the cuts' bounds only
    slack = upper - row_values[cut_rows]
    slack_rows = cut_rows[slack > SLACK_CUT_SHARE * np.maximum(1.0, np.abs(upper))].astype(np.int32)
    if len(slack_rows):
        h.deleteRows(len(slack_rows), slack_rows)
    return len(slack_rows)


def choose_master_presolve(
    h: highspy.Highs, options: SolverOptions, light_above_nonzeros: int = LIGHT_PRESOLVE_ABOVE_NONZEROS
) -> None:
    """Light presolve for a master MIP so large that probing would dominate it (see the constant),
    unless the user chose a presolve themselves."""
    chosen = {"presolve", "presolve_mode"} & set(options.highs_options)
    if not chosen and h.getNumNz() > light_above_nonzeros:
        h.setOptionValue("presolve_mode", 2)


def start_plan(
    h: highspy.Highs, master: Master, dec: Decomposition, pool: Workers, start: Start
) -> tuple[float, np.ndarray, np.ndarray, list[BlockAnswer], np.ndarray] | None:
    """The start as the first plan (and its cuts), or None where it no longer holds."""
    own = dec.compiled.columns
    columns = [own[dec.master_columns[i]] for i in master.integers]
    values = np.array([start.value_of(v.parent_component().name, v.index()) for v in columns])
    lp = h.getLp()
    lower = np.asarray(lp.col_lower_)[master.integers]
    upper = np.asarray(lp.col_upper_)[master.integers]
    if np.any(values < lower - 1e-9) or np.any(values > upper + 1e-9):
        return None
    h.changeColsBounds(len(master.integers), master.integers, values, values)
    try:
        h.run()
        feasible = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        x = np.asarray(h.getSolution().col_value) if feasible else None
    finally:
        h.changeColsBounds(len(master.integers), master.integers, lower, upper)
    if x is None:
        return None
    answers = pool.solve(x)
    add_cuts(h, dec, x, x, answers)
    if any(not a.feasible for a in answers):
        return None
    return evaluate_plan(h, master, dec, x, answers)


def better(a: float, b: float, maximise: bool) -> bool:
    return a > b + 1e-12 if maximise else a < b - 1e-12


def add_cuts(
    h: highspy.Highs, dec: Decomposition, x: np.ndarray, at: np.ndarray, answers: list[BlockAnswer]
) -> int:
    """Cuts from blocks solved at ``at`` that the master's point ``x`` violates.

    Optimality: theta_b <= Q + cut . (x - at). Phase one: the violation F + cut . (x - at) <= 0.
    """
    n_own = len(dec.master_columns)
    lowers, uppers, starts, indices, values = [], [], [0], [], []
    for answer in answers:
        coefficients = answer.cut
        predicted = answer.value + float(coefficients @ (x - at))
        if answer.feasible:
            theta_index = n_own + answer.index
            if x[theta_index] <= predicted + CUT_TOLERANCE * max(1.0, abs(predicted)):
                continue
            # theta - cut . x <= Q - cut . at
            row = -coefficients.copy()
            row[theta_index] += 1.0
            lowers.append(-INF)
            uppers.append(answer.value - float(coefficients @ at))
        else:
            if predicted <= CUT_TOLERANCE * max(1.0, answer.value):
                continue
            # cut . x <= cut . at - F
            row = coefficients.copy()
            lowers.append(-INF)
            uppers.append(float(coefficients @ at) - answer.value)
        nonzero = np.flatnonzero(np.abs(row) > 1e-12)
        indices.extend(nonzero.tolist())
        values.extend(row[nonzero].tolist())
        starts.append(len(indices))
    if not lowers:
        return 0
    h.addRows(
        len(lowers),
        np.array(lowers),
        np.array(uppers),
        len(indices),
        np.array(starts[:-1], dtype=np.int32),
        np.array(indices, dtype=np.int32),
        np.array(values, dtype=float),
    )
    return len(lowers)


def evaluate_plan(
    h: highspy.Highs, master: Master, dec: Decomposition, x: np.ndarray, answers: list[BlockAnswer]
) -> tuple[float, np.ndarray, np.ndarray, list[BlockAnswer], np.ndarray] | None:
    """The plan at x^ as it really is: integers and allocations fixed, theta at the blocks' values,
    the rest of the master re-optimised. None if that is infeasible (a CVaR floor the blocks miss).
    Returns (objective, x^, master values, answers, d objective / d theta)."""
    n_own, n_blocks = len(dec.master_columns), len(dec.blocks)
    lp = h.getLp()
    others = np.setdiff1d(dec.coupled, master.integers)  # continuous columns the blocks saw
    fixed = np.concatenate(
        [
            master.integers,
            np.arange(n_own, n_own + n_blocks),
            np.arange(n_own + n_blocks, dec.num_master),
            others,
        ]
    ).astype(np.int32)
    values = x[fixed].copy()
    values[: len(master.integers)] = np.round(values[: len(master.integers)])
    values[len(master.integers) : len(master.integers) + n_blocks] = [a.value for a in answers]
    evaluator = quiet_highs()
    evaluator.passModel(lp)
    evaluator.changeColsIntegrality(
        len(master.integers), master.integers, np.zeros(len(master.integers), dtype=np.uint8)
    )
    evaluator.changeColsBounds(len(fixed), fixed, values, values)
    evaluator.run()
    if evaluator.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    solution = evaluator.getSolution()
    weights = np.asarray(solution.col_dual)[n_own : n_own + n_blocks]
    return (
        float(evaluator.getInfo().objective_function_value),
        x.copy(),
        np.asarray(solution.col_value),
        answers,
        weights,
    )


def full_master_solution(best: tuple[Any, ...], n_own: int, n_blocks: int, n: int) -> highspy.HighsSolution:
    """The best plan as a complete master solution (it meets every cut: cuts over-estimate Q)."""
    solution = highspy.HighsSolution()
    solution.col_value = list(best[2])
    solution.value_valid = True
    return solution


def solve_decomposed(
    model: Any,
    scenarios: Sequence[str],
    options: SolverOptions,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    notify: Callable[[str], None] | None = None,
) -> SolveResult:
    """Solve a model built with ``create_model(d, decomposable=True)``; the Pyomo variables get the plan.

    The scenario NPVs are compiled as extra objectives (``npv[s]``) so that each block's
    objective and the CVaR tail rows can be recognised.
    """
    import pyomo.core as pyo

    started = time.perf_counter()
    model.scenario_npv_objective = pyo.Objective(
        list(scenarios), rule=lambda m, s: m.npv[s], sense=pyo.maximize
    )
    try:
        compiled = compile_model(model)
    finally:
        model.del_component(model.scenario_npv_objective)
    if options.write_model is not None:
        writer = quiet_highs()
        writer.passModel(solver_lp(compiled))  # the extensive form, as a whole-MIP solve hands it over
        write_model_file(writer, options.write_model)
    compiled_at = time.perf_counter()
    outcome = solve_benders(compiled, scenarios, options, jobs=jobs, scheduler=scheduler, notify=notify)
    solved_at = time.perf_counter()
    lp = compiled.lp
    result = SolveResult(
        status=outcome.status,
        highs_status=f"Benders: {outcome.rounds} rounds, {outcome.cuts} cuts",
        objective=outcome.objective,
        bound=outcome.bound,
        mip_gap=relative_gap(outcome.bound, outcome.objective)
        if outcome.objective is not None and outcome.bound is not None
        else None,
        compile_s=compiled_at - started,
        handoff_s=0.0,
        solve_s=solved_at - compiled_at,
        num_cols=lp.num_col_,
        num_rows=lp.num_row_,
        num_nonzeros=compiled.num_nonzeros,
        method="benders",
    )
    if outcome.master_values is None:
        return result
    dec_columns = compiled.columns
    for j, value in zip(outcome.master_columns, outcome.master_values, strict=True):
        var = dec_columns[j]
        var.set_value(
            round(value) if var.is_integer() or var.is_binary() else float(value), skip_validation=True
        )
    blocks = outcome.block_parts
    duals: dict[Any, float] = {}
    constraint_of_row = dict(compiled.rows.pyomo_rows()) if options.duals else {}
    weights = outcome.theta_weights if outcome.theta_weights is not None else np.zeros(len(blocks))
    for answer in outcome.block_answers:
        if answer.solution is None or answer.row_duals is None:
            continue
        columns, rows = blocks[answer.index]
        for j, value in zip(columns, answer.solution, strict=True):
            dec_columns[j].set_value(float(value), skip_validation=True)
        if options.duals:
            for r, dual in zip(rows, answer.row_duals, strict=True):
                row = constraint_of_row.get(r)
                if row is not None:
                    duals[row] = duals.get(row, 0.0) + float(weights[answer.index]) * float(dual)
    result.row_duals = duals
    for var in model.component_data_objects(pyo.Var, descend_into=True):
        if var.value is None:  # in no row and with no cost: a decision that changes nothing
            var.set_value(0, skip_validation=True)
    return result
