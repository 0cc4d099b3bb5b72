"""Report workbooks besides the plan (what-if comparison, sensitivity, frontier): table sheets
drawn like the plan's result sheets (title, note, an Excel table with headers in words and
units, charts below, landscape pages one wide), and where their figures came from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart._chart import ChartBase

from optimizer.case import Case
from optimizer.report.charts import TableLayout
from optimizer.report.render import HEADER_ROW, Provenance, heading, place_charts, print_setup, write_table
from optimizer.report.write import versions

ChartsOf = Callable[[TableLayout], list[ChartBase]]


def provenance_of(case: Case | None) -> Provenance:
    """Where a report's figures came from: the case's workbook (none for a case built in Python)."""
    source = case.source_path if case is not None else None
    return Provenance(
        input_file=source.name if source else None,
        input_sha256=case.source_sha256 if case is not None else None,
        versions=versions(),
        written_at_utc=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
    )


def table_sheet(
    workbook: Workbook,
    name: str,
    title: str,
    description: str,
    frame: pd.DataFrame,
    provenance: Provenance,
    book: str,
    charts: ChartsOf | None = None,
) -> TableLayout:
    """Sheet ``name``: ``title`` in A1, ``description`` in A2, ``frame`` as the Excel table ``name``
    from A4, its charts below; printed landscape, one page wide."""
    sheet = workbook.create_sheet(name)
    heading(sheet, title, description, marker=False)
    layout = write_table(sheet, name, frame)
    place_charts(sheet, layout, charts(layout) if charts is not None else [])
    print_setup(sheet, title, provenance, title_rows=f"{HEADER_ROW}:{HEADER_ROW}", book=book)
    return layout
