"""Project-finance rules: debt covenants, bankable offtake, and funding in every scenario.

Index letters: p project, k funding choice (p, o, y), t year, c contract, m mineral, s scenario.

A plant's debt is a constant times its funding decision (``models/debt.py``), so its debt
service in year t is sum_k service[k,t] fund[k]: every rule here is linear. The cash a
plant has for its debt in year t and scenario s (CFADS) is its own operating cash:

    CFADS[p,t,s] = sum_{arcs p->c} (price - logistics) flow + sum_m spot x (1 - discount) spot_sale
                   - variable_cost x feed - sum_{k running in t} fixed_opex[k] fund[k]
                   + sum_{c tied to p} ((price - spot x (1 + premium)) spot_buy - penalty x shortfall)

Contracts tied to the plant (``Contracts.project``) are the plant's: their spot purchases,
penalties and prepayments are in its ledger, and a tied prepayment's repayments and interest
are senior debt service of the plant. A contract open to several plants belongs to the plant
only through what that plant delivers to it; its other items are the portfolio's (a row
cannot split them by deliveries and stay linear).

The covenants hold in the years a funding choice services debt, in each lender scenario
(Settings ``lender_scenarios``). A row written for plant p in year t holds exactly when a
choice paying debt in t is funded, and is relaxed by a bound M on how far it could fall
otherwise (the plant funded by a choice without debt that year, or not funded):
``row >= -M (1 - sum_{k paying in t} fund[k])``.
"""

from __future__ import annotations

from typing import Any

import pyomo.core as pyo
from optimizer.models.common import var_or_zero
from optimizer.models.data import USD_M_PER_USD, ModelData
from optimizer.models.funding import equity_spent_usd_m, prepayments_arriving
from optimizer.models.value_chain import transfer_price_usd_per_t


def cfads_usd_m(m: pyo.ConcreteModel, d: ModelData, p: str, t: int, s: str) -> Any:
    """Cash available for debt service of plant p in year t and scenario s, USD m (module docstring)."""
    per_t = USD_M_PER_USD
    deliveries = sum(
        per_t
        * (d.contract_price_usd_per_t[c, t, s] - d.logistics_usd_per_t.get((p, d.contract_buyer[c]), 0.0))
        * m.flow[p, c, t, s]
        for c in arcs_contracts(d, p, t)
    )
    spot_sales = sum(
        per_t
        * d.spot_price_usd_per_t[mineral, t, s]
        * (1 - d.spot_sale_discount)
        * m.spot_sale[p, mineral, t, s]
        for mineral in d.plant_minerals.get(p, [])
        if (p, mineral, t, s) in m.spot_sale
    )
    variable = per_t * d.variable_cost(p, t, s) * m.feed[p, t, s] if (p, t, s) in m.feed else 0
    opex = sum(d.fixed_opex(k, t, s) * m.fund[k] for k in d.funds_operating_in(p, t, s))
    tied = 0
    for c in d.tied_contracts.get(p, []):
        if (c, t) not in d.contract_year_set:
            continue
        spot = d.spot_price_usd_per_t[d.contract_mineral[c], t, s] * (1 + d.spot_premium)
        tied += per_t * (d.contract_price_usd_per_t[c, t, s] - spot) * var_or_zero(m.spot_buy, (c, t, s))
        tied -= per_t * d.penalty(c, t, s) * var_or_zero(m.shortfall, (c, t, s))
    return deliveries + spot_sales - variable - opex + tied + transfers_usd_m(m, d, p, t, s)


def transfers_usd_m(m: pyo.ConcreteModel, d: ModelData, p: str, t: int, s: str) -> Any:
    """Plant p's cash from feed passed between plants in (t, s), USD m, as its ledger books it
    (``ledger.book_transfers``): sales at the transfer price, less purchases at that price with
    their logistics, less feed bought spot."""
    per_t = USD_M_PER_USD
    sold = sum(
        per_t * transfer_price_usd_per_t(d, d.feed_mineral[to], t, s) * var_or_zero(m.transfer, (p, to, t, s))
        for _, to, _ in d.transfers_out.get((p, t), [])
    )
    if p not in d.feed_mineral:
        return sold
    price = transfer_price_usd_per_t(d, d.feed_mineral[p], t, s)
    bought = sum(
        per_t * (price + d.transfer_cost_usd_per_t[q, p]) * var_or_zero(m.transfer, (q, p, t, s))
        for q, _, _ in d.transfers_in.get((p, t), [])
    )
    spot = d.spot_price_usd_per_t[d.feed_mineral[p], t, s] * (1 + d.spot_premium)
    return sold - bought - per_t * spot * var_or_zero(m.feed_spot_buy, (p, t, s))


def debt_service_expr_usd_m(m: pyo.ConcreteModel, d: ModelData, p: str, t: int) -> Any:
    """Senior debt service of plant p in year t: its loan and the prepayments of contracts tied to it."""
    bank = sum(amount * m.fund[k] for k, amount in d.debt_service_usd_m(p, t).items())
    prepaid = sum(amount * m.sign[c] for c, amount in d.prepayment_service_usd_m(p, t).items())
    return bank + prepaid


def paying(m: pyo.ConcreteModel, d: ModelData, p: str, t: int) -> Any:
    """1 when plant p is funded by a choice that services debt in year t, else 0."""
    return sum(m.fund[k] for k in d.serviced_by.get((p, t), []))


def arcs_contracts(d: ModelData, p: str, t: int) -> list[str]:
    """The contracts plant p can deliver to in year t."""
    return [
        c
        for mineral in d.plant_minerals.get(p, [])
        for _, c, _ in d.arcs_by_plant_mineral_year.get((p, mineral, t), [])
    ]


def covenant_index(d: ModelData, floor: str) -> list[tuple[str, int, str]]:
    """(p, t, s) for every year plant p may service debt and every lender scenario, where ``floor`` > 0."""
    return [
        (p, t, s)
        for p, years in d.debt_years.items()
        if getattr(d.debt_terms[p], floor) > 0
        for t in years
        for s in d.lender_scenarios
    ]


def cfads_floor_usd_m(d: ModelData, p: str, t: int, s: str) -> float:
    """M of the DSCR row: the most CFADS - min_dscr x debt service can fall short of 0 when p pays no debt in t.

    The fixed opex and a full plant's variable cost of the choice running then, deliveries on
    arcs whose logistics cost exceed the price, tied contracts' spot purchases dearer than their
    price and their penalties, and min_dscr x the tied prepayments' service.
    """
    per_t = USD_M_PER_USD
    running = max(
        (
            d.fixed_opex(k, t, s)
            + per_t
            * (d.variable_cost(p, t, s) + dearest_feed_usd_per_t(d, p, t, s))
            * d.usable_feed_tpa(k, t, s)
            for k in d.funds_operating_in(p, t, s)
        ),
        default=0.0,
    )
    losing = sum(
        per_t
        * d.max_tpa[c]
        * max(
            0.0,
            d.logistics_usd_per_t.get((p, d.contract_buyer[c]), 0.0) - d.contract_price_usd_per_t[c, t, s],
        )
        for c in arcs_contracts(d, p, t)
    )
    tied = 0.0
    for c in d.tied_contracts.get(p, []):
        if (c, t) in d.contract_year_set:
            spot = d.spot_price_usd_per_t[d.contract_mineral[c], t, s] * (1 + d.spot_premium)
            tied += per_t * d.max_tpa[c] * max(0.0, spot - d.contract_price_usd_per_t[c, t, s])
            tied += per_t * d.min_tpa[c] * d.penalty(c, t, s)
    prepaid = d.debt_terms[p].min_dscr * sum(d.prepayment_service_usd_m(p, t).values())
    return running + losing + tied + prepaid


def dearest_feed_usd_per_t(d: ModelData, p: str, t: int, s: str) -> float:
    """The most a tonne of plant p's feed from other plants or the spot market can cost it (0 for a
    plant fed from Feedstocks only): a bound for ``cfads_floor_usd_m``."""
    if p not in d.feed_mineral:
        return 0.0
    mineral = d.feed_mineral[p]
    spot = d.spot_price_usd_per_t[mineral, t, s] * (1 + d.spot_premium)
    transfer = transfer_price_usd_per_t(d, mineral, t, s) + max(
        (d.transfer_cost_usd_per_t[q, p] for q, _, _ in d.transfers_in.get((p, t), [])), default=0.0
    )
    return max(spot, transfer)


def add_dscr_covenants(m: pyo.ConcreteModel, d: ModelData) -> None:
    """A funded plant covers its debt service min_dscr times in every year of its debt and lender scenario.

    CFADS[p,t,s] - min_dscr[p] x DS[p,t] >= -M[p,t,s] (1 - sum_{k paying in t} fund[k])
    DS[p,t] = sum_k service[k,t] fund[k] + sum_{c tied to p} prepayment_service[c,t] sign[c]
    (``cfads_floor_usd_m`` is M; the row binds exactly when a choice paying debt in t is funded.)
    """
    index = covenant_index(d, "min_dscr")
    if not index:
        return
    m.cash_available_for_debt_service_usd_m = pyo.Expression(
        index,
        rule=lambda m, p, t, s: cfads_usd_m(m, d, p, t, s),
        doc="CFADS per plant, year and scenario, USD m",
    )
    m.debt_service_usd_m = pyo.Expression(
        sorted({(p, t) for p, t, _ in index}),
        rule=lambda m, p, t: debt_service_expr_usd_m(m, d, p, t),
        doc="senior debt service per plant and year, USD m",
    )

    def rule(m: pyo.ConcreteModel, p: str, t: int, s: str) -> Any:
        covered = (
            m.cash_available_for_debt_service_usd_m[p, t, s]
            - d.debt_terms[p].min_dscr * m.debt_service_usd_m[p, t]
        )
        return covered >= -cfads_floor_usd_m(d, p, t, s) * (1 - paying(m, d, p, t))

    m.dscr_covenant = pyo.Constraint(index, rule=rule, doc="CFADS >= min_dscr x debt service, USD m")


def sales_usd_m(m: pyo.ConcreteModel, d: ModelData, p: str, t: int, s: str, *, backing: bool) -> Any:
    """Plant p's sales in year t and scenario s at their prices, USD m: to contracts that back its debt
    (``backing``), or everything it sells (contracts and spot)."""
    per_t = USD_M_PER_USD
    contracted = sum(
        per_t * d.contract_price_usd_per_t[c, t, s] * m.flow[p, c, t, s]
        for c in arcs_contracts(d, p, t)
        if not backing or d.backs_debt(c, p)
    )
    if backing:
        return contracted
    spot = sum(
        per_t
        * d.spot_price_usd_per_t[mineral, t, s]
        * (1 - d.spot_sale_discount)
        * m.spot_sale[p, mineral, t, s]
        for mineral in d.plant_minerals.get(p, [])
        if (p, mineral, t, s) in m.spot_sale
    )
    return contracted + spot


def sales_ceiling_usd_m(d: ModelData, p: str, t: int, s: str) -> float:
    """The most plant p can sell in year t and scenario s, USD m: its output at the best price it can get."""
    feed = max((d.usable_feed_tpa(k, t, s) for k in d.funds_operating_in(p, t, s)), default=0.0)
    total = 0.0
    for mineral in d.plant_minerals.get(p, []):
        prices = [d.spot_price_usd_per_t[mineral, t, s] * (1 - d.spot_sale_discount)]
        prices += [
            d.contract_price_usd_per_t[c, t, s]
            for _, c, _ in d.arcs_by_plant_mineral_year.get((p, mineral, t), [])
        ]
        total += d.yields[p, mineral] * d.yield_factor(p, mineral, t, s) * feed * max(prices)
    return USD_M_PER_USD * total


def add_contracted_share_minimum(m: pyo.ConcreteModel, d: ModelData) -> None:
    """A borrowing plant sells at least min_contracted_share of its output, by value, under contracts that back its debt.

    backed[p,t,s] >= share[p] x sales[p,t,s] - share[p] x U[p,t,s] (1 - sum_{k paying in t} fund[k])
    backed: deliveries to signed contracts whose tenor (end_year - start_year + 1) is at least
    the plant's debt_tenor_years (``ModelData.backs_debt``); sales: those plus every other
    delivery and spot sale, at their prices; U the most it could sell (``sales_ceiling_usd_m``).
    In every year of its debt and every lender scenario.
    """
    index = covenant_index(d, "min_contracted_share")
    if not index:
        return
    m.backed_sales_usd_m = pyo.Expression(
        index,
        rule=lambda m, p, t, s: sales_usd_m(m, d, p, t, s, backing=True),
        doc="sales under contracts backing debt",
    )
    m.sales_usd_m = pyo.Expression(
        index, rule=lambda m, p, t, s: sales_usd_m(m, d, p, t, s, backing=False), doc="all sales of the plant"
    )

    def rule(m: pyo.ConcreteModel, p: str, t: int, s: str) -> Any:
        share = d.debt_terms[p].min_contracted_share
        relaxed = share * sales_ceiling_usd_m(d, p, t, s) * (1 - paying(m, d, p, t))
        return m.backed_sales_usd_m[p, t, s] - share * m.sales_usd_m[p, t, s] >= -relaxed

    m.contracted_share_minimum = pyo.Constraint(index, rule=rule, doc="contracted share of sales, USD m")


def overrun_scenarios(d: ModelData) -> list[str]:
    """Scenarios whose capex or fx shocks change what some funding choice spends."""
    return sorted({s for (_, t, s), x in d.capex_multiplier.items() if x != 1.0}, key=d.scenarios.index)


def add_funding_in_every_scenario(m: pyo.ConcreteModel, d: ModelData) -> None:
    """In every scenario whose shocks change capex, overruns beyond the budget and the annual cap are paid
    from a contingency of at most ``contingency_usd_m``, drawn in the years they happen.

    sum_k (capex[k,s] - debt[k]) fund[k] - sum_c prepayment[c] sign[c] - sum_t drawn[t,s] <= budget
    sum_k (spend[k,t,s] - drawn_debt[k,t]) fund[k] - arriving prepayments[t] - drawn[t,s] <= annual_cap
    sum_t drawn[t,s] <= contingency_usd_m
    The committed plan meets the budget and cap without it (``funding``); debt is sized on
    committed capex, so overruns are the portfolio's own money. Blank ``contingency_usd_m``:
    unlimited, no rows (the plan reports what it needs).
    """
    scenarios = overrun_scenarios(d)
    if (
        d.contingency_usd_m is None
        or not scenarios
        or (d.budget_usd_m is None and d.annual_budget_usd_m is None)
    ):
        return
    spend_years = sorted({t for schedule in d.capex_spend_usd_m.values() for t in schedule})
    m.contingency_drawn_usd_m = pyo.Var(
        [(t, s) for t in spend_years for s in scenarios],
        domain=pyo.NonNegativeReals,
        doc="contingency drawn for capex overruns in a year and scenario, USD m (decided with the funding)",
    )

    def own_money(m: pyo.ConcreteModel, t: int, s: str) -> Any:
        return sum(
            equity_spent_usd_m(d, k, t, s) * m.fund[k] for k in d.fund_keys if t in d.capex_spend_usd_m[k]
        ) - sum(d.prepayment_usd_m[c] * m.sign[c] for c in prepayments_arriving(d, t))

    if d.budget_usd_m is not None:
        budget = d.budget_usd_m
        m.funding_within_budget = pyo.Constraint(
            scenarios,
            rule=lambda m, s: (
                sum(
                    sum(equity_spent_usd_m(d, k, t, s) for t in d.capex_spend_usd_m[k]) * m.fund[k]
                    for k in d.fund_keys
                )
                - sum(d.prepayment_usd_m[c] * m.sign[c] for c in d.prepayment)
                - sum(m.contingency_drawn_usd_m[t, s] for t in spend_years)
                <= budget
            ),
            doc="own money in the scenario within budget plus contingency, USD m",
        )
    if d.annual_budget_usd_m is not None:
        cap = d.annual_budget_usd_m
        m.annual_funding_within_cap = pyo.Constraint(
            [(t, s) for t in spend_years for s in scenarios],
            rule=lambda m, t, s: own_money(m, t, s) - m.contingency_drawn_usd_m[t, s] <= cap,
            doc="own money in a year and scenario within the annual cap plus contingency, USD m",
        )
    limit = d.contingency_usd_m
    m.overruns_within_contingency = pyo.Constraint(
        scenarios,
        rule=lambda m, s: sum(m.contingency_drawn_usd_m[t, s] for t in spend_years) <= limit,
        doc="contingency drawn within contingency_usd_m, USD m",
    )
