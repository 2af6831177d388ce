"""People's text on one line (shared/text.py): what header values are made of."""

import pytest

from jouda.shared.text import one_line

BREAKING = [
    "\n",
    "\r",
    "\r\n",
    "\u2028",
    "\u2029",
    "\x0b",
    "\x0c",
    "\x85",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x1f",
    "\t",
    "\x00",
    "\x7f",
]


@pytest.mark.parametrize("character", BREAKING, ids=repr)
def test_control_and_separator_characters_become_one_space(character):
    assert one_line(f"Politique{character}qualité") == "Politique qualité"


def test_runs_of_them_become_one_space_and_the_ends_are_trimmed():
    assert one_line("\r\n  Politique \n\n\u2028 qualité \x85") == "Politique qualité"


@pytest.mark.parametrize("text", ["سياسة الجودة", "Fès-Meknès", "\u200fمرحبا\u200e", "A\u00a0B", ""])
def test_everything_else_is_kept(text):
    # Letters of every script, bidirectional marks (format characters) and no-break spaces stay.
    assert one_line(text) == text


def test_none_is_empty():
    assert one_line(None) == ""
