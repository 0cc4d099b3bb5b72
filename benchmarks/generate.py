"""Seeded synthetic offtake cases for benchmarking, written as input workbooks.

The cases look like the India-Japan example (plants of four kinds recovering several
products, contracts of 5-15 years with fixed or index pricing, shared feedstocks, demand
coverage, price and capex scenarios) but at sizes a growing user will reach. Each product
is recovered by a handful of plants, so a contract has about five eligible plants and
the plant-contract arcs stay sparse, as in real portfolios.

    python benchmarks/generate.py medium -o benchmarks/cases/medium.xlsx
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import Workbook

from optimizer.workbook.schema import TABLES

Rows = list[dict[str, Any]]

KINDS = ("black_mass", "hydromet_refinery", "magnet_recycler", "catalyst_recycler")
STATES = (
    "Tamil Nadu",
    "Gujarat",
    "Uttar Pradesh",
    "Uttarakhand",
    "Andhra Pradesh",
    "Karnataka",
    "Maharashtra",
    "Odisha",
)
BASE_YEAR = 2026


@dataclass(frozen=True)
class Size:
    plants: int
    contracts: int
    years: int
    scenarios: int
    buyers: int
    products_per_kind: (
        int  # product grades per kind: plants per product ~ plants / 4 / this x products per plant
    )


SIZES: dict[str, Size] = {
    "small": Size(plants=10, contracts=40, years=10, scenarios=3, buyers=10, products_per_kind=2),
    "medium": Size(plants=50, contracts=200, years=15, scenarios=10, buyers=40, products_per_kind=5),
    "large": Size(plants=200, contracts=1000, years=20, scenarios=50, buyers=500, products_per_kind=20),
}


def generate(size: Size, seed: int = 20261122) -> dict[str, Rows]:
    """Every input sheet of one synthetic case; the same seed gives the same case."""
    rng = np.random.default_rng(seed)
    end_year = BASE_YEAR + size.years - 1
    products = {kind: [f"{kind}_p{i + 1}" for i in range(size.products_per_kind)] for kind in KINDS}
    price = {p: float(rng.uniform(2_000, 60_000)) for grades in products.values() for p in grades}

    projects: Rows = []
    options: Rows = []
    yields: Rows = []
    plants_of: dict[str, list[str]] = {p: [] for p in price}
    for i in range(size.plants):
        kind = KINDS[i % len(KINDS)]
        name = f"P{i + 1:03d}"
        earliest = BASE_YEAR + int(rng.integers(0, max(1, min(5, size.years - 3))))
        projects.append(
            {
                "project": name,
                "sponsor": f"Sponsor{int(rng.integers(1, max(3, size.plants // 2) + 1))}",
                "state": STATES[int(rng.integers(0, len(STATES)))],
                "kind": kind,
                "feedstock": f"{kind}_feed",
                "earliest_year": earliest,
                "latest_year": earliest + 2,
                "build_years": int(rng.integers(1, 3)),
                "variable_cost_usd_per_t": float(rng.uniform(200, 2_000)),
            }
        )
        base_capacity = float(rng.uniform(2_000, 20_000))
        for option, scale in (("small", 1.0), ("large", 2.0)):
            options.append(
                {
                    "project": name,
                    "option": option,
                    "capacity_tpa": round(base_capacity * scale),
                    "capex_usd_m": round(
                        base_capacity * scale * float(rng.uniform(2_000, 6_000)) / 1e6 * scale**-0.2, 2
                    ),
                    "fixed_opex_usd_m": round(base_capacity * scale * 150 / 1e6, 3),
                }
            )
        for product in rng.choice(products[kind], size=min(2, len(products[kind])), replace=False):
            yields.append(
                {
                    "project": name,
                    "mineral": str(product),
                    "yield_t_per_t": round(float(rng.uniform(0.02, 0.3)), 4),
                }
            )
            plants_of[str(product)].append(name)

    producible = [p for p, plants in plants_of.items() if plants]
    minerals: Rows = [
        {
            "mineral": p,
            "price_usd_per_t": round(price[p]),
            "spot_availability_tpa": None if k % 3 else round(float(rng.uniform(50, 500))),
        }
        for k, p in enumerate(price)
    ]
    buyers: Rows = [
        {"buyer": f"B{j + 1:03d}", "country": "Japan", "kind": "trading_house"} for j in range(size.buyers)
    ]
    contracts: Rows = []
    for c in range(size.contracts):
        product = producible[c % len(producible)]
        start = BASE_YEAR + int(rng.integers(1, max(2, size.years - 4)))
        tenor = int(rng.integers(5, 16))
        volume = float(rng.uniform(50, 1_000))
        fixed = bool(rng.random() < 0.4)
        contracts.append(
            {
                "contract": f"K{c + 1:04d}",
                "buyer": buyers[c % size.buyers]["buyer"],
                "mineral": product,
                "start_year": start,
                "end_year": min(end_year, start + tenor - 1),
                "min_tpa": round(volume * float(rng.uniform(0, 0.6))),
                "max_tpa": round(volume),
                "price_usd_per_t": round(price[product] * float(rng.uniform(0.95, 1.1))) if fixed else None,
                "index_discount": None if fixed else round(float(rng.uniform(-0.05, 0.08)), 3),
                "floor_usd_per_t": None if fixed else round(price[product] * 0.7),
                "cap_usd_per_t": None if fixed else round(price[product] * 1.6),
                "shortfall_penalty_usd_per_t": round(price[product] * 0.3),
                "prepayment_usd_m": round(float(rng.uniform(5, 40)), 1) if rng.random() < 0.1 else 0.0,
            }
        )
    feedstocks: Rows = [
        {
            "feedstock": f"{kind}_feed",
            "year": t,
            "available_t": round(size.plants / 4 * 12_000 * (1 + 0.04 * (t - BASE_YEAR))),
        }
        for kind in KINDS
        for t in range(BASE_YEAR, end_year + 1)
    ]
    logistics: Rows = [
        {"project": p["project"], "buyer": b["buyer"], "cost_usd_per_t": round(float(rng.uniform(20, 400)))}
        for p in projects
        for b in buyers
    ]
    demand: Rows = []
    for product in producible[:5]:
        for t in range(BASE_YEAR + 7, end_year + 1):  # every plant can be running by then
            contracted = sum(
                k["max_tpa"]
                for k in contracts
                if k["mineral"] == product and k["start_year"] <= t <= k["end_year"]
            )
            if contracted > 0:
                demand_t = round(float(rng.uniform(200, 2_000)))
                demand.append(
                    {
                        "mineral": product,
                        "year": t,
                        "demand_t": demand_t,
                        "min_coverage": round(min(0.05, 0.3 * contracted / demand_t), 4),
                    }
                )
    scenario_names = [f"S{k + 1:02d}" for k in range(size.scenarios)]
    probability = rng.dirichlet(np.full(size.scenarios, 5.0))
    scenarios: Rows = [
        {"scenario": s, "probability": float(p), "description": "synthetic price and capex draw"}
        for s, p in zip(scenario_names, probability, strict=True)
    ]
    scenarios[-1]["probability"] = 1.0 - sum(float(p) for p in probability[:-1])
    shocks: Rows = []
    for s in scenario_names[1:]:
        for product in producible:
            shocks.append(
                {
                    "scenario": s,
                    "field": "price",
                    "target": product,
                    "multiplier": round(float(rng.lognormal(0, 0.25)), 3),
                }
            )
        shocks.append(
            {
                "scenario": s,
                "field": "capex",
                "target": "*",
                "multiplier": round(float(rng.uniform(0.9, 1.4)), 3),
            }
        )
    total_capex = sum(o["capex_usd_m"] for o in options if o["option"] == "small")
    settings: Rows = [
        {"setting": k, "value": v}
        for k, v in {
            "base_year": BASE_YEAR,
            "end_year": end_year,
            "discount_rate": 0.1,
            "budget_usd_m": round(total_capex * 0.5, 1),
            "risk_aversion": 0.1,
            "cvar_alpha": 0.9,
            "mip_gap": 0.001,
            "time_limit_s": 300,
        }.items()
    ]
    limits: Rows = [
        {"dimension": "sponsor", "member": "*", "max_share": 0.5},
        {"dimension": "buyer", "member": "*", "max_share": 0.6},
    ]
    return {
        "Settings": settings,
        "Minerals": minerals,
        "Projects": projects,
        "Options": options,
        "Yields": yields,
        "Buyers": buyers,
        "Contracts": contracts,
        "Demand": demand,
        "Feedstocks": feedstocks,
        "Logistics": logistics,
        "Limits": limits,
        "Scenarios": scenarios,
        "Shocks": shocks,
    }


def write_case(sheets: dict[str, Rows], path: Path) -> Path:
    """Write with openpyxl's streaming writer; columns in schema order."""
    workbook = Workbook(write_only=True)
    for table in TABLES:
        rows = sheets.get(table.sheet)
        if rows is None:
            continue
        sheet = workbook.create_sheet(table.sheet)
        columns = [c for c in table.column_names if any(c in row for row in rows)]
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(c) for c in columns])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("size", choices=sorted(SIZES))
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args()
    path = write_case(generate(SIZES[args.size], args.seed), args.output)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
