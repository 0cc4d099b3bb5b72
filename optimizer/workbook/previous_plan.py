"""The decisions a plan workbook already holds, to start the next solve from them.

A plan workbook is a valid input: a user edits a limit or a price in it and plans again.
Its ``FundedProjects`` and ``SignedContracts`` sheets (written by the tool, recognised by
the note in A2) hold the last plan; the answer to the edited case is usually close to it.
Only those two sheets are read, and only their key columns; anything unexpected means
there is no previous plan, never an error: the start is an aid, not an input.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

MARKER_PREFIX = "Written by optimize"
HEADER_ROW = 3  # 0-based: titles in rows 1-2, the table's header in row 4

Decisions = tuple[list[tuple[str, str, int]], list[str]]
"""Funding choices (project, option, start year) and signed contracts."""


def key_name(header: object) -> str:
    """``Start year`` -> ``start_year``: the plan's column name behind a result-table header."""
    return str(header).split("(")[0].strip().lower().replace(" ", "_")


def result_table(path: Path, sheet: str) -> pd.DataFrame | None:
    """A result sheet's table with plan column names, or None if the sheet is not the tool's."""
    try:
        grid = pd.read_excel(
            path, sheet_name=sheet, header=None, dtype=object, engine="calamine", nrows=10_000
        )
    except (ValueError, KeyError, OSError, zipfile.BadZipFile):
        return None
    if grid.shape[0] <= HEADER_ROW or not str(grid.iat[1, 0]).startswith(MARKER_PREFIX):
        return None
    table = grid.iloc[HEADER_ROW + 1 :].copy()
    table.columns = [key_name(h) for h in grid.iloc[HEADER_ROW]]
    return table.dropna(how="all")


def previous_decisions(path: str | Path) -> Decisions | None:
    """The funding and signing of the plan the workbook at ``path`` holds, or None if it holds none."""
    path = Path(path)
    funded = result_table(path, "FundedProjects")
    signed = result_table(path, "SignedContracts")
    if funded is None or signed is None:
        return None
    if not {"project", "option", "start_year"} <= set(funded.columns) or "contract" not in signed.columns:
        return None
    try:
        choices = [
            (str(project), str(option), int(str(year).split(".")[0]))
            for project, option, year in funded[["project", "option", "start_year"]].itertuples(index=False)
        ]
    except (TypeError, ValueError):
        return None
    return choices, [str(c) for c in signed["contract"]]
