"""How much of a workbook the tool reads: limits that keep a hostile file from exhausting the machine.

An .xlsx is a zip of XML parts. Before anything else reads it, the whole package is
checked once, streaming, part by part:

- at most ``MAX_PARTS`` entries, none named outside the package (``..`` or an absolute path:
  Excel never writes them, and the plan would carry them on);
- at most ``MAX_UNPACKED_BYTES`` unpacked in all, ``MAX_PART_BYTES`` in one part, and no
  part larger than ``RATIO_FLOOR_BYTES`` packed more tightly than ``MAX_RATIO`` to 1
  (Excel's parts pack about 10 to 1; a zip bomb packs a thousand to 1);
- every XML part well-formed and without a DTD (``<!DOCTYPE``): Excel never writes one,
  and its entities could expand without bound or leave the plan's copy of the part
  unreadable.

Each sheet the model reads is then held to ``MAX_SHEET_CELLS`` cells (rows x columns of
its used range, ``sheet_xml``), because the reader allocates the whole range at once.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.parsers import expat

from openpyxl.utils import get_column_letter

from optimizer.errors import InputProblem

MAX_PARTS = 10_000
MAX_UNPACKED_BYTES = 256 * 2**20
MAX_PART_BYTES = 128 * 2**20
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 2**20
MAX_SHEET_CELLS = 2_000_000
CHUNK_BYTES = 2**20
XML_SUFFIXES = (".xml", ".rels")

RESAVE = "save the workbook from Excel again as .xlsx (Excel Workbook) and try again"


def megabytes(size: int) -> str:
    """``268435456`` -> ``'256 MB'``; below a megabyte in kB."""
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size / 2**10:,.0f} kB"


def check_package(path: Path) -> list[InputProblem]:
    """Every problem of the package as a whole; empty when it is safe to read."""
    with zipfile.ZipFile(path) as package:
        entries = [info for info in package.infolist() if not info.is_dir()]
        problems = entry_problems(path.name, entries)
        if problems:
            return problems
        for info in entries:
            problem = part_problem(path.name, package, info)
            if problem is not None:
                return [problem]
    return []


def entry_problems(file: str, entries: list[zipfile.ZipInfo]) -> list[InputProblem]:
    """What the zip's directory alone shows: too many parts, names outside, sizes, ratios."""

    def problem(what: str, fix: str = RESAVE) -> InputProblem:
        return InputProblem(file, "", what, fix)

    if len(entries) > MAX_PARTS:
        return [problem(f"holds {len(entries):,} parts, more than the {MAX_PARTS:,} the tool reads")]
    problems = [
        problem(f"holds a part named {info.filename!r}, outside the workbook (a path with .. or a leading /)")
        for info in entries
        if not inside_package(info.filename)
    ]
    total = sum(info.file_size for info in entries)
    if total > MAX_UNPACKED_BYTES:
        problems.append(
            problem(
                f"unpacks to {megabytes(total)}, more than the {megabytes(MAX_UNPACKED_BYTES)} the tool reads",
                "remove what makes it so large (pictures, sheets the model does not use) and try again",
            )
        )
    for info in entries:
        if info.file_size > MAX_PART_BYTES:
            problems.append(
                problem(
                    f"part {info.filename} unpacks to {megabytes(info.file_size)}, "
                    f"more than the {megabytes(MAX_PART_BYTES)} the tool reads in one part",
                    "remove what makes it so large and try again",
                )
            )
        elif info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            problems.append(
                problem(
                    f"part {info.filename} unpacks to {ratio:,.0f} times its packed size "
                    f"(an Excel file packs about 10 to 1; the tool reads at most {MAX_RATIO} to 1)"
                )
            )
    return problems


def inside_package(name: str) -> bool:
    """A part name relative to the package root that stays inside it."""
    if name.startswith("/") or "\\" in name or (len(name) > 1 and name[1] == ":"):
        return False
    return ".." not in name.split("/")


class DtdFound(Exception):
    """Raised from the XML scanner at a ``<!DOCTYPE``."""


def part_problem(file: str, package: zipfile.ZipFile, info: zipfile.ZipInfo) -> InputProblem | None:
    """Unpack one part, streaming: it must match its directory entry, and XML must be well-formed, DTD-free."""
    xml = info.filename.lower().endswith(XML_SUFFIXES)
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    try:
        for chunk in chunks(package, info):
            if xml:
                parser.Parse(chunk, False)
        if xml:
            parser.Parse(b"", True)
    except DtdFound:
        return InputProblem(
            file,
            "",
            f"part {info.filename} declares a DTD (<!DOCTYPE ...>), which Excel never writes "
            "and the tool refuses (its entities could expand without bound)",
            RESAVE,
        )
    except expat.ExpatError as error:
        what = f"{expat.errors.messages[error.code]}, line {error.lineno}, column {error.offset}"
        return damaged_part(file, f"part {info.filename} is not well-formed XML: {what}")
    except (zipfile.BadZipFile, NotImplementedError, EOFError, OSError) as error:
        return damaged_part(file, f"part {info.filename} cannot be unpacked: {type(error).__name__}: {error}")
    return None


def damaged_part(file: str, what: str) -> InputProblem:
    return InputProblem(
        file,
        "",
        f"is damaged and cannot be read as an Excel workbook ({what})",
        "open it in Excel (which can often repair it), save it as .xlsx and try again",
    )


def refuse_dtd(*_: object) -> None:
    raise DtdFound


def chunks(package: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes in pieces; zipfile stops at the declared size and checks the CRC."""
    with package.open(info) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            yield chunk


def sheet_cells_problem(sheet: str, last_row: int, last_column: int) -> InputProblem | None:
    """A sheet whose used range holds more cells than the reader may allocate."""
    cells = last_row * last_column
    if cells <= MAX_SHEET_CELLS:
        return None
    corner = f"{get_column_letter(last_column)}{last_row}"
    return InputProblem(
        sheet,
        corner,
        f"the sheet's used range reaches this cell ({cells:,} cells), "
        f"more than the {MAX_SHEET_CELLS:,} cells per sheet the tool reads",
        "delete the rows and columns beyond the table (Ctrl+End in Excel shows the last used cell) and save",
    )
