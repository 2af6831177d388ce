"""Every message of every page is translated into French and Arabic, with the same placeholders."""

import re

import pytest

from jouda.shared.web import messages
from jouda.shared.web.i18n import translations, web_folders

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
FOLDERS = web_folders()


@pytest.mark.parametrize("folder", FOLDERS, ids=[str(f.relative_to(f.parents[2])) for f in FOLDERS])
@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_message_is_translated(folder, language):
    catalogue = translations(language, folder)
    untranslated, broken = [], []
    for msgid in messages.extracted(folder):
        text = catalogue.gettext(msgid)
        if msgid not in catalogue._catalog:  # no entry with a text ("Audit" may well stay "Audit")
            untranslated.append(msgid)
        elif set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(msgid)):
            broken.append((msgid, text))
    assert not untranslated, f"{len(untranslated)} messages of {folder} lack their {language} text: {untranslated[:10]}"
    assert not broken, f"placeholders differ: {broken[:5]}"


def test_the_shared_folder_and_every_service_with_pages_have_catalogues():
    names = {folder.parent.name for folder in FOLDERS}
    assert {"shared", "gateway"} <= names
