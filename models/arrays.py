"""Row families built from arrays, for the largest families of simple rows.

Pyomo spends about 25 us on each row it builds and compiles (an expression object, a
constraint object, then a walk of the expression); for the millions of two-term rows of a
large case (a delivery only from a running plant, a shortfall only against a signed
contract) that was most of the model build. Such a family is given here as one array per
term, and ``optimizer.solvers.standard_form`` puts its rows in the matrix where a Pyomo
constraint declared at the same point would have gone: same rows, same order, same numbers.

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
class ArrayRows:
    """Rows ``lower[i] <= sum_k coefs_k[i] * variables_k[i] <= upper[i]``, one per key.

    ``terms`` holds one (coefficients, variables) pair per term of the rows; a variable of
    ``None`` means row i has no such term.
    """

    name: str
    doc: str
    keys: Sequence[Key]
    terms: Sequence[tuple[np.ndarray, Sequence[Any]]]
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
class ArrayRow:
    """One row of a family, where code expects a Pyomo constraint (a name, a key, equality)."""

    family: str
    key: Key
    name: str


def families(m: pyo.ConcreteModel) -> tuple[ArrayRows, ...]:
    """The model's array-built row families, in the order they were declared (a tuple: the
    model's own record is never changed by a reader, so it is compiled the same every time)."""
    found: tuple[ArrayRows, ...] = getattr(m, FAMILIES, ())
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
    if any(f.name == name for f in families(m)) or m.component(name) is not None:
        raise ValueError(f"the model already has rows named {name}")
    family = ArrayRows(
        name=name,
        doc=doc,
        keys=keys,
        terms=[(np.ones(len(keys)), xs), (np.array(coefs, dtype=float), ys)],
        lower=np.full(len(keys), -np.inf),
        upper=np.zeros(len(keys)),
        after_constraints=sum(1 for _ in m.component_objects(pyo.Constraint, descend_into=False)),
    )
    object.__setattr__(m, FAMILIES, (*families(m), family))
