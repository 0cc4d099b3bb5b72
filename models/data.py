"""Model data: a Case turned into sparse index sets and coefficients, with no Pyomo and no I/O.

Every set lists only the tuples that can carry a decision: a plant-contract-year arc
exists only if the plant yields the contract's mineral, the contract allows the plant,
the contract is active that year and the plant could be operating then. Scenario-indexed
data is keyed by scenario from the start; without a Scenarios sheet there is one scenario,
``base``, with probability 1.

Timing can differ by scenario (a ``delay`` shock): ``operating_years`` and
``capex_spend_usd_m`` are the plan as built on time, and ``operating_years_in`` /
``capex_spend_in`` give a scenario's own (only the delayed choices are stored). A plant's
capacity in a year is its option's capacity x its ramp-up share (``capacity_share``).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from optimizer.models.debt import DebtTerms, Schedule, debt_schedule, prepayment_schedule
from optimizer.models.scenarios import (
    AVERAGE_SCENARIO,
    Targets,
    average_scenario,
    resolve_multipliers,
    scenario_set,
)

from optimizer.case import Case, records
from optimizer.workbook.consistency import parse_ramp_up
from optimizer.workbook.decisions import FREE, ProjectDecision, parse_project_decision
from optimizer.workbook.validate import is_blank

USD_M_PER_USD = 1e-6

FundKey = tuple[str, str, int]  # project, option, construction start year
Arc = tuple[str, str, int]  # project, contract, year
TransferArc = tuple[str, str, int]  # producing project, consuming project, year


@dataclass(frozen=True)
class ShareLimit:
    """A concentration limit on one member: its share of funded capex or of contracted revenue."""

    dimension: str  # sponsor, state, kind (of funded capex) or buyer, mineral (of revenue)
    member: str
    max_share: float
    projects: tuple[str, ...] = ()  # for capex dimensions
    contracts: tuple[str, ...] = ()  # for revenue dimensions

    @property
    def of_capex(self) -> bool:
        return self.dimension in CAPEX_DIMENSIONS


CAPEX_DIMENSIONS = ("sponsor", "state", "kind")


@dataclass
class ModelData:
    """Everything the Pyomo model is built from."""

    years: list[int]
    scenarios: list[str]
    probability: dict[str, float]
    discount_factor: dict[int, float]

    projects: list[str]
    fund_keys: list[FundKey]
    capacity_tpa: dict[tuple[str, str], float]
    capex_usd_m: dict[tuple[str, str], float]
    fixed_opex_usd_m: dict[tuple[str, str], float]
    capex_spend_usd_m: dict[FundKey, dict[int, float]]  # nominal capex by year of spend
    operating_years: dict[FundKey, list[int]]
    funds_operating: dict[tuple[str, int], list[FundKey]]  # (project, year) -> fund keys running then
    plant_years: list[tuple[str, int]]
    variable_cost_usd_per_t: dict[str, float]
    yields: dict[tuple[str, str], float]  # (project, mineral) -> t/t
    plant_minerals: dict[str, list[str]]
    decisions: dict[str, ProjectDecision]
    requires: list[tuple[str, str]]
    exclusive_groups: dict[str, list[str]]

    contracts: list[str]
    contract_mineral: dict[str, str]
    contract_buyer: dict[str, str]
    contract_years: list[tuple[str, int]]
    min_tpa: dict[str, float]
    max_tpa: dict[str, float]
    shortfall_penalty_usd_per_t: dict[str, float | None]
    prepayment_usd_m: dict[str, float]
    prepayment_years: dict[str, list[int]]  # the contract's full tenor
    contract_decision: dict[str, str | None]
    contract_price_usd_per_t: dict[tuple[str, int, str], float]  # (contract, year, scenario)

    arcs: list[Arc]
    logistics_usd_per_t: dict[tuple[str, str], float]  # (project, buyer)

    minerals: list[str]
    spot_price_usd_per_t: dict[tuple[str, int, str], float]  # (mineral, year, scenario)
    spot_availability_tpa: dict[tuple[str, int, str], float | None]
    spot_premium: float
    spot_sale_discount: float

    feedstock_projects: dict[str, list[str]]
    feedstock_available_t: dict[tuple[str, int], float]
    coverage_required_t: dict[tuple[str, int], float]
    coverage_arcs: dict[
        tuple[str, int], list[Arc]
    ]  # (mineral, year) -> arcs to buyers in the demand's country
    coverage_country: dict[tuple[str, int], str]  # (mineral, year) -> the demand's country, as typed

    budget_usd_m: float | None
    annual_budget_usd_m: float | None
    risk_aversion: float
    cvar_alpha: float
    min_cvar_npv_usd_m: float | None

    limits: list[ShareLimit] = field(default_factory=list)
    yield_multiplier: dict[tuple[str, str, int, str], float] = field(
        default_factory=dict
    )  # (project, mineral, year, scenario)
    capex_multiplier: dict[tuple[str, int, str], float] = field(
        default_factory=dict
    )  # (project, year, scenario): capex shock x fx shock of the project's currency

    # Currency: amounts typed in a project's or contract's currency, converted with fx.
    project_currency: dict[str, str] = field(default_factory=dict)
    contract_currency: dict[str, str] = field(default_factory=dict)
    fx_usd_per_unit: dict[tuple[str, int, str], float] = field(
        default_factory=dict
    )  # (currency, year, scenario), shocks applied; USD is 1 and not stored

    # Project finance (models/debt.py, models/finance.py).
    fund_capex_usd_m: dict[FundKey, float] = field(default_factory=dict)  # committed capex in USD
    debt_terms: dict[str, DebtTerms] = field(default_factory=dict)
    debt: dict[FundKey, Schedule] = field(default_factory=dict)  # the loan of each funding choice, if funded
    prepayment: dict[str, Schedule] = field(default_factory=dict)  # each contract's prepayment, if signed
    contract_tenor_years: dict[str, int] = field(default_factory=dict)  # start_year..end_year as typed
    lender_scenarios: list[str] = field(default_factory=list)
    contingency_usd_m: float | None = None  # standby money for overruns; None: unlimited

    opex_multiplier: dict[tuple[str, int, str], float] = field(
        default_factory=dict
    )  # (project, year, scenario)

    # Value chain: plants that take another plant's output as feed.
    feed_mineral: dict[str, str] = field(
        default_factory=dict
    )  # consuming project -> mineral it takes as feed
    transfer_arcs: list[TransferArc] = field(default_factory=list)
    transfer_cost_usd_per_t: dict[tuple[str, str], float] = field(default_factory=dict)  # (from, to)

    # Timing and capacity by scenario.
    scenario_operating_years: dict[tuple[FundKey, str], list[int]] = field(
        default_factory=dict
    )  # delayed only
    scenario_capex_spend_usd_m: dict[tuple[FundKey, str], dict[int, float]] = field(default_factory=dict)
    ramp_up_shares: dict[str, list[float]] = field(default_factory=dict)  # project -> first years' shares
    ramp_up_multiplier: dict[tuple[str, int, str], float] = field(default_factory=dict)  # first-year share

    # Contracts: who serves them, what signing costs, what spot may cover; export caps.
    contract_project: dict[str, str | None] = field(default_factory=dict)  # the plant named, if any
    single_plant: dict[str, bool] = field(default_factory=dict)  # served by one plant chosen by the model
    spot_cover: dict[str, bool] = field(default_factory=dict)
    signing_cost_usd_m: dict[str, float] = field(default_factory=dict)
    export_share: dict[tuple[str, int, str], float] = field(default_factory=dict)  # (mineral, year, scenario)
    export_arcs: dict[tuple[str, int], list[Arc]] = field(default_factory=dict)  # arcs to buyers in Japan

    # Derived lookups, filled by ``index``.
    arcs_by_plant_mineral_year: dict[tuple[str, str, int], list[Arc]] = field(default_factory=dict)
    arcs_by_contract_year: dict[tuple[str, int], list[Arc]] = field(default_factory=dict)
    arcs_by_mineral_year: dict[tuple[str, int], list[Arc]] = field(default_factory=dict)
    funds_by_project: dict[str, list[FundKey]] = field(default_factory=dict)
    years_of_contract: dict[str, list[int]] = field(default_factory=dict)
    contract_year_set: set[tuple[str, int]] = field(default_factory=set)
    arcs_by_year: dict[int, list[Arc]] = field(default_factory=dict)
    plants_by_year: dict[int, list[str]] = field(default_factory=dict)  # plants that could run in t
    contracts_by_year: dict[int, list[str]] = field(default_factory=dict)  # contracts active in t
    tied_contracts: dict[str, list[str]] = field(default_factory=dict)  # plant -> contracts only it may serve
    debt_years: dict[str, list[int]] = field(default_factory=dict)  # plant -> years some choice services debt
    serviced_by: dict[tuple[str, int], list[FundKey]] = field(
        default_factory=dict
    )  # (p, t) -> choices paying
    contract_plants: dict[str, list[str]] = field(default_factory=dict)  # plants with an arc to c
    transfers_in: dict[tuple[str, int], list[TransferArc]] = field(default_factory=dict)  # (to, t)
    transfers_out: dict[tuple[str, int], list[TransferArc]] = field(default_factory=dict)  # (from, t)
    delayed_operating: dict[tuple[str, int, str], list[FundKey]] = field(default_factory=dict)
    delayed_projects: set[str] = field(default_factory=set)

    def index(self) -> ModelData:
        by_pmy: dict[tuple[str, str, int], list[Arc]] = defaultdict(list)
        by_ct: dict[tuple[str, int], list[Arc]] = defaultdict(list)
        by_my: dict[tuple[str, int], list[Arc]] = defaultdict(list)
        for arc in self.arcs:
            p, c, t = arc
            m = self.contract_mineral[c]
            by_pmy[p, m, t].append(arc)
            by_ct[c, t].append(arc)
            by_my[m, t].append(arc)
        self.arcs_by_plant_mineral_year = dict(by_pmy)
        self.arcs_by_contract_year = dict(by_ct)
        self.arcs_by_mineral_year = dict(by_my)
        by_p: dict[str, list[FundKey]] = defaultdict(list)
        for key in self.fund_keys:
            by_p[key[0]].append(key)
        self.funds_by_project = dict(by_p)
        by_c: dict[str, list[int]] = defaultdict(list)
        contracts_by_t: dict[int, list[str]] = defaultdict(list)
        for c, t in self.contract_years:
            by_c[c].append(t)
            contracts_by_t[t].append(c)
        self.years_of_contract = dict(by_c)
        self.contract_year_set = set(self.contract_years)
        self.contracts_by_year = dict(contracts_by_t)
        arcs_by_t: dict[int, list[Arc]] = defaultdict(list)
        for arc in self.arcs:
            arcs_by_t[arc[2]].append(arc)
        self.arcs_by_year = dict(arcs_by_t)
        plants_by_t: dict[int, list[str]] = defaultdict(list)
        for p, t in self.plant_years:
            plants_by_t[t].append(p)
        self.plants_by_year = dict(plants_by_t)
        tied: dict[str, list[str]] = defaultdict(list)
        for c in self.contracts:
            plant = self.contract_project.get(c)
            if plant is not None:
                tied[plant].append(c)
        self.tied_contracts = dict(tied)
        serviced: dict[tuple[str, int], list[FundKey]] = defaultdict(list)
        for key, loan in self.debt.items():
            for t in loan.service_years:
                serviced[key[0], t].append(key)
        self.serviced_by = dict(serviced)
        years_of: dict[str, set[int]] = defaultdict(set)
        for p, t in serviced:
            years_of[p].add(t)
        self.debt_years = {p: sorted(ts) for p, ts in years_of.items()}
        plants_of: dict[str, set[str]] = defaultdict(set)
        for p, c, _ in self.arcs:
            plants_of[c].add(p)
        self.contract_plants = {c: sorted(ps) for c, ps in plants_of.items()}
        t_in: dict[tuple[str, int], list[TransferArc]] = defaultdict(list)
        t_out: dict[tuple[str, int], list[TransferArc]] = defaultdict(list)
        for arc in self.transfer_arcs:
            t_out[arc[0], arc[2]].append(arc)
            t_in[arc[1], arc[2]].append(arc)
        self.transfers_in, self.transfers_out = dict(t_in), dict(t_out)
        self.delayed_projects = {key[0] for key, _ in self.scenario_operating_years}
        delayed: dict[tuple[str, int, str], list[FundKey]] = defaultdict(list)
        for key in self.fund_keys:
            if key[0] in self.delayed_projects:
                for s in self.scenarios:
                    for t in self.operating_years_in(key, s):
                        delayed[key[0], t, s].append(key)
        self.delayed_operating = dict(delayed)
        return self

    # --- timing and capacity by scenario ---------------------------------------------------------
    def operating_years_in(self, key: FundKey, scenario: str) -> list[int]:
        """The years funding choice ``key`` operates in ``scenario`` (later than planned if delayed)."""
        return self.scenario_operating_years.get((key, scenario), self.operating_years[key])

    def capex_spend_in(self, key: FundKey, scenario: str) -> dict[int, float]:
        """Nominal capex of ``key`` by year of spend in ``scenario`` (spread over a delayed build)."""
        return self.scenario_capex_spend_usd_m.get((key, scenario), self.capex_spend_usd_m[key])

    def funds_operating_in(self, project: str, year: int, scenario: str) -> list[FundKey]:
        """Funding choices of ``project`` that make it run in ``year`` of ``scenario``."""
        if project in self.delayed_projects:
            return self.delayed_operating.get((project, year, scenario), [])
        return self.funds_operating.get((project, year), [])

    def runs_as_planned(self, project: str, year: int, scenario: str) -> bool:
        """The plant's running in ``year`` of ``scenario`` is ``running[p, t]`` (no delay changes it)."""
        return project not in self.delayed_projects or self.funds_operating_in(
            project, year, scenario
        ) == self.funds_operating.get((project, year), [])

    def capacity_share(self, key: FundKey, year: int, scenario: str) -> float:
        """Share of capacity ``key`` has in ``year``: its ramp-up (Projects.ramp_up, a ramp_up shock)."""
        years = self.operating_years_in(key, scenario)
        if year not in years:
            return 0.0
        i = year - years[0]
        listed = self.ramp_up_shares.get(key[0], [])
        share = listed[i] if i < len(listed) else 1.0
        first = self.ramp_up_multiplier.get((key[0], year, scenario))
        if first is not None:
            share = min(share, first * (i + 1))
        return min(1.0, share)

    def capacity_in(self, key: FundKey, year: int, scenario: str) -> float:
        """Feed capacity, t, of funding choice ``key`` in ``year`` of ``scenario``."""
        return self.capacity_tpa[key[0], key[1]] * self.capacity_share(key, year, scenario)

    def opex_factor(self, project: str, year: int, scenario: str) -> float:
        return self.opex_multiplier.get((project, year, scenario), 1.0)

    def coverage_applies(self, mineral: str, year: int, scenario: str) -> bool:
        """A coverage target holds unless exports of its mineral to Japan are capped then (``export``)."""
        if same_country(self.coverage_country.get((mineral, year))) != JAPAN:
            return True
        return (mineral, year, scenario) not in self.export_share

    @property
    def uncoverable_demand(self) -> list[tuple[str, int, float]]:
        """Demand to cover in a year when no plant could deliver that mineral under any contract."""
        return [
            (mineral, t, need)
            for (mineral, t), need in sorted(self.coverage_required_t.items())
            if need > 0 and not self.coverage_arcs.get((mineral, t))
        ]

    def yield_factor(self, project: str, mineral: str, year: int, scenario: str) -> float:
        return self.yield_multiplier.get((project, mineral, year, scenario), 1.0)

    def usable_feed_tpa(self, key: FundKey, year: int, scenario: str) -> float:
        """Feed a funding choice can process in ``year``: its capacity, or less where its feedstock is
        scarcer (a pool only bounds a plant that no other plant can feed)."""
        p = key[0]
        capacity = self.capacity_in(key, year, scenario)
        if p in self.feed_mineral:
            return capacity
        for feedstock, users in self.feedstock_projects.items():
            if p in users and (feedstock, year) in self.feedstock_available_t:
                capacity = min(capacity, self.feedstock_available_t[feedstock, year])
        return capacity

    def capex_factor(self, project: str, year: int, scenario: str) -> float:
        return self.capex_multiplier.get((project, year, scenario), 1.0)

    def project_fx(self, project: str, year: int, scenario: str) -> float:
        """USD per unit of the project's currency in ``year`` and ``scenario`` (1 for USD)."""
        currency = self.project_currency.get(project, "USD")
        return 1.0 if currency == "USD" else self.fx_usd_per_unit[currency, year, scenario]

    def contract_fx(self, contract: str, year: int, scenario: str) -> float:
        """USD per unit of the contract's currency in ``year`` and ``scenario`` (1 for USD)."""
        currency = self.contract_currency.get(contract, "USD")
        return 1.0 if currency == "USD" else self.fx_usd_per_unit[currency, year, scenario]

    def variable_cost(self, project: str, year: int, scenario: str) -> float:
        """Variable cost per tonne of feed, USD: in the project's currency, with the scenario's opex shock."""
        return (
            self.variable_cost_usd_per_t[project]
            * self.project_fx(project, year, scenario)
            * self.opex_factor(project, year, scenario)
        )

    def fixed_opex(self, key: FundKey, year: int, scenario: str) -> float:
        """Fixed opex of a funding choice in one operating year, USD m, with the scenario's opex shock."""
        return (
            self.fixed_opex_usd_m[key[0], key[1]]
            * self.project_fx(key[0], year, scenario)
            * self.opex_factor(key[0], year, scenario)
        )

    def penalty(self, contract: str, year: int, scenario: str) -> float:
        """Shortfall penalty per tonne, USD (0 for a firm minimum)."""
        return (self.shortfall_penalty_usd_per_t[contract] or 0.0) * self.contract_fx(
            contract, year, scenario
        )

    def debt_service_usd_m(self, project: str, year: int) -> dict[FundKey, float]:
        """Bank debt service of each funding choice of ``project`` paying in ``year``, if funded, USD m."""
        return {k: self.debt[k].service_usd_m(year) for k in self.serviced_by.get((project, year), [])}

    def prepayment_service_usd_m(self, project: str, year: int) -> dict[str, float]:
        """Repayment and interest of the prepayments of contracts tied to ``project`` in ``year``, if signed."""
        return {
            c: self.prepayment[c].service_usd_m(year)
            for c in self.tied_contracts.get(project, [])
            if c in self.prepayment and self.prepayment[c].service_usd_m(year) > 0
        }

    def backs_debt(self, contract: str, project: str) -> bool:
        """A contract backs a plant's debt if it runs at least as many years as the plant's debt tenor."""
        return self.contract_tenor_years[contract] >= self.debt_terms[project].tenor_years

    def price_usd_m_per_t(self, contract: str, year: int, scenario: str) -> float:
        return self.contract_price_usd_per_t[contract, year, scenario] * USD_M_PER_USD


def optional(value: Any) -> float | None:
    """A blank cell (None or NaN) as None, anything else as a float."""
    return None if is_blank(value) else float(value)


def prepare(case: Case, *, mean_value: bool = False) -> ModelData:
    """Turn a checked Case into the sparse sets and coefficients of one model.

    ``mean_value``: replace the scenarios by their probability-weighted average (the
    "average scenario" against which the value of the stochastic solution is measured).
    """
    s = case.settings
    years = list(s.years)
    last_repaid = max([s.end_year + 59, *(int(y) for y in case.table("Contracts")["end_year"].dropna())])
    discount = {y: s.discount_factor(y) for y in range(s.base_year, last_repaid + 1)}

    projects_df = case.table("Projects")
    options_df = case.table("Options")
    yields_df = case.table("Yields")
    contracts_df = case.table("Contracts")
    minerals_df = case.table("Minerals")

    capacity = {(r["project"], r["option"]): float(r["capacity_tpa"]) for r in records(options_df)}
    capex = {(r["project"], r["option"]): float(r["capex_usd_m"]) for r in records(options_df)}
    opex = {(r["project"], r["option"]): float(r["fixed_opex_usd_m"]) for r in records(options_df)}
    options_of: dict[str, list[str]] = defaultdict(list)
    for p, o in capacity:
        options_of[p].append(o)

    projects: list[str] = []
    fund_keys: list[FundKey] = []
    spend: dict[FundKey, dict[int, float]] = {}
    operating: dict[FundKey, list[int]] = {}
    running: dict[tuple[str, int], list[FundKey]] = defaultdict(list)
    decisions: dict[str, ProjectDecision] = {}
    variable_cost: dict[str, float] = {}
    requires: list[tuple[str, str]] = []
    groups: dict[str, list[str]] = defaultdict(list)
    feedstock_projects: dict[str, list[str]] = defaultdict(list)
    ramp_up_shares: dict[str, list[float]] = {}
    build_of: dict[str, int] = {}
    life_of: dict[str, int | None] = {}
    for r in records(projects_df):
        p = str(r["project"])
        projects.append(p)
        shares, _ = parse_ramp_up(r["ramp_up"])
        if shares:
            ramp_up_shares[p] = shares
        decision, _ = parse_project_decision(
            None if is_blank(r["decision"]) else str(r["decision"]), set(options_of[p])
        )
        decisions[p] = decision if decision is not None else FREE
        variable_cost[p] = float(r["variable_cost_usd_per_t"])
        if not is_blank(r["requires"]):
            requires.append((p, str(r["requires"])))
        if not is_blank(r["exclusive_group"]):
            groups[str(r["exclusive_group"])].append(p)
        if not is_blank(r["feedstock"]):
            feedstock_projects[str(r["feedstock"])].append(p)
        build = int(r["build_years"])
        life = None if is_blank(r["life_years"]) else int(r["life_years"])
        build_of[p], life_of[p] = build, life
        earliest = max(int(r["earliest_year"]), s.base_year)
        latest = int(r["latest_year"]) if not is_blank(r["latest_year"]) else int(r["earliest_year"])
        for o in options_of[p]:
            for y in range(earliest, min(latest, s.end_year) + 1):
                key = (p, o, y)
                fund_keys.append(key)
                spend[key] = capex_schedule(capex[p, o], y, build)
                first = y + build
                last = s.end_year if life is None else min(s.end_year, first + life - 1)
                operating[key] = list(range(first, last + 1))
                for t in operating[key]:
                    running[p, t].append(key)

    yields = {
        (r["project"], r["mineral"]): float(r["yield_t_per_t"])
        for r in records(yields_df)
        if float(r["yield_t_per_t"]) > 0
    }
    plant_minerals: dict[str, list[str]] = defaultdict(list)
    for p, m in yields:
        plant_minerals[p].append(m)

    project_currency = {str(r["project"]): str(r["currency"]) for r in records(projects_df)}
    contract_currency = {str(r["contract"]): str(r["currency"]) for r in records(contracts_df)}
    used_currencies = (set(project_currency.values()) | set(contract_currency.values())) - {"USD"}
    scenario_data = scenario_set(case)
    targets = Targets(
        project_kind={str(r["project"]): str(r["kind"]) for r in records(projects_df)},
        minerals=frozenset(str(m) for m in minerals_df["mineral"]),
        currencies=frozenset(used_currencies),
        contract_buyer={str(r["contract"]): str(r["buyer"]) for r in records(contracts_df)},
    )
    capex_years = sorted({t for schedule in spend.values() for t in schedule})
    most_delay = sum(round(shock.multiplier) for shock in scenario_data.shocks if shock.field == "delay")
    capex_years += list(range(capex_years[-1] + 1, capex_years[-1] + 1 + most_delay)) if capex_years else []
    multipliers = resolve_multipliers(scenario_data, targets, years, yields, capex_years)
    if mean_value:
        scenario_data, multipliers = average_scenario(scenario_data, multipliers)
    scenarios = scenario_data.names
    probability = scenario_data.probability
    fx_years = range(s.base_year, max([s.end_year, *capex_years]) + 1)
    base_fx = fx_rates(case.table("FX"), used_currencies, fx_years)
    fx = {
        (currency, t, sc): rate * multipliers.fx.get((currency, t, sc), 1.0)
        for (currency, t), rate in base_fx.items()
        for sc in scenarios
    }
    spend = {key: in_usd(schedule, project_currency[key[0]], base_fx) for key, schedule in spend.items()}
    capex_multiplier = dict(multipliers.capex)
    for (currency, t, sc), x in multipliers.fx.items():
        for p in projects:
            if project_currency[p] == currency and t in capex_years:
                capex_multiplier[p, t, sc] = capex_multiplier.get((p, t, sc), 1.0) * x

    scenario_operating, scenario_spend = delayed_timing(
        fund_keys, scenarios, multipliers.delay, capex, build_of, life_of, s.end_year
    )
    for (key, _), operating_then in scenario_operating.items():
        for t in operating_then:
            running.setdefault((key[0], t), [])  # a year the plant runs only when delayed
    last_spent = max([t for schedule in scenario_spend.values() for t in schedule], default=s.base_year)
    for y in range(last_repaid + 1, last_spent + 1):
        discount[y] = s.discount_factor(y)
    plant_years = sorted(running)
    operable_years: dict[str, set[int]] = defaultdict(set)
    for p, t in plant_years:
        operable_years[p].add(t)

    spot_price = {
        (str(r["mineral"]), t, sc): float(r["price_usd_per_t"])
        * multipliers.price.get((str(r["mineral"]), t, sc), 1.0)
        for r in records(minerals_df)
        for t in years
        for sc in scenarios
    }
    availability = {
        (str(r["mineral"]), t, sc): shocked_availability(
            optional(r["spot_availability_tpa"]),
            multipliers.availability.get((str(r["mineral"]), t, sc), 1.0),
        )
        for r in records(minerals_df)
        for t in years
        for sc in scenarios
    }

    contracts: list[str] = []
    contract_years: list[tuple[str, int]] = []
    prices: dict[tuple[str, int, str], float] = {}
    arcs: list[Arc] = []
    logistics = {
        (r["project"], r["buyer"]): float(r["cost_usd_per_t"]) for r in records(case.table("Logistics"))
    }
    for r in records(contracts_df):
        c = str(r["contract"])
        contracts.append(c)
        active = [
            t for t in range(int(r["start_year"]), int(r["end_year"]) + 1) if s.base_year <= t <= s.end_year
        ]
        for t in active:
            contract_years.append((c, t))
            for sc in scenarios:
                rate = 1.0 if contract_currency[c] == "USD" else fx[contract_currency[c], t, sc]
                prices[c, t, sc] = contract_price(
                    scaled(optional(r["price_usd_per_t"]), rate),
                    optional(r["index_discount"]),
                    scaled(optional(r["floor_usd_per_t"]), rate),
                    scaled(optional(r["cap_usd_per_t"]), rate),
                    spot_price[str(r["mineral"]), t, sc],
                    honoured=multipliers.floor.get((c, t, sc), 1.0),
                )
        allowed = [str(r["project"])] if not is_blank(r["project"]) else projects
        for p in allowed:
            if (p, r["mineral"]) not in yields:
                continue
            arcs.extend((p, c, t) for t in active if t in operable_years[p])

    demand_df = case.table("Demand")
    coverage = {
        (str(r["mineral"]), int(r["year"])): float(r["min_coverage"]) * float(r["demand_t"])
        for r in records(demand_df)
        if s.base_year <= int(r["year"]) <= s.end_year
    }
    country_of_buyer = {str(r["buyer"]): same_country(r["country"]) for r in records(case.table("Buyers"))}
    demand_countries = {
        (str(r["mineral"]), int(r["year"])): str(r["country"]).strip()
        for r in records(demand_df)
        if (str(r["mineral"]), int(r["year"])) in coverage
    }
    buyer_of = {str(r["contract"]): str(r["buyer"]) for r in records(contracts_df)}
    mineral_of = {str(r["contract"]): str(r["mineral"]) for r in records(contracts_df)}
    coverage_arcs: dict[tuple[str, int], list[Arc]] = {mineral_year: [] for mineral_year in coverage}
    for arc in arcs:
        mineral_year = (mineral_of[arc[1]], arc[2])
        if mineral_year in coverage and country_of_buyer[buyer_of[arc[1]]] == same_country(
            demand_countries[mineral_year]
        ):
            coverage_arcs[mineral_year].append(arc)
    feedstock_available = {
        (str(r["feedstock"]), int(r["year"])): float(r["available_t"])
        for r in records(case.table("Feedstocks"))
    }

    limits = share_limits(case)
    terms = {str(r["project"]): debt_terms(r, s) for r in records(projects_df)}
    tenor_of = {
        str(r["contract"]): list(range(int(r["start_year"]), int(r["end_year"]) + 1))
        for r in records(contracts_df)
    }
    lenders = s.lender_scenario_names() or list(scenarios)
    if mean_value:
        lenders = [AVERAGE_SCENARIO]

    mineral_names = {str(m) for m in minerals_df["mineral"]}
    feed_mineral = {
        p: f
        for f, users in feedstock_projects.items()
        if f in mineral_names
        for p in users
        if any(q != p and (q, f) in yields for q in projects)
    }
    transfer_arcs = [
        (q, p, t)
        for p, f in feed_mineral.items()
        for q in projects
        if q != p and (q, f) in yields
        for t in sorted(operable_years[p] & operable_years[q])
    ]
    export_arcs: dict[tuple[str, int], list[Arc]] = defaultdict(list)
    for arc in arcs:
        if country_of_buyer[buyer_of[arc[1]]] == JAPAN:
            export_arcs[mineral_of[arc[1]], arc[2]].append(arc)

    return ModelData(
        years=years,
        scenarios=scenarios,
        probability=probability,
        discount_factor=discount,
        projects=projects,
        fund_keys=fund_keys,
        capacity_tpa=capacity,
        capex_usd_m=capex,
        fixed_opex_usd_m=opex,
        capex_spend_usd_m=spend,
        operating_years=operating,
        funds_operating=dict(running),
        plant_years=plant_years,
        variable_cost_usd_per_t=variable_cost,
        yields=yields,
        plant_minerals=dict(plant_minerals),
        decisions=decisions,
        requires=requires,
        exclusive_groups={g: ps for g, ps in groups.items() if len(ps) > 1},
        contracts=contracts,
        contract_mineral={str(r["contract"]): str(r["mineral"]) for r in records(contracts_df)},
        contract_buyer={str(r["contract"]): str(r["buyer"]) for r in records(contracts_df)},
        contract_years=contract_years,
        min_tpa={str(r["contract"]): float(r["min_tpa"]) for r in records(contracts_df)},
        max_tpa={str(r["contract"]): float(r["max_tpa"]) for r in records(contracts_df)},
        shortfall_penalty_usd_per_t={
            str(r["contract"]): optional(r["shortfall_penalty_usd_per_t"]) for r in records(contracts_df)
        },
        prepayment_usd_m={str(r["contract"]): float(r["prepayment_usd_m"]) for r in records(contracts_df)},
        prepayment_years={
            str(r["contract"]): list(range(int(r["start_year"]), int(r["end_year"]) + 1))
            for r in records(contracts_df)
        },
        contract_decision={
            str(r["contract"]): (
                None if r["decision"] is None or is_blank(r["decision"]) else str(r["decision"])
            )
            for r in records(contracts_df)
        },
        contract_price_usd_per_t=prices,
        arcs=arcs,
        logistics_usd_per_t=logistics,
        minerals=[str(m) for m in minerals_df["mineral"]],
        spot_price_usd_per_t=spot_price,
        spot_availability_tpa=availability,
        spot_premium=s.spot_premium,
        spot_sale_discount=s.spot_sale_discount,
        feedstock_projects=dict(feedstock_projects),
        feedstock_available_t=feedstock_available,
        coverage_required_t=coverage,
        coverage_arcs=coverage_arcs,
        coverage_country=demand_countries,
        budget_usd_m=s.budget_usd_m,
        annual_budget_usd_m=s.annual_budget_usd_m,
        limits=limits,
        yield_multiplier=multipliers.yields,
        capex_multiplier=capex_multiplier,
        project_currency=project_currency,
        contract_currency=contract_currency,
        fx_usd_per_unit=fx,
        fund_capex_usd_m={key: sum(schedule.values()) for key, schedule in spend.items()},
        debt_terms=terms,
        debt={
            key: loan
            for key in fund_keys
            if (loan := debt_schedule(spend[key], operating[key], terms[key[0]])).amount_usd_m > 0
        },
        prepayment=prepayment_schedules(contracts_df, tenor_of, s.prepayment_rate),
        contract_tenor_years={c: len(years_) for c, years_ in tenor_of.items()},
        lender_scenarios=lenders,
        contingency_usd_m=s.contingency_usd_m,
        risk_aversion=s.risk_aversion,
        cvar_alpha=s.cvar_alpha,
        min_cvar_npv_usd_m=s.min_cvar_npv_usd_m,
        opex_multiplier=multipliers.opex,
        feed_mineral=feed_mineral,
        transfer_arcs=transfer_arcs,
        transfer_cost_usd_per_t={(q, p): logistics.get((q, p), 0.0) for q, p, _ in transfer_arcs},
        scenario_operating_years=scenario_operating,
        scenario_capex_spend_usd_m=scenario_spend,
        ramp_up_shares=ramp_up_shares,
        ramp_up_multiplier=multipliers.ramp_up,
        contract_project={
            str(r["contract"]): None if is_blank(r["project"]) else str(r["project"])
            for r in records(contracts_df)
        },
        single_plant={
            str(r["contract"]): is_blank(r["project"])
            and (
                s.single_plant
                if r["single_plant"] is None or is_blank(r["single_plant"])
                else bool(r["single_plant"])
            )
            for r in records(contracts_df)
        },
        spot_cover={
            str(r["contract"]): True
            if r["spot_cover"] is None or is_blank(r["spot_cover"])
            else bool(r["spot_cover"])
            for r in records(contracts_df)
        },
        signing_cost_usd_m={
            str(r["contract"]): float(r["signing_cost_usd_m"]) for r in records(contracts_df)
        },
        export_share=multipliers.export,
        export_arcs=dict(export_arcs),
    ).index()


def setting_or(value: Any, default: float) -> float:
    """A project's or contract's own value, or the Settings default when its cell is blank."""
    return default if is_blank(value) or value is pd.NA else float(value)


def debt_terms(row: dict[str, Any], settings: Any) -> DebtTerms:
    """A project's debt terms: its own cells, blanks taking the Settings defaults."""
    return DebtTerms(
        share=setting_or(row["debt_share"], settings.debt_share),
        rate=setting_or(row["debt_rate"], settings.debt_rate),
        tenor_years=int(setting_or(row["debt_tenor_years"], settings.debt_tenor_years)),
        grace_years=int(setting_or(row["debt_grace_years"], settings.debt_grace_years)),
        min_dscr=setting_or(row["min_dscr"], settings.min_dscr),
        min_contracted_share=setting_or(row["min_contracted_share"], settings.min_contracted_share),
    )


def prepayment_schedules(
    contracts: pd.DataFrame, years_of: dict[str, list[int]], default_rate: float
) -> dict[str, Schedule]:
    """Each prepayment's schedule (``models.debt``), at the contract's rate or the Settings default."""
    schedules = {}
    for r in records(contracts):
        amount = float(r["prepayment_usd_m"])
        if amount > 0:
            c = str(r["contract"])
            rate = setting_or(r["prepayment_rate"], default_rate)
            schedules[c] = prepayment_schedule(amount, years_of[c], rate)
    return schedules


def fx_rates(table: pd.DataFrame, currencies: set[str], years: range) -> dict[tuple[str, int], float]:
    """USD per unit of each currency in each year: the FX sheet, linear between listed years, flat outside."""
    rates: dict[tuple[str, int], float] = {}
    for currency in sorted(currencies):
        rows = table[table["currency"] == currency]
        listed = sorted((int(y), float(v)) for y, v in zip(rows["year"], rows["usd_per_unit"], strict=True))
        for t in years:
            rates[currency, t] = interpolated(listed, t)
    return rates


def interpolated(points: list[tuple[int, float]], year: int) -> float:
    """Linear between the listed (year, value) points, the nearest value outside them."""
    if year <= points[0][0]:
        return points[0][1]
    for (a, va), (b, vb) in itertools.pairwise(points):
        if a <= year <= b:
            return va + (vb - va) * (year - a) / (b - a)
    return points[-1][1]


def in_usd(
    schedule: dict[int, float], currency: str, rates: dict[tuple[str, int], float]
) -> dict[int, float]:
    """A schedule of amounts in ``currency`` converted to USD at each year's rate (unshocked)."""
    if currency == "USD":
        return schedule
    return {t: amount * rates[currency, t] for t, amount in schedule.items()}


def scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


JAPAN = "japan"  # a country as ``same_country`` compares it


def same_country(name: Any) -> str:
    """A country as compared: ``' japan'`` and ``'Japan'`` are one; blank is Japan (the schema's default)."""
    return JAPAN if is_blank(name) else str(name).strip().casefold()


def delayed_timing(
    fund_keys: list[FundKey],
    scenarios: list[str],
    delay: dict[tuple[str, int, str], int],
    capex_usd_m: dict[tuple[str, str], float],
    build_years: dict[str, int],
    life_years: dict[str, int | None],
    end_year: int,
) -> tuple[dict[tuple[FundKey, str], list[int]], dict[tuple[FundKey, str], dict[int, float]]]:
    """Operating years and capex schedule of each funding choice a ``delay`` shock reaches, per scenario.

    Construction of (p, o, y) takes build_years + delay years, its capex spread evenly over them;
    operation starts that much later and runs for life_years (or to end_year).
    """
    operating: dict[tuple[FundKey, str], list[int]] = {}
    spend: dict[tuple[FundKey, str], dict[int, float]] = {}
    for key in fund_keys:
        p, o, y = key
        for sc in scenarios:
            extra = delay.get((p, y, sc), 0)
            if extra <= 0:
                continue
            build = build_years[p] + extra
            first = y + build
            life = life_years[p]
            last = end_year if life is None else min(end_year, first + life - 1)
            operating[key, sc] = list(range(first, last + 1))
            spend[key, sc] = capex_schedule(capex_usd_m[p, o], y, build)
    return operating, spend


def share_limits(case: Case) -> list[ShareLimit]:
    """The Limits sheet with ``*`` expanded to one limit per member."""
    projects = case.table("Projects")
    contracts = case.table("Contracts")
    members: dict[str, dict[str, list[str]]] = {}
    for dimension in CAPEX_DIMENSIONS:
        groups: dict[str, list[str]] = defaultdict(list)
        for r in records(projects):
            if not is_blank(r[dimension]):
                groups[str(r[dimension])].append(str(r["project"]))
        members[dimension] = groups
    for dimension in ("buyer", "mineral"):
        groups = defaultdict(list)
        for r in records(contracts):
            groups[str(r[dimension])].append(str(r["contract"]))
        members[dimension] = groups
    limits = []
    for r in records(case.table("Limits")):
        dimension, member, share = str(r["dimension"]), str(r["member"]), float(r["max_share"])
        named = sorted(members[dimension]) if member == "*" else [member]
        for name in named:
            belongs = tuple(members[dimension].get(name, []))
            if dimension in CAPEX_DIMENSIONS:
                limits.append(ShareLimit(dimension, name, share, projects=belongs))
            else:
                limits.append(ShareLimit(dimension, name, share, contracts=belongs))
    return limits


def shocked_availability(base_tpa: float | None, multiplier: float) -> float | None:
    """Spot availability under a shock; an unlimited market stays unlimited unless shut (x 0)."""
    if base_tpa is None:
        return 0.0 if multiplier == 0 else None
    return base_tpa * multiplier


def capex_schedule(capex_usd_m: float, start_year: int, build_years: int) -> dict[int, float]:
    """Capex spread evenly over the build years; ``build_years = 0`` spends it all in the start year."""
    if build_years == 0:
        return {start_year: capex_usd_m}
    return {start_year + k: capex_usd_m / build_years for k in range(build_years)}


def contract_price(
    fixed_usd_per_t: float | None,
    index_discount: float | None,
    floor_usd_per_t: float | None,
    cap_usd_per_t: float | None,
    spot_usd_per_t: float,
    honoured: float = 1.0,
) -> float:
    """Fixed price, or spot x (1 - index_discount) clipped to the floor and cap.

    ``honoured`` (a ``floor`` shock) is the share of the premium over the index the buyer
    still pays: index + honoured x (price - index), the index being spot x (1 - index_discount)
    (for a fixed price, spot); 0 is the index price only.
    """
    index = spot_usd_per_t * (1.0 - (index_discount or 0.0))
    if fixed_usd_per_t is not None:
        price = fixed_usd_per_t
    else:
        price = index
        if floor_usd_per_t is not None:
            price = max(price, floor_usd_per_t)
        if cap_usd_per_t is not None:
            price = min(price, cap_usd_per_t)
    return index + honoured * (price - index) if honoured != 1.0 else price
