"""What a cell's value alone does not tell: formulas without a saved value, errors, merged cells.

calamine reads a formula by the value Excel saved with it. A workbook written by a
program that does not calculate (openpyxl, many exporters) saves no value, and a formula
that failed saves an error such as ``#DIV/0!``: calamine gives an empty cell for both, so
the model would silently take a default. So it does for an error typed as a value
(``#N/A``) and for a number Excel could never have saved (``NaN``, ``1e309``). Merged cells
likewise hold a value only in their first cell. This module scans the sheet XML of the
.xlsx package once, streaming, and reports those cells by address, with how far the
sheet's used range reaches (its ``<dimension>`` or its farthest cell, whichever is larger).
"""

from __future__ import annotations

import math
import posixpath
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.etree.ElementTree import iterparse
from xml.parsers import expat

from openpyxl.utils import column_index_from_string, get_column_letter

MAIN_URI = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MAIN = "{" + MAIN_URI + "}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@dataclass
class SheetCells:
    """Cells of one sheet whose value cannot be trusted, by A1 address."""

    formulas_without_value: dict[str, str] = field(default_factory=dict)  # cell -> formula text
    formula_errors: dict[str, str] = field(default_factory=dict)  # cell -> error, e.g. #DIV/0!
    error_values: dict[str, str] = field(default_factory=dict)  # cell -> error typed as a value, e.g. #N/A
    unreal_numbers: dict[str, str] = field(default_factory=dict)  # cell -> NaN, inf, 1e309: no real number
    merged_ranges: list[str] = field(default_factory=list)  # e.g. "C1:D1"
    last_row: int = 0  # how far the used range reaches (dimension or farthest cell)
    last_column: int = 0


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
    """One pass over a sheet's XML: cells whose value cannot be trusted, merged ranges, extent.

    expat with handlers rather than ElementTree: text between elements (a sheet padded
    with blanks) is never collected, only that of ``<v>`` and ``<f>``.
    """
    scanner = SheetScanner()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = scanner.start
    parser.CharacterDataHandler = scanner.characters
    parser.buffer_text = True
    with package.open(part) as xml:
        parser.ParseFile(xml)
    scanner.finish_cell()
    return scanner.found


class SheetScanner:
    """expat handlers that fill a ``SheetCells`` as the sheet streams past.

    Only start tags are handled (one callback per element): a cell is judged when the
    next cell or row starts, or the sheet ends; the text of its ``<f>`` and ``<v>`` is
    what arrives after their start tags (Excel writes nothing else inside a cell).
    """

    def __init__(self) -> None:
        self.found = SheetCells()
        self.row = 0
        self.column = 0
        self.cell = ""
        self.cell_type = "n"
        self.formula: list[str] | None = None
        self.value: list[str] | None = None
        self.collecting: list[str] | None = None

    def start(self, name: str, attributes: dict[str, str]) -> None:
        tag = name[len(MAIN_URI) + 1 :] if name.startswith(MAIN_URI) else ""
        self.collecting = None
        if tag == "c":
            self.finish_cell()
            reference = attributes.get("r")
            self.column = column_number(reference) if reference else self.column + 1
            self.found.last_column = max(self.found.last_column, self.column)
            self.cell = reference or f"{column_letter(self.column)}{self.row}"
            self.cell_type = attributes.get("t", "n")
        elif tag == "v" and self.cell:
            self.value = self.collecting = []
        elif tag == "f" and self.cell:
            self.formula = self.collecting = []
        elif tag == "row":
            self.finish_cell()
            self.row = int(attributes.get("r") or self.row + 1)
            self.column = 0
            self.found.last_row = max(self.found.last_row, self.row)
        elif tag == "mergeCell":
            self.finish_cell()
            self.found.merged_ranges.append(attributes.get("ref", ""))
        elif tag == "dimension":
            last_row, last_column = range_corner(attributes.get("ref", ""))
            self.found.last_row = max(self.found.last_row, last_row)
            self.found.last_column = max(self.found.last_column, last_column)

    def characters(self, data: str) -> None:
        if self.collecting is not None:
            self.collecting.append(data)

    def finish_cell(self) -> None:
        """Judge the cell read last, if any (shared-string cells without a formula are always fine)."""
        if self.cell and (self.formula is not None or self.cell_type != "s"):
            formula = None if self.formula is None else "".join(self.formula).strip() or "(shared formula)"
            value = None if self.value is None else "".join(self.value).strip()
            check_cell(self.found, self.cell, self.cell_type, formula, value)
        self.cell = ""
        self.formula = self.value = self.collecting = None


def check_cell(found: SheetCells, cell: str, cell_type: str, formula: str | None, text: str | None) -> None:
    """Record ``cell`` if its saved value cannot be used as it stands."""
    if formula is not None:
        if cell_type == "e":
            found.formula_errors[cell] = text or "#N/A"
        elif not text and cell_type != "str":
            found.formulas_without_value[cell] = formula
        elif cell_type == "n" and text and not is_real(text):
            found.unreal_numbers[cell] = text.strip()
    elif cell_type == "e":
        found.error_values[cell] = text or "#N/A"
    elif cell_type == "n" and text and not is_real(text):
        found.unreal_numbers[cell] = text.strip()


def is_real(text: str) -> bool:
    """A number cell's saved text is a finite number (Excel saves nothing else)."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def column_number(reference: str) -> int:
    """``'AB12'`` -> 28."""
    return letters_number(reference.rstrip("0123456789"))


@lru_cache(maxsize=4096)
def letters_number(letters: str) -> int:
    """``'AB'`` (or ``'$AB$'``) -> 28; 0 for no letters or for what is not a column."""
    letters = letters.strip("$").upper()
    try:
        return column_index_from_string(letters) if letters else 0
    except ValueError:
        return 0


def column_letter(number: int) -> str:
    return str(get_column_letter(max(number, 1)))


def range_corner(ref: str) -> tuple[int, int]:
    """``'A1:XFD1048576'`` -> (1048576, 16384): the row and column of a range's far corner."""
    last = ref.split(":")[-1].replace("$", "")
    digits = last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    return (int(digits) if digits.isdigit() else 0), column_number(last)


def scan_workbook(path: Path, sheets: set[str]) -> dict[str, SheetCells]:
    """Scan the named sheets (names as in the workbook); a sheet the package lacks is skipped."""
    with zipfile.ZipFile(path) as package:
        parts = sheet_parts(package)
        names = set(package.namelist())
        return {name: scan_sheet(package, parts[name]) for name in sheets if parts.get(name) in names}
