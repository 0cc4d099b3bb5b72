"""Merge result sheets into the user's workbook at the package level.

The user's package stays as it was except for what a sheet swap needs: workbook.xml (the
sheet list, sheet-scoped names, the active tab, recalculation on load), its relationships,
[Content_Types].xml, styles.xml (formats appended, none moved), the parts of the tool's
own sheets, and calcChain.xml (dropped; Excel rebuilds it). Formulas in the user's own
sheets that read the result sheets lose their cached results, so every spreadsheet
program recomputes them on opening. Every other part is copied byte for byte, including
the ones openpyxl cannot read back (shapes, images, sparklines, slicers, threaded comments).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from optimizer.report.xlsx.package import MAIN_NS, R_NS, Package, Relationship, parse_xml, xml_bytes
from optimizer.report.xlsx.styles import merge_styles, q

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
WORKSHEET = REL + "worksheet"
STYLES = REL + "styles"
SHARED_STRINGS = REL + "sharedStrings"
CALC_CHAIN = REL + "calcChain"
TABLE_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
STYLES_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
# Children of <workbook> that come after <sheets>, in schema order (ECMA-376 CT_Workbook).
AFTER_SHEETS = ("functionGroups", "externalReferences", "definedNames", "calcPr", "oleSize")


@dataclass
class Slot:
    """A place in the merged sheet list: a user's sheet kept, or one of the tool's sheets."""

    name: str
    element: etree._Element | None = None  # the user's <sheet>, None for a result sheet
    old_index: int | None = None
    sheet_id: str | None = None


def local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def child(parent: etree._Element, name: str) -> etree._Element:
    """``parent``'s child ``name``, created in its schema place after <sheets> when missing."""
    found = parent.find(q(name))
    if found is not None:
        return found
    created = etree.Element(q(name))
    later = set(AFTER_SHEETS[AFTER_SHEETS.index(name) + 1 :]) | {
        "customWorkbookViews",
        "pivotCaches",
        "smartTagPr",
        "smartTagTypes",
        "webPublishing",
        "fileRecoveryPr",
        "webPublishObjects",
        "extLst",
    }
    for index, existing in enumerate(parent):
        if local(existing) in later:
            parent.insert(index, created)
            return created
    parent.append(created)
    return created


def merge_result_sheets(user: Package, results: Package, owned: Iterable[str], inputs: Iterable[str]) -> None:
    """Replace ``user``'s sheets named in ``owned`` with every sheet of ``results``, in place.

    A result sheet that existed keeps its position in the tab order; a new one goes after
    the result sheet before it. ``inputs`` names the sheets read as input: their formulas
    keep their cached results (the reader needs them).
    """
    owned_keys = {name.lower() for name in owned}
    book_part = user.main_part()
    book = parse_xml(user.read(book_part))
    book_rels = user.relationships(book_part)
    rel_by_id = {r.id: r for r in book_rels}
    sheets = book.find(q("sheets"))
    if sheets is None:
        raise KeyError(f"{book_part} has no <sheets> (Strict Open XML?)")

    old_sheets = list(sheets)
    removed = [s for s in old_sheets if s.get("name", "").lower() in owned_keys]
    removed_ids = {s.get(f"{{{R_NS}}}id") for s in removed}
    removed_parts = user.reachable([rel_by_id[i].target for i in removed_ids if i in rel_by_id])
    book_rels = [r for r in book_rels if r.id not in removed_ids and r.type != CALC_CHAIN]
    doomed_calc_chain = [r.target for r in rel_by_id.values() if r.type == CALC_CHAIN]
    user.set_relationships(book_part, book_rels)
    keep = user.reachable([r.target for r in user.relationships("") if not r.external])
    doomed = sorted((removed_parts - keep) | {p.lower() for p in doomed_calc_chain})
    for part in doomed:
        user.delete(part)

    result_book = parse_xml(results.read(results.main_part()))
    result_sheets = results.sheet_parts()

    slots = place_sheets(old_sheets, owned_keys, [name for name, _ in result_sheets])
    new_index = {slot.old_index: i for i, slot in enumerate(slots) if slot.element is not None}
    index_of_name = {slot.name.lower(): i for i, slot in enumerate(slots)}

    style_map = bring_styles(user, book_part, book_rels, results, [part for _, part in result_sheets])
    book_rels = user.relationships(book_part)
    taken_tables = table_names_and_ids(user, book)
    content_types: dict[str, str] = {}
    new_rel_ids: dict[str, str] = {}
    used_ids = {r.id for r in book_rels}
    for name, part in result_sheets:
        copied = copy_part_tree(user, results, part, style_map, taken_tables, content_types)
        rel_id = next(f"rId{n}" for n in range(1, 100_000) if f"rId{n}" not in used_ids)
        used_ids.add(rel_id)
        new_rel_ids[name.lower()] = rel_id
        book_rels.append(Relationship(rel_id, WORKSHEET, copied))
    user.set_relationships(book_part, book_rels)
    user.set_content_types(content_types, set(doomed))

    rebuild_sheet_list(sheets, slots, new_rel_ids)
    remap_defined_names(book, result_book, new_index, index_of_name, [name for name, _ in result_sheets])
    remap_active_tab(book, new_index, len(slots))
    calc = child(book, "calcPr")
    calc.set("fullCalcOnLoad", "1")
    user.write(book_part, xml_bytes(book))

    forget_stale_formula_results(
        user,
        book_part,
        result_names=[name for name, _ in result_sheets],
        table_names=taken_tables.new_names,
        inputs={name.lower() for name in inputs} | owned_keys,
    )


def place_sheets(old_sheets: list[etree._Element], owned_keys: set[str], new_names: list[str]) -> list[Slot]:
    """The merged tab order: user sheets where they were, each result sheet in its old place."""
    placed: list[Slot] = []
    for index, sheet in enumerate(old_sheets):
        name = sheet.get("name", "")
        if name.lower() in owned_keys:
            placed.append(Slot(name, None, None, sheet.get("sheetId")))
        else:
            placed.append(Slot(name, sheet, index, sheet.get("sheetId")))
    last: int | None = None
    for name in new_names:
        key = name.lower()
        existing = next(
            (i for i, s in enumerate(placed) if s.element is None and s.name.lower() == key), None
        )
        if existing is not None:
            placed[existing] = Slot(name, None, None, placed[existing].sheet_id)
            placed[existing].old_index = -1  # marks "written this run"
            last = existing
            continue
        at = (
            last + 1
            if last is not None
            else next((i for i, s in enumerate(placed) if s.element is None), len(placed))
        )
        placed.insert(at, Slot(name, None, -1, None))
        last = at
    return [s for s in placed if s.element is not None or s.old_index == -1]


def rebuild_sheet_list(sheets: etree._Element, slots: list[Slot], rel_ids: dict[str, str]) -> None:
    ids = [int(s.sheet_id) for s in slots if s.sheet_id and s.sheet_id.isdigit()]
    next_id = max([0, *ids]) + 1
    for element in list(sheets):
        sheets.remove(element)
    for slot in slots:
        if slot.element is not None:
            sheets.append(slot.element)
            continue
        sheet_id = slot.sheet_id
        if sheet_id is None:
            sheet_id, next_id = str(next_id), next_id + 1
        element = etree.SubElement(sheets, q("sheet"))
        element.set("name", slot.name)
        element.set("sheetId", sheet_id)
        element.set(f"{{{R_NS}}}id", rel_ids[slot.name.lower()])


def remap_defined_names(
    book: etree._Element,
    result_book: etree._Element,
    new_index: dict[int | None, int],
    index_of_name: dict[str, int],
    result_names: list[str],
) -> None:
    """Sheet-scoped names follow their sheet to its new index; those of removed sheets go."""
    names = book.find(q("definedNames"))
    if names is not None:
        for name in list(names):
            scope = name.get("localSheetId")
            if scope is None:
                continue
            if int(scope) in new_index:
                name.set("localSheetId", str(new_index[int(scope)]))
            else:
                names.remove(name)
    added = result_book.find(q("definedNames"))
    if added is None or not len(added):
        return
    names = child(book, "definedNames")
    for name in added:
        scope = name.get("localSheetId")
        if scope is None:
            continue
        entry = copy.deepcopy(name)
        entry.set("localSheetId", str(index_of_name[result_names[int(scope)].lower()]))
        names.append(entry)
    if not len(names):
        book.remove(names)


def remap_active_tab(book: etree._Element, new_index: dict[int | None, int], count: int) -> None:
    views = book.find(q("bookViews"))
    if views is None:
        return
    for view in views:
        for attribute in ("activeTab", "firstSheet"):
            value = view.get(attribute)
            if value is not None:
                view.set(attribute, str(min(new_index.get(int(value), int(value)), count - 1)))


# --- styles -------------------------------------------------------------------------------------
STYLE_ATTRIBUTE = re.compile(rb'(<(?:c|row)\b[^>]*?\ss="|<col\b[^>]*?\sstyle=")(\d+)"')
"""A cell's or row's ``s="N"``, or a column's ``style="N"``: the tag up to the number, then the number."""


def used_styles(data: bytes) -> set[int]:
    """The style indices a sheet's cells, rows and columns point at (each number read once)."""
    return {int(number) for number in {number for _, number in STYLE_ATTRIBUTE.findall(data)}}


def bring_styles(
    user: Package, book_part: str, book_rels: list[Relationship], results: Package, sheet_parts: list[str]
) -> dict[int, int]:
    """Merge the result sheets' cell formats into the user's styles part; index map."""
    used: set[int] = set()
    for part in sheet_parts:
        used |= used_styles(results.read(part))
    source_part = next(r.target for r in results.relationships(results.main_part()) if r.type == STYLES)
    source = results.read(source_part)
    target_part = next((r.target for r in book_rels if r.type == STYLES), None)
    if target_part is None or not user.has(target_part):
        target_part = user.free_name("xl/styles.xml")
        user.write(target_part, source)
        rel_id = next(f"rId{n}" for n in range(1, 100_000) if f"rId{n}" not in {r.id for r in book_rels})
        user.set_relationships(book_part, [*book_rels, Relationship(rel_id, STYLES, target_part)])
        user.set_content_types({target_part: STYLES_TYPE}, set())
        return {i: i for i in used}
    merged, mapping = merge_styles(user.read(target_part), source, used)
    user.write(target_part, merged)
    return mapping


def restyle(data: bytes, mapping: dict[int, int]) -> bytes:
    """Every style index of a sheet replaced by the one ``mapping`` gives it.

    Each distinct number is converted once: a sheet has a style index on nearly every cell.
    """
    replaced: dict[bytes, bytes] = {}

    def swap(match: re.Match[bytes]) -> bytes:
        number = match.group(2)
        new = replaced.get(number)
        if new is None:
            new = replaced[number] = str(mapping[int(number)]).encode()
        return match.group(1) + new + b'"'

    return STYLE_ATTRIBUTE.sub(swap, data)


# --- copying a result sheet and the parts it uses -----------------------------------------------
@dataclass
class TakenTables:
    ids: set[int]
    names: set[str]
    new_names: list[str]


def table_names_and_ids(user: Package, book: etree._Element) -> TakenTables:
    """Table ids and names already used in the user's workbook (defined names share the namespace)."""
    ids: set[int] = set()
    names = {n.get("name", "").lower() for n in book.iter(q("definedName"))}
    for part in list(user.parts):
        if "table" in part.lower() and part.endswith(".xml") and user.content_type(part) == TABLE_TYPE:
            table = parse_xml(user.read(part))
            if local(table) != "table":
                continue
            ids.add(int(table.get("id", "0")))
            names.add(table.get("name", "").lower())
            names.add(table.get("displayName", "").lower())
    return TakenTables(ids, names, [])


def unique_table(data: bytes, taken: TakenTables) -> bytes:
    """Give a result table an id and a name no other table in the workbook has."""
    table = parse_xml(data)
    new_id = max([0, *taken.ids]) + 1
    taken.ids.add(new_id)
    table.set("id", str(new_id))
    base = table.get("displayName", table.get("name", "Table"))
    name, suffix = base, 2
    while name.lower() in taken.names:
        name, suffix = f"{base}_{suffix}", suffix + 1
    taken.names.add(name.lower())
    taken.new_names.append(name)
    table.set("name", name)
    table.set("displayName", name)
    return xml_bytes(table)


def copy_part_tree(
    user: Package,
    results: Package,
    sheet_part: str,
    style_map: dict[int, int],
    taken_tables: TakenTables,
    content_types: dict[str, str],
) -> str:
    """Copy a result sheet and every part it reaches into ``user`` under free names."""
    tree = sorted(p for p in results.reachable([sheet_part]) if not p.endswith(".rels"))
    renamed: dict[str, str] = {}
    for part in tree:
        renamed[part] = user.free_name(results.name(part) or part, taken=set(renamed.values()))
    for part, new_name in renamed.items():
        data = results.read(part)
        content_type = results.content_type(part) or "application/xml"
        if part == sheet_part.lower():
            data = restyle(unselect(data), style_map)
        elif content_type == TABLE_TYPE:
            data = unique_table(data, taken_tables)
        user.write(new_name, data)
        content_types[new_name] = content_type
        relationships = results.relationships(results.name(part) or part)
        if relationships:
            user.set_relationships(
                new_name,
                [
                    r if r.external else Relationship(r.id, r.type, renamed[r.target.lower()])
                    for r in relationships
                ],
            )
    return renamed[sheet_part.lower()]


def unselect(data: bytes) -> bytes:
    """A result sheet never arrives selected: two selected tabs would group them in Excel."""
    return re.sub(rb'\stabSelected="(1|true)"', b"", data)


# --- formulas that read result sheets -----------------------------------------------------------
def reference_pattern(sheet_names: list[str], table_names: list[str], defined: list[str]) -> re.Pattern[str]:
    """Matches a formula that mentions one of the sheets (``Summary!B5``, ``'Summary'!B5``),
    tables (``FundedProjects[...]``) or defined names."""
    options = []
    for name in sheet_names:
        quoted = re.escape(name.replace("'", "''"))
        options.append(rf"'{quoted}'!")
        if re.fullmatch(r"[A-Za-z_][\w.]*", name):
            options.append(rf"(?<![\w.']){re.escape(name)}!")
    options += [rf"(?<![\w.]){re.escape(name)}\[" for name in table_names]
    options += [rf"(?<![\w.]){re.escape(name)}(?![\w.(!\[])" for name in defined]
    return re.compile("|".join(options) or r"(?!)", re.IGNORECASE)


def forget_stale_formula_results(
    user: Package, book_part: str, result_names: list[str], table_names: list[str], inputs: set[str]
) -> None:
    """Drop the cached results of formulas in the user's sheets that read the result sheets.

    Excel recalculates on opening (``fullCalcOnLoad``), but LibreOffice shows a formula's
    cached result as it is unless the formula has none. Whole sheets are cleared, and so are
    sheets that read cleared sheets, so chains of formulas recompute too. Input sheets keep
    theirs: they are read by their cached values.
    """
    book = parse_xml(user.read(book_part))
    parts = {r.id: r.target for r in user.relationships(book_part) if r.type == WORKSHEET}
    sheets = {
        s.get("name", ""): parts[s.get(f"{{{R_NS}}}id", "")]
        for s in book.iter(q("sheet"))
        if s.get(f"{{{R_NS}}}id", "") in parts
    }
    dirty = list(result_names)
    defined = [
        n.get("name", "")
        for n in book.iter(q("definedName"))
        if reference_pattern(dirty, table_names, []).search(n.text or "")
    ]
    cleared: set[str] = set()
    changed = True
    while changed:
        changed = False
        pattern = reference_pattern(dirty, table_names, defined)
        for name, part in sheets.items():
            if (
                name.lower() in inputs
                or name in cleared
                or b"<f" not in user.read(part).replace(b"<x:f", b"<f")
            ):
                continue
            sheet = parse_xml(user.read(part))
            formulas = [f for f in sheet.iter(f"{{{MAIN_NS}}}f") if f.text and pattern.search(f.text)]
            if not formulas:
                continue
            for cell in sheet.iter(f"{{{MAIN_NS}}}c"):
                if cell.find(f"{{{MAIN_NS}}}f") is None:
                    continue
                for value in cell.findall(f"{{{MAIN_NS}}}v"):
                    cell.remove(value)
                if "t" in cell.attrib:
                    del cell.attrib["t"]
            user.write(part, xml_bytes(sheet))
            cleared.add(name)
            dirty.append(name)
            changed = True
