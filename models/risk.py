"""Risk rules: CVaR of the portfolio NPV over the scenarios, in the objective and as a floor."""

from __future__ import annotations

import pyomo.core as pyo
from optimizer.models.data import ModelData


def add_risk(m: pyo.ConcreteModel, d: ModelData) -> None:
    """CVaR of NPV at level alpha (Rockafellar-Uryasev), only when the objective or a floor needs it.

    CVaR = eta - 1 / (1 - alpha) sum_s p_s u_s,   u_s >= eta - npv[s],  u_s >= 0
    With a floor: CVaR >= min_cvar_npv_usd_m.
    """
    if d.risk_aversion == 0 and d.min_cvar_npv_usd_m is None:
        return
    m.value_at_risk = pyo.Var(domain=pyo.Reals, doc="eta: NPV threshold of the worst tail, USD m")
    m.tail_loss = pyo.Var(d.scenarios, domain=pyo.NonNegativeReals, doc="NPV below eta per scenario, USD m")
    m.tail_loss_definition = pyo.Constraint(
        d.scenarios, rule=lambda m, s: m.tail_loss[s] >= m.value_at_risk - m.npv[s]
    )
    m.cvar = pyo.Expression(
        expr=m.value_at_risk
        - sum(d.probability[s] * m.tail_loss[s] for s in d.scenarios) / (1 - d.cvar_alpha),
        doc="CVaR of NPV, USD m",
    )
    if d.min_cvar_npv_usd_m is not None:
        m.cvar_floor = pyo.Constraint(expr=m.cvar >= d.min_cvar_npv_usd_m, doc="CVaR floor, USD m")
