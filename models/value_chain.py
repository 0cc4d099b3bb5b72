"""Value-chain rules: plants that feed plants, and plants that run only with the plant they need.

A plant whose ``feedstock`` names a mineral other projects yield (a hydromet refinery taking
``black_mass``) takes its feed from three sources: those plants' output (``transfer[q, p,
t, s]``, at the Logistics cost of the q -> p row), the mineral's spot market
(``feed_spot_buy[p, t, s]``, at spot x (1 + spot_premium), within the mineral's spot
availability), and the Feedstocks pool of that name, if the sheet lists one. The producing
plant's output balance (``operations.add_output_balance``) counts what it passes on, so
yields and balances hold at every stage of a chain. Costs are in the NPV ledger
(``objective``).

Index letters: p consuming plant, q producing (or required) plant, t year, s scenario.
"""

from __future__ import annotations

from typing import Any

import pyomo.core as pyo
from optimizer.models.common import Skip, can_run, running, var_or_zero
from optimizer.models.data import ModelData


def inflow_t(m: pyo.ConcreteModel, d: ModelData, p: str, t: int, s: str) -> Any:
    """Feed reaching plant p from other plants and the spot market in year t of scenario s, t."""
    transferred = sum(
        m.transfer[q, p_, t_, s]
        for q, p_, t_ in d.transfers_in.get((p, t), [])
        if (q, p_, t_, s) in m.transfer
    )
    return transferred + var_or_zero(m.feed_spot_buy, (p, t, s))


def add_feed_from_other_plants_and_spot(m: pyo.ConcreteModel, d: ModelData) -> None:
    """A plant fed by other plants processes what they pass it and what it buys spot, plus its pool.

    With a Feedstocks pool of its feedstock that year:
        sum_q transfer[q,p,t,s] + feed_spot_buy[p,t,s] <= feed[p,t,s]
        (the rest comes from the pool, within ``feed_within_feedstock``)
    without one:
        sum_q transfer[q,p,t,s] + feed_spot_buy[p,t,s] = feed[p,t,s]
    """
    index = [(p, t, s) for p, t, s in m.feed.index_set() if p in d.feed_mineral]
    if not index:
        return

    def rule(m: pyo.ConcreteModel, p: str, t: int, s: str) -> Any:
        inflow = inflow_t(m, d, p, t, s)
        if (d.feed_mineral[p], t) in d.feedstock_available_t:
            if isinstance(inflow, int):
                return Skip
            return inflow <= m.feed[p, t, s]
        return inflow == m.feed[p, t, s]

    m.feed_from_other_plants_and_spot = pyo.Constraint(
        index, rule=rule, doc="feed of a plant fed by other plants: transfers + spot (+ its pool), t"
    )


def add_feed_only_while_required_plant_runs(m: pyo.ConcreteModel, d: ModelData) -> None:
    """A plant that requires another processes feed only in the years the other runs.

    feed[p,t,s] <= max_o capacity[p,o] x running[q,t,s]   for each (p requires q)
    (funding alone is ``funding.add_required_projects``; this makes it hold in time, also
    where a delay moves q's years in a scenario. A plant idle in those years still pays its
    fixed opex, so the optimiser starts it when the plant it needs runs.)
    """
    largest = {p: max(d.capacity_tpa[k[0], k[1]] for k in keys) for p, keys in d.funds_by_project.items()}
    index = [(p, q, t, s) for p, q in d.requires for p_, t, s in m.feed.index_set() if p_ == p]
    if not index:
        return

    def rule(m: pyo.ConcreteModel, p: str, q: str, t: int, s: str) -> Any:
        other = running(m, d, q, t, s) if can_run(d, q, t, s) else 0
        return m.feed[p, t, s] <= largest[p] * other

    m.feed_only_while_required_plant_runs = pyo.Constraint(
        index, rule=rule, doc="a plant runs only in years the plant it requires runs, t"
    )


def transfer_price_usd_per_t(d: ModelData, mineral: str, year: int, scenario: str) -> float:
    """The price plant-level results put on a tonne passed between plants: what the producer would
    have had selling it spot, spot x (1 - spot_sale_discount). It moves no portfolio money."""
    return d.spot_price_usd_per_t[mineral, year, scenario] * (1 - d.spot_sale_discount)
