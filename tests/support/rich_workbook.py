"""A user's workbook with everything a plan must keep, written from Python.

openpyxl writes the parts it can (styles, widths, comments, validations, names, tables,
frozen panes, a chart); the parts openpyxl drops when it loads and saves a workbook are
then added at the package level, as Excel would have written them: a text box and a
picture in the chart's drawing, a sparkline group, and cached formula results.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

from optimizer.report.xlsx.package import Package
from tests.support.workbooks import ONE_YEAR, Rows, one_year_case

USER_SHEET = "Notes"
SPARKLINE_URI = "{05C60535-1F16-4FD2-B633-F4F36F0B64E0}"
SHAPE_TEXT = "Reviewed by the investment committee"


def png(width: int, height: int) -> bytes:
    """A small solid red PNG."""
    raw = b"".join(b"\x00" + b"\xc8\x1e\x1e" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def base_workbook(sheets: dict[str, Rows]) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in {
        "Settings": [{"setting": k, "value": v} for k, v in ONE_YEAR.items()],
        **sheets,
    }.items():
        ws = wb.create_sheet(name)
        header: list[str] = []
        for row in rows:
            header.extend(k for k in row if k not in header)
        ws.append(header)
        for row in rows:
            ws.append([row.get(k) for k in header])
    projects = wb["Projects"]
    for cell in projects[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="375623")
    projects.column_dimensions["A"].width = 25
    projects["A2"].comment = Comment("Sponsor confirmed in March", "analyst")
    decisions = DataValidation(type="list", formula1='"fund,reject"', allow_blank=True)
    decisions.add("F2:F4")
    projects.add_data_validation(decisions)
    options = wb["Options"]
    for (cell,) in options.iter_rows(min_row=2, min_col=4, max_col=4):
        cell.number_format = "#,##0.00"
    options["D2"] = "=0.25*2"  # cached value added at package level
    buyers = wb["Buyers"]
    buyers.add_table(
        Table(displayName="BuyersTable", ref="A1:C2", tableStyleInfo=TableStyleInfo(name="TableStyleLight9"))
    )
    wb["Contracts"].freeze_panes = "B2"
    wb.defined_names["MaxVolume"] = DefinedName("MaxVolume", attr_text="Contracts!$H$2")
    notes = wb.create_sheet(USER_SHEET)
    notes["A1"] = "My notes on the plan"
    notes["A1"].font = Font(italic=True, size=13)
    notes.append([])
    notes.append(["capex by quarter", 1.0, 2.5, 4.0])
    notes.append(["expected NPV from the plan", "=Summary!B5"])
    notes.append(["twice that", "=B4*2"])
    notes.column_dimensions["A"].width = 30
    notes.defined_names["QuarterOne"] = DefinedName("QuarterOne", attr_text=f"{USER_SHEET}!$B$3")
    chart = BarChart()
    chart.title = "My capex"
    chart.add_data(Reference(notes, min_col=2, max_col=4, min_row=3), from_rows=True)
    notes.add_chart(chart, "F2")
    return wb


def add_parts_openpyxl_drops(data: bytes) -> bytes:
    """Add a text box, a picture, a sparkline group and cached formula results (Excel writes all)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    part = sheet_parts(data)
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    anchor = '<twoCellAnchor xmlns:a="{a}" xmlns:r="{r}"><from><col>{c}</col><colOff>0</colOff><row>20</row><rowOff>0</rowOff></from><to><col>{d}</col><colOff>0</colOff><row>24</row><rowOff>0</rowOff></to>{body}<clientData/></twoCellAnchor>'
    text_box = (
        '<sp macro="" textlink=""><nvSpPr><cNvPr id="20" name="IC note"/><cNvSpPr txBox="1"/></nvSpPr>'
        '<spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></spPr>'
        f"<txBody><a:bodyPr/><a:p><a:r><a:t>{SHAPE_TEXT}</a:t></a:r></a:p></txBody></sp>"
    )
    picture = (
        '<pic><nvPicPr><cNvPr id="21" name="Logo"/><cNvPicPr/></nvPicPr>'
        '<blipFill><a:blip r:embed="rIdLogo"/><a:stretch><a:fillRect/></a:stretch></blipFill>'
        '<spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></spPr></pic>'
    )
    sparklines = (
        f'<extLst><ext uri="{SPARKLINE_URI}" xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        '<x14:sparklineGroups xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
        '<x14:sparklineGroup displayEmptyCellsAs="gap"><x14:colorSeries rgb="FF376092"/><x14:sparklines>'
        f"<x14:sparkline><xm:f>{USER_SHEET}!B3:D3</xm:f><xm:sqref>E3</xm:sqref></x14:sparkline>"
        "</x14:sparklines></x14:sparklineGroup></x14:sparklineGroups></ext></extLst>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/drawings/drawing1.xml":
                extra = anchor.format(a=a, r=r, c=10, d=14, body=text_box) + anchor.format(
                    a=a, r=r, c=15, d=17, body=picture
                )
                content = content.replace(b"</wsDr>", extra.encode() + b"</wsDr>")
            elif info.filename == "xl/drawings/_rels/drawing1.xml.rels":
                logo = f'<Relationship Id="rIdLogo" Type="{r}/image" Target="/xl/media/logo.png"/>'
                content = content.replace(b"</Relationships>", logo.encode() + b"</Relationships>")
            elif info.filename == "[Content_Types].xml":
                content = content.replace(
                    b"<Default ", b'<Default Extension="png" ContentType="image/png"/><Default ', 1
                )
            elif info.filename == part["Options"]:
                content, count = re.subn(
                    rb"<f>0.25\*2</f><v\s*/>|<f>0.25\*2</f>(<v></v>)?", b"<f>0.25*2</f><v>0.5</v>", content
                )
                assert count == 1
            elif info.filename == part[USER_SHEET]:
                content = re.sub(
                    rb"<f>Summary!B5</f>(<v\s*/>|<v></v>)?", b"<f>Summary!B5</f><v>999</v>", content
                )
                content = content.replace(b"</worksheet>", sparklines.encode() + b"</worksheet>")
            target.writestr(info, content)
        target.writestr("xl/media/logo.png", png(40, 20))
    return out.getvalue()


def sheet_parts(data: bytes) -> dict[str, str]:
    """Sheet name -> worksheet part name in an .xlsx package."""
    return dict(Package.from_bytes(data).sheet_parts())


def write_rich_workbook(path: Path, **overrides: Rows) -> Path:
    buffer = io.BytesIO()
    base_workbook(one_year_case(**overrides)).save(buffer)
    path.write_bytes(add_parts_openpyxl_drops(buffer.getvalue()))
    return path
