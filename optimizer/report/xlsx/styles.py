"""Bring the result sheets' cell formats into the user's styles.xml without disturbing it.

Existing entries keep their positions (every user cell points at its format by index);
formats the result sheets need are appended, or reused when an identical one is already
there, so re-planning a plan does not grow the style table.
"""

from __future__ import annotations

import copy
from typing import Any

from lxml import etree

from optimizer.report.xlsx.package import MAIN_NS, parse_xml, xml_bytes

FIRST_CUSTOM_NUMBER_FORMAT = 164
# Order of a styleSheet's children (ECMA-376 CT_Stylesheet): a missing list goes in its place.
ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs")


def q(tag: str) -> str:
    return f"{{{MAIN_NS}}}{tag}"


def signature(element: etree._Element) -> Any:
    """What makes two style entries the same: tags, attributes and text, not namespace prefixes."""
    return (
        element.tag,
        tuple(sorted(element.attrib.items())),
        (element.text or "").strip(),
        tuple(signature(child) for child in element),
    )


def collection(sheet: etree._Element, name: str) -> etree._Element:
    """The stylesheet's ``name`` list, created in its schema position when missing."""
    found = sheet.find(q(name))
    if found is not None:
        return found
    created = etree.Element(q(name))
    later = set(ORDER[ORDER.index(name) + 1 :])
    for index, child in enumerate(sheet):
        if etree.QName(child).localname in later:
            sheet.insert(index, created)
            return created
    sheet.append(created)
    return created


def add_unique(target: etree._Element, element: etree._Element) -> int:
    """Index of an entry equal to ``element`` in ``target``, appending it when there is none."""
    wanted = signature(element)
    children = [c for c in target if isinstance(c.tag, str)]
    for index, child in enumerate(children):
        if signature(child) == wanted:
            return index
    target.append(copy.deepcopy(element))
    target.set("count", str(len(children) + 1))
    return len(children)


def number_format_id(target: etree._Element, source_formats: dict[int, str], source_id: int) -> int:
    """The user's id for a number format: built-ins keep theirs; custom ones matched by code or added."""
    if source_id < FIRST_CUSTOM_NUMBER_FORMAT:
        return source_id
    code = source_formats[source_id]
    formats = collection(target, "numFmts")
    ids = []
    for existing in formats.iter(q("numFmt")):
        if existing.get("formatCode") == code:
            return int(existing.get("numFmtId", "0"))
        ids.append(int(existing.get("numFmtId", "0")))
    new_id = max([FIRST_CUSTOM_NUMBER_FORMAT - 1, *ids]) + 1
    etree.SubElement(formats, q("numFmt"), numFmtId=str(new_id), formatCode=code)
    formats.set("count", str(len(ids) + 1))
    return new_id


def merge_styles(target_xml: bytes, source_xml: bytes, used: set[int]) -> tuple[bytes, dict[int, int]]:
    """Append the ``used`` cell formats of ``source_xml`` to ``target_xml``.

    Returns the new styles.xml and, for each used source format index, the index to write
    in the merged workbook's cells.
    """
    target, source = parse_xml(target_xml), parse_xml(source_xml)
    source_formats = {
        int(f.get("numFmtId", "0")): f.get("formatCode", "General") for f in source.iter(q("numFmt"))
    }
    parts = {}
    for name, item in (("fonts", "font"), ("fills", "fill"), ("borders", "border")):
        source_list = source.find(q(name))
        parts[item] = list(source_list) if source_list is not None else []
    source_xfs = list(source.find(q("cellXfs")) if source.find(q("cellXfs")) is not None else [])
    target_xfs = collection(target, "cellXfs")
    mapping: dict[int, int] = {}
    for index in sorted(used):
        xf = copy.deepcopy(source_xfs[index])
        for attribute, item in (("fontId", "font"), ("fillId", "fill"), ("borderId", "border")):
            entry = parts[item][int(xf.get(attribute, "0"))]
            xf.set(attribute, str(add_unique(collection(target, f"{item}s"), entry)))
        xf.set("numFmtId", str(number_format_id(target, source_formats, int(xf.get("numFmtId", "0")))))
        xf.set("xfId", "0")
        mapping[index] = add_unique(target_xfs, xf)
    return xml_bytes(target), mapping
