"""Every cash item of a solved plan, by owner (a plant or the portfolio), scenario and year.

Ownership is the model's (``models/finance.py``):

- a funded plant owns its capex, fixed and variable costs, spot sales, the revenue and
  logistics of what it delivers, and its debt;
- a contract tied to one plant (``Contracts.project``) belongs to that plant when it is
  funded: its spot purchases, shortfall penalties and prepayment too;
- what belongs to no plant is the portfolio's (``PORTFOLIO``): the spot purchases,
  penalties and prepayments of contracts open to several plants, and of tied contracts
  whose plant is not funded.

The portfolio's CashFlows are the sum of these ledgers, so plant ledgers add up to the
portfolio exactly, and their discounted sum is each scenario's NPV.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd
import pyomo.core as pyo
from optimizer.models.common import val, val_at
from optimizer.models.contracts import serving_plant
from optimizer.models.data import USD_M_PER_USD, FundKey, ModelData
from optimizer.models.debt import Schedule
from optimizer.models.value_chain import transfer_price_usd_per_t

PORTFOLIO = "(portfolio)"
"""The owner of items that belong to no plant."""

OPERATING_ITEMS = (
    "contract_revenue_usd_m",
    "spot_sales_usd_m",
    "spot_purchases_usd_m",
    "variable_cost_usd_m",
    "logistics_usd_m",
    "fixed_opex_usd_m",
    "shortfall_penalties_usd_m",
    "transfer_sales_usd_m",
    "transfer_purchases_usd_m",
)
CAPEX_ITEMS = ("capex_usd_m", "signing_costs_usd_m")
FINANCING_ITEMS = (
    "prepayments_received_usd_m",
    "prepayments_repaid_usd_m",
    "prepayment_interest_usd_m",
    "debt_drawn_usd_m",
    "debt_interest_usd_m",
    "debt_principal_usd_m",
)
ITEMS = (*OPERATING_ITEMS, *CAPEX_ITEMS, *FINANCING_ITEMS)
"""Ledger items in order: operating cash (CFADS of a plant), capex, financing."""

Ledger = dict[tuple[str, str, int], dict[str, float]]  # (owner, scenario, year) -> item -> USD m


def funded_choices(m: pyo.ConcreteModel, d: ModelData) -> dict[str, FundKey]:
    """Each funded project's funding choice."""
    return {k[0]: k for k in d.fund_keys if val(m.fund[k]) > 0.5}


def contract_owner(m: pyo.ConcreteModel, d: ModelData, contract: str, funded: dict[str, FundKey]) -> str:
    """The plant a contract's non-delivery items belong to (the plant it names, or the one plant that
    serves a single-plant contract: ``contracts.serving_plant``), or ``PORTFOLIO``."""
    plant = serving_plant(m, d, contract)
    return plant if plant is not None and plant in funded else PORTFOLIO


def ledger(m: pyo.ConcreteModel, d: ModelData) -> Ledger:
    """Undiscounted cash by owner, scenario and year, USD m (inflows positive)."""
    book: Ledger = defaultdict(lambda: defaultdict(float))
    per_t = USD_M_PER_USD
    funded = funded_choices(m, d)
    signed = [c for c in d.contracts if val(m.sign[c]) > 0.5]
    owners = {c: contract_owner(m, d, c, funded) for c in d.contracts}  # once, not per scenario and year
    for s in d.scenarios:
        for p, k in funded.items():
            for t, usd_m in d.capex_spend_in(k, s).items():
                book[p, s, t]["capex_usd_m"] -= usd_m * d.capex_factor(p, t, s)
            for t in d.operating_years_in(k, s):
                book[p, s, t]["fixed_opex_usd_m"] -= d.fixed_opex(k, t, s)
            loan = d.debt.get(k)
            if loan is not None:
                book_schedule(
                    book, p, s, loan, ("debt_drawn_usd_m", "debt_interest_usd_m", "debt_principal_usd_m")
                )
        for p, t in d.plant_years:
            feed = val_at(m.feed, (p, t, s))
            if feed:
                book[p, s, t]["variable_cost_usd_m"] -= per_t * d.variable_cost(p, t, s) * feed
            for mineral in d.plant_minerals.get(p, []):
                tonnes = val_at(m.spot_sale, (p, mineral, t, s))
                if tonnes:
                    price = d.spot_price_usd_per_t[mineral, t, s] * (1 - d.spot_sale_discount)
                    book[p, s, t]["spot_sales_usd_m"] += per_t * price * tonnes
        book_transfers(m, d, book, s)
        for p, c, t in d.arcs:
            tonnes = val_at(m.flow, (p, c, t, s))
            if tonnes:
                book[p, s, t]["contract_revenue_usd_m"] += (
                    per_t * d.contract_price_usd_per_t[c, t, s] * tonnes
                )
                logistics = d.logistics_usd_per_t.get((p, d.contract_buyer[c]), 0.0)
                book[p, s, t]["logistics_usd_m"] -= per_t * logistics * tonnes
        for c, t in d.contract_years:
            owner = owners[c]
            if tonnes := val_at(m.spot_buy, (c, t, s)):
                book[owner, s, t]["contract_revenue_usd_m"] += (
                    per_t * d.contract_price_usd_per_t[c, t, s] * tonnes
                )
                spot = d.spot_price_usd_per_t[d.contract_mineral[c], t, s]
                book[owner, s, t]["spot_purchases_usd_m"] -= per_t * spot * (1 + d.spot_premium) * tonnes
            if short := val_at(m.shortfall, (c, t, s)):
                book[owner, s, t]["shortfall_penalties_usd_m"] -= per_t * d.penalty(c, t, s) * short
        for c in signed:
            if d.signing_cost_usd_m[c] > 0 and d.years_of_contract.get(c):
                first = d.years_of_contract[c][0]
                book[owners[c], s, first]["signing_costs_usd_m"] -= d.signing_cost_usd_m[c]
            schedule = d.prepayment.get(c)
            if schedule is None:
                continue
            items = ("prepayments_received_usd_m", "prepayment_interest_usd_m", "prepayments_repaid_usd_m")
            book_schedule(book, owners[c], s, schedule, items)
    return book


def book_schedule(book: Ledger, owner: str, s: str, schedule: Schedule, items: tuple[str, str, str]) -> None:
    """A loan's or prepayment's cash in its owner's ledger: money drawn in, interest and principal out."""
    drawn, interest, principal = items
    for t, usd_m in schedule.drawn_usd_m.items():
        book[owner, s, t][drawn] += usd_m
    for t, usd_m in schedule.interest_usd_m.items():
        book[owner, s, t][interest] -= usd_m
    for t, usd_m in schedule.principal_usd_m.items():
        book[owner, s, t][principal] -= usd_m


def book_transfers(m: pyo.ConcreteModel, d: ModelData, book: Ledger, s: str) -> None:
    """Feed passed between plants, and feed bought spot, in scenario s.

    A transfer is priced at ``value_chain.transfer_price_usd_per_t`` (what the producer forgoes
    by not selling spot): a sale of the producer, a purchase of the receiver, who also pays the
    logistics; the two prices cancel in the portfolio, whose NPV carries only the logistics.
    """
    per_t = USD_M_PER_USD
    for q, p, t in d.transfer_arcs:
        tonnes = val_at(m.transfer, (q, p, t, s))
        if not tonnes:
            continue
        price = transfer_price_usd_per_t(d, d.feed_mineral[p], t, s)
        book[q, s, t]["transfer_sales_usd_m"] += per_t * price * tonnes
        book[p, s, t]["transfer_purchases_usd_m"] -= per_t * price * tonnes
        book[p, s, t]["logistics_usd_m"] -= per_t * d.transfer_cost_usd_per_t[q, p] * tonnes
    for p, t in d.plant_years:
        tonnes = val_at(m.feed_spot_buy, (p, t, s)) if p in d.feed_mineral else 0.0
        if tonnes:
            spot = d.spot_price_usd_per_t[d.feed_mineral[p], t, s] * (1 + d.spot_premium)
            book[p, s, t]["spot_purchases_usd_m"] -= per_t * spot * tonnes


def sales_usd_m(m: pyo.ConcreteModel, d: ModelData, p: str, t: int, s: str) -> tuple[float, float, float]:
    """Plant p's sales in (t, s), USD m: to contracts backing its debt, to any contract, and in all."""
    backed = contracted = 0.0
    for mineral in d.plant_minerals.get(p, []):
        for _, c, _ in d.arcs_by_plant_mineral_year.get((p, mineral, t), []):
            usd_m = USD_M_PER_USD * d.contract_price_usd_per_t[c, t, s] * val_at(m.flow, (p, c, t, s))
            contracted += usd_m
            if p in d.debt_terms and d.backs_debt(c, p):
                backed += usd_m
    spot = sum(
        USD_M_PER_USD
        * d.spot_price_usd_per_t[mineral, t, s]
        * (1 - d.spot_sale_discount)
        * val(m.spot_sale[p, mineral, t, s])
        for mineral in d.plant_minerals.get(p, [])
        if (p, mineral, t, s) in m.spot_sale
    )
    return backed, contracted, contracted + spot


PLANT_COLUMNS = [
    "scenario",
    "year",
    "project",
    *ITEMS,
    "net_cash_usd_m",
    "discount_factor",
    "discounted_usd_m",
    "cfads_usd_m",
    "debt_service_usd_m",
    "dscr",
    "min_dscr",
    "sales_usd_m",
    "contracted_share",
    "debt_backing_share",
    "min_contracted_share",
    "lender_scenario",
]


def plant_cash_flows_table(m: pyo.ConcreteModel, d: ModelData, book: Ledger | None = None) -> pd.DataFrame:
    """One row per owner, scenario and year: the ledger items, and for plants the covenant measures.

    ``cfads_usd_m`` is the operating items' sum; ``debt_service_usd_m`` the interest and
    principal of the plant's loan and of the prepayments it owns; in the years its loan is
    serviced, ``dscr`` = cfads / debt service and ``debt_backing_share`` = sales to contracts
    at least as long as its debt tenor / all sales (the covenants of ``models/finance.py``).
    """
    book = ledger(m, d) if book is None else book
    funded = funded_choices(m, d)
    lenders = set(d.lender_scenarios)
    rows = []
    owners = [*(p for p in d.projects if p in funded), PORTFOLIO]
    years_of: dict[tuple[str, str], list[int]] = {}  # one pass over the book, not one per owner
    for o, s_, t in book:
        years_of.setdefault((o, s_), []).append(t)
    for s in d.scenarios:
        for owner in owners:
            for t in sorted(years_of.get((owner, s), [])):
                amounts = book[owner, s, t]
                net = sum(amounts[i] for i in ITEMS)
                row: dict[str, Any] = {
                    "scenario": s,
                    "year": t,
                    "project": owner,
                    **{i: amounts[i] for i in ITEMS},
                    "net_cash_usd_m": net,
                    "discount_factor": d.discount_factor[t],
                    "discounted_usd_m": net * d.discount_factor[t],
                    "lender_scenario": s in lenders,
                }
                if owner != PORTFOLIO:
                    row.update(covenant_measures(m, d, amounts, funded[owner], t, s))
                rows.append(row)
    return pd.DataFrame(rows, columns=PLANT_COLUMNS)


def covenant_measures(
    m: pyo.ConcreteModel, d: ModelData, amounts: dict[str, float], key: FundKey, t: int, s: str
) -> dict[str, Any]:
    """CFADS, debt service, DSCR and contracted shares of a funded plant in one year and scenario."""
    p = key[0]
    cfads = sum(amounts[i] for i in OPERATING_ITEMS)
    service = -(
        amounts["debt_interest_usd_m"]
        + amounts["debt_principal_usd_m"]
        + amounts["prepayments_repaid_usd_m"]
        + amounts["prepayment_interest_usd_m"]
    )
    loan = d.debt.get(key)
    in_debt = loan is not None and loan.service_usd_m(t) > 0
    backed, contracted, sales = (
        sales_usd_m(m, d, p, t, s) if d.funds_operating_in(p, t, s) else (0.0, 0.0, 0.0)
    )
    terms = d.debt_terms[p]
    return {
        "cfads_usd_m": cfads,
        "debt_service_usd_m": service,
        "dscr": cfads / service if in_debt and service > 0 else None,
        "min_dscr": terms.min_dscr if in_debt else None,
        "sales_usd_m": sales,
        "contracted_share": contracted / sales if sales > 0 else None,
        "debt_backing_share": (backed / sales if sales > 0 else None) if in_debt else None,
        "min_contracted_share": terms.min_contracted_share if in_debt else None,
    }


def portfolio_cash_flows_table(book: Ledger, d: ModelData) -> pd.DataFrame:
    """The CashFlows table: every owner's items summed per scenario and year."""
    total: dict[tuple[str, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for (_, s, t), amounts in book.items():
        for item, usd_m in amounts.items():
            total[s, t][item] += usd_m
    rows = []
    for (s, t), amounts in sorted(total.items(), key=lambda kv: (d.scenarios.index(kv[0][0]), kv[0][1])):
        net = sum(amounts[i] for i in ITEMS)
        rows.append(
            {
                "scenario": s,
                "year": t,
                **{i: amounts[i] for i in ITEMS},
                "net_cash_usd_m": net,
                "discount_factor": d.discount_factor[t],
                "discounted_usd_m": net * d.discount_factor[t],
            }
        )
    return pd.DataFrame(
        rows, columns=["scenario", "year", *ITEMS, "net_cash_usd_m", "discount_factor", "discounted_usd_m"]
    )


def owner_npv_usd_m(book: Ledger, d: ModelData, owner: str, items: tuple[str, ...] = ITEMS) -> float:
    """Expected discounted cash of one owner (of some items only), USD m."""
    return sum(
        d.probability[s] * d.discount_factor[t] * sum(amounts[i] for i in items)
        for (o, s, t), amounts in book.items()
        if o == owner
    )


def scenario_npv_usd_m(book: Ledger, d: ModelData) -> dict[tuple[str, str], float]:
    """Discounted cash of each owner in each scenario, USD m: (owner, scenario) -> NPV."""
    npv: dict[tuple[str, str], float] = defaultdict(float)
    for (o, s, t), amounts in book.items():
        npv[o, s] += d.discount_factor[t] * sum(amounts[i] for i in ITEMS)
    return npv


def npv_bridge_table(book: Ledger, d: ModelData, funded_projects: list[str]) -> pd.DataFrame:
    """From each funded plant's expected NPV to the portfolio's: one line per plant, the portfolio's own
    items, the total; each split into operating cash, capex and financing (USD m, discounted)."""
    rows: list[dict[str, Any]] = []
    for owner in [*funded_projects, PORTFOLIO]:
        operating = owner_npv_usd_m(book, d, owner, OPERATING_ITEMS)
        capex = owner_npv_usd_m(book, d, owner, CAPEX_ITEMS)
        financing = owner_npv_usd_m(book, d, owner, FINANCING_ITEMS)
        rows.append(
            {
                "line": owner if owner != PORTFOLIO else "portfolio: contracts of no funded plant",
                "project": owner,
                "operating_usd_m": operating,
                "capex_usd_m": capex,
                "financing_usd_m": financing,
                "npv_usd_m": operating + capex + financing,
            }
        )
    totals = {
        c: sum(float(r[c]) for r in rows)
        for c in ("operating_usd_m", "capex_usd_m", "financing_usd_m", "npv_usd_m")
    }
    rows.append({"line": "expected NPV of the portfolio", "project": "", **totals})
    return pd.DataFrame(
        rows, columns=["line", "project", "operating_usd_m", "capex_usd_m", "financing_usd_m", "npv_usd_m"]
    )


FUNDING_COLUMNS = [
    "scenario",
    "year",
    "capex_usd_m",
    "debt_drawn_usd_m",
    "prepayments_received_usd_m",
    "own_money_usd_m",
    "within_budget_usd_m",
    "contingency_usd_m",
    "annual_cap_usd_m",
    "budget_left_usd_m",
]


def funding_table(book: Ledger, d: ModelData) -> pd.DataFrame:
    """Money spent against money available, per scenario and year, USD m.

    own money = capex (as shocked in the scenario) - debt drawn - prepayments received. The
    budget pays it within the annual cap, in year order, as far as it goes (prepayments
    arriving in any year widen the budget, as in ``funding.add_capex_within_budget``); the
    rest is the contingency the scenario needs (``finance.add_funding_in_every_scenario``).
    This order draws the least contingency any order could.
    """
    flows: dict[tuple[str, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for (_, s, t), amounts in book.items():
        for item in ("capex_usd_m", "debt_drawn_usd_m", "prepayments_received_usd_m"):
            if amounts.get(item):
                flows[s, t][item] += amounts[item]
    rows = []
    for s in d.scenarios:
        years = sorted(t for s_, t in flows if s_ == s)
        own = {
            t: -flows[s, t]["capex_usd_m"]
            - flows[s, t]["debt_drawn_usd_m"]
            - flows[s, t]["prepayments_received_usd_m"]
            for t in years
        }
        left = (d.budget_usd_m if d.budget_usd_m is not None else float("inf")) - sum(
            min(0.0, v) for v in own.values()
        )
        cap = d.annual_budget_usd_m if d.annual_budget_usd_m is not None else float("inf")
        for t in years:
            within = min(own[t], cap, left) if own[t] > 0 else own[t]
            if own[t] > 0:
                left -= within
            rows.append(
                {
                    "scenario": s,
                    "year": t,
                    "capex_usd_m": -flows[s, t]["capex_usd_m"],
                    "debt_drawn_usd_m": flows[s, t]["debt_drawn_usd_m"],
                    "prepayments_received_usd_m": flows[s, t]["prepayments_received_usd_m"],
                    "own_money_usd_m": own[t],
                    "within_budget_usd_m": within,
                    "contingency_usd_m": max(0.0, own[t] - within),
                    "annual_cap_usd_m": d.annual_budget_usd_m,
                    "budget_left_usd_m": left if d.budget_usd_m is not None else None,
                }
            )
    return pd.DataFrame(rows, columns=FUNDING_COLUMNS)
