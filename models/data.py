"""Model data: a Case turned into sparse index sets and coefficients, with no Pyomo and no I/O.

Every set lists only the tuples that can carry a decision: a plant-contract-year arc
exists only if the plant yields the contract's mineral, the contract allows the plant,
the contract is active that year and the plant could be operating then. Scenario-indexed
data is keyed by scenario from the start; without a Scenarios sheet there is one scenario,
``base``, with probability 1.
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
from optimizer.workbook.decisions import FREE, ProjectDecision, parse_project_decision
from optimizer.workbook.validate import is_blank

USD_M_PER_USD = 1e-6

FundKey = tuple[str, str, int]  # project, option, construction start year
Arc = tuple[str, str, int]  # project, contract, year


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
    contract_plant: dict[str, str | None] = field(default_factory=dict)  # the one plant allowed, if any
    contract_tenor_years: dict[str, int] = field(default_factory=dict)  # start_year..end_year as typed
    lender_scenarios: list[str] = field(default_factory=list)
    contingency_usd_m: float | None = None  # standby money for overruns; None: unlimited

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
            plant = self.contract_plant.get(c)
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
        return self

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

    def usable_feed_tpa(self, key: FundKey, year: int) -> float:
        """Feed a funding choice can process in ``year``: its capacity, or less where its feedstock is scarcer."""
        p, o, _ = key
        capacity = self.capacity_tpa[p, o]
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
        """Variable cost per tonne of feed, USD."""
        return self.variable_cost_usd_per_t[project] * self.project_fx(project, year, scenario)

    def fixed_opex(self, key: FundKey, year: int, scenario: str) -> float:
        """Fixed opex of a funding choice in one operating year, USD m."""
        return self.fixed_opex_usd_m[key[0], key[1]] * self.project_fx(key[0], year, scenario)

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
    for r in records(projects_df):
        p = str(r["project"])
        projects.append(p)
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
    plant_years = sorted(running)
    operable_years: dict[str, set[int]] = defaultdict(set)
    for p, t in plant_years:
        operable_years[p].add(t)

    project_currency = {str(r["project"]): str(r["currency"]) for r in records(projects_df)}
    contract_currency = {str(r["contract"]): str(r["currency"]) for r in records(contracts_df)}
    used_currencies = (set(project_currency.values()) | set(contract_currency.values())) - {"USD"}
    scenario_data = scenario_set(case)
    targets = Targets(
        project_kind={str(r["project"]): str(r["kind"]) for r in records(projects_df)},
        minerals=frozenset(str(m) for m in minerals_df["mineral"]),
        currencies=frozenset(used_currencies),
    )
    capex_years = sorted({t for schedule in spend.values() for t in schedule})
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
        contract_plant={
            str(r["contract"]): None if is_blank(r["project"]) else str(r["project"])
            for r in records(contracts_df)
        },
        contract_tenor_years={c: len(years_) for c, years_ in tenor_of.items()},
        lender_scenarios=lenders,
        contingency_usd_m=s.contingency_usd_m,
        risk_aversion=s.risk_aversion,
        cvar_alpha=s.cvar_alpha,
        min_cvar_npv_usd_m=s.min_cvar_npv_usd_m,
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


def same_country(name: Any) -> str:
    """A country as compared: ``' japan'`` and ``'Japan'`` are one; blank is Japan (the schema's default)."""
    return "japan" if is_blank(name) else str(name).strip().casefold()


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
) -> float:
    """Fixed price, or spot x (1 - index_discount) clipped to the floor and cap."""
    if fixed_usd_per_t is not None:
        return fixed_usd_per_t
    price = spot_usd_per_t * (1.0 - (index_discount or 0.0))
    if floor_usd_per_t is not None:
        price = max(price, floor_usd_per_t)
    if cap_usd_per_t is not None:
        price = min(price, cap_usd_per_t)
    return price
