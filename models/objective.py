"""Portfolio NPV per scenario (the ledger), CVaR, and the objective.

NPV[s], USD m, discounted to ``base_year`` with df[t] = (1 + r) ** -(t - base_year):

    + contract revenue    sum df[t] price[c,t,s] (flow + spot_buy)
    - logistics           sum df[t] cost[p,buyer(c)] flow + sum df[t] cost[q,p] transfer
    + spot sales          sum df[t] spot[m,t,s] (1 - spot_sale_discount) spot_sale
    - spot purchases      sum df[t] spot[m,t,s] (1 + spot_premium) (spot_buy + feed_spot_buy)
    - variable cost       sum df[t] variable_cost[p] x opex shock x feed
    - shortfall penalties sum df[t] penalty[c] shortfall
    - capex and opex      sum fund[p,o,y] (capex x shock over the scenario's spend years + opex x opex shock
                          over its operating years, discounted; a delay moves both)
    + debt                sum fund[p,o,y] sum_t df[t] (drawn[t] - interest[t] - principal[t])
    + prepayments         sum sign[c] sum_t df[t] (received[t] - repaid[t] - interest[t])
    - signing costs       sum sign[c] signing_cost[c] df[first year of c]

Amounts typed in a project's or contract's currency enter at that year's exchange rate in
the scenario (``ModelData.project_fx``, ``contract_fx``). NPV is the value of the
portfolio's own money: debt and prepayments are financing (``models/debt.py``), so only the
difference between what they bring and what they cost, discounted, enters NPV; debt
cheaper than ``discount_rate`` adds value, a prepayment at a rate above it costs value.
A transfer between plants moves no money inside the portfolio: only its logistics cost
enters NPV.
"""

from __future__ import annotations

from typing import Any

import pyomo.core as pyo
from optimizer.models.common import linear_sum, members
from optimizer.models.data import USD_M_PER_USD, FundKey, ModelData


def fund_cost_npv_usd_m(d: ModelData, key: FundKey, scenario: str) -> float:
    """Discounted capex (with the scenario's capex shock) plus fixed opex of one funding choice."""
    p = key[0]
    capex = sum(
        d.discount_factor[t] * usd_m * d.capex_factor(p, t, scenario)
        for t, usd_m in d.capex_spend_in(key, scenario).items()
    )
    opex = sum(
        d.discount_factor[t] * d.fixed_opex(key, t, scenario) for t in d.operating_years_in(key, scenario)
    )
    return capex + opex


def signing_cost_npv_usd_m(d: ModelData, contract: str) -> float:
    """Discounted cost of signing a contract, paid in its first year within the horizon."""
    years = d.years_of_contract.get(contract)
    if not d.signing_cost_usd_m[contract] or not years:
        return 0.0
    return d.signing_cost_usd_m[contract] * d.discount_factor[years[0]]


def debt_npv_usd_m(d: ModelData, key: FundKey) -> float:
    """Discounted draws less interest and principal of a funding choice's loan (0 without debt)."""
    loan = d.debt.get(key)
    if loan is None:
        return 0.0
    years = set(loan.drawn_usd_m) | set(loan.service_years)
    return sum(d.discount_factor[t] * loan.net_usd_m(t) for t in years)


def prepayment_benefit_npv_usd_m(d: ModelData, contract: str) -> float:
    """Value of a prepayment: received at the start, less its repayments and interest, discounted."""
    schedule = d.prepayment.get(contract)
    if schedule is None:
        return 0.0
    years = set(schedule.drawn_usd_m) | set(schedule.service_years)
    return sum(d.discount_factor[t] * schedule.net_usd_m(t) for t in years)


def operations_npv_usd_m(m: pyo.ConcreteModel, d: ModelData, s: str, t: int) -> Any:
    """The discounted operating cash of year t in scenario s: the ledger's second-stage lines."""
    df = d.discount_factor[t] * USD_M_PER_USD
    flow, spot_sale, spot_buy = members(m.flow), members(m.spot_sale), members(m.spot_buy)
    feed, shortfall = members(m.feed), members(m.shortfall)
    revenue = linear_sum(
        (
            df
            * (
                d.contract_price_usd_per_t[c, t, s] - d.logistics_usd_per_t.get((p, d.contract_buyer[c]), 0.0)
            ),
            delivered,
        )
        for p, c, _ in d.arcs_by_year.get(t, [])
        if (delivered := flow.get((p, c, t, s))) is not None
    )
    spot_sales = linear_sum(
        (
            df * d.spot_price_usd_per_t[mineral, t, s] * (1 - d.spot_sale_discount),
            sold,
        )
        for p in d.plants_by_year.get(t, [])
        for mineral in d.plant_minerals.get(p, [])
        if (sold := spot_sale.get((p, mineral, t, s))) is not None
    )
    spot_buys = linear_sum(
        (
            df
            * (
                d.contract_price_usd_per_t[c, t, s]
                - d.spot_price_usd_per_t[d.contract_mineral[c], t, s] * (1 + d.spot_premium)
            ),
            bought,
        )
        for c in d.contracts_by_year.get(t, [])
        if (bought := spot_buy.get((c, t, s))) is not None
    )
    variable = linear_sum(
        (df * d.variable_cost(p, t, s), processed)
        for p in d.plants_by_year.get(t, [])
        if (processed := feed.get((p, t, s))) is not None
    )
    penalties = linear_sum(
        (df * d.penalty(c, t, s), short)
        for c in d.contracts_by_year.get(t, [])
        if (short := shortfall.get((c, t, s))) is not None
    )
    return revenue + spot_sales + spot_buys - variable - penalties - value_chain_cost_usd_m(m, d, s, t)


def value_chain_cost_usd_m(m: pyo.ConcreteModel, d: ModelData, s: str, t: int) -> Any:
    """Discounted cost of feeding plants from plants (logistics) and from the spot market in year t."""
    df = d.discount_factor[t] * USD_M_PER_USD
    transfer, feed_spot_buy = members(m.transfer), members(m.feed_spot_buy)
    transfers = linear_sum(
        (df * d.transfer_cost_usd_per_t[q, p], passed)
        for p in d.feed_mineral
        for q, _, _ in d.transfers_in.get((p, t), [])
        if (passed := transfer.get((q, p, t, s))) is not None and d.transfer_cost_usd_per_t[q, p]
    )
    bought = linear_sum(
        (df * d.spot_price_usd_per_t[f, t, s] * (1 + d.spot_premium), feed_bought)
        for p, f in d.feed_mineral.items()
        if (feed_bought := feed_spot_buy.get((p, t, s))) is not None
    )
    return transfers + bought


def decisions_npv_usd_m(m: pyo.ConcreteModel, d: ModelData, s: str) -> Any:
    """The ledger's first-stage lines in scenario s: capex, fixed opex and debt of funded plants,
    prepayments, signing costs."""
    plants = sum((fund_cost_npv_usd_m(d, k, s) - debt_npv_usd_m(d, k)) * m.fund[k] for k in d.fund_keys)
    prepayments = sum(prepayment_benefit_npv_usd_m(d, c) * m.sign[c] for c in d.prepayment)
    signing = sum(
        signing_cost_npv_usd_m(d, c) * m.sign[c] for c in d.contracts if d.signing_cost_usd_m[c] > 0
    )
    return prepayments - plants - signing


def add_npv_ledger(m: pyo.ConcreteModel, d: ModelData) -> None:
    """``npv[s]``: the discounted cash of the portfolio in scenario s, USD m."""
    m.npv = pyo.Expression(
        d.scenarios,
        rule=lambda m, s: (
            decisions_npv_usd_m(m, d, s) + sum(operations_npv_usd_m(m, d, s, t) for t in d.years)
        ),
        doc="portfolio NPV per scenario, USD m",
    )
    m.expected_npv = pyo.Expression(
        expr=sum(d.probability[s] * m.npv[s] for s in d.scenarios), doc="expected NPV, USD m"
    )


def add_objective(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Maximise (1 - risk_aversion) E[NPV] + risk_aversion CVaR."""
    if d.risk_aversion > 0:
        expr = (1 - d.risk_aversion) * m.expected_npv + d.risk_aversion * m.cvar
    else:
        expr = m.expected_npv
    m.objective = pyo.Objective(expr=expr, sense=pyo.maximize)
