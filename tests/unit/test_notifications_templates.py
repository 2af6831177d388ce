"""Rendering notifications (services/notifications/templates.py): the recipient's language with
French as the default, translated labels (declared by the services whose events they are, read
through services/notifications/routing.py), right-to-left HTML for Arabic, escaping of what users
typed, and a clear error for a template that is not there."""

import re
from types import SimpleNamespace

import pytest

from jouda.services.notifications import routing, templates
from jouda.services.notifications.templates import Rendered, TemplateMissing
from jouda.shared.vocabulary import ACTION_TYPES, COUNCIL_ROLES, OBJECTIVE_STATUSES, SEVERITIES

STATUS_CHANGE = {
    "title": "Réduire les délais de paiement",
    "old_status": "on_track",
    "new_status": "off_track",
    "recipient_name": "Salma",
    "link": "https://jouda.example/objectives/1",
}
REMINDER = {
    "item_title": "Réduire les délais",
    "item_kind": "objective",
    "due_date": "2026-12-31",
    "days_left": 7,
    "days_overdue": 7,
    "owner_name": "Karim",
    "recipient_name": "Salma",
    "link": "https://jouda.example/items/1",
}
PUBLISHED = {
    "title": "Politique qualité",
    "version": 3,
    "council": "Fès-Meknès",
    "recipient_name": "Salma",
    "link": "https://jouda.example/policies/1",
}


def html_tag(html):
    return re.search(r"<html[^>]*>", html).group(0)


# --- direction and language of the HTML ---------------------------------------------------------------


def test_arabic_html_is_right_to_left():
    rendered = templates.render("policy.published", "ar", PUBLISHED)
    assert rendered.language == "ar"
    tag = html_tag(rendered.html)
    assert 'lang="ar"' in tag and 'dir="rtl"' in tag
    assert '<body dir="rtl"' in rendered.html and "text-align: right" in rendered.html
    assert 'dir="ltr"' not in rendered.html
    assert '<meta charset="utf-8">' in rendered.html


def test_french_html_is_left_to_right():
    rendered = templates.render("policy.published", "fr", PUBLISHED)
    tag = html_tag(rendered.html)
    assert 'lang="fr"' in tag and 'dir="ltr"' in tag
    assert '<body dir="ltr"' in rendered.html and "text-align: left" in rendered.html
    assert "rtl" not in rendered.html


def test_the_html_is_a_whole_document():
    page = templates.render("policy.published", "fr", PUBLISHED).html
    assert page.startswith("<!DOCTYPE html><html") and page.endswith("</body></html>")
    assert "<title>Nouvelle politique qualité publiée : Politique qualité (version 3)</title>" in page


def test_paragraphs_and_line_breaks():
    rendered = Rendered("fr", "Sujet", "Premier paragraphe.\n\nAdresse : x\nÉchecs : 5\n\nFin.")
    assert rendered.html.count("<p>") == 3
    assert "<p>Premier paragraphe.</p><p>Adresse : x<br>Échecs : 5</p><p>Fin.</p>" in rendered.html


def test_subject_and_text_are_filled():
    rendered = templates.render("policy.published", "fr", PUBLISHED)
    assert rendered.subject == "Nouvelle politique qualité publiée : Politique qualité (version 3)"
    assert rendered.text.startswith("Bonjour Salma,\n\n")
    assert rendered.text.endswith("Ouvrir dans Jouda : https://jouda.example/policies/1")
    assert "Conseil de la Région Fès-Meknès" in rendered.text


def test_arabic_subject_and_text():
    rendered = templates.render("policy.published", "ar", PUBLISHED)
    assert rendered.subject == "نشر سياسة الجودة الجديدة: Politique qualité (الإصدار 3)"
    assert rendered.text.startswith("السلام عليكم Salma،")
    assert "مجلس جهة Fès-Meknès" in rendered.text


# --- translated labels ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "language,old,new",
    [
        ("fr", "en bonne voie", "hors trajectoire"),
        ("ar", "في المسار الصحيح", "خارج المسار"),
    ],
)
def test_status_labels_are_translated(language, old, new):
    rendered = templates.render("objective.status_changed", language, STATUS_CHANGE)
    assert old in rendered.text and new in rendered.text
    assert "on_track" not in rendered.text and "off_track" not in rendered.text


@pytest.mark.parametrize("language", templates.LANGUAGES)
@pytest.mark.parametrize("code", ["on_track", "at_risk", "off_track", "no_data", "achieved"])
def test_every_status_has_a_label(language, code):
    label = routing.labels_of("objective.status_changed", language, {"new_status": code})["new_status_label"]
    assert label and label != code  # not the code shown as it is: a word was declared
    rendered = templates.render("objective.status_changed", language, {**STATUS_CHANGE, "new_status": code})
    assert label in rendered.text


# The labels the services declare: (service, payload field) -> the codes its words must cover.
LABELLED_CODES = {
    ("gateway", "role"): COUNCIL_ROLES,  # an invitation's
    ("objectives", "old_status"): OBJECTIVE_STATUSES,
    ("objectives", "new_status"): OBJECTIVE_STATUSES,
    ("audits", "severity"): SEVERITIES,  # a nonconformity's
    ("audits", "type"): ACTION_TYPES,  # an action's (the only `type` the audits' templates show)
}


def test_the_labels_follow_the_catalogue():
    # Each service declares the words of the codes its templates show (the objectives' statuses, a
    # nonconformity's severity, an action's type…), in every language; every deadline kind has a name.
    declared = routing.declared()
    assert {(service, field) for service, notices in declared.items() for field in notices.labels} == set(
        LABELLED_CODES
    )
    for language in templates.LANGUAGES:
        for (service, field), codes in LABELLED_CODES.items():
            words = declared[service].labels[field][language]
            assert set(words) == set(codes), (service, field, language)
            assert all(words.values()), (service, field, language)  # a word for each ("correction" is one)
        assert {
            kind for kind, declared_kind in routing.deadline_kinds().items() if language in declared_kind.labels
        } == {
            "objective",
            "policy_review",
            "action",
            "effectiveness_check",
        }


@pytest.mark.parametrize(
    "language,kind,label",
    [
        ("fr", "objective", "objectif qualité"),
        ("fr", "policy_review", "revue de la politique qualité"),
        ("ar", "objective", "هدف الجودة"),
        ("ar", "policy_review", "مراجعة سياسة الجودة"),
    ],
)
@pytest.mark.parametrize("template", ["reminder.due_soon", "reminder.overdue", "reminder.escalated"])
def test_item_kind_labels_are_translated(template, language, kind, label):
    rendered = templates.render(template, language, {**REMINDER, "item_kind": kind})
    assert label in rendered.text
    assert kind not in rendered.text


@pytest.mark.parametrize(
    "language,kind,values,shown",
    [
        ("fr", "nonconformity.opened", {"severity": "major"}, "non-conformité majeure"),
        ("ar", "nonconformity.opened", {"severity": "major"}, "عدم مطابقة كبرى"),
        ("fr", "action.assigned", {"type": "corrective"}, "Une action corrective vous est confiée"),
        ("fr", "action.assigned", {"type": "preventive"}, "Une action préventive vous est confiée"),
        ("ar", "action.assigned", {"type": "corrective"}, "إجراء تصحيحي"),
    ],
)
def test_audits_labels_are_translated(language, kind, values, shown):
    base = {
        "reference": "NC-2026-014",
        "nonconformity_reference": "NC-2026-014",
        "title": "Évaluation des fournisseurs",
        "clause": "8.4.1",
        "due_date": "2026-06-30",
        "recipient_name": "Salma",
        "link": "https://jouda.example/nonconformities/1",
    }
    rendered = templates.render(kind, language, {**base, **values})
    assert shown in rendered.subject + "\n" + rendered.text


def test_an_unknown_code_is_shown_as_it_is():
    assert routing.labels_of("objective.status_changed", "fr", {"new_status": "paused", "item_kind": "audit"}) == {
        "new_status_label": "paused",
        "item_kind_label": "audit",
    }


def test_labels_only_for_what_the_payload_has():
    assert routing.labels_of("objective.status_changed", "fr", {"title": "x"}) == {}
    assert routing.labels_of("objective.status_changed", "ar", {"old_status": "at_risk"}) == {
        "old_status_label": "معرض للخطر"
    }


def test_a_kind_gets_the_labels_of_the_service_that_declares_it():
    # Labels are the declaring service's: a policy event's `new_status` would not take the objectives' words.
    assert routing.labels_of("policy.published", "fr", {"new_status": "at_risk"}) == {}


# --- languages ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es", "", None, "AR", "fr-FR"])
def test_an_unknown_language_falls_back_to_french(language):
    rendered = templates.render("policy.published", language, PUBLISHED)
    assert rendered.language == "fr"
    assert rendered.subject.startswith("Nouvelle politique qualité publiée")
    assert 'lang="fr"' in rendered.html


def test_french_is_the_default():
    assert templates.DEFAULT_LANGUAGE == "fr" and set(templates.LANGUAGES) == {"fr", "ar"}


# --- escaping ----------------------------------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script> & <b>gras</b>'


@pytest.mark.parametrize("language", templates.LANGUAGES)
def test_html_escapes_what_users_typed(language):
    rendered = templates.render("policy.published", language, {**PUBLISHED, "title": HOSTILE})
    assert HOSTILE in rendered.text and HOSTILE in rendered.subject  # the text part is plain text
    page = rendered.html
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;gras&lt;/b&gt;" in page
    title = re.search(r"<title>(.*)</title>", page).group(1)
    assert "&lt;script&gt;" in title


def test_a_comment_with_markup_and_newlines_is_escaped():
    values = {
        "title": "Politique",
        "version": 2,
        "comment": "Ligne 1 <img src=x onerror=alert(1)>\nLigne 2",
        "recipient_name": "Salma",
        "link": "https://jouda.example/p",
    }
    page = templates.render("policy.changes_requested", "fr", values).html
    assert "<img" not in page
    assert "Ligne 1 &lt;img src=x onerror=alert(1)&gt;<br>Ligne 2" in page


def test_braces_in_values_are_not_formatted_again():
    rendered = templates.render("policy.published", "fr", {**PUBLISHED, "title": "{council} {0} {__class__}"})
    assert "« {council} {0} {__class__} »" in rendered.text


# --- missing templates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", templates.LANGUAGES)
def test_a_missing_template_raises(language):
    with pytest.raises(TemplateMissing, match=f"no {language} template for audit.scheduled"):
        templates.render("audit.scheduled", language, {})


def test_template_missing_is_a_lookup_error():
    assert issubclass(TemplateMissing, LookupError)


@pytest.fixture
def template_folder(tmp_path, monkeypatch):
    """Templates read from tmp_path instead of the package (the cache is emptied around the test)."""
    (tmp_path / "templates" / "fr").mkdir(parents=True)
    monkeypatch.setattr(templates, "resources", SimpleNamespace(files=lambda package: tmp_path))
    templates._template.cache_clear()
    yield tmp_path / "templates" / "fr"
    templates._template.cache_clear()


def test_a_template_without_its_separator_raises(template_folder):
    (template_folder / "broken.txt").write_text("Sujet\nCorps sans séparateur\n", encoding="utf-8")
    with pytest.raises(TemplateMissing, match="has no '---' line"):
        templates.render("broken", "fr", {})


def test_a_template_file_is_subject_separator_body(template_folder):
    (template_folder / "tiny.txt").write_text("  Bonjour {name}  \n---\n\nCorps {name}.\n\n", encoding="utf-8")
    rendered = templates.render("tiny", "ar-unknown", {"name": "Salma"})
    assert (rendered.language, rendered.subject, rendered.text) == ("fr", "Bonjour Salma", "Corps Salma.")
