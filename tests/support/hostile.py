"""Hostile workbooks: valid cases rewritten at the zip level the way an attacker would.

Each builder takes a valid workbook and writes a changed copy; nothing here is random.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

from openpyxl import load_workbook

PartChange = Callable[[str, bytes], bytes | None]
"""(part name, bytes) -> new bytes, or None to drop the part."""

TYPES = "[Content_Types].xml"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def repack(
    source: Path,
    target: Path,
    change: PartChange | None = None,
    extra: dict[str, bytes] | None = None,
    level: int = 6,
) -> Path:
    """Copy ``source``'s zip to ``target``, passing each part through ``change``, then adding ``extra``."""
    with (
        zipfile.ZipFile(source) as old,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as new,
    ):
        for item in old.infolist():
            data = old.read(item.filename)
            changed = change(item.filename, data) if change is not None else data
            if changed is not None:
                new.writestr(item.filename, changed)
        for name, data in (extra or {}).items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            new.writestr(info, data)
    return target


def sheet_part(path: Path, sheet: str) -> str:
    """The part holding ``sheet`` (openpyxl numbers sheets in order: sheet1.xml, ...)."""
    names = load_workbook(path, read_only=True).sheetnames
    return f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"


def in_part(part: str, old: bytes, new: bytes) -> PartChange:
    """Replace ``old`` by ``new`` (once) in ``part``; it must be there."""

    def change(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        assert old in data, f"{old!r} not in {part}"
        return data.replace(old, new, 1)

    return change


def with_dimension(source: Path, target: Path, sheet: str, ref: str) -> Path:
    """``sheet``'s ``<dimension>`` claims the range ``ref`` (its cells stay as they are)."""
    part = sheet_part(source, sheet)

    def change(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        start = data.index(b"<dimension ")
        end = data.index(b"/>", start) + 2
        return data[:start] + f'<dimension ref="{ref}"/>'.encode() + data[end:]

    return repack(source, target, change)


def with_doctype(
    source: Path, target: Path, part: str, doctype: bytes, use: tuple[bytes, bytes] | None
) -> Path:
    """``part`` gains ``doctype`` after its XML declaration, and ``use`` = (old, new) inside it."""

    def change(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
        if use is not None:
            assert use[0] in body
            body = body.replace(use[0], use[1], 1)
        return DECLARATION + doctype + body.lstrip()

    return repack(source, target, change)


ENTITY_IN_TYPES = (
    b'<!DOCTYPE Types [<!ENTITY xml "application/xml">]>\n',
    (b'ContentType="application/xml"', b'ContentType="&xml;"'),
)
"""An internal entity used in [Content_Types].xml: the plan would keep ``&xml;`` and drop its DTD."""

LAUGHS = (
    b'<!DOCTYPE Types [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>\n',
    (b'ContentType="application/xml"', b'ContentType="&d;"'),
)
"""Entities expanding to entities: a small billion-laughs attack."""


def truncated(source: Path, target: Path, part: str) -> Path:
    """``part`` cut in the middle, as a broken download or a hostile edit leaves it."""
    return repack(source, target, lambda name, data: data[: len(data) // 2] if name == part else data)


def with_extra_parts(source: Path, target: Path, parts: dict[str, bytes]) -> Path:
    return repack(source, target, extra=parts)


def bomb(size: int) -> bytes:
    """``size`` bytes that deflate to almost nothing."""
    return b"\0" * size


def orphan_tables(count: int) -> tuple[dict[str, bytes], bytes]:
    """``count`` table parts no sheet uses, and the content-type overrides that declare them."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    table = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
    parts = {
        f"xl/tables/table{i}.xml": (
            f'<table xmlns="{main}" id="{i}" name="T{i}" displayName="T{i}" ref="A1:A2">'
            f'<tableColumns count="1"><tableColumn id="1" name="a"/></tableColumns></table>'
        ).encode()
        for i in range(1, count + 1)
    }
    overrides = b"".join(
        f'<Override PartName="/xl/tables/table{i}.xml" ContentType="{table}"/>'.encode()
        for i in range(1, count + 1)
    )
    return parts, overrides


def with_orphan_tables(source: Path, target: Path, count: int) -> Path:
    parts, overrides = orphan_tables(count)
    return repack(source, target, in_part(TYPES, b"</Types>", overrides + b"</Types>"), extra=parts)
