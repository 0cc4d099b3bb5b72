"""Checks that turn raw sheets into typed tables, collecting every problem before failing.

Each check returns a list of ``InputProblem``; nothing here raises for bad input.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math

import pandas as pd

from optimizer.errors import InputProblem
from optimizer.workbook.consistency import cross_sheet_problems
from optimizer.workbook.read import RawTable, row_number
from optimizer.workbook.schema import CURRENCIES, TABLES_BY_SHEET, Column, Table, largest_real_value


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def type_table(table: Table, raw: RawTable) -> tuple[pd.DataFrame, list[InputProblem]]:
    """Columns in schema order with the schema's types; blanks take defaults."""
    problems = [*raw.problems, *unknown_columns(table, raw)]
    typed: dict[str, pd.Series] = {}
    frame = raw.frame
    for column in table.columns:
        if column.name not in frame.columns:
            if column.required:
                problems.append(
                    InputProblem(
                        table.sheet,
                        "1",
                        f"required column {column.name} is missing",
                        f"add a column headed {column.name}",
                    )
                )
            typed[column.name] = pd.Series(
                [column.default] * len(frame), index=frame.index, dtype=series_dtype(column)
            )
            continue
        values, found = typed_values(table.sheet, column, frame[column.name], raw)
        problems.extend(found)
        typed[column.name] = values
    return pd.DataFrame(typed, index=frame.index), problems


def series_dtype(column: Column) -> str:
    return {"str": "object", "int": "Int64", "float": "float64", "bool": "object"}[column.kind]


TRUE_WORDS = ("true", "yes", "1")
FALSE_WORDS = ("false", "no", "0")


def truth(value: object) -> bool | None:
    """A TRUE/FALSE cell: Excel's booleans, 1 and 0, or the words TRUE/FALSE (yes/no); None if it is none."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    return None


def unknown_columns(table: Table, raw: RawTable) -> list[InputProblem]:
    known = table.column_names
    problems = []
    for name in raw.frame.columns:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}?" if close else f"use one of: {', '.join(known)}"
            problems.append(
                InputProblem(
                    table.sheet, raw.cell(name), f"unknown column {name!r}", f"rename or delete it ({hint})"
                )
            )
    return problems


def typed_values(
    sheet: str, column: Column, series: pd.Series, raw: RawTable
) -> tuple[pd.Series, list[InputProblem]]:
    problems: list[InputProblem] = []
    out: list[object] = []
    for excel_row, value in series.items():
        cell = raw.cell(column.name, row_number(excel_row))
        if cell in raw.reported_cells:  # a formula without a value, already reported
            out.append(column.default)
            continue
        if is_blank(value):
            if column.required:
                problems.append(
                    InputProblem(sheet, cell, f"{column.name} is blank", f"fill it in ({column.description})")
                )
            out.append(column.default)
            continue
        converted, problem = convert(column, value)
        if problem:
            problems.append(InputProblem(sheet, cell, problem[0], problem[1]))
            out.append(column.default)
            continue
        out.append(converted)
    return pd.Series(out, index=series.index, dtype=series_dtype(column)), problems


def convert(column: Column, value: object) -> tuple[object, tuple[str, str] | None]:
    """One cell to its column's type, or the reason it cannot be."""
    if column.kind == "bool":
        flag = truth(value)
        if flag is None:
            return None, (f"{column.name} must be TRUE or FALSE, not {value!r}", "type TRUE or FALSE")
        return flag, None
    if column.kind == "str":
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
        if column.choices and text not in column.choices:
            close = difflib.get_close_matches(text.lower(), column.choices, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}? " if close else ""
            return None, (f"{column.name} is {text!r}", f"{hint}use one of: {', '.join(column.choices)}")
        return text, None
    if isinstance(value, dt.date | dt.datetime | dt.time | dt.timedelta | pd.Timestamp):
        return None, (
            f"{column.name} must be a number, not a date or time ({value})",
            "format the cell as a number (Home > Number Format > General) and type the number again",
        )
    if isinstance(value, bool) or not isinstance(value, int | float):
        fix = "type it as a number, without thousands separators" if looks_numeric(value) else "type a number"
        return None, (f"{column.name} must be a number, not {value!r}", fix)
    number = float(value)
    if not math.isfinite(number):
        return None, (f"{column.name} is {number}, which is not a real number", "type the number")
    if column.kind == "int" and not number.is_integer():
        return None, (f"{column.name} must be a whole number, not {value!r}", "type a whole number")
    if column.minimum is not None and number < column.minimum:
        return None, (
            f"{column.name} is {number:g}, below its minimum {column.minimum:g}",
            f"use a value of at least {column.minimum:g}",
        )
    if column.maximum is not None and number > column.maximum:
        return None, (
            f"{column.name} is {number:g}, above its maximum {column.maximum:g}",
            f"use a value of at most {column.maximum:g}",
        )
    largest = largest_real_value(column.name)
    if largest is not None and abs(number) > largest[0]:
        return None, (
            f"{column.name} is {number:g}, beyond any real value",
            f"check the number and its unit, {largest[1]}",
        )
    return (int(number) if column.kind == "int" else number), None


def looks_numeric(value: object) -> bool:
    """Text such as ``'1,200'`` or ``' 35 '``: a number stored as text."""
    return (
        isinstance(value, str) and any(ch.isdigit() for ch in value) and not value.strip("0123456789.,-+ eE%")
    )


def check_case(
    base_year: int, end_year: int, tables: dict[str, pd.DataFrame], raw: dict[str, RawTable]
) -> list[InputProblem]:
    """Checks across rows and sheets: keys, references, ranges that involve two columns."""
    problems: list[InputProblem] = []
    if end_year < base_year:
        problems.append(
            InputProblem(
                "Settings",
                "",
                f"end_year {end_year} is before base_year {base_year}",
                "make end_year at least base_year",
            )
        )
    for sheet, table in TABLES_BY_SHEET.items():
        if sheet not in raw:
            continue
        problems.extend(duplicate_keys(table, tables[sheet], raw[sheet]))
        problems.extend(unknown_references(table, tables, raw[sheet]))
    if "Contracts" in raw:
        problems.extend(min_above_max(tables["Contracts"], raw["Contracts"], "min_tpa", "max_tpa"))
        problems.extend(min_above_max(tables["Contracts"], raw["Contracts"], "start_year", "end_year"))
        problems.extend(
            min_above_max(tables["Contracts"], raw["Contracts"], "floor_usd_per_t", "cap_usd_per_t")
        )
        problems.extend(contract_prices(tables["Contracts"], raw["Contracts"]))
    if "Shocks" in raw:
        problems.extend(shock_targets(tables, raw["Shocks"]))
    if "Limits" in raw:
        problems.extend(limit_members(tables, raw["Limits"]))
    if "Projects" in raw:
        problems.extend(min_above_max(tables["Projects"], raw["Projects"], "earliest_year", "latest_year"))
        problems.extend(projects_without_options(tables["Projects"], tables["Options"], raw["Projects"]))
    if end_year >= base_year:
        problems.extend(cross_sheet_problems(base_year, end_year, tables, raw))
    return problems


def duplicate_keys(table: Table, frame: pd.DataFrame, raw: RawTable) -> list[InputProblem]:
    key = list(table.key)
    if not key:
        return []
    dupes = frame[frame.duplicated(subset=key, keep="first") & frame[key].notna().all(axis=1)]
    return [
        InputProblem(
            table.sheet,
            raw.cell(key[-1], row_number(row)),
            f"duplicate {'/'.join(key)} {tuple(frame.loc[row, key]) if len(key) > 1 else frame.loc[row, key[0]]!r}",
            "keep one row per key",
        )
        for row in dupes.index
    ]


def unknown_references(table: Table, tables: dict[str, pd.DataFrame], raw: RawTable) -> list[InputProblem]:
    problems = []
    frame = tables[table.sheet]
    for column in table.columns:
        if column.references is None:
            continue
        references = [ref.split(".") for ref in column.references.split("|")]
        allowed: set[object] = set()
        for ref_sheet, ref_column in references:
            allowed |= set(tables[ref_sheet][ref_column].dropna())
        sheets = " or ".join(ref_sheet for ref_sheet, _ in references)
        listed = " or ".join(f"a {ref_column} listed on {ref_sheet}" for ref_sheet, ref_column in references)
        for excel_row, value in frame[column.name].items():
            if is_blank(value) or value in allowed:
                continue
            close = difflib.get_close_matches(str(value), sorted(map(str, allowed)), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(
                InputProblem(
                    table.sheet,
                    raw.cell(column.name, row_number(excel_row)),
                    f"{column.name} {value!r} is not in {sheets}",
                    f"use {listed}{hint}",
                )
            )
    return problems


def min_above_max(frame: pd.DataFrame, raw: RawTable, low: str, high: str) -> list[InputProblem]:
    both = frame[[low, high]].dropna()
    bad = both[both[low] > both[high]]
    return [
        InputProblem(
            raw.sheet,
            raw.cell(low, row_number(row)),
            f"{low} {bad.loc[row, low]:g} is above {high} {bad.loc[row, high]:g}",
            f"make {low} at most {high}",
        )
        for row in bad.index
    ]


def contract_prices(contracts: pd.DataFrame, raw: RawTable) -> list[InputProblem]:
    """A contract is priced either fixed or off the index, never neither."""
    missing = contracts[contracts["price_usd_per_t"].isna() & contracts["index_discount"].isna()]
    return [
        InputProblem(
            "Contracts",
            raw.cell("price_usd_per_t", row_number(row)),
            "neither price_usd_per_t nor index_discount is given",
            "give a fixed price or an index discount (0 for the plain index)",
        )
        for row in missing.index
    ]


def projects_without_options(
    projects: pd.DataFrame, options: pd.DataFrame, raw: RawTable
) -> list[InputProblem]:
    with_options = set(options["project"].dropna())
    return [
        InputProblem(
            "Projects",
            raw.cell("project", row_number(row)),
            f"project {name!r} has no size option",
            "add at least one row for it on Options",
        )
        for row, name in projects["project"].items()
        if not is_blank(name) and name not in with_options
    ]


def shock_targets(tables: dict[str, pd.DataFrame], raw: RawTable) -> list[InputProblem]:
    """Each shock field names its kind of target, and its multiplier means what the field needs.

    price, spot_availability and export name a mineral; capex, opex, delay and ramp_up a
    project or kind; yield any of those; floor a buyer or a contract; fx a currency. delay adds whole years;
    ramp_up (a first-year share, above 0), floor and export (shares) are at most 1.
    """
    minerals = set(tables["Minerals"]["mineral"].dropna())
    projects = set(tables["Projects"]["project"].dropna()) | set(tables["Projects"]["kind"].dropna())
    counterparties = set(tables["Buyers"]["buyer"].dropna()) | set(tables["Contracts"]["contract"].dropna())
    plant = "a project or project kind"
    allowed = {
        "price": (minerals, "a mineral"),
        "spot_availability": (minerals, "a mineral"),
        "export": (minerals, "a mineral"),
        "capex": (projects, plant),
        "opex": (projects, plant),
        "delay": (projects, plant),
        "ramp_up": (projects, plant),
        "yield": (minerals | projects, "a mineral, project or project kind"),
        "floor": (counterparties, "a buyer or a contract"),
        "fx": (set(CURRENCIES[1:]), f"a currency ({', '.join(CURRENCIES[1:])})"),
    }
    problems = []
    for excel_row, row in tables["Shocks"].iterrows():
        field, target, multiplier = row["field"], row["target"], row["multiplier"]
        if is_blank(field) or field not in allowed:
            continue
        if not is_blank(target) and target != "*" and target not in allowed[field][0]:
            problems.append(
                InputProblem(
                    "Shocks",
                    raw.cell("target", row_number(excel_row)),
                    f"{article(field)} {field} shock cannot target {target!r}",
                    f"name {allowed[field][1]}, or * for all",
                )
            )
        if is_blank(multiplier):
            continue
        cell = raw.cell("multiplier", row_number(excel_row))
        if field == "delay" and not float(multiplier).is_integer():
            problems.append(
                InputProblem(
                    "Shocks",
                    cell,
                    f"a delay shock adds whole years, not {multiplier:g}",
                    "type a whole number",
                )
            )
        elif field in ("ramp_up", "floor", "export") and multiplier > 1:
            problems.append(
                InputProblem(
                    "Shocks",
                    cell,
                    f"{article(field)} {field} shock's multiplier is a share, not {multiplier:g}",
                    "use 0 to 1",
                )
            )
        elif field == "ramp_up" and multiplier <= 0:
            problems.append(
                InputProblem(
                    "Shocks",
                    cell,
                    "a ramp_up shock of 0 would never reach capacity",
                    "give the first year's share of capacity, above 0 (a delay shock postpones the start)",
                )
            )
    problems.extend(min_above_max(tables["Shocks"], raw, "from_year", "to_year"))
    return problems


def limit_members(tables: dict[str, pd.DataFrame], raw: RawTable) -> list[InputProblem]:
    """A limit's member must exist on the sheet its dimension comes from."""
    source = {
        "sponsor": "Projects",
        "state": "Projects",
        "kind": "Projects",
        "buyer": "Buyers",
        "mineral": "Minerals",
    }
    problems = []
    for excel_row, row in tables["Limits"].iterrows():
        dimension, member = row["dimension"], row["member"]
        if is_blank(dimension) or is_blank(member) or member == "*" or dimension not in source:
            continue
        known = set(tables[source[dimension]][dimension].dropna())
        if member not in known:
            close = difflib.get_close_matches(str(member), sorted(map(str, known)), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(
                InputProblem(
                    "Limits",
                    raw.cell("member", row_number(excel_row)),
                    f"no {dimension} is called {member!r}",
                    f"use a {dimension} from {source[dimension]}, or *{hint}",
                )
            )
    return problems


def article(word: str) -> str:
    """``a`` or ``an`` before ``word`` (an export shock, a floor shock)."""
    return "an" if word[:1].lower() in "aeiou" else "a"
