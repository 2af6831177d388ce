"""MinistryService: the national read model and indicator catalogue, fed by events only.

The events are the ones the objectives service really emits: its RPCs run on its own SQLite
database (the fixtures of test_objectives_service), and what its outbox holds is handed to the
ministry's batch handlers as their consumers would receive it."""

import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.testing.services import worker_factory
from sqlalchemy import text

from jouda.services.ministry import domain
from jouda.services.ministry.service import MinistryService
from jouda.services.objectives.service import ObjectivesService
from jouda.shared import periods
from jouda.shared.clock import local_today
from jouda.shared.consumer import EventHandler
from jouda.shared.errors import RoleNotAllowed, ValidationFailed
from jouda.shared.events.catalogue import build_event
from jouda.shared.unit_of_work import DuplicateEvent
from tests.service.conftest import Caller, open_service_database, unit_of_work_factory
from tests.service.test_objectives_service import (  # noqa: F401 - fixtures
    FES,
    OBJECTIVE,
    ORIENTAL,
    ORIENTATIONS,
    QM,
    SATISFACTION,
    add_user,
    measure,
    month,
    objectives_database,
    outbox,
    owned,
    publish_policy,
    service_as,
    two_councils_reporting,
    uow_for,
    user,
)

# event type -> the ministry's handler of it, as the service class declares them
HANDLERS = {
    entrypoint.event_type: name
    for name, method in vars(MinistryService).items()
    for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ())
    if isinstance(entrypoint, EventHandler)
}


@pytest.fixture
def ministry_database(tmp_path):
    database = open_service_database("ministry", tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def ministry_uow_for(ministry_database):
    return unit_of_work_factory("ministry", ministry_database, "u-ministry", "ministry")


@pytest.fixture
def ministry_as(ministry_uow_for):
    def make(tenant=None, user="u-ministry", role="ministry"):
        return DecodedViews(Caller(MinistryService, ministry_uow_for, tenant, user, role))

    return make


@pytest.fixture
def ministry(ministry_as, ministry_database):
    views = ministry_as()
    views.database = ministry_database
    return views


@pytest.fixture
def project(ministry_uow_for):
    """Feed events to the read model's batch handlers: one batch per handler and council."""

    def feed(events):
        batches = {}
        for event in events:
            if event["type"] in HANDLERS:
                batches.setdefault((HANDLERS[event["type"]], event["tenant_id"]), []).append(event)
        for (method, _), batch in batches.items():
            getattr(worker_factory(MinistryService, uow=ministry_uow_for(method=method)), method)(batch)

    return feed


@pytest.fixture
def council(uow_for, project):
    """A council with a published policy (told to the objectives service and the ministry) and its staff."""

    def make(tenant=FES):
        project([publish_policy(uow_for, tenant, ORIENTATIONS)])
        for name, role in (("u-qm", QM), ("u-owner", "staff"), ("u-po", "process_owner"), ("u-other", "staff")):
            add_user(uow_for, tenant, user(tenant, name), role)
        return tenant

    return make


class DecodedViews:
    """The ministry's views leave the service as JSON text; the tests read them decoded."""

    def __init__(self, service):
        self.service = service

    def __getattr__(self, name):
        method = getattr(self.service, name)

        def call(*args, **kwargs):
            result = method(*args, **kwargs)
            return json.loads(result) if isinstance(result, str) else result

        return call


def test_the_catalogue_is_seeded_kept_by_the_ministry_and_copied_by_the_objectives(
    ministry_as, ministry, uow_for, service_as, council
):
    codes = [entry["code"] for entry in ministry_as(FES, role=QM).catalogue()["items"]]
    assert {"SATISFACTION", "PROCESSING_DAYS"} <= set(codes)
    assert codes == sorted(codes)
    entry = {
        "code": "WATER_QUALITY",
        "name_fr": "Qualité de l'eau",
        "name_ar": "جودة الماء",
        "unit": "%",
        "direction": "increase",
    }
    with pytest.raises(RoleNotAllowed):
        ministry_as(None, role=QM).add_catalogue_entry(entry)
    added = ministry.add_catalogue_entry(entry)
    assert added["code"] == "WATER_QUALITY"
    with pytest.raises(domain.CatalogueCodeExists):
        ministry.add_catalogue_entry(entry)
    assert "WATER_QUALITY" in [e["code"] for e in ministry_as(ORIENTAL, role=QM).catalogue()["items"]]
    # The objectives service maps indicators against its copy, fed by the catalogue's events.
    council(ORIENTAL)
    objective = service_as(ORIENTAL).create_objective(owned(OBJECTIVE, ORIENTAL))
    water = {**owned(SATISFACTION, ORIENTAL), "catalogue_code": "WATER_QUALITY"}
    with pytest.raises(ValidationFailed):
        service_as(ORIENTAL).add_indicator(objective["id"], water)
    [added_event] = outbox(ministry.database, "ministry.catalogue_entry_added")
    worker_factory(ObjectivesService, uow=uow_for(method="on_catalogue_entry")).on_catalogue_entry(added_event)
    assert service_as(ORIENTAL).add_indicator(objective["id"], water)["catalogue_code"] == "WATER_QUALITY"


@pytest.mark.parametrize("role", ["quality_manager", "director", "process_owner", "auditor", "staff"])
def test_ministry_views_refuse_council_roles(ministry_as, role):
    for tenant in (None, FES):
        service = ministry_as(tenant, role=role)
        with pytest.raises(RoleNotAllowed):
            service.overview()
        with pytest.raises(RoleNotAllowed):
            service.national_indicator("SATISFACTION")
        with pytest.raises(RoleNotAllowed):
            service.audits()
        with pytest.raises(RoleNotAllowed):
            service.clauses()


def test_ministry_indicator_of_an_unknown_code(ministry):
    with pytest.raises(domain.IndicatorNotFound):
        ministry.national_indicator("NOT_THERE")


def tenant_created(code, name):
    return build_event("gateway.tenant_created", code, "admin", {"code": code, "name": name})


def test_the_read_model_is_built_from_events(council, service_as, uow_for, objectives_database, ministry, project):
    tenants = two_councils_reporting(council, service_as, uow_for)
    project([tenant_created(FES, "Région Fès-Meknès"), tenant_created(ORIENTAL, "Région de l'Oriental")])
    project(outbox(objectives_database))

    rows = {row["tenant"]: row for row in ministry.overview()["items"]}
    assert set(rows) == {FES, ORIENTAL}
    fes, oriental = rows[FES], rows[ORIENTAL]
    assert (fes["name"], fes["policy_published"], fes["policy_version"]) == ("Région Fès-Meknès", True, 1)
    assert fes["objectives"] == 1
    assert fes["objectives_by_status"]["on_track"] == 1  # 72 %: above amber, below target
    assert oriental["objectives_by_status"]["off_track"] == 1  # 45 %: below the baseline
    for tenant, row in rows.items():
        board = service_as(tenant).dashboard()["reporting"]
        assert (row["reported_periods"], row["due_periods"]) == (board["reported_periods"], board["due_periods"])
        assert row["reporting_completeness"] == board["completeness"]
        assert row["completeness_as_of"] == local_today().isoformat()

    national = ministry.national_indicator("SATISFACTION")
    assert national["indicator"]["code"] == "SATISFACTION"
    items = {item["tenant"]: item for item in national["items"]}
    assert (items[FES]["indicator_id"], items[FES]["latest_period"], items[FES]["latest_value"]) == (
        tenants[FES][1]["id"],
        month(2),
        72.0,
    )
    assert (items[FES]["status"], items[FES]["trend"], items[FES]["name"]) == (
        "on_track",
        "improving",
        "Région Fès-Meknès",
    )
    assert (items[ORIENTAL]["status"], items[ORIENTAL]["latest_value"]) == ("off_track", 45.0)
    # No personal data in the ministry's views.
    for item in national["items"] + list(rows.values()):
        assert not {"owner_id", "recorded_by", "user_id", "created_by"} & set(item)
    assert ministry.national_indicator("PROCESSING_DAYS")["items"] == []


def test_the_read_model_applies_each_event_once(council, service_as, uow_for, objectives_database, ministry, project):
    two_councils_reporting(council, service_as, uow_for)
    events = outbox(objectives_database, "indicator.measurement_recorded", tenant=FES)
    project(events)
    with pytest.raises(DuplicateEvent):
        project(events)
    items = ministry.national_indicator("SATISFACTION")["items"]
    assert [(item["tenant"], item["latest_value"]) for item in items] == [(FES, 72.0)]


def test_an_older_measurement_event_arriving_late_does_not_win(
    council, service_as, uow_for, objectives_database, ministry, project
):
    two_councils_reporting(council, service_as, uow_for)
    first, second = outbox(objectives_database, "indicator.measurement_recorded", tenant=FES)
    project([second])  # the first waited in a retry queue meanwhile
    project([first])
    [item] = ministry.national_indicator("SATISFACTION")["items"]
    assert (item["latest_period"], item["latest_value"], item["status"]) == (month(2), 72.0, "on_track")
    project(outbox(objectives_database, "objective.created", tenant=FES))
    rows = {row["tenant"]: row for row in ministry.overview()["items"]}
    reporting = service_as(FES).dashboard()["reporting"]
    assert (
        (rows[FES]["reported_periods"], rows[FES]["due_periods"])
        == (reporting["reported_periods"], reporting["due_periods"])
        == (2, len(periods.due_periods("monthly", month(4), local_today(), periods.DEFAULT_GRACE_DAYS)))
    )


def test_closed_objectives_leave_the_national_figures(
    council, service_as, uow_for, objectives_database, ministry, project
):
    tenants = two_councils_reporting(council, service_as, uow_for)
    project(outbox(objectives_database))
    objective, _ = tenants[ORIENTAL]
    service_as(ORIENTAL).update_objective(objective["id"], {"state": "abandoned", "abandon_reason": "Fusion"})
    project(outbox(objectives_database, "objective.updated", tenant=ORIENTAL)[-1:])
    rows = {row["tenant"]: row for row in ministry.overview()["items"]}
    assert rows[ORIENTAL]["objectives_by_status"]["abandoned"] == 1
    assert rows[ORIENTAL]["objectives_by_status"]["off_track"] == 0
    assert (rows[ORIENTAL]["reported_periods"], rows[ORIENTAL]["due_periods"]) == (0, 0)
    assert rows[ORIENTAL]["reporting_completeness"] is None
    items = ministry.national_indicator("SATISFACTION")["items"]
    assert [item["tenant"] for item in items] == [FES]


def test_policy_acknowledgements_reach_the_overview(council, uow_for, ministry, project):
    council(FES)
    event = build_event(
        "policy.acknowledged",
        FES,
        "u-owner",
        {
            "policy_id": str(uuid.uuid4()),
            "version_id": str(uuid.uuid4()),
            "version": 1,
            "title": "Politique",
            "user_id": "u-owner",
            "acknowledged_at": datetime.now(timezone.utc),
            "acknowledgements": 3,
            "active_users": 4,
            "acknowledgement_rate": 0.75,
        },
    )
    project([event])
    [row] = ministry.overview()["items"]
    assert (row["tenant"], row["policy_version"], row["acknowledgement_rate"]) == (FES, 1, 0.75)
    assert row["objectives"] == 0 and row["reporting_completeness"] is None


@pytest.mark.parametrize("order", ["as_it_happened", "abandonment_first"])
def test_closing_an_objective_takes_it_out_of_the_national_figures_in_any_order(
    council, service_as, uow_for, objectives_database, order, ministry, project
):
    tenants = two_councils_reporting(council, service_as, uow_for)
    project(outbox(objectives_database))
    objective, indicator = tenants[ORIENTAL]
    oriental = service_as(ORIENTAL)
    oriental.record_measurement(indicator["id"], measure(month(1), 50))
    oriental.update_objective(objective["id"], {"state": "abandoned", "abandon_reason": "Fusion"})
    measured = outbox(objectives_database, "indicator.measurement_recorded", tenant=ORIENTAL)[-1]
    abandoned = outbox(objectives_database, "objective.updated", tenant=ORIENTAL)[-1]
    # The two event types have their own queues: either may be applied first.
    for event in [measured, abandoned] if order == "as_it_happened" else [abandoned, measured]:
        project([event])
    rows = {row["tenant"]: row for row in ministry.overview()["items"]}
    assert rows[ORIENTAL]["due_periods"] == 0
    assert [item["tenant"] for item in ministry.national_indicator("SATISFACTION")["items"]] == [FES]


def test_ministry_rows_have_the_documented_shape(council, service_as, uow_for, objectives_database, ministry, project):
    """The views are built as plain rows for speed: they must still match their OpenAPI schemas."""
    from jouda.services.ministry.schemas import NationalIndicatorRowSchema, OverviewRowSchema

    two_councils_reporting(council, service_as, uow_for)
    project(outbox(objectives_database))
    for rows, schema in (
        (ministry.overview()["items"], OverviewRowSchema()),
        (ministry.national_indicator("SATISFACTION")["items"], NationalIndicatorRowSchema()),
    ):
        assert rows
        for row in rows:
            assert set(row) == set(schema.fields)
            assert schema.validate(row) == {}


def test_a_reopened_objectives_indicator_returns_to_the_national_figures_in_any_order(
    council, service_as, uow_for, objectives_database, ministry, project
):
    tenants = two_councils_reporting(council, service_as, uow_for)
    project(outbox(objectives_database))
    objective, indicator = tenants[ORIENTAL]
    oriental = service_as(ORIENTAL)
    oriental.update_objective(objective["id"], {"state": "abandoned", "abandon_reason": "Fusion"})
    project(outbox(objectives_database, "objective.updated", tenant=ORIENTAL)[-1:])
    oriental.update_objective(objective["id"], {"state": "active"})
    reopened = outbox(objectives_database, "objective.updated", tenant=ORIENTAL)[-1]
    oriental.record_measurement(indicator["id"], measure(month(1), 50))
    measured = outbox(objectives_database, "indicator.measurement_recorded", tenant=ORIENTAL)[-1]
    project([measured])  # the newer event first: the reopening arrives after it
    project([reopened])
    assert {item["tenant"] for item in ministry.national_indicator("SATISFACTION")["items"]} == {FES, ORIENTAL}


# --- audits and nonconformities (the audits service's events) ----------------------------------------------

YEAR = local_today().year
PROGRAMME, PROCESS = str(uuid.uuid4()), str(uuid.uuid4())
PEOPLE = ("u-lead", "u-team", "u-auditee", "u-opener")  # in the events, never in the read model
AUDIT_EVENTS = {
    "planned": "audit.planned",
    "prepared": "audit.prepared",
    "in_progress": "audit.started",
    "reported": "audit.reported",
    "closed": "audit.closed",
    "cancelled": "audit.cancelled",
}


def ago(days):
    return datetime.now(timezone.utc) - timedelta(days=days)


def audit_event(tenant, audit_id, state, at, *, year=YEAR, programme=True, event_type=None):
    payload = {
        "audit_id": audit_id,
        "reference": f"AUD-{year}-007",
        "title": "Audit du processus Accueil des usagers",
        "type": "internal",
        "programme_id": PROGRAMME if programme else None,
        "year": year,
        "planned_month": f"{year}-03",
        "planned_start": None,
        "planned_end": None,
        "process_ids": [PROCESS],
        "clauses": ["8.2.1", "8.5.1"],
        "lead_auditor_id": "u-lead",
        "team_ids": ["u-team"],
        "auditee_ids": ["u-auditee"],
        "state": state,
        "comment": "Report demandé par u-lead" if state == "cancelled" else None,
    }
    event_type = event_type or AUDIT_EVENTS[state]
    if event_type == "audit.reported":
        payload.update(results={"conform": 5, "nonconform": 1}, nonconformities=1)
    return build_event(event_type, tenant, "u-lead", payload, occurred_at=at)


def nonconformity_event(
    tenant,
    nonconformity_id,
    state,
    at,
    *,
    opened_at,
    closed_at=None,
    clause="8.5.1",
    severity="minor",
    recurrence=False,
    verifications=0,
    first_time_effective=None,
    event_type=None,
):
    payload = {
        "nonconformity_id": nonconformity_id,
        "reference": "NC-2026-012",
        "title": "Registre des réclamations non tenu à jour",
        "process_id": PROCESS,
        "clause": clause,
        "severity": severity,
        "source": "internal_audit",
        "audit_id": None,
        "state": state,
        "opened_at": opened_at,
        "closed_at": closed_at,
        "recurrence_of": str(uuid.uuid4()) if recurrence else None,
        "verifications": verifications,
        "first_time_effective": first_time_effective,
    }
    event_type = event_type or {"open": "nonconformity.opened", "closed": "nonconformity.closed"}.get(
        state, "nonconformity.status_changed"
    )
    if event_type == "nonconformity.status_changed":
        payload.update(action="move", old_state="open", comment="Vu avec u-opener")
    return build_event(event_type, tenant, "u-opener", payload, occurred_at=at)


def nonconformity(tenant, state="open", *, opened_days_ago=20, days_to_close=None, **options):
    """A nonconformity's one event, as it stands: opened `opened_days_ago`, closed after `days_to_close`."""
    opened_at = ago(opened_days_ago)
    closed_at = opened_at + timedelta(days=days_to_close) if days_to_close is not None else None
    return nonconformity_event(
        tenant, str(uuid.uuid4()), state, closed_at or opened_at, opened_at=opened_at, closed_at=closed_at, **options
    )


def closed(tenant, days_to_close, *, first_time_effective=True, verifications=None, **options):
    return nonconformity(
        tenant,
        "closed",
        opened_days_ago=days_to_close + 5,
        days_to_close=days_to_close,
        first_time_effective=first_time_effective,
        verifications=verifications or (1 if first_time_effective else 2),
        **options,
    )


def positions_of(database, table):
    with database.transaction(all_tenants=True) as session:
        return [dict(row._mapping) for row in session.execute(text(f"SELECT * FROM {table}"))]


def test_audits_and_nonconformities_are_projected_as_figures_only(ministry, project):
    audit_id, nonconformity_id = str(uuid.uuid4()), str(uuid.uuid4())
    opened_at = ago(30)
    project(
        [
            audit_event(FES, audit_id, "planned", ago(60)),
            audit_event(FES, audit_id, "in_progress", ago(40)),
            audit_event(FES, audit_id, "reported", ago(31)),
            nonconformity_event(FES, nonconformity_id, "open", opened_at, opened_at=opened_at, recurrence=True),
            nonconformity_event(FES, nonconformity_id, "analysed", ago(25), opened_at=opened_at, recurrence=True),
        ]
    )
    [audit] = positions_of(ministry.database, "audit_positions")
    assert (audit["audit_id"], audit["tenant_id"], audit["year"], audit["type"]) == (audit_id, FES, YEAR, "internal")
    assert (audit["state"], bool(audit["in_programme"])) == ("reported", True)
    [found] = positions_of(ministry.database, "nonconformity_positions")
    assert (found["nonconformity_id"], found["tenant_id"], found["clause"], found["severity"]) == (
        nonconformity_id,
        FES,
        "8.5.1",
        "minor",
    )
    assert (found["source"], found["state"], bool(found["recurrence"]), found["verifications"]) == (
        "internal_audit",
        "analysed",
        True,
        0,
    )
    assert found["closed_at"] is None and found["first_time_effective"] is None
    # Figures only: no person, title, reference or comment is kept.
    for row in (audit, found):
        assert {name for name in row if name.endswith("_id")} <= {"audit_id", "nonconformity_id", "tenant_id"}
        assert not {"title", "reference", "comment", "lead_auditor_id", "opened_by"} & set(row)
    # An audit outside a programme, cancelled.
    other = str(uuid.uuid4())
    project([audit_event(FES, other, "cancelled", ago(5), programme=False)])
    states = {
        row["audit_id"]: (row["state"], bool(row["in_programme"]))
        for row in positions_of(ministry.database, "audit_positions")
    }
    assert states[other] == ("cancelled", False)


def test_an_older_audits_event_arriving_late_does_not_win(ministry, project):
    nonconformity_id, audit_id = str(uuid.uuid4()), str(uuid.uuid4())
    opened_at = ago(30)
    changed = nonconformity_event(FES, nonconformity_id, "effectiveness_check", ago(10), opened_at=opened_at)
    closed_event = nonconformity_event(
        FES,
        nonconformity_id,
        "closed",
        ago(2),
        opened_at=opened_at,
        closed_at=ago(2),
        verifications=1,
        first_time_effective=True,
    )
    reported = audit_event(FES, audit_id, "reported", ago(20))
    started = audit_event(FES, audit_id, "in_progress", ago(25))
    project([closed_event, reported])  # the older ones waited in a retry queue meanwhile
    project([changed, started])
    [found] = positions_of(ministry.database, "nonconformity_positions")
    assert (found["state"], found["verifications"], bool(found["first_time_effective"])) == ("closed", 1, True)
    assert found["closed_at"] is not None
    [audit] = positions_of(ministry.database, "audit_positions")
    assert audit["state"] == "reported"
    [row] = ministry.audits()["items"]
    assert (row["open_nonconformities"], row["audits_done"]) == (0, 1)


def test_the_audit_figures_of_each_council(ministry, project):
    project([tenant_created(FES, "Région Fès-Meknès"), tenant_created(ORIENTAL, "Région de l'Oriental")])
    audits = {state: str(uuid.uuid4()) for state in ("planned", "in_progress", "reported", "closed", "cancelled")}
    project(
        [audit_event(FES, audit_id, state, ago(10)) for state, audit_id in audits.items()]
        + [
            audit_event(FES, str(uuid.uuid4()), "closed", ago(400), year=YEAR - 1),  # another year
            audit_event(ORIENTAL, str(uuid.uuid4()), "planned", ago(3), programme=False),
        ]
    )
    project(
        [
            nonconformity(FES, "open", severity="major"),
            nonconformity(FES, "action_planned", severity="major"),
            nonconformity(FES, "analysed"),
            nonconformity(FES, "rejected", severity="major", recurrence=True),  # not a nonconformity after all
            closed(FES, 10),  # effective at the first check
            closed(FES, 25, first_time_effective=False),  # effective at the second
            nonconformity(FES, "open", recurrence=True, opened_days_ago=30),  # a recurrence of this year
            closed(FES, 20, recurrence=True),  # another, closed
            nonconformity(FES, "open", recurrence=True, opened_days_ago=400),  # older than twelve months
        ]
    )
    rows = ministry.audits()["items"]
    assert [row["tenant"] for row in rows] == [FES, ORIENTAL]
    fes, oriental = rows
    assert fes == {
        "tenant": FES,
        "name": "Région Fès-Meknès",
        "year": YEAR,
        "audits_planned": 4,  # not the cancelled one, nor last year's
        "audits_done": 2,  # reported or closed
        "open_nonconformities": 5,  # neither closed nor rejected
        "open_major": 2,
        "open_minor": 3,
        "mean_days_to_close": round((10 + 25 + 20) / 3, 1),
        "first_time_effectiveness_rate": round(2 / 3, 4),
        "recurrences": 2,
    }
    assert oriental == {
        "tenant": ORIENTAL,
        "name": "Région de l'Oriental",
        "year": YEAR,
        "audits_planned": 1,
        "audits_done": 0,
        "open_nonconformities": 0,
        "open_major": 0,
        "open_minor": 0,
        "mean_days_to_close": None,  # none closed
        "first_time_effectiveness_rate": None,
        "recurrences": 0,
    }
    last_year = {row["tenant"]: row for row in ministry.audits(YEAR - 1)["items"]}
    assert (last_year[FES]["year"], last_year[FES]["audits_planned"], last_year[FES]["audits_done"]) == (
        YEAR - 1,
        1,
        1,
    )
    assert last_year[FES]["open_nonconformities"] == 5  # the nonconformities stand as they are now
    for year in (1999, 2101, "2026", True):
        with pytest.raises(ValidationFailed):
            ministry.audits(year)


def test_the_national_view_by_clause(ministry, project):
    project(
        [
            nonconformity(FES, "open", clause="7.5.3", severity="major"),
            nonconformity(FES, "analysed", clause="7.5.3"),
            closed(ORIENTAL, 12, clause="7.5.3", recurrence=True),
            nonconformity(ORIENTAL, "rejected", clause="7.5.3"),  # not counted
            nonconformity(FES, "open", clause="10.2", recurrence=True),
            nonconformity(ORIENTAL, "open", clause="9.2", severity="major"),
            nonconformity(ORIENTAL, "rejected", clause="8.4"),  # no row: none was a nonconformity
        ]
    )
    rows = ministry.clauses()["items"]
    assert [row["clause"] for row in rows] == ["7.5.3", "9.2", "10.2"]  # most first, then the standard's order
    catalogue = {
        entry["clause"]: entry
        for entry in json.loads(
            (Path(__file__).parents[2] / "services" / "audits" / "clauses.json").read_text(encoding="utf-8")
        )["clauses"]
    }
    assert rows[0] == {
        "clause": "7.5.3",
        "title_fr": catalogue["7.5.3"]["title_fr"],
        "title_ar": catalogue["7.5.3"]["title_ar"],
        "nonconformities": 3,
        "open": 2,
        "major": 1,
        "minor": 2,
        "councils": 2,
        "recurrences": 1,
    }
    assert (rows[1]["open"], rows[1]["major"], rows[1]["councils"]) == (1, 1, 1)
    assert (rows[2]["recurrences"], rows[2]["title_fr"]) == (1, catalogue["10.2"]["title_fr"])


def test_the_audit_views_have_their_documented_shape_csv_columns_and_no_person(ministry, project):
    from jouda.services.ministry.http import OPERATIONS
    from jouda.services.ministry.schemas import AuditsRowSchema, ClauseRowSchema
    from jouda.shared.exports import csv_text

    project([tenant_created(FES, "Région Fès-Meknès")])
    project(
        [
            audit_event(FES, str(uuid.uuid4()), "reported", ago(10)),
            nonconformity(FES, "open", severity="major", recurrence=True),
            closed(FES, 15),
        ]
    )
    operations = {operation.operation_id: operation for operation in OPERATIONS}
    for name, call, schema, columns in (
        (
            "ministry_audits",
            ministry.service.audits,
            AuditsRowSchema(),
            "tenant,name,year,audits_planned,audits_done,open_nonconformities,open_major,open_minor,"
            "mean_days_to_close,first_time_effectiveness_rate,recurrences",
        ),
        (
            "ministry_clauses",
            ministry.service.clauses,
            ClauseRowSchema(),
            "clause,title_fr,title_ar,nonconformities,open,major,minor,councils,recurrences",
        ),
    ):
        answer = call()  # the JSON text the gateway passes through
        for word in PEOPLE + ("NC-2026-012", "AUD-", "Registre des réclamations", "Accueil des usagers"):
            assert word not in answer
        document = json.loads(answer)
        assert document["items"]
        for row in document["items"]:
            assert set(row) == set(schema.fields)
            assert schema.validate(row) == {}
        operation = operations[name]
        assert operation.raw and operation.roles == domain.KEEPERS
        header, *lines = csv_text(operation.csv.columns, operation.csv.rows(document)).lstrip("\ufeff").splitlines()
        assert header == columns
        assert len(lines) == len(document["items"])
    assert operations["ministry_audits"].query[0].bounds == (2000, 2100)
