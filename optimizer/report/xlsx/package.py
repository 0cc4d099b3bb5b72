"""An .xlsx file as an Open Packaging Convention package: parts, relationships, content types.

Just what the merge needs: every part's bytes in their original order, relationships
resolved to part names, free part names, and writing the package back. A part nobody
changes is written back with exactly the bytes it was read with.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass

from lxml import etree

RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPES_PART = "[Content_Types].xml"
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass(frozen=True)
class Relationship:
    """One relationship of a part: ``target`` is a part name, or a URL when ``external``."""

    id: str
    type: str
    target: str
    external: bool = False


def parse_xml(data: bytes) -> etree._Element:
    return etree.fromstring(
        data, etree.XMLParser(remove_blank_text=False, resolve_entities=False, huge_tree=True)
    )


def xml_bytes(root: etree._Element) -> bytes:
    return XML_DECLARATION + bytes(etree.tostring(root, encoding="UTF-8"))


def rels_part(part: str) -> str:
    """``xl/workbook.xml`` -> ``xl/_rels/workbook.xml.rels``; the package's own: ``_rels/.rels``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def resolve(source: str, target: str) -> str:
    """A relationship target relative to its source part, as a part name without leading slash."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def relative(source: str, target: str) -> str:
    """The target part name as written in ``source``'s relationships."""
    return posixpath.relpath(target, posixpath.dirname(source) or ".")


class Package:
    """The parts of one .xlsx file, keyed by part name (no leading slash), in file order."""

    def __init__(self, parts: dict[str, bytes]) -> None:
        self.parts = parts
        self._lower = {name.lower(): name for name in parts}
        self._types: tuple[bytes, dict[str, str], dict[str, str]] | None = None  # content_type_map's cache

    @classmethod
    def from_bytes(cls, data: bytes) -> Package:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return cls(
                {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
            )

    def to_bytes(self) -> bytes:
        """The package as a zip, [Content_Types].xml first (as Office writes it)."""
        buffer = io.BytesIO()
        names = sorted(self.parts, key=lambda name: name != TYPES_PART)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in names:
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, self.parts[name])
        return buffer.getvalue()

    # --- parts ---------------------------------------------------------------------------------
    def name(self, part: str) -> str | None:
        """The stored name of ``part``; part names are case-insensitive."""
        return self._lower.get(part.lower())

    def has(self, part: str) -> bool:
        return self.name(part) is not None

    def read(self, part: str) -> bytes:
        stored = self.name(part)
        if stored is None:
            raise KeyError(part)
        return self.parts[stored]

    def write(self, part: str, data: bytes) -> None:
        stored = self.name(part) or part
        self.parts[stored] = data
        self._lower[stored.lower()] = stored

    def delete(self, part: str) -> None:
        stored = self.name(part)
        if stored is not None:
            del self.parts[stored]
            del self._lower[stored.lower()]

    def free_name(self, like: str, taken: set[str] | None = None) -> str:
        """A new part name in ``like``'s folder, numbered like it: ``xl/charts/chart7.xml``."""
        folder, name = posixpath.split(like)
        match = re.fullmatch(r"(.*?)(\d*)(\.[^.]+)", name)
        stem, suffix = (match.group(1), match.group(3)) if match else (name, "")
        used = {n.lower() for n in taken or set()}
        number = 1
        while True:
            candidate = posixpath.join(folder, f"{stem}{number}{suffix}")
            if not self.has(candidate) and candidate.lower() not in used:
                return candidate
            number += 1

    # --- relationships -------------------------------------------------------------------------
    def relationships(self, part: str) -> list[Relationship]:
        """``part``'s relationships (``""`` for the package's own), targets resolved."""
        name = "_rels/.rels" if part == "" else rels_part(part)
        if not self.has(name):
            return []
        found = []
        for element in parse_xml(self.read(name)):
            external = element.get("TargetMode") == "External"
            target = element.get("Target", "")
            found.append(
                Relationship(
                    element.get("Id", ""),
                    element.get("Type", ""),
                    target if external else resolve(part, target),
                    external,
                )
            )
        return found

    def set_relationships(self, part: str, relationships: list[Relationship]) -> None:
        root = etree.Element(f"{{{RELS_NS}}}Relationships", nsmap={None: RELS_NS})
        for r in relationships:
            element = etree.SubElement(root, f"{{{RELS_NS}}}Relationship")
            element.set("Id", r.id)
            element.set("Type", r.type)
            element.set("Target", r.target if r.external else relative(part, r.target))
            if r.external:
                element.set("TargetMode", "External")
        self.write(rels_part(part), xml_bytes(root))

    def main_part(self) -> str:
        """The workbook part (``xl/workbook.xml`` in files written by Excel)."""
        for r in self.relationships(""):
            if r.type == OFFICE_DOCUMENT:
                return r.target
        raise KeyError("no officeDocument relationship (Strict Open XML?)")

    def sheet_parts(self) -> list[tuple[str, str]]:
        """(name, part) of each sheet of the workbook, in tab order."""
        book_part = self.main_part()
        targets = {r.id: r.target for r in self.relationships(book_part)}
        return [
            (sheet.get("name", ""), targets[sheet.get(f"{{{R_NS}}}id", "")])
            for sheet in parse_xml(self.read(book_part)).iter(f"{{{MAIN_NS}}}sheet")
        ]

    def reachable(self, start: list[str]) -> set[str]:
        """Every part reachable from ``start`` through internal relationships (rels parts included)."""
        seen: set[str] = set()
        todo = list(start)
        while todo:
            part = todo.pop()
            stored = self.name(part)
            if stored is None or stored.lower() in seen:
                continue
            seen.add(stored.lower())
            rels = rels_part(stored)
            if self.has(rels):
                seen.add(rels.lower())
            todo.extend(r.target for r in self.relationships(stored) if not r.external)
        return seen

    # --- content types -------------------------------------------------------------------------
    def content_type(self, part: str) -> str | None:
        overrides, defaults = self.content_type_map()
        found = overrides.get(part.lower())
        if found is not None:
            return found
        return defaults.get(posixpath.splitext(part)[1].lstrip(".").lower())

    def content_type_map(self) -> tuple[dict[str, str], dict[str, str]]:
        """(part name -> type, extension -> type), lower case; parsed once per version of the part.

        Looking a part up must not parse [Content_Types].xml again: with thousands of parts
        (8,000 orphan tables) that made writing a plan quadratic.
        """
        data = self.read(TYPES_PART)
        if self._types is None or self._types[0] is not data:
            types = parse_xml(data)
            overrides: dict[str, str] = {}
            for override in types.iter(f"{{{TYPES_NS}}}Override"):
                overrides.setdefault(
                    override.get("PartName", "").lstrip("/").lower(), str(override.get("ContentType"))
                )
            defaults: dict[str, str] = {}
            for default in types.iter(f"{{{TYPES_NS}}}Default"):
                defaults.setdefault(default.get("Extension", "").lower(), str(default.get("ContentType")))
            self._types = (data, overrides, defaults)
        return self._types[1], self._types[2]

    def set_content_types(self, add: dict[str, str], remove: set[str]) -> None:
        """Add an Override per new part, drop the Overrides of removed parts."""
        types = parse_xml(self.read(TYPES_PART))
        gone = {p.lower() for p in remove} | {p.lower() for p in add}
        for override in list(types.iter(f"{{{TYPES_NS}}}Override")):
            if override.get("PartName", "").lstrip("/").lower() in gone:
                types.remove(override)
        for part, content_type in add.items():
            element = etree.SubElement(types, f"{{{TYPES_NS}}}Override")
            element.set("PartName", f"/{part}")
            element.set("ContentType", content_type)
        self.write(TYPES_PART, xml_bytes(types))
