"""Rules across sheets that no single column can state: the horizon, locks, plants, scenarios.

Each check takes the typed tables (and the raw tables for cell addresses) and returns
every problem it finds as ``Sheet!Cell: what is wrong; what to do``; none raises. A check
whose sheet is absent returns nothing.
"""

from __future__ import annotations

import math

import pandas as pd

from optimizer.errors import InputProblem
from optimizer.workbook.decisions import parse_project_decision
from optimizer.workbook.read import RawTable, row_number

PROBABILITY_TOLERANCE = 1e-6


def horizon_text(base_year: int, end_year: int) -> str:
    return f"the horizon {base_year}-{end_year} (Settings base_year..end_year)"


def years_within_horizon(
    base_year: int, end_year: int, tables: dict[str, pd.DataFrame], raw: dict[str, RawTable]
) -> list[InputProblem]:
    """A row whose years lie wholly outside the horizon could never matter: say so.

    Projects: the start window earliest_year..latest_year must meet the horizon (a start
    before base_year is moved to base_year, one after end_year is impossible).
    Contracts: start_year..end_year must meet the horizon (years outside it are cut off).
    Demand and Feedstocks: each year must be inside the horizon.
    """
    horizon = horizon_text(base_year, end_year)
    fix = "change the year, delete the row, or widen the horizon on Settings"
    problems: list[InputProblem] = []
    if "Projects" in raw:
        sheet = raw["Projects"]
        for label, row in tables["Projects"].iterrows():
            earliest, latest = row["earliest_year"], row["latest_year"]
            if pd.isna(earliest):
                continue
            last = earliest if pd.isna(latest) else latest
            if last < earliest:
                continue  # reported as earliest_year above latest_year
            if earliest > end_year:
                cell = sheet.cell("earliest_year", row_number(label))
                what = f"earliest_year {earliest} is after {horizon}, so the project could never start"
                problems.append(InputProblem("Projects", cell, what, fix))
            elif last < base_year:
                column = "earliest_year" if pd.isna(latest) else "latest_year"
                cell = sheet.cell(column, row_number(label))
                what = f"{column} {last} is before {horizon}, so the project could never start"
                problems.append(InputProblem("Projects", cell, what, fix))
    if "Contracts" in raw:
        sheet = raw["Contracts"]
        for label, row in tables["Contracts"].iterrows():
            start, end = row["start_year"], row["end_year"]
            if pd.isna(start) or pd.isna(end) or start > end:
                continue
            if start > end_year or end < base_year:
                column = "start_year" if start > end_year else "end_year"
                cell = sheet.cell(column, row_number(label))
                what = f"the contract runs {start}-{end}, wholly outside {horizon}"
                problems.append(InputProblem("Contracts", cell, what, fix))
    for name in ("Demand", "Feedstocks"):
        if name not in raw:
            continue
        for label, year in tables[name]["year"].items():
            if not pd.isna(year) and not base_year <= year <= end_year:
                cell = raw[name].cell("year", row_number(label))
                problems.append(InputProblem(name, cell, f"year {year} is outside {horizon}", fix))
    return problems


def prepayments_within_horizon(
    base_year: int, tables: dict[str, pd.DataFrame], raw: dict[str, RawTable]
) -> list[InputProblem]:
    """A prepayment arrives in the contract's start_year: that year must not be before base_year.

    The plan starts at base_year; money received earlier is not the plan's to decide on
    (nor could its repayments before base_year be discounted).
    """
    if "Contracts" not in raw:
        return []
    problems = []
    for label, row in tables["Contracts"].iterrows():
        start, amount = row["start_year"], row["prepayment_usd_m"]
        if pd.isna(start) or pd.isna(amount) or amount <= 0 or start >= base_year:
            continue
        problems.append(
            InputProblem(
                "Contracts",
                raw["Contracts"].cell("prepayment_usd_m", row_number(label)),
                f"the prepayment would arrive in start_year {start}, before base_year {base_year}",
                f"start the contract in {base_year} or later, or leave prepayment_usd_m blank",
            )
        )
    return problems


def project_decisions(
    base_year: int, end_year: int, tables: dict[str, pd.DataFrame], raw: dict[str, RawTable]
) -> list[InputProblem]:
    """A project's ``decision`` must parse, name one of its options, and a year it can start in."""
    if "Projects" not in raw:
        return []
    options = tables["Options"]
    problems: list[InputProblem] = []
    for label, row in tables["Projects"].iterrows():
        text = row["decision"]
        if not isinstance(text, str) or not text.strip():
            continue
        cell = raw["Projects"].cell("decision", row_number(label))
        own_options = set(options.loc[options["project"] == row["project"], "option"].dropna())
        decision, problem = parse_project_decision(text, own_options)
        if problem is not None:
            fix = "use fund, fund:OPTION, fund:YEAR, fund:OPTION:YEAR or reject (or leave it blank)"
            problems.append(InputProblem("Projects", cell, problem, fix))
            continue
        if decision.start_year is None or pd.isna(row["earliest_year"]):
            continue
        latest = row["earliest_year"] if pd.isna(row["latest_year"]) else row["latest_year"]
        first, last = max(int(row["earliest_year"]), base_year), min(int(latest), end_year)
        if not first <= decision.start_year <= last:
            problems.append(
                InputProblem(
                    "Projects",
                    cell,
                    f"decision {text!r} starts in {decision.start_year}, outside the years the project can start ({first}-{last})",
                    "choose a start year within earliest_year..latest_year and the horizon",
                )
            )
    return problems


def contract_plants_yield_their_mineral(
    tables: dict[str, pd.DataFrame], raw: dict[str, RawTable]
) -> list[InputProblem]:
    """A contract tied to one plant needs that plant to recover the contract's mineral."""
    if "Contracts" not in raw:
        return []
    yields = tables["Yields"]
    recovered = {
        (p, m)
        for p, m, y in zip(yields["project"], yields["mineral"], yields["yield_t_per_t"], strict=True)
        if y > 0
    }
    problems = []
    for label, row in tables["Contracts"].iterrows():
        plant, mineral = row["project"], row["mineral"]
        if not isinstance(plant, str) or not isinstance(mineral, str) or (plant, mineral) in recovered:
            continue
        if plant not in set(tables["Projects"]["project"]):
            continue  # reported as an unknown reference
        problems.append(
            InputProblem(
                "Contracts",
                raw["Contracts"].cell("project", row_number(label)),
                f"project {plant} does not recover {mineral} (no positive yield on Yields), so it could never deliver",
                f"add a Yields row for {plant} and {mineral}, name another plant, or leave project blank",
            )
        )
    return problems


def intermediates(tables: dict[str, pd.DataFrame]) -> dict[str, set[str]]:
    """Minerals some project yields, each with the projects yielding it: feed other plants can take."""
    yields = tables["Yields"]
    made: dict[str, set[str]] = {}
    for p, mineral, y in zip(yields["project"], yields["mineral"], yields["yield_t_per_t"], strict=True):
        if isinstance(p, str) and isinstance(mineral, str) and not pd.isna(y) and y > 0:
            made.setdefault(mineral, set()).add(p)
    return made


def transferred_feedstock(project: str, feedstock: object, tables: dict[str, pd.DataFrame]) -> bool:
    """The project's feedstock is a mineral another project yields: plants can feed it."""
    if not isinstance(feedstock, str) or feedstock not in set(tables["Minerals"]["mineral"].dropna()):
        return False
    return bool(intermediates(tables).get(feedstock, set()) - {project})


def feedstocks_listed(tables: dict[str, pd.DataFrame], raw: dict[str, RawTable]) -> list[InputProblem]:
    """Once a Feedstocks sheet lists supplies, a project's feedstock must be one of them, or a
    mineral other projects yield (then its supply is their output and the mineral's spot market).

    Otherwise a typo (``black_mas``) would silently give that plant unlimited feed.
    """
    if "Projects" not in raw or "Feedstocks" not in raw or tables["Feedstocks"].empty:
        return []
    listed = set(tables["Feedstocks"]["feedstock"].dropna())
    projects = tables["Projects"]
    problems = []
    for label, feedstock in projects["feedstock"].items():
        if transferred_feedstock(str(projects.at[label, "project"]), feedstock, tables):
            continue
        if isinstance(feedstock, str) and feedstock not in listed:
            problems.append(
                InputProblem(
                    "Projects",
                    raw["Projects"].cell("feedstock", row_number(label)),
                    f"feedstock {feedstock!r} is not on Feedstocks, so its supply would be unlimited",
                    f"use one of: {', '.join(sorted(listed))}; add it to Feedstocks; or leave the cell blank for no limit",
                )
            )
    return problems


def feedstock_years_listed(
    base_year: int, end_year: int, tables: dict[str, pd.DataFrame], raw: dict[str, RawTable]
) -> list[InputProblem]:
    """A feedstock some project uses is listed for every year of the horizon.

    A year left out would be unlimited without a word, as a feedstock left off the sheet
    entirely would be (``feedstocks_listed``); a year with none available is a row with 0.
    """
    if "Feedstocks" not in raw or "Projects" not in raw or tables["Feedstocks"].empty:
        return []
    used = set(tables["Projects"]["feedstock"].dropna())
    feedstocks = tables["Feedstocks"]
    horizon = set(range(base_year, end_year + 1))
    problems = []
    for feedstock, rows in feedstocks.groupby("feedstock", sort=False):
        if feedstock not in used:
            continue
        missing = sorted(horizon - {int(y) for y in rows["year"].dropna()})
        if not missing:
            continue
        years = year_ranges(missing)
        problems.append(
            InputProblem(
                "Feedstocks",
                raw["Feedstocks"].cell("feedstock", row_number(rows.index[0])),
                f"feedstock {feedstock!r} has no row for {years}, so its supply then would be unlimited",
                f"add a row for {'each of those years' if len(missing) > 1 else 'that year'} "
                "(available_t 0 if there is none)",
            )
        )
    return problems


def parse_ramp_up(text: object) -> tuple[list[float], str | None]:
    """``'0.5,0.8'`` -> ``[0.5, 0.8]`` (capacity shares of the first operating years), or why not."""
    if not isinstance(text, str) or not text.strip():
        return [], None
    shares = []
    for part in text.replace(";", ",").split(","):
        try:
            share = float(part.strip())
        except ValueError:
            return [], f"ramp_up {text!r} is not a list of shares"
        if not 0 < share <= 1:
            return [], f"ramp_up {text!r} has {part.strip()}, not a share above 0 and at most 1"
        shares.append(share)
    return shares, None


def ramp_ups(tables: dict[str, pd.DataFrame], raw: dict[str, RawTable]) -> list[InputProblem]:
    """A project's ``ramp_up`` lists capacity shares (0 to 1) of its first operating years."""
    if "Projects" not in raw:
        return []
    problems = []
    for label, text in tables["Projects"]["ramp_up"].items():
        _, problem = parse_ramp_up(text)
        if problem is not None:
            problems.append(
                InputProblem(
                    "Projects",
                    raw["Projects"].cell("ramp_up", row_number(label)),
                    problem,
                    "type the shares of capacity of the first operating years, e.g. 0.5,0.8 (or leave it blank)",
                )
            )
    return problems


def logistics_between_plants(tables: dict[str, pd.DataFrame], raw: dict[str, RawTable]) -> list[InputProblem]:
    """A Logistics row whose buyer names a project is a plant-to-plant transfer: the receiving project
    must take the shipping project's output as feed, and the name must not also be a buyer's."""
    if "Logistics" not in raw:
        return []
    projects = tables["Projects"].set_index("project") if "project" in tables["Projects"] else None
    if projects is None or projects.index.has_duplicates:
        return []  # duplicates are reported on their own
    buyers = set(tables["Buyers"]["buyer"].dropna())
    made = intermediates(tables)
    problems = []
    for label, row in tables["Logistics"].iterrows():
        sender, receiver = row["project"], row["buyer"]
        if not isinstance(receiver, str) or receiver not in projects.index or not isinstance(sender, str):
            continue
        cell = raw["Logistics"].cell("buyer", row_number(label))
        if receiver in buyers:
            problems.append(
                InputProblem(
                    "Logistics",
                    cell,
                    f"{receiver!r} is both a buyer and a project, so this row is ambiguous",
                    "rename the buyer or the project",
                )
            )
            continue
        feedstock = projects.at[receiver, "feedstock"]
        if receiver == sender or sender not in made.get(str(feedstock), set()):
            problems.append(
                InputProblem(
                    "Logistics",
                    cell,
                    f"project {receiver} does not take {sender}'s output as feed (its feedstock is "
                    f"{feedstock if isinstance(feedstock, str) else 'blank'})",
                    f"set {receiver}'s feedstock to a mineral {sender} yields, or delete the row",
                )
            )
    return problems


def single_plant_needs_no_project(
    tables: dict[str, pd.DataFrame], raw: dict[str, RawTable]
) -> list[InputProblem]:
    """``single_plant`` TRUE asks the optimiser to choose the plant: a contract naming its
    ``project`` already has one, so the two together are a contradiction, not a choice."""
    if "Contracts" not in raw or "single_plant" not in tables["Contracts"]:
        return []
    problems = []
    for label, row in tables["Contracts"].iterrows():
        if row["single_plant"] is True and isinstance(row["project"], str):
            problems.append(
                InputProblem(
                    "Contracts",
                    raw["Contracts"].cell("single_plant", row_number(label)),
                    f"single_plant is TRUE but the contract names its plant ({row['project']})",
                    "clear project to let the optimiser choose the plant, or clear single_plant",
                )
            )
    return problems


def year_ranges(years: list[int]) -> str:
    """``[2027, 2028, 2029, 2033]`` -> ``'2027-2029, 2033'``."""
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)


def scenario_probabilities(tables: dict[str, pd.DataFrame], raw: dict[str, RawTable]) -> list[InputProblem]:
    """The probabilities on the Scenarios sheet add up to 1 (when every one is given)."""
    if "Scenarios" not in raw or "Scenarios" not in tables:
        return []
    probabilities = pd.to_numeric(tables["Scenarios"]["probability"], errors="coerce")
    if probabilities.empty or probabilities.isna().any():
        return []
    total = float(probabilities.sum())
    if math.isclose(total, 1.0, abs_tol=PROBABILITY_TOLERANCE):
        return []
    return [
        InputProblem(
            "Scenarios",
            raw["Scenarios"].cell("probability"),
            f"the probabilities add up to {total:.6g}, not 1",
            "make the scenarios' probabilities add up to exactly 1",
        )
    ]


def grace_within_tenor(
    tenor_default: int, grace_default: int, tables: dict[str, pd.DataFrame], raw: dict[str, RawTable]
) -> list[InputProblem]:
    """A plant's interest-only grace years are fewer than its debt tenor, so the debt is repaid.

    Each project's terms are its own cells or, where blank, the Settings defaults: the
    problem is named at the project's cell when it has one, else at Settings.
    """
    problems: list[InputProblem] = []
    if "Projects" in raw:
        for label, row in tables["Projects"].iterrows():
            tenor = tenor_default if pd.isna(row["debt_tenor_years"]) else int(row["debt_tenor_years"])
            grace = grace_default if pd.isna(row["debt_grace_years"]) else int(row["debt_grace_years"])
            if grace < tenor:
                continue
            own = "debt_grace_years" if not pd.isna(row["debt_grace_years"]) else "debt_tenor_years"
            if pd.isna(row[own]):
                continue  # both from Settings: reported there
            problems.append(
                InputProblem(
                    "Projects",
                    raw["Projects"].cell(own, row_number(label)),
                    f"debt_grace_years {grace} is not below debt_tenor_years {tenor}, so the debt would never be repaid",
                    "make the grace years fewer than the tenor",
                )
            )
    if grace_default >= tenor_default:
        problems.append(
            InputProblem(
                "Settings",
                setting_cell(tables, raw, "debt_grace_years"),
                f"debt_grace_years {grace_default} is not below debt_tenor_years {tenor_default}, so debt would never be repaid",
                "make debt_grace_years fewer than debt_tenor_years",
            )
        )
    return problems


def setting_cell(tables: dict[str, pd.DataFrame], raw: dict[str, RawTable], name: str) -> str:
    """The value cell of a setting on the Settings sheet (its header cell when the row is absent)."""
    if "Settings" not in raw:
        return ""
    for label, setting in tables["Settings"]["setting"].items():
        if setting == name:
            return raw["Settings"].cell("value", row_number(label))
    return raw["Settings"].cell("value")


def lender_scenarios_exist(
    names: list[str], tables: dict[str, pd.DataFrame], raw: dict[str, RawTable]
) -> list[InputProblem]:
    """Every scenario named in Settings lender_scenarios is on the Scenarios sheet (``base`` without one)."""
    listed = set(tables["Scenarios"]["scenario"].dropna()) if not tables["Scenarios"].empty else {"base"}
    unknown = [name for name in names if name not in listed]
    if not unknown:
        return []
    return [
        InputProblem(
            "Settings",
            setting_cell(tables, raw, "lender_scenarios"),
            f"lender_scenarios names {', '.join(repr(n) for n in unknown)}, not a scenario",
            f"use scenario names separated by commas ({', '.join(sorted(map(str, listed)))}) or leave it blank for all",
        )
    ]


def currencies_have_rates(tables: dict[str, pd.DataFrame], raw: dict[str, RawTable]) -> list[InputProblem]:
    """A currency other than USD on Projects or Contracts has rates on the FX sheet, each above 0."""
    fx = tables.get("FX")
    rated = set(fx["currency"].dropna()) if fx is not None and not fx.empty else set()
    problems: list[InputProblem] = []
    for sheet in ("Projects", "Contracts"):
        if sheet not in raw:
            continue
        for label, currency in tables[sheet]["currency"].items():
            if isinstance(currency, str) and currency != "USD" and currency not in rated:
                problems.append(
                    InputProblem(
                        sheet,
                        raw[sheet].cell("currency", row_number(label)),
                        f"currency {currency} has no rate on the FX sheet",
                        f"add FX rows for {currency} (currency, year, usd_per_unit), or use USD",
                    )
                )
    if fx is not None and "FX" in raw:
        for label, rate in fx["usd_per_unit"].items():
            if not pd.isna(rate) and rate <= 0:
                problems.append(
                    InputProblem(
                        "FX",
                        raw["FX"].cell("usd_per_unit", row_number(label)),
                        "usd_per_unit is 0, so the currency would be worth nothing",
                        "type the rate in US dollars per unit (1 / 88.2 for 88.2 rupees per dollar)",
                    )
                )
    return problems


def cross_sheet_problems(
    base_year: int, end_year: int, tables: dict[str, pd.DataFrame], raw: dict[str, RawTable]
) -> list[InputProblem]:
    """Every check of this module, in one list."""
    return [
        *years_within_horizon(base_year, end_year, tables, raw),
        *prepayments_within_horizon(base_year, tables, raw),
        *project_decisions(base_year, end_year, tables, raw),
        *contract_plants_yield_their_mineral(tables, raw),
        *feedstocks_listed(tables, raw),
        *ramp_ups(tables, raw),
        *logistics_between_plants(tables, raw),
        *single_plant_needs_no_project(tables, raw),
        *feedstock_years_listed(base_year, end_year, tables, raw),
        *scenario_probabilities(tables, raw),
        *currencies_have_rates(tables, raw),
    ]
