"""The web app's languages: French (the councils' working language), Arabic (right to left) and
English. Messages are written in English in templates and pages; each folder with pages keeps one
gettext catalogue per language (`web/locale/<lang>.po`), read with Babel when the gateway starts
(no compiled files to keep in step). `python -m jouda.shared.web.messages` adds a folder's new
messages to its catalogues."""

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("fr", "ar", "en")
DEFAULT_LANGUAGE = "fr"
RIGHT_TO_LEFT = frozenset({"ar"})
NAMES = {"fr": "Français", "ar": "العربية", "en": "English"}  # each in its own language

SHARED_FOLDER = Path(__file__).parent


def N_(message):
    """Marks a message for translation where it is declared (a menu, a label table), translated where shown."""
    return message


def web_folders():
    """The shared folder, then every service's `web/` folder, in the platform's order."""
    from jouda import platform

    return [SHARED_FOLDER] + [m.web_folder for m in platform.manifests() if m.web_folder is not None]


def catalogue_path(folder, language) -> Path:
    return Path(folder) / "locale" / f"{language}.po"


def catalogue_paths(folder, language) -> list:
    """Every catalogue of `language` in a folder: `locale/<lang>.po`, and any `locale/<part>/<lang>.po`."""
    return sorted((Path(folder) / "locale").rglob(f"{language}.po"))


def read_catalogue(path, language):
    with open(path, "rb") as file:
        return read_po(file, locale=language)


@cache
def translations(language, own=None) -> Translations:
    """Every folder's catalogue of `language`, merged; where two translate one message differently,
    the `own` folder's (the page's service) wins."""
    folders = web_folders()
    if own is not None:
        folders = [folder for folder in folders if folder != own] + [own]
    merged = Translations()
    for path in [path for folder in folders for path in catalogue_paths(folder, language)]:
        compiled = io.BytesIO()
        write_mo(compiled, read_catalogue(path, language))
        compiled.seek(0)
        merged.merge(Translations(compiled))
    return merged


def best_language(accept_language_header) -> str:
    """The first of the browser's languages Jouda speaks, French otherwise."""
    for part in (accept_language_header or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
