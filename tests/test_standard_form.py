"""Our standard form against Pyomo's own compiler: the same rows, columns and numbers, exactly.

``optimizer.solvers.standard_form`` reads flat sums itself and builds the array-built row
families (``optimizer.models.arrays``) from arrays; both must hand HiGHS exactly what Pyomo's
``LinearStandardFormCompiler`` would have, so that no plan moves when the compiler does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyomo.core as pyo
import pytest
import scipy.sparse as sp
from optimizer.models import contracts, create_model, operations, prepare
from optimizer.models.arrays import ArrayRow, add_definition_rows, add_upper_bound_rows, families
from optimizer.models.common import linear_sum, members, solved_value
from pyomo.common.errors import InfeasibleConstraintException
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from optimizer import Case
from optimizer.solvers.sparse import SparseRows
from optimizer.solvers.standard_form import StandardForm, linear_standard_form

EXAMPLE = Path(__file__).parents[1] / "examples" / "india_japan.xlsx"


def assert_same_as_pyomo(ours: StandardForm, model: pyo.ConcreteModel) -> None:
    info = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
    assert [id(v) for v in ours.columns] == [id(v) for v in info.columns]
    names = [row.name for row in ours.rows]
    assert names == [con.name for con, _ in info.rows]
    sense = np.array([multiplier for _, multiplier in info.rows])
    rhs = np.asarray(info.rhs, dtype=float)
    np.testing.assert_array_equal(ours.row_lower, np.where(sense <= 0, rhs, -np.inf))
    np.testing.assert_array_equal(ours.row_upper, np.where(sense >= 0, rhs, np.inf))
    for mine, theirs in ((ours.a, info.A), (ours.c, info.c)):
        mine, theirs = mine.to_scipy(), sp_csr(theirs)
        mine.sort_indices()
        np.testing.assert_array_equal(mine.indptr, theirs.indptr)
        np.testing.assert_array_equal(mine.indices, theirs.indices)
        np.testing.assert_array_equal(mine.data, theirs.data)  # exactly: same rounding
    np.testing.assert_array_equal(ours.c_offset, np.asarray(info.c_offset, dtype=float))


def sp_csr(matrix: Any) -> Any:
    csr = matrix.tocsr()
    csr.sort_indices()
    return csr


def test_every_shape_of_expression_reads_as_pyomo_reads_it() -> None:
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(4), bounds=(0, 10))
    m.y = pyo.Var(bounds=(0, 1), domain=pyo.Binary)
    m.z = pyo.Var(["a", "b"])
    m.z["b"].fix(3.0)
    m.unused = pyo.Var()
    m.e = pyo.Expression(expr=2 * m.x[0] + 0.1 * m.x[1] - 0.7)
    m.nothing = pyo.Expression(expr=0.0)  # Pyomo holds it as a NumericConstant
    m.flat = pyo.Constraint(expr=m.x[0] + 2 * m.x[1] - 3 * m.x[0] <= 5)
    m.flipped = pyo.Constraint(expr=4 >= m.x[2] + m.y)  # noqa: SIM300 (the constant side first, on purpose)
    m.lower = pyo.Constraint(expr=1 <= m.x[3] - m.x[2])  # noqa: SIM300
    m.both_sides = pyo.Constraint(expr=m.x[0] + 1 == 2 * m.x[1] - m.x[0] + 0.25)
    m.nested = pyo.Constraint(expr=0.1 * (m.x[0] + 0.2 * (m.x[1] + m.x[0]) - (m.x[2] - 1)) >= m.y)
    m.named = pyo.Constraint(expr=m.e + 3 * m.e <= m.x[3])
    m.named_again = pyo.Constraint(expr=-m.e - 0.5 * m.e >= m.x[2] - 8)  # a remembered reading reused
    m.big_first = pyo.Constraint(expr=0.3 * (m.e + m.x[3]) + m.x[3] - m.e <= 2)
    m.fixed = pyo.Constraint(expr=m.z["a"] + 2 * m.z["b"] >= 1)
    m.minus_nothing = pyo.Constraint(expr=m.x[1] <= m.x[2] - (m.nothing - 0.5 * m.e))
    m.constant = pyo.Constraint(expr=m.z["b"] <= 4)  # only a fixed variable: dropped
    m.divided = pyo.Constraint(expr=(m.x[0] + 0.3 * m.e) / 0.7 - m.x[1] / 3 + (1 - 0.9) / 0.3 <= 4)
    m.rate = pyo.Param(initialize=0.8, mutable=True)
    m.divided_by_param = pyo.Constraint(expr=m.x[0] / m.rate <= 1)  # not a number: Pyomo's visitor
    m.indexed = pyo.Constraint(range(3), rule=lambda m, i: m.x[i] <= (i + 1) * m.y)
    m.off = pyo.Constraint(expr=m.x[1] <= 0)
    m.off.deactivate()
    m.objective = pyo.Objective(
        expr=m.e - 2 * m.x[1] + (5 * m.z["b"] + m.x[2]) / 0.95 + 1, sense=pyo.maximize
    )
    ours = linear_standard_form(m)
    assert_same_as_pyomo(ours, m)
    assert ours.read_by_pyomo == 1  # the division by a parameter; every other row read directly


def test_a_ranged_row_is_one_row_with_both_bounds() -> None:
    """Pyomo's mixed form splits it in two rows; HiGHS takes ranges, and one row has one dual."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(2))
    m.ranged = pyo.Constraint(expr=pyo.inequality(-1, m.x[0] - m.x[1] + 0.5, 2))
    m.objective = pyo.Objective(expr=m.x[0])
    form = linear_standard_form(m)
    assert [row.name for row in form.rows] == ["ranged"]
    assert form.a.to_scipy().toarray().tolist() == [[1.0, -1.0]]
    assert (form.row_lower.tolist(), form.row_upper.tolist()) == ([-1.5], [1.5])


def test_a_model_with_a_sub_block_is_refused_not_half_read() -> None:
    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.part = pyo.Block()
    m.part.limit = pyo.Constraint(expr=m.x <= 1)
    m.objective = pyo.Objective(expr=m.x, sense=pyo.maximize)
    with pytest.raises(ValueError, match="sub-blocks"):
        linear_standard_form(m)


def test_a_constant_row_that_fails_is_reported() -> None:
    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.x.fix(2.0)
    m.too_small = pyo.Constraint(expr=m.x >= 3)
    m.objective = pyo.Objective(expr=m.x)
    with pytest.raises(InfeasibleConstraintException, match="too_small"):
        linear_standard_form(m)


def add_as_pyomo_constraint(m: pyo.ConcreteModel, name: str, rows: Any, doc: str) -> None:
    """What an array-built family stands for, written as a Pyomo constraint."""
    terms = {key: (x, coef, y) for key, x, coef, y in rows}
    m.add_component(
        name,
        pyo.Constraint(
            list(terms), rule=lambda m, *key: terms[key][0] <= terms[key][1] * terms[key][2], doc=doc
        ),
    )


def add_definition_as_pyomo_constraint(m: pyo.ConcreteModel, name: str, rows: Any, doc: str) -> None:
    """What a family of definition rows stands for, written as a Pyomo constraint."""
    rows = {
        key: (defined, [(coef, var) for coef, group in groups for var in group])
        for key, defined, groups in rows
    }
    m.add_component(
        name,
        pyo.Constraint(list(rows), rule=lambda m, *key: rows[key][0] == linear_sum(rows[key][1]), doc=doc),
    )


def test_definition_rows_read_as_pyomo_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows of any length from arrays: zero coefficients, fixed variables of a family seen
    before (a column moved to the bound) and of one not seen (a constant), a row of no terms."""

    def model(add: Any) -> pyo.ConcreteModel:
        m = pyo.ConcreteModel()
        m.total = pyo.Var(range(4))
        m.x = pyo.Var(range(5), bounds=(0, 10))
        m.seen = pyo.Var(["a", "b"])
        m.unseen = pyo.Var(["a", "b"])
        m.seen["b"].fix(2.5)
        m.unseen["a"].fix(1.5)
        m.first = pyo.Constraint(expr=m.seen["a"] + m.x[4] <= 3)
        rows = [
            ((0,), m.total[0], [(0.1, [m.x[0]]), (0.0, [m.x[1]]), (1 / 3, [m.x[2], m.x[4]])]),
            ((1,), m.total[1], [(0.7, [m.seen["b"], m.unseen["a"]]), (2.0, [m.x[3]]), (5.0, [])]),
            ((2,), m.total[2], []),
            ((3,), m.total[3], [(1e-9, [m.unseen["b"]]), (-4.0, [m.x[0]])]),
        ]
        add(m, "defined", rows, doc="totals")
        m.last = pyo.Constraint(expr=m.total[0] + m.total[3] >= 1)
        m.objective = pyo.Objective(expr=sum(m.total.values()) - m.x[1])
        return m

    mine, reference = model(add_definition_rows), model(add_definition_as_pyomo_constraint)
    ours = linear_standard_form(mine)
    assert_same_as_pyomo(linear_standard_form(reference), reference)
    theirs = linear_standard_form(reference)
    assert [row.name for row in ours.rows] == [row.name for row in theirs.rows]
    assert [v.name for v in ours.columns] == [v.name for v in theirs.columns]
    np.testing.assert_array_equal(ours.row_lower, theirs.row_lower)
    np.testing.assert_array_equal(ours.row_upper, theirs.row_upper)
    assert (ours.a.to_scipy() != theirs.a.to_scipy()).nnz == 0
    with pytest.raises(ValueError, match="twice"):
        m = pyo.ConcreteModel()
        m.x = pyo.Var(range(2))
        add_definition_rows(m, "doubled", [((0,), m.x[0], [(1.0, [m.x[1]]), (2.0, [m.x[1]])])], doc="")


@pytest.mark.parametrize("decomposable", [False, True])
def test_array_built_rows_are_the_rows_pyomo_would_build(
    monkeypatch: pytest.MonkeyPatch, decomposable: bool
) -> None:
    d = prepare(Case.from_excel(EXAMPLE))
    model = create_model(d, decomposable=decomposable)
    ours = linear_standard_form(model)
    assert ours.read_by_pyomo == 0  # every row and the objective (its CVaR divides) read directly
    built = {row.family for row in ours.rows if isinstance(row, ArrayRow)}
    assert {"deliveries_only_from_operating_plants", "shortfall_only_when_signed"} <= built
    if decomposable:  # revenue-share limits by year and scenario
        assert {"member_revenue_definition", "year_revenue_definition"} <= built
    for module in (operations, contracts):
        monkeypatch.setattr(module, "add_upper_bound_rows", add_as_pyomo_constraint)
    monkeypatch.setattr(contracts, "add_definition_rows", add_definition_as_pyomo_constraint)
    reference = create_model(d, decomposable=decomposable)
    assert not families(reference)
    pyomo_rows = linear_standard_form(reference)  # the same rules, every row a Pyomo constraint
    assert_same_as_pyomo(pyomo_rows, reference)
    names = [row.name for row in pyomo_rows.rows]
    assert [row.name for row in ours.rows] == names
    assert len(ours.rows) == len(names)
    assert [ours.rows[i].name for i in (0, len(names) // 2, -1)] == [
        names[0],
        names[len(names) // 2],
        names[-1],
    ]
    pyomo_only = [(i, row.name) for i, row in ours.rows.pyomo_rows()]
    assert pyomo_only == [(i, name) for i, name in enumerate(names) if not name.startswith(tuple(built))]
    assert [v.name for v in ours.columns] == [v.name for v in pyomo_rows.columns]
    np.testing.assert_array_equal(ours.row_upper, pyomo_rows.row_upper)
    np.testing.assert_array_equal(ours.row_lower, pyomo_rows.row_lower)
    assert (ours.a.to_scipy() != pyomo_rows.a.to_scipy()).nnz == 0


def test_a_model_compiles_the_same_every_time() -> None:
    """A model is compiled again to evaluate another plan in it (the VSS) or after Benders
    gives up: its array-built rows must still be there."""
    model = create_model(prepare(Case.from_excel(EXAMPLE)))
    first, second = linear_standard_form(model), linear_standard_form(model)
    assert len(second.rows) == len(first.rows)
    assert [row.name for row in second.rows] == [row.name for row in first.rows]
    assert (first.a.to_scipy() != second.a.to_scipy()).nnz == 0


def test_a_fixed_bounding_variable_moves_to_the_bound() -> None:
    """Signing fixed (as a plan's re-solve fixes it): the row keeps its shortfall only."""
    m = pyo.ConcreteModel()
    m.short = pyo.Var(["k", "l"], bounds=(0, None))
    m.sign = pyo.Var(["k", "l"], domain=pyo.Binary)
    m.sign["k"].fix(1)
    m.sign["l"].fix(0)
    add_upper_bound_rows(
        m,
        "shortfall_only_when_signed",
        ((("k",), m.short["k"], 5.0, m.sign["k"]), (("l",), m.short["l"], 7.0, m.sign["l"])),
        "t",
    )
    m.objective = pyo.Objective(expr=m.short["k"] + m.short["l"], sense=pyo.maximize)
    form = linear_standard_form(m)
    assert [row.name for row in form.rows] == [
        "shortfall_only_when_signed[k]",
        "shortfall_only_when_signed[l]",
    ]
    assert form.a.to_scipy().toarray().tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert form.row_upper.tolist() == [5.0, 0.0]


def test_sparse_rows_compute_as_scipy_does() -> None:
    """The compiler's NumPy matrix against SciPy's, bit for bit: fixed columns moved to the right-hand
    side, columns dropped, the matrix by columns for HiGHS (rows' entries in the order read)."""
    rng = np.random.default_rng(7)
    rows, columns, per_row = 40, 30, 6
    indices = np.concatenate([rng.choice(columns, per_row, replace=False) for _ in range(rows)])
    data = rng.normal(size=rows * per_row) * 10.0 ** rng.integers(-6, 6, size=rows * per_row)
    indptr = np.arange(0, rows * per_row + 1, per_row)
    ours = SparseRows.from_parts(data, indices, indptr, (rows, columns))
    theirs = sp.csr_matrix((data, indices, indptr), shape=(rows, columns))
    fixed = rng.random(columns) < 0.4
    values = rng.normal(size=int(fixed.sum())) * 1e3
    np.testing.assert_array_equal(ours.times_columns(fixed, values), theirs[:, fixed] @ values)
    keep = np.flatnonzero(~fixed)
    kept, reference = ours.with_columns(keep), theirs[:, keep]
    for mine, other in (
        (kept.data, reference.data),
        (kept.indices, reference.indices),
        (kept.indptr, reference.indptr),
    ):
        np.testing.assert_array_equal(mine, other)
    by_columns = theirs.tocsc()
    for scipy_above in (10**9, 0):  # NumPy's way and, as for a large model, SciPy's
        start, index, value = ours.by_columns(scipy_above)
        np.testing.assert_array_equal(start, by_columns.indptr)
        np.testing.assert_array_equal(index, by_columns.indices)
        np.testing.assert_array_equal(value, by_columns.data)
    np.testing.assert_array_equal(ours.dense_row(3), theirs[3].toarray().ravel())


def test_no_command_imports_scipy_to_start() -> None:
    """SciPy makes Pyomo import scipy.stats too: half a second on every command. Only the
    decomposition imports SciPy, when it runs."""
    probe = "import sys, optimizer.cli; sys.exit('scipy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], check=False).returncode == 0


def test_solved_values_are_pyomos_to_the_last_bit() -> None:
    """The plan's NPV per scenario is read by ``solved_value``, not Pyomo's evaluator: the same
    number, with every variable at a value of its own."""
    model = create_model(prepare(Case.from_excel(EXAMPLE)))
    rng = np.random.default_rng(11)
    for var in model.component_data_objects(pyo.Var):
        var.set_value(float(rng.normal() * 10.0 ** rng.integers(-3, 4)), skip_validation=True)
    for expr in [*model.npv.values(), model.expected_npv, model.objective.expr]:
        assert solved_value(expr) == pyo.value(expr)
    bodies = [con.body for con in list(model.component_data_objects(pyo.Constraint))[::50]]
    assert all(solved_value(body) == pyo.value(body) for body in bodies)


def test_members_are_the_variables_pyomo_indexes() -> None:
    """``members`` reads Pyomo's own dictionary of a variable family: every member, under
    the key that ``var[key]`` and ``key in var`` use, and nothing else."""
    model = create_model(prepare(Case.from_excel(EXAMPLE)), decomposable=True)
    families_seen = 0
    for var in model.component_objects(pyo.Var, descend_into=False):
        found = members(var)
        assert len(found) == len(var)
        for key in var:
            assert key in found
            assert found[key] is var[key]
        families_seen += 1
    assert families_seen >= 10
    assert members(model.flow).get(("no such plant", "K", 2030, "base")) is None
