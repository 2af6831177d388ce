"""The quality policy's pages, driven as a browser without JavaScript would: the quality manager
writes and publishes it, the director approves it, staff acknowledge it."""

import pytest

from tests.integration.conftest import eventually

pytestmark = pytest.mark.integration

CONTENT = {
    "title": "Politique Qualité",
    "body": "# Politique Qualité\n\nNotre engagement.",
    "orientations": [{"code": "OS1", "title": "Renforcer la qualité des services publics régionaux"}],
    "commitments": ["Garantir la conformité aux exigences légales et réglementaires applicables."],
}
FORM = {
    "title": "Politique Qualité 2026",
    "language": "fr",
    "signatory": "Directeur Général des Services",
    "orientations": "OS1: Renforcer la qualité des services publics régionaux\nOptimiser la gouvernance",
    "commitments": "Garantir la conformité.\n\nAméliorer la satisfaction des citoyens.",
    "body": "# Politique Qualité\n\nNotre **engagement** envers les citoyens.",
}


@pytest.fixture
def browser(pages_as):
    """A browser signed in as the council's person of the role, its pages in English."""

    def signed_in(council, role):
        opened = pages_as(council, role)
        opened.get("/language/en")
        return opened

    return signed_in


def _versions(client, council):
    return client.as_(council.tokens["quality_manager"]).get("/api/v1/policies").json()


def _written_and_submitted(client, council):
    manager = client.as_(council.tokens["quality_manager"])
    version = manager.post("/api/v1/policies", CONTENT).json()
    assert manager.post(f"/api/v1/policies/{version['id']}/submit").status == 200
    return version


def test_written_approved_published_and_acknowledged_through_the_pages(client, council, browser):
    manager = browser(council, "quality_manager")
    saved = manager.post("/policy/new", {**FORM, "intent": "save"})
    assert saved.status == 200 and saved.has("Saved.", "Politique Qualité 2026", "Submit for review"), saved
    (version,) = _versions(client, council)["items"]
    assert [o["code"] for o in version["orientations"]] == ["OS1", "OS2"]
    assert version["commitments"] == ["Garantir la conformité.", "Améliorer la satisfaction des citoyens."]
    path = f"/policy/versions/{version['id']}"

    assert manager.post(path, {"action": "submit", "comment": "Pour validation."}).has("In review")
    director = browser(council, "director")
    approved = director.post(path, {"action": "approve", "comment": "Bon pour accord."})
    assert approved.has("Approved", "Bon pour accord."), approved
    assert manager.post(path, {"action": "publish"}).status == 200
    # Its history names who took each step, for the director too (who may not list the council's people).
    assert director.get(path).has(
        f"quality_manager0@{council.code}.example (Quality manager)", f"director1@{council.code}.example (Director)"
    )
    api = client.as_(council.tokens["staff"])
    assert api.get(f"/api/v1/policies/{version['id']}").json()["status"] == "published"

    staff = browser(council, "staff")
    shown = staff.get("/policy")
    assert shown.has(
        "Politique Qualité 2026", "<strong>engagement</strong>", "I have read this policy and acknowledge it"
    )
    assert shown.has("Directeur Général des Services", "Approved by the director on")
    acknowledged = staff.post("/policy", {"version": version["id"]})
    assert acknowledged.has("You acknowledged this policy on"), acknowledged
    assert not acknowledged.has("I have read this policy and acknowledge it")
    later = staff.get("/policy")  # a visit another day: the page remembers, the button stays away
    assert later.has("You acknowledged this policy on") and not later.has("I have read this policy and")
    again = api.post(f"/api/v1/policies/{version['id']}/acknowledgements")
    assert (again.status, again.error_code) == (409, "already_acknowledged")

    def rate_shown():
        summary = api.get(f"/api/v1/policies/{version['id']}/acknowledgements/summary").json()
        assert summary["acknowledgements"] == 1
        page = director.get("/policy/versions")
        return page.has(f"1 of {summary['active_users']} active people have acknowledged it.")

    eventually(rate_shown, message="the acknowledgement rate on /policy/versions")


def test_sending_back_without_a_comment_is_refused_and_a_typed_comment_kept(client, council, browser):
    version = _written_and_submitted(client, council)
    path = f"/policy/versions/{version['id']}"
    director = browser(council, "director")

    refused = director.post(path, {"action": "request-changes", "comment": ""})
    assert refused.status == 200 and refused.has('class="refused"', "a comment is required"), refused

    kept = director.post(path, {"action": "publish", "comment": "Mon commentaire gardé"})
    assert kept.has('class="refused"', ">Mon commentaire gardé</textarea>"), kept
    api = client.as_(council.tokens["quality_manager"])
    assert api.get(f"/api/v1/policies/{version['id']}").json()["status"] == "in_review"


def test_preview_and_a_refused_save_keep_the_text_and_save_nothing(client, council, browser):
    manager = browser(council, "quality_manager")
    preview = manager.post("/policy/new", {**FORM, "intent": "preview"})
    assert preview.has("Preview (not saved)", "<strong>engagement</strong>", 'value="Politique Qualité 2026"'), preview

    refused = manager.post("/policy/new", {**FORM, "title": "", "intent": "save"})
    assert refused.has('class="field-error"', "Notre **engagement** envers les citoyens."), refused
    assert _versions(client, council)["total"] == 0


def test_another_councils_version_is_not_found(client, council, other_council, browser):
    theirs = _written_and_submitted(client, other_council)
    assert browser(council, "director").get(f"/policy/versions/{theirs['id']}").status == 404


def test_staff_cannot_open_the_editor(council, browser):
    assert browser(council, "staff").get("/policy/new").status == 403


def test_the_policy_page_in_arabic_is_right_to_left(council, pages_as):
    staff = pages_as(council, "staff", language="ar")
    staff.get("/language/ar")
    page = staff.get("/policy")
    assert page.status == 200 and page.has('lang="ar" dir="rtl"'), page


def test_a_published_version_is_revised_and_the_new_draft_edited(client, council, browser):
    version = _written_and_submitted(client, council)
    director = client.as_(council.tokens["director"])
    manager_api = client.as_(council.tokens["quality_manager"])
    assert director.post(f"/api/v1/policies/{version['id']}/approve").status == 200
    assert manager_api.post(f"/api/v1/policies/{version['id']}/publish").status == 200

    manager = browser(council, "quality_manager")
    editor = manager.post(f"/policy/versions/{version['id']}", {"intent": "revise"})
    assert editor.has("Edit version 2", "OS1: Renforcer la qualité des services publics régionaux"), editor
    (draft,) = manager_api.get("/api/v1/policies?status=draft").json()["items"]
    fields = {
        "title": "Politique Qualité, révision",
        "language": "fr",
        "orientations": "OS1: Renforcer la qualité des services publics régionaux",
        "commitments": "Garantir la conformité.",
        "body": "Texte révisé.",
        "intent": "save",
    }
    assert manager.post(f"/policy/versions/{draft['id']}/edit", fields).has("Saved.", "Politique Qualité, révision")
    revised = manager_api.get(f"/api/v1/policies/{draft['id']}").json()
    assert (revised["version"], revised["status"], revised["body"]) == (2, "draft", "Texte révisé.")
    assert manager_api.get(f"/api/v1/policies/{version['id']}").json()["status"] == "published"
