"""A Pyomo model as sparse matrices: the same rows, columns and numbers as Pyomo's
``LinearStandardFormCompiler`` (mixed form), in less time.

Pyomo's compiler walks every constraint with its general expression visitor: about 15-20 us
a row, much of it setting up and tearing down the walk (104 s for the large case's 4.4M
rows; 80 s here, with half of those rows built from arrays). Our rules write every row as
sums of coefficient-times-variable terms, so the rows are read here directly: sums, linear
expressions, monomials, products and divisions by a number, negations, named expressions,
variables and numbers, each coefficient computed with the operations Pyomo's visitor uses,
in the same order. Anything else (a product of two sums, a parameter expression) is handed
to Pyomo's own visitor for that row, so no shape of expression is ever misread.

Columns come in Pyomo's order (each variable family in full at its first appearance, in
index order; then the families' unused and fixed members dropped, fixed values moved to the
right-hand sides) and rows in the model's order, so HiGHS receives the same model as before
(``tests/test_standard_form.py`` compares the two compilers entry by entry). One difference:
a ranged row stays one row with both bounds (Pyomo's mixed form splits it in two).

Row families built from arrays (``optimizer.models.arrays``) are put in where they were
declared among the model's constraints, with the terms Pyomo would have read.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import pyomo.core as pyo
from pyomo.common.errors import InfeasibleConstraintException
from pyomo.common.numeric_types import native_numeric_types, native_types
from pyomo.core.base.enums import SortComponents
from pyomo.core.base.var import VarData
from pyomo.core.expr.numeric_expr import (
    DivisionExpression,
    LinearExpression,
    MonomialTermExpression,
    NegationExpression,
    ProductExpression,
    SumExpression,
)
from pyomo.core.expr.numvalue import NumericConstant
from pyomo.core.expr.relational_expr import EqualityExpression, InequalityExpression
from pyomo.repn.linear import LinearRepnVisitor
from pyomo.repn.util import TemplateVarRecorder

from optimizer.models.arrays import ArrayRows, LinearRows, RowFamily, families
from optimizer.solvers.sparse import SparseRows

NUMBERS = native_numeric_types  # Pyomo's own set: int, float and NumPy's numbers
ORDERED = SortComponents.ORDERED_INDICES


@dataclass
class StandardForm:
    """``row_lower <= A x <= row_upper``; objectives ``c x + c_offset``, one row of ``c`` each."""

    c: SparseRows  # objectives x columns
    c_offset: np.ndarray
    a: SparseRows  # rows x columns
    row_lower: np.ndarray  # -inf where a row has no lower bound
    row_upper: np.ndarray  # +inf where a row has no upper bound
    rows: Rows  # the Pyomo constraint of each row (a family's: ``ArrayRow``)
    columns: list[Any]  # the Pyomo variable of each column
    objectives: list[Any]  # the active Pyomo objectives, in order
    read_by_pyomo: int = 0  # rows and objectives our reader handed to Pyomo's visitor (slow)


class Rows(Sequence[Any]):
    """The constraint of each row: Pyomo's constraints as they are, a family's rows made only
    when asked for (``ArrayRow``; a large case has millions)."""

    def __init__(self) -> None:
        self.parts: list[list[Any] | tuple[RowFamily, np.ndarray]] = []
        self.ends: list[int] = []  # the row after each part

    def extend_pyomo(self, constraints: list[Any]) -> None:
        if constraints:
            self.parts.append(constraints)
            self.ends.append(len(self) + len(constraints))

    def extend_family(self, family: RowFamily, kept: np.ndarray) -> None:
        if len(kept):
            self.parts.append((family, kept))
            self.ends.append(len(self) + len(kept))

    def __len__(self) -> int:
        return self.ends[-1] if self.ends else 0

    @overload
    def __getitem__(self, i: int) -> Any: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Any]: ...
    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        k = bisect.bisect_right(self.ends, i)
        if not 0 <= i < len(self):
            raise IndexError(i)
        part, offset = self.parts[k], i - (self.ends[k - 1] if k else 0)
        if isinstance(part, list):
            return part[offset]
        family, kept = part
        return family.row(int(kept[offset]))

    def __iter__(self) -> Iterator[Any]:
        for part in self.parts:
            if isinstance(part, list):
                yield from part
            else:
                family, kept = part
                yield from (family.row(i) for i in kept.tolist())

    def pyomo_rows(self) -> Iterator[tuple[int, Any]]:
        """(row number, constraint) of the rows that are Pyomo constraints."""
        start = 0
        for part, end in zip(self.parts, self.ends, strict=True):
            if isinstance(part, list):
                yield from enumerate(part, start)
            start = end


class UnreadTerm(Exception):
    """A term the direct reader does not know: the row goes to Pyomo's visitor."""


class Terms:
    """A linear part being read, as Pyomo's ``LinearRepn``: coefficients by column, a
    constant, and a multiplier (from products and negations) applied when it is added to its
    parent sum, in the same order of operations, so every number rounds as Pyomo's does."""

    __slots__ = ("constant", "linear", "multiplier")

    def __init__(self) -> None:
        self.linear: dict[int, Any] = {}
        self.constant: Any = 0
        self.multiplier: Any = 1

    def add(self, child: Any) -> None:
        """``LinearRepn.append``: a child's result (a number, or ``Terms``) joins this sum."""
        if child.__class__ is not Terms:
            self.constant += child
            return
        mult = child.multiplier
        linear = self.linear
        if not linear:  # the first terms of this sum (a 4M-term expected NPV): made in one go
            if mult == 1:
                self.constant += child.constant
                self.linear = dict(child.linear)
            elif mult:
                if child.constant:
                    self.constant += mult * child.constant
                self.linear = {key: mult * coef for key, coef in child.linear.items()}
            return
        if mult == 1:
            self.constant += child.constant
            for key, coef in child.linear.items():
                if key in linear:
                    linear[key] += coef
                else:
                    linear[key] = coef
        elif mult:
            if child.constant:
                self.constant += mult * child.constant
            for key, coef in child.linear.items():
                if key in linear:
                    linear[key] += mult * coef
                else:
                    linear[key] = mult * coef

    def copy(self) -> Terms:
        """A use of a remembered reading: its own multiplier, the coefficients shared (a sum
        only reads its children's coefficients, never writes them)."""
        terms = Terms()
        terms.linear, terms.constant, terms.multiplier = self.linear, self.constant, self.multiplier
        return terms

    def settled(self) -> Any:
        """How a finished sum leaves its node: itself, or its constant if it has no terms."""
        return self if self.linear else self.multiplier * self.constant


class RowReader:
    """Reads linear expressions into {column: coefficient} and a constant, computing each
    coefficient with the operations Pyomo's ``LinearRepnVisitor`` uses, in the same order."""

    def __init__(self) -> None:
        self.recorder = TemplateVarRecorder({}, ORDERED)
        self.var_map: dict[int, Any] = self.recorder.var_map
        self.column: dict[int, int] = self.recorder.var_order  # variable id -> column, kept up by add
        self.visitor = LinearRepnVisitor({}, var_recorder=self.recorder)
        self.named: dict[int, Any] = {}  # named expression id -> its reading
        self.read_by_pyomo = 0  # expressions handed to Pyomo's visitor

    def read(self, expr: Any) -> Any:
        """A number, or ``Terms``; ``UnreadTerm`` for a node this reader does not know."""
        cls = expr.__class__
        if cls in NUMBERS:
            return expr
        if cls is MonomialTermExpression:
            coef, var = expr.args
            if coef.__class__ not in NUMBERS:
                raise UnreadTerm
            return self.monomial(coef, var)
        if cls is LinearExpression:
            return self.linear_expression(expr)
        if cls is SumExpression:
            terms = Terms()
            for arg in expr.args:
                terms.add(self.read(arg))
            return terms.settled()
        if cls is ProductExpression:
            left, right = (self.read(arg) for arg in expr.args)
            if left.__class__ is not Terms:
                if right.__class__ is not Terms:
                    return left * right
                right.multiplier *= left
                return right
            if right.__class__ is not Terms:
                left.multiplier *= right
                return left
            raise UnreadTerm
        if cls is DivisionExpression:  # by a number: the CVaR's tail mean over (1 - alpha)
            numerator, divisor = (self.read(arg) for arg in expr.args)
            if divisor.__class__ is Terms or not divisor:
                raise UnreadTerm  # by an expression, or by zero: Pyomo's visitor decides
            if numerator.__class__ is not Terms:
                return numerator / divisor
            numerator.multiplier = numerator.multiplier / divisor
            return numerator
        if cls is NegationExpression:
            inner = self.read(expr.args[0])
            if inner.__class__ is not Terms:
                return -1 * inner
            inner.multiplier *= -1
            return inner
        if cls is NumericConstant:  # a named expression of a constant (a plant's backed sales of 0)
            if expr.value.__class__ not in NUMBERS:
                raise UnreadTerm
            return expr.value
        if expr.is_variable_type():
            return self.monomial(1, expr)
        if expr.is_named_expression_type():
            return self.named_expression(expr)
        raise UnreadTerm

    def named_expression(self, expr: Any) -> Any:
        """Read once and remembered (an NPV is in the objective, a CVaR row and a scenario's
        objective); each use gets its own copy, as Pyomo's subexpression cache gives."""
        key = id(expr)
        if key not in self.named:
            self.named[key] = self.read(expr.expr)
        result = self.named[key]
        return result.copy() if result.__class__ is Terms else result

    def record(self, terms: Terms, coef: Any, var: Any) -> None:
        """Pyomo's ``record_monomial``: a fixed variable of a family not yet seen is a constant."""
        key = self.column.get(id(var))
        if key is None:
            if var.fixed:
                terms.constant += coef * var.value
                return
            self.recorder.add(var)
            key = self.column[id(var)]
        if key in terms.linear:
            terms.linear[key] += coef
        elif coef:
            terms.linear[key] = coef

    def monomial(self, coef: Any, var: Any) -> Any:
        terms = Terms()
        self.record(terms, coef, var)
        return terms if terms.linear else terms.constant

    def linear_expression(self, expr: Any) -> Any:
        """Pyomo's ``_before_linear``: numbers summed apart, then added to the constant.
        ``record`` written out for a variable of a family already met (most of a large
        model's 25M terms pass here)."""
        terms = Terms()
        linear, column = terms.linear, self.column
        numbers: Any = 0
        for arg in expr.args:
            cls = arg.__class__
            if cls is MonomialTermExpression:
                coef, var = arg.args
                if coef.__class__ not in NUMBERS:
                    raise UnreadTerm
            elif cls is VarData or (cls not in NUMBERS and arg.is_variable_type()):
                coef, var = 1, arg
            elif cls in NUMBERS:
                numbers += arg
                continue
            else:
                raise UnreadTerm
            key = column.get(id(var))
            if key is None:
                self.record(terms, coef, var)
            elif key in linear:
                linear[key] += coef
            elif coef:
                linear[key] = coef
        terms.constant += numbers
        return terms if terms.linear else terms.constant

    def read_body(self, body: Any) -> tuple[dict[int, float], float]:
        """A whole expression: its nonzero coefficients and its constant (Pyomo's
        ``finalizeResult``: the multiplier is factored in, zeros dropped)."""
        try:
            result = self.read(body)
        except UnreadTerm:
            self.read_by_pyomo += 1
            repn = self.visitor.walk_expression(body)
            if repn.nonlinear is not None:
                raise ValueError(f"{body} is not linear") from None
            return {self.column[key]: coef for key, coef in repn.linear.items()}, repn.constant
        if result.__class__ is not Terms:
            return {}, result
        mult = result.multiplier
        if mult == 1:
            return nonzero(result.linear), result.constant
        if not mult:
            return {}, 0
        scaled = {key: mult * coef for key, coef in result.linear.items()}
        return nonzero(scaled), (result.constant * mult if result.constant else result.constant)

    def read_row(self, con: Any) -> tuple[dict[int, float], float, float | None, float | None]:
        """The row's terms, their constant, and its bounds (before the constant is moved).

        The body and bounds are Pyomo's ``to_bounded_expression`` (a constant side is the
        bound, else ``lhs - rhs`` against 0), so rows keep their sign; a constant side is
        read as it stands, without building the body.
        """
        expr = con.expr
        cls = expr.__class__
        if cls is EqualityExpression or (cls is InequalityExpression and not expr.strict):
            equality = cls is EqualityExpression
            lhs, rhs = expr.args
            if is_constant(rhs):
                linear, constant = self.read_body(lhs)
                bound = float(pyo.value(rhs))
                return linear, constant, bound if equality else None, bound
            if is_constant(lhs):
                linear, constant = self.read_body(rhs)
                bound = float(pyo.value(lhs))
                return linear, constant, bound, bound if equality else None
        lb, body, ub = con.to_bounded_expression()
        linear, constant = self.read_body(body)
        return linear, constant, none_or_value(lb), none_or_value(ub)

    def read_objective(self, obj: Any) -> tuple[dict[int, float], float]:
        return self.read_body(obj.expr)


def nonzero(linear: dict[int, float]) -> dict[int, float]:
    if all(linear.values()):
        return linear
    return {k: v for k, v in linear.items() if v}


def is_constant(expr: Any) -> bool:
    return expr.__class__ in native_types or not expr.is_potentially_variable()


def none_or_value(bound: Any) -> float | None:
    return None if bound is None else float(pyo.value(bound))


class MatrixRows:
    """The constraint matrix, row by row as it is read: column indices, values, row starts."""

    def __init__(self) -> None:
        self.index: list[np.ndarray] = []
        self.data: list[np.ndarray] = []
        self.lengths: list[np.ndarray] = []
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.rows = Rows()

    def add_pyomo_rows(self, reader: RowReader, constraints: Iterable[Any]) -> None:
        index: list[int] = []
        data: list[float] = []
        lengths: list[int] = []
        lower: list[float] = []
        upper: list[float] = []
        rows: list[Any] = []
        for con in constraints:
            linear, constant, lb, ub = reader.read_row(con)
            if lb is None and ub is None:
                continue
            if not linear:
                if (lb is None or lb <= constant) and (ub is None or ub >= constant):
                    continue
                raise InfeasibleConstraintException(
                    f"model contains a trivially infeasible constraint, '{con.name}'"
                )
            rows.append(con)
            lower.append(-np.inf if lb is None else lb - constant)
            upper.append(np.inf if ub is None else ub - constant)
            index.extend(linear)
            data.extend(linear.values())
            lengths.append(len(linear))
        self.rows.extend_pyomo(rows)
        self.index.append(np.array(index, dtype=np.int64))
        self.data.append(np.array(data, dtype=float))
        self.lengths.append(np.array(lengths, dtype=np.int64))
        self.lower.append(np.array(lower, dtype=float))
        self.upper.append(np.array(upper, dtype=float))

    def add_family(self, reader: RowReader, family: RowFamily) -> None:
        if isinstance(family, ArrayRows):
            self.add_array_rows(reader, family)
        elif isinstance(family, LinearRows):
            self.add_linear_rows(reader, family)
        else:
            raise TypeError(f"{family.name}: no reader for {type(family).__name__}")

    def add_array_rows(self, reader: RowReader, family: ArrayRows) -> None:
        """A family's rows, term by term; each row's terms in order, as Pyomo would read them."""
        read = [entry_columns(reader, coefs, variables) for coefs, variables in family.terms]
        columns = np.column_stack([cols for cols, _ in read])
        coefs = np.column_stack([coef for coef, _ in family.terms])
        constant = sum((fixed for _, fixed in read), np.zeros(len(family)))
        present = (columns >= 0) & (coefs != 0.0)
        self.add_rows(family, columns[present], coefs[present], present.sum(axis=1), constant)

    def add_linear_rows(self, reader: RowReader, family: LinearRows) -> None:
        """All the family's terms at once, in row order and each row's term order (Pyomo's)."""
        columns, fixed = entry_columns(reader, family.coefs, family.variables)
        row_of_entry = np.repeat(np.arange(len(family)), np.diff(family.starts))
        constant = np.bincount(row_of_entry, weights=fixed, minlength=len(family))  # in order, as Pyomo adds
        present = (columns >= 0) & (family.coefs != 0.0)
        lengths = np.bincount(row_of_entry[present], minlength=len(family))
        self.add_rows(family, columns[present], family.coefs[present], lengths, constant)

    def add_rows(
        self,
        family: RowFamily,
        columns: np.ndarray,
        coefs: np.ndarray,
        lengths: np.ndarray,
        constant: np.ndarray,
    ) -> None:
        """A family's terms (row by row) in the matrix; a row with none left (every term fixed)
        is a constant row, dropped if it holds (as Pyomo does)."""
        lower, upper = family.lower - constant, family.upper - constant
        keep = lengths > 0
        if not keep.all():
            broken = ~keep & ((lower > 0) | (upper < 0))
            if broken.any():
                name = family.row_name(int(np.flatnonzero(broken)[0]))
                raise InfeasibleConstraintException(
                    f"model contains a trivially infeasible constraint, '{name}'"
                )
        self.index.append(columns)
        self.data.append(coefs)
        self.lengths.append(lengths[keep])
        self.lower.append(lower[keep])
        self.upper.append(upper[keep])
        self.rows.extend_family(family, np.flatnonzero(keep))

    def matrix(self, n_columns: int) -> tuple[SparseRows, np.ndarray, np.ndarray]:
        lengths = np.concatenate(self.lengths) if self.lengths else np.zeros(0, dtype=np.int64)
        starts = np.concatenate(([0], np.cumsum(lengths)))
        a = SparseRows.from_parts(
            np.concatenate(self.data), np.concatenate(self.index), starts, (len(lengths), n_columns)
        )
        return a, np.concatenate(self.lower), np.concatenate(self.upper)


def entry_columns(
    reader: RowReader, coefs: np.ndarray, variables: Sequence[Any]
) -> tuple[np.ndarray, np.ndarray]:
    """The column of each term (-1: none) and, where it is a fixed variable of a family not yet
    seen, its value times its coefficient (Pyomo's visitor makes that a constant and leaves
    the variable's family unrecorded). Families not yet seen are recorded in the order of
    ``variables``: Pyomo's for a ``LinearRows`` (row by row); for an ``ArrayRows``, term k of
    every row before term k + 1: Pyomo's order whenever at most one of its variable families is
    met there for the first time (so in our models: the compiler tests compare the columns)."""
    order = reader.column
    columns = np.fromiter(
        (-2 if var is None else order.get(id(var), -1) for var in variables),
        dtype=np.int64,
        count=len(variables),
    )
    constant = np.zeros(len(variables))
    for i in np.flatnonzero(columns == -1).tolist():
        var = variables[i]
        if id(var) not in order:
            if var.fixed:
                constant[i] = coefs[i] * var.value
                continue
            reader.recorder.add(var)
        columns[i] = order[id(var)]
    return columns, constant


def linear_standard_form(model: pyo.ConcreteModel) -> StandardForm:
    """Every active objective and constraint of ``model`` (and its array-built row families,
    each where it was declared) as sparse matrices. The model is flat: its constraints are
    its own (a sub-block's would be left out, so one is refused)."""
    blocks = [block.name for block in model.component_objects(pyo.Block, descend_into=False)]
    if blocks:
        raise ValueError(
            f"the model has sub-blocks ({', '.join(blocks)}); the compiler reads flat models only"
        )
    reader = RowReader()
    objectives = list(model.component_data_objects(pyo.Objective, active=True, sort=ORDERED))
    objective_terms = [reader.read_objective(obj) for obj in objectives]

    matrix = MatrixRows()
    waiting = list(families(model))  # our own list to take from: the model's stays whole
    for declared, component in enumerate(
        model.component_objects(pyo.Constraint, descend_into=False, sort=ORDERED)
    ):
        while waiting and waiting[0].after_constraints <= declared:
            matrix.add_family(reader, waiting.pop(0))
        if component.active:
            matrix.add_pyomo_rows(reader, (con for con in component.values(ORDERED) if con.active))
    for family in waiting:
        matrix.add_family(reader, family)

    columns = list(reader.var_map.values())
    c = to_csr([terms for terms, _ in objective_terms], len(columns))
    a, row_lower, row_upper = matrix.matrix(len(columns))
    c_offset = np.array([constant for _, constant in objective_terms], dtype=float)

    used = (a.entries_per_column() > 0) | (c.entries_per_column() > 0)
    fixed = np.fromiter((var.fixed for var in columns), dtype=bool, count=len(columns)) & used
    if fixed.any():
        values = np.array([columns[j].value for j in np.flatnonzero(fixed)], dtype=float)
        c_offset = c_offset + c.times_columns(fixed, values)
        moved = a.times_columns(fixed, values)
        row_lower, row_upper = row_lower - moved, row_upper - moved
        used &= ~fixed
    if not used.all():  # columns in no row and no objective, or fixed: dropped
        keep = np.flatnonzero(used)
        a, c, columns = a.with_columns(keep), c.with_columns(keep), [columns[j] for j in keep]
    return StandardForm(
        c=c,
        c_offset=c_offset,
        a=a,
        row_lower=row_lower,
        row_upper=row_upper,
        rows=matrix.rows,
        columns=columns,
        objectives=objectives,
        read_by_pyomo=reader.read_by_pyomo,
    )


def to_csr(rows: Iterable[dict[int, float]], n_columns: int) -> SparseRows:
    """One sparse row per {column: coefficient}."""
    starts = [0]
    index: list[int] = []
    data: list[float] = []
    for terms in rows:
        index.extend(terms)
        data.extend(terms.values())
        starts.append(len(index))
    return SparseRows.from_parts(data, index, starts, (len(starts) - 1, n_columns))
