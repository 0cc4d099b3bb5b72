"""Changes to a case's inputs, written as the WhatIfs sheet writes them.

A change is a target, an op and a value:

- target ``Settings.budget_usd_m``: one setting;
- target ``Sheet[key].column``: that column in the rows whose key matches. The key lists the
  sheet's key columns in order (``Options[W1,large]``); a shorter key selects every row that
  starts with it (``Options[W1]``: every option of W1); ``*`` matches anything in its place
  (``Contracts[*]``, ``Demand[*,2030]``);
- op ``set`` (the value; a blank value clears the cell, so it takes its default), ``scale``
  (multiply by the value) or ``add`` (add the value). ``scale`` and ``add`` leave blank cells
  blank: an unlimited spot market scaled is still unlimited.

Changes apply in order, to a copy of the tables. This module checks the changes themselves
(does the target name a sheet, a column and at least one row; is the value a number where one
is needed); checking the values that result is left to the ordinary validation, whose problems
``blame`` then pins on the change that caused them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

import pandas as pd
from openpyxl.utils import get_column_letter

from optimizer.errors import InputProblem
from optimizer.workbook.read import RawTable, row_number
from optimizer.workbook.schema import SETTINGS_BY_NAME, TABLES_BY_SHEET, Table
from optimizer.workbook.validate import is_blank

OPS = ("set", "scale", "add")
WHATIFS = "WhatIfs"
BASE = "base"
"""The name of the unchanged case among what-if runs; no WhatIfs row may use it."""

WHATIFS_LETTERS = {"whatif": "A", "target": "B", "op": "C", "value": "D"}  # the template's order
TARGET = re.compile(r"^\s*(?P<sheet>\w+)\s*(?:\[(?P<key>[^\]]*)\])?\s*\.\s*(?P<column>\w+)\s*$")


@dataclass(frozen=True)
class Change:
    """One change: ``target``, ``op`` (set, scale, add) and ``value``; ``origin`` is where it was written."""

    target: str
    op: str = "set"
    value: object = None
    origin: tuple[str, str] = ("with_changes", "")  # (sheet, cell) that problems are reported at

    def __str__(self) -> str:
        return f"{self.target} {self.op} {shown_value(self.value)}"


def shown_value(value: object) -> str:
    if is_blank(value):
        return "blank"
    return f"{float(value):g}" if is_number(value) else str(value)  # type: ignore[arg-type]


ChangesLike = Mapping[str, object] | Iterable[Change | tuple[str, str, object]]


def as_changes(changes: ChangesLike) -> list[Change]:
    """``{target: value}`` means set each; a sequence holds ``Change`` or ``(target, op, value)``."""
    if isinstance(changes, Mapping):
        return [Change(str(target), "set", value) for target, value in changes.items()]
    return [c if isinstance(c, Change) else Change(str(c[0]), str(c[1]), c[2]) for c in changes]


@dataclass(frozen=True)
class Target:
    """A parsed target: the sheet, the key parts given (empty for Settings) and the column."""

    sheet: str
    key: tuple[str, ...]
    column: str


@dataclass(frozen=True)
class Fault:
    """What is wrong with a change: the WhatIfs field at fault, the problem and the fix."""

    field: str  # "target", "op" or "value"
    problem: str
    fix: str


TARGET_FIX = "write Sheet[key].column, e.g. Minerals[lithium].price_usd_per_t, or Settings.name"


def parse_target(text: str) -> Target | Fault:
    """``Options[W1,large].capex_usd_m`` -> Target, or what is wrong with it."""
    match = TARGET.match(text)
    if match is None:
        return Fault("target", f"target {text!r} is not Sheet[key].column or Settings.name", TARGET_FIX)
    sheets = {name.lower(): name for name in TABLES_BY_SHEET if name != WHATIFS}
    sheet = sheets.get(match["sheet"].lower())
    if sheet is None:
        return Fault(
            "target",
            f"target {text!r} names no input sheet {match['sheet']!r}",
            f"use one of: {', '.join(sheets.values())}",
        )
    column = match["column"].lower()
    if sheet == "Settings":
        if match["key"] is not None or column not in SETTINGS_BY_NAME:
            return Fault(
                "target",
                f"target {text!r} names no setting{hint(column, SETTINGS_BY_NAME)}",
                "write Settings.name with a setting listed by optimize template, e.g. Settings.budget_usd_m",
            )
        return Target(sheet, (), column)
    table = TABLES_BY_SHEET[sheet]
    changeable = [c for c in table.column_names if c not in (*table.key, "source", "notes")]
    if column not in changeable:
        why = "names a key column, which cannot change" if column in table.key else "names no column"
        return Fault(
            "target",
            f"target {text!r} {why}{hint(column, changeable)}",
            f"use one of: {', '.join(changeable)}",
        )
    key = tuple(part.strip() for part in (match["key"] or "").split(","))
    if match["key"] is None or len(key) > len(table.key) or not all(key):
        return Fault(
            "target",
            f"target {text!r} needs a [key] of {', '.join(table.key)} (a prefix of it is enough)",
            f"write e.g. {sheet}[*].{column} for every row",
        )
    return Target(sheet, key, column)


def hint(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def key_text(value: object) -> str:
    """A key cell as the target syntax writes it: ``2030`` not ``2030.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def selected_rows(table: Table, frame: pd.DataFrame, key: tuple[str, ...]) -> list[Hashable]:
    """Index labels of the rows whose key starts with ``key`` (``*`` matches anything)."""
    chosen = pd.Series(True, index=frame.index)
    for column, part in zip(table.key, key, strict=False):
        if part != "*":
            chosen &= frame[column].astype(object).map(key_text) == part
    return list(frame.index[chosen])


def is_number(value: object) -> bool:
    if isinstance(value, bool) or is_blank(value):
        return False
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def column_is_numeric(target: Target) -> bool:
    if target.sheet == "Settings":
        setting = SETTINGS_BY_NAME.get(target.column)
        return setting is None or setting.kind in ("int", "float")
    return TABLES_BY_SHEET[target.sheet].column(target.column).kind in ("int", "float")


def check(change: Change, tables: Mapping[str, pd.DataFrame]) -> tuple[Target, list[Hashable]] | Fault:
    """Resolve a change against the tables: its target and the rows it selects, or what is wrong."""
    if change.op not in OPS:
        return Fault("op", f"op {change.op!r} is not one of {', '.join(OPS)}", "use set, scale or add")
    target = parse_target(change.target)
    if isinstance(target, Fault):
        return target
    numeric = column_is_numeric(target)
    if change.op != "set" and not numeric:
        return Fault("op", f"{change.target} holds text, which cannot {change.op}", "use op set")
    if change.op != "set" and is_blank(change.value):
        return Fault("value", f"{change.target} {change.op}: the value is blank", "type a number")
    if numeric and not is_blank(change.value) and not is_number(change.value):
        return Fault("value", f"{change.target}: value {change.value!r} is not a number", "type a number")
    if target.sheet == "Settings":
        return target, []
    table = TABLES_BY_SHEET[target.sheet]
    rows = selected_rows(table, tables[target.sheet], target.key)
    if not rows:
        column, known = first_unmatched(table, tables[target.sheet], target.key)
        shown = ", ".join(known[:8]) + (", ..." if len(known) > 8 else "")
        return Fault(
            "target",
            f"{change.target} selects no {target.sheet} row",
            f"use one of the {column} values on {target.sheet}: {shown or 'none'}",
        )
    return target, rows


def first_unmatched(table: Table, frame: pd.DataFrame, key: tuple[str, ...]) -> tuple[str, list[str]]:
    """The key column where the key stops matching, and the values it could have named there."""
    for depth, column in enumerate(table.key[: len(key)]):
        if not selected_rows(table, frame, key[: depth + 1]):
            matching = frame.loc[selected_rows(table, frame, key[:depth])]
            return column, sorted({key_text(v) for v in matching[column].dropna()})
    return table.key[0], []


def new_value(change: Change, old: object) -> float | str | None:
    """The cell's value after the change; ``scale`` and ``add`` keep a blank blank."""
    if change.op == "set":
        if is_blank(change.value):
            return None
        return float(change.value) if is_number(change.value) else str(change.value).strip()  # type: ignore[arg-type]
    if is_blank(old):
        return None
    amount = float(change.value)  # type: ignore[arg-type]
    return float(old) * amount if change.op == "scale" else float(old) + amount  # type: ignore[arg-type]


Touched = dict[tuple[str, int, str], int]
"""(sheet, Excel row, column) -> index of the last change that wrote the cell."""


def raw_tables(tables: Mapping[str, pd.DataFrame]) -> dict[str, RawTable]:
    """Typed tables back to raw ones (plain objects, None for blank), to be validated again."""
    raw = {}
    for sheet, frame in tables.items():
        plain = frame.astype(object).where(frame.notna(), None)
        if sheet == "Settings" and "value" in plain.columns:
            plain["value"] = plain["value"].map(setting_number).astype(object)
        letters = {column: get_column_letter(i + 1) for i, column in enumerate(frame.columns)}
        raw[sheet] = RawTable(sheet, plain, letters)
    return raw


def setting_number(value: object) -> object:
    """A Settings value back to the number it was read as (the typed table keeps it as text)."""
    if not isinstance(value, str):
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number


def apply(raw: dict[str, RawTable], changes: list[Change]) -> tuple[list[InputProblem], Touched]:
    """Apply ``changes`` in order to ``raw`` (in place); every change's problem, and who wrote what."""
    problems: list[InputProblem] = []
    touched: Touched = {}
    for index, change in enumerate(changes):
        resolved = check(change, {sheet: r.frame for sheet, r in raw.items()})
        if isinstance(resolved, Fault):
            problems.append(InputProblem(*change.origin, resolved.problem, resolved.fix))
            continue
        target, rows = resolved
        frame = raw[target.sheet].frame
        if target.sheet == "Settings":
            label = setting_row(raw["Settings"], target.column)
            old = frame.at[label, "value"]
            default = SETTINGS_BY_NAME[target.column].default
            frame.at[label, "value"] = new_value(change, default if is_blank(old) else old)
            touched["Settings", row_number(label), "value"] = index
            continue
        for label in rows:
            frame.at[label, target.column] = new_value(change, frame.at[label, target.column])
            touched[target.sheet, row_number(label), target.column] = index
    return problems, touched


def setting_row(settings: RawTable, name: str) -> Hashable:
    """The Settings row holding ``name``, appended (blank) when the sheet does not list it."""
    frame = settings.frame
    found = frame.index[frame["setting"] == name]
    if len(found):
        first: Hashable = found[0]
        return first
    label = int(max(frame.index, default=1)) + 1
    frame.loc[label] = [name if column == "setting" else None for column in frame.columns]
    return label


def blame(
    problems: list[InputProblem], raw: dict[str, RawTable], touched: Touched, changes: list[Change]
) -> list[InputProblem]:
    """Problems found in changed tables, reported at the change that made each one."""
    blamed = []
    for p in problems:
        index = culprit(p, raw, touched, len(changes))
        change = changes[index]
        where = row_name(raw, p)
        blamed.append(InputProblem(*change.origin, f"{change} makes {where}{p.problem}", p.fix))
    return sorted(set(blamed))


def culprit(p: InputProblem, raw: dict[str, RawTable], touched: Touched, count: int) -> int:
    """The change that wrote the problem's cell, else the last one that touched its sheet."""
    digits = "".join(ch for ch in p.cell if ch.isdigit())
    letter = p.cell.rstrip("0123456789")
    if p.sheet in raw and digits:
        columns = {v: k for k, v in raw[p.sheet].column_letters.items()}
        hit = touched.get((p.sheet, int(digits), columns.get(letter, "")))
        if hit is not None:
            return hit
    on_sheet = [i for (sheet, _, _), i in touched.items() if sheet == p.sheet]
    return max(on_sheet) if on_sheet else count - 1


def row_name(raw: dict[str, RawTable], p: InputProblem) -> str:
    """``Minerals[lithium]: `` for a problem in a data row, so the message names the row by key."""
    digits = "".join(ch for ch in p.cell if ch.isdigit())
    if p.sheet not in raw or not digits or int(digits) not in raw[p.sheet].frame.index:
        return f"{p.sheet}: " if p.sheet else ""
    row = raw[p.sheet].frame.loc[int(digits)]
    if p.sheet == "Settings":
        return f"Settings.{row['setting']}: "
    key = ",".join(key_text(row[k]) for k in TABLES_BY_SHEET[p.sheet].key)
    return f"{p.sheet}[{key}]: "


def whatif_changes(
    whatifs: pd.DataFrame, letters: Mapping[str, str] | None = None
) -> dict[str, list[Change]]:
    """The WhatIfs sheet as named variants, each its changes in row order, remembering their cells."""
    target = (letters or WHATIFS_LETTERS).get("target", "B")
    variants: dict[str, list[Change]] = {}
    for label, row in whatifs.iterrows():
        change = Change(
            str(row["target"]), str(row["op"]), row["value"], (WHATIFS, f"{target}{row_number(label)}")
        )
        variants.setdefault(str(row["whatif"]), []).append(change)
    return variants


def check_whatifs(tables: Mapping[str, pd.DataFrame], raw: RawTable | None) -> list[InputProblem]:
    """Every WhatIfs row names a real target with a usable op and value; ``base`` is reserved."""
    whatifs = tables.get(WHATIFS)
    if whatifs is None or whatifs.empty:
        return []
    letters = raw.column_letters if raw is not None else WHATIFS_LETTERS
    problems = []
    for label, row in whatifs.iterrows():
        if is_blank(row["whatif"]) or is_blank(row["target"]):
            continue  # type_table reported the blank
        excel_row = row_number(label)
        if str(row["whatif"]).strip().lower() == BASE:
            problems.append(
                InputProblem(
                    WHATIFS,
                    f"{letters.get('whatif', 'A')}{excel_row}",
                    f"whatif {row['whatif']!r} is reserved for the unchanged case",
                    "give the variant another name",
                )
            )
        fault = check(Change(str(row["target"]), str(row["op"]), row["value"]), tables)
        if isinstance(fault, Fault):
            cell = f"{letters.get(fault.field, 'B')}{excel_row}"
            problems.append(InputProblem(WHATIFS, cell, fault.problem, fault.fix))
    return problems
