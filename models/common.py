"""Pieces the rule modules share: a sparse variable's value or zero, "the project is funded"."""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo
from optimizer.models.data import ModelData

Skip = pyo.Constraint.Skip


def var_or_zero(var: Any, key: tuple[Any, ...]) -> Any:
    """The variable at ``key`` if the sparse index has it, else the constant 0."""
    return var[key] if key in var else 0  # noqa: SIM401 (Pyomo components have no .get)


def funded(m: pyo.ConcreteModel, d: ModelData, project: str) -> Any:
    """Linear expression: 1 if the project is funded (any option, any start), else 0."""
    return sum(m.fund[k] for k in d.funds_by_project.get(project, []))
