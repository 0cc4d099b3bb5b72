"""Operating rules: what a funded plant can process, recover, deliver and sell, per year and scenario.

Index letters: p project, t year, c contract, m mineral, f feedstock, s scenario.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyomo.core as pyo
from optimizer.models.arrays import Key, add_upper_bound_rows
from optimizer.models.common import running, var_or_zero, var_sum
from optimizer.models.data import ModelData


def add_feed_within_capacity(m: pyo.ConcreteModel, d: ModelData) -> None:
    """A plant processes no more feed than the capacity of the option funded, once it runs, and
    only its ramp-up share of it in its first operating years.

    feed[p,t,s] <= sum_{(o,y) running in t of s} capacity[p,o] share[p,o,y,t,s] fund[p,o,y]
    share: ``ModelData.capacity_share`` (Projects.ramp_up, a ramp_up shock; 1 once ramped up).
    """
    m.feed_within_capacity = pyo.Constraint(
        list(m.feed.index_set()),
        rule=lambda m, p, t, s: (
            m.feed[p, t, s] <= sum(d.capacity_in(k, t, s) * m.fund[k] for k in d.funds_operating_in(p, t, s))
        ),
        doc="feed within capacity, t",
    )


def pool_feed(m: pyo.ConcreteModel, d: ModelData, p: str, t: int, s: str) -> Any:
    """The part of a plant's feed taken from its Feedstocks pool: all of it, unless other plants or
    the spot market feed it (``value_chain``)."""
    feed = m.feed[p, t, s]
    if p not in d.feed_mineral:
        return feed
    inflow = sum(
        m.transfer[q, p_, t_, s]
        for q, p_, t_ in d.transfers_in.get((p, t), [])
        if (q, p_, t_, s) in m.transfer
    )
    return feed - inflow - var_or_zero(m.feed_spot_buy, (p, t, s))


def pool_plants(m: pyo.ConcreteModel, d: ModelData, feedstock: str, t: int, s: str) -> list[str]:
    """The plants that take feed from a Feedstocks pool in year t of scenario s: those of its
    users with a feed variable then (the pool row and the rows derived from it sum over them)."""
    return [p for p in d.feedstock_projects.get(feedstock, []) if (p, t, s) in m.feed]


def pool_feed_total(m: pyo.ConcreteModel, d: ModelData, feedstock: str, t: int, s: str) -> Any:
    """What the plants of a Feedstocks pool take from it in year t of scenario s, t: the left
    side of the pool row and of every row derived from it (``tightening``)."""
    return sum(pool_feed(m, d, p, t, s) for p in pool_plants(m, d, feedstock, t, s))


def add_feed_within_feedstock(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Plants sharing a feedstock together use no more than is available that year.

    sum_{p uses f} pool_feed[p,t,s] <= available[f,t]
    pool_feed is the feed, less what other plants and the spot market supply (``value_chain``).
    """
    index = [
        (f, t, s) for (f, t) in d.feedstock_available_t for s in d.scenarios if pool_plants(m, d, f, t, s)
    ]

    def rule(m: pyo.ConcreteModel, f: str, t: int, s: str) -> Any:
        return pool_feed_total(m, d, f, t, s) <= d.feedstock_available_t[f, t]

    m.feed_within_feedstock = pyo.Constraint(index, rule=rule, doc="feedstock availability, t")


def add_output_balance(m: pyo.ConcreteModel, d: ModelData) -> None:
    """What a plant delivers, sells spot and passes to other plants is at most what it recovers.

    sum_c flow[p,c,t,s] + spot_sale[p,m,t,s] + sum_q transfer[p,q,t,s] <= yield[p,m] x shock x feed[p,t,s]
    (transfers count against the mineral the receiving plant takes as feed)
    """

    def rule(m: pyo.ConcreteModel, p: str, mineral: str, t: int, s: str) -> Any:
        delivered = var_sum(
            var_or_zero(m.flow, (*arc, s)) for arc in d.arcs_by_plant_mineral_year.get((p, mineral, t), [])
        )
        passed_on = var_sum(
            m.transfer[q, to, t_, s]
            for q, to, t_ in d.transfers_out.get((p, t), [])
            if d.feed_mineral[to] == mineral and (q, to, t_, s) in m.transfer
        )
        recovered = d.yields[p, mineral] * d.yield_factor(p, mineral, t, s) * m.feed[p, t, s]
        return delivered + m.spot_sale[p, mineral, t, s] + passed_on <= recovered

    m.output_balance = pyo.Constraint(list(m.spot_sale.index_set()), rule=rule, doc="recovered output, t")


def add_deliveries_only_from_operating_plants(m: pyo.ConcreteModel, d: ModelData) -> None:
    """An arc carries flow only while its plant runs: the tight facility-location link.

    flow[p,c,t,s] <= max_tpa[c] x running[p,t],   running[p,t] = sum_{(o,y) running in t} fund[p,o,y]
    (``running`` keeps each of these many rows at two nonzeros; where a delay moves the plant's
    years in scenario s, its own ``running_in_scenario[p,t,s]``.) Half the rows of a case:
    built from arrays (``optimizer.models.arrays``).
    """

    def rows() -> Iterator[tuple[Key, Any, float, Any]]:
        for (p, c, t, s), flow in m.flow.items():
            yield (p, c, t, s), flow, d.max_tpa[c], running(m, d, p, t, s)

    add_upper_bound_rows(
        m, "deliveries_only_from_operating_plants", rows(), doc="flow only from a running plant, t"
    )


def add_spot_purchases_within_availability(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Spot purchases of a mineral, to serve contracts or as plant feed, stay within what the spot
    market offers that year.

    sum_{c of mineral m} spot_buy[c,t,s] + sum_{p fed m} feed_spot_buy[p,t,s] <= availability[m,t,s]
    """
    by_mineral: dict[tuple[str, int, str], list[Any]] = {}
    for c, t, s in m.spot_buy.index_set():
        by_mineral.setdefault((d.contract_mineral[c], t, s), []).append(m.spot_buy[c, t, s])
    for p, t, s in m.feed_spot_buy.index_set():
        by_mineral.setdefault((d.feed_mineral[p], t, s), []).append(m.feed_spot_buy[p, t, s])
    index = [k for k in by_mineral if d.spot_availability_tpa[k] is not None]
    m.spot_purchases_within_availability = pyo.Constraint(
        index,
        rule=lambda m, mineral, t, s: (
            sum(by_mineral[mineral, t, s]) <= d.spot_availability_tpa[mineral, t, s]
        ),
        doc="spot availability, t",
    )
