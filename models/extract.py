"""Read a solved model back into the plan's tables (pandas DataFrames), in business units."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd
import pyomo.environ as pyo
from optimizer.models.contracts import serving_plant
from optimizer.models.data import USD_M_PER_USD, ModelData
from optimizer.models.objective import (
    fund_cost_npv_usd_m,
    prepayment_benefit_npv_usd_m,
    signing_cost_npv_usd_m,
)
from optimizer.models.value_chain import transfer_price_usd_per_t

from optimizer.case import Case, records

TOLERANCE_T = 1e-6


def val(var: Any) -> float:
    """A variable's value, 0 for one the solver never saw (it appears in no row)."""
    value = var.value
    return 0.0 if value is None else float(value)


def val_at(var: Any, key: tuple[Any, ...]) -> float:
    """The value of a sparse variable at ``key``, 0 where the index has no such entry."""
    return val(var[key]) if key in var else 0.0


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


def cash_flows_table(m: pyo.ConcreteModel, d: ModelData) -> pd.DataFrame:
    """Undiscounted cash by scenario and year, USD m; discounted net sums to the scenario's NPV."""
    ledger: dict[tuple[str, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    per_t = USD_M_PER_USD
    funded = funded_keys(m, d)
    signed = signed_contracts(m, d)
    for s in d.scenarios:
        for k in funded:
            p, o, _ = k
            for t, usd_m in d.capex_spend_in(k, s).items():
                ledger[s, t]["capex_usd_m"] -= usd_m * d.capex_factor(p, t, s)
            for t in d.operating_years_in(k, s):
                ledger[s, t]["fixed_opex_usd_m"] -= d.fixed_opex_usd_m[p, o] * d.opex_factor(p, t, s)
        for p, t in d.plant_years:
            ledger[s, t]["variable_cost_usd_m"] -= (
                per_t * d.variable_cost_usd_per_t[p] * d.opex_factor(p, t, s) * val_at(m.feed, (p, t, s))
            )
            for mineral in d.plant_minerals.get(p, []):
                tonnes = val_at(m.spot_sale, (p, mineral, t, s))
                ledger[s, t]["spot_sales_usd_m"] += (
                    per_t * d.spot_price_usd_per_t[mineral, t, s] * (1 - d.spot_sale_discount) * tonnes
                )
        for q, p, t in d.transfer_arcs:
            tonnes = val_at(m.transfer, (q, p, t, s))
            ledger[s, t]["logistics_usd_m"] -= per_t * d.transfer_cost_usd_per_t[q, p] * tonnes
        for p, t, s_ in m.feed_spot_buy:
            if s_ == s:
                spot = d.spot_price_usd_per_t[d.feed_mineral[p], t, s]
                ledger[s, t]["spot_purchases_usd_m"] -= (
                    per_t * spot * (1 + d.spot_premium) * val(m.feed_spot_buy[p, t, s])
                )
        for p, c, t in d.arcs:
            tonnes = val_at(m.flow, (p, c, t, s))
            ledger[s, t]["contract_revenue_usd_m"] += per_t * d.contract_price_usd_per_t[c, t, s] * tonnes
            ledger[s, t]["logistics_usd_m"] -= (
                per_t * d.logistics_usd_per_t.get((p, d.contract_buyer[c]), 0.0) * tonnes
            )
        for c, t in d.contract_years:
            if (c, t, s) in m.spot_buy:
                tonnes = val(m.spot_buy[c, t, s])
                ledger[s, t]["contract_revenue_usd_m"] += per_t * d.contract_price_usd_per_t[c, t, s] * tonnes
                spot = d.spot_price_usd_per_t[d.contract_mineral[c], t, s]
                ledger[s, t]["spot_purchases_usd_m"] -= per_t * spot * (1 + d.spot_premium) * tonnes
            if (c, t, s) in m.shortfall:
                ledger[s, t]["shortfall_penalties_usd_m"] -= (
                    per_t * (d.shortfall_penalty_usd_per_t[c] or 0.0) * val(m.shortfall[c, t, s])
                )
        for c in signed:
            amount = d.prepayment_usd_m[c]
            if amount > 0:
                tenor = d.prepayment_years[c]
                ledger[s, tenor[0]]["prepayments_received_usd_m"] += amount
                for t in tenor:
                    ledger[s, t]["prepayments_repaid_usd_m"] -= amount / len(tenor)
            if d.signing_cost_usd_m[c] > 0 and d.years_of_contract.get(c):
                ledger[s, d.years_of_contract[c][0]]["signing_costs_usd_m"] -= d.signing_cost_usd_m[c]
    items = [
        "contract_revenue_usd_m",
        "spot_sales_usd_m",
        "spot_purchases_usd_m",
        "variable_cost_usd_m",
        "logistics_usd_m",
        "fixed_opex_usd_m",
        "shortfall_penalties_usd_m",
        "capex_usd_m",
        "prepayments_received_usd_m",
        "prepayments_repaid_usd_m",
        "signing_costs_usd_m",
    ]
    rows = []
    for (s, t), amounts in sorted(ledger.items()):
        net = sum(amounts[i] for i in items)
        rows.append(
            {
                "scenario": s,
                "year": t,
                **{i: amounts[i] for i in items},
                "net_cash_usd_m": net,
                "discount_factor": d.discount_factor[t],
                "discounted_usd_m": net * d.discount_factor[t],
            }
        )
    return pd.DataFrame(
        rows, columns=["scenario", "year", *items, "net_cash_usd_m", "discount_factor", "discounted_usd_m"]
    )


def plant_npv_usd_m(m: pyo.ConcreteModel, d: ModelData, key: tuple[str, str, int], owned: list[str]) -> float:
    """Expected NPV of one funded plant as its project company sees it: its capex and opex, feed,
    sales and deliveries; the contracts it owns (named or assigned: their spot-bought tonnes,
    shortfalls and signing costs); transfers at ``transfer_price_usd_per_t`` (credited to the
    producer, charged to the receiver with the logistics), feed bought spot."""
    p = key[0]
    npv = 0.0
    for s in d.scenarios:
        contribution = -fund_cost_npv_usd_m(d, key, s)
        for t in d.operating_years_in(key, s):
            df = d.discount_factor[t] * USD_M_PER_USD
            cost = d.variable_cost_usd_per_t[p] * d.opex_factor(p, t, s)
            contribution -= df * cost * val_at(m.feed, (p, t, s))
            for mineral in d.plant_minerals.get(p, []):
                spot = d.spot_price_usd_per_t[mineral, t, s] * (1 - d.spot_sale_discount)
                contribution += df * spot * val_at(m.spot_sale, (p, mineral, t, s))
                for _, c, _ in d.arcs_by_plant_mineral_year.get((p, mineral, t), []):
                    margin = d.contract_price_usd_per_t[c, t, s] - d.logistics_usd_per_t.get(
                        (p, d.contract_buyer[c]), 0.0
                    )
                    contribution += df * margin * val_at(m.flow, (p, c, t, s))
            for q, to, _ in d.transfers_out.get((p, t), []):
                price = transfer_price_usd_per_t(d, d.feed_mineral[to], t, s)
                contribution += df * price * val_at(m.transfer, (q, to, t, s))
            for q, to, _ in d.transfers_in.get((p, t), []):
                price = transfer_price_usd_per_t(d, d.feed_mineral[to], t, s)
                contribution -= (
                    df * (price + d.transfer_cost_usd_per_t[q, to]) * val_at(m.transfer, (q, to, t, s))
                )
            if p in d.feed_mineral:
                spot = d.spot_price_usd_per_t[d.feed_mineral[p], t, s] * (1 + d.spot_premium)
                contribution -= df * spot * val_at(m.feed_spot_buy, (p, t, s))
        for c in owned:
            for t in d.years_of_contract.get(c, []):
                df = d.discount_factor[t] * USD_M_PER_USD
                spot = d.spot_price_usd_per_t[d.contract_mineral[c], t, s] * (1 + d.spot_premium)
                margin = d.contract_price_usd_per_t[c, t, s] - spot
                contribution += df * margin * val_at(m.spot_buy, (c, t, s))
                penalty = d.shortfall_penalty_usd_per_t[c] or 0.0
                contribution -= df * penalty * val_at(m.shortfall, (c, t, s))
        npv += d.probability[s] * contribution
    return npv - sum(signing_cost_npv_usd_m(d, c) for c in owned)


def funded_table(m: pyo.ConcreteModel, d: ModelData, case: Case) -> pd.DataFrame:
    projects = case.table("Projects").set_index("project")
    signed = signed_contracts(m, d)
    owner = {c: serving_plant(m, d, c) for c in signed}
    rows = []
    for k in funded_keys(m, d):
        p, o, y = k
        npv = plant_npv_usd_m(m, d, k, [c for c in signed if owner[c] == p])
        operating = d.operating_years[k]
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
                "capex_usd_m": d.capex_usd_m[p, o],
                "npv_contribution_usd_m": npv,
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
    ]
    return pd.DataFrame(rows, columns=columns)


def signed_table(m: pyo.ConcreteModel, d: ModelData, case: Case) -> pd.DataFrame:
    contracts = case.table("Contracts").set_index("contract")
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
        "served_by",
        "signing_cost_usd_m",
    ]
    return pd.DataFrame(rows, columns=columns)


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
            {"scenario": s, "probability": d.probability[s], "npv_usd_m": float(pyo.value(m.npv[s]))}
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
    for p, o, _ in funded_keys(m, d):
        capex_by_project[p] += d.capex_usd_m[p, o]
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
