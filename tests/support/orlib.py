"""OR-Library capacitated warehouse location instances as offtake workbooks.

With one year, one scenario, no risk and no limits the offtake model is a capacitated
facility-location problem: sites are plants (capex = fixed cost, feed capacity = site
capacity, yield 1), customers are contracts that must be served in full (firm
``min_tpa = max_tpa = demand``, signed), and the logistics cost per tonne from site i to
customer j is c_ij / d_j (c_ij is the cost of serving all of j's demand from i). Objective
in USD m = -(sum f_i y_i + sum c_ij x_ij), so the plan's objective is minus the optimum.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

DATA = Path(__file__).resolve().parent.parent / "data" / "orlib-cap"
USD_PER_USD_M = 1e6


@dataclass(frozen=True)
class Instance:
    name: str
    capacities: list[float]
    fixed_costs: list[float]
    demands: list[float]
    costs: list[list[float]]  # costs[j][i]: serve all of customer j from site i


def read_instance(path: Path, capacity: float | None = None) -> Instance:
    """Parse ``capNN.txt``; capa/b/c have the word ``capacity`` where ``capacity`` goes."""
    tokens = path.read_text().split()
    sites, customers = int(tokens[0]), int(tokens[1])
    pos = 2
    capacities, fixed = [], []
    for _ in range(sites):
        word = tokens[pos]
        if word == "capacity":
            if capacity is None:
                raise ValueError(f"{path.name} needs a capacity value")
            capacities.append(capacity)
        else:
            capacities.append(float(word))
        fixed.append(float(tokens[pos + 1]))
        pos += 2
    demands, costs = [], []
    for _ in range(customers):
        demands.append(float(tokens[pos]))
        costs.append([float(x) for x in tokens[pos + 1 : pos + 1 + sites]])
        pos += 1 + sites
    return Instance(path.stem, capacities, fixed, demands, costs)


def optima() -> dict[str, float]:
    """``capopt.txt`` for the small instances: name -> proven optimal cost."""
    values = {}
    for line in (DATA / "capopt.txt").read_text().splitlines()[1:]:
        parts = line.split()
        if len(parts) == 2 and parts[0].startswith("cap"):
            values[parts[0]] = float(parts[1])
    return values


def large_optima() -> dict[tuple[str, float], float]:
    """capa/capb/capc optima by capacity: (name, capacity) -> optimal cost."""
    values: dict[tuple[str, float], float] = {}
    name = ""
    for line in (DATA / "capopt.txt").read_text().splitlines()[1:]:
        parts = line.replace("(", " ").replace(")", " ").split()
        if "capacity" not in parts:
            continue
        if parts[0].startswith("cap"):
            name = parts[0]
            parts = parts[1:]
        values[name, float(parts[2])] = float(parts[0])
    return values


def write_workbook(
    instance: Instance,
    path: Path,
    mip_gap: float = 1e-9,
    time_limit_s: float = 600.0,
    *,
    single_plant: bool = False,
) -> Path:
    """The instance as an input workbook for ``optimize plan`` (``single_plant``: each customer is
    served by one site, the single-source problem)."""
    wb = Workbook()
    wb.remove(wb.active)

    def sheet(name: str, header: list[str], rows: list[list[object]]) -> None:
        ws = wb.create_sheet(name)
        ws.append(header)
        for row in rows:
            ws.append(row)

    sites = range(len(instance.capacities))
    customers = range(len(instance.demands))
    sheet(
        "Settings",
        ["setting", "value"],
        [
            ["base_year", 2026],
            ["end_year", 2026],
            ["discount_rate", 0],
            ["mip_gap", mip_gap],
            ["time_limit_s", time_limit_s],
            *([["single_plant", True]] if single_plant else []),
        ],
    )
    sheet("Minerals", ["mineral", "price_usd_per_t", "spot_availability_tpa"], [["service", 0, 0]])
    sheet("Projects", ["project", "earliest_year"], [[f"S{i + 1}", 2026] for i in sites])
    sheet(
        "Options",
        ["project", "option", "capacity_tpa", "capex_usd_m"],
        [[f"S{i + 1}", "site", instance.capacities[i], instance.fixed_costs[i]] for i in sites],
    )
    sheet("Yields", ["project", "mineral", "yield_t_per_t"], [[f"S{i + 1}", "service", 1] for i in sites])
    sheet("Buyers", ["buyer"], [[f"C{j + 1}"] for j in customers])
    sheet(
        "Contracts",
        [
            "contract",
            "buyer",
            "mineral",
            "start_year",
            "end_year",
            "min_tpa",
            "max_tpa",
            "price_usd_per_t",
            "decision",
        ],
        [
            [f"K{j + 1}", f"C{j + 1}", "service", 2026, 2026, d, d, 0, "sign"]
            for j, d in enumerate(instance.demands)
        ],
    )
    sheet(
        "Logistics",
        ["project", "buyer", "cost_usd_per_t"],
        [
            [f"S{i + 1}", f"C{j + 1}", instance.costs[j][i] / instance.demands[j] * USD_PER_USD_M]
            for j in customers
            if instance.demands[j] > 0
            for i in sites
        ],
    )
    wb.save(path)
    return path
