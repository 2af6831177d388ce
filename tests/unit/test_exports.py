"""Tables handed out as files (shared/exports.py): no cell a spreadsheet would run."""

import csv
import io

import pytest

from jouda.shared.exports import csv_text, safe_cell


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
