"""Every table Jouda hands out as a file (CSV today, spreadsheets tomorrow) goes through here.

A cell whose text starts with =, +, -, @, a tab or a carriage return is a formula to a
spreadsheet program: a council named `=HYPERLINK(...)` would be a live link in the ministry's
overview. Such text is prefixed with an apostrophe, which spreadsheets show as text; numbers stay
numbers."""

import csv
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
