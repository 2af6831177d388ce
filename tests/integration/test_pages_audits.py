"""The audits' pages on the running platform: the quality manager maps a process and plans an audit
through the forms, the auditor fills the checklist, writes and issues the report; a refused checklist
or plan keeps what was typed; another council's audit is not found; staff cannot plan audits; the
checklist reads right to left in Arabic."""

import re

import pytest

from tests.integration.conftest import known_to
from jouda.shared.clock import local_today

pytestmark = pytest.mark.integration

TODAY = local_today()
MONTH = TODAY.strftime("%Y-%m")


def ok(reply, status=200):
    assert reply.status == status, reply
    return reply.json()


def new_process(client, council, database_of, code="OP-01", owner="process_owner"):
    known_to(database_of, "audits", council)
    manager = client.as_(council.tokens["quality_manager"])
    body = {"code": code, "name": "Accueil des citoyens", "type": "operational", "owner_id": council.users[owner]}
    return ok(manager.post("/api/v1/processes", body), 201)


def planned_audit(client, council, process, clauses=("8.2.1",)):
    manager = client.as_(council.tokens["quality_manager"])
    body = {
        "title": "Audit de l'accueil",
        "process_ids": [process["id"]],
        "clauses": list(clauses),
        "lead_auditor_id": council.users["auditor"],
        "auditee_ids": [council.users["process_owner"]],
        "planned_month": MONTH,
        "planned_start": TODAY.isoformat(),
        "planned_end": TODAY.isoformat(),
    }
    return ok(manager.post("/api/v1/audits", body), 201)


def signed_in(pages_as, council, role, language="en"):
    """A browser of the role reading the pages in `language` (chosen on the page: a person's own
    language, French here, would win over the browser's)."""
    browser = pages_as(council, role, language=language)
    browser.get(f"/language/{language}")
    return browser


def audit_id_of(page):
    found = re.search(r"/audits/([0-9a-f-]{36})/checklist", page.text)
    assert found, page
    return found.group(1)


def test_the_quality_manager_maps_a_process_and_plans_an_audit_through_the_pages(client, council, pages_as):
    manager = signed_in(pages_as, council, "quality_manager")
    page = manager.post(
        "/processes/new",
        {
            "code": "OP-07",
            "name": "Délivrance des autorisations",
            "type": "operational",
            "owner_id": council.users["process_owner"],
            "clauses": ["8.2.1", "8.5.1"],
            "description": "Instruction des demandes.",
        },
    )
    assert page.status == 200 and page.has("OP-07 — Délivrance des autorisations", "Created."), page
    [process] = ok(client.as_(council.tokens["quality_manager"]).get("/api/v1/processes"))["items"]
    assert process["owner_id"] == council.users["process_owner"] and process["clauses"] == ["8.2.1", "8.5.1"]

    page = manager.post(
        "/audits/new",
        {
            "programme_id": "",
            "title": "Audit des autorisations",
            "type": "internal",
            "process_ids": [process["id"]],
            "clauses": ["8.2.1"],
            "planned_month": MONTH,
            "planned_start": TODAY.isoformat(),
            "planned_end": TODAY.isoformat(),
            "lead_auditor_id": council.users["auditor"],
            "auditee_ids": [council.users["process_owner"]],
        },
    )
    assert page.status == 200 and page.has("Audit des autorisations", "Created."), page
    audit = ok(client.as_(council.tokens["auditor"]).get(f"/api/v1/audits/{audit_id_of(page)}"))
    assert audit["lead_auditor_id"] == council.users["auditor"] and audit["state"] == "planned"
    assert audit["process_ids"] == [process["id"]] and audit["programme_id"] is None

    # The auditor finds it first on their home page.
    assert signed_in(pages_as, council, "auditor").get("/audits").has("My audits", "Audit des autorisations")


def test_a_partial_team_is_refused_with_who_and_why_then_planned_with_a_justification(
    client, council, pages_as, database_of
):
    process = new_process(client, council, database_of, owner="auditor")  # the auditor would audit their own process
    manager = signed_in(pages_as, council, "quality_manager")
    fields = {
        "title": "Audit sans recul",
        "process_ids": [process["id"]],
        "planned_month": MONTH,
        "lead_auditor_id": council.users["auditor"],
        "criteria": "Procédure P-01",
    }
    refused = manager.post("/audits/new", fields)
    assert refused.has("Impartiality conflicts", "OP-01 — Accueil des citoyens", "owns the audited process"), refused
    assert refused.has("Procédure P-01") and 'name="impartiality_justification"' in refused.text
    assert ok(client.as_(council.tokens["quality_manager"]).get("/api/v1/audits"))["total"] == 0

    page = manager.post("/audits/new", fields | {"impartiality_justification": "Seul auditeur formé."})
    assert page.has("Created.", "Seul auditeur formé."), page
    audit = ok(client.as_(council.tokens["quality_manager"]).get(f"/api/v1/audits/{audit_id_of(page)}"))
    assert audit["impartiality_justification"] == "Seul auditeur formé."


def test_the_auditor_fills_the_checklist_and_issues_the_report_through_the_pages(
    client, council, pages_as, database_of
):
    audit = planned_audit(client, council, new_process(client, council, database_of))
    auditor = signed_in(pages_as, council, "auditor")
    path = f"/audits/{audit['id']}"

    page = auditor.post(f"{path}/checklist", {"action": "catalogue", "clauses": ["8.2.1"]})
    assert page.has("Saved.", "Checklist questions"), page
    for action in ("submit", "start"):
        page = auditor.post(path, {"action": action})
        assert page.has("Done."), page
    # The auditee is named to the auditor (only a quality manager lists people; the others ask for names).
    assert page.has(f"process_owner2@{council.code}.example") and "Council member" not in page.text, page
    [line] = ok(client.as_(council.tokens["auditor"]).get(f"/api/v1/audits/{audit['id']}/checklist"))["lines"]
    prefix = f"line-{line['id']}-"
    typed = {
        "action": "save",
        "line": [line["id"]],
        prefix + "result": "major_nc",
        prefix + "evidence": "Registre des demandes absent au guichet.",
        prefix + "references": "Registre 2026",
    }

    refused = auditor.post(f"{path}/checklist", typed)
    assert refused.has("A nonconformity needs its finding", "Registre des demandes absent au guichet."), refused
    assert (
        ok(client.as_(council.tokens["auditor"]).get(f"/api/v1/audits/{audit['id']}/checklist"))["lines"][0]["result"]
        == "not_assessed"
    )

    page = auditor.post(f"{path}/checklist", typed | {prefix + "finding": "Demandes non enregistrées."})
    assert page.has("Saved."), page
    page = auditor.post(f"{path}/report", {"action": "write", "summary": "Accueil engagé ; registre à tenir."})
    assert page.has("Saved.", "Accueil engagé"), page
    page = auditor.post(f"{path}/report", {"action": "report"})
    assert page.has("Done.", "Report issued"), page

    manager = client.as_(council.tokens["quality_manager"])
    assert ok(manager.get(f"/api/v1/audits/{audit['id']}"))["state"] == "reported"
    [raised] = ok(manager.get("/api/v1/nonconformities"))["items"]
    assert raised["severity"] == "major"
    report = auditor.get(f"{path}/report")
    assert report.has(f"/api/v1/audits/{audit['id']}/report.html?lang=ar"), report


def test_the_director_approves_the_programme_the_quality_manager_puts_it_in_force(client, council, pages_as):
    manager, director = signed_in(pages_as, council, "quality_manager"), signed_in(pages_as, council, "director")
    page = manager.post("/programmes", {"year": str(TODAY.year), "title": "Programme d'audit"})
    assert page.has("Created.", "Programme d'audit"), page
    [programme] = ok(client.as_(council.tokens["quality_manager"]).get("/api/v1/audit-programmes"))["items"]
    path = f"/programmes/{programme['id']}"
    assert not manager.get(path).has('value="approve"')  # only the director approves

    assert director.post(path, {"action": "approve"}).has("Done.")
    assert manager.post(path, {"action": "put_in_force"}).has("Done.")
    state = ok(client.as_(council.tokens["director"]).get(f"/api/v1/audit-programmes/{programme['id']}"))["state"]
    assert state == "in_force"


def test_another_councils_audit_is_not_found(client, council, other_council, pages_as, database_of):
    theirs = planned_audit(client, other_council, new_process(client, other_council, database_of))
    manager = signed_in(pages_as, council, "quality_manager")
    for path in (f"/audits/{theirs['id']}", f"/audits/{theirs['id']}/checklist"):
        page = manager.get(path)
        assert page.status == 404 and not page.has("Audit de l'accueil"), page


def test_staff_may_not_plan_an_audit(council, pages_as):
    page = signed_in(pages_as, council, "staff").get("/audits/new")
    assert page.status == 403, page


def test_the_checklist_reads_right_to_left_in_arabic(client, council, pages_as, database_of):
    audit = planned_audit(client, council, new_process(client, council, database_of))
    auditor = signed_in(pages_as, council, "auditor", language="ar")
    page = auditor.get(f"/audits/{audit['id']}/checklist")
    assert page.status == 200 and 'dir="rtl"' in page.text and 'lang="ar"' in page.text, page


def test_the_quality_manager_changes_the_effectiveness_delay(client, council, pages_as):
    page = signed_in(pages_as, council, "quality_manager").post("/settings/audits", {"effectiveness_delay_days": "45"})
    assert page.has("Saved."), page
    settings = ok(client.as_(council.tokens["director"]).get("/api/v1/audit-settings"))
    assert settings["effectiveness_delay_days"] == 45
    assert (
        'name="effectiveness_delay_days"' not in signed_in(pages_as, council, "director").get("/settings/audits").text
    )
