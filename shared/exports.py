"""Every table Jouda hands out as a file, CSV or spreadsheet (XLSX), goes through here.

A cell whose text starts with =, +, -, @, a tab or a carriage return is a formula to a
spreadsheet program: a council named `=HYPERLINK(...)` would be a live link in the ministry's
overview. Such text is prefixed with an apostrophe, which spreadsheets show as text; numbers stay
numbers. Both formats make the same cells of the same rows."""

import csv
import io
import math
import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The control characters no XLSX cell may hold (openpyxl's ILLEGAL_CHARACTERS_RE).
NOT_IN_XLSX = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def safe_cell(value):
    """A value as a cell: text that a spreadsheet would run is made inert; None is empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(columns, rows) -> str:
    """UTF-8 CSV with a byte-order mark (spreadsheet programs then show Arabic names correctly);
    `rows` are mappings read by column name."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(column) for column in columns])
    for row in rows:
        writer.writerow([safe_cell(row.get(column)) for column in columns])
    return out.getvalue()


def xlsx_bytes(columns, rows, *, right_to_left=False, sheet_title="Jouda") -> bytes:
    """An XLSX workbook of one sheet: the columns' names (bold, frozen at the top), then one row per
    mapping of `rows`, read by column name. Right to left (for Arabic readers) when asked. openpyxl
    (13 MB) is imported here, in the process that makes a spreadsheet, not in every one that imports this."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    sheet.sheet_view.rightToLeft = right_to_left
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=_xlsx_cell(column))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(row.get(column)) for column in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_cell(value):
    """The CSV's cell, as a spreadsheet holds it: a number stays a number, anything else not text is
    written as the CSV writes it (str), control characters no XLSX may hold are dropped (before
    the formula check, so that none hides a formula), and an empty cell is left blank."""
    if value is not None and not isinstance(value, (bool, int, float, str)):
        value = str(value)
    elif isinstance(value, float) and not math.isfinite(value):
        value = str(value)  # a spreadsheet has no NaN nor infinity
    if isinstance(value, str):
        value = NOT_IN_XLSX.sub("", value)
    cell = safe_cell(value)
    return None if cell == "" else cell
