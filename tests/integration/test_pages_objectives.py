"""The objectives' web pages driven as a browser without JavaScript would: the quality manager sets an
objective and its indicator through the forms, a process owner reports a value and the dashboard
shows it, a correction without a reason is refused with what was typed kept, and the pages keep to
the council and the roles the API does."""

import pytest

from jouda.shared import periods
from jouda.shared.clock import local_today
from jouda.shared.schema_fields import years_from
from tests.integration.conftest import eventually

pytestmark = pytest.mark.integration

POLICY = {
    "title": "Politique Qualité",
    "orientations": [
        {"code": "OS1", "title": "Renforcer la qualité des services publics"},
        {"code": "OS2", "title": "Optimiser la gouvernance"},
    ],
}


def publish_policy(client, council):
    manager = client.as_(council.tokens["quality_manager"])
    director = client.as_(council.tokens["director"])
    version = manager.post("/api/v1/policies", POLICY).json()
    for who, action in ((manager, "submit"), (director, "approve"), (manager, "publish")):
        assert who.post(f"/api/v1/policies/{version['id']}/{action}").status == 200


def objective_fields(council, **changes):
    return {
        "title": "Satisfaction des usagers",
        "orientation_code": "OS1",
        "owner_id": council.users["process_owner"],
        "due_date": years_from(local_today(), 1).isoformat(),
        "description": "Mieux *servir* les usagers.",
        "evaluation_method": "Revue de direction semestrielle",
        "resources": "Cellule qualité",
        **changes,
    }


def indicator_fields(council, **changes):
    return {
        "name": "Taux de satisfaction",
        "unit": "%",
        "direction": "increase",
        "baseline": "60",
        "amber_threshold": "70",
        "target": "80",
        "frequency": "monthly",
        "owner_id": council.users["process_owner"],
        **changes,
    }


def browser_of(pages_as, council, role, language="en"):
    """Signed in, pages in `language` (chosen on the page: it wins over the person's own)."""
    browser = pages_as(council, role)
    browser.get(f"/language/{language}")
    return browser


def current_month():
    return str(periods.containing(local_today(), periods.MONTHLY))


def ready_indicator(client, council):
    """An objective and its indicator set through the API (once the orientations and people arrived)."""
    publish_policy(client, council)
    manager = client.as_(council.tokens["quality_manager"])
    objective = eventually(
        lambda: (r := manager.post("/api/v1/objectives", objective_fields(council))).status == 201 and r.json(),
        message="objective accepted",
    )
    body = {**indicator_fields(council), "baseline": 60, "amber_threshold": 70, "target": 80}
    reply = manager.post(f"/api/v1/objectives/{objective['id']}/indicators", body)
    assert reply.status == 201, reply
    return objective, reply.json()


def test_the_quality_manager_sets_an_objective_and_its_indicator_through_the_forms(client, council, pages_as):
    publish_policy(client, council)
    browser = browser_of(pages_as, council, "quality_manager")
    form = eventually(lambda: (p := browser.get("/objectives/new")).has('value="OS1"') and p, message="orientations")
    assert form.status == 200 and form.has("Renforcer la qualité des services publics")

    created = browser.post("/objectives/new", objective_fields(council))
    assert created.status == 200 and created.has("Satisfaction des usagers", "Created.")
    manager = client.as_(council.tokens["quality_manager"])
    [objective] = manager.get("/api/v1/objectives").json()["items"]
    assert (objective["orientation_code"], objective["owner_id"]) == ("OS1", council.users["process_owner"])

    added = browser.post(f"/objectives/{objective['id']}/indicators/new", indicator_fields(council, target="85,5"))
    assert added.status == 200 and added.has("Taux de satisfaction", "Created.")
    [indicator] = manager.get(f"/api/v1/objectives/{objective['id']}").json()["indicators"]
    assert (indicator["target"], indicator["unit"], indicator["start_period"]) == (85.5, "%", current_month())

    closed = browser.post(f"/objectives/{objective['id']}", {"action": "achieve"})
    assert closed.status == 200 and manager.get(f"/api/v1/objectives/{objective['id']}").json()["state"] == "achieved"
    browser.post(f"/objectives/{objective['id']}", {"action": "reopen"})
    assert manager.get(f"/api/v1/objectives/{objective['id']}").json()["state"] == "active"


def test_a_refused_indicator_and_an_abandon_without_reason_keep_what_was_typed(client, council, pages_as):
    objective, _ = ready_indicator(client, council)
    browser = browser_of(pages_as, council, "quality_manager")
    wrong = browser.post(
        f"/objectives/{objective['id']}/indicators/new",
        indicator_fields(council, name="Délai moyen", amber_threshold="50"),
    )
    assert wrong.status == 200 and wrong.has('class="refused"', 'value="Délai moyen"', 'value="50"')
    abandon = browser.post(f"/objectives/{objective['id']}", {"action": "abandon", "abandon_reason": " "})
    assert abandon.has('class="refused"')
    manager = client.as_(council.tokens["quality_manager"])
    after = manager.get(f"/api/v1/objectives/{objective['id']}").json()
    assert after["state"] == "active" and len(after["indicators"]) == 1


def test_a_process_owner_reports_a_value_and_the_dashboard_shows_it(client, council, pages_as):
    objective, indicator = ready_indicator(client, council)
    owner = browser_of(pages_as, council, "process_owner")
    mine = owner.get("/my-indicators")
    assert mine.status == 200 and mine.has("Taux de satisfaction", f"/indicators/{indicator['id']}")
    director = browser_of(pages_as, council, "director")
    before = director.get("/dashboard")
    assert before.status == 200 and before.has("Taux de satisfaction", "No data")

    reported = owner.post(
        f"/indicators/{indicator['id']}", {"period": current_month(), "value": "82,5", "comment": "Enquête"}
    )
    assert reported.status == 200 and reported.has("Saved.", "82.5")
    values = client.as_(council.tokens["director"]).get(f"/api/v1/indicators/{indicator['id']}/measurements")
    [measurement] = values.json()["items"]
    assert (measurement["period"], measurement["value"]) == (current_month(), 82.5)
    eventually(
        lambda: (page := director.get("/dashboard")).has("82.5", "On track") and "<svg" in page.text,
        message="the dashboard shows the value",
    )
    # Who owns and who reported are named to the director too (only a quality manager lists people).
    seen = director.get(f"/indicators/{indicator['id']}")
    assert seen.has(f"process_owner2@{council.code}.example") and "A council member" not in seen.text


def test_a_correction_without_a_reason_is_refused_and_the_typed_value_kept(client, council, pages_as):
    _, indicator = ready_indicator(client, council)
    owner = browser_of(pages_as, council, "process_owner")
    owner.post(f"/indicators/{indicator['id']}", {"period": current_month(), "value": "75"})
    refused = owner.post(
        f"/indicators/{indicator['id']}",
        {"period": current_month(), "value": "77.25", "correction": "yes", "reason": ""},
    )
    assert refused.status == 200 and refused.has('class="refused"', 'value="77.25"', "checked")
    corrected = owner.post(
        f"/indicators/{indicator['id']}",
        {"period": current_month(), "value": "77.25", "correction": "yes", "reason": "Erreur de saisie"},
    )
    assert corrected.has("Saved.", "Erreur de saisie")
    api = client.as_(council.tokens["process_owner"])
    [measurement] = api.get(f"/api/v1/indicators/{indicator['id']}/measurements").json()["items"]
    assert measurement["value"] == 77.25 and measurement["corrections"][0]["previous_value"] == 75


def test_another_councils_objective_and_indicator_are_not_found(client, council, other_council, pages_as):
    objective, indicator = ready_indicator(client, other_council)
    browser = browser_of(pages_as, council, "quality_manager")
    for path in (
        f"/objectives/{objective['id']}",
        f"/objectives/{objective['id']}/edit",
        f"/indicators/{indicator['id']}",
    ):
        assert browser.get(path).status == 404, path


def test_staff_may_not_set_objectives_and_see_no_link_to(council, pages_as):
    staff = browser_of(pages_as, council, "staff")
    assert staff.get("/objectives/new").status == 403
    listed = staff.get("/objectives")
    assert listed.status == 200 and not listed.has('href="/objectives/new"')


def test_the_quality_manager_changes_the_grace_delay(client, council, pages_as):
    browser = browser_of(pages_as, council, "quality_manager")
    refused = browser.post("/settings/reporting", {"grace_days": "120"})
    assert refused.has('class="refused"', 'value="120"')
    browser.post("/settings/reporting", {"grace_days": "5"})
    settings = client.as_(council.tokens["director"]).get("/api/v1/reporting-settings").json()
    assert settings["grace_days"] == 5


def test_the_dashboard_in_arabic_runs_right_to_left_with_its_charts(client, council, pages_as):
    _, indicator = ready_indicator(client, council)
    owner = client.as_(council.tokens["process_owner"])
    reply = owner.post(f"/api/v1/indicators/{indicator['id']}/measurements", {"period": current_month(), "value": 72})
    assert reply.status == 201, reply
    browser = browser_of(pages_as, council, "director", language="ar")
    page = browser.get("/dashboard")
    assert page.status == 200 and 'dir="rtl"' in page.text and page.text.count("<svg") >= 2
