"""Random capacitated facility-location cases that HiGHS cannot close at the root node.

Sites and customers are points in the unit square (Cornuejols, Sridharan and Thizy's
generator shape): serving cost grows with distance and demand, fixed costs with the
square root of capacity, and total capacity is ``capacity_ratio`` times total demand.
Seeded, so the same arguments always give the same workbook.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from tests.support.orlib import Instance, write_workbook


def random_instance(sites: int, customers: int, seed: int, capacity_ratio: float) -> Instance:
    rng = random.Random(seed)
    site_xy = [(rng.random(), rng.random()) for _ in range(sites)]
    customer_xy = [(rng.random(), rng.random()) for _ in range(customers)]
    demands = [float(rng.randint(5, 35)) for _ in range(customers)]
    raw = [rng.randint(10, 160) for _ in range(sites)]
    scale = capacity_ratio * sum(demands) / sum(raw)
    capacities = [float(round(c * scale)) for c in raw]
    fixed = [rng.randint(0, 90) + rng.randint(100, 110) * math.sqrt(c) for c in capacities]
    costs = [[10 * d * math.dist(c, s) for s in site_xy] for c, d in zip(customer_xy, demands, strict=True)]
    return Instance(f"random{sites}x{customers}s{seed}", capacities, fixed, demands, costs)


def hard_workbook(path: Path, sites: int, customers: int, seed: int, capacity_ratio: float) -> Path:
    """The instance as an input workbook solved to a zero gap (so limits, not the gap, stop it)."""
    return write_workbook(random_instance(sites, customers, seed, capacity_ratio), path, mip_gap=0.0)
