"""MinistryService: the national read model and indicator catalogue, fed by events only.

The events are the ones the objectives service really emits: its RPCs run on its own SQLite
database (the fixtures of test_objectives_service), and what its outbox holds is handed to the
ministry's batch handlers as their consumers would receive it."""

import json
import uuid
from datetime import datetime, timezone

import pytest
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.testing.services import worker_factory

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
