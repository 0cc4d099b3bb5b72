"""The numbers a credit committee asks for, computed after the solve from the plant ledgers.

Per funded plant and for the portfolio, in each scenario and for the expected cash flows
(probability-weighted per year; an IRR of the expected cash flows, not a mean of IRRs):

- project IRR: of the unlevered cash flows, operating cash less capex (``models.ledger``);
- equity IRR: of the cash to the portfolio's own money, after debt and prepayments;
- payback year: the first year the cumulative project cash flow is back to zero or above;
- MOIC: equity cash returned / equity cash put in (undiscounted);
- peak funding: the most own money in the plant at any time (the lowest cumulative equity
  cash flow, as a positive amount);
- minimum and average DSCR over the years its loan is serviced: CFADS / debt service;
- LLCR: CFADS over those years discounted at the debt rate / debt service discounted the
  same way (the balance at the start of debt service, with tied prepayments);
- contracted share: sales to signed contracts / all sales, over the debt years (over every
  operating year for a plant without debt), by value.

An IRR exists when exactly one rate sets the cash flows' value to zero; otherwise it is
blank and ``notes`` says why (the cash never turns, or more than one rate does it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pandas as pd

from optimizer.models.ledger import CAPEX_ITEMS, FINANCING_ITEMS, OPERATING_ITEMS, PORTFOLIO

EXPECTED = "expected"
PORTFOLIO_ROW = "portfolio"
RATE_GRID = np.concatenate(
    [np.linspace(-0.99, -0.1, 90), np.linspace(-0.1, 1.0, 221)[1:], np.geomspace(1.0, 100.0, 60)[1:]]
)

COLUMNS = [
    "project",
    "scenario",
    "probability",
    "lender_scenario",
    "capex_usd_m",
    "debt_usd_m",
    "npv_usd_m",
    "project_irr",
    "equity_irr",
    "payback_year",
    "moic",
    "peak_funding_usd_m",
    "min_dscr",
    "avg_dscr",
    "llcr",
    "contracted_share",
    "notes",
]


@dataclass(frozen=True)
class Rate:
    """An IRR, or None with the reason it does not exist."""

    value: float | None
    reason: str = ""


def irr(cash: Sequence[float]) -> Rate:
    """The one rate r with sum_i cash[i] / (1 + r) ** i = 0, if exactly one exists in (-99%, 10,000%)."""
    flows = np.asarray(cash, dtype=float)
    scale = float(np.max(np.abs(flows), initial=0.0))
    if scale == 0 or not (np.any(flows < -1e-9 * scale) and np.any(flows > 1e-9 * scale)):
        return Rate(None, "no IRR: the cash flows never change sign")
    powers = np.arange(len(flows))

    def value(r: float) -> float:
        return float(np.sum(flows / (1.0 + r) ** powers)) / scale

    values = np.sum(flows / compounding(len(flows)), axis=1) / scale  # value(r) at every rate of the grid
    roots = []
    for i in np.flatnonzero((values[:-1] == 0) | (values[:-1] * values[1:] < 0)):
        if values[i] == 0:
            roots.append(float(RATE_GRID[i]))
        else:
            roots.append(root_between(value, float(RATE_GRID[i]), float(RATE_GRID[i + 1])))
    if not roots:
        return Rate(None, "no IRR: no rate between -99% and 10,000% sets the value to zero")
    if len(roots) > 1:
        return Rate(None, f"no single IRR: {len(roots)} rates set the value to zero")
    return Rate(roots[0])


def root_between(value: Callable[[float], float], low: float, high: float, tolerance: float = 1e-12) -> float:
    """The rate in [low, high] where ``value`` changes sign, to ``tolerance``, by halving the interval.

    About 33 halvings for a grid step; a plan takes a few hundred IRRs (SciPy's ``brentq``
    needs fewer steps, but importing SciPy costs every command half a second).
    """
    value_low = value(low)
    while high - low > tolerance:
        middle = 0.5 * (low + high)
        value_middle = value(middle)
        if value_middle == 0:
            return middle
        if (value_middle < 0) == (value_low < 0):
            low, value_low = middle, value_middle
        else:
            high = middle
    return 0.5 * (low + high)


@lru_cache(maxsize=64)
def compounding(periods: int) -> npt.NDArray[np.float64]:
    """(1 + r) ** i for each rate r of ``RATE_GRID`` (a row) and year i < ``periods`` (a column).

    The grid is scanned for sign changes on every IRR; a plan's cash flows have a few
    lengths, so the table is made once per length and the scan is one division and one
    sum per row, the same arithmetic as ``value(r)`` rate by rate (the same numbers).
    """
    table = (1.0 + RATE_GRID)[:, np.newaxis] ** np.arange(periods)
    table.flags.writeable = False
    return table


def payback_year(years: Sequence[int], cash: Sequence[float]) -> int | None:
    """The first year the cumulative cash is at or above zero after it went below (None: never)."""
    total = 0.0
    invested = False
    for year, amount in zip(years, cash, strict=True):
        total += amount
        invested = invested or total < -1e-9
        if invested and total >= -1e-9:
            return int(year)
    return None


def moic(cash: Sequence[float]) -> float | None:
    """Multiple on invested capital: cash returned / cash put in (None if nothing was put in)."""
    put_in = -sum(c for c in cash if c < 0)
    return sum(c for c in cash if c > 0) / put_in if put_in > 1e-12 else None


def peak_funding_usd_m(cash: Sequence[float]) -> float:
    """The largest cumulative outflow: the most money in at once."""
    return max(0.0, -float(np.min(np.cumsum(cash), initial=0.0)))


def cover_ratio(
    numerator: Sequence[float], denominator: Sequence[float], rate: float, years: Sequence[int]
) -> float | None:
    """sum CFADS / (1 + r) ** j over sum service / (1 + r) ** j, j = 1 in the first service year (LLCR)."""
    if not years:
        return None
    first = years[0]
    pv_cfads = sum(c / (1.0 + rate) ** (t - first + 1) for c, t in zip(numerator, years, strict=True))
    pv_service = sum(s / (1.0 + rate) ** (t - first + 1) for s, t in zip(denominator, years, strict=True))
    return pv_cfads / pv_service if pv_service > 1e-12 else None


def weighted(frame: pd.DataFrame, columns: list[str], probability: pd.Series | None) -> pd.DataFrame:
    """``columns`` as floats, each row times its scenario's probability when ``probability`` is given."""
    values = frame[columns].astype(float)
    if probability is None:
        return values
    return values.mul(frame["scenario"].map(probability).astype(float), axis=0)


def by_year(frame: pd.DataFrame, columns: list[str], probability: pd.Series | None) -> pd.DataFrame:
    """Sum ``columns`` per year (probability-weighted over scenarios when ``probability`` is given)."""
    return weighted(frame, columns, probability).groupby(frame["year"]).sum().sort_index()


SUMMED_ITEMS = (*OPERATING_ITEMS, *CAPEX_ITEMS, *FINANCING_ITEMS, "discounted_usd_m", "sales_usd_m")
"""The ledger's columns a Finance row sums per year."""

SERVICE_ITEMS = (
    "debt_interest_usd_m",
    "debt_principal_usd_m",
    "prepayments_repaid_usd_m",
    "prepayment_interest_usd_m",
)
"""Debt service: what leaves to lenders and prepaying buyers each year (negative in the ledger)."""


@dataclass(frozen=True)
class YearlyCash:
    """One Finance row's ledger summed per year, every year from its first to its last (zeros
    where it has no rows): ``amounts[i, j]`` is item ``SUMMED_ITEMS[j]`` in ``years[i]``."""

    years: list[int]
    amounts: npt.NDArray[np.float64]

    def item(self, name: str) -> npt.NDArray[np.float64]:
        return np.ascontiguousarray(self.amounts[:, SUMMED_ITEMS.index(name)])

    def per_year(self, items: Sequence[str]) -> npt.NDArray[np.float64]:
        """The items added up per year, one after the other in ``items``' order (as pandas adds a row)."""
        total = np.zeros(len(self.years))
        for name in items:
            total = total + self.amounts[:, SUMMED_ITEMS.index(name)]
        return total

    def total(self, name: str) -> float:
        """The item over every year."""
        return float(np.sum(self.item(name)))


def yearly_cash(
    frame: pd.DataFrame, keys: list[str], probability: pd.Series | None
) -> dict[tuple[str, ...], YearlyCash]:
    """``by_year`` of ``SUMMED_ITEMS`` for every value of ``keys`` at once (the same sums: pandas
    adds each key's and year's rows in the frame's order either way), each filled out to every
    year from its first to its last."""
    summed = (
        weighted(frame, list(SUMMED_ITEMS), probability)
        .groupby([frame[k] for k in keys] + [frame["year"]])
        .sum()
    )
    amounts = summed.to_numpy(dtype=float)
    years = summed.index.get_level_values("year").to_numpy(dtype=int)
    groups = summed.groupby(level=list(range(len(keys)))).indices if keys else {(): np.arange(len(summed))}
    out = {}
    for key, positions in groups.items():
        own = years[positions]
        first = int(own.min())
        filled = np.zeros((int(own.max()) - first + 1, len(SUMMED_ITEMS)))
        filled[own - first] = amounts[positions]
        name = tuple(str(v) for v in (key if isinstance(key, tuple) else (key,)))
        out[name] = YearlyCash(list(range(first, first + len(filled))), filled)
    return out


def metrics(
    yearly: YearlyCash,
    cash: pd.DataFrame,
    probability: pd.Series | None,
    debt_years: list[int],
    rate: float | None,
    has_debt: bool,
) -> dict[str, object]:
    """Every number of one row of the Finance table from its yearly sums and its ledger rows (one
    scenario, or all, weighted by ``probability``)."""
    years = yearly.years
    cfads = yearly.per_year(OPERATING_ITEMS)
    project = cfads + yearly.per_year(CAPEX_ITEMS)
    equity = (project + yearly.per_year(FINANCING_ITEMS)).tolist()
    project_rate, equity_rate = irr(project.tolist()), irr(equity)
    # per year, as plain numbers: looking a year up in an array costs more than the arithmetic
    cfads_in = dict(zip(years, cfads.tolist(), strict=True))
    service_in = dict(zip(years, (-yearly.per_year(SERVICE_ITEMS)).tolist(), strict=True))
    in_debt = [t for t in debt_years if service_in.get(t, 0.0) > 1e-12]
    ratios = [cfads_in[t] / service_in[t] for t in in_debt]
    sales_by_year = yearly.item("sales_usd_m")
    share_years = (
        in_debt if in_debt else [t for t, v in zip(years, sales_by_year.tolist(), strict=True) if v > 0]
    )
    sales = float(np.sum(sales_by_year[[t - years[0] for t in share_years]])) if share_years else 0.0
    contracted = contracted_sales(cash, probability, share_years)
    notes = [
        f"{which}: {rate_.reason}"
        for which, rate_ in (("project", project_rate), ("equity", equity_rate))
        if rate_.value is None
    ]
    return {
        "capex_usd_m": -float(np.sum([yearly.total(name) for name in CAPEX_ITEMS])),
        "debt_usd_m": yearly.total("debt_drawn_usd_m"),
        "npv_usd_m": yearly.total("discounted_usd_m"),
        "project_irr": project_rate.value,
        "equity_irr": equity_rate.value,
        "payback_year": payback_year(years, project.tolist()),
        "moic": moic(equity),
        "peak_funding_usd_m": peak_funding_usd_m(equity),
        "min_dscr": min(ratios) if ratios and has_debt else None,
        "avg_dscr": sum(ratios) / len(ratios) if ratios and has_debt else None,
        "llcr": cover_ratio([cfads_in[t] for t in in_debt], [service_in[t] for t in in_debt], rate, in_debt)
        if rate is not None and in_debt and has_debt
        else None,
        "contracted_share": contracted / sales if sales > 1e-12 else None,
        "notes": "; ".join(notes),
    }


def contracted_sales(cash: pd.DataFrame, probability: pd.Series | None, years: list[int]) -> float:
    """Sales to signed contracts (deliveries, not spot), in ``years``: sales x contracted share per row.

    Read as arrays of the rows that count, not as a filtered copy of the whole ledger
    (some thirty columns, once per Finance row); a missing amount adds nothing, as in pandas.
    """
    counted = (cash["year"].isin(years) & cash["contracted_share"].notna()).to_numpy()
    values = (
        cash["sales_usd_m"].to_numpy(dtype=float)[counted]
        * cash["contracted_share"].to_numpy(dtype=float)[counted]
    )
    if probability is not None:
        values = values * cash["scenario"].map(probability).to_numpy(dtype=float)[counted]
    return float(np.nansum(values))


def finance_table(
    plant_cash_flows: pd.DataFrame, funded: pd.DataFrame, probability: dict[str, float]
) -> pd.DataFrame:
    """The Finance sheet: one row per funded plant and the portfolio, per scenario and expected."""
    if plant_cash_flows.empty:
        return pd.DataFrame(columns=COLUMNS)
    weights = pd.Series(probability)
    lenders = set(plant_cash_flows.loc[plant_cash_flows["lender_scenario"].astype(bool), "scenario"])
    rows = []
    entities: list[tuple[str, pd.DataFrame, list[int], float | None, bool]] = []
    by_project = rows_by(plant_cash_flows, "project")
    for r in funded.to_dict("records"):
        p = str(r["project"])
        own = by_project.get(p, plant_cash_flows.iloc[0:0])
        first, last = r.get("first_debt_service_year"), r.get("last_debt_service_year")
        has_debt = float(r.get("debt_usd_m") or 0.0) > 0 and not pd.isna(first)
        years = list(range(int(float(str(first))), int(float(str(last))) + 1)) if has_debt else []
        entities.append((p, own, years, float(r["debt_rate"]) if has_debt else None, has_debt))
    portfolio_years = sorted({t for _, _, years, _, _ in entities for t in years})
    rates = [rate for _, _, _, rate, has in entities if has and rate is not None]
    entities.append(
        (PORTFOLIO_ROW, plant_cash_flows, portfolio_years, min(rates) if rates else None, bool(rates))
    )
    by_scenario = [rows_by(cash, "scenario") for _, cash, _, _, _ in entities]

    def in_scenario(entity: int, s: str) -> pd.DataFrame:
        cash = entities[entity][1]
        return cash if s == EXPECTED else by_scenario[entity].get(s, cash.iloc[0:0])

    plants_yearly, portfolio_yearly = yearly_sums_of_rows(plant_cash_flows, weights)
    for index, (name, _, years, rate, has_debt) in enumerate(entities):
        is_portfolio = index == len(entities) - 1
        for s in [*probability, EXPECTED]:
            yearly = portfolio_yearly.get(s) if is_portfolio else plants_yearly.get((name, s))
            if yearly is None:
                continue
            found = metrics(
                yearly, in_scenario(index, s), weights if s == EXPECTED else None, years, rate, has_debt
            )
            if is_portfolio and has_debt:
                plants = [(entity, in_scenario(i, s)) for i, entity in enumerate(entities[:-1])]
                found["llcr"] = portfolio_llcr(plants, weights if s == EXPECTED else None)
            rows.append(
                {
                    "project": name,
                    "scenario": s,
                    "probability": 1.0 if s == EXPECTED else probability[s],
                    "lender_scenario": s in lenders,
                    **found,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def yearly_sums_of_rows(
    cash: pd.DataFrame, weights: pd.Series
) -> tuple[dict[tuple[str, ...], YearlyCash], dict[str, YearlyCash]]:
    """The yearly sums behind every Finance row: by plant and scenario (``EXPECTED``: weighted
    over scenarios), and the portfolio's by scenario."""
    plants = yearly_cash(cash, ["project", "scenario"], None)
    for (p,), yearly in yearly_cash(cash, ["project"], weights).items():
        plants[p, EXPECTED] = yearly
    portfolio = {s: yearly for (s,), yearly in yearly_cash(cash, ["scenario"], None).items()}
    for yearly in yearly_cash(cash, [], weights).values():
        portfolio[EXPECTED] = yearly
    return plants, portfolio


def rows_by(frame: pd.DataFrame, column: str) -> dict[str, pd.DataFrame]:
    """``frame``'s rows per value of ``column``, each in the frame's order: one pass over the
    frame, not one comparison of the whole column per plant or scenario."""
    return {str(key): rows for key, rows in frame.groupby(column, sort=False)}


def portfolio_llcr(
    plants: list[tuple[tuple[str, pd.DataFrame, list[int], float | None, bool], pd.DataFrame]],
    probability: pd.Series | None,
) -> float | None:
    """The plants' CFADS over their debt years, each discounted at its own debt rate, over their
    debt service; ``plants``: each plant's entity and its ledger rows in the scenario (all for
    the expected cash flows, weighted by ``probability``)."""
    numerator = denominator = 0.0
    for (_, _, years, rate, has_debt), rows in plants:
        if not has_debt or rate is None:
            continue
        yearly = by_year(rows, ["cfads_usd_m", "debt_service_usd_m"], probability)
        in_debt = [t for t in years if t in yearly.index]
        if not in_debt:
            continue
        first = in_debt[0]
        cfads = yearly["cfads_usd_m"].astype(float)
        service = yearly["debt_service_usd_m"].astype(float)
        numerator += sum(float(cfads[t]) / (1 + rate) ** (t - first + 1) for t in in_debt)
        denominator += sum(float(service[t]) / (1 + rate) ** (t - first + 1) for t in in_debt)
    return numerator / denominator if denominator > 1e-12 else None


def lender_min_dscr(plant_cash_flows: pd.DataFrame, project: str | None = None) -> float | None:
    """The lowest DSCR of a plant (or of every plant) in any lender scenario: what the covenant is tested on."""
    rows = plant_cash_flows[
        plant_cash_flows["lender_scenario"].astype(bool) & plant_cash_flows["dscr"].notna()
    ]
    if project is not None:
        rows = rows[rows["project"] == project]
    return float(rows["dscr"].min()) if not rows.empty else None


def finite_or_none(value: object) -> float | None:
    """A number for JSON: None for blanks and NaN."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


__all__ = ["PORTFOLIO", "finance_table", "irr", "lender_min_dscr"]
