"""Small input workbooks written from Python dicts, for hand-checkable test cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

Rows = list[dict[str, Any]]


def write_workbook(path: Path, sheets: dict[str, Rows], settings: dict[str, Any] | None = None) -> Path:
    """One sheet per entry, header = the union of the rows' keys in first-seen order."""
    wb = Workbook()
    wb.remove(wb.active)
    all_sheets: dict[str, Rows] = {}
    if settings is not None:
        all_sheets["Settings"] = [{"setting": k, "value": v} for k, v in settings.items()]
    all_sheets.update(sheets)
    for name, rows in all_sheets.items():
        ws = wb.create_sheet(name)
        header: list[str] = []
        for row in rows:
            header.extend(k for k in row if k not in header)
        ws.append(header)
        for row in rows:
            ws.append([row.get(k) for k in header])
    wb.save(path)
    return path


def one_year_case(**overrides: Rows) -> dict[str, Rows]:
    """Three plants, one mineral, one buyer, one year, no discounting: the base of the rule tests.

    Plant A: 100 t/yr feed, yield 1, capex 0.5m. Plant B: 100 t/yr, yield 0.5, capex 0.2m.
    Plant C: 200 t/yr, yield 1, capex 3.0m (never worth it). Lithium spot USD 10,000/t,
    no spot purchases. Contract K: up to 80 t at USD 12,000/t.
    """
    sheets: dict[str, Rows] = {
        "Minerals": [{"mineral": "lithium", "price_usd_per_t": 10_000, "spot_availability_tpa": 0}],
        "Projects": [
            {
                "project": "A",
                "earliest_year": 2026,
                "kind": "hydromet_refinery",
                "sponsor": "S1",
                "state": "Gujarat",
            },
            {
                "project": "B",
                "earliest_year": 2026,
                "kind": "black_mass",
                "sponsor": "S2",
                "state": "Tamil Nadu",
            },
            {
                "project": "C",
                "earliest_year": 2026,
                "kind": "hydromet_refinery",
                "sponsor": "S1",
                "state": "Odisha",
            },
        ],
        "Options": [
            {"project": "A", "option": "std", "capacity_tpa": 100, "capex_usd_m": 0.5},
            {"project": "B", "option": "std", "capacity_tpa": 100, "capex_usd_m": 0.2},
            {"project": "C", "option": "std", "capacity_tpa": 200, "capex_usd_m": 3.0},
        ],
        "Yields": [
            {"project": "A", "mineral": "lithium", "yield_t_per_t": 1.0},
            {"project": "B", "mineral": "lithium", "yield_t_per_t": 0.5},
            {"project": "C", "mineral": "lithium", "yield_t_per_t": 1.0},
        ],
        "Buyers": [{"buyer": "Panasonic", "country": "Japan", "kind": "battery_maker"}],
        "Contracts": [
            {
                "contract": "K",
                "buyer": "Panasonic",
                "mineral": "lithium",
                "start_year": 2026,
                "end_year": 2026,
                "min_tpa": 0,
                "max_tpa": 80,
                "price_usd_per_t": 12_000,
            }
        ],
    }
    sheets.update(overrides)
    return sheets


ONE_YEAR = {"base_year": 2026, "end_year": 2026, "discount_rate": 0.0, "mip_gap": 0.0}


SCENARIO_AND_LIMIT_SHEETS = ("NPVByScenario", "Risk", "LimitShares", "TargetCosts")
"""Result sheets written only when a case has several scenarios or has limits, or on request
(TargetCosts: ``optimize plan --target-costs``)."""
