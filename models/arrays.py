"""Row families built from arrays, for the largest families of simple rows.

Pyomo spends about 25 us on each row it builds and compiles (an expression object, a
constraint object, then a walk of the expression); for the millions of two-term rows of a
large case (a delivery only from a running plant, a shortfall only against a signed
contract) that was most of the model build. Such a family is given here as one array per
term (``ArrayRows``), or for rows of many terms as one array of all their terms
(``LinearRows``: a large case's revenue definitions, 10M terms), and
``optimizer.solvers.standard_form`` puts its rows in the matrix where a Pyomo constraint
declared at the same point would have gone: same rows, same order, same numbers.

A family is not a Pyomo component: it has no duals table entry, is not relaxed by
``elastic`` and is always active. Use it only for rules that need none of that.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.core as pyo

Key = tuple[Any, ...]
FAMILIES = "array_row_families"
"""The model attribute holding its families, in the order they were added."""


@dataclass(frozen=True)
class RowFamily:
    """Rows ``lower[i] <= body[i] <= upper[i]``, one per key, declared among the constraints."""

    name: str
    doc: str
    keys: Sequence[Key]
    lower: np.ndarray
    upper: np.ndarray
    after_constraints: int  # Pyomo constraint components declared before it: where its rows go

    def __len__(self) -> int:
        return len(self.keys)

    def row_name(self, i: int) -> str:
        """As Pyomo names a constraint: ``name[a,b,c]``."""
        return f"{self.name}[{','.join(map(str, self.keys[i]))}]"

    def row(self, i: int) -> ArrayRow:
        return ArrayRow(self.name, self.keys[i], self.row_name(i))


@dataclass(frozen=True)
class ArrayRows(RowFamily):
    """Rows ``lower[i] <= sum_k coefs_k[i] * variables_k[i] <= upper[i]``: a few terms each.

    ``terms`` holds one (coefficients, variables) pair per term of the rows; a variable of
    ``None`` means row i has no such term.
    """

    terms: Sequence[tuple[np.ndarray, Sequence[Any]]]


@dataclass(frozen=True)
class LinearRows(RowFamily):
    """Rows of any length: row i is ``sum_j coefs[j] * variables[j]`` over ``j`` from
    ``starts[i]`` to ``starts[i + 1]``, each variable at most once in a row."""

    starts: np.ndarray
    coefs: np.ndarray
    variables: Sequence[Any]


@dataclass(frozen=True)
class ArrayRow:
    """One row of a family, where code expects a Pyomo constraint (a name, a key, equality)."""

    family: str
    key: Key
    name: str


def families(m: pyo.ConcreteModel) -> tuple[RowFamily, ...]:
    """The model's array-built row families, in the order they were declared (a tuple: the
    model's own record is never changed by a reader, so it is compiled the same every time)."""
    found: tuple[RowFamily, ...] = getattr(m, FAMILIES, ())
    return found


def add_upper_bound_rows(
    m: pyo.ConcreteModel, name: str, rows: Iterable[tuple[Key, Any, float, Any]], doc: str
) -> None:
    """Rows ``x <= coef * y``, one per (key, x, coef, y) of ``rows``; a ``y`` of 0 (a variable
    the sparse index does not have) makes the row ``x <= 0``."""
    keys: list[Key] = []
    xs: list[Any] = []
    coefs: list[float] = []
    ys: list[Any] = []
    for key, x, coef, y in rows:
        keys.append(key)
        xs.append(x)
        coefs.append(-coef)
        ys.append(None if isinstance(y, int) else y)
    add_family(
        m,
        ArrayRows(
            name=name,
            doc=doc,
            keys=keys,
            lower=np.full(len(keys), -np.inf),
            upper=np.zeros(len(keys)),
            after_constraints=constraints_declared(m),
            terms=[(np.ones(len(keys)), xs), (np.array(coefs, dtype=float), ys)],
        ),
    )


def add_definition_rows(
    m: pyo.ConcreteModel,
    name: str,
    rows: Iterable[tuple[Key, Any, Iterable[tuple[float, Sequence[Any]]]]],
    doc: str,
) -> None:
    """Rows ``defined == sum(coef * sum(variables) for coef, variables in groups)``, one per
    (key, defined, groups) of ``rows`` (a contract's revenue: its price times its deliveries
    and spot purchases): what a Pyomo constraint ``defined == linear_sum(terms)`` reads as,
    terms in the same order, without a Pyomo expression per term (a large case's revenue
    rows hold 10M). Each variable at most once in a row."""
    keys: list[Key] = []
    variables: list[Any] = []
    coefs: list[float] = []
    starts = [0]
    for key, defined, groups in rows:
        keys.append(key)
        variables.append(defined)
        coefs.append(1.0)
        for coef, group in groups:
            variables.extend(group)
            coefs.extend([-coef] * len(group))
        if len(set(map(id, variables[starts[-1] :]))) != len(variables) - starts[-1]:
            raise ValueError(f"{name}{list(key)} names a variable twice")
        starts.append(len(variables))
    add_family(
        m,
        LinearRows(
            name=name,
            doc=doc,
            keys=keys,
            lower=np.zeros(len(keys)),
            upper=np.zeros(len(keys)),
            after_constraints=constraints_declared(m),
            starts=np.array(starts, dtype=np.int64),
            coefs=np.array(coefs, dtype=float),
            variables=variables,
        ),
    )


def constraints_declared(m: pyo.ConcreteModel) -> int:
    return sum(1 for _ in m.component_objects(pyo.Constraint, descend_into=False))


def add_family(m: pyo.ConcreteModel, family: RowFamily) -> None:
    if any(f.name == family.name for f in families(m)) or m.component(family.name) is not None:
        raise ValueError(f"the model already has rows named {family.name}")
    object.__setattr__(m, FAMILIES, (*families(m), family))
