"""Marginal values from duals: what one more unit of a capacity, coverage or contract limit is worth.

With the funding and signing decisions fixed at their values in the plan, the rest of the
model is an LP; the dual of each of its rows is d(objective) / d(limit): the change in the
objective (NPV discounted to ``base_year``, probability-weighted per scenario) if the row's
limit were one unit larger, the portfolio unchanged. Tonnage rows are reported in USD per t
(per tonne per year of that row's year), so they compare directly with the price columns;
the CVaR floor in USD m per USD m.

Sign: positive means more of the limit would raise NPV (a binding capacity, a contract
maximum); negative means a larger limit costs NPV (a coverage target, a contract minimum).
Zero rows (slack limits) are left out.

The integer-fixed LP says nothing about funding more plants or moving the budget; those are
discrete and come from re-solving (``optimizer.analyses.marginal``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pyomo.core as pyo
from pyomo.repn import generate_standard_repn

from optimizer.models.data import USD_M_PER_USD, ModelData

COLUMNS = [
    "rule",
    "item",
    "year",
    "scenario",
    "limit",
    "limit_unit",
    "step",
    "objective_change_usd_m",
    "marginal_value",
    "marginal_unit",
    "method",
    "marginal_value_in_scenario",
    "weighting",
]
DUAL_METHOD = "LP dual, funding and signing fixed"
USD_PER_T = "USD per t"
TOLERANCE = 1e-9  # USD m of objective per unit of limit

Limit = Callable[[pyo.ConcreteModel, ModelData, tuple[Any, ...]], float | None]
"""A row's limit in business units from its index, or None to leave the row out."""


def capacity_t(m: pyo.ConcreteModel, d: ModelData, index: tuple[Any, ...]) -> float | None:
    p, t, s = index
    capacity = sum(
        d.capacity_in(k, t, s) * round(pyo.value(m.fund[k])) for k in d.funds_operating_in(p, t, s)
    )
    return capacity or None  # a plant that is not running has no capacity worth pricing


def feedstock_t(m: pyo.ConcreteModel, d: ModelData, index: tuple[Any, ...]) -> float | None:
    f, t, _ = index
    return d.feedstock_available_t[f, t]


def spot_availability_t(m: pyo.ConcreteModel, d: ModelData, index: tuple[Any, ...]) -> float | None:
    return d.spot_availability_tpa[index]


def coverage_t(m: pyo.ConcreteModel, d: ModelData, index: tuple[Any, ...]) -> float | None:
    mineral, t, _ = index
    return d.coverage_required_t[mineral, t]


def signed_min_t(m: pyo.ConcreteModel, d: ModelData, index: tuple[Any, ...]) -> float | None:
    c = index[0]
    return d.min_tpa[c] if round(pyo.value(m.sign[c])) == 1 else None


def signed_max_t(m: pyo.ConcreteModel, d: ModelData, index: tuple[Any, ...]) -> float | None:
    c = index[0]
    return d.max_tpa[c] if round(pyo.value(m.sign[c])) == 1 else None


TONNAGE_ROWS: tuple[tuple[str, Limit, str], ...] = (
    ("feed_within_capacity", capacity_t, "t of feed"),
    ("feed_within_feedstock", feedstock_t, "t of feed"),
    ("spot_purchases_within_availability", spot_availability_t, "t"),
    ("demand_coverage", coverage_t, "t"),
    ("contract_minimum", signed_min_t, "t"),
    ("contract_maximum", signed_max_t, "t"),
)
"""(constraint, its limit, the limit's unit): rows indexed (item, year, scenario), limits per year."""


def dual_table(m: pyo.ConcreteModel, d: ModelData, row_duals: dict[Any, float]) -> pd.DataFrame:
    """Every limit row with a non-zero dual, in business units; empty when there are no duals."""
    rows: list[dict[str, Any]] = []
    if not row_duals:
        return pd.DataFrame(rows, columns=COLUMNS)
    for name, limit_of, unit in TONNAGE_ROWS:
        component = getattr(m, name, None)
        if component is None or len(component) == 0:
            continue
        direction = limit_direction(next(iter(component.values())))
        for index, row in component.items():
            dual = row_duals.get(row, 0.0) * direction
            limit = limit_of(m, d, index)
            if abs(dual) <= TOLERANCE or limit is None:
                continue
            item, year, scenario = index
            row = dual_row(name, item, year, scenario, limit, unit, dual / USD_M_PER_USD, USD_PER_T)
            rows.append(in_scenario(row, d.probability[scenario]))
    floor = getattr(m, "cvar_floor", None)
    if floor is not None and abs(row_duals.get(floor, 0.0)) > TOLERANCE:
        dual = row_duals[floor] * limit_direction(floor, m.value_at_risk)
        rows.append(
            dual_row(
                "cvar_floor", "min_cvar_npv_usd_m", None, None, d.min_cvar_npv_usd_m, "USD m",
                dual, "USD m per USD m",
            )
        )  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def limit_direction(row: Any, usage: Any = None) -> float:
    """+1 if the row's bound moves with the business limit, -1 if Pyomo wrote it the other way.

    Every limit row reads ``usage <= limit`` or ``served >= requirement``: the continuous
    variables (feed, flows, purchases) are the usage and the limit is a constant or a fixed
    decision. Pyomo normalises ``a >= b`` as ``b - a <= 0`` when both sides hold variables,
    which turns the usage negative; the sign of a usage coefficient tells which way round.
    """
    repn = generate_standard_repn(row.body, quadratic=False)
    for var, coefficient in zip(repn.linear_vars, repn.linear_coefs, strict=True):
        if (var is usage) if usage is not None else not (var.is_binary() or var.is_integer()):
            return 1.0 if coefficient > 0 else -1.0
    return 1.0


def in_scenario(row: dict[str, Any], probability: float) -> dict[str, Any]:
    """``row`` with its value per unit if its scenario happens: the dual divided by the probability.

    The dual of a scenario's row is probability-weighted (the objective is an expectation), so
    the same physical value reads smaller in a less likely scenario; divided by the probability
    it is the NPV change in that scenario (exactly so with risk_aversion 0).
    """
    value = row["marginal_value"] / probability if probability > 0 else None
    return {
        **row,
        "marginal_value_in_scenario": value,
        "weighting": f"marginal_value weighted by the scenario's probability ({probability:.0%}); "
        "marginal_value_in_scenario: per unit in that scenario",
    }


def dual_row(
    rule: str,
    item: str,
    year: int | None,
    scenario: str | None,
    limit: float | None,
    limit_unit: str,
    marginal_value: float,
    marginal_unit: str,
) -> dict[str, Any]:
    return {
        "rule": rule,
        "item": item,
        "year": year,
        "scenario": scenario,
        "limit": limit,
        "limit_unit": limit_unit,
        "step": None,
        "objective_change_usd_m": None,
        "marginal_value": marginal_value,
        "marginal_unit": marginal_unit,
        "method": DUAL_METHOD,
        "marginal_value_in_scenario": None,
        "weighting": "not per scenario",
    }
