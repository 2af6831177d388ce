"""ObjectivesService entrypoints through Nameko's worker_factory, on a real SQLite database (the
service's own migrations) behind the unit-of-work dependency: no broker, no PostgreSQL.

Measurements recorded through the RPC entrypoints are dated relative to local_today() (the
entrypoint takes no `today`); where exact figures matter, the commands are called with an
explicit `today` through the same units of work."""

import json
import uuid
from datetime import date, datetime, timezone

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import text

from jouda.services.objectives import commands, domain
from jouda.shared import periods
from jouda.services.objectives.service import ObjectivesService
from jouda.shared.clock import local_today
from jouda.shared.schema_fields import years_from
from jouda.shared.errors import RoleNotAllowed, TenantRequired, ValidationFailed
from jouda.shared.events.catalogue import build_event, validate_event
from tests.service.conftest import Caller, open_service_database, unit_of_work_factory
from jouda.shared.unit_of_work import DuplicateEvent

FES, ORIENTAL = "fes-meknes", "oriental"
QM = "quality_manager"
ORIENTATIONS = [
    {"code": "OS1", "title": "Satisfaction des usagers"},
    {"code": "OS2", "title": "Efficacité administrative"},
]
OBJECTIVE = {
    "title": "Améliorer la satisfaction des usagers",
    "orientation_code": "OS1",
    "owner_id": "u-owner",
    "due_date": years_from(local_today(), 1).isoformat(),
    "evaluation_method": "Enquête mensuelle",
}
SATISFACTION = {
    "name": "Taux de satisfaction",
    "unit": "%",
    "direction": "increase",
    "baseline": 50,
    "target": 80,
    "amber_threshold": 70,
    "frequency": "monthly",
    "owner_id": "u-owner",
    "catalogue_code": "SATISFACTION",
}
PROCESSING = {
    "name": "Délai de traitement",
    "unit": "jours",
    "direction": "decrease",
    "baseline": 30,
    "target": 15,
    "amber_threshold": 20,
    "frequency": "quarterly",
    "owner_id": "u-po",
    "catalogue_code": "PROCESSING_DAYS",
}
DAY = date(2026, 11, 21)  # the explicit `today` of the deterministic tests


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def objectives_database(tmp_path):
    database = open_service_database("objectives", tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def uow_for(objectives_database):
    return unit_of_work_factory("objectives", objectives_database, "u-qm", QM)


@pytest.fixture
def service_as(uow_for):
    def make(tenant=FES, user="u-qm", role=QM):
        return Caller(ObjectivesService, uow_for, tenant, user, role)

    return make


@pytest.fixture
def council(uow_for):
    """A council with a published policy and its staff."""

    def make(tenant=FES):
        publish_policy(uow_for, tenant, ORIENTATIONS)
        for name, role in (("u-qm", QM), ("u-owner", "staff"), ("u-po", "process_owner"), ("u-other", "staff")):
            add_user(uow_for, tenant, user(tenant, name), role)
        return tenant

    return make


# --- helpers --------------------------------------------------------------------------------------


def outbox(database, event_type=None, tenant=None):
    with database.engine.connect() as connection:
        rows = connection.execute(text("SELECT envelope FROM outbox_events ORDER BY id")).scalars().all()
    events = [json.loads(row) for row in rows]
    return [
        e
        for e in events
        if (event_type is None or e["type"] == event_type) and (tenant is None or e["tenant_id"] == tenant)
    ]


def publish_policy(uow_for, tenant, orientations, version=1, occurred_at=None):
    published_at = occurred_at or datetime.now(timezone.utc)
    event = build_event(
        "policy.published",
        tenant,
        "u-qm",
        {
            "policy_id": str(uuid.uuid4()),
            "version_id": str(uuid.uuid4()),
            "version": version,
            "title": "Politique qualité",
            "from_status": "approved",
            "to_status": "published",
            "comment": None,
            "language": "fr",
            "body": "…",
            "orientations": orientations,
            "commitments": [],
            "signatory": None,
            "effective_date": None,
            "next_review_date": date(2027, 11, 1),
            "published_at": published_at,
            "superseded_version_id": None,
        },
        occurred_at=occurred_at,
    )
    worker_factory(ObjectivesService, uow=uow_for(method="on_policy_published")).on_policy_published(event)
    return event


def add_user(uow_for, tenant, user_id, role, active=True, event_type="gateway.user_created"):
    event = build_event(
        event_type,
        tenant,
        "admin",
        {
            "user_id": user_id,
            "role": role,
            "active": active,
            "language": "fr",
            "email": f"{user_id.replace('@', '.')}@{tenant}.test",
            "name": None,
        },
    )
    service = worker_factory(ObjectivesService, uow=uow_for(method=f"on_{event_type.split('.')[1]}"))
    getattr(service, f"on_{event_type.split('.')[1]}")(event)
    return event


def user(tenant, name):
    """User ids are global (the gateway's): each council's staff has ids of its own."""
    return name if tenant == FES else f"{name}@{tenant}"


def owned(data, tenant):
    """Objective or indicator data with its owner among `tenant`'s staff."""
    return {**data, "owner_id": user(tenant, data["owner_id"])}


def month(n=0):
    """The monthly period `n` months before the current one (Africa/Casablanca), as text."""
    period = periods.containing(local_today(), periods.MONTHLY)
    for _ in range(n):
        period = period.previous()
    return str(period)


def measure(period, value, **extra):
    return {"period": period, "value": value, **extra}


def two_councils_reporting(council, service_as, uow_for):
    """Fès-Meknès and Oriental, each with a satisfaction indicator mapped to the national one."""
    tenants = {}
    for tenant, values in ((FES, [(month(3), 60), (month(2), 72)]), (ORIENTAL, [(month(2), 45)])):
        council(tenant)
        manager = service_as(tenant)
        objective = manager.create_objective(owned(OBJECTIVE, tenant))
        indicator = manager.add_indicator(objective["id"], {**owned(SATISFACTION, tenant), "start_period": month(4)})
        for period, value in values:
            manager.record_measurement(indicator["id"], measure(period, value))
        tenants[tenant] = (objective, indicator)
    return tenants


# --- tenancy and reference data ---------------------------------------------------------------------


def test_commands_refuse_a_call_without_a_tenant(service_as):
    service = service_as(tenant=None)
    with pytest.raises(TenantRequired):
        service.create_objective(OBJECTIVE)
    with pytest.raises(TenantRequired):
        service.list_objectives()
    with pytest.raises(TenantRequired):
        service.dashboard()


def test_no_objective_before_the_policy_is_published(uow_for, service_as, objectives_database):
    add_user(uow_for, FES, "u-owner", "staff")
    with pytest.raises(domain.StateChangeNotAllowed) as caught:
        service_as().create_objective(OBJECTIVE)
    assert caught.value.status == 409
    assert outbox(objectives_database, "objective.created") == []
    publish_policy(uow_for, ORIENTAL, ORIENTATIONS)  # another council's policy does not count
    with pytest.raises(domain.StateChangeNotAllowed):
        service_as().create_objective(OBJECTIVE)


def test_published_orientations_are_the_ones_objectives_follow(council, service_as):
    council()
    service = service_as()
    created = service.create_objective({**OBJECTIVE, "orientation_code": "OS2"})
    assert created["orientation_code"] == "OS2"
    with pytest.raises(ValidationFailed) as caught:
        service.create_objective({**OBJECTIVE, "orientation_code": "OS9"})
    assert caught.value.details == {"orientation_code": ["One of OS1, OS2."]}
    rows = service.dashboard()["orientations"]
    assert [(row["code"], row["title"], row["current"], row["objectives"]) for row in rows] == [
        ("OS1", "Satisfaction des usagers", True, 0),
        ("OS2", "Efficacité administrative", True, 1),
    ]


def test_a_policy_event_is_applied_once(uow_for, service_as):
    event = publish_policy(uow_for, FES, ORIENTATIONS)
    with pytest.raises(DuplicateEvent):
        worker_factory(ObjectivesService, uow=uow_for(method="on_policy_published")).on_policy_published(event)
    assert [row["code"] for row in service_as().dashboard()["orientations"]] == ["OS1", "OS2"]


def test_a_new_policy_version_retires_dropped_orientations(council, uow_for, service_as):
    council()
    service = service_as()
    service.create_objective(OBJECTIVE)  # under OS1
    publish_policy(uow_for, FES, [{"code": "OS2", "title": "Efficacité (révisée)"}], version=2)
    with pytest.raises(ValidationFailed):
        service.create_objective(OBJECTIVE)
    # Version 1 arriving late (it waited in a retry queue) does not bring OS1 back.
    publish_policy(uow_for, FES, ORIENTATIONS, version=1)
    with pytest.raises(ValidationFailed):
        service.create_objective(OBJECTIVE)
    rows = {row["code"]: row for row in service.dashboard()["orientations"]}
    assert (rows["OS1"]["current"], rows["OS1"]["objectives"]) == (False, 1)  # still shown: it has one
    assert (rows["OS2"]["current"], rows["OS2"]["title"]) == (True, "Efficacité (révisée)")


def test_user_events_are_applied_once_and_decide_who_may_own(uow_for, service_as, council):
    council()
    event = add_user(uow_for, FES, "u-new", "staff")
    with pytest.raises(DuplicateEvent):
        worker_factory(ObjectivesService, uow=uow_for(method="on_user_created")).on_user_created(event)
    service = service_as()
    assert service.create_objective({**OBJECTIVE, "owner_id": "u-new"})["owner_id"] == "u-new"
    add_user(uow_for, FES, "u-new", "staff", active=False, event_type="gateway.user_updated")
    add_user(uow_for, FES, "u-ministry", "ministry")  # a platform user is nobody's staff
    for owner in ("u-new", "u-ministry", "u-unknown"):
        with pytest.raises(ValidationFailed) as caught:
            service.create_objective({**OBJECTIVE, "owner_id": owner})
        assert list(caught.value.details) == ["owner_id"]


def test_another_councils_staff_cannot_own_objectives(uow_for, service_as, council):
    council(FES)
    council(ORIENTAL)
    add_user(uow_for, ORIENTAL, "u-oriental", "staff")
    with pytest.raises(ValidationFailed):
        service_as(FES).create_objective({**OBJECTIVE, "owner_id": "u-oriental"})


# --- objectives, indicators, measurements ------------------------------------------------------------


def test_create_objective_writes_its_event_in_the_same_commit(council, service_as, uow_for, objectives_database):
    council()
    created = service_as().create_objective(OBJECTIVE)
    assert (created["state"], created["status"], created["indicators"]) == ("active", "no_data", [])
    assert (created["created_by"], created["description"], created["due_date"]) == ("u-qm", "", OBJECTIVE["due_date"])
    events = outbox(objectives_database, "objective.created")
    assert len(events) == 1
    validate_event(events[0])
    assert events[0]["tenant_id"] == FES and events[0]["actor"] == "u-qm"
    assert events[0]["payload"]["objective_id"] == created["id"]
    assert events[0]["payload"]["indicators"] == []
    assert uow_for.wakes, "the relay is woken after a commit that added events"


@pytest.mark.parametrize("role", ["director", "process_owner", "auditor", "staff"])
def test_only_the_quality_manager_sets_objectives(council, service_as, objectives_database, role):
    council()
    with pytest.raises(RoleNotAllowed):
        service_as(user="u-x", role=role).create_objective(OBJECTIVE)
    assert outbox(objectives_database, "objective.created") == []


def test_measurements_move_the_status_and_emit_events(council, service_as, objectives_database):
    council()
    manager, owner = service_as(), service_as(user="u-owner", role="staff")
    objective = manager.create_objective(OBJECTIVE)
    indicator = manager.add_indicator(objective["id"], {**SATISFACTION, "start_period": month(6)})
    assert (indicator["status"], indicator["start_period"], indicator["target_met"]) == ("no_data", month(6), False)
    assert outbox(objectives_database, "objective.status_changed") == []  # no_data, as before

    updated = outbox(objectives_database, "objective.updated")
    assert [e["payload"]["changed"] for e in updated] == [["indicators"]]
    assert [i["indicator_id"] for i in updated[0]["payload"]["indicators"]] == [indicator["id"]]

    # At risk: above the baseline, below the amber threshold.
    first = owner.record_measurement(indicator["id"], measure(month(3), 60))
    assert (first["period"], first["value"], first["recorded_by"], first["corrections"]) == (
        month(3),
        60.0,
        "u-owner",
        [],
    )
    changed = outbox(objectives_database, "objective.status_changed")
    assert [(e["payload"]["old_status"], e["payload"]["new_status"]) for e in changed] == [("no_data", "at_risk")]
    assert changed[0]["payload"]["indicator_id"] == indicator["id"]
    assert changed[0]["payload"]["objective_id"] == objective["id"]
    recorded = outbox(objectives_database, "indicator.measurement_recorded")
    assert len(recorded) == 1
    validate_event(recorded[0])
    payload = recorded[0]["payload"]
    assert (payload["period"], payload["value"], payload["correction"], payload["previous_value"]) == (
        month(3),
        60.0,
        False,
        None,
    )
    assert (payload["measurement_id"], payload["objective_id"]) == (first["id"], objective["id"])
    assert (payload["indicator"]["status"], payload["indicator"]["latest_value"]) == ("at_risk", 60.0)

    # Target met: the only indicator meets its target, so the objective is achieved.
    owner.record_measurement(indicator["id"], measure(month(2), 82))
    shown = manager.get_objective(objective["id"])
    assert shown["status"] == "achieved"
    assert (shown["indicators"][0]["status"], shown["indicators"][0]["trend"]) == ("on_track", "improving")
    assert shown["indicators"][0]["target_met"] is True
    changed = outbox(objectives_database, "objective.status_changed")
    assert [(e["payload"]["old_status"], e["payload"]["new_status"]) for e in changed] == [
        ("no_data", "at_risk"),
        ("at_risk", "achieved"),
    ]

    # An older period recorded late does not replace the latest value.
    owner.record_measurement(indicator["id"], measure(month(4), 40))
    again = manager.get_indicator(indicator["id"])
    assert (again["latest_period"], again["latest_value"], again["status"]) == (month(2), 82.0, "on_track")
    assert [r["period"] for r in again["recent"]] == [month(4), month(3), month(2)]
    assert len(outbox(objectives_database, "objective.status_changed")) == 2  # unchanged: no event


def test_a_new_indicator_without_data_takes_an_achieved_objective_back(council, service_as, objectives_database):
    council()
    manager = service_as()
    objective = manager.create_objective(OBJECTIVE)
    first = manager.add_indicator(objective["id"], {**SATISFACTION, "start_period": month(3)})
    manager.record_measurement(first["id"], measure(month(1), 85))
    assert manager.get_objective(objective["id"])["status"] == "achieved"
    second = manager.add_indicator(objective["id"], {**PROCESSING, "start_period": "2025-Q1"})
    assert manager.get_objective(objective["id"])["status"] == "no_data"
    last = outbox(objectives_database, "objective.status_changed")[-1]["payload"]
    assert (last["old_status"], last["new_status"], last["indicator_id"]) == ("achieved", "no_data", second["id"])


def test_add_indicator_defaults_and_checks(council, service_as):
    council()
    manager = service_as()
    objective = manager.create_objective(OBJECTIVE)
    indicator = manager.add_indicator(objective["id"], {**SATISFACTION, "catalogue_code": None})
    assert indicator["start_period"] == month(0)  # the period containing today
    with pytest.raises(ValidationFailed) as caught:
        manager.add_indicator(objective["id"], {**SATISFACTION, "unit": "points"})  # SATISFACTION is in %
    assert list(caught.value.details) == ["unit"]
    with pytest.raises(ValidationFailed) as caught:
        manager.add_indicator(objective["id"], {**SATISFACTION, "catalogue_code": "NOT_THERE"})
    assert list(caught.value.details) == ["catalogue_code"]
    with pytest.raises(ValidationFailed) as caught:
        manager.add_indicator(objective["id"], {**SATISFACTION, "target": "80"})
    assert list(caught.value.details) == ["target"]
    with pytest.raises(domain.ObjectiveNotFound):
        manager.add_indicator(str(uuid.uuid4()), SATISFACTION)
    assert len(manager.get_objective(objective["id"])["indicators"]) == 1


def test_who_may_record_a_measurement(council, service_as, objectives_database):
    council()
    manager = service_as()
    objective = manager.create_objective(OBJECTIVE)
    indicator = manager.add_indicator(objective["id"], {**SATISFACTION, "start_period": month(6)})
    with pytest.raises(RoleNotAllowed):
        service_as(user="u-other", role="staff").record_measurement(indicator["id"], measure(month(1), 60))
    assert outbox(objectives_database, "indicator.measurement_recorded") == []
    service_as(user="u-owner", role="staff").record_measurement(indicator["id"], measure(month(1), 60))
    service_as(user="u-po", role="process_owner").record_measurement(indicator["id"], measure(month(2), 61))
    service_as(user="u-qm", role=QM).record_measurement(indicator["id"], measure(month(3), 62))
    assert [e["actor"] for e in outbox(objectives_database, "indicator.measurement_recorded")] == [
        "u-owner",
        "u-po",
        "u-qm",
    ]


def test_measurement_rules_at_the_boundary(council, service_as):
    council()
    manager = service_as()
    objective = manager.create_objective(OBJECTIVE)
    indicator = manager.add_indicator(objective["id"], {**SATISFACTION, "start_period": month(6)})
    refused = {
        "future": measure(str(periods.parse(month(0), "monthly").next()), 60),
        "before-start": measure(month(7), 60),
        "quarter-for-monthly": measure("2026-Q1", 60),
        "text-value": measure(month(1), "60"),
        "boolean-value": measure(month(1), True),
        "over-100-percent": measure(month(1), 100.5),
        "unknown-field": {**measure(month(1), 60), "recorded_by": "u-x"},
        "ftp-evidence": measure(month(1), 60, evidence_url="ftp://example.org/x.pdf"),
        "correction-of-nothing": measure(month(1), 60, correction=True, reason="Erreur"),
    }
    for data in refused.values():
        with pytest.raises(ValidationFailed):
            manager.record_measurement(indicator["id"], data)
    assert manager.list_measurements(indicator["id"])["total"] == 0
    with pytest.raises(domain.IndicatorNotFound):
        manager.record_measurement(str(uuid.uuid4()), measure(month(1), 60))


def test_duplicates_are_refused_and_corrections_keep_the_history(council, service_as, objectives_database):
    council()
    manager, owner = service_as(), service_as(user="u-owner", role="staff")
    objective = manager.create_objective(OBJECTIVE)
    indicator = manager.add_indicator(objective["id"], {**SATISFACTION, "start_period": month(6)})
    owner.record_measurement(indicator["id"], measure(month(1), 60, comment="Premier comptage"))
    with pytest.raises(domain.MeasurementExists) as caught:
        owner.record_measurement(indicator["id"], measure(month(1), 75))
    assert (caught.value.status, caught.value.details) == (409, {"period": month(1), "value": 60.0})
    with pytest.raises(ValidationFailed):
        owner.record_measurement(indicator["id"], measure(month(1), 75, correction=True))  # no reason

    corrected = manager.record_measurement(
        indicator["id"], measure(month(1), 75, correction=True, reason="Erreur de saisie")
    )
    assert (corrected["value"], corrected["recorded_by"]) == (75.0, "u-qm")
    assert [
        (c["previous_value"], c["previous_comment"], c["previous_recorded_by"], c["corrected_by"], c["reason"])
        for c in corrected["corrections"]
    ] == [(60.0, "Premier comptage", "u-owner", "u-qm", "Erreur de saisie")]
    listed = manager.list_measurements(indicator["id"])
    assert listed["total"] == 1
    assert listed["items"][0]["id"] == corrected["id"]
    assert len(listed["items"][0]["corrections"]) == 1

    recorded = outbox(objectives_database, "indicator.measurement_recorded")
    assert [(e["payload"]["correction"], e["payload"]["previous_value"], e["payload"]["value"]) for e in recorded] == [
        (False, None, 60.0),
        (True, 60.0, 75.0),
    ]
    assert recorded[1]["payload"]["measurement_id"] == recorded[0]["payload"]["measurement_id"]
    changed = outbox(objectives_database, "objective.status_changed")
    assert [(e["payload"]["old_status"], e["payload"]["new_status"]) for e in changed] == [
        ("no_data", "at_risk"),
        ("at_risk", "on_track"),
    ]
    assert manager.get_indicator(indicator["id"])["latest_value"] == 75.0


def test_list_objectives_filters_and_pages(council, service_as):
    council()
    manager = service_as()
    first = manager.create_objective(OBJECTIVE)
    second = manager.create_objective({**OBJECTIVE, "title": "Réduire les délais", "orientation_code": "OS2"})
    third = manager.create_objective({**OBJECTIVE, "title": "Former les agents"})
    manager.update_objective(third["id"], {"state": "abandoned", "abandon_reason": "Fusionné avec un autre"})

    everything = manager.list_objectives()
    assert everything["total"] == 3
    assert [item["id"] for item in everything["items"]] == [first["id"], third["id"], second["id"]]
    assert "indicators" not in everything["items"][0] and "description" not in everything["items"][0]
    assert [i["id"] for i in manager.list_objectives(orientation="OS2")["items"]] == [second["id"]]
    assert [i["id"] for i in manager.list_objectives(state="abandoned")["items"]] == [third["id"]]
    assert manager.list_objectives(status="no_data")["total"] == 3
    assert manager.list_objectives(status="achieved")["total"] == 0
    page = manager.list_objectives(limit=1, offset=1)
    assert (page["total"], page["limit"], page["offset"], [i["id"] for i in page["items"]]) == (3, 1, 1, [third["id"]])
    for kwargs in ({"state": "closed"}, {"status": "green"}, {"limit": 0}, {"limit": 201}, {"offset": -1}):
        with pytest.raises(ValidationFailed):
            manager.list_objectives(**kwargs)


def test_update_objective_life_cycle_and_events(council, service_as, objectives_database):
    council()
    manager = service_as()
    objective = manager.create_objective(OBJECTIVE)
    indicator = manager.add_indicator(objective["id"], {**SATISFACTION, "start_period": month(3)})
    edited = manager.update_objective(objective["id"], {"title": "Satisfaction 2027", "owner_id": "u-po"})
    assert (edited["title"], edited["owner_id"]) == ("Satisfaction 2027", "u-po")
    assert [i["id"] for i in edited["indicators"]] == [indicator["id"]]
    achieved = manager.update_objective(objective["id"], {"state": "achieved"})
    assert achieved["state"] == "achieved"
    with pytest.raises(domain.StateChangeNotAllowed):
        manager.update_objective(objective["id"], {"title": "Encore"})
    with pytest.raises(domain.StateChangeNotAllowed):
        manager.update_objective(objective["id"], {"state": "abandoned", "abandon_reason": "x"})
    with pytest.raises(ValidationFailed):
        manager.update_objective(objective["id"], {})
    reopened = manager.update_objective(objective["id"], {"state": "active"})
    assert reopened["state"] == "active"
    manager.update_objective(objective["id"], {"title": "Satisfaction 2027"})  # no change: no event
    updates = outbox(objectives_database, "objective.updated")
    assert [e["payload"]["changed"] for e in updates] == [["indicators"], ["title", "owner_id"], ["state"], ["state"]]
    assert [e["payload"]["state"] for e in updates] == ["active", "active", "achieved", "active"]
    for event in updates:
        validate_event(event)
    assert manager.get_objective(objective["id"])["title"] == "Satisfaction 2027"


def test_a_refused_edit_changes_nothing_in_the_database(council, service_as, objectives_database):
    council()
    manager = service_as()
    objective = manager.create_objective(OBJECTIVE)
    with pytest.raises(ValidationFailed):
        manager.update_objective(objective["id"], {"title": "Nouveau", "state": "abandoned"})  # no reason
    shown = manager.get_objective(objective["id"])
    assert (shown["title"], shown["state"]) == (OBJECTIVE["title"], "active")
    assert outbox(objectives_database, "objective.updated") == []


# --- tenant isolation --------------------------------------------------------------------------------


def test_another_councils_objectives_are_out_of_reach(council, service_as):
    council(FES)
    council(ORIENTAL)
    fes = service_as(FES)
    objective = fes.create_objective(OBJECTIVE)
    indicator = fes.add_indicator(objective["id"], {**SATISFACTION, "start_period": month(6)})
    fes.record_measurement(indicator["id"], measure(month(1), 60))
    oriental = service_as(ORIENTAL)
    with pytest.raises(domain.ObjectiveNotFound) as caught:
        oriental.get_objective(objective["id"])
    assert caught.value.status == 404
    with pytest.raises(domain.ObjectiveNotFound):
        oriental.update_objective(objective["id"], {"title": "Pris"})
    with pytest.raises(domain.ObjectiveNotFound):
        oriental.add_indicator(objective["id"], owned(SATISFACTION, ORIENTAL))
    with pytest.raises(domain.IndicatorNotFound):
        oriental.get_indicator(indicator["id"])
    with pytest.raises(domain.IndicatorNotFound):
        oriental.record_measurement(indicator["id"], measure(month(2), 70))
    with pytest.raises(domain.IndicatorNotFound):
        oriental.list_measurements(indicator["id"])
    assert oriental.list_objectives()["total"] == 0
    board = oriental.dashboard()
    assert sum(board["objectives_by_status"].values()) == 0
    assert board["reporting"]["due_periods"] == 0
    assert fes.get_objective(objective["id"])["title"] == OBJECTIVE["title"]  # untouched
    assert fes.list_measurements(indicator["id"])["total"] == 1


# --- dashboard and reporting settings --------------------------------------------------------------


def deterministic_council(council, service_as, uow_for):
    """Two indicators recorded as of DAY (2026-11-21), through the commands with an explicit today."""
    council()
    manager = service_as()
    satisfaction_objective = manager.create_objective(OBJECTIVE)
    processing_objective = manager.create_objective(
        {**OBJECTIVE, "title": "Réduire les délais", "orientation_code": "OS2"}
    )
    monthly = manager.add_indicator(satisfaction_objective["id"], {**SATISFACTION, "start_period": "2026-06"})
    quarterly = manager.add_indicator(processing_objective["id"], {**PROCESSING, "start_period": "2026-Q1"})
    factory = uow_for(tenant=FES, user="u-qm", role=QM)
    for indicator_id, period, value in (
        (monthly["id"], "2026-06", 55),
        (monthly["id"], "2026-07", 60),
        (monthly["id"], "2026-09", 72),
        (monthly["id"], "2026-11", 74),
        (quarterly["id"], "2026-Q2", 25),
    ):
        with factory() as uow:
            commands.record_measurement(uow, indicator_id, measure(period, value), today=DAY)
    return manager, factory, monthly, quarterly


def test_dashboard_lists_late_measurements_and_completeness(council, service_as, uow_for):
    manager, factory, monthly, quarterly = deterministic_council(council, service_as, uow_for)
    with factory() as uow:
        board = commands.dashboard(uow, today=DAY)
    # Due (grace 10 days): monthly 2026-06..2026-10 (5), quarterly 2026-Q1..Q3 (3); 2026-11 is not due yet.
    assert board["reporting"] == {
        "reported_periods": 4,
        "due_periods": 8,
        "completeness": 0.5,
        "grace_days": 10,
        "as_of": "2026-11-21",
    }
    assert [
        (item["indicator_id"], item["period"], item["period_end"], item["days_late"])
        for item in board["late_measurements"]
    ] == [
        (quarterly["id"], "2026-Q1", "2026-03-31", 225),
        (monthly["id"], "2026-08", "2026-08-31", 72),
        (quarterly["id"], "2026-Q3", "2026-09-30", 42),
        (monthly["id"], "2026-10", "2026-10-31", 11),
    ]
    late = board["late_measurements"][0]
    assert (late["indicator"], late["objective"], late["owner_id"]) == (
        "Délai de traitement",
        "Réduire les délais",
        "u-po",
    )
    # Satisfaction at 74 % (on track, not met); processing at 25 days (at risk).
    assert board["objectives_by_status"] == {
        "on_track": 1,
        "at_risk": 1,
        "off_track": 0,
        "no_data": 0,
        "achieved": 0,
        "abandoned": 0,
    }
    by_code = {row["code"]: row["objectives_by_status"] for row in board["orientations"]}
    assert (by_code["OS1"]["on_track"], by_code["OS2"]["at_risk"]) == (1, 1)
    # Every active indicator, with what its trend chart draws: its recent values, oldest first.
    shown = {indicator["id"]: indicator for indicator in board["indicators"]}
    assert set(shown) == {monthly["id"], quarterly["id"]}
    with factory() as uow:
        for indicator_id, indicator in shown.items():
            assert indicator["recent"] == commands.get_indicator(uow, indicator_id)["recent"]
            assert indicator["objective_title"] and indicator["recent"]


def test_grace_days_setting_moves_what_is_late(council, service_as, uow_for):
    manager, factory, monthly, quarterly = deterministic_council(council, service_as, uow_for)
    with pytest.raises(RoleNotAllowed):
        service_as(user="u-owner", role="staff").set_reporting_settings({"grace_days": 30})
    for bad in ({"grace_days": 91}, {"grace_days": "30"}, {}):
        with pytest.raises(ValidationFailed):
            manager.set_reporting_settings(bad)
    assert manager.reporting_settings() == {"grace_days": 10}
    assert manager.set_reporting_settings({"grace_days": 30}) == {"grace_days": 30}
    assert manager.reporting_settings() == {"grace_days": 30}
    with factory() as uow:
        board = commands.dashboard(uow, today=DAY)
    # October is still within its 30 days of grace on 21 November.
    assert (board["reporting"]["reported_periods"], board["reporting"]["due_periods"]) == (4, 7)
    assert board["reporting"]["completeness"] == 0.5714
    assert [item["period"] for item in board["late_measurements"]] == ["2026-Q1", "2026-08", "2026-Q3"]
    assert board["late_measurements"][0]["days_late"] == 205
    manager.set_reporting_settings({"grace_days": 0})
    assert service_as(ORIENTAL).reporting_settings() == {"grace_days": 10}  # each council its own


def test_dashboard_leaves_out_indicators_of_closed_objectives(council, service_as, uow_for):
    manager, factory, monthly, quarterly = deterministic_council(council, service_as, uow_for)
    manager.update_objective(quarterly["objective_id"], {"state": "abandoned", "abandon_reason": "Réorganisation"})
    with factory() as uow:
        board = commands.dashboard(uow, today=DAY)
    assert (board["reporting"]["reported_periods"], board["reporting"]["due_periods"]) == (3, 5)
    assert {item["indicator_id"] for item in board["late_measurements"]} == {monthly["id"]}
    assert board["objectives_by_status"]["abandoned"] == 1
    assert board["objectives_by_status"]["at_risk"] == 0


def test_dashboard_rpc_counts_as_of_today(council, service_as):
    council()
    manager = service_as()
    objective = manager.create_objective(OBJECTIVE)
    indicator = manager.add_indicator(objective["id"], {**SATISFACTION, "start_period": month(5)})
    manager.record_measurement(indicator["id"], measure(month(2), 60))
    board = manager.dashboard()
    today = local_today()
    due = periods.due_periods("monthly", month(5), today, periods.DEFAULT_GRACE_DAYS)
    assert board["reporting"]["as_of"] == today.isoformat()
    assert board["reporting"]["due_periods"] == len(due) >= 4
    assert board["reporting"]["reported_periods"] == 1
    assert [item["period"] for item in board["late_measurements"]] == [str(p) for p in due if str(p) != month(2)]
    assert all(item["days_late"] >= 1 for item in board["late_measurements"])


# --- timers --------------------------------------------------------------------------------------------


def test_missing_measurements_are_noticed_once(council, service_as, uow_for, objectives_database):
    council(FES)
    council(ORIENTAL)
    for tenant in (FES, ORIENTAL):
        manager = service_as(tenant)
        objective = manager.create_objective(owned(OBJECTIVE, tenant))
        indicator = manager.add_indicator(objective["id"], {**owned(SATISFACTION, tenant), "start_period": month(4)})
        manager.record_measurement(indicator["id"], measure(month(3), 60))
    timer = worker_factory(ObjectivesService, uow=uow_for(method="notice_missing_measurements"))
    timer.notice_missing_measurements()
    timer.notice_missing_measurements()  # the next tick: nothing new
    missing = outbox(objectives_database, "indicator.measurement_missing")
    late = [
        str(p) for p in periods.late_periods("monthly", month(4), {month(3)}, local_today(), periods.DEFAULT_GRACE_DAYS)
    ]
    assert len(late) >= 2
    assert sorted(e["tenant_id"] for e in missing) == [FES, ORIENTAL]  # one event per council and run
    assert sorted((e["tenant_id"], item["period"]) for e in missing for item in e["payload"]["items"]) == sorted(
        (tenant, period) for tenant in (FES, ORIENTAL) for period in late
    )
    for event in missing:
        validate_event(event)
        assert all(item["days_late"] >= 1 for item in event["payload"]["items"])


def test_a_closed_objective_takes_no_measurement(council, service_as, uow_for):
    tenants = two_councils_reporting(council, service_as, uow_for)
    objective, indicator = tenants[ORIENTAL]
    oriental = service_as(ORIENTAL)
    oriental.update_objective(objective["id"], {"state": "abandoned", "abandon_reason": "Fusion"})
    with pytest.raises(domain.StateChangeNotAllowed) as caught:
        oriental.record_measurement(indicator["id"], measure(month(1), 50))
    assert "reopen" in caught.value.message
