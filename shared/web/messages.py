"""The messages of a folder's pages, extracted from its templates and Python code (Babel), and its
catalogues brought in step: `python -m jouda.shared.web.messages [folder ...]` adds what is new to
every `web/locale/<lang>.po` (empty, for a translator to fill) and drops what no page uses any more.
The unit tests check that every message has its French and Arabic translation."""

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

from jouda.shared.web.i18n import LANGUAGES, SHARED_FOLDER, catalogue_path, catalogue_paths, read_catalogue, web_folders

KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}
JINJA = "jinja2.ext:babel_extract"
OPTIONS = {"**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}


def sources(folder) -> tuple:
    """(root, method map) of where a web folder's messages are used: the shared folder's templates and
    modules, or a service's templates (in web/) and its modules."""
    folder = Path(folder)
    if folder == SHARED_FOLDER:
        return folder, [("templates/**.html", JINJA), ("*.py", "python")]
    return folder.parent, [("web/templates/**.html", JINJA), ("*.py", "python")]


def extracted(folder) -> dict:
    """{msgid: [(file, line)]} of the messages `folder`'s pages use."""
    root, method_map = sources(folder)
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        root, method_map, options_map=OPTIONS, keywords=KEYWORDS
    ):
        key = message if isinstance(message, str) else message[0]
        if key:
            found.setdefault(key, []).append((filename, lineno))
    return found


def update(folder):
    messages = extracted(folder)
    for language in LANGUAGES:
        path = catalogue_path(folder, language)
        known = {}  # every translation the folder holds, in any of its catalogues of this language
        for found in catalogue_paths(folder, language):
            known.update({m.id: m.string for m in read_catalogue(found, language) if m.id and m.string})
        catalogue = Catalog(locale=language, project="Jouda", fuzzy=False)
        for msgid, places in sorted(messages.items()):
            catalogue.add(msgid, known.get(msgid, ""), locations=places)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as file:
            write_po(file, catalogue, width=0, omit_header=False, sort_output=True)
    return len(messages)


def main(argv):
    folders = [Path(a).resolve() for a in argv] or web_folders()
    for folder in folders:
        print(f"{folder}: {update(folder)} messages")


if __name__ == "__main__":
    main(sys.argv[1:])
