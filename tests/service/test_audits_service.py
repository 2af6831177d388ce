"""AuditsService entrypoints through Nameko's worker_factory on a real SQLite database (the service's
own migrations): processes, programmes, audits with impartiality and checklists, reports raising
nonconformities, their treatment to a verified closure, recurrences, the dashboard and the registers.
Where dates matter, the commands are called with an explicit `today` through the same units of work."""

import json
from datetime import date, timedelta

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import text

from jouda.services.audits import commands, dashboard, treatment
from jouda.services.audits.service import AuditsService
from jouda.shared.clock import local_today
from jouda.shared.errors import Conflict, RoleNotAllowed, ValidationFailed
from jouda.shared.events.catalogue import build_event, validate_event
from tests.service.conftest import Caller, open_service_database, unit_of_work_factory

FES, ORIENTAL = "fes-meknes", "oriental"
PEOPLE = {
    "u-qm": "quality_manager",
    "u-dgs": "director",
    "u-po": "process_owner",
    "u-po2": "process_owner",
    "u-aud": "auditor",
    "u-aud2": "auditor",
    "u-staff": "staff",
}
TODAY = local_today()


@pytest.fixture
def database(tmp_path):
    database = open_service_database("audits", tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def uow_for(database):
    return unit_of_work_factory("audits", database, "u-qm", "quality_manager")


@pytest.fixture
def as_(uow_for):
    def make(user="u-qm", tenant=FES):
        return Caller(AuditsService, uow_for, tenant, user if tenant == FES else f"{user}@{tenant}", PEOPLE[user])

    return make


def add_people(uow_for, tenant):
    for user_id, role in PEOPLE.items():
        user_id = user_id if tenant == FES else f"{user_id}@{tenant}"
        event = build_event(
            "gateway.user_created",
            tenant,
            "admin",
            {
                "user_id": user_id,
                "role": role,
                "active": True,
                "language": "fr",
                "email": f"{user_id.replace('@', '.')}@x.test",
                "name": None,
            },
        )
        worker_factory(AuditsService, uow=uow_for(method="on_user_created")).on_user_created(event)


@pytest.fixture
def council(uow_for, as_):
    add_people(uow_for, FES)
    manager = as_("u-qm")
    reception = manager.create_process(
        {"code": "OP-01", "name": "Accueil des citoyens", "type": "operational", "owner_id": "u-po", "clauses": ["8.2"]}
    )
    purchasing = manager.create_process(
        {"code": "SU-02", "name": "Commande publique", "type": "support", "owner_id": "u-aud2", "clauses": ["8.4"]}
    )
    return {"reception": reception["id"], "purchasing": purchasing["id"]}


def outbox(database, event_type=None):
    with database.engine.connect() as connection:
        rows = connection.execute(text("SELECT envelope FROM outbox_events ORDER BY id")).scalars().all()
    return [e for e in map(json.loads, rows) if event_type is None or e["type"] == event_type]


def plan(caller, process_id, **changes):
    return caller.plan_audit(
        {
            "title": "Audit de l'accueil",
            "process_ids": [process_id],
            "clauses": ["8.2.1", "7.5.3"],
            "lead_auditor_id": "u-aud",
            "team_ids": [],
            "auditee_ids": ["u-po", "u-staff"],
            "planned_month": TODAY.strftime("%Y-%m"),
            "planned_start": TODAY.isoformat(),
            "planned_end": (TODAY + timedelta(days=1)).isoformat(),
            **changes,
        }
    )


def reported_audit(as_, council, results):
    """An audit taken to its report; `results`: clause -> (result, finding)."""
    audit = plan(as_("u-qm"), council["reception"])
    auditor = as_("u-aud")
    auditor.start_checklist_from(audit["id"], {"source": "catalogue"})
    auditor.audit_transition(audit["id"], "submit")
    auditor.audit_transition(audit["id"], "start")
    lines = auditor.get_checklist(audit["id"])["lines"]
    auditor.save_checklist(
        audit["id"],
        {
            "lines": [
                {
                    "id": line["id"],
                    "result": results.get(line["clause"], ("conforming", None))[0],
                    "finding": results.get(line["clause"], (None, None))[1],
                }
                for line in lines
            ]
        },
    )
    auditor.write_report(audit["id"], {"summary": "Processus maîtrisé dans l'ensemble."})
    auditor.audit_transition(audit["id"], "report")
    return audit


# --- processes and programmes ------------------------------------------------------------------------


def test_a_process_owner_change_is_kept_and_published(as_, council, database):
    manager = as_("u-qm")
    changed = manager.update_process(council["reception"], {"owner_id": "u-po2", "name": "Accueil et orientation"})
    assert (changed["owner_id"], changed["name"]) == ("u-po2", "Accueil et orientation")
    [created, *_] = outbox(database, "process.created")
    [updated] = outbox(database, "process.updated")
    validate_event(created) and validate_event(updated)
    assert sorted(updated["payload"]["changed"]) == ["name", "owner_id"]
    with pytest.raises(Conflict) as refused:
        manager.create_process({"code": "OP-01", "name": "Doublon", "type": "support", "owner_id": "u-po"})
    assert refused.value.code == "process_code_exists"
    with pytest.raises(ValidationFailed):
        manager.create_process(
            {"code": "OP-09", "name": "X", "type": "support", "owner_id": "u-po", "clauses": ["11.1"]}
        )
    with pytest.raises(RoleNotAllowed):
        as_("u-po").create_process({"code": "OP-09", "name": "X", "type": "support", "owner_id": "u-po"})


def test_the_programme_is_approved_by_the_director_then_put_in_force(as_, council):
    manager, director = as_("u-qm"), as_("u-dgs")
    programme = manager.create_programme({"year": TODAY.year, "title": "Programme"})
    with pytest.raises(RoleNotAllowed):
        manager.programme_transition(programme["id"], "approve")
    with pytest.raises(Conflict):
        manager.programme_transition(programme["id"], "put_in_force")
    director.programme_transition(programme["id"], "approve")
    with pytest.raises(ValidationFailed):
        director.programme_transition(programme["id"], "send_back", {})  # a comment is required
    in_force = manager.programme_transition(programme["id"], "put_in_force")
    assert in_force["state"] == "in_force"
    assert [step["action"] for step in in_force["history"]] == ["create", "approve", "put_in_force"]
    audit = plan(manager, council["reception"], programme_id=programme["id"])
    assert manager.get_programme(programme["id"])["audits"][0]["id"] == audit["id"]
    with pytest.raises(ValidationFailed):  # an audit of another year is not in this programme
        plan(manager, council["reception"], programme_id=programme["id"], planned_month=f"{TODAY.year + 1}-01")
    with pytest.raises(Conflict):
        manager.create_programme({"year": TODAY.year, "title": "Encore"})


# --- impartiality -----------------------------------------------------------------------------------------


def test_an_auditor_never_audits_a_process_they_own(as_, council):
    manager = as_("u-qm")
    with pytest.raises(Conflict) as refused:
        plan(manager, council["purchasing"], lead_auditor_id="u-aud2")
    assert refused.value.code == "impartiality_conflict"
    assert refused.value.details["conflicts"] == [
        {"user_id": "u-aud2", "process_id": council["purchasing"], "reason": "owns the audited process"}
    ]
    with pytest.raises(Conflict) as refused:  # the lead auditor is an auditee
        plan(manager, council["reception"], auditee_ids=["u-aud"])
    assert refused.value.details["conflicts"][0]["reason"] == "is also an auditee"
    # The quality manager overrides it in writing: kept, and shown in the report.
    audit = plan(
        manager, council["purchasing"], lead_auditor_id="u-aud2", impartiality_justification="Seul auditeur formé."
    )
    assert audit["impartiality_justification"] == "Seul auditeur formé."
    report = manager.report(audit["id"])
    assert report["impartiality"]["conflicts"][0]["user_id"] == "u-aud2"


def test_a_former_owner_is_not_impartial_for_twelve_months(as_, council):
    manager = as_("u-qm")
    manager.update_process(council["purchasing"], {"owner_id": "u-po2"})  # u-aud2 owned it until now
    with pytest.raises(Conflict) as refused:
        plan(manager, council["purchasing"], lead_auditor_id="u-aud2")
    assert refused.value.details["conflicts"][0]["reason"].startswith("owned the audited process until")


def test_a_refused_team_change_leaves_the_audit_as_it_was(as_, council):
    manager = as_("u-qm")
    audit = plan(manager, council["purchasing"])
    with pytest.raises(Conflict):
        manager.update_audit(audit["id"], {"team_ids": ["u-aud2"]})
    assert manager.get_audit(audit["id"])["team_ids"] == []


# --- the audit's life cycle ---------------------------------------------------------------------------------


def test_an_audit_is_prepared_only_with_its_checklist_and_reported_only_when_every_line_is_assessed(
    as_, council, database
):
    manager, auditor, other = as_("u-qm"), as_("u-aud"), as_("u-aud2")
    audit = plan(manager, council["reception"])
    with pytest.raises(Conflict) as refused:
        auditor.audit_transition(audit["id"], "submit")
    assert "checklist" in refused.value.details
    with pytest.raises(RoleNotAllowed):  # not one of this audit's auditors
        other.start_checklist_from(audit["id"], {"source": "catalogue"})
    checklist = auditor.start_checklist_from(audit["id"], {"source": "catalogue", "language": "ar"})
    assert [line["clause"] for line in checklist["lines"]] == ["7.5.3", "7.5.3.1", "7.5.3.2", "8.2.1"]
    assert checklist["lines"][0]["question"].endswith("؟")
    auditor.audit_transition(audit["id"], "submit")
    [prepared] = outbox(database, "audit.prepared")
    assert prepared["payload"]["auditee_ids"] == ["u-po", "u-staff"]
    with pytest.raises(Conflict):  # results wait for the audit to start
        auditor.save_checklist(audit["id"], {"lines": [{"id": checklist["lines"][0]["id"], "result": "conforming"}]})
    auditor.audit_transition(audit["id"], "start")
    lines = checklist["lines"]
    auditor.save_checklist(
        audit["id"],
        {"lines": [{"id": lines[0]["id"], "result": "minor_nc"}, {"id": lines[1]["id"], "result": "conforming"}]},
    )
    with pytest.raises(Conflict) as refused:
        auditor.audit_transition(audit["id"], "report")
    assert refused.value.details["not_assessed"] == [3, 4]
    assert refused.value.details["without_finding"] == [1]
    assert "summary" in refused.value.details
    with pytest.raises(ValidationFailed):  # a line of another audit, or none at all
        auditor.save_checklist(audit["id"], {"lines": [{"id": "nope", "result": "conforming"}]})


def test_a_report_raises_a_nonconformity_per_nonconformity_line(as_, council, database):
    audit = reported_audit(
        as_,
        council,
        {"8.2.1": ("major_nc", "Demandes non enregistrées."), "7.5.3.1": ("minor_nc", "Versions multiples.")},
    )
    manager = as_("u-qm")
    report = manager.report(audit["id"])
    assert sorted(n["severity"] for n in report["nonconformities"]) == ["major", "minor"]
    assert {n["clause"] for n in report["nonconformities"]} == {"8.2.1", "7.5.3.1"}
    assert [group["clause"] for group in report["findings"]] == ["7.5.3.1", "8.2.1"]
    [reported] = outbox(database, "audit.reported")
    assert reported["payload"]["nonconformities"] == 2 and reported["payload"]["results"]["major_nc"] == 1
    assert len(outbox(database, "nonconformity.opened")) == 2
    html = manager.report_document(audit["id"], "ar")
    assert 'dir="rtl"' in html and "تقرير التدقيق" in html
    closed = manager.audit_transition(audit["id"], "close")
    assert closed["state"] == "closed"
    with pytest.raises(Conflict):  # a closed audit's checklist is closed
        as_("u-aud").save_checklist(audit["id"], {"add": [{"question": "Encore ?"}]})


def test_the_report_escapes_what_auditors_type(as_, council):
    audit = reported_audit(as_, council, {"8.2.1": ("major_nc", "<script>alert(1)</script>")})
    html = as_("u-qm").report_document(audit["id"], "fr")
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_starting_from_the_previous_audit_shows_last_times_results(as_, council):
    reported_audit(as_, council, {"8.2.1": ("major_nc", "Demandes non enregistrées.")})
    audit = plan(as_("u-qm"), council["reception"], title="Audit de suivi")
    checklist = as_("u-aud").start_checklist_from(audit["id"], {"source": "previous_audit"})
    by_clause = {line["clause"]: line for line in checklist["lines"]}
    assert by_clause["8.2.1"]["previous_result"] == "major_nc"
    assert by_clause["8.2.1"]["result"] == "not_assessed"


def test_cancelling_needs_a_reason(as_, council):
    manager = as_("u-qm")
    audit = plan(manager, council["reception"])
    with pytest.raises(ValidationFailed):
        manager.audit_transition(audit["id"], "cancel")
    cancelled = manager.audit_transition(audit["id"], "cancel", {"comment": "Réorganisation du service."})
    assert (cancelled["state"], cancelled["cancel_reason"]) == ("cancelled", "Réorganisation du service.")


# --- nonconformities ------------------------------------------------------------------------------------


def raise_by_hand(caller, process_id, severity="minor", clause="8.2.1", source="citizen_complaint"):
    return caller.open_nonconformity(
        {
            "process_id": process_id,
            "clause": clause,
            "severity": severity,
            "title": "Réclamation sans réponse",
            "description": "Une réclamation est restée sans réponse deux mois.",
            "source": source,
        }
    )


def test_staff_report_a_nonconformity_as_a_staff_report_only(as_, council):
    staff = as_("u-staff")
    with pytest.raises(RoleNotAllowed):
        raise_by_hand(staff, council["reception"])
    found = raise_by_hand(staff, council["reception"], source="staff_report")
    assert (found["state"], found["reference"]) == ("open", f"NC-{TODAY.year}-001")


def test_a_second_nonconformity_on_the_same_process_and_clause_is_a_recurrence(as_, council, database):
    manager = as_("u-qm")
    first = raise_by_hand(manager, council["reception"])
    other_clause = raise_by_hand(manager, council["reception"], clause="7.5.3")
    second = raise_by_hand(manager, council["reception"])
    assert other_clause["recurrence_of"] is None
    assert second["recurrence_of"] == first["id"]
    [told] = outbox(database, "nonconformity.recurrence_detected")
    assert (told["payload"]["previous_reference"], told["payload"]["process"]) == (
        first["reference"],
        "Accueil des citoyens",
    )


def treat_to_check(as_, item_id, uow_for, *, done_on, owner="u-po"):
    """Analysed, one action done on `done_on`, implemented; returns the action."""
    process_owner = as_(owner)
    process_owner.nonconformity_transition(
        item_id, "analyse", {"root_cause": "Pas de procédure.", "method": "cause_category", "cause_category": "method"}
    )
    action = process_owner.add_action(
        item_id,
        {"type": "corrective", "title": "Écrire la procédure", "owner_id": "u-po", "due_date": TODAY.isoformat()},
    )
    process_owner.nonconformity_transition(item_id, "plan")
    with uow_for(tenant=FES, user="u-po", role="process_owner")() as uow:
        treatment.action_transition(uow, action["id"], "complete", {"note": "Procédure écrite."}, today=done_on)
    process_owner.nonconformity_transition(item_id, "implement")
    return action


def test_a_nonconformity_is_closed_only_when_its_check_finds_the_actions_effective(as_, council, uow_for, database):
    manager = as_("u-qm")
    item = raise_by_hand(manager, council["reception"])
    done_on = TODAY - timedelta(days=40)
    treat_to_check(as_, item["id"], uow_for, done_on=done_on)
    with pytest.raises(Conflict) as refused:  # the verifier owned an action
        manager.nonconformity_transition(
            item["id"], "schedule_check", {"check_due_on": TODAY.isoformat(), "verifier_id": "u-po"}
        )
    assert refused.value.code == "verifier_owned_an_action"
    with pytest.raises(ValidationFailed):  # sooner than 30 days after the last action
        manager.nonconformity_transition(
            item["id"],
            "schedule_check",
            {"check_due_on": (done_on + timedelta(days=29)).isoformat(), "verifier_id": "u-aud"},
        )
    manager.nonconformity_transition(
        item["id"], "schedule_check", {"check_due_on": TODAY.isoformat(), "verifier_id": "u-aud"}
    )
    with pytest.raises(RoleNotAllowed):  # only the named verifier
        manager.nonconformity_transition(item["id"], "verify", {"effective": True})
    back = as_("u-aud").nonconformity_transition(
        item["id"], "verify", {"effective": False, "comment": "Toujours des retards."}
    )
    assert (back["state"], back["first_time_effective"], back["verifications"]) == ("analysed", False, 1)
    # A new cycle: new analysis, new action, new check; the history keeps the first.
    process_owner = as_("u-po")
    process_owner.nonconformity_transition(
        item["id"],
        "analyse",
        {"root_cause": "Procédure non connue.", "method": "five_whys", "whys": ["Retards.", "Procédure ignorée."]},
    )
    with pytest.raises(Conflict):  # the first cycle's action does not count for the second
        process_owner.nonconformity_transition(item["id"], "plan")
    second = process_owner.add_action(
        item["id"],
        {"type": "corrective", "title": "Former les agents", "owner_id": "u-po", "due_date": TODAY.isoformat()},
    )
    process_owner.nonconformity_transition(item["id"], "plan")
    with uow_for(tenant=FES, user="u-po", role="process_owner")() as uow:
        treatment.action_transition(uow, second["id"], "complete", {"note": "Agents formés."}, today=done_on)
    process_owner.nonconformity_transition(item["id"], "implement")
    manager.nonconformity_transition(
        item["id"], "schedule_check", {"check_due_on": TODAY.isoformat(), "verifier_id": "u-aud"}
    )
    closed = as_("u-aud").nonconformity_transition(item["id"], "verify", {"effective": True})
    assert (closed["state"], closed["first_time_effective"], closed["verifications"]) == ("closed", False, 2)
    assert [step["action"] for step in closed["history"]].count("verify") == 2
    verified = [e["payload"] for e in outbox(database, "effectiveness.verified")]
    assert [(v["effective"], v["first_time"]) for v in verified] == [(False, True), (True, False)]
    assert len(outbox(database, "nonconformity.closed")) == 1


def test_a_major_nonconformity_is_contained_first_and_its_plan_approved(as_, council, uow_for):
    manager, process_owner = as_("u-qm"), as_("u-po")
    item = raise_by_hand(manager, council["reception"], severity="major")
    analysis = {"root_cause": "Pas d'outil.", "method": "cause_category", "cause_category": "equipment"}
    with pytest.raises(Conflict):
        process_owner.nonconformity_transition(item["id"], "analyse", analysis)
    with pytest.raises(RoleNotAllowed):  # the owner of another process
        as_("u-po2").nonconformity_transition(item["id"], "contain", {"containment": "Registre papier."})
    process_owner.nonconformity_transition(item["id"], "contain", {"containment": "Registre papier."})
    process_owner.nonconformity_transition(item["id"], "analyse", analysis)
    action = process_owner.add_action(
        item["id"], {"type": "corrective", "title": "Outil", "owner_id": "u-po", "due_date": TODAY.isoformat()}
    )
    process_owner.nonconformity_transition(item["id"], "plan")
    as_("u-po").action_transition(action["id"], "complete", {"note": "Outil déployé."})
    with pytest.raises(Conflict):  # the plan of a major one is approved first
        process_owner.nonconformity_transition(item["id"], "implement")
    with pytest.raises(RoleNotAllowed):
        process_owner.nonconformity_transition(item["id"], "approve_plan")
    as_("u-dgs").nonconformity_transition(item["id"], "approve_plan")
    assert process_owner.nonconformity_transition(item["id"], "implement")["state"] == "implemented"


def test_an_action_is_done_by_its_owner_with_a_note(as_, council):
    manager = as_("u-qm")
    item = raise_by_hand(manager, council["reception"])
    manager.nonconformity_transition(
        item["id"], "analyse", {"root_cause": "X.", "method": "cause_category", "cause_category": "people"}
    )
    action = manager.add_action(
        item["id"], {"type": "correction", "title": "Répondre", "owner_id": "u-po2", "due_date": TODAY.isoformat()}
    )
    with pytest.raises(RoleNotAllowed):
        as_("u-po").action_transition(action["id"], "start")
    with pytest.raises(ValidationFailed):
        as_("u-po2").action_transition(action["id"], "complete", {})
    done = as_("u-po2").action_transition(action["id"], "complete", {"note": "Réponse envoyée."})
    assert (done["state"], done["done_on"]) == ("done", TODAY.isoformat())
    assert as_("u-po2").list_actions(mine=True)["total"] == 1


def test_a_rejected_nonconformity_keeps_its_reason(as_, council):
    manager = as_("u-qm")
    item = raise_by_hand(manager, council["reception"])
    with pytest.raises(ValidationFailed):
        manager.nonconformity_transition(item["id"], "reject")
    rejected = manager.nonconformity_transition(item["id"], "reject", {"comment": "Demande hors périmètre."})
    assert (rejected["state"], rejected["reject_reason"]) == ("rejected", "Demande hors périmètre.")


def gone_off_track(uow_for, title, indicator_id=None):
    """objective.status_changed to off_track, as the objectives service announces it."""
    event = build_event(
        "objective.status_changed",
        FES,
        "u-qm",
        {
            "objective_id": "8d1c7a4e-8a43-4b71-9a41-59d7a7f1f1a1",
            "title": title,
            "orientation_code": "OS1",
            "owner_id": "u-qm",
            "old_status": "at_risk",
            "new_status": "off_track",
            "indicator_id": indicator_id,
        },
    )
    worker_factory(AuditsService, uow=uow_for(method="on_objective_status")).on_objective_status(event)


def test_the_effectiveness_check_proposes_from_the_indicators_status(as_, council, uow_for):
    manager = as_("u-qm")
    indicator = "0c8f7a4e-8a43-4b71-9a41-59d7a7f1f1a1"
    gone_off_track(uow_for, "Satisfaction", indicator)
    [offered] = manager.suggestions()["items"]
    item = manager.open_nonconformity(
        {
            "process_id": council["reception"],
            "clause": "9.1.2",
            "severity": "minor",
            "title": "Objectif de satisfaction hors trajectoire",
            "description": "Le taux de satisfaction baisse depuis trois mois.",
            "source": "management_review",
            "suggestion_id": offered["id"],
        }
    )
    assert (item["source"], item["source_ref"]) == ("objective", offered["objective_id"])
    assert manager.suggestions()["items"] == []

    def announce(status, value):
        event = build_event(
            "indicator.measurement_recorded",
            FES,
            "u-po",
            {
                "measurement_id": "1c8f7a4e-8a43-4b71-9a41-59d7a7f1f1a1",
                "objective_id": "8d1c7a4e-8a43-4b71-9a41-59d7a7f1f1a1",
                "indicator_id": indicator,
                "period": TODAY.strftime("%Y-%m"),
                "value": value,
                "correction": False,
                "previous_value": None,
                "indicator": {
                    "indicator_id": indicator,
                    "name": "Taux de satisfaction",
                    "unit": "%",
                    "direction": "increase",
                    "baseline": 50.0,
                    "target": 80.0,
                    "amber_threshold": 70.0,
                    "frequency": "monthly",
                    "owner_id": "u-po",
                    "catalogue_code": None,
                    "start_period": "2026-01",
                    "status": status,
                    "latest_period": TODAY.strftime("%Y-%m"),
                    "latest_value": value,
                    "trend": "improving",
                },
            },
        )
        worker_factory(AuditsService, uow=uow_for(method="on_measurement_recorded")).on_measurement_recorded(event)

    treat_to_check(as_, item["id"], uow_for, done_on=TODAY - timedelta(days=31))
    check = {"check_due_on": TODAY.isoformat(), "verifier_id": "u-aud", "indicator_id": indicator}
    with pytest.raises(ValidationFailed):  # no indicator of that id announced yet
        manager.nonconformity_transition(item["id"], "schedule_check", check)
    announce("off_track", 40.0)
    manager.nonconformity_transition(item["id"], "schedule_check", check)
    assert manager.get_nonconformity(item["id"])["effectiveness_proposal"]["proposed"] == "not_effective"
    announce("on_track", 85.0)
    proposal = manager.get_nonconformity(item["id"])["effectiveness_proposal"]
    assert (proposal["indicator_status"], proposal["proposed"]) == ("on_track", "effective")


# --- isolation, dashboard, registers ---------------------------------------------------------------------------


def test_another_councils_items_are_not_found(as_, council, uow_for):
    add_people(uow_for, ORIENTAL)
    audit = plan(as_("u-qm"), council["reception"])
    item = raise_by_hand(as_("u-qm"), council["reception"])
    outsider = as_("u-qm", tenant=ORIENTAL)
    for call, argument in (
        (outsider.get_audit, audit["id"]),
        (outsider.get_nonconformity, item["id"]),
        (outsider.get_process, council["reception"]),
    ):
        with pytest.raises(Exception) as missing:
            call(argument)
        assert getattr(missing.value, "status", None) == 404 or "not_found" in str(missing.value)
    assert outsider.list_nonconformities()["total"] == 0
    with pytest.raises(ValidationFailed):  # another council's process is not an active process of this one
        raise_by_hand(outsider, council["reception"])


def test_the_dashboard_counts_what_the_council_did(as_, council, uow_for):
    reported_audit(as_, council, {"8.2.1": ("major_nc", "Demandes non enregistrées.")})
    plan(as_("u-qm"), council["purchasing"], lead_auditor_id="u-aud")
    minor = raise_by_hand(as_("u-qm"), council["reception"], clause="7.5.3")
    treat_to_check(as_, minor["id"], uow_for, done_on=TODAY - timedelta(days=31))
    as_("u-qm").nonconformity_transition(
        minor["id"], "schedule_check", {"check_due_on": TODAY.isoformat(), "verifier_id": "u-aud"}
    )
    as_("u-aud").nonconformity_transition(minor["id"], "verify", {"effective": True})
    with uow_for(tenant=FES)() as uow:
        figures = dashboard.dashboard(uow, today=TODAY + timedelta(days=1))
    assert (figures["audits_planned"], figures["audits_done"]) == (2, 1)
    assert figures["open_by_severity"] == {"major": 1, "minor": 0}
    assert figures["open_by_process"][0]["code"] == "OP-01"
    assert figures["first_time_effectiveness_rate"] == 1.0
    assert figures["mean_days_to_close"] is not None
    assert figures["overdue_actions"] == []
    with uow_for(tenant=FES)() as uow:
        register = treatment.register(uow)["items"]
        plan_rows = treatment.action_plan(uow)["items"]
    assert {row["severity"] for row in register} == {"major", "minor"}
    assert plan_rows[0]["nonconformity"] == minor["reference"]


def test_every_event_it_emits_is_valid(as_, council, uow_for, database):
    reported_audit(as_, council, {"8.2.1": ("major_nc", "Demandes non enregistrées.")})
    item = raise_by_hand(as_("u-qm"), council["reception"])
    treat_to_check(as_, item["id"], uow_for, done_on=TODAY - timedelta(days=31))
    events = outbox(database)
    assert {e["type"] for e in events} >= {
        "process.created",
        "audit.planned",
        "audit.prepared",
        "audit.started",
        "audit.reported",
        "nonconformity.opened",
        "nonconformity.status_changed",
        "nonconformity.recurrence_detected",
        "action.assigned",
        "action.completed",
        "deadline.set",
        "deadline.cleared",
    }
    for event in events:
        validate_event(event)


def test_the_settings_bound_the_effectiveness_delay(as_, council):
    manager = as_("u-qm")
    assert manager.audit_settings() == {"effectiveness_delay_days": 30}
    assert manager.set_audit_settings({"effectiveness_delay_days": 60}) == {"effectiveness_delay_days": 60}
    with pytest.raises(RoleNotAllowed):
        as_("u-po").set_audit_settings({"effectiveness_delay_days": 0})
    with pytest.raises(ValidationFailed):
        manager.set_audit_settings({"effectiveness_delay_days": 400})


def test_the_clause_catalogue_covers_4_1_to_10_3():
    items = commands.iso_clauses()["items"]
    numbers = [item["clause"] for item in items]
    assert numbers[0] == "4.1" and numbers[-1] == "10.3" and len(numbers) == len(set(numbers))
    assert {"7.1.5.1", "8.5.6", "9.2.2", "10.2.2"} <= set(numbers)
    assert all(item["title_ar"] and item["question_fr"].endswith("?") for item in items)


def test_a_date_bound(as_, council):
    assert date.fromisoformat(plan(as_("u-qm"), council["reception"])["planned_start"]) == TODAY


# --- what a second read found: each rule with its regression test --------------------------------------------


def analysed(caller, item_id):
    caller.nonconformity_transition(
        item_id, "analyse", {"root_cause": "Pas de procédure.", "method": "cause_category", "cause_category": "method"}
    )


def test_a_rejected_nonconformity_takes_its_unfinished_actions_with_it(as_, council, database):
    manager = as_("u-qm")
    item = raise_by_hand(manager, council["reception"])
    analysed(manager, item["id"])
    action = manager.add_action(
        item["id"], {"type": "correction", "title": "Répondre", "owner_id": "u-po", "due_date": TODAY.isoformat()}
    )
    rejected = manager.nonconformity_transition(item["id"], "reject", {"comment": "Hors périmètre."})
    [cancelled] = rejected["actions"]
    assert (cancelled["id"], cancelled["state"]) == (action["id"], "cancelled")
    assert cancelled["cancel_reason"].endswith("Hors périmètre.")
    cleared = [e["payload"] for e in outbox(database, "deadline.cleared") if e["payload"]["kind"] == "action"]
    assert {"kind": "action", "ref_id": action["id"]} in cleared


def test_a_check_can_be_rescheduled_and_its_verifier_owned_no_action_ever(as_, council, uow_for):
    manager = as_("u-qm")
    item = raise_by_hand(manager, council["reception"])
    analysed(manager, item["id"])
    cancelled = manager.add_action(
        item["id"], {"type": "correction", "title": "Abandonnée", "owner_id": "u-aud2", "due_date": TODAY.isoformat()}
    )
    manager.action_transition(cancelled["id"], "cancel", {"comment": "Remplacée."})
    action = manager.add_action(
        item["id"], {"type": "corrective", "title": "Écrire", "owner_id": "u-po", "due_date": TODAY.isoformat()}
    )
    manager.nonconformity_transition(item["id"], "plan")
    with uow_for(tenant=FES, user="u-po", role="process_owner")() as uow:
        treatment.action_transition(uow, action["id"], "complete", {"note": "Fait."}, today=TODAY - timedelta(days=40))
    manager.nonconformity_transition(item["id"], "implement")
    with pytest.raises(Conflict):  # u-aud2 owned the cancelled action
        manager.nonconformity_transition(
            item["id"], "schedule_check", {"check_due_on": TODAY.isoformat(), "verifier_id": "u-aud2"}
        )
    manager.nonconformity_transition(
        item["id"], "schedule_check", {"check_due_on": TODAY.isoformat(), "verifier_id": "u-aud"}
    )
    moved = manager.nonconformity_transition(
        item["id"], "schedule_check", {"check_due_on": TODAY.isoformat(), "verifier_id": "u-dgs"}
    )
    assert (moved["state"], moved["verifier_id"]) == ("effectiveness_check", "u-dgs")
    with pytest.raises(RoleNotAllowed):  # the verifier replaced
        as_("u-aud").nonconformity_transition(item["id"], "verify", {"effective": True})
    with pytest.raises(ValidationFailed):  # an indicator this council does not have
        manager.nonconformity_transition(
            item["id"],
            "schedule_check",
            {"check_due_on": TODAY.isoformat(), "verifier_id": "u-dgs", "indicator_id": "not-an-indicator"},
        )


def test_an_audit_of_several_processes_files_each_finding_on_its_process(as_, council):
    manager, auditor = as_("u-qm"), as_("u-aud")
    audit = plan(
        manager,
        council["reception"],
        process_ids=[council["reception"], council["purchasing"]],
        lead_auditor_id="u-aud",
    )
    auditor.start_checklist_from(audit["id"], {"source": "catalogue", "clauses": ["8.4.1"]})
    auditor.audit_transition(audit["id"], "submit")
    auditor.audit_transition(audit["id"], "start")
    [line] = auditor.get_checklist(audit["id"])["lines"]
    auditor.save_checklist(
        audit["id"], {"lines": [{"id": line["id"], "result": "minor_nc", "finding": "Pas de grille."}]}
    )
    auditor.write_report(audit["id"], {"summary": "Achats à renforcer."})
    with pytest.raises(Conflict) as refused:
        auditor.audit_transition(audit["id"], "report")
    assert refused.value.details["without_process"] == [1]
    with pytest.raises(ValidationFailed):  # a process the audit does not cover
        auditor.save_checklist(audit["id"], {"lines": [{"id": line["id"], "process_id": "elsewhere"}]})
    auditor.save_checklist(audit["id"], {"lines": [{"id": line["id"], "process_id": council["purchasing"]}]})
    auditor.audit_transition(audit["id"], "report")
    [raised] = manager.report(audit["id"])["nonconformities"]
    assert raised["process_id"] == council["purchasing"]


def test_two_findings_of_one_report_are_not_a_recurrence(as_, council, database):
    audit = plan(as_("u-qm"), council["reception"])
    auditor = as_("u-aud")
    # The auditor's own questions, without a clause: both on the audit's first clause.
    auditor.save_checklist(audit["id"], {"add": [{"question": "Registre tenu ?"}, {"question": "Accusés remis ?"}]})
    auditor.audit_transition(audit["id"], "submit")
    auditor.audit_transition(audit["id"], "start")
    lines = auditor.get_checklist(audit["id"])["lines"]
    auditor.save_checklist(
        audit["id"], {"lines": [{"id": line["id"], "result": "minor_nc", "finding": "Manque."} for line in lines]}
    )
    auditor.write_report(audit["id"], {"summary": "Deux constats."})
    auditor.audit_transition(audit["id"], "report")
    assert [n["recurrence_of"] for n in as_("u-qm").report(audit["id"])["nonconformities"]] == [None, None]
    assert outbox(database, "nonconformity.recurrence_detected") == []


def test_a_new_owner_among_the_auditors_stops_the_audit_until_justified(as_, council):
    manager, auditor = as_("u-qm"), as_("u-aud")
    audit = plan(manager, council["reception"])
    auditor.start_checklist_from(audit["id"], {"source": "catalogue"})
    manager.update_process(council["reception"], {"owner_id": "u-aud"})  # the lead auditor now owns it
    with pytest.raises(Conflict) as refused:
        auditor.audit_transition(audit["id"], "submit")
    assert refused.value.code == "impartiality_conflict"
    manager.update_audit(audit["id"], {"impartiality_justification": "Réorganisation en cours ; audit maintenu."})
    assert auditor.audit_transition(audit["id"], "submit")["state"] == "prepared"
    # A justification covers the conflicts it was written for, not the next one.
    with pytest.raises(Conflict) as refused:
        manager.update_audit(audit["id"], {"team_ids": ["u-aud2"], "auditee_ids": ["u-po", "u-aud"]})
    assert [c["reason"] for c in refused.value.details["conflicts"]] == ["is also an auditee"]


def test_who_records_which_source_and_the_process_owner_of_any_role_treats(as_, council):
    with pytest.raises(RoleNotAllowed):
        raise_by_hand(as_("u-aud"), council["reception"], source="external_audit")
    assert (
        raise_by_hand(as_("u-dgs"), council["reception"], source="management_review")["source"] == "management_review"
    )
    with pytest.raises(ValidationFailed):  # not a clause of the standard
        raise_by_hand(as_("u-qm"), council["reception"], clause="4.9")
    as_("u-qm").update_process(council["reception"], {"owner_id": "u-dgs"})
    item = raise_by_hand(as_("u-qm"), council["reception"])
    analysed(as_("u-dgs"), item["id"])  # the director owns the process: it is theirs to treat
    assert as_("u-dgs").get_nonconformity(item["id"])["state"] == "analysed"


def test_a_suggestion_is_used_once_or_dismissed(as_, council, uow_for):
    manager = as_("u-qm")
    gone_off_track(uow_for, "Délais")
    [offered] = manager.suggestions()["items"]
    with pytest.raises(RoleNotAllowed):
        as_("u-po").dismiss_suggestion(offered["id"])
    add_people(uow_for, ORIENTAL)
    with pytest.raises(Exception) as missing:  # another council's suggestion is not found
        as_("u-qm", tenant=ORIENTAL).dismiss_suggestion(offered["id"])
    assert getattr(missing.value, "code", None) == "suggestion_not_found" or "suggestion_not_found" in str(
        missing.value
    )
    assert manager.dismiss_suggestion(offered["id"])["id"] == offered["id"]
    assert manager.suggestions()["items"] == []
    with pytest.raises(ValidationFailed):  # dismissed: no longer pending
        manager.dismiss_suggestion(offered["id"])


def test_cancelling_an_action_of_an_approved_major_plan_needs_a_new_approval(as_, council):
    manager = as_("u-qm")
    item = raise_by_hand(manager, council["reception"], severity="major")
    manager.nonconformity_transition(item["id"], "contain", {"containment": "Registre."})
    analysed(manager, item["id"])
    first, second = (
        manager.add_action(
            item["id"], {"type": "corrective", "title": t, "owner_id": "u-po", "due_date": TODAY.isoformat()}
        )
        for t in ("Outil", "Formation")
    )
    manager.nonconformity_transition(item["id"], "plan")
    manager.nonconformity_transition(item["id"], "approve_plan")
    manager.action_transition(second["id"], "cancel", {"comment": "Budget refusé."})
    assert manager.get_nonconformity(item["id"])["plan_approved_at"] is None
    as_("u-po").action_transition(first["id"], "complete", {"note": "Outil en place."})
    with pytest.raises(Conflict):
        manager.nonconformity_transition(item["id"], "implement")
