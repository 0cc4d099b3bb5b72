"""Read a solved model back into the plan's tables (pandas DataFrames), in business units."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd
import pyomo.core as pyo
from optimizer.models.common import solved_value, val, val_at
from optimizer.models.contracts import serving_plant
from optimizer.models.data import USD_M_PER_USD, ModelData
from optimizer.models.funding import equity_usd_m
from optimizer.models.ledger import (
    Ledger,
    contract_owner,
    funded_choices,
    ledger,
    owner_npv_usd_m,
    portfolio_cash_flows_table,
    scenario_npv_usd_m,
)
from optimizer.models.objective import prepayment_benefit_npv_usd_m
from optimizer.models.value_chain import transfer_price_usd_per_t

from optimizer.case import Case, records

TOLERANCE_T = 1e-6


def funded_keys(m: pyo.ConcreteModel, d: ModelData) -> list[tuple[str, str, int]]:
    return [k for k in d.fund_keys if val(m.fund[k]) > 0.5]


def signed_contracts(m: pyo.ConcreteModel, d: ModelData) -> list[str]:
    return [c for c in d.contracts if val(m.sign[c]) > 0.5]


def flows_table(m: pyo.ConcreteModel, d: ModelData) -> pd.DataFrame:
    """Tonnes per scenario, year, plant and contract; spot purchases (owned by the contract's serving
    plant, if it has one); transfers plant -> plant (``to_project``; they move no money)."""
    rows: list[tuple[object, ...]] = []
    owner = {c: serving_plant(m, d, c) or "" for c in d.contracts}
    for s in d.scenarios:
        for p, c, t in d.arcs:
            tonnes = val_at(m.flow, (p, c, t, s))
            if tonnes > TOLERANCE_T:
                price = d.contract_price_usd_per_t[c, t, s]
                rows.append(
                    (
                        s,
                        t,
                        p,
                        c,
                        d.contract_buyer[c],
                        d.contract_mineral[c],
                        "plant",
                        tonnes,
                        price,
                        tonnes * price * USD_M_PER_USD,
                        "",
                    )
                )
        for c, t in d.contract_years:
            tonnes = val_at(m.spot_buy, (c, t, s))
            if tonnes > TOLERANCE_T:
                price = d.contract_price_usd_per_t[c, t, s]
                rows.append(
                    (
                        s,
                        t,
                        owner[c],
                        c,
                        d.contract_buyer[c],
                        d.contract_mineral[c],
                        "spot purchase",
                        tonnes,
                        price,
                        tonnes * price * USD_M_PER_USD,
                        "",
                    )
                )
        for q, p, t in d.transfer_arcs:
            tonnes = val_at(m.transfer, (q, p, t, s))
            if tonnes > TOLERANCE_T:
                rows.append((s, t, q, "", "", d.feed_mineral[p], "transfer", tonnes, None, 0.0, p))
    columns = [
        "scenario",
        "year",
        "project",
        "contract",
        "buyer",
        "mineral",
        "source",
        "tonnes",
        "price_usd_per_t",
        "revenue_usd_m",
        "to_project",
    ]
    return (
        pd.DataFrame(rows, columns=columns)
        .sort_values(["scenario", "year", "mineral", "contract", "project"], kind="stable")
        .reset_index(drop=True)
    )


def transfers_table(m: pyo.ConcreteModel, d: ModelData) -> pd.DataFrame:
    """Feed of plants that other plants feed: per scenario, year and receiving plant, what came from
    each plant (at its logistics cost) and from the spot market (at spot x (1 + spot_premium))."""
    rows = []
    for s in d.scenarios:
        for q, p, t in d.transfer_arcs:
            tonnes = val_at(m.transfer, (q, p, t, s))
            if tonnes > TOLERANCE_T:
                cost = d.transfer_cost_usd_per_t[q, p]
                price = transfer_price_usd_per_t(d, d.feed_mineral[p], t, s)
                rows.append(
                    (
                        s,
                        t,
                        d.feed_mineral[p],
                        q,
                        p,
                        "plant",
                        tonnes,
                        cost,
                        tonnes * cost * USD_M_PER_USD,
                        price,
                    )
                )
        for p, t, s_ in m.feed_spot_buy:
            if s_ != s:
                continue
            tonnes = val(m.feed_spot_buy[p, t, s])
            if tonnes > TOLERANCE_T:
                f = d.feed_mineral[p]
                cost = d.spot_price_usd_per_t[f, t, s] * (1 + d.spot_premium)
                rows.append(
                    (s, t, f, "", p, "spot purchase", tonnes, cost, tonnes * cost * USD_M_PER_USD, cost)
                )
    columns = [
        "scenario",
        "year",
        "mineral",
        "from_project",
        "to_project",
        "source",
        "tonnes",
        "cost_usd_per_t",
        "cost_usd_m",
        "transfer_price_usd_per_t",
    ]
    return (
        pd.DataFrame(rows, columns=columns)
        .sort_values(["scenario", "year", "to_project", "source", "from_project"], kind="stable")
        .reset_index(drop=True)
    )


def cash_flows_table(m: pyo.ConcreteModel, d: ModelData, book: Ledger | None = None) -> pd.DataFrame:
    """Undiscounted cash by scenario and year, USD m: the plant ledgers summed (``models.ledger``);
    the discounted net sums to the scenario's NPV."""
    return portfolio_cash_flows_table(ledger(m, d) if book is None else book, d)


def project_scenarios_table(m: pyo.ConcreteModel, d: ModelData, book: Ledger | None = None) -> pd.DataFrame:
    """Per funded project and scenario: its ledger's NPV (USD m, discounted: its own items and those of the
    contracts it owns, as in NPVBridge) and the feed it processes over its life (t)."""
    npv = scenario_npv_usd_m(ledger(m, d) if book is None else book, d)
    rows = [
        {
            "project": k[0],
            "option": k[1],
            "scenario": s,
            "probability": d.probability[s],
            "npv_usd_m": npv[k[0], s],
            "feed_t": sum(val_at(m.feed, (k[0], t, s)) for t in d.operating_years_in(k, s)),
            "operating_years": len(d.operating_years_in(k, s)),
        }
        for k in funded_keys(m, d)
        for s in d.scenarios
    ]
    columns = ["project", "option", "scenario", "probability", "npv_usd_m", "feed_t", "operating_years"]
    return pd.DataFrame(rows, columns=columns)


def funded_table(m: pyo.ConcreteModel, d: ModelData, case: Case, book: Ledger | None = None) -> pd.DataFrame:
    """One row per funded project; ``npv_contribution_usd_m`` is its ledger's expected NPV (its own items and
    those of the contracts it owns), so the contributions and the portfolio line of NPVBridge add up to E[NPV]."""
    book = ledger(m, d) if book is None else book
    projects = case.table("Projects").set_index("project")
    rows = []
    for k in funded_keys(m, d):
        p, o, y = k
        operating = d.operating_years[k]
        loan = d.debt.get(k)
        service = loan.service_years if loan is not None else []
        rows.append(
            {
                "project": p,
                "option": o,
                "start_year": y,
                "first_operating_year": operating[0] if operating else None,
                "kind": projects.loc[p, "kind"],
                "sponsor": projects.loc[p, "sponsor"],
                "state": projects.loc[p, "state"],
                "capacity_tpa": d.capacity_tpa[p, o],
                "capex_usd_m": d.fund_capex_usd_m[k],
                "npv_contribution_usd_m": owner_npv_usd_m(book, d, p),
                "debt_usd_m": loan.amount_usd_m if loan is not None else 0.0,
                "equity_usd_m": equity_usd_m(d, k),
                "debt_rate": d.debt_terms[p].rate if loan is not None else None,
                "first_debt_service_year": service[0] if service else None,
                "last_debt_service_year": service[-1] if service else None,
                "min_dscr": d.debt_terms[p].min_dscr if loan is not None else None,
                "min_contracted_share": d.debt_terms[p].min_contracted_share if loan is not None else None,
                "currency": d.project_currency.get(p, "USD"),
            }
        )
    columns = [
        "project",
        "option",
        "start_year",
        "first_operating_year",
        "kind",
        "sponsor",
        "state",
        "capacity_tpa",
        "capex_usd_m",
        "npv_contribution_usd_m",
        "debt_usd_m",
        "equity_usd_m",
        "debt_rate",
        "first_debt_service_year",
        "last_debt_service_year",
        "min_dscr",
        "min_contracted_share",
        "currency",
    ]
    return pd.DataFrame(rows, columns=columns)


def signed_table(m: pyo.ConcreteModel, d: ModelData, case: Case) -> pd.DataFrame:
    contracts = case.table("Contracts").set_index("contract")
    owners = funded_choices(m, d)
    rows = []
    for c in signed_contracts(m, d):
        delivered = bought = short = 0.0
        for s in d.scenarios:
            weight = d.probability[s]
            for t in d.years_of_contract.get(c, []):
                delivered += weight * sum(
                    val_at(m.flow, (p, c, t, s)) for p, _, _ in d.arcs_by_contract_year.get((c, t), [])
                )
                if (c, t, s) in m.spot_buy:
                    bought += weight * val(m.spot_buy[c, t, s])
                if (c, t, s) in m.shortfall:
                    short += weight * val(m.shortfall[c, t, s])
        row = contracts.loc[c].to_dict()
        rows.append(
            {
                "contract": c,
                "buyer": d.contract_buyer[c],
                "mineral": d.contract_mineral[c],
                "start_year": int(row["start_year"]),
                "end_year": int(row["end_year"]),
                "min_tpa": d.min_tpa[c],
                "max_tpa": d.max_tpa[c],
                "pricing": "fixed" if pd.notna(row["price_usd_per_t"]) else "index",
                "delivered_t": delivered,
                "spot_purchased_t": bought,
                "shortfall_t": short,
                "prepayment_usd_m": d.prepayment_usd_m[c],
                "prepayment_benefit_usd_m": prepayment_benefit_npv_usd_m(d, c),
                "prepayment_rate": prepayment_rate(d, c),
                "owner": contract_owner(m, d, c, owners),
                "currency": d.contract_currency.get(c, "USD"),
                "served_by": serving_plant(m, d, c) or "",
                "signing_cost_usd_m": d.signing_cost_usd_m[c],
            }
        )
    columns = [
        "contract",
        "buyer",
        "mineral",
        "start_year",
        "end_year",
        "min_tpa",
        "max_tpa",
        "pricing",
        "delivered_t",
        "spot_purchased_t",
        "shortfall_t",
        "prepayment_usd_m",
        "prepayment_benefit_usd_m",
        "prepayment_rate",
        "owner",
        "currency",
        "served_by",
        "signing_cost_usd_m",
    ]
    return pd.DataFrame(rows, columns=columns)


def prepayment_rate(d: ModelData, contract: str) -> float | None:
    """The prepayment's interest rate, from its first year's interest (None without a prepayment)."""
    schedule = d.prepayment.get(contract)
    if schedule is None:
        return None
    first = min(schedule.drawn_usd_m)
    return schedule.interest_usd_m.get(first, 0.0) / schedule.amount_usd_m


def coverage_table(m: pyo.ConcreteModel, d: ModelData, case: Case) -> pd.DataFrame:
    demand = case.table("Demand")
    rows = []
    for r in records(demand):
        mineral, t = str(r["mineral"]), int(r["year"])
        for s in d.scenarios:
            covered = sum(val_at(m.flow, (p, c, t_, s)) for p, c, t_ in d.coverage_arcs.get((mineral, t), []))
            applies = d.coverage_applies(mineral, t, s)
            rows.append(
                {
                    "mineral": mineral,
                    "year": t,
                    "scenario": s,
                    "demand_t": float(r["demand_t"]),
                    "min_coverage": float(r["min_coverage"]),
                    "required_t": float(r["demand_t"]) * float(r["min_coverage"]) if applies else 0.0,
                    "covered_t": covered,
                    "coverage_share": covered / float(r["demand_t"]) if float(r["demand_t"]) > 0 else None,
                    "country": r["country"],
                    "applies": applies,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "mineral",
            "year",
            "scenario",
            "demand_t",
            "min_coverage",
            "required_t",
            "covered_t",
            "coverage_share",
            "country",
            "applies",
        ],
    )


def npv_by_scenario_table(m: pyo.ConcreteModel, d: ModelData) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"scenario": s, "probability": d.probability[s], "npv_usd_m": float(solved_value(m.npv[s]))}
            for s in d.scenarios
        ],
        columns=["scenario", "probability", "npv_usd_m"],
    )


def expected_revenue_by_contract(m: pyo.ConcreteModel, d: ModelData) -> dict[str, float]:
    """Probability-weighted, discounted contract revenue, USD m (as the revenue limits count it)."""
    revenue: dict[str, float] = defaultdict(float)
    for s in d.scenarios:
        weight = d.probability[s]
        for p, c, t in d.arcs:
            revenue[c] += (
                weight * d.discount_factor[t] * d.price_usd_m_per_t(c, t, s) * val_at(m.flow, (p, c, t, s))
            )
        for c, t in d.contract_years:
            if (c, t, s) in m.spot_buy:
                revenue[c] += (
                    weight * d.discount_factor[t] * d.price_usd_m_per_t(c, t, s) * val(m.spot_buy[c, t, s])
                )
    return dict(revenue)


def limit_shares_table(m: pyo.ConcreteModel, d: ModelData) -> pd.DataFrame:
    """Each concentration limit with the share the plan gives its member, and whether it binds."""
    capex_by_project: dict[str, float] = defaultdict(float)
    for k in funded_keys(m, d):
        capex_by_project[k[0]] += d.fund_capex_usd_m[k]
    revenue = expected_revenue_by_contract(m, d)
    total_capex = sum(capex_by_project.values())
    total_revenue = sum(revenue.values())
    rows = []
    for limit in d.limits:
        if limit.of_capex:
            value, total, basis = (
                sum(capex_by_project.get(p, 0.0) for p in limit.projects),
                total_capex,
                "funded capex",
            )
        else:
            value, total, basis = (
                sum(revenue.get(c, 0.0) for c in limit.contracts),
                total_revenue,
                "expected contract revenue",
            )
        share = value / total if total > 0 else 0.0
        rows.append(
            {
                "dimension": limit.dimension,
                "member": limit.member,
                "basis": basis,
                "value_usd_m": value,
                "total_usd_m": total,
                "share": share,
                "max_share": limit.max_share,
                "binding": share >= limit.max_share - 1e-6,
            }
        )
    columns = ["dimension", "member", "basis", "value_usd_m", "total_usd_m", "share", "max_share", "binding"]
    return pd.DataFrame(rows, columns=columns)
