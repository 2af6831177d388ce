"""The nonconformities' and actions' pages on the running platform: a major nonconformity taken
through its forms to a verified closure by the people each step belongs to, a member of staff's
report, and what a page shows to another council, to a role without access and in Arabic."""

from datetime import timedelta

import pytest

from tests.integration.conftest import known_to
from jouda.shared.clock import local_today

pytestmark = pytest.mark.integration

TODAY = local_today()
DUE = (TODAY + timedelta(days=10)).isoformat()


def in_english(pages_as, council, role):
    """A browser signed in as the role, reading English (a person's own language, French, would win)."""
    browser = pages_as(council, role)
    browser.get("/language/en")
    return browser


def ok(reply, status=200):
    assert reply.status == status, reply
    return reply.json()


def new_process(client, council, database_of):
    known_to(database_of, "audits", council)
    body = {
        "code": "OP-01",
        "name": "Accueil et orientation des citoyens",
        "type": "operational",
        "owner_id": council.users["process_owner"],
        "clauses": ["8.2"],
    }
    return ok(client.as_(council.tokens["quality_manager"]).post("/api/v1/processes", body), 201)


def raised(client, council, process, severity="major"):
    body = {
        "process_id": process["id"],
        "clause": "8.2.1",
        "severity": severity,
        "title": "Demandes non enregistrées",
        "description": "Trois demandes reçues au guichet n'ont pas de numéro d'ordre.",
        "source": "internal_audit",
    }
    return ok(client.as_(council.tokens["quality_manager"]).post("/api/v1/nonconformities", body), 201)


def state_of(client, council, item):
    return ok(client.as_(council.tokens["quality_manager"]).get(f"/api/v1/nonconformities/{item['id']}"))


def test_a_major_nonconformity_goes_through_its_pages_to_a_verified_closure(client, council, pages_as, database_of):
    item = raised(client, council, new_process(client, council, database_of))
    path = f"/nonconformities/{item['id']}"
    owner = in_english(pages_as, council, "process_owner")

    page = owner.get(path)
    assert page.status == 200 and page.has(item["reference"], "Contain: the immediate correction")
    assert not page.has("Approve the action plan", "Schedule the effectiveness check")
    page = owner.post(path, {"step": "contain", "containment": "Numéros attribués aux trois demandes."})
    assert page.has("Saved.") and state_of(client, council, item)["state"] == "contained"

    # A five-whys analysis with one why is refused beside its field, and what was typed stays.
    page = owner.post(
        path,
        {"step": "analyse", "root_cause": "Registre papier saturé.", "method": "five_whys", "why_1": "Pas de place"},
    )
    assert page.has("At least two answers.", "Registre papier saturé.", 'value="Pas de place"')
    assert state_of(client, council, item)["state"] == "contained"
    owner.post(
        path,
        {
            "step": "analyse",
            "root_cause": "Registre papier saturé.",
            "method": "five_whys",
            "why_1": "Pas de place dans le registre",
            "why_2": "Aucun registre de rechange commandé",
        },
    )
    analysed = state_of(client, council, item)
    assert (analysed["state"], len(analysed["whys"])) == ("analysed", 2)

    owner.post(
        path,
        {
            "step": "add_action",
            "action_type": "corrective",
            "action_title": "Registre électronique au guichet",
            "owner_id": council.users["process_owner"],
            "due_date": DUE,
        },
    )
    owner.post(path, {"step": "plan"})
    [action] = state_of(client, council, item)["actions"]
    assert state_of(client, council, item)["state"] == "action_planned"

    director = in_english(pages_as, council, "director")
    assert director.get(path).has("Approve the action plan")
    director.post(path, {"step": "approve_plan"})
    assert state_of(client, council, item)["plan_approved_by"] == council.users["director"]

    # The owner takes the action through its steps on their actions page.
    actions = owner.get("/actions")
    assert actions.has("Your actions", "Registre électronique au guichet", "Start")
    owner.post("/actions", {"action_id": action["id"], "action_step": "start"})
    refused = owner.post("/actions", {"action_id": action["id"], "action_step": "complete", "note": ""})
    assert refused.has("Required for this step.")
    owner.post("/actions", {"action_id": action["id"], "action_step": "complete", "note": "Registre en service."})
    assert state_of(client, council, item)["actions"][0]["state"] == "done"
    owner.post(path, {"step": "implement"})
    assert state_of(client, council, item)["state"] == "implemented"

    # The quality manager schedules the check with someone who owned no action; they verify it.
    manager_api = client.as_(council.tokens["quality_manager"])
    ok(manager_api.request("PUT", "/api/v1/audit-settings", {"effectiveness_delay_days": 0}))
    manager = in_english(pages_as, council, "quality_manager")
    page = manager.get(path)
    assert page.has("Schedule the effectiveness check")
    refused = manager.post(
        path,
        {"step": "schedule_check", "check_due_on": TODAY.isoformat(), "verifier_id": council.users["process_owner"]},
    )
    assert refused.has("The effectiveness is checked by someone who owned none of its actions")
    manager.post(
        path, {"step": "schedule_check", "check_due_on": TODAY.isoformat(), "verifier_id": council.users["auditor"]}
    )
    assert state_of(client, council, item)["state"] == "effectiveness_check"

    auditor = in_english(pages_as, council, "auditor")
    assert auditor.get(path).has("Verify the effectiveness")
    refused = auditor.post(path, {"step": "verify", "effective": "no", "verify_comment": ""})
    assert refused.has("Required.") and state_of(client, council, item)["state"] == "effectiveness_check"
    auditor.post(path, {"step": "verify", "effective": "yes", "verify_comment": "Plus aucune demande sans numéro."})
    closed = state_of(client, council, item)
    assert (closed["state"], closed["first_time_effective"]) == ("closed", True)
    assert manager.get("/nonconformities?state=closed").has(item["reference"], "Closed")


def test_a_member_of_staff_reports_a_nonconformity(client, council, pages_as, database_of):
    process = new_process(client, council, database_of)
    staff = in_english(pages_as, council, "staff")
    form = staff.get("/nonconformities/new")
    assert form.status == 200 and 'name="source"' not in form.text  # staff report as staff do
    page = staff.post(
        "/nonconformities/new",
        {
            "process_id": process["id"],
            "clause": "8.2.1",
            "severity": "minor",
            "title": "Affichage des horaires erroné",
            "description": "Les horaires affichés à l'entrée ne sont pas ceux du guichet.",
        },
    )
    assert page.has("Created.", "Affichage des horaires erroné")
    [reported] = ok(client.as_(council.tokens["quality_manager"]).get("/api/v1/nonconformities"))["items"]
    assert (reported["source"], reported["severity"]) == ("staff_report", "minor")
    assert 'name="source"' in in_english(pages_as, council, "quality_manager").get("/nonconformities/new").text


def test_a_refused_report_keeps_what_was_typed(client, council, pages_as, database_of):
    new_process(client, council, database_of)
    staff = in_english(pages_as, council, "staff")
    page = staff.post("/nonconformities/new", {"title": "Titre gardé", "description": "Texte gardé", "severity": ""})
    assert page.has("Some fields need correcting", 'value="Titre gardé"', "Texte gardé")
    assert ok(client.as_(council.tokens["quality_manager"]).get("/api/v1/nonconformities"))["total"] == 0


def test_other_councils_roles_without_access_and_arabic(client, council, other_council, pages_as, database_of):
    item = raised(client, other_council, new_process(client, other_council, database_of))
    manager = in_english(pages_as, council, "quality_manager")
    assert manager.get(f"/nonconformities/{item['id']}").status == 404

    staff = in_english(pages_as, council, "staff")
    assert staff.get("/nonconformities/register").status == 403
    assert staff.get("/nonconformities/suggestions").status == 403
    assert "/nonconformities/register" not in staff.get("/nonconformities").text

    register = in_english(pages_as, other_council, "director").get("/nonconformities/register")
    assert register.status == 200 and register.has(item["reference"], "/api/v1/nonconformities/register?format=csv")

    arabic = pages_as(other_council, "process_owner", language="ar")
    arabic.get("/language/ar")
    page = arabic.get(f"/nonconformities/{item['id']}")
    assert page.status == 200 and 'dir="rtl"' in page.text and item["reference"] in page.text
