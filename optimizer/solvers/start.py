"""Warm starts: begin the MIP from funding and signing that are probably close to the answer.

A start is a plan made before: the one a plan workbook holds, the base plan of a what-if,
the neighbouring point of a frontier. HiGHS is given a complete solution, never a partial
one: funding and signing are fixed at the start's values and the operations LP is solved
first, which both fills in every continuous value and checks that the start still holds
under today's limits (other integer decisions, such as which plant serves a single-plant
contract, are left to that completion, a small MIP). A start that no longer holds (a lock changed, a budget cut, a new
coverage target) is dropped, and the solve goes on from scratch: it is never trusted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np

INTEGER = int(highspy.HighsVarType.kInteger)
CONTINUOUS = int(highspy.HighsVarType.kContinuous)


@dataclass(frozen=True)
class Start:
    """Funding choices ``(project, option, start_year)`` and contracts to start from, and whence."""

    funded: frozenset[tuple[str, str, int]]
    signed: frozenset[str]
    source: str  # "the plan in this workbook", "the base plan", ...

    @classmethod
    def of(cls, funded: Iterable[tuple[str, str, int]], signed: Iterable[str], source: str) -> Start:
        return cls(frozenset(funded), frozenset(signed), source)

    DECIDES = ("fund", "sign")  # the components a start fixes

    def value_of(self, component: str, index: Any) -> float:
        """0 or 1: the start's value of ``fund[index]`` or ``sign[index]``."""
        if component == "fund":
            return 1.0 if index in self.funded else 0.0
        if component == "sign":
            return 1.0 if index in self.signed else 0.0
        raise KeyError(f"a start has no value for {component}")


@dataclass(frozen=True)
class StartOutcome:
    """What became of a start: accepted with its objective, or dropped and why."""

    source: str
    accepted: bool
    objective: float | None = None
    reason: str = ""

    @property
    def sentence(self) -> str:
        if self.accepted:
            return f"started from {self.source} (objective USD {self.objective:,.1f}m)"
        return f"{self.source} was not used as a start: {self.reason}; solved from scratch"


def integer_columns(columns: list[Any]) -> np.ndarray:
    return np.array(
        [i for i, var in enumerate(columns) if var.is_integer() or var.is_binary()], dtype=np.int32
    )


def apply_start(
    h: highspy.Highs, columns: list[Any], start: Start, run: Callable[[highspy.Highs], None]
) -> StartOutcome:
    """Complete ``start`` with the operations LP and hand it to HiGHS; the model is left as it was.

    ``columns`` are the Pyomo variables of HiGHS's columns, in order; ``run`` runs HiGHS.
    """
    integers = np.array(
        [i for i in integer_columns(columns) if columns[i].parent_component().name in Start.DECIDES],
        dtype=np.int32,
    )
    if not len(integers):
        return StartOutcome(start.source, False, reason="the model has no funding or signing decisions")
    lp = h.getLp()
    lower = np.asarray(lp.col_lower_)[integers].copy()
    upper = np.asarray(lp.col_upper_)[integers].copy()
    values = np.array(
        [start.value_of(columns[i].parent_component().name, columns[i].index()) for i in integers],
        dtype=float,
    )
    outside = [
        columns[i].name
        for i, v, lo, up in zip(integers, values, lower, upper, strict=True)
        if not lo <= v <= up
    ]
    if outside:
        return StartOutcome(
            start.source, False, reason=f"it breaks today's decision locks ({', '.join(outside[:3])})"
        )
    h.changeColsBounds(len(integers), integers, values, values)
    h.changeColsIntegrality(len(integers), integers, np.full(len(integers), CONTINUOUS, dtype=np.uint8))
    try:
        run(h)
        feasible = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        solution = h.getSolution() if feasible else None
        objective = float(h.getInfo().objective_function_value) if feasible else None
    finally:
        h.changeColsBounds(len(integers), integers, lower, upper)
        h.changeColsIntegrality(len(integers), integers, np.full(len(integers), INTEGER, dtype=np.uint8))
    if solution is None:
        return StartOutcome(start.source, False, reason="it no longer satisfies every limit")
    h.setSolution(solution)
    return StartOutcome(start.source, True, objective)
