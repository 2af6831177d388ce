"""People's text where it must stay on one line: e-mail and HTTP header values.

Text pasted from a PDF or a word processor carries line breaks and other control or separator
characters (\\n, \\r, \\x0b, \\x0c, \\x1c-\\x1f, \\x85, U+2028, U+2029). In a header they either
break the message or inject a header of their own; folded to spaces they are harmless."""

import re
import unicodedata

_BREAKING = {"Cc", "Zl", "Zp"}  # control characters, line and paragraph separators
_SPACES = re.compile(r" {2,}")


def one_line(text) -> str:
    """`text` with every control and line/paragraph separator character folded to a space."""
    if text is None:
        return ""
    folded = "".join(" " if unicodedata.category(char) in _BREAKING else char for char in str(text))
    return _SPACES.sub(" ", folded).strip()
