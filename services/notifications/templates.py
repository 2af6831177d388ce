"""Rendering a notification in the recipient's language: templates/<lang>/<kind>.txt, in the folder of
the service that declares the kind (routing.template_package), holds a subject line, a line `---`,
then the body (paragraphs separated by blank lines) with str.format placeholders. French is the
default; Arabic e-mails are written right-to-left."""

import html
from dataclasses import dataclass
from functools import cache
from importlib import resources

from jouda.services.notifications import routing
from jouda.shared.text import one_line
from jouda.shared.vocabulary import LANGUAGES

DEFAULT_LANGUAGE = "fr"
MORE = {"fr": "… et {count} autres", "ar": "… و{count} أخرى"}
LISTED = 50  # the most lines a list in one e-mail shows


class TemplateMissing(LookupError):
    pass


@dataclass(frozen=True)
class Rendered:
    language: str
    subject: str
    text: str

    @property
    def html(self):
        direction = "rtl" if self.language == "ar" else "ltr"
        paragraphs = "".join(f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>" for part in self.text.split("\n\n"))
        return (
            f'<!DOCTYPE html><html lang="{self.language}" dir="{direction}"><head><meta charset="utf-8">'
            f"<title>{html.escape(self.subject)}</title></head>"
            f'<body dir="{direction}" style="font-family: sans-serif; text-align: '
            f'{"right" if direction == "rtl" else "left"}">{paragraphs}</body></html>'
        )


@cache
def _template(language, kind):
    path = resources.files(routing.template_package(kind)) / "templates" / language / f"{kind}.txt"
    if not path.is_file():
        raise TemplateMissing(f"no {language} template for {kind}")
    subject, separator, body = path.read_text(encoding="utf-8").partition("\n---\n")
    if not separator:
        raise TemplateMissing(f"{language}/{kind}.txt has no '---' line after its subject")
    return subject.strip(), body.strip()


def render(kind, language, values) -> Rendered:
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    subject, body = _template(language, kind)
    values = {**values, **routing.labels_of(kind, language, values)}
    # The subject is one line wherever it is shown (an e-mail header, the inbox list).
    return Rendered(language, one_line(subject.format_map(values)), body.format_map(values))


def listing(lines, language, limit=LISTED):
    """Lines of an e-mail's list ("- subject"), at most `limit`, then how many more there are."""
    shown = [f"- {line}" for line in lines[:limit]]
    if len(lines) > limit:
        shown.append(MORE.get(language, MORE[DEFAULT_LANGUAGE]).format(count=len(lines) - limit))
    return "\n".join(shown)
