"""The audits service over HTTP and AMQP on the real broker and PostgreSQL: a council's improvement
loop end to end (process map, programme, audit with its checklist and report, nonconformities treated
to their effectiveness check), the people each step tells, the deadlines it announces, the ministry's
national figures, the registers as files, and every endpoint's isolation and bad input."""

import csv
from datetime import timedelta
import http.client
import io

import openpyxl

import pytest
from sqlalchemy import func, select, text

from jouda.services.audits import domain, nonconformities as nc
from jouda.shared.clock import local_today
from jouda.shared.events.catalogue import validate_event
from tests.integration.conftest import eventually
from tests.integration.test_metrics_and_cli import sample, scrape
from jouda.services.notifications import domain as notifications
from tests.integration.test_notifications import inbox, make_team, notifications_db, of_kind, team  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("platform")]

TODAY = local_today()
YEAR, MONTH = TODAY.year, TODAY.strftime("%Y-%m")
DUE = (TODAY + timedelta(days=10)).isoformat()  # a due date ahead


def followed(notifications_db, code, kind):  # noqa: F811
    """The deadlines of `kind` the notifications service follows (announced, not cleared)."""
    with notifications_db.transaction(code) as session:
        return set(
            session.scalars(
                select(notifications.TrackedItem.ref_id).where(
                    notifications.TrackedItem.kind == kind, notifications.TrackedItem.handled.is_(False)
                )
            )
        )


def as_(client, member):
    return client.as_(member.token)


def ok(reply, status=200):
    assert reply.status == status, reply
    return reply.json()


def put(client, path, body):
    return client.request("PUT", path, body)


def new_process(client, team, code="OP-01", owner="process_owner", **changes):  # noqa: F811
    body = {
        "code": code,
        "name": "Accueil et orientation des citoyens",
        "type": "operational",
        "owner_id": team.one(owner).user_id,
        "clauses": ["8.2", "9.1.2"],
        **changes,
    }
    return ok(as_(client, team.one("quality_manager")).post("/api/v1/processes", body), 201)


def hand_raised(process, **changes):
    """A nonconformity's body as a person reports it by hand on `process`."""
    return {
        "process_id": process["id"],
        "clause": "8.2.1",
        "severity": "minor",
        "title": "T",
        "description": "D",
        "source": "staff_report",
        **changes,
    }


def planned_audit(client, team, process, **changes):  # noqa: F811
    staff = team.all("staff")[0]
    body = {
        "title": "Audit de l'accueil",
        "process_ids": [process["id"]],
        "clauses": ["8.2.1", "7.5.3"],
        "lead_auditor_id": team.one("auditor").user_id,
        "auditee_ids": [team.one("process_owner").user_id, staff.user_id],
        "planned_month": MONTH,
        "planned_start": TODAY.isoformat(),
        "planned_end": TODAY.isoformat(),
        **changes,
    }
    return ok(as_(client, team.one("quality_manager")).post("/api/v1/audits", body), 201)


def reported(client, team, process):  # noqa: F811
    """An audit through its report with one major and one minor nonconformity line."""
    audit = planned_audit(client, team, process)
    auditor = as_(client, team.one("auditor"))
    path = f"/api/v1/audits/{audit['id']}"
    lines = ok(auditor.post(f"{path}/checklist/from", {"source": "catalogue"}))["lines"]
    ok(auditor.post(f"{path}/submit"))
    ok(auditor.post(f"{path}/start"))
    results = {"8.2.1": ("major_nc", "Demandes non enregistrées."), "7.5.3.1": ("minor_nc", "Deux versions affichées.")}
    changes = [
        {
            "id": line["id"],
            "result": results.get(line["clause"], ("conforming",))[0],
            "finding": results.get(line["clause"], (None, None))[1],
        }
        for line in lines
    ]
    ok(put(auditor, f"{path}/checklist", {"lines": changes}))
    ok(put(auditor, f"{path}/report", {"summary": "Accueil engagé ; enregistrement à maîtriser."}))
    ok(auditor.post(f"{path}/report"))
    return audit


def test_the_improvement_loop_tells_each_person_their_part(client, team, smtp, event_tap, notifications_db):  # noqa: F811
    manager, director = as_(client, team.one("quality_manager")), as_(client, team.one("director"))
    owner, staff = team.one("process_owner"), team.all("staff")[0]
    process = new_process(client, team)
    programme = ok(manager.post("/api/v1/audit-programmes", {"year": YEAR, "title": "Programme"}), 201)
    assert ok(director.post(f"/api/v1/audit-programmes/{programme['id']}/approve"))["state"] == "approved"
    assert ok(manager.post(f"/api/v1/audit-programmes/{programme['id']}/put-in-force"))["state"] == "in_force"

    audit = reported(client, team, process)
    # The auditees were sent the plan; the director hears of the major nonconformity.
    eventually(lambda: of_kind(client, owner, "audit.prepared") and of_kind(client, staff, "audit.prepared"))
    assert of_kind(client, team.one("director"), "audit.prepared") == []
    [opened] = eventually(lambda: of_kind(client, team.one("director"), "nonconformity.opened"))
    report = ok(manager.get(f"/api/v1/audits/{audit['id']}/report"))
    items = {n["severity"]: n for n in report["nonconformities"]}
    assert opened["link"].endswith(f"/nonconformities/{items['major']['id']}")
    printable = manager.get(f"/api/v1/audits/{audit['id']}/report.html?lang=ar")
    assert printable.status == 200 and printable.headers["Content-Type"].startswith("text/html")
    assert 'dir="rtl"' in printable.body and "Demandes non enregistrées." in printable.body
    ok(director.post(f"/api/v1/audits/{audit['id']}/close"))

    # The minor one: analysed by the process owner, an action for a member of staff, who is told.
    minor = f"/api/v1/nonconformities/{items['minor']['id']}"
    process_owner = as_(client, owner)
    ok(
        process_owner.post(
            f"{minor}/analyse",
            {
                "root_cause": "Pas de retrait des anciennes versions.",
                "method": "cause_category",
                "cause_category": "method",
            },
        )
    )
    action = ok(
        process_owner.post(
            f"{minor}/actions",
            {"type": "corrective", "title": "Diffusion contrôlée", "owner_id": staff.user_id, "due_date": DUE},
        ),
        201,
    )
    eventually(lambda: of_kind(client, staff, "action.assigned"))
    eventually(lambda: action["id"] in followed(notifications_db, team.code, "action"), message="the action's deadline")
    ok(process_owner.post(f"{minor}/plan"))
    ok(as_(client, staff).post(f"/api/v1/actions/{action['id']}/complete", {"note": "Anciennes fiches retirées."}))
    eventually(
        lambda: action["id"] not in followed(notifications_db, team.code, "action"), message="the deadline cleared"
    )
    ok(process_owner.post(f"{minor}/implement"))
    ok(put(manager, "/api/v1/audit-settings", {"effectiveness_delay_days": 0}))
    check = {"check_due_on": action_day(client, manager, action["id"]), "verifier_id": team.one("auditor").user_id}
    ok(manager.post(f"{minor}/schedule-check", check))
    back = ok(
        as_(client, team.one("auditor")).post(
            f"{minor}/verify", {"effective": False, "comment": "Encore deux versions."}
        )
    )
    assert (back["state"], back["first_time_effective"]) == ("analysed", False)
    eventually(lambda: of_kind(client, team.one("quality_manager"), "effectiveness.verified"))

    # The same process and clause again within twelve months: a recurrence, the quality manager is told.
    again = ok(
        manager.post(
            "/api/v1/nonconformities",
            hand_raised(
                process,
                title="Demande non enregistrée",
                description="Une demande reçue par courrier n'a pas de numéro.",
                source="citizen_complaint",
            ),
        ),
        201,
    )
    assert again["recurrence_of"] == items["major"]["id"]
    eventually(lambda: of_kind(client, team.one("quality_manager"), "nonconformity.recurrence_detected"))

    eventually(lambda: event_tap.events("nonconformity.recurrence_detected", team.code))
    for event in event_tap.events(tenant_id=team.code):
        validate_event(event)
    kinds = {e["type"] for e in event_tap.events(tenant_id=team.code)}
    assert {
        "process.created",
        "audit.planned",
        "audit.prepared",
        "audit.started",
        "audit.reported",
        "audit.closed",
    } <= kinds
    assert {
        "nonconformity.opened",
        "nonconformity.status_changed",
        "action.assigned",
        "action.completed",
        "effectiveness.verified",
    } <= kinds


def test_the_auditees_are_told_when_the_plan_they_were_sent_changes(client, team):  # noqa: F811
    process = new_process(client, team)
    audit = planned_audit(client, team, process)
    auditor, manager = as_(client, team.one("auditor")), as_(client, team.one("quality_manager"))
    ok(auditor.post(f"/api/v1/audits/{audit['id']}/checklist/from", {"source": "catalogue"}))
    ok(auditor.post(f"/api/v1/audits/{audit['id']}/submit"))
    owner = team.one("process_owner")
    eventually(lambda: of_kind(client, owner, "audit.prepared"))
    later = ok(manager.patch(f"/api/v1/audits/{audit['id']}", {"planned_end": DUE}))
    assert later["planned_end"] == DUE
    [told] = eventually(lambda: of_kind(client, owner, "audit.updated"))
    assert told["link"].endswith(f"/audits/{audit['id']}")


def action_day(client, manager, action_id):
    [found] = [a for a in ok(manager.get("/api/v1/actions?limit=200"))["items"] if a["id"] == action_id]
    return found["done_on"]


def test_the_ministry_sees_each_councils_audit_figures_and_the_clauses_that_fail(client, team, ministry_token):  # noqa: F811
    process = new_process(client, team)
    reported(client, team, process)
    ministry = client.as_(ministry_token)

    def row():
        rows = ok(ministry.get(f"/api/v1/ministry/audits?year={YEAR}"))["items"]
        found = [r for r in rows if r["tenant"] == team.code]
        return found and found[0]["open_nonconformities"] == 2 and found[0]

    figures = eventually(row, message="the council's audit figures")
    assert (figures["audits_done"], figures["open_major"], figures["open_minor"]) == (1, 1, 1)
    assert not any("u-" in str(value) for value in figures.values())  # no person in the national view
    clauses = ok(ministry.get("/api/v1/ministry/clauses"))["items"]
    assert {"8.2.1", "7.5.3.1"} <= {row["clause"] for row in clauses}
    as_csv = ministry.get("/api/v1/ministry/clauses?format=csv")
    assert as_csv.status == 200 and "8.2.1" in as_csv.body
    assert as_(client, team.one("quality_manager")).get("/api/v1/ministry/clauses").status == 403


def test_the_registers_download_as_files_without_live_formulas(client, team):  # noqa: F811
    manager = as_(client, team.one("quality_manager"))
    process = new_process(client, team)
    ok(
        manager.post(
            "/api/v1/nonconformities",
            hand_raised(process, title='=HYPERLINK("http://198.51.100.7")', description="Formule dans un titre."),
        ),
        201,
    )
    reply = manager.get("/api/v1/nonconformities/register?format=csv")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(reply.body.lstrip("\ufeff"))))
    assert row["title"].startswith("'=") and row["clause"] == "8.2.1"
    connection = http.client.HTTPConnection("127.0.0.1", client.port, timeout=30)
    connection.request(
        "GET", "/api/v1/nonconformities/register?format=xlsx", headers={"Authorization": f"Bearer {manager.token}"}
    )
    reply = connection.getresponse()
    assert reply.status == 200 and reply.getheader("Content-Disposition").endswith('jouda-nonconformities.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(reply.read())).active
    connection.close()
    header, first = (list(row) for row in sheet.iter_rows(min_row=1, max_row=2, values_only=True))
    assert dict(zip(header, first))["title"].startswith("'=")
    assert as_(client, team.all("staff")[0]).get("/api/v1/nonconformities/register").status == 403


# --- every endpoint: another council's ids are not found, bad input writes nothing ------------------------------


def written(database_of, code):
    with database_of("audits").transaction(code) as session:
        counts = [
            session.scalar(select(func.count()).select_from(cls))
            for cls in (
                domain.Process,
                domain.Audit,
                domain.ChecklistLine,
                nc.Nonconformity,
                nc.Action,
                domain.Transition,
            )
        ]
        counts.append(
            session.execute(text("SELECT count(*) FROM outbox_events WHERE tenant_id = :t"), {"t": code}).scalar()
        )
    return counts


def test_another_councils_ids_are_not_found_on_every_endpoint(client, team, make_team, database_of):  # noqa: F811
    process = new_process(client, team)
    audit = reported(client, team, process)
    manager = as_(client, team.one("quality_manager"))
    programme = ok(manager.post("/api/v1/audit-programmes", {"year": YEAR + 1, "title": "Programme suivant"}), 201)
    items = ok(manager.get("/api/v1/nonconformities"))["items"]
    item = items[0]["id"]
    ok(
        as_(client, team.one("process_owner")).post(
            f"/api/v1/nonconformities/{item}/contain", {"containment": "Registre."}
        )
    )
    action = ok(
        manager.post(
            f"/api/v1/nonconformities/{items[1]['id']}/analyse",
            {"root_cause": "X", "method": "cause_category", "cause_category": "method"},
        )
    )
    action = ok(
        manager.post(
            f"/api/v1/nonconformities/{items[1]['id']}/actions",
            {"type": "correction", "title": "A", "owner_id": team.one("staff").user_id, "due_date": DUE},
        ),
        201,
    )
    line = ok(manager.get(f"/api/v1/audits/{audit['id']}/checklist"))["lines"][0]["id"]
    before = written(database_of, team.code)
    other = make_team()
    outsider = as_(client, other.one("quality_manager"))
    requests = [
        ("GET", f"/api/v1/processes/{process['id']}", None),
        ("PATCH", f"/api/v1/processes/{process['id']}", {"name": "Pris"}),
        ("GET", f"/api/v1/audit-programmes/{programme['id']}", None),
        ("POST", f"/api/v1/audit-programmes/{programme['id']}/put-in-force", None),
        ("GET", f"/api/v1/audits/{audit['id']}", None),
        ("PATCH", f"/api/v1/audits/{audit['id']}", {"title": "Pris"}),
        ("POST", f"/api/v1/audits/{audit['id']}/close", None),
        ("GET", f"/api/v1/audits/{audit['id']}/checklist", None),
        ("PUT", f"/api/v1/audits/{audit['id']}/checklist", {"add": [{"question": "Pris ?"}]}),
        ("POST", f"/api/v1/audits/{audit['id']}/checklist/from", {"source": "catalogue"}),
        ("DELETE", f"/api/v1/audits/{audit['id']}/checklist/{line}", None),
        ("GET", f"/api/v1/audits/{audit['id']}/report", None),
        ("PUT", f"/api/v1/audits/{audit['id']}/report", {"summary": "Pris"}),
        ("GET", f"/api/v1/audits/{audit['id']}/report.html", None),
        ("GET", f"/api/v1/nonconformities/{item}", None),
        ("POST", f"/api/v1/nonconformities/{item}/reject", {"comment": "Pris"}),
        (
            "POST",
            f"/api/v1/nonconformities/{item}/actions",
            {"type": "correction", "title": "A", "owner_id": other.one("staff").user_id, "due_date": DUE},
        ),
        ("POST", f"/api/v1/actions/{action['id']}/cancel", {"comment": "Pris"}),
    ]
    for method, path, body in requests:
        reply = outsider.request(method, path, body)
        assert reply.status == 404, (method, path, reply)
    assert ok(outsider.get("/api/v1/nonconformities"))["total"] == 0
    assert ok(outsider.get("/api/v1/audits"))["total"] == 0
    assert ok(outsider.get("/api/v1/nonconformities/register"))["items"] == []
    assert ok(outsider.get("/api/v1/audit-dashboard"))["open_nonconformities"] == 0
    # Naming this council's process in the other council's audit or nonconformity is bad input there.
    reply = outsider.post("/api/v1/nonconformities", hand_raised(process))
    assert (reply.status, reply.error_code) == (422, "validation_failed")
    assert written(database_of, team.code) == before


BAD = [
    (
        "POST",
        "/api/v1/processes",
        {"code": "op 1", "name": "", "type": "other", "owner_id": "x"},
        {"code", "name", "type"},
    ),
    (
        "POST",
        "/api/v1/processes",
        {"code": "OP-02", "name": "N", "type": "support", "owner_id": "nobody"},
        {"owner_id"},
    ),
    ("POST", "/api/v1/audit-programmes", {"year": "2026", "title": " "}, {"year", "title"}),
    (
        "POST",
        "/api/v1/audits",
        {"title": "A", "process_ids": [], "planned_month": "2026-13"},
        {"process_ids", "planned_month"},
    ),
    ("POST", "/api/v1/audits", {"title": "A", "process_ids": ["nope"], "planned_month": "2026-11"}, {"process_ids"}),
    (
        "POST",
        "/api/v1/nonconformities",
        {"process_id": "x", "clause": "11.1", "severity": "huge", "title": "T", "description": "D", "source": "rumour"},
        {"clause", "severity", "source"},
    ),
    ("PUT", "/api/v1/audit-settings", {"effectiveness_delay_days": -1}, {"effectiveness_delay_days"}),
    (
        "POST",
        "/api/v1/processes",
        {"code": "OP-03", "name": "N\u0000", "type": "support", "owner_id": "x"},
        {"_schema"},
    ),
]


@pytest.mark.parametrize("method,path,body,fields", BAD)
def test_bad_input_gets_a_clear_error_and_writes_nothing(client, team, database_of, method, path, body, fields):  # noqa: F811
    manager = as_(client, team.one("quality_manager"))
    new_process(client, team)
    before = written(database_of, team.code)
    reply = manager.request(method, path, body)
    assert (reply.status, reply.error_code) == (422, "validation_failed"), reply
    assert fields <= set(reply.json()["error"]["details"]), reply
    assert written(database_of, team.code) == before


def test_a_refused_step_says_what_is_missing(client, team, database_of):  # noqa: F811
    process = new_process(client, team)
    audit = planned_audit(client, team, process)
    before = written(database_of, team.code)
    reply = as_(client, team.one("auditor")).post(f"/api/v1/audits/{audit['id']}/submit")
    assert (reply.status, reply.error_code) == (409, "transition_not_allowed")
    assert "checklist" in reply.json()["error"]["details"]
    assert as_(client, team.all("staff")[0]).post(f"/api/v1/audits/{audit['id']}/start").status == 403
    partial = as_(client, team.one("quality_manager")).patch(
        f"/api/v1/audits/{audit['id']}", {"auditee_ids": [team.one("auditor").user_id]}
    )
    assert (partial.status, partial.error_code) == (409, "impartiality_conflict")
    assert partial.json()["error"]["details"]["conflicts"][0]["reason"] == "is also an auditee"
    assert written(database_of, team.code) == before


def test_bad_input_on_an_items_endpoints_writes_nothing(client, team, database_of):  # noqa: F811
    process = new_process(client, team)
    audit = planned_audit(client, team, process)
    manager = as_(client, team.one("quality_manager"))
    item = ok(manager.post("/api/v1/nonconformities", hand_raised(process)), 201)
    before = written(database_of, team.code)
    audit_path, item_path = f"/api/v1/audits/{audit['id']}", f"/api/v1/nonconformities/{item['id']}"
    bad = [
        ("PATCH", f"/api/v1/processes/{process['id']}", {}, "_schema"),
        ("PATCH", f"/api/v1/processes/{process['id']}", {"type": "other"}, "type"),
        ("PATCH", audit_path, {"planned_month": "26-1"}, "planned_month"),
        ("PUT", f"{audit_path}/checklist", {"lines": [{"id": "x", "result": "maybe"}]}, "lines"),
        ("POST", f"{audit_path}/checklist/from", {"source": "guess"}, "source"),
        ("POST", f"{audit_path}/checklist/from", {"source": "catalogue", "clauses": ["11.2"]}, "clauses"),
        ("PUT", f"{audit_path}/report", {"summary": ""}, "summary"),
        ("POST", f"{item_path}/analyse", {"root_cause": "X", "method": "astrology"}, "method"),
        ("POST", f"{item_path}/analyse", {"root_cause": "X", "method": "five_whys", "whys": ["Un seul."]}, "whys"),
        (
            "POST",
            f"{item_path}/actions",
            {"type": "wish", "title": "", "owner_id": "x", "due_date": "0130-01-01"},
            "type",
        ),
        (
            "POST",
            f"{item_path}/actions",
            {"type": "correction", "title": "A", "owner_id": "nobody", "due_date": DUE},
            "owner_id",
        ),
        ("POST", f"{item_path}/reject", {"comment": 12}, "comment"),
    ]
    for method, path, body, field in bad:
        reply = manager.request(method, path, body)
        assert (reply.status, reply.error_code) == (422, "validation_failed"), (method, path, body, reply)
        assert field in reply.json()["error"]["details"], (method, path, reply)
    assert manager.get(f"{audit_path}/report?lang=xx").status == 422
    assert written(database_of, team.code) == before


def test_the_councils_audit_gauges(client, team, settings):  # noqa: F811
    process = new_process(client, team)
    manager = as_(client, team.one("quality_manager"))
    audit = reported(client, team, process)
    items = ok(manager.get("/api/v1/nonconformities"))["items"]
    minor = next(i for i in items if i["severity"] == "minor")
    ok(
        manager.post(
            f"/api/v1/nonconformities/{minor['id']}/analyse",
            {"root_cause": "X", "method": "cause_category", "cause_category": "method"},
        )
    )
    late = (TODAY - timedelta(days=3)).isoformat()
    ok(
        manager.post(
            f"/api/v1/nonconformities/{minor['id']}/actions",
            {"type": "correction", "title": "A", "owner_id": team.one("process_owner").user_id, "due_date": late},
        ),
        201,
    )
    text = scrape(settings)
    assert sample(text, "jouda_audits", tenant=team.code, status="reported") == 1
    assert sample(text, "jouda_audits", tenant=team.code, status="closed") == 0
    assert sample(text, "jouda_nonconformities", tenant=team.code, state="open", severity="major") == 1
    assert sample(text, "jouda_nonconformities", tenant=team.code, state="analysed", severity="minor") == 1
    assert sample(text, "jouda_actions_overdue", tenant=team.code) == 1
    assert audit["id"]
