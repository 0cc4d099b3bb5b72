"""A Case: the input tables typed, defaulted and checked, plus the settings.

``Case.from_excel(path)`` is the one way in from a workbook; everything downstream
(model data, the model, the plan) works from a Case and never touches the file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.errors import InputError, InputProblem
from optimizer.workbook import changes, consistency
from optimizer.workbook.read import RawTable, read_workbook, row_number
from optimizer.workbook.schema import (
    SETTINGS,
    SETTINGS_BY_NAME,
    TABLES,
    TABLES_BY_SHEET,
    Column,
    Setting,
    Table,
)
from optimizer.workbook.validate import check_case, convert, is_blank, type_table


@dataclass(frozen=True)
class Settings:
    """The Settings sheet, with defaults filled in (see ``optimizer.workbook.schema.SETTINGS``)."""

    base_year: int
    end_year: int
    discount_rate: float = 0.10
    budget_usd_m: float | None = None
    annual_budget_usd_m: float | None = None
    risk_aversion: float = 0.0
    cvar_alpha: float = 0.95
    min_cvar_npv_usd_m: float | None = None
    spot_premium: float = 0.0
    spot_sale_discount: float = 0.0
    time_limit_s: float = 600.0
    mip_gap: float = 1e-4
    mip_abs_gap_usd_m: float | None = None
    debt_share: float = 0.0
    debt_rate: float = 0.08
    debt_tenor_years: int = 10
    debt_grace_years: int = 0
    min_dscr: float = 1.3
    min_contracted_share: float = 0.0
    lender_scenarios: str | None = None
    prepayment_rate: float = 0.0
    contingency_usd_m: float | None = None
    single_plant: bool = False

    @property
    def years(self) -> range:
        return range(self.base_year, self.end_year + 1)

    def discount_factor(self, year: int) -> float:
        """``(1 + r) ** -(year - base_year)``: the value today of one USD in ``year``."""
        return float((1.0 + self.discount_rate) ** -(year - self.base_year))

    def lender_scenario_names(self) -> list[str]:
        """``lender_scenarios`` as a list of names; empty when blank (every scenario)."""
        return scenario_names(self.lender_scenarios)


def scenario_names(text: str | None) -> list[str]:
    """``'base, lithium_slump'`` -> ``['base', 'lithium_slump']`` (commas or semicolons; blanks dropped)."""
    if text is None:
        return []
    return [name.strip() for name in str(text).replace(";", ",").split(",") if name.strip()]


@dataclass(frozen=True)
class Case:
    """Everything one optimisation needs, typed and checked."""

    settings: Settings
    tables: dict[str, pd.DataFrame]
    source_path: Path | None = None
    source_sha256: str | None = None
    raw_settings: dict[str, float | int | str] = field(default_factory=dict)
    column_letters: dict[str, dict[str, str]] = field(default_factory=dict)  # sheet -> column -> letter

    @classmethod
    def from_excel(cls, path: str | Path) -> Case:
        """Read, type and check a workbook; raise ``InputError`` listing every problem."""
        path = Path(path)
        raw = read_workbook(path)
        return cls.from_raw_tables(raw, source_path=path, source_sha256=file_sha256(path))

    @classmethod
    def from_raw_tables(
        cls, raw: dict[str, RawTable], source_path: Path | None = None, source_sha256: str | None = None
    ) -> Case:
        problems: list[InputProblem] = []
        tables: dict[str, pd.DataFrame] = {}
        raw = dict(raw)
        for table in TABLES:
            if table.sheet in raw and not table.required and raw[table.sheet].frame.columns.empty:
                del raw[table.sheet]  # an optional sheet left entirely empty: as if absent
            if table.sheet not in raw:
                if table.required:
                    problems.append(
                        InputProblem(
                            table.sheet,
                            "",
                            "sheet is missing",
                            f"add a sheet named {table.sheet} (optimize template shows its columns)",
                        )
                    )
                tables[table.sheet] = empty_table(table)
                continue
            typed, found = type_table(table, raw[table.sheet])
            problems.extend(found)
            tables[table.sheet] = typed
        raw_settings, settings_problems = settings_values(tables["Settings"], raw.get("Settings"))
        problems.extend(settings_problems)
        settings = settings_with_defaults(raw_settings, tables)
        problems.extend(check_case(settings.base_year, settings.end_year, tables, raw))
        problems.extend(
            consistency.grace_within_tenor(settings.debt_tenor_years, settings.debt_grace_years, tables, raw)
        )
        problems.extend(consistency.lender_scenarios_exist(settings.lender_scenario_names(), tables, raw))
        problems.extend(changes.check_whatifs(tables, raw.get(changes.WHATIFS)))
        if problems:
            raise InputError(sorted(set(problems), key=problem_order))
        letters = {sheet: r.column_letters for sheet, r in raw.items()}
        return cls(settings, tables, source_path, source_sha256, raw_settings, letters)

    def table(self, sheet: str) -> pd.DataFrame:
        return self.tables[sheet]

    def with_changes(self, changes_: changes.ChangesLike, /) -> Case:
        """A new Case with some inputs changed, checked like a workbook; this case is left as it is.

        ``changes_`` is ``{target: value}`` (set each target), or a sequence of
        ``(target, op, value)`` with op ``set``, ``scale`` or ``add``: the WhatIfs sheet's syntax
        (``optimizer.workbook.changes`` describes it). Changes apply in order. A target that names
        nothing, or a result that fails validation, raises ``InputError`` naming the change
        (and its WhatIfs cell when it came from the sheet).

        >>> case = Case.from_excel("examples/india_japan.xlsx")
        >>> case.settings.budget_usd_m
        400.0
        >>> case.with_changes({"Settings.budget_usd_m": 250}).settings.budget_usd_m
        250.0
        >>> stressed = case.with_changes([
        ...     ("Minerals[NdPr_oxide].price_usd_per_t", "scale", 3),
        ...     ("Options[IREL_OD_MAG].capex_usd_m", "add", 5),
        ... ])
        >>> def capex(c): return c.table("Options").query("project == 'IREL_OD_MAG'")["capex_usd_m"].tolist()
        >>> capex(case), capex(stressed)
        ([20.0, 36.0, 50.0], [25.0, 41.0, 55.0])
        >>> float(stressed.table("Minerals").set_index("mineral").at["NdPr_oxide", "price_usd_per_t"])
        153000.0
        >>> case.with_changes({"Minerals[unobtainium].price_usd_per_t": 1})
        Traceback (most recent call last):
        ...
        optimizer.errors.InputError: with_changes: Minerals[unobtainium].price_usd_per_t selects no Minerals row; use one of the mineral values on Minerals: Dy_oxide, ...
        >>> case.with_changes([("Minerals[*].price_usd_per_t", "add", -20000)])
        Traceback (most recent call last):
        ...
        optimizer.errors.InputError: with_changes: Minerals[*].price_usd_per_t add -20000 makes Minerals[black_mass]: price_usd_per_t is -16700, below its minimum 0; ...
        """
        listed = changes.as_changes(changes_)
        raw = changes.raw_tables(self.tables)
        problems, touched = changes.apply(raw, listed)
        if problems:
            raise InputError(problems)
        try:
            return Case.from_raw_tables(raw)
        except InputError as error:
            raise InputError(changes.blame(error.problems, raw, touched, listed)) from None


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table's rows as plain dicts (blank cells as NaN/None), for code that reads row by row."""
    return frame.to_dict("records")  # type: ignore[return-value]


def problem_order(p: InputProblem) -> tuple[int, int, int, str, str]:
    """Sheets in schema order, then by row and column, so the report reads top to bottom."""
    order = [t.sheet for t in TABLES]
    sheet_rank = order.index(p.sheet) if p.sheet in order else len(order)
    first_cell = p.cell.split(":")[0]
    digits = "".join(ch for ch in first_cell if ch.isdigit())
    letters = first_cell.rstrip("0123456789")
    return (sheet_rank, int(digits) if digits else 0, len(letters), letters, p.problem)


def empty_table(table: Table) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series(dtype=object) for c in table.columns})


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def settings_values(
    frame: pd.DataFrame, raw: RawTable | None
) -> tuple[dict[str, float | int | str], list[InputProblem]]:
    """Parse the Settings sheet's ``value`` cells by each setting's kind and range.

    Values are checked as read from the cell (a number typed as text is reported, as on
    every other sheet), with the same rules as a table column declared like the setting.
    """
    values: dict[str, float | int | str] = {}
    problems: list[InputProblem] = []
    cells = raw.frame["value"] if raw is not None and "value" in raw.frame.columns else None
    for excel_row, row in frame.iterrows():
        name = row["setting"]
        if not isinstance(name, str) or name not in SETTINGS_BY_NAME:
            continue  # type_table already reported unknown names
        if raw is None or cells is None:
            continue
        cell = raw.cell("value", row_number(excel_row))
        value = cells.get(excel_row)
        if cell in raw.reported_cells or is_blank(value):
            continue
        number, problem = convert(setting_column(SETTINGS_BY_NAME[name]), value)
        if problem:
            problems.append(InputProblem("Settings", cell, problem[0], problem[1]))
            continue
        values[name] = number  # type: ignore[assignment]
    return values, problems


def setting_column(setting: Setting) -> Column:
    """A setting checked like a table column of the same kind and range."""
    return Column(
        setting.name, setting.kind, setting.description, minimum=setting.minimum, maximum=setting.maximum
    )


def settings_with_defaults(values: dict[str, float | int | str], tables: dict[str, pd.DataFrame]) -> Settings:
    """Fill blank settings: the horizon defaults to the years the data mentions."""
    base_year = values.get("base_year")
    if base_year is None:
        years = list(tables["Projects"]["earliest_year"].dropna()) + list(
            tables["Contracts"]["start_year"].dropna()
        )
        base_year = int(min(years)) if years else 2026
    end_year = values.get("end_year")
    if end_year is None:
        ends = list(tables["Contracts"]["end_year"].dropna())
        end_year = max(int(max(ends)) if ends else int(base_year), int(base_year))
    kwargs: dict[str, float | int | str] = {"base_year": int(base_year), "end_year": int(end_year)}
    for f in fields(Settings):
        if f.name in ("base_year", "end_year"):
            continue
        if f.name in values:
            kwargs[f.name] = values[f.name]
        else:
            default = SETTINGS_BY_NAME[f.name].default
            if default is not None:
                kwargs[f.name] = default
    return Settings(**kwargs)  # type: ignore[arg-type]


__all__ = ["SETTINGS", "TABLES_BY_SHEET", "Case", "Settings"]
