"""Pieces the rule modules and the result tables share: a sparse variable or zero, its solved value, "the project is funded"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pyomo.core as pyo
from optimizer.models.data import ModelData
from pyomo.common.numeric_types import native_numeric_types
from pyomo.core.expr.numeric_expr import (
    LinearExpression,
    MonomialTermExpression,
    NegationExpression,
    ProductExpression,
    SumExpression,
)

Skip = pyo.Constraint.Skip


def linear_sum(terms: Iterable[tuple[float, Any]]) -> Any:
    """``sum(coef * var for coef, var in terms)``, made as one Pyomo linear expression at once:
    a quarter of the time of ``sum``, which grows the expression term by term (most of a large
    model's build is such sums). 0 when there are no terms, as ``sum`` gives."""
    args = [MonomialTermExpression((coef, var)) for coef, var in terms]
    return LinearExpression(args) if args else 0


def var_sum(variables: Iterable[Any]) -> Any:
    """``sum(variables)`` made at once (see ``linear_sum``); the 0s of ``var_or_zero`` are left out."""
    args = [var for var in variables if not isinstance(var, int)]
    return LinearExpression(args) if args else 0


def members(var: Any) -> Mapping[Any, Any]:
    """A variable family's members by index, read only: Pyomo's own dictionary of them.

    ``key in var`` and ``var[key]`` are each a Python method call of Pyomo's (0.66 us for
    the pair, against 0.09 us for a dictionary's ``get``); a large model's build makes
    about 15M such lookups. Pyomo keeps a component's members in ``_data`` keyed by their
    index, and its ``__contains__`` is a lookup in it; ``tests/test_standard_form.py`` checks
    that this view holds every member under the key ``var[key]`` finds it by.
    """
    found: Mapping[Any, Any] = var._data
    return found


def var_or_zero(var: Any, key: tuple[Any, ...]) -> Any:
    """The variable at ``key`` if the sparse index has it, else the constant 0."""
    return members(var).get(key, 0)


def funded(m: pyo.ConcreteModel, d: ModelData, project: str) -> Any:
    """Linear expression: 1 if the project is funded (any option, any start), else 0."""
    return sum(m.fund[k] for k in d.funds_by_project.get(project, []))


def running(m: pyo.ConcreteModel, d: ModelData, project: str, year: int, scenario: str) -> Any:
    """1 if the plant is funded and running in ``year`` of ``scenario``: ``running[p, t]``, or its own
    ``running_in_scenario[p, t, s]`` where a delay moves the plant's years in that scenario."""
    if d.runs_as_planned(project, year, scenario):
        return var_or_zero(m.running, (project, year))
    return m.running_in_scenario[project, year, scenario]


def can_run(d: ModelData, project: str, year: int, scenario: str) -> bool:
    """Some funding choice of the plant makes it run in ``year`` of ``scenario``."""
    return bool(d.funds_operating_in(project, year, scenario))


def val(var: Any) -> float:
    """A solved variable's value, 0 for one the solver never saw (it appears in no row)."""
    value = var.value
    return 0.0 if value is None else float(value)


def val_at(var: Any, key: tuple[Any, ...]) -> float:
    """The solved value of a sparse variable at ``key``, 0 where the index has no such entry."""
    found = members(var).get(key)
    return 0.0 if found is None else val(found)


def solved_value(expr: Any) -> Any:
    """``pyo.value(expr)`` at the solved values, computed with the same operations in the same
    order (a sum starts from its first term; a product is left times right), in a third of the
    time: Pyomo's evaluator walks a scenario's NPV (70,000 terms on the large case) node by
    node through its general visitor. Sums, linear expressions, products, negations, named
    expressions, variables and numbers are read here; anything else is Pyomo's to evaluate."""
    kind = type(expr)
    if kind in native_numeric_types:
        return expr
    if kind is LinearExpression or kind is SumExpression:
        values = [solved_value(arg) for arg in expr.args]
        if not values:
            return 0
        terms = iter(values)
        return sum(terms, start=next(terms))
    if kind is MonomialTermExpression or kind is ProductExpression:
        left, right = expr.args
        return solved_value(left) * solved_value(right)
    if kind is NegationExpression:
        return -solved_value(expr.args[0])
    if expr.is_variable_type() and expr.value is not None:
        return expr.value
    if expr.is_named_expression_type():
        return solved_value(expr.expr)
    return pyo.value(expr)
