"""PolicyService entrypoints through Nameko's worker_factory."""

import json
from datetime import timedelta

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import text

from jouda.shared.clock import local_today
from jouda.services.policy import domain
from jouda.services.policy.service import PolicyService
from jouda.shared.errors import TenantRequired
from jouda.shared.events.catalogue import build_event, validate_event
from jouda.shared.unit_of_work import DuplicateEvent

CONTENT = {"title": "Politique Qualité", "orientations": [{"code": "OS1", "title": "Qualité"}]}


def outbox(database, event_type=None):
    with database.engine.connect() as connection:
        rows = connection.execute(text("SELECT envelope FROM outbox_events ORDER BY id")).scalars().all()
    events = [json.loads(row) for row in rows]
    return [e for e in events if event_type is None or e["type"] == event_type]


def publish_as(uow_for, tenant):
    manager = worker_factory(PolicyService, uow=uow_for(tenant=tenant, user="qm", role="quality_manager"))
    director = worker_factory(PolicyService, uow=uow_for(tenant=tenant, user="dgs", role="director"))
    version = manager.create_policy(CONTENT)
    manager.transition(version["id"], "submit")
    director.transition(version["id"], "approve")
    return manager.transition(version["id"], "publish")


def test_commands_refuse_a_call_without_a_tenant(uow_for):
    service = worker_factory(PolicyService, uow=uow_for(tenant=None))
    with pytest.raises(TenantRequired):
        service.create_policy(CONTENT)
    with pytest.raises(TenantRequired):
        service.current()


def test_publish_writes_its_events_in_the_same_commit(uow_for, policy_database):
    published = publish_as(uow_for, "fes-meknes")
    assert published["status"] == "published"
    events = outbox(policy_database)
    assert [e["type"] for e in events] == ["policy.submitted", "policy.approved", "policy.published", "deadline.set"]
    for event in events:
        validate_event(event)
        assert event["tenant_id"] == "fes-meknes"
    published_event, review = events[-2:]
    assert published_event["payload"]["orientations"] == CONTENT["orientations"]
    # The next review, announced as a deadline: a new cycle of reminders for this policy.
    assert {key: review["payload"][key] for key in ("kind", "ref_id", "due_date", "link", "restart")} == {
        "kind": "policy_review",
        "ref_id": published["policy_id"],
        "due_date": published["next_review_date"],
        "link": "/policy",
        "restart": True,
    }
    assert uow_for.wakes, "the relay is woken after a commit that added events"


def test_review_due_timer_notifies_once_per_version(uow_for, policy_database):
    published = publish_as(uow_for, "fes-meknes")
    other = publish_as(uow_for, "oriental")
    soon = local_today() + timedelta(days=domain.REVIEW_NOTICE_DAYS - 1)  # the councils' today, as the timer's
    with policy_database.transaction(all_tenants=True) as session:
        session.get(domain.PolicyVersion, published["id"]).next_review_date = soon
    timer = worker_factory(PolicyService, uow=uow_for(method="send_review_notices"))
    timer.send_review_notices()
    timer.send_review_notices()  # the next tick: nothing new to say
    due = outbox(policy_database, "policy.review_due")
    assert len(due) == 1  # the other council's review is a year away
    validate_event(due[0])
    assert (due[0]["tenant_id"], due[0]["payload"]["version_id"]) == ("fes-meknes", published["id"])
    assert due[0]["payload"]["days_left"] == domain.REVIEW_NOTICE_DAYS - 1
    assert other["id"] != published["id"]


def test_user_events_are_applied_once(uow_for, policy_database):
    event = build_event(
        "gateway.user_created",
        "fes-meknes",
        "admin",
        {
            "user_id": "u-9",
            "role": "staff",
            "active": True,
            "language": "ar",
            "email": "u-9@fes-meknes.test",
            "name": None,
        },
    )
    service = worker_factory(PolicyService, uow=uow_for(method="on_user_created"))
    service.on_user_created(event)
    with pytest.raises(DuplicateEvent):
        service.on_user_created(event)
    reader = worker_factory(PolicyService, uow=uow_for(tenant="fes-meknes", role="quality_manager"))
    version = publish_as(uow_for, "fes-meknes")
    assert reader.acknowledgement_summary(version["id"])["active_users"] == 1


def test_an_older_user_event_never_overwrites_a_newer_one(uow_for, policy_database):
    from datetime import datetime, timezone

    created_at = datetime(2026, 1, 1, 9, 0, tzinfo=timezone.utc)
    user = {"user_id": "u-7", "role": "staff", "language": "fr", "email": "u-7@fes-meknes.test", "name": "Agent"}
    created = build_event(
        "gateway.user_created", "fes-meknes", "admin", {**user, "active": True}, occurred_at=created_at
    )
    deactivated = build_event(
        "gateway.user_updated",
        "fes-meknes",
        "admin",
        {**user, "active": False},
        occurred_at=created_at + timedelta(minutes=5),
    )
    # The deactivation is applied first (the creation waited in a retry queue meanwhile).
    worker_factory(PolicyService, uow=uow_for(method="on_user_updated")).on_user_updated(deactivated)
    worker_factory(PolicyService, uow=uow_for(method="on_user_created")).on_user_created(created)
    version = publish_as(uow_for, "fes-meknes")
    reader = worker_factory(PolicyService, uow=uow_for(tenant="fes-meknes", role="quality_manager"))
    assert reader.acknowledgement_summary(version["id"])["active_users"] == 0


def test_a_council_cannot_create_a_second_policy(uow_for):
    publish_as(uow_for, "fes-meknes")
    manager = worker_factory(PolicyService, uow=uow_for(tenant="fes-meknes", role="quality_manager"))
    with pytest.raises(domain.PolicyExists):
        manager.create_policy(CONTENT)
