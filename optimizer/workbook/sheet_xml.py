"""What a cell's value alone does not tell: formulas without a saved value and merged cells.

calamine reads a formula by the value Excel saved with it. A workbook written by a
program that does not calculate (openpyxl, many exporters) saves no value, and a formula
that failed saves an error such as ``#DIV/0!``: calamine gives an empty cell for both, so
the model would silently take a default. Merged cells likewise hold a value only in
their first cell. This module scans the sheet XML of the .xlsx package once, streaming,
and reports those cells by address.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import iterparse

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@dataclass
class SheetCells:
    """Cells of one sheet whose value cannot be trusted, by A1 address."""

    formulas_without_value: dict[str, str] = field(default_factory=dict)  # cell -> formula text
    formula_errors: dict[str, str] = field(default_factory=dict)  # cell -> error, e.g. #DIV/0!
    merged_ranges: list[str] = field(default_factory=list)  # e.g. "C1:D1"


def sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the XML part holding it, from the workbook and its relationships."""
    targets: dict[str, str] = {}
    with package.open("xl/_rels/workbook.xml.rels") as rels:
        for _, element in iterparse(rels):
            if element.tag == f"{RELS}Relationship":
                target = element.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
                targets[element.get("Id", "")] = posixpath.normpath(path)
    parts: dict[str, str] = {}
    with package.open("xl/workbook.xml") as workbook:
        for _, element in iterparse(workbook):
            if element.tag == f"{MAIN}sheet":
                rel_id = element.get(f"{DOC_RELS}id", "")
                if rel_id in targets:
                    parts[element.get("name", "")] = targets[rel_id]
    return parts


def scan_sheet(package: zipfile.ZipFile, part: str) -> SheetCells:
    """One pass over a sheet's XML: formula cells with no or an error value, merged ranges."""
    found = SheetCells()
    with package.open(part) as xml:
        for _, element in iterparse(xml):
            if element.tag == f"{MAIN}c":
                formula = element.find(f"{MAIN}f")
                if formula is not None:
                    value = element.find(f"{MAIN}v")
                    cell = element.get("r", "")
                    cell_type = element.get("t", "n")
                    text = formula.text or "(shared formula)"
                    if cell_type == "e":
                        found.formula_errors[cell] = (
                            value.text if value is not None and value.text else "#N/A"
                        )
                    elif (value is None or not value.text) and cell_type != "str":
                        found.formulas_without_value[cell] = text
                element.clear()
            elif element.tag == f"{MAIN}mergeCell":
                found.merged_ranges.append(element.get("ref", ""))
            elif element.tag == f"{MAIN}row":
                element.clear()
    return found


def scan_workbook(path: Path, sheets: set[str]) -> dict[str, SheetCells]:
    """Scan the named sheets (names as in the workbook); a sheet the package lacks is skipped."""
    with zipfile.ZipFile(path) as package:
        parts = sheet_parts(package)
        names = set(package.namelist())
        return {name: scan_sheet(package, parts[name]) for name in sheets if parts.get(name) in names}
