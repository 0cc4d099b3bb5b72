"""Operating rules: what a funded plant can process, recover, deliver and sell, per year and scenario.

Index letters: p project, t year, c contract, m mineral, f feedstock, s scenario.
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo
from optimizer.models.data import ModelData


def add_feed_within_capacity(m: pyo.ConcreteModel, d: ModelData) -> None:
    """A plant processes no more feed than the capacity of the option funded, once it runs.

    feed[p,t,s] <= sum_{(o,y) running in t} capacity[p,o] fund[p,o,y]
    """
    m.feed_within_capacity = pyo.Constraint(
        list(m.feed.index_set()),
        rule=lambda m, p, t, s: (
            m.feed[p, t, s] <= sum(d.capacity_tpa[k[0], k[1]] * m.fund[k] for k in d.funds_operating[p, t])
        ),
        doc="feed within capacity, t",
    )


def add_feed_within_feedstock(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Plants sharing a feedstock together use no more than is available that year.

    sum_{p uses f} feed[p,t,s] <= available[f,t]
    """
    index = [
        (f, t, s)
        for (f, t) in d.feedstock_available_t
        for s in d.scenarios
        if any((p, t, s) in m.feed for p in d.feedstock_projects.get(f, []))
    ]

    def rule(m: pyo.ConcreteModel, f: str, t: int, s: str) -> Any:
        feed = sum(m.feed[p, t, s] for p in d.feedstock_projects[f] if (p, t, s) in m.feed)
        return feed <= d.feedstock_available_t[f, t]

    m.feed_within_feedstock = pyo.Constraint(index, rule=rule, doc="feedstock availability, t")


def add_output_balance(m: pyo.ConcreteModel, d: ModelData) -> None:
    """What a plant delivers and sells spot is at most what it recovers from its feed.

    sum_c flow[p,c,t,s] + spot_sale[p,m,t,s] <= yield[p,m] x shock x feed[p,t,s]
    """

    def rule(m: pyo.ConcreteModel, p: str, mineral: str, t: int, s: str) -> Any:
        delivered = sum(
            m.flow[pa, ca, ta, s] for pa, ca, ta in d.arcs_by_plant_mineral_year.get((p, mineral, t), [])
        )
        recovered = d.yields[p, mineral] * d.yield_factor(p, mineral, t, s) * m.feed[p, t, s]
        return delivered + m.spot_sale[p, mineral, t, s] <= recovered

    m.output_balance = pyo.Constraint(list(m.spot_sale.index_set()), rule=rule, doc="recovered output, t")


def add_deliveries_only_from_operating_plants(m: pyo.ConcreteModel, d: ModelData) -> None:
    """An arc carries flow only while its plant runs: the tight facility-location link.

    flow[p,c,t,s] <= max_tpa[c] x running[p,t],   running[p,t] = sum_{(o,y) running in t} fund[p,o,y]
    (``running`` keeps each of these many rows at two nonzeros.)
    """
    m.deliveries_only_from_operating_plants = pyo.Constraint(
        list(m.flow.index_set()),
        rule=lambda m, p, c, t, s: m.flow[p, c, t, s] <= d.max_tpa[c] * m.running[p, t],
        doc="flow only from a running plant, t",
    )


def add_spot_purchases_within_availability(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Spot purchases of a mineral stay within what the spot market offers that year.

    sum_{c of mineral m} spot_buy[c,t,s] <= availability[m,t,s]
    """
    by_mineral: dict[tuple[str, int, str], list[tuple[str, int, str]]] = {}
    for c, t, s in m.spot_buy.index_set():
        by_mineral.setdefault((d.contract_mineral[c], t, s), []).append((c, t, s))
    index = [k for k in by_mineral if d.spot_availability_tpa[k] is not None]
    m.spot_purchases_within_availability = pyo.Constraint(
        index,
        rule=lambda m, mineral, t, s: (
            sum(m.spot_buy[k] for k in by_mineral[mineral, t, s]) <= d.spot_availability_tpa[mineral, t, s]
        ),
        doc="spot availability, t",
    )
