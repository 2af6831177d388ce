"""Tables handed out as files (shared/exports.py): no cell a spreadsheet would run."""

import csv
import io

import openpyxl
import pytest

from jouda.shared.exports import csv_text, safe_cell, xlsx_bytes


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","clic")', "+33 1", "-2+3", "@SUM(A1)", "\tx", "\rx", "=1+1"])
def test_text_a_spreadsheet_would_run_is_made_inert(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value,cell",
    [
        ("Fès-Meknès", "Fès-Meknès"),
        ("جهة فاس مكناس", "جهة فاس مكناس"),
        (-5, -5),
        (0.75, 0.75),
        (None, ""),
        (True, "true"),
        (False, "false"),
        ("a=b", "a=b"),
    ],
)
def test_everything_else_is_kept(value, cell):
    assert safe_cell(value) == cell


def test_a_csv_export_neutralises_every_cell_and_keeps_arabic():
    text = csv_text(
        ["tenant", "name", "rate"],
        [
            {"tenant": "evil", "name": '=HYPERLINK("http://x","clic")', "rate": -0.5},
            {"tenant": "fes-meknes", "name": "جهة فاس مكناس", "rate": None},
        ],
    )
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows == [
        ["tenant", "name", "rate"],
        ["evil", '\'=HYPERLINK("http://x","clic")', "-0.5"],
        ["fes-meknes", "جهة فاس مكناس", ""],
    ]


def read_xlsx(data):
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return sheet, [list(row) for row in sheet.iter_rows(values_only=True)]


def test_a_spreadsheet_holds_the_csv_cells_numbers_as_numbers_and_no_formula():
    columns = ["tenant", "name", "rate", "achieved", "published", "note"]
    rows = [
        {"tenant": "evil", "name": '=HYPERLINK("http://x","clic")', "rate": -0.5, "achieved": 3, "published": True},
        {"tenant": "fes-meknes", "name": "جهة فاس مكناس", "rate": None, "achieved": 0, "published": False},
        {"tenant": "+212", "name": "@SUM(A1)", "rate": 1, "achieved": -1, "note": "\tx"},
    ]
    sheet, table = read_xlsx(xlsx_bytes(columns, rows))
    assert sheet.title == "Jouda"
    assert table == [
        columns,
        ["evil", '\'=HYPERLINK("http://x","clic")', -0.5, 3, "true", None],
        ["fes-meknes", "جهة فاس مكناس", None, 0, "false", None],
        ["'+212", "'@SUM(A1)", 1, -1, None, "'\tx"],
    ]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)  # not one formula
    assert isinstance(sheet["C2"].value, float) and isinstance(sheet["D2"].value, int)
    assert sheet["A1"].font.bold and not sheet["A2"].font.bold
    assert sheet.freeze_panes == "A2"
    assert not sheet.sheet_view.rightToLeft


def test_a_spreadsheet_for_an_arabic_reader_runs_right_to_left():
    sheet, table = read_xlsx(
        xlsx_bytes(["tenant", "name"], [{"tenant": "fes-meknes", "name": "جهة فاس مكناس"}], right_to_left=True)
    )
    assert sheet.sheet_view.rightToLeft is True
    assert table == [["tenant", "name"], ["fes-meknes", "جهة فاس مكناس"]]


def test_a_spreadsheet_writes_other_values_as_the_csv_does_and_drops_what_xlsx_cannot_hold():
    sheet, table = read_xlsx(
        xlsx_bytes(
            ["details", "name", "ratio"],
            [{"details": {"a": 1}, "name": "\x01=1+1 \x07ok", "ratio": float("nan")}],
            sheet_title="Sécurité",
        )
    )
    assert sheet.title == "Sécurité"
    # a control character dropped, then the formula made inert: it could not hide one
    assert table[1] == ["{'a': 1}", "'=1+1 ok", "nan"]
