"""The input workbook's tables: one declaration per sheet, the single source of truth.

Reading, validation, the ``template`` command and the README's sheet reference all come
from these declarations. A column's name carries its unit (``capex_usd_m``,
``capacity_tpa``); its ``description`` says what it means and what a blank cell does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["str", "int", "float", "bool"]


@dataclass(frozen=True)
class Column:
    """One column of an input sheet."""

    name: str
    kind: Kind
    description: str
    required: bool = False
    default: float | int | str | bool | None = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()  # the only values allowed
    suggestions: tuple[str, ...] = ()  # offered as a dropdown, other values allowed
    references: str | None = None  # "Sheet.column" that this value must name ("A.a|B.b": one of them)


@dataclass(frozen=True)
class Table:
    """One input sheet: its columns and the columns that identify a row."""

    sheet: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = True

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [col.name for col in self.columns]


MAGNITUDES: tuple[tuple[str, float, str], ...] = (
    ("_usd_m", 1e6, "USD m (millions of US dollars): at most USD 1 trillion"),
    ("_usd_per_t", 1e10, "USD per tonne: at most USD 10 billion per tonne"),
    ("_tpa", 1e10, "tonnes per year: at most 10 billion tonnes a year"),
    ("_t", 1e10, "tonnes: at most 10 billion tonnes"),
    ("_s", 1e9, "seconds: at most a billion seconds"),
)
"""Column-name suffix -> the largest magnitude any real case has, and the unit in words.

Far beyond any real value (capex 1e300) a number is a typo or an attack, and would reach
the solver as a coefficient it cannot handle: validation names its cell instead."""


def largest_real_value(name: str) -> tuple[float, str] | None:
    """The largest magnitude a column or setting named ``name`` may hold, by the unit its name carries."""
    for suffix, limit, unit in MAGNITUDES:
        if name.endswith(suffix):
            return limit, unit
    return None


SOURCE = Column("source", "str", "Where the figures in this row come from (free text, ignored by the model).")
NOTES = Column("notes", "str", "Free-text notes (ignored by the model).")


@dataclass(frozen=True)
class Setting:
    """One key of the Settings sheet."""

    name: str
    kind: Kind
    description: str
    default: float | int | bool | str | None = None
    minimum: float | None = None
    maximum: float | None = None


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "base_year",
        "int",
        "First year of the horizon; discounting starts here. Blank: the earliest project or contract year.",
        minimum=1900,
        maximum=2200,
    ),
    Setting(
        "end_year",
        "int",
        "Last year of the horizon. Blank: the latest contract end year.",
        minimum=1900,
        maximum=2200,
    ),
    Setting(
        "discount_rate", "float", "Annual discount rate (0.10 = 10%).", default=0.10, minimum=0.0, maximum=1.0
    ),
    Setting(
        "budget_usd_m",
        "float",
        "The portfolio's own money (equity) for capex, USD m: capex less debt, widened by buyer prepayments. "
        "Blank: unlimited.",
        minimum=0.0,
    ),
    Setting(
        "annual_budget_usd_m",
        "float",
        "Cap on the portfolio's own money spent on capex per year (capex less debt drawn), USD m, widened by "
        "prepayments arriving that year. Blank: none.",
        minimum=0.0,
    ),
    Setting(
        "risk_aversion",
        "float",
        "Weight of CVaR against expected NPV in the objective (0 = risk neutral).",
        default=0.0,
        minimum=0.0,
        maximum=1.0,
    ),
    Setting(
        "cvar_alpha",
        "float",
        "CVaR confidence level (0.95 = the worst 5% of scenarios).",
        default=0.95,
        minimum=0.0,
        maximum=0.9999,
    ),
    Setting("min_cvar_npv_usd_m", "float", "Floor on the CVaR of portfolio NPV, USD m. Blank: none."),
    Setting(
        "spot_premium",
        "float",
        "Mark-up paid over the spot price when buying on the spot market (0.05 = 5%).",
        default=0.0,
        minimum=0.0,
        maximum=10.0,
    ),
    Setting(
        "spot_sale_discount",
        "float",
        "Discount to the spot price when selling surplus on the spot market (0.05 = 5%).",
        default=0.0,
        minimum=0.0,
        maximum=1.0,
    ),
    Setting("time_limit_s", "float", "Solver time limit in seconds.", default=600.0, minimum=0.0),
    Setting(
        "mip_gap",
        "float",
        "Relative MIP gap at which the solver stops (0.0001 = 0.01%).",
        default=1e-4,
        minimum=0.0,
        maximum=1.0,
    ),
    Setting(
        "mip_abs_gap_usd_m",
        "float",
        "Absolute MIP gap in USD m at which the solver stops. Blank: HiGHS's default.",
        minimum=0.0,
    ),
    # --- project finance (issue 11): defaults of the Projects and Contracts columns of the same name ---
    Setting(
        "debt_share",
        "float",
        "Share of a plant's capex borrowed, drawn pro rata to capex (0.6 = 60%); Projects.debt_share overrides it. "
        "0: financed by the portfolio's own money alone.",
        default=0.0,
        minimum=0.0,
        maximum=1.0,
    ),
    Setting(
        "debt_rate",
        "float",
        "Annual interest rate of a plant's debt (0.06 = 6%); Projects.debt_rate overrides it.",
        default=0.08,
        minimum=0.0,
        maximum=1.0,
    ),
    Setting(
        "debt_tenor_years",
        "int",
        "Years of debt service from a plant's first operating year (grace years included), cut to the years it "
        "operates within the horizon; Projects.debt_tenor_years overrides it.",
        default=10,
        minimum=1,
        maximum=50,
    ),
    Setting(
        "debt_grace_years",
        "int",
        "First years of debt service that pay interest only, before the annuity; fewer than debt_tenor_years. "
        "Projects.debt_grace_years overrides it.",
        default=0,
        minimum=0,
        maximum=49,
    ),
    Setting(
        "min_dscr",
        "float",
        "Minimum debt service cover ratio: in each year of a plant's debt and each lender scenario, cash available "
        "for debt service >= min_dscr x debt service. Projects.min_dscr overrides it.",
        default=1.3,
        minimum=0.0,
        maximum=10.0,
    ),
    Setting(
        "min_contracted_share",
        "float",
        "Share of a borrowing plant's sales (by value) that must be sold under signed contracts at least as long as "
        "its debt tenor, in each year of its debt and each lender scenario. Projects.min_contracted_share overrides it.",
        default=0.0,
        minimum=0.0,
        maximum=1.0,
    ),
    Setting(
        "lender_scenarios",
        "str",
        "Scenarios lenders size debt on, separated by commas (base, lithium_slump). Blank: every scenario.",
    ),
    Setting(
        "prepayment_rate",
        "float",
        "Annual interest on the outstanding balance of a buyer prepayment (0.07 = 7%); Contracts.prepayment_rate "
        "overrides it. 0: interest-free.",
        default=0.0,
        minimum=0.0,
        maximum=1.0,
    ),
    Setting(
        "contingency_usd_m",
        "float",
        "Standby money for capex overruns (capex and fx shocks of the scenarios) beyond the budget and annual cap, "
        "USD m. Blank: unlimited (the plan reports what it needs); 0: overruns must fit the budget and the cap.",
        minimum=0.0,
    ),
    Setting(
        "single_plant",
        "bool",
        "TRUE: a signed contract with no project is served by exactly one plant, chosen by the optimiser "
        "(Contracts.single_plant overrides it per contract).",
        default=False,
    ),
)

DECISION_HELP = "Blank: the optimiser decides."
CURRENCIES = ("USD", "INR", "JPY")

TABLES: tuple[Table, ...] = (
    Table(
        "Settings",
        "Scalar settings: one row per setting.",
        (
            Column("setting", "str", "Setting name.", required=True, choices=tuple(s.name for s in SETTINGS)),
            Column("value", "str", "Its value; blank takes the default."),
            SOURCE,
            NOTES,
        ),
        key=("setting",),
    ),
    Table(
        "Minerals",
        "Minerals traded: spot price and spot availability.",
        (
            Column("mineral", "str", "Mineral name (e.g. lithium, NdPr).", required=True),
            Column(
                "price_usd_per_t",
                "float",
                "Spot price, USD per tonne of product.",
                required=True,
                minimum=0.0,
            ),
            Column(
                "spot_availability_tpa",
                "float",
                "Tonnes per year that can be bought on the spot market. Blank: unlimited; 0: no spot market.",
                minimum=0.0,
            ),
            SOURCE,
            NOTES,
        ),
        key=("mineral",),
    ),
    Table(
        "Projects",
        "Candidate Indian plants: who sponsors them, where, when they can start.",
        (
            Column("project", "str", "Project id.", required=True),
            Column("sponsor", "str", "Sponsoring company."),
            Column("state", "str", "Indian state."),
            Column(
                "kind",
                "str",
                "Project kind.",
                suggestions=(
                    "black_mass",
                    "hydromet_refinery",
                    "magnet_recycler",
                    "catalyst_recycler",
                    "other",
                ),
            ),
            Column(
                "feedstock",
                "str",
                "Feedstock it processes: a Feedstocks.feedstock, or a mineral other projects yield (black_mass: "
                "their output is then transferred to it, alongside the Feedstocks pool and the mineral's spot "
                "market). Blank: not limited.",
            ),
            Column(
                "earliest_year",
                "int",
                "Earliest construction start year.",
                required=True,
                minimum=1900,
                maximum=2200,
            ),
            Column(
                "latest_year",
                "int",
                "Latest construction start year. Blank: the earliest year.",
                minimum=1900,
                maximum=2200,
            ),
            Column(
                "build_years",
                "int",
                "Years of construction; capex is spread evenly over them and operation starts after. 0: capex and operation in the start year.",
                default=0,
                minimum=0,
                maximum=20,
            ),
            Column(
                "life_years",
                "int",
                "Operating life in years. Blank: to the end of the horizon.",
                minimum=1,
                maximum=100,
            ),
            Column(
                "variable_cost_usd_per_t",
                "float",
                "Operating cost per tonne of feed, USD (in the project's currency).",
                default=0.0,
                minimum=0.0,
            ),
            Column(
                "requires",
                "str",
                "Another project that must be funded for this one to be funded, and running for this one to run.",
                references="Projects.project",
            ),
            Column("exclusive_group", "str", "At most one project of a group is funded."),
            Column(
                "decision",
                "str",
                "fund, fund:OPTION, fund:YEAR, fund:OPTION:YEAR, or reject. " + DECISION_HELP,
            ),
            Column(
                "debt_share",
                "float",
                "Share of capex borrowed (0.6 = 60%), drawn pro rata to capex. Blank: Settings debt_share.",
                minimum=0.0,
                maximum=1.0,
            ),
            Column(
                "debt_rate",
                "float",
                "Annual interest rate of the debt. Blank: Settings debt_rate.",
                minimum=0.0,
                maximum=1.0,
            ),
            Column(
                "debt_tenor_years",
                "int",
                "Years of debt service from the first operating year, grace included. Blank: Settings debt_tenor_years.",
                minimum=1,
                maximum=50,
            ),
            Column(
                "debt_grace_years",
                "int",
                "Interest-only years at the start of debt service (fewer than the tenor). Blank: Settings debt_grace_years.",
                minimum=0,
                maximum=49,
            ),
            Column(
                "min_dscr",
                "float",
                "Minimum debt service cover ratio in each debt year and lender scenario. Blank: Settings min_dscr.",
                minimum=0.0,
                maximum=10.0,
            ),
            Column(
                "min_contracted_share",
                "float",
                "Least share of sales (by value) under signed contracts at least as long as the debt tenor, in each debt "
                "year and lender scenario. Blank: Settings min_contracted_share.",
                minimum=0.0,
                maximum=1.0,
            ),
            Column(
                "currency",
                "str",
                "Currency of the project's Options capex_usd_m and fixed_opex_usd_m (millions) and variable_cost_usd_per_t "
                "(per t), converted with the FX sheet year by year. Blank: USD.",
                default="USD",
                choices=CURRENCIES,
            ),
            Column(
                "ramp_up",
                "str",
                "Share of capacity in the first operating years, comma-separated: 0.5,0.8 runs at 50% in the "
                "first year, 80% in the second, then full. Blank: full capacity from the first year.",
            ),
            SOURCE,
            NOTES,
        ),
        key=("project",),
    ),
    Table(
        "Options",
        "Size options of each project.",
        (
            Column("project", "str", "Project id.", required=True, references="Projects.project"),
            Column("option", "str", "Size option name (e.g. small, large).", required=True),
            Column("capacity_tpa", "float", "Feed capacity, tonnes per year.", required=True, minimum=0.0),
            Column(
                "capex_usd_m",
                "float",
                "Capital cost, USD m (in the project's currency).",
                required=True,
                minimum=0.0,
            ),
            Column(
                "fixed_opex_usd_m",
                "float",
                "Fixed operating cost per operating year, USD m (in the project's currency).",
                default=0.0,
                minimum=0.0,
            ),
            SOURCE,
            NOTES,
        ),
        key=("project", "option"),
    ),
    Table(
        "Yields",
        "Tonnes of each mineral a project recovers per tonne of feed.",
        (
            Column("project", "str", "Project id.", required=True, references="Projects.project"),
            Column("mineral", "str", "Mineral.", required=True, references="Minerals.mineral"),
            Column(
                "yield_t_per_t",
                "float",
                "Tonnes of mineral per tonne of feed.",
                required=True,
                minimum=0.0,
                maximum=1.0,
            ),
            SOURCE,
            NOTES,
        ),
        key=("project", "mineral"),
    ),
    Table(
        "Buyers",
        "Japanese offtakers.",
        (
            Column("buyer", "str", "Buyer id.", required=True),
            Column(
                "country",
                "str",
                "Country the buyer takes delivery in; its deliveries count towards that country's Demand. "
                "Blank: Japan.",
                default="Japan",
            ),
            Column(
                "kind",
                "str",
                "Buyer kind.",
                suggestions=("battery_maker", "automaker", "trading_house", "magnet_maker", "other"),
            ),
            SOURCE,
            NOTES,
        ),
        key=("buyer",),
    ),
    Table(
        "Contracts",
        "Candidate offtake contracts.",
        (
            Column("contract", "str", "Contract id.", required=True),
            Column("buyer", "str", "Buyer.", required=True, references="Buyers.buyer"),
            Column("mineral", "str", "Mineral delivered.", required=True, references="Minerals.mineral"),
            Column(
                "project",
                "str",
                "The only plant allowed to deliver. Blank: any plant yielding the mineral.",
                references="Projects.project",
            ),
            Column("start_year", "int", "First delivery year.", required=True, minimum=1900, maximum=2200),
            Column("end_year", "int", "Last delivery year.", required=True, minimum=1900, maximum=2200),
            Column("min_tpa", "float", "Minimum tonnes per year once signed.", default=0.0, minimum=0.0),
            Column("max_tpa", "float", "Maximum tonnes per year once signed.", required=True, minimum=0.0),
            Column(
                "price_usd_per_t",
                "float",
                "Fixed price, USD per tonne. Blank: index pricing with index_discount.",
                minimum=0.0,
            ),
            Column(
                "index_discount",
                "float",
                "Index pricing: spot x (1 - index_discount). Used when price_usd_per_t is blank.",
                minimum=-1.0,
                maximum=1.0,
            ),
            Column("floor_usd_per_t", "float", "Price floor for index pricing, USD per tonne.", minimum=0.0),
            Column("cap_usd_per_t", "float", "Price cap for index pricing, USD per tonne.", minimum=0.0),
            Column(
                "shortfall_penalty_usd_per_t",
                "float",
                "Penalty per tonne delivered below min_tpa. Blank: min_tpa is firm (no shortfall allowed).",
                minimum=0.0,
            ),
            Column(
                "prepayment_usd_m",
                "float",
                "Buyer prepayment received in start_year, repaid evenly over the contract years whatever is delivered, "
                "with interest at prepayment_rate on the balance, USD m.",
                default=0.0,
                minimum=0.0,
            ),
            Column("decision", "str", "sign or reject. " + DECISION_HELP, choices=("sign", "reject")),
            Column(
                "prepayment_rate",
                "float",
                "Annual interest on the prepayment's outstanding balance, paid with each repayment. Blank: Settings "
                "prepayment_rate.",
                minimum=0.0,
                maximum=1.0,
            ),
            Column(
                "currency",
                "str",
                "Currency of price_usd_per_t, floor_usd_per_t, cap_usd_per_t and shortfall_penalty_usd_per_t, converted "
                "with the FX sheet year by year (the index stays the USD spot price). Blank: USD.",
                default="USD",
                choices=CURRENCIES,
            ),
            Column(
                "signing_cost_usd_m",
                "float",
                "Cost of signing (arrangement, legal, qualification), paid in the contract's first year, USD m.",
                default=0.0,
                minimum=0.0,
            ),
            Column(
                "single_plant",
                "bool",
                "TRUE: served by exactly one plant, chosen by the optimiser, which owns its revenue "
                "(only for a contract with no project). Blank: Settings single_plant.",
            ),
            Column(
                "spot_cover",
                "bool",
                "FALSE: no spot purchases for it in years its plant does not run (before it starts, or while "
                "delayed). Blank: TRUE.",
                default=True,
            ),
            SOURCE,
            NOTES,
        ),
        key=("contract",),
    ),
    Table(
        "Demand",
        "Demand (Japanese unless country says otherwise) to be covered from funded plants under contract.",
        (
            Column("mineral", "str", "Mineral.", required=True, references="Minerals.mineral"),
            Column("year", "int", "Year.", required=True, minimum=1900, maximum=2200),
            Column("demand_t", "float", "Demand, tonnes.", required=True, minimum=0.0),
            Column(
                "min_coverage",
                "float",
                "Share of demand that contracted deliveries from funded plants must cover.",
                default=1.0,
                minimum=0.0,
                maximum=1.0,
            ),
            Column(
                "country",
                "str",
                "Country whose demand this is: only deliveries to buyers in it (Buyers.country) count. Blank: Japan.",
                default="Japan",
            ),
            SOURCE,
            NOTES,
        ),
        key=("mineral", "year"),
        required=False,
    ),
    Table(
        "Feedstocks",
        "Feed (black mass, scrap magnets, spent catalysts) available per year.",
        (
            Column("feedstock", "str", "Feedstock name.", required=True),
            Column("year", "int", "Year.", required=True, minimum=1900, maximum=2200),
            Column(
                "available_t",
                "float",
                "Tonnes available to all plants using it that year.",
                required=True,
                minimum=0.0,
            ),
            SOURCE,
            NOTES,
        ),
        key=("feedstock", "year"),
        required=False,
    ),
    Table(
        "Logistics",
        "Cost of moving product from a plant to a buyer, or to another plant that takes it as feed.",
        (
            Column(
                "project",
                "str",
                "Project id (the plant shipping).",
                required=True,
                references="Projects.project",
            ),
            Column(
                "buyer",
                "str",
                "Buyer, or the project receiving a plant-to-plant transfer.",
                required=True,
                references="Buyers.buyer|Projects.project",
            ),
            Column("cost_usd_per_t", "float", "Cost per tonne delivered, USD.", default=0.0, minimum=0.0),
            SOURCE,
            NOTES,
        ),
        key=("project", "buyer"),
        required=False,
    ),
    # --- what-if runs (issue 6) ---
    Table(
        "WhatIfs",
        "Variants for optimize whatif: one row per change; rows with the same whatif are applied together, in order.",
        (
            Column(
                "whatif", "str", "Name of the variant (not base, which is the unchanged case).", required=True
            ),
            Column(
                "target",
                "str",
                "What to change: Settings.budget_usd_m, Minerals[lithium].price_usd_per_t, Contracts[*].min_tpa, "
                "Options[W1,large].capex_usd_m; a partial key such as Options[W1] selects every row that starts with it.",
                required=True,
            ),
            Column(
                "op",
                "str",
                "set (the value), scale (multiply by it) or add (add it); scale and add leave blank cells blank.",
                default="set",
                choices=("set", "scale", "add"),
            ),
            Column(
                "value", "str", "The value, factor or amount. Blank with set: clear the cell (its default)."
            ),
            SOURCE,
            NOTES,
        ),
        key=("whatif", "target", "op"),
        required=False,
    ),
)

SHOCK_FIELDS = (
    "price",
    "spot_availability",
    "yield",
    "capex",
    "delay",
    "opex",
    "ramp_up",
    "floor",
    "export",
    "fx",
)
LIMIT_DIMENSIONS = ("sponsor", "state", "kind", "buyer", "mineral")

TABLES = (
    *TABLES,
    Table(
        "Limits",
        "Concentration limits: shares of funded capex (sponsor, state, kind) or of expected contracted revenue (buyer, mineral).",
        (
            Column(
                "dimension",
                "str",
                "What the share is of: sponsor, state or kind (of funded capex); buyer or mineral (of expected discounted contract revenue).",
                required=True,
                choices=LIMIT_DIMENSIONS,
            ),
            Column(
                "member",
                "str",
                "The sponsor, state, kind, buyer or mineral; * applies the share to each member.",
                required=True,
            ),
            Column(
                "max_share",
                "float",
                "Largest share allowed (0.4 = 40%).",
                required=True,
                minimum=0.0,
                maximum=1.0,
            ),
            SOURCE,
            NOTES,
        ),
        key=("dimension", "member"),
        required=False,
    ),
    Table(
        "Scenarios",
        "Price and supply scenarios. No sheet: one scenario, base, with probability 1.",
        (
            Column("scenario", "str", "Scenario name.", required=True),
            Column(
                "probability",
                "float",
                "Probability; the column sums to 1.",
                required=True,
                minimum=0.0,
                maximum=1.0,
            ),
            Column("description", "str", "What the scenario represents and why it has this probability."),
            SOURCE,
            NOTES,
        ),
        key=("scenario",),
        required=False,
    ),
    Table(
        "Shocks",
        "What makes a scenario differ from the inputs: multipliers on spot price, spot availability, yield, capex, "
        "opex or an exchange rate, and the lender stresses delay, ramp_up, floor and export.",
        (
            Column(
                "scenario",
                "str",
                "Scenario the shock belongs to.",
                required=True,
                references="Scenarios.scenario",
            ),
            Column(
                "field",
                "str",
                "price (spot, and index-priced contracts), spot_availability, yield, capex, opex (variable and "
                "fixed costs), delay (years added to construction), ramp_up (first operating years at a "
                "share of capacity), floor (floors, caps and fixed prices not honoured: the index price), "
                "export (share of a mineral's output that may go to buyers in Japan) or fx (the currency's "
                "usd_per_unit).",
                required=True,
                choices=SHOCK_FIELDS,
            ),
            Column(
                "target",
                "str",
                "What the shock applies to, or * for all: a mineral (price, spot_availability, export), a "
                "project or project kind (capex, opex, delay, ramp_up), either (yield), a buyer or a contract "
                "(floor), a currency (fx).",
                required=True,
            ),
            Column(
                "from_year",
                "int",
                "First year shocked (delay: first construction start year). Blank: the base year.",
                minimum=1900,
                maximum=2200,
            ),
            Column(
                "to_year",
                "int",
                "Last year shocked (delay: last construction start year). Blank: the end year.",
                minimum=1900,
                maximum=2200,
            ),
            Column(
                "multiplier",
                "float",
                "Factor applied (0.5 halves, 3 triples, 0 shuts; at most 1000). delay: whole years added; "
                "ramp_up: share of capacity in the first operating year, rising by as much each year to full "
                "(0.4: 40%, 80%, 100%); floor: share of the premium over the index still honoured (0: index "
                "only); export: largest share of the output (0: none). The last three at most 1.",
                required=True,
                minimum=0.0,
                maximum=1000.0,
            ),
            SOURCE,
            NOTES,
        ),
        key=(),
        required=False,
    ),
    Table(
        "FX",
        "Exchange rates by year for the currencies Projects and Contracts use (USD needs none).",
        (
            Column("currency", "str", "Currency.", required=True, choices=CURRENCIES[1:]),
            Column("year", "int", "Year.", required=True, minimum=1900, maximum=2200),
            Column(
                "usd_per_unit",
                "float",
                "US dollars per unit of the currency (1 / 88.2 for INR at 88.2 per USD). Years between listed years "
                "are interpolated linearly; before the first and after the last the nearest listed rate holds.",
                required=True,
                minimum=0.0,
            ),
            SOURCE,
            NOTES,
        ),
        key=("currency", "year"),
        required=False,
    ),
)

TABLES_BY_SHEET: dict[str, Table] = {t.sheet: t for t in TABLES}
SETTINGS_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}

# Sheets the tool writes into a plan; they are ignored when a plan is read back as input.
RESULT_SHEETS: tuple[str, ...] = (
    "Summary",
    "FundedProjects",
    "SignedContracts",
    "Flows",
    "Transfers",
    "CashFlows",
    "Coverage",
    "ByYear",
    "NPVByScenario",
    "Risk",
    "LimitShares",
    "MarginalValues",
    "NPVBridge",
    "TargetCosts",
    "CashByScenario",
    "ProjectNPV",
    "Finance",
    "Funding",
    "PlantCashFlows",
)
