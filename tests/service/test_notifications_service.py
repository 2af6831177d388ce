"""NotificationsService entrypoints through Nameko's worker_factory, on a real SQLite database (the
service's own migrations) behind the unit-of-work dependency: no broker, no PostgreSQL.

The Dispatcher dependency is replaced by its two attributes the entrypoints use (`settings`,
`wake`); the timers' work is driven through the service's modules with an explicit `today`/`now`, in the
units of work the service would open (all councils, or one council's system unit of work).
E-mail goes to a maildir or to a closed port; webhooks to a local eventlet.wsgi server or to a
closed port."""

import email
import email.policy
import hashlib
import hmac
import json
import mailbox
import socket
import uuid
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import eventlet
import eventlet.wsgi
import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import event as sqlalchemy_event, select

from jouda.services.notifications import channels, deadlines, digests, dispatch, domain, routing, webhooks
from jouda.shared.events.contracts import DEADLINE_CLEARED, DEADLINE_SET
from jouda.services.notifications.service import NotificationsService
from jouda.shared.clock import as_utc, local_today, utc_now
from jouda.shared.config import Settings
from jouda.shared.errors import RoleNotAllowed, TenantRequired, ValidationFailed
from jouda.shared.events.catalogue import build_event
from tests.service.conftest import Caller, open_service_database, unit_of_work_factory
from jouda.shared.unit_of_work import DuplicateEvent, EVERY_COUNCIL, Scope

FES, ORIENTAL = "fes-meknes", "oriental"
COUNCIL_NAMES = {FES: "Fès-Meknès", ORIENTAL: "L'Oriental"}
QM, DIRECTOR = "quality_manager", "director"
PUBLIC_URL = "https://jouda.example"
SETTINGS = Settings(public_url=PUBLIC_URL, delivery_retry_base_seconds=5.0)
PRIVATE_ALLOWED = Settings(public_url=PUBLIC_URL, delivery_retry_base_seconds=5.0, webhook_allow_private=True)
BASE = 5.0  # delivery_retry_base_seconds of the dispatch calls below
POLICY = {
    "policy_id": str(uuid.uuid4()),
    "version_id": str(uuid.uuid4()),
    "version": 2,
    "title": "Politique qualité 2026",
}
DNS = {"hooks.example.org": ["93.184.215.14"], "intranet.council.ma": ["10.1.2.3"]}

# Fès-Meknès: (user id, role, language, name, active)
STAFF = [
    ("u-qm", QM, "fr", "Salma Benali", True),
    ("u-qm-ar", QM, "ar", "سلمى العلوي", True),
    ("u-dir", DIRECTOR, "fr", "Driss Tazi", True),
    ("u-owner", "staff", "fr", "Karim Idrissi", True),
    ("u-staff", "staff", "ar", None, True),
    ("u-gone", "staff", "fr", "Ancien agent", False),
]
ACTIVE = sorted(user_id for user_id, *_, active in STAFF if active)


def fake_resolve(host):
    if host[0].isdigit() or ":" in host:
        return [host]
    if host not in DNS:
        raise OSError(f"unknown host {host}")
    return DNS[host]


def address(user_id, tenant=FES):
    return f"{user_id}@{tenant}.test"


def closed_port():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def notifications_database(tmp_path):
    database = open_service_database("notifications", tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def uow_for(notifications_database):
    return unit_of_work_factory("notifications", notifications_database, "u-qm", QM)


@pytest.fixture
def wakes():
    return []


@pytest.fixture
def service_as(uow_for, wakes):
    def make(tenant=FES, user="u-qm", role=QM, settings=SETTINGS, method=None):
        dispatcher = SimpleNamespace(settings=settings, wake=lambda: wakes.append(1))
        if method is not None:  # an event handler or a timer
            return worker_factory(
                NotificationsService,
                uow=uow_for(method=method, tenant=tenant, user=user, role=role),
                dispatcher=dispatcher,
            )
        return Caller(NotificationsService, uow_for, tenant, user, role, dispatcher=dispatcher)

    return make


# The services announcing deadlines, by kind (their notices declare the kinds).
DEADLINE_SOURCES = {"objective": "objectives", "policy_review": "policy"}


@pytest.fixture
def deliver(service_as):
    """Hand an event to the handler the service subscribes with: a routed type's batch handler (a
    batch of one), a publisher's deadline handler, or the gateway's events' handlers."""

    def send(event):
        event_type, argument = event["type"], event
        if event_type in routing.routes():
            method, argument = "on_" + event_type.replace(".", "_"), [event]
        elif event_type in (DEADLINE_SET, DEADLINE_CLEARED):
            method = f"on_{DEADLINE_SOURCES[event['payload']['kind']]}_{event_type.replace('.', '_')}"
        else:
            method = "on_" + event_type.split(".", 1)[1]
        return getattr(service_as(tenant=None, user=None, role=None, method=method), method)(argument)

    return send


@pytest.fixture
def council(deliver):
    """A council (gateway.tenant_created) and its staff (gateway.user_created v2)."""

    def make(tenant=FES, staff=STAFF):
        deliver(build_event("gateway.tenant_created", tenant, "admin", {"code": tenant, "name": COUNCIL_NAMES[tenant]}))
        for user_id, role, language, name, active in staff:
            deliver(user_event(tenant, user_id, role, language=language, name=name, active=active))
        return tenant

    return make


@pytest.fixture
def run(uow_for, notifications_database):
    """The timers' and the dispatcher's work, in the units of work the service opens."""

    def all_councils():
        return uow_for()(EVERY_COUNCIL)

    def one_council(tenant):
        return uow_for()(Scope.council(tenant))

    class Run:
        @staticmethod
        def dispatch(mailer, now=None, allow_private=False, resolve=fake_resolve):
            """One round; the mailer's connection is closed after it, as the idle Dispatcher does."""
            try:
                return dispatch.dispatch(
                    notifications_database,
                    mailer,
                    now or utc_now(),
                    retry_base_seconds=BASE,
                    allow_private=allow_private,
                    resolve=resolve,
                    unrecorded=[],
                )
            finally:
                mailer.close()

        @staticmethod
        def digests(today):
            """As the timer does: the councils with digests waiting, then each in its own unit of work."""
            with all_councils() as uow:
                councils = digests.councils_awaiting_digest(uow)
            sent = 0
            for tenant in councils:
                with one_council(tenant) as uow:
                    sent += digests.send_digests(uow, today, PUBLIC_URL)
            return sent

        @staticmethod
        def reminders(today, tenant=FES):
            with all_councils() as uow:
                assert tenant in deadlines.councils_with_open_items(uow, today)
            with one_council(tenant) as uow:
                return deadlines.send_reminders(uow, today, PUBLIC_URL)

        @staticmethod
        def webhook_disabled(tenant, webhook_id):
            with one_council(tenant) as uow:
                webhooks.notify_webhook_disabled(uow, webhook_id, PUBLIC_URL)

    return Run


def rows(database, cls, **where):
    """Rows of a mapped class across every council (a system session), filtered by equality."""
    with database.transaction(all_tenants=True) as session:
        query = select(cls)
        for name, value in where.items():
            query = query.where(getattr(cls, name) == value)
        return session.scalars(query).all()


def emails(database, **where):
    return rows(database, domain.Delivery, channel=domain.EMAIL, **where)


# --- events -----------------------------------------------------------------------------------------


def user_event(
    tenant,
    user_id,
    role,
    *,
    language="fr",
    name=None,
    active=True,
    event_type="gateway.user_created",
    occurred_at=None,
    version=None,
    email_address=None,
):
    payload = {"user_id": user_id, "role": role, "active": active, "language": language}
    if version != 1:
        payload.update(email=email_address or address(user_id, tenant), name=name)
    return build_event(event_type, tenant, "admin", payload, occurred_at=occurred_at, version=version)


ORIENTAL_POLICY = {**POLICY, "policy_id": str(uuid.uuid4()), "version_id": str(uuid.uuid4())}


def policy_event(event_type, tenant=FES, **overrides):
    policy = POLICY if tenant == FES else ORIENTAL_POLICY  # ids are UUIDs: every council has its own
    transitioned = {**policy, "comment": None}
    payloads = {
        "policy.submitted": {**transitioned, "from_status": "draft", "to_status": "in_review"},
        "policy.approved": {**transitioned, "from_status": "in_review", "to_status": "approved"},
        "policy.changes_requested": {
            **transitioned,
            "from_status": "in_review",
            "to_status": "draft",
            "comment": "Préciser l'engagement n°3.",
        },
        "policy.published": {
            **transitioned,
            "from_status": "approved",
            "to_status": "published",
            "language": "fr",
            "body": "…",
            "orientations": [{"code": "OS1", "title": "Usagers"}],
            "commitments": ["Satisfaire les usagers"],
            "signatory": "Le Président",
            "effective_date": date(2026, 12, 1),
            "next_review_date": date(2027, 11, 21),
            "published_at": datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc),
            "superseded_version_id": None,
        },
        "policy.review_due": {**policy, "next_review_date": date(2027, 11, 21), "days_left": 30},
    }
    return build_event(event_type, tenant, "u-actor", {**payloads[event_type], **overrides})


def status_changed(new_status, tenant=FES, owner="u-owner", old_status="on_track", objective_id=None):
    return build_event(
        "objective.status_changed",
        tenant,
        "u-owner",
        {
            "objective_id": objective_id or str(uuid.uuid4()),
            "title": "Réduire les délais de paiement",
            "orientation_code": "OS1",
            "owner_id": owner,
            "old_status": old_status,
            "new_status": new_status,
            "indicator_id": str(uuid.uuid4()),
        },
    )


def missing_item(owner="u-owner", period="2026-10", name="Taux de satisfaction"):
    return {
        "objective_id": str(uuid.uuid4()),
        "indicator_id": str(uuid.uuid4()),
        "name": name,
        "owner_id": owner,
        "catalogue_code": None,
        "period": period,
        "period_end": date(int(period[:4]), int(period[5:]), 28),
        "days_late": 6,
    }


def measurement_missing(tenant=FES, owner="u-owner", items=None, version=None):
    """One run of the objectives service's timer in a council (`items`: several missing periods)."""
    items = items or [missing_item(owner)]
    payload = items[0] if version == 1 else {"items": items}
    return build_event("indicator.measurement_missing", tenant, "system", payload, version=version)


def objective_event(due_date, *, objective_id, state="active", owner="u-owner", occurred_at=None, tenant=FES):
    """What the objectives service announces of an objective: its deadline while active, none after."""
    if state != "active":
        return build_event(
            DEADLINE_CLEARED, tenant, "u-qm", {"kind": "objective", "ref_id": objective_id}, occurred_at=occurred_at
        )
    due_date = date.fromisoformat(due_date) if isinstance(due_date, str) else due_date
    return build_event(
        DEADLINE_SET,
        tenant,
        "u-qm",
        {
            "kind": "objective",
            "ref_id": objective_id,
            "title": "Réduire les délais de paiement",
            "due_date": due_date,
            "owner_id": owner,
            "link": f"/objectives/{objective_id}",
        },
        occurred_at=occurred_at,
    )


def review_deadline(next_review_date, tenant=FES):
    """What the policy service announces when a version is published: the next review, a new cycle."""
    policy = POLICY if tenant == FES else ORIENTAL_POLICY
    return build_event(
        DEADLINE_SET,
        tenant,
        "u-actor",
        {
            "kind": "policy_review",
            "ref_id": policy["policy_id"],
            "title": policy["title"],
            "due_date": next_review_date,
            "owner_id": None,
            "link": "/policies/current",
            "restart": True,
        },
    )


def inbox_of(service_as, user, tenant=FES, role="staff", **kwargs):
    return service_as(tenant=tenant, user=user, role=role).inbox(**kwargs)


def kinds_of(service_as, user, tenant=FES):
    return [item["kind"] for item in inbox_of(service_as, user, tenant)["items"]]


# --- who is notified ---------------------------------------------------------------------------------


def statements_for_a_batch(service_as, database, size):
    """SQL statements one batch handler run issues for `size` routed events of one council."""
    batch = [
        policy_event("policy.submitted", version=number + 2, version_id=str(uuid.uuid4())) for number in range(size)
    ]
    issued = []
    listener = lambda *args: issued.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    sqlalchemy_event.listen(database.engine, "before_cursor_execute", listener)
    try:
        service_as(tenant=None, user=None, role=None, method="on_policy_submitted").on_policy_submitted(batch)
    finally:
        sqlalchemy_event.remove(database.engine, "before_cursor_execute", listener)
    return len(issued)


def test_a_batch_of_routed_events_reads_the_council_once(council, service_as, notifications_database):
    # Each event of a batch once read the council, its people, their choices and the webhooks again
    # (and flushed before each read): about 6 ms of CPU per event, behind at 160 events/s.
    council()
    few, many = (statements_for_a_batch(service_as, notifications_database, size) for size in (2, 40))
    assert many <= few + 2  # the inserts grow in rows, not in statements
    assert len(inbox_of(service_as, "u-dir", role=DIRECTOR)["items"]) == 42


def test_a_routed_event_reaches_the_people_of_its_row(council, deliver, service_as, wakes):
    council(FES)
    council(ORIENTAL, [("u-oriental-qm", QM, "fr", "Nadia", True), ("u-oriental-dir", DIRECTOR, "fr", "Omar", True)])
    deliver(policy_event("policy.submitted"))
    box = inbox_of(service_as, "u-dir", role=DIRECTOR)
    assert (box["total"], box["limit"], box["offset"]) == (1, 50, 0)
    item = box["items"][0]
    assert item["kind"] == "policy.submitted" and item["mandatory"] is False and item["read"] is False
    assert item["subject"] == "Politique qualité soumise pour validation : Politique qualité 2026 (version 2)"
    assert item["link"] == f"/policy/versions/{POLICY['version_id']}"
    assert item["body"].startswith("Bonjour Driss Tazi,")
    assert "Conseil de la Région Fès-Meknès" in item["body"]  # the council's name, from gateway.tenant_created
    assert f"{PUBLIC_URL}/policy/versions/{POLICY['version_id']}" in item["body"]
    assert item["language"] == "fr" and item["read_at"] is None and item["created_at"]
    for user in ("u-qm", "u-owner", "u-oriental-qm", "u-oriental-dir"):
        tenant = ORIENTAL if "oriental" in user else FES
        assert inbox_of(service_as, user, tenant)["total"] == 0, user
    assert wakes, "the dispatcher is woken after a routed event"


def test_each_person_reads_it_in_their_language(council, deliver, service_as, notifications_database):
    council()
    deliver(policy_event("policy.approved"))
    french = inbox_of(service_as, "u-qm", role=QM)["items"][0]
    arabic = inbox_of(service_as, "u-qm-ar", role=QM)["items"][0]
    assert french["subject"] == "Politique qualité approuvée : Politique qualité 2026 (version 2)"
    assert arabic["subject"] == "المصادقة على سياسة الجودة: Politique qualité 2026 (الإصدار 2)"
    assert (french["language"], arabic["language"]) == ("fr", "ar")
    assert arabic["body"].startswith("السلام عليكم سلمى العلوي،")
    by_target = {d.target: d.payload for d in emails(notifications_database)}
    assert 'lang="ar" dir="rtl"' in by_target[address("u-qm-ar")]["html"]
    assert 'lang="fr" dir="ltr"' in by_target[address("u-qm")]["html"]
    assert by_target[address("u-qm-ar")]["language"] == "ar"


def test_a_published_policy_reaches_every_active_person_of_the_council(council, deliver, service_as):
    council(FES)
    council(ORIENTAL, [("u-oriental-qm", QM, "fr", "Nadia", True)])
    deliver(policy_event("policy.published"))
    for user in ACTIVE:
        assert kinds_of(service_as, user) == ["policy.published"], user
        assert inbox_of(service_as, user)["items"][0]["mandatory"] is True
    assert kinds_of(service_as, "u-gone") == []
    assert kinds_of(service_as, "u-oriental-qm", ORIENTAL) == []
    # Without a name, the greeting uses the e-mail address.
    assert inbox_of(service_as, "u-staff")["items"][0]["body"].startswith(f"السلام عليكم {address('u-staff')}،")


@pytest.mark.parametrize(
    "new_status,notified",
    [
        ("at_risk", ["u-owner", "u-qm", "u-qm-ar"]),
        ("off_track", ["u-owner", "u-qm", "u-qm-ar"]),
        ("on_track", []),
        ("achieved", []),
        ("no_data", []),
    ],
)
def test_only_a_worsening_objective_notifies(
    council, deliver, service_as, notifications_database, new_status, notified
):
    council()
    deliver(status_changed(new_status))
    reached = sorted(user for user in ACTIVE + ["u-gone"] if kinds_of(service_as, user))
    assert reached == notified
    if notified:
        body = inbox_of(service_as, "u-owner")["items"][0]["body"]
        label = {"at_risk": "à risque", "off_track": "hors trajectoire"}[new_status]
        assert f"« en bonne voie » à « {label} »" in body
    assert len(rows(notifications_database, domain.Notification)) == len(notified)


def test_a_missing_measurement_reaches_its_owner_only(council, deliver, service_as):
    council()
    deliver(measurement_missing(owner="u-owner"))
    assert [user for user in ACTIVE if kinds_of(service_as, user)] == ["u-owner"]
    item = inbox_of(service_as, "u-owner")["items"][0]
    assert item["subject"] == "Mesure en retard : Taux de satisfaction (2026-10)"
    assert item["link"].startswith("/indicators/")


def test_a_run_of_missing_measurements_is_one_e_mail_per_person_and_one_inbox_entry_per_item(
    council, deliver, service_as, notifications_database
):
    # One run found many reports missing: each person owed some is told once, by one e-mail
    # listing them, while each item keeps its own inbox entry.
    council()
    owned = [missing_item("u-owner", f"2025-{month:02d}") for month in range(1, 13)]
    deliver(measurement_missing(items=owned + [missing_item("u-qm", "2026-01", "Délai de paiement")]))
    assert len(inbox_of(service_as, "u-owner")["items"]) == 12
    assert sorted(n["subject"] for n in inbox_of(service_as, "u-owner", limit=50)["items"]) == sorted(
        f"Mesure en retard : Taux de satisfaction (2025-{month:02d})" for month in range(1, 13)
    )
    [grouped] = emails(notifications_database, target=address("u-owner"))
    assert grouped.payload["subject"] == "Jouda : 12 notifications du " + local_today().isoformat()
    assert grouped.payload["text"].count("- Mesure en retard : Taux de satisfaction (2025-") == 12
    [single] = emails(notifications_database, target=address("u-qm"))  # one item: its own e-mail
    assert single.payload["subject"] == "Mesure en retard : Délai de paiement (2026-01)"


def test_a_long_run_lists_the_first_items_and_counts_the_rest(council, deliver, notifications_database):
    council()
    deliver(
        measurement_missing(items=[missing_item("u-owner", f"{2000 + n // 12}-{n % 12 + 1:02d}") for n in range(120)])
    )
    [grouped] = emails(notifications_database, target=address("u-owner"))
    assert grouped.payload["text"].count("- Mesure en retard") == 50
    assert "… et 70 autres" in grouped.payload["text"]


def test_a_single_measurement_event_of_the_first_version_still_notifies(council, deliver, service_as):
    council()
    deliver(measurement_missing(version=1))  # queued before the upgrade to the list version
    assert kinds_of(service_as, "u-owner") == ["indicator.measurement_missing"]


@pytest.mark.parametrize("owner", ["u-gone", "u-stranger", "u-oriental-qm"])
def test_an_owner_who_is_not_an_active_person_of_the_council_is_ignored(
    council, deliver, service_as, notifications_database, owner
):
    council(FES)
    council(ORIENTAL, [("u-oriental-qm", QM, "fr", "Nadia", True)])
    deliver(measurement_missing(owner=owner))
    assert rows(notifications_database, domain.Notification) == []


def test_people_are_kept_up_to_date_in_order(council, deliver, service_as, notifications_database):
    council()
    now = utc_now()
    deliver(
        user_event(
            FES,
            "u-owner",
            "staff",
            name="Karim Idrissi",
            active=False,
            event_type="gateway.user_updated",
            occurred_at=now + timedelta(minutes=1),
        )
    )
    # An older update that waited in a retry queue does not bring them back.
    deliver(
        user_event(
            FES,
            "u-owner",
            "staff",
            name="Karim Idrissi",
            active=True,
            event_type="gateway.user_updated",
            occurred_at=now - timedelta(days=1),
        )
    )
    deliver(measurement_missing(owner="u-owner"))
    assert kinds_of(service_as, "u-owner") == []
    # A newer one does; their new language and address are taken too.
    deliver(
        user_event(
            FES,
            "u-owner",
            "staff",
            language="ar",
            name="كريم",
            active=True,
            event_type="gateway.user_updated",
            occurred_at=now + timedelta(minutes=2),
            email_address="karim@new.test",
        )
    )
    deliver(measurement_missing(owner="u-owner"))
    item = inbox_of(service_as, "u-owner")["items"][0]
    assert item["language"] == "ar" and item["body"].startswith("السلام عليكم كريم،")
    assert [d.target for d in emails(notifications_database)] == ["karim@new.test"]


def test_platform_users_and_events_without_contact_details_are_not_recipients(
    council, deliver, service_as, notifications_database
):
    council()
    deliver(user_event(FES, "u-ministry", "ministry", name="Ministère"))
    deliver(user_event(FES, "u-v1", "staff", version=1))  # v1: no e-mail address
    deliver(policy_event("policy.published"))
    people = {r.user_id for r in rows(notifications_database, domain.Recipient)}
    assert people == {user_id for user_id, *_ in STAFF}
    assert kinds_of(service_as, "u-ministry") == [] and kinds_of(service_as, "u-v1") == []


def test_a_council_not_announced_yet_is_named_by_its_code(deliver, service_as):
    deliver(user_event(FES, "u-dir", DIRECTOR, name="Driss"))
    deliver(policy_event("policy.submitted"))
    assert "Conseil de la Région fes-meknes" in inbox_of(service_as, "u-dir")["items"][0]["body"]


def test_the_same_event_twice_notifies_once(council, deliver, service_as, notifications_database, run, resolve_fake):
    council()
    hook = service_as(settings=PRIVATE_ALLOWED).add_webhook({"url": "https://hooks.example.org/jouda"})
    event = policy_event("policy.approved")
    deliver(event)
    with pytest.raises(DuplicateEvent):
        deliver(event)
    assert kinds_of(service_as, "u-qm") == ["policy.approved"]
    assert len(rows(notifications_database, domain.Notification)) == 2  # the two quality managers
    assert sorted(d.target for d in emails(notifications_database)) == sorted([address("u-qm"), address("u-qm-ar")])
    assert [d.target for d in rows(notifications_database, domain.Delivery, channel=domain.WEBHOOK)] == [hook["id"]]
    # The user events too.
    same = user_event(FES, "u-new", "staff")
    deliver(same)
    with pytest.raises(DuplicateEvent):
        deliver(same)


def test_calls_need_a_council(service_as):
    for call in ("inbox", "unread_count", "mark_all_read", "preferences", "list_webhooks"):
        with pytest.raises(TenantRequired):
            getattr(service_as(tenant=None), call)()


# --- the inbox --------------------------------------------------------------------------------------


def test_inbox_unread_count_and_marking_read(council, deliver, service_as):
    council()
    for event_type in ("policy.approved", "policy.changes_requested", "policy.review_due"):
        deliver(policy_event(event_type))
    manager = service_as(user="u-qm", role=QM)
    box = manager.inbox()
    assert box["total"] == 3
    assert [item["kind"] for item in box["items"]] == [
        "policy.review_due",
        "policy.changes_requested",
        "policy.approved",
    ]  # newest first
    assert manager.unread_count() == {"unread": 3}

    first = box["items"][0]
    marked = manager.mark_read(first["id"])
    assert marked["id"] == first["id"] and marked["read"] is True and marked["read_at"]
    assert manager.mark_read(first["id"])["read_at"] == marked["read_at"]  # marking again changes nothing
    assert manager.unread_count() == {"unread": 2}
    assert [item["id"] for item in manager.inbox(unread_only=True)["items"]] == [
        item["id"] for item in box["items"][1:]
    ]
    assert manager.inbox(unread_only=True)["total"] == 2

    with pytest.raises(domain.NotificationNotFound):  # someone else's notification
        service_as(user="u-dir", role=DIRECTOR).mark_read(first["id"])
    with pytest.raises(domain.NotificationNotFound):
        manager.mark_read(str(uuid.uuid4()))
    with pytest.raises(domain.NotificationNotFound):  # another council's session cannot see it either
        service_as(tenant=ORIENTAL, user="u-qm", role=QM).mark_read(box["items"][1]["id"])

    assert manager.mark_all_read() == {"marked": 2}
    assert manager.unread_count() == {"unread": 0}
    assert manager.mark_all_read() == {"marked": 0}
    assert all(item["read"] for item in manager.inbox()["items"])
    other = service_as(user="u-qm-ar", role=QM)
    assert other.unread_count() == {"unread": 3}  # each person's own inbox


def test_inbox_pages(council, deliver, service_as):
    council()
    for event_type in ("policy.approved", "policy.changes_requested", "policy.review_due"):
        deliver(policy_event(event_type))
    manager = service_as()
    everything = [item["id"] for item in manager.inbox()["items"]]
    first, second = manager.inbox(limit=2), manager.inbox(limit=2, offset=2)
    assert (first["total"], first["limit"], first["offset"]) == (3, 2, 0)
    assert [item["id"] for item in first["items"] + second["items"]] == everything
    assert manager.inbox(limit=2, offset=10)["items"] == []
    for limit, offset in ((0, 0), (201, 0), (10, -1)):
        with pytest.raises(ValidationFailed):
            manager.inbox(limit=limit, offset=offset)


# --- preferences --------------------------------------------------------------------------------------


def test_preferences_round_trip(council, service_as):
    council()
    manager = service_as()
    assert manager.preferences() == {"channels": {}, "language": None, "digest": False}
    chosen = manager.set_preferences({"channels": {"policy.approved": ["inbox"], "reminder.due_soon": []}})
    assert chosen == {
        "channels": {"policy.approved": ["inbox"], "reminder.due_soon": []},
        "language": None,
        "digest": False,
    }
    assert manager.set_preferences({"language": "ar", "digest": True}) == {
        "channels": {"policy.approved": ["inbox"], "reminder.due_soon": []},
        "language": "ar",
        "digest": True,
    }
    assert manager.preferences() == {
        "channels": {"policy.approved": ["inbox"], "reminder.due_soon": []},
        "language": "ar",
        "digest": True,
    }
    assert manager.set_preferences({"language": None})["language"] is None
    assert service_as(user="u-qm-ar").preferences() == {"channels": {}, "language": None, "digest": False}


@pytest.mark.parametrize(
    "data,field",
    [
        pytest.param({"channels": {"policy.unknown": ["inbox"]}}, "channels", id="unknown-kind"),
        pytest.param({"channels": {"digest": ["email"]}}, "channels", id="digest-is-not-a-kind"),
        pytest.param({"channels": {"policy.approved": ["sms"]}}, "channels", id="unknown-channel"),
        pytest.param({"channels": {"policy.approved": ["inbox", "email", "inbox"]}}, "channels", id="too-many"),
        pytest.param({"channels": {"policy.approved": "inbox"}}, "channels", id="not-a-list"),
        pytest.param({"channels": ["inbox"]}, "channels", id="channels-not-a-mapping"),
        pytest.param({"language": "en"}, "language", id="unknown-language"),
        pytest.param({"digest": "yes"}, "digest", id="digest-text"),
        pytest.param({"colour": "blue"}, "colour", id="unknown-field"),
        pytest.param([], "_schema", id="not-an-object"),
    ],
)
def test_preferences_are_validated(council, service_as, data, field):
    council()
    manager = service_as()
    manager.set_preferences({"digest": True})
    with pytest.raises(ValidationFailed) as caught:
        manager.set_preferences(data)
    assert field in caught.value.details
    assert manager.preferences() == {"channels": {}, "language": None, "digest": True}  # unchanged


def test_unknown_kinds_are_named(council, service_as):
    council()
    with pytest.raises(ValidationFailed) as caught:
        service_as().set_preferences({"channels": {"zzz": ["inbox"], "policy.approved": ["email"], "aaa": []}})
    assert caught.value.details == {"channels": {"aaa": ["Unknown."], "zzz": ["Unknown."]}}


def test_the_chosen_language_wins_over_the_accounts(council, deliver, service_as):
    council()
    service_as(user="u-qm").set_preferences({"language": "ar"})
    service_as(user="u-qm-ar").set_preferences({"language": "fr"})
    deliver(policy_event("policy.approved"))
    assert inbox_of(service_as, "u-qm")["items"][0]["language"] == "ar"
    assert inbox_of(service_as, "u-qm-ar")["items"][0]["language"] == "fr"


EXTRA_MANAGERS = [
    ("u-qm-mail", QM, "fr", "Mail Only", True),
    ("u-qm-digest", QM, "fr", "Digest", True),
    ("u-qm-none", QM, "fr", "Nothing", True),
]


def test_e_mail_deliveries_follow_the_preferences(council, deliver, service_as, notifications_database):
    council(FES, STAFF + EXTRA_MANAGERS)
    service_as(user="u-qm-ar").set_preferences({"channels": {"policy.approved": ["inbox"]}})
    service_as(user="u-qm-mail").set_preferences({"channels": {"policy.approved": ["email"]}})
    service_as(user="u-qm-digest").set_preferences({"digest": True})
    service_as(user="u-qm-none").set_preferences({"channels": {"policy.approved": [], "policy.published": []}})
    deliver(policy_event("policy.approved"))

    notified = {n.user_id: n for n in rows(notifications_database, domain.Notification)}
    assert set(notified) == {"u-qm", "u-qm-ar", "u-qm-mail", "u-qm-digest"}  # u-qm-none chose nothing
    assert {user: (n.in_inbox, n.email_state) for user, n in notified.items()} == {
        "u-qm": (True, domain.EMAIL_QUEUED),
        "u-qm-ar": (True, domain.NO_EMAIL),
        "u-qm-mail": (False, domain.EMAIL_QUEUED),
        "u-qm-digest": (True, domain.EMAIL_IN_DIGEST),
    }
    sent = {d.target: d for d in emails(notifications_database)}
    assert set(sent) == {address("u-qm"), address("u-qm-mail")}
    mail = sent[address("u-qm")]
    assert (mail.status, mail.attempts, mail.notification_id) == (domain.PENDING, 0, notified["u-qm"].id)
    assert mail.payload["to"] == address("u-qm") and mail.payload["name"] == "Salma Benali"
    assert mail.payload["subject"] == notified["u-qm"].subject and mail.payload["text"] == notified["u-qm"].body
    assert mail.payload["html"].startswith("<!DOCTYPE html>")
    assert kinds_of(service_as, "u-qm-mail") == []  # e-mail only: not in the inbox
    assert service_as(user="u-qm-mail").unread_count() == {"unread": 0}

    # A published policy is mandatory: in the inbox even of whoever chose nothing, still no e-mail.
    deliver(policy_event("policy.published"))
    assert kinds_of(service_as, "u-qm-none") == ["policy.published"]
    assert address("u-qm-none") not in {d.target for d in emails(notifications_database)}


def test_mark_all_read_counts_what_the_inbox_shows(council, deliver, service_as):
    # E-mail-only notifications are not in the inbox: marking all read neither counts nor touches them.
    council(FES, STAFF + EXTRA_MANAGERS)
    person = service_as(user="u-qm-mail")
    person.set_preferences({"channels": {"policy.approved": ["email"]}})
    deliver(policy_event("policy.approved"))
    assert person.unread_count() == {"unread": 0}
    assert person.mark_all_read() == {"marked": 0}


# --- digests ----------------------------------------------------------------------------------------


def test_digests_leave_once_a_day(council, deliver, service_as, notifications_database, run):
    council()
    service_as(user="u-qm").set_preferences({"digest": True})
    deliver(policy_event("policy.approved"))
    deliver(policy_event("policy.review_due"))
    assert address("u-qm") not in {d.target for d in emails(notifications_database)}
    assert kinds_of(service_as, "u-qm") == ["policy.review_due", "policy.approved"]  # the inbox is as usual

    today = date(2026, 11, 21)
    assert run.digests(today) == 1
    digest = emails(notifications_database, target=address("u-qm"))
    assert len(digest) == 1
    assert digest[0].notification_id is None and digest[0].status == domain.PENDING
    assert digest[0].payload["subject"] == "Jouda : 2 notifications du 2026-11-21"
    subjects = [n.subject for n in rows(notifications_database, domain.Notification, user_id="u-qm")]
    for subject in subjects:
        assert f"- {subject}" in digest[0].payload["text"]
    assert {n.email_state for n in rows(notifications_database, domain.Notification, user_id="u-qm")} == {
        domain.EMAIL_DIGESTED
    }

    assert run.digests(today) == 0  # once a day
    deliver(policy_event("policy.changes_requested", comment="Revoir le paragraphe 2."))
    assert run.digests(today) == 0  # what came after today's digest waits for tomorrow
    assert run.digests(today + timedelta(days=1)) == 1
    latest = sorted(emails(notifications_database, target=address("u-qm")), key=lambda d: as_utc(d.created_at))
    assert latest[-1].payload["subject"] == "Jouda : 1 notifications du 2026-11-22"
    assert run.digests(today + timedelta(days=2)) == 0  # nothing waiting


def test_a_digest_is_in_the_persons_language(council, deliver, service_as, notifications_database, run):
    council()
    service_as(user="u-qm-ar").set_preferences({"digest": True})
    deliver(policy_event("policy.approved"))
    assert run.digests(date(2026, 11, 21)) == 1
    mail = emails(notifications_database, target=address("u-qm-ar"))[0]
    assert mail.payload["subject"] == "جودة: ملخص إشعارات 2026-11-21 (عدد الإشعارات: 1)"
    assert 'dir="rtl"' in mail.payload["html"]


def test_a_person_deactivated_before_their_digest_gets_none(council, deliver, service_as, notifications_database, run):
    council()
    service_as(user="u-qm").set_preferences({"digest": True})
    deliver(policy_event("policy.approved"))
    deliver(
        user_event(
            FES,
            "u-qm",
            QM,
            name="Salma Benali",
            active=False,
            event_type="gateway.user_updated",
            occurred_at=utc_now() + timedelta(minutes=1),
        )
    )
    assert run.digests(date(2026, 11, 21)) == 0
    assert emails(notifications_database, target=address("u-qm")) == []
    assert [n.email_state for n in rows(notifications_database, domain.Notification, user_id="u-qm")] == [
        domain.NO_EMAIL
    ]


def test_a_digest_names_the_council(council, deliver, service_as, notifications_database, run):
    council()
    service_as(user="u-qm").set_preferences({"digest": True})
    deliver(policy_event("policy.approved"))
    run.digests(date(2026, 11, 21))
    [digest] = emails(notifications_database, target=address("u-qm"))
    assert "Conseil de la Région Fès-Meknès" in digest.payload["text"]


# --- reminders ---------------------------------------------------------------------------------------

DUE = date(2026, 12, 31)


def reminders_in(service_as, user):
    return [(item["kind"], item["mandatory"]) for item in reversed(inbox_of(service_as, user)["items"])]


def test_objective_reminders_each_once_then_escalation(council, deliver, service_as, run, notifications_database):
    council()
    objective_id = str(uuid.uuid4())
    deliver(objective_event(DUE.isoformat(), objective_id=objective_id))
    # The timer runs every hour: a day run twice sends nothing the second time.
    days = (-30, -30, -29, -8, -7, -7, -2, -1, 0, 1, 1, 6, 7, 7, 13, 14, 14, 40)
    created = [(offset, run.reminders(DUE + timedelta(days=offset))) for offset in days]
    assert created == [
        (-30, 1),
        (-30, 0),
        (-29, 0),
        (-8, 0),
        (-7, 1),
        (-7, 0),
        (-2, 0),
        (-1, 1),
        (0, 0),
        (1, 1),
        (1, 0),
        (6, 0),
        (7, 2),
        (7, 0),
        (13, 0),
        (14, 1),
        (14, 0),
        (40, 0),
    ]
    assert reminders_in(service_as, "u-owner") == [
        ("reminder.due_soon", False),
        ("reminder.due_soon", False),
        ("reminder.due_soon", False),
        ("reminder.overdue", True),
    ]
    for manager in ("u-qm", "u-qm-ar"):
        assert reminders_in(service_as, manager) == [("reminder.escalated", True)]
    assert reminders_in(service_as, "u-dir") == [("reminder.escalated", True)]
    assert reminders_in(service_as, "u-staff") == []

    soon = inbox_of(service_as, "u-owner")["items"][-1]
    assert soon["subject"] == "Rappel : échéance le 2026-12-31 pour « Réduire les délais de paiement »"
    assert "objectif qualité" in soon["body"] and "Nombre de jours restants : 30" in soon["body"]
    assert soon["link"] == f"/objectives/{objective_id}"
    escalated = inbox_of(service_as, "u-qm")["items"][0]
    assert "sous la responsabilité de Karim Idrissi" in escalated["body"]
    assert "Nombre de jours de retard : 7" in escalated["body"]
    assert "مسؤوليته Karim Idrissi" in inbox_of(service_as, "u-qm-ar")["items"][0]["body"]
    marks = {r.mark for r in rows(notifications_database, domain.ReminderSent)}
    assert marks == {"due_soon_30", "due_soon_7", "due_soon_1", "overdue", "escalated_qm", "escalated_director"}


def test_one_run_of_reminders_is_one_e_mail_per_person(council, deliver, service_as, run, notifications_database):
    # Twelve objectives overdue for one owner: twelve inbox entries, one e-mail listing them.
    council()
    for _ in range(12):
        deliver(objective_event(DUE.isoformat(), objective_id=str(uuid.uuid4())))
    assert run.reminders(DUE + timedelta(days=1)) == 12
    assert [kind for kind, _ in reminders_in(service_as, "u-owner")] == ["reminder.overdue"] * 12
    [grouped] = emails(notifications_database, target=address("u-owner"))
    assert grouped.payload["text"].count("- Échéance dépassée : Réduire les délais de paiement") == 12
    assert emails(notifications_database, target=address("u-qm")) == []


def test_a_handled_objective_gets_no_reminder(council, deliver, service_as, run, uow_for):
    council()
    objective_id = str(uuid.uuid4())
    deliver(objective_event(DUE.isoformat(), objective_id=objective_id))
    assert run.reminders(DUE - timedelta(days=30)) == 1
    deliver(objective_event(DUE.isoformat(), objective_id=objective_id, state="achieved"))
    with uow_for()(EVERY_COUNCIL) as uow:
        assert deadlines.councils_with_open_items(uow, DUE + timedelta(days=1)) == []
    with uow_for()(Scope.council(FES)) as uow:
        assert deadlines.send_reminders(uow, DUE + timedelta(days=1), PUBLIC_URL) == 0
    assert reminders_in(service_as, "u-owner") == [("reminder.due_soon", False)]


def test_an_older_objective_event_does_not_undo_a_newer_one(council, deliver, uow_for):
    council()
    objective_id = str(uuid.uuid4())
    now = utc_now()
    deliver(objective_event(DUE.isoformat(), objective_id=objective_id, occurred_at=now))
    deliver(
        objective_event(
            DUE.isoformat(), objective_id=objective_id, state="abandoned", occurred_at=now + timedelta(minutes=1)
        )
    )
    deliver(
        objective_event(
            DUE.isoformat(), objective_id=objective_id, state="active", occurred_at=now - timedelta(minutes=1)
        )
    )  # late and older
    with uow_for()(EVERY_COUNCIL) as uow:
        assert deadlines.councils_with_open_items(uow, DUE) == []


def test_an_owner_who_left_has_the_quality_managers_reminded(council, deliver, service_as, run):
    council()
    deliver(objective_event(DUE.isoformat(), objective_id=str(uuid.uuid4()), owner="u-gone"))
    assert run.reminders(DUE - timedelta(days=7)) == 2
    assert [user for user in ACTIVE if kinds_of(service_as, user)] == ["u-qm", "u-qm-ar"]


def test_the_policy_review_is_reminded_to_the_quality_managers(council, deliver, service_as, run):
    council()
    review = date(2027, 11, 21)
    deliver(review_deadline(review))
    # The policy service announces the review 30 days ahead (policy.review_due): no 30-day reminder here.
    assert run.reminders(review - timedelta(days=30)) == 0
    assert run.reminders(review - timedelta(days=7)) == 2
    assert run.reminders(review - timedelta(days=1)) == 2
    assert run.reminders(review + timedelta(days=1)) == 2  # overdue: no owner, the quality managers
    item = inbox_of(service_as, "u-qm")["items"][0]
    assert item["kind"] == "reminder.overdue" and item["link"] == "/policies/current"
    assert "revue de la politique qualité" in item["body"]
    assert "مراجعة سياسة الجودة" in inbox_of(service_as, "u-qm-ar")["items"][0]["body"]
    assert run.reminders(review + timedelta(days=7)) == 2  # escalated: to the quality managers as well
    assert run.reminders(review + timedelta(days=14)) == 1  # and the director
    escalated = inbox_of(service_as, "u-dir")["items"][0]
    assert escalated["kind"] == "reminder.escalated"
    assert "sous la responsabilité de Fès-Meknès" in escalated["body"]  # no owner: the council is named


def test_a_new_deadline_starts_the_reminders_again(council, deliver, service_as, run):
    # Reminder keys carry the due date: the new deadline's 7-day reminder is a new notification.
    council()
    objective_id = str(uuid.uuid4())
    deliver(objective_event(DUE.isoformat(), objective_id=objective_id))
    assert run.reminders(DUE - timedelta(days=7)) == 1
    later = DUE + timedelta(days=90)
    deliver(objective_event(later.isoformat(), objective_id=objective_id, occurred_at=utc_now() + timedelta(seconds=1)))
    assert run.reminders(later - timedelta(days=7)) == 1
    assert reminders_in(service_as, "u-owner") == [("reminder.due_soon", False)] * 2


def test_a_new_review_cycle_starts_the_reminders_again(council, deliver, service_as, run):
    council()
    first, second = date(2027, 11, 21), date(2028, 11, 21)
    deliver(review_deadline(first))
    assert run.reminders(first - timedelta(days=7)) == 2
    deliver(review_deadline(second))
    assert run.reminders(second - timedelta(days=7)) == 2


# --- dispatching e-mail ------------------------------------------------------------------------------


def maildir_messages(folder):
    """The messages as written (the files' bytes), by recipient address."""
    box = mailbox.Maildir(folder, create=False)
    return {
        parsed.get("To").addresses[0].addr_spec: parsed
        for parsed in (email.message_from_bytes(box.get_bytes(key), policy=email.policy.default) for key in box.keys())
    }


def test_dispatch_writes_the_e_mails_and_marks_them_sent(council, deliver, notifications_database, run, tmp_path):
    council()
    deliver(policy_event("policy.published"))
    pending = emails(notifications_database)
    assert sorted(d.target for d in pending) == sorted(address(user) for user in ACTIVE)
    assert {d.status for d in pending} == {domain.PENDING}

    now = utc_now()
    folder = tmp_path / "mail"
    assert run.dispatch(channels.Mailer(None, folder), now) == (len(ACTIVE), [])
    for sent in emails(notifications_database):
        assert (sent.status, sent.attempts, sent.last_error) == (domain.SENT, 1, None)
        assert as_utc(sent.sent_at) >= now  # when it left, not when the round began
    messages = maildir_messages(folder)
    assert set(messages) == {address(user) for user in ACTIVE}
    french, arabic = messages[address("u-qm")], messages[address("u-qm-ar")]
    assert french["From"] == "Jouda <no-reply@jouda.local>"
    assert french["Subject"] == "Nouvelle politique qualité publiée : Politique qualité 2026 (version 2)"
    assert french["To"].addresses[0].display_name == "Salma Benali"
    assert french.get_body(("plain",)).get_content().startswith("Bonjour Salma Benali,")
    assert 'lang="fr" dir="ltr"' in french.get_body(("html",)).get_content()
    assert arabic["Subject"] == "نشر سياسة الجودة الجديدة: Politique qualité 2026 (الإصدار 2)"
    assert 'lang="ar" dir="rtl"' in arabic.get_body(("html",)).get_content()
    assert run.dispatch(channels.Mailer(None, folder), now + timedelta(seconds=1)) == (0, [])  # nothing left


def test_an_unreachable_smtp_server_means_retrying_later(council, deliver, notifications_database, run, tmp_path):
    council()
    deliver(policy_event("policy.approved"))  # the two quality managers
    port = closed_port()
    now = utc_now()
    assert run.dispatch(channels.Mailer(f"smtp://127.0.0.1:{port}", tmp_path), now) == (2, [])
    for waiting in emails(notifications_database):
        assert (waiting.status, waiting.attempts, waiting.sent_at) == (domain.RETRYING, 1, None)
        assert waiting.last_error.startswith(f"SMTP 127.0.0.1:{port}: ")
        assert as_utc(waiting.next_attempt_at) == now + timedelta(seconds=BASE)
    assert run.dispatch(channels.Mailer(f"smtp://127.0.0.1:{port}", tmp_path), now + timedelta(seconds=1)) == (0, [])
    # Second failure: twice the delay.
    second = now + timedelta(seconds=BASE)
    assert run.dispatch(channels.Mailer(f"smtp://127.0.0.1:{port}", tmp_path), second) == (2, [])
    assert {(d.attempts, as_utc(d.next_attempt_at)) for d in emails(notifications_database)} == {
        (2, second + timedelta(seconds=2 * BASE))
    }
    # The server is back (a maildir here): sent, and the error is gone.
    third = second + timedelta(seconds=2 * BASE)
    assert run.dispatch(channels.Mailer(None, tmp_path / "mail"), third) == (2, [])
    assert {(d.status, d.attempts, d.last_error) for d in emails(notifications_database)} == {(domain.SENT, 3, None)}
    assert len(maildir_messages(tmp_path / "mail")) == 2


def test_an_e_mail_is_given_up_after_its_last_attempt(council, deliver, notifications_database, run, tmp_path):
    council()
    deliver(policy_event("policy.submitted"))  # the director
    mailer_url, moment = f"smtp://127.0.0.1:{closed_port()}", utc_now()
    for _ in range(domain.MAX_EMAIL_ATTEMPTS):
        run.dispatch(channels.Mailer(mailer_url, tmp_path), moment)
        moment += timedelta(seconds=domain.MAX_RETRY_DELAY_SECONDS)
    [given_up] = emails(notifications_database)
    assert (given_up.status, given_up.attempts) == (domain.FAILED, domain.MAX_EMAIL_ATTEMPTS)
    assert run.dispatch(channels.Mailer(mailer_url, tmp_path), moment) == (0, [])


# --- webhooks -------------------------------------------------------------------------------------------


@pytest.fixture
def resolve_fake(monkeypatch):
    """add_webhook resolves with channels.resolve: no DNS in tests."""
    monkeypatch.setattr(channels, "resolve", fake_resolve)


@pytest.mark.parametrize("role", ["director", "process_owner", "auditor", "staff"])
def test_only_quality_managers_manage_webhooks(council, service_as, resolve_fake, role):
    council()
    hook = service_as().add_webhook({"url": "https://hooks.example.org/jouda"})
    someone = service_as(user="u-x", role=role)
    with pytest.raises(RoleNotAllowed):
        someone.add_webhook({"url": "https://hooks.example.org/other"})
    with pytest.raises(RoleNotAllowed):
        someone.list_webhooks()
    with pytest.raises(RoleNotAllowed):
        someone.delete_webhook(hook["id"])
    with pytest.raises(RoleNotAllowed):
        someone.list_deliveries()
    assert [item["id"] for item in service_as().list_webhooks()["items"]] == [hook["id"]]


def test_webhooks_add_list_delete(council, service_as, resolve_fake):
    council()
    manager = service_as()
    hook = manager.add_webhook({"url": "https://hooks.example.org/jouda"})
    assert hook["url"] == "https://hooks.example.org/jouda" and hook["active"] is True
    assert hook["consecutive_failures"] == 0 and hook["disabled_at"] is None and hook["last_error"] is None
    assert len(hook["secret"]) >= 32  # shown once, at registration
    listed = manager.list_webhooks()["items"]
    assert [item["id"] for item in listed] == [hook["id"]] and "secret" not in listed[0]
    assert service_as(tenant=ORIENTAL).list_webhooks() == {"items": []}  # another council's
    with pytest.raises(domain.WebhookNotFound):
        service_as(tenant=ORIENTAL).delete_webhook(hook["id"])
    assert manager.delete_webhook(hook["id"]) == {"deleted": hook["id"]}
    assert manager.list_webhooks() == {"items": []}
    with pytest.raises(domain.WebhookNotFound):
        manager.delete_webhook(hook["id"])


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.org/in",
        "https://intranet.council.ma/hook",
        "http://127.0.0.1:9000/hook",
        "https://nowhere.invalid/",
        "",
        "x" * 2001,
    ],
)
def test_webhook_urls_are_checked(council, service_as, resolve_fake, url):
    council()
    with pytest.raises(ValidationFailed) as caught:
        service_as().add_webhook({"url": url})
    assert list(caught.value.details) == ["url"]
    assert service_as().list_webhooks() == {"items": []}


def test_webhook_input_is_strict(council, service_as, resolve_fake):
    council()
    for data in ({}, {"url": "https://hooks.example.org/", "secret": "mine"}):
        with pytest.raises(ValidationFailed):
            service_as().add_webhook(data)


def test_the_administrator_may_allow_private_webhooks(council, service_as, resolve_fake):
    council()
    hook = service_as(settings=PRIVATE_ALLOWED).add_webhook({"url": "http://127.0.0.1:9000/hook"})
    assert hook["active"] is True


def test_at_most_ten_webhooks(council, service_as, resolve_fake):
    council()
    manager = service_as()
    for n in range(domain.MAX_WEBHOOKS):
        manager.add_webhook({"url": f"https://hooks.example.org/{n}"})
    with pytest.raises(domain.TooManyWebhooks):
        manager.add_webhook({"url": "https://hooks.example.org/one-more"})
    assert len(manager.list_webhooks()["items"]) == domain.MAX_WEBHOOKS


class WebhookReceiver:
    """An eventlet.wsgi server on 127.0.0.1 answering 200 (or `status`) and recording requests."""

    def __init__(self):
        self.requests, self.status = [], "200 OK"
        self.listener = eventlet.listen(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = eventlet.spawn(eventlet.wsgi.server, self.listener, self.app, log_output=False)

    def app(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        self.requests.append(
            {
                "body": body,
                "signature": environ.get("HTTP_X_JOUDA_SIGNATURE"),
                "event": environ.get("HTTP_X_JOUDA_EVENT"),
            }
        )
        start_response(self.status, [("Content-Type", "text/plain")])
        return [b"ok"]

    def close(self):
        self.thread.kill()
        self.listener.close()


@pytest.fixture
def receiver():
    server = WebhookReceiver()
    yield server
    server.close()


def test_webhooks_receive_every_routed_event_signed(
    council, deliver, service_as, notifications_database, run, receiver, tmp_path
):
    council(FES)
    council(ORIENTAL, [("u-oriental-qm", QM, "fr", "Nadia", True)])
    hook = service_as(settings=PRIVATE_ALLOWED).add_webhook({"url": f"http://127.0.0.1:{receiver.port}/jouda"})
    published, quiet = policy_event("policy.published"), status_changed("on_track")
    deliver(published)
    deliver(quiet)  # notifies nobody, still goes to the webhook
    deliver(policy_event("policy.published", tenant=ORIENTAL))  # another council's webhooks only
    hooks = rows(notifications_database, domain.Delivery, channel=domain.WEBHOOK)
    assert [(d.tenant_id, d.target) for d in hooks] == [(FES, hook["id"])] * 2

    run.dispatch(channels.Mailer(None, tmp_path / "mail"), allow_private=True)
    assert [json.loads(r["body"]) for r in receiver.requests] == [published, quiet]
    assert [r["event"] for r in receiver.requests] == ["policy.published", "objective.status_changed"]
    for request in receiver.requests:
        expected = "sha256=" + hmac.new(hook["secret"].encode(), request["body"], hashlib.sha256).hexdigest()
        assert request["signature"] == expected
    assert {(d.status, d.attempts) for d in rows(notifications_database, domain.Delivery, channel=domain.WEBHOOK)} == {
        (domain.SENT, 1)
    }
    log = service_as().list_deliveries(channel="webhook", status="sent")
    assert log["total"] == 2 and {item["target"] for item in log["items"]} == {hook["id"]}


def test_a_webhook_that_fails_five_times_is_switched_off(
    council, deliver, service_as, notifications_database, run, tmp_path
):
    council()
    url = f"http://127.0.0.1:{closed_port()}/jouda"
    hook = service_as(settings=PRIVATE_ALLOWED).add_webhook({"url": url})
    deliver(policy_event("policy.review_due"))
    mail = channels.Mailer(None, tmp_path / "mail")

    moment = utc_now()
    for attempt in range(1, domain.WEBHOOK_FAILURES_TO_DISABLE + 1):
        attempted, disabled = run.dispatch(mail, moment, allow_private=True)
        [delivery] = rows(notifications_database, domain.Delivery, channel=domain.WEBHOOK)
        assert (delivery.status, delivery.attempts) == (domain.RETRYING, attempt)
        assert "refused" in delivery.last_error.lower()
        webhook = service_as().list_webhooks()["items"][0]
        assert webhook["consecutive_failures"] == attempt
        if attempt < domain.WEBHOOK_FAILURES_TO_DISABLE:
            assert disabled == [] and webhook["active"] is True
            assert run.dispatch(mail, moment + timedelta(seconds=0.5), allow_private=True) == (0, [])  # not yet due
        moment = as_utc(delivery.next_attempt_at)
    assert disabled == [(FES, hook["id"])]
    assert (webhook["active"], webhook["disabled_at"] is not None) == (False, True)
    assert "refused" in webhook["last_error"].lower()

    run.webhook_disabled(FES, hook["id"])
    for manager in ("u-qm", "u-qm-ar"):
        notice = inbox_of(service_as, manager)["items"][0]
        assert notice["kind"] == "webhook.disabled" and notice["mandatory"] is True and notice["link"] == "/webhooks"
        assert url in notice["body"]
    assert "Échecs consécutifs : 5" in inbox_of(service_as, "u-qm")["items"][0]["body"]
    assert kinds_of(service_as, "u-dir") == []

    # Its remaining delivery is given up; new events no longer go to it.
    attempted, disabled = run.dispatch(mail, moment, allow_private=True)
    [delivery] = rows(notifications_database, domain.Delivery, channel=domain.WEBHOOK)
    assert (delivery.status, delivery.last_error, disabled) == (domain.FAILED, "the webhook is disabled", [])
    deliver(policy_event("policy.approved"))
    assert len(rows(notifications_database, domain.Delivery, channel=domain.WEBHOOK)) == 1


def test_a_burst_of_failures_switches_a_webhook_off_once(
    council, deliver, service_as, notifications_database, run, tmp_path
):
    council()
    hook = service_as(settings=PRIVATE_ALLOWED).add_webhook({"url": f"http://127.0.0.1:{closed_port()}/jouda"})
    for _ in range(domain.WEBHOOK_FAILURES_TO_DISABLE + 2):
        deliver(status_changed("on_track"))  # webhook deliveries only
    attempted, disabled = run.dispatch(channels.Mailer(None, tmp_path), allow_private=True)
    assert (attempted, disabled) == (domain.WEBHOOK_FAILURES_TO_DISABLE + 2, [(FES, hook["id"])])
    statuses = sorted(d.status for d in rows(notifications_database, domain.Delivery, channel=domain.WEBHOOK))
    assert statuses == [domain.FAILED] * 2 + [domain.RETRYING] * domain.WEBHOOK_FAILURES_TO_DISABLE


def test_a_webhook_address_that_turned_private_is_not_posted_to(
    council, deliver, service_as, notifications_database, run, tmp_path, resolve_fake, receiver
):
    council()
    dns_now = {"hooks.example.org": ["127.0.0.1"]}  # the name now points inside
    service_as().add_webhook({"url": f"http://hooks.example.org:{receiver.port}/jouda"})
    deliver(status_changed("on_track"))
    run.dispatch(channels.Mailer(None, tmp_path), resolve=lambda host: dns_now[host])
    [delivery] = rows(notifications_database, domain.Delivery, channel=domain.WEBHOOK)
    assert delivery.status == domain.RETRYING
    assert delivery.last_error == "Webhooks may not target loopback or private addresses."
    assert receiver.requests == []


def test_a_deleted_webhooks_deliveries_are_given_up(
    council, deliver, service_as, notifications_database, run, tmp_path, resolve_fake
):
    council()
    hook = service_as().add_webhook({"url": "https://hooks.example.org/jouda"})
    deliver(status_changed("on_track"))
    service_as().delete_webhook(hook["id"])
    assert run.dispatch(channels.Mailer(None, tmp_path)) == (1, [])
    [delivery] = rows(notifications_database, domain.Delivery, channel=domain.WEBHOOK)
    assert (delivery.status, delivery.attempts, delivery.last_error) == (domain.FAILED, 1, "the webhook was deleted")


# --- the delivery log ---------------------------------------------------------------------------------


def test_the_delivery_log(council, deliver, service_as, run, tmp_path):
    council(FES)
    council(ORIENTAL, [("u-oriental-qm", QM, "fr", "Nadia", True)])
    deliver(policy_event("policy.approved"))
    deliver(policy_event("policy.approved", tenant=ORIENTAL))
    manager = service_as()
    log = manager.list_deliveries()
    assert log["total"] == 2 and {item["target"] for item in log["items"]} == {address("u-qm"), address("u-qm-ar")}
    assert {item["status"] for item in log["items"]} == {"pending"}
    assert set(log["items"][0]) == {
        "id",
        "notification_id",
        "channel",
        "target",
        "status",
        "attempts",
        "last_error",
        "occurred_at",
        "created_at",
        "next_attempt_at",
        "sent_at",
    }
    run.dispatch(channels.Mailer(None, tmp_path / "mail"))
    assert manager.list_deliveries(status="sent", channel="email")["total"] == 2
    assert manager.list_deliveries(status="pending")["total"] == 0
    assert manager.list_deliveries(channel="webhook")["total"] == 0
    assert service_as(tenant=ORIENTAL, user="u-oriental-qm").list_deliveries(status="sent")["total"] == 1
    for bad in ({"status": "lost"}, {"channel": "inbox"}, {"limit": 0}, {"offset": -1}):
        with pytest.raises(ValidationFailed):
            manager.list_deliveries(**bad)


# --- the dispatcher's batches ----------------------------------------------------------------------------


class StubMailer:
    """Counts what the dispatcher asks of a mailer; refuses every message when `down`."""

    def __init__(self, down=None):
        self.mail_from, self.down, self.sent, self.closed = "Jouda <no-reply@jouda.local>", down, [], 0

    def send(self, message):
        if self.down:
            raise channels.DeliveryFailed(self.down, server_down=True)
        self.sent.append(message)

    def close(self):
        self.closed += 1


def test_a_refusing_smtp_server_is_tried_once_per_round(council, deliver, notifications_database, uow_for):
    council()
    deliver(policy_event("policy.published"))  # one e-mail per active person
    mailer = StubMailer(down="SMTP relay.example.org:587: [Errno 111] Connection refused")
    attempts = []
    mailer.send = lambda message, send=mailer.send: (attempts.append(message), send(message))
    assert dispatch.dispatch(
        notifications_database,
        mailer,
        utc_now(),
        retry_base_seconds=BASE,
        allow_private=False,
        resolve=fake_resolve,
        unrecorded=[],
    ) == (len(ACTIVE), [])
    assert len(attempts) == 1  # the others are not tried against a server that just refused
    assert {(d.status, d.attempts, d.last_error) for d in emails(notifications_database)} == {
        (domain.RETRYING, 1, "SMTP relay.example.org:587: [Errno 111] Connection refused")
    }


def test_dispatch_claims_a_batch_at_a_time_and_leaves_the_connection_open(
    council, deliver, notifications_database, uow_for
):
    council(FES, STAFF + [(f"u-agent-{n}", "staff", "fr", f"Agent {n}", True) for n in range(25)])
    deliver(policy_event("policy.published"))
    total = len(ACTIVE) + 25
    mailer, rounds = StubMailer(), []
    while True:
        attempted, _ = dispatch.dispatch(
            notifications_database,
            mailer,
            utc_now(),
            retry_base_seconds=BASE,
            allow_private=False,
            resolve=fake_resolve,
            unrecorded=[],
        )
        if not attempted:
            break
        rounds.append(attempted)
    assert rounds == [dispatch.DISPATCH_BATCH, total - dispatch.DISPATCH_BATCH]
    assert len(mailer.sent) == total and mailer.closed == 0  # the connection is the caller's to close
    assert {d.status for d in emails(notifications_database)} == {domain.SENT}


# Characters that text pasted from a PDF or a word processor brings, and that no e-mail header may hold.
BREAKING_CHARACTERS = ["\n", "\r", "\u2028", "\u2029", "\x0b", "\x0c", "\x85", "\x1c"]


@pytest.mark.parametrize("character", BREAKING_CHARACTERS, ids=repr)
def test_line_breaks_in_titles_and_names_reach_every_mailbox_once(
    character, council, deliver, notifications_database, run, tmp_path
):
    # A title with a line break once made building the e-mail raise: the batch rolled back and the
    # e-mails sent before it in the batch went out again on every round.
    council(
        FES,
        [
            ("u-qm", QM, "fr", f"Salma{character}Benali", True),
            ("u-dir", DIRECTOR, "ar", f"Driss{character}", True),
            *[(f"u-agent-{n}", "staff", "fr", f"Agent{character}{n}", True) for n in range(30)],
        ],
    )
    title = f"Politique{character}qualité 2026"
    deliver(policy_event("policy.published", title=title))
    deliver(policy_event("policy.changes_requested", comment=f"Préciser{character}l'engagement n°3."))
    folder = tmp_path / "mail"
    for moment in (utc_now(), utc_now() + timedelta(seconds=1), utc_now() + timedelta(minutes=10)):
        run.dispatch(channels.Mailer(None, folder), moment)
    box = mailbox.Maildir(folder, create=False)
    received = [email.message_from_bytes(box.get_bytes(key), policy=email.policy.default) for key in box.keys()]
    by_address = {}
    for message in received:
        by_address.setdefault(message.get("To").addresses[0].addr_spec, []).append(message["Subject"])
    assert len(received) == 32 + 1  # one publication e-mail each, and the quality manager's comment
    assert all(len(subjects) == 1 for address_, subjects in by_address.items() if address_ != address("u-qm"))
    assert sorted(by_address[address("u-qm")]) == [
        "Nouvelle politique qualité publiée : Politique qualité 2026 (version 2)",
        "Politique qualité renvoyée en brouillon : Politique qualité 2026 (version 2)",
    ]
    assert all(
        "\n" not in subject and character not in subject for subjects in by_address.values() for subject in subjects
    )
    assert {d.status for d in emails(notifications_database)} == {domain.SENT}


def corrupt(database, delivery_id):
    """A delivery whose stored message lost a part: it can never be built."""
    with database.transaction(all_tenants=True) as session:
        row = session.get(domain.Delivery, delivery_id)
        row.payload = {key: value for key, value in row.payload.items() if key != "html"}


def test_a_message_that_cannot_be_built_fails_alone_and_holds_back_nothing(
    council, deliver, notifications_database, run, tmp_path
):
    council(FES, STAFF + [(f"u-agent-{n}", "staff", "fr", f"Agent {n}", True) for n in range(30)])
    deliver(policy_event("policy.published"))
    broken = sorted(emails(notifications_database), key=lambda d: d.target)[3]
    corrupt(notifications_database, broken.id)
    mailer = StubMailer()
    moment = utc_now()
    while run.dispatch(mailer, moment)[0]:
        moment += timedelta(seconds=1)
    later = run.dispatch(mailer, moment + timedelta(hours=2))  # nothing is due again, ever
    assert later == (0, [])
    sent_to = [message["To"].addresses[0].addr_spec for message in mailer.sent]
    assert sorted(sent_to) == sorted({d.target for d in emails(notifications_database)} - {broken.target})
    assert len(sent_to) == len(set(sent_to))  # each once
    [failed] = emails(notifications_database, status=domain.FAILED)
    assert failed.id == broken.id and failed.attempts == 1
    assert failed.last_error == "the message cannot be built: KeyError: 'html'"


class DyingMailer(StubMailer):
    """Sends `survives` messages, then the dispatcher's process dies in the middle of the next send."""

    def __init__(self, survives):
        super().__init__()
        self.survives = survives

    def send(self, message):
        if len(self.sent) == self.survives:
            raise SystemExit("the dispatcher's process is killed")
        super().send(message)


def test_a_dispatcher_dying_mid_batch_re_sends_nothing_that_was_recorded(
    council, deliver, notifications_database, run, tmp_path
):
    council(FES, STAFF + [(f"u-agent-{n}", "staff", "fr", f"Agent {n}", True) for n in range(30)])
    deliver(policy_event("policy.published"))
    total = len(emails(notifications_database))
    moment = utc_now()
    dying = DyingMailer(survives=7)
    with pytest.raises(SystemExit):
        run.dispatch(dying, moment)
    assert len(emails(notifications_database, status=domain.SENT)) == 7  # recorded one by one, as they left
    # Another dispatcher: the claimed ones wait out their lease, the rest go at once.
    survivor = StubMailer()
    assert run.dispatch(survivor, moment + timedelta(seconds=1)) == (total - dispatch.DISPATCH_BATCH, [])
    assert run.dispatch(survivor, moment + timedelta(seconds=2)) == (0, [])
    assert run.dispatch(survivor, moment + dispatch.CLAIM_LEASE + timedelta(seconds=1)) == (
        dispatch.DISPATCH_BATCH - 7,
        [],
    )
    everything = [m["To"].addresses[0].addr_spec for m in dying.sent + survivor.sent]
    assert sorted(everything) == sorted(d.target for d in emails(notifications_database))  # each exactly once
    assert {d.status for d in emails(notifications_database)} == {domain.SENT}


class DyingOnTheAnswer(StubMailer):
    """The server takes the message; the dispatcher's process dies before it reads the answer."""

    def send(self, message):
        super().send(message)
        raise SystemExit("the dispatcher's process is killed")


def test_a_delivery_whose_outcome_was_never_recorded_goes_again_as_the_same_message(
    council, deliver, notifications_database, run
):
    # The server may or may not have kept a message whose answer its sender never read: it is
    # sent again (it must not be lost), named as before, so that a copy can be recognised.
    council()
    deliver(policy_event("policy.published"))
    moment = utc_now()
    dying = DyingOnTheAnswer()
    with pytest.raises(SystemExit):
        run.dispatch(dying, moment)
    [first] = dying.sent
    survivor = StubMailer()
    while run.dispatch(survivor, moment + dispatch.CLAIM_LEASE + timedelta(seconds=1))[0]:
        pass
    [again] = [m for m in survivor.sent if m["To"] == first["To"]]
    assert again["Message-ID"] == first["Message-ID"]
    assert {d.status for d in emails(notifications_database)} == {domain.SENT}


def test_each_council_gets_its_own_digest_run(council, deliver, service_as, notifications_database, run):
    council(FES)
    council(ORIENTAL, [("u-oriental-qm", QM, "fr", "Nadia", True)])
    service_as(user="u-qm").set_preferences({"digest": True})
    service_as(tenant=ORIENTAL, user="u-oriental-qm").set_preferences({"digest": True})
    deliver(policy_event("policy.approved"))
    deliver(policy_event("policy.approved", tenant=ORIENTAL))
    with service_as().uow(EVERY_COUNCIL) as uow:
        assert sorted(digests.councils_awaiting_digest(uow)) == [FES, ORIENTAL]
    with service_as().uow(Scope.council(ORIENTAL)) as uow:  # one council's run leaves the other's alone
        assert digests.send_digests(uow, date(2026, 11, 21), PUBLIC_URL) == 1
    assert emails(notifications_database, target=address("u-qm")) == []
    assert run.digests(date(2026, 11, 21)) == 1  # FES's
    oriental = emails(notifications_database, target=address("u-oriental-qm", ORIENTAL))[0]
    assert "Conseil de la Région L'Oriental" in oriental.payload["text"]
    assert (oriental.tenant_id, emails(notifications_database, target=address("u-qm"))[0].tenant_id) == (ORIENTAL, FES)


# --- the service's own glue: the Dispatcher and the timers -----------------------------------------------


def dispatcher_on(database, settings):
    from jouda.services.notifications.service import Dispatcher

    dispatcher = Dispatcher()
    dispatcher.container = SimpleNamespace(config={"JOUDA_SETTINGS": settings})
    dispatcher.setup()
    dispatcher.service_database = SimpleNamespace(database=database)
    return dispatcher


def test_a_malformed_smtp_url_stops_the_dispatcher_at_setup(tmp_path):
    with pytest.raises(ValueError, match="JOUDA_SMTP_URL"):
        dispatcher_on(None, Settings(var_dir=tmp_path, smtp_url="http://mail.example.org"))


def test_the_dispatcher_sends_and_tells_the_managers_when_it_switches_a_webhook_off(
    council, deliver, service_as, notifications_database, tmp_path
):
    council()
    settings = Settings(
        var_dir=tmp_path, public_url=PUBLIC_URL, webhook_allow_private=True, delivery_retry_base_seconds=0.0
    )  # retries fall due at once
    url = f"http://127.0.0.1:{closed_port()}/jouda"
    hook = service_as(settings=settings).add_webhook({"url": url})
    deliver(policy_event("policy.review_due"))
    dispatcher = dispatcher_on(notifications_database, settings)
    try:
        for _ in range(domain.WEBHOOK_FAILURES_TO_DISABLE):
            assert dispatcher.dispatch_once() >= 1
    finally:
        dispatcher.mailer.close()
    assert service_as().list_webhooks()["items"][0]["active"] is False
    for manager in ("u-qm", "u-qm-ar"):  # dispatch_once wrote the notice itself
        assert kinds_of(service_as, manager)[0] == "webhook.disabled"
    dispatcher.dispatch_once()  # and its e-mails go out in the next round
    dispatcher.mailer.close()
    box = mailbox.Maildir(tmp_path / "mail", create=False)
    written = [email.message_from_bytes(box.get_bytes(key), policy=email.policy.default) for key in box.keys()]
    notices = sorted(
        m["To"].addresses[0].addr_spec
        for m in written
        if m["Subject"]
        in ("Webhook désactivé à la suite d'échecs de livraison", "تعطيل خطاف الويب (Webhook) إثر إخفاق عمليات الإرسال")
    )
    assert notices == sorted([address("u-qm"), address("u-qm-ar")])
    assert len(written) == 4  # the review notice and the webhook notice, to each manager
    assert hook["id"] in {w.id for w in rows(notifications_database, domain.Webhook, active=False)}


def test_the_reminder_timer_works_council_by_council(council, deliver, service_as, monkeypatch, wakes):
    import jouda.services.notifications.service as service_module

    council(FES)
    council(ORIENTAL, [("u-oriental-owner", "staff", "fr", "Nadia", True)])
    today = date(2026, 11, 21)
    monkeypatch.setattr(service_module, "local_today", lambda: today)
    deliver(objective_event(today + timedelta(days=7), objective_id=str(uuid.uuid4())))
    deliver(
        objective_event(
            today + timedelta(days=1), objective_id=str(uuid.uuid4()), tenant=ORIENTAL, owner="u-oriental-owner"
        )
    )
    deliver(objective_event(today + timedelta(days=200), objective_id=str(uuid.uuid4())))  # not yet
    timer = service_as(tenant=None, user=None, role=None, method="send_reminders")
    timer.send_reminders()
    timer.send_reminders()  # hourly: nothing twice
    assert kinds_of(service_as, "u-owner") == ["reminder.due_soon"]
    assert kinds_of(service_as, "u-oriental-owner", ORIENTAL) == ["reminder.due_soon"]
    assert wakes  # the dispatcher is woken for the e-mails


@pytest.mark.parametrize("hour,sent", [(6, False), (7, True), (22, True)])
def test_the_digest_timer_waits_for_seven_in_casablanca(
    council, deliver, service_as, notifications_database, monkeypatch, hour, sent
):
    import jouda.services.notifications.service as service_module
    from jouda.shared.clock import DISPLAY_ZONE

    council()
    service_as(user="u-qm").set_preferences({"digest": True})
    deliver(policy_event("policy.approved"))
    moment = datetime(2026, 11, 21, hour, 30, tzinfo=DISPLAY_ZONE)
    monkeypatch.setattr(service_module, "utc_now", lambda: moment.astimezone(timezone.utc))
    monkeypatch.setattr(service_module, "local_today", lambda: moment.date())
    service_as(tenant=None, user=None, role=None, method="send_digests").send_digests()
    digests = emails(notifications_database, target=address("u-qm"))
    assert [d.payload["subject"] for d in digests] == (["Jouda : 1 notifications du 2026-11-21"] if sent else [])


def test_a_council_sets_its_escalation_delay(council, deliver, service_as, run):
    council()
    assert service_as(role="staff", user="u-staff").council_settings() == {"escalation_days": 7}
    with pytest.raises(RoleNotAllowed):
        service_as(role="staff", user="u-staff").set_council_settings({"escalation_days": 3})
    with pytest.raises(ValidationFailed):
        service_as().set_council_settings({"escalation_days": 0})
    assert service_as().set_council_settings({"escalation_days": 3}) == {"escalation_days": 3}
    objective_id = str(uuid.uuid4())
    deliver(objective_event(DUE.isoformat(), objective_id=objective_id))
    run.reminders(DUE + timedelta(days=1))  # overdue
    assert run.reminders(DUE + timedelta(days=3)) == 2  # escalated to both quality managers after 3 days
    assert run.reminders(DUE + timedelta(days=6)) == 1  # and to the director after twice that


def test_an_account_email_to_a_person_of_no_council_is_written_without_looking_a_council_up(
    deliver, notifications_database, recwarn
):
    """The ministry's and the administrators' own e-mails (a password reset) belong to no council:
    nothing asks the database for a council with no code (SQLAlchemy warned of it)."""
    addressee = {"user_id": "u-ministry", "email": "observatoire@ministere.example", "name": None, "language": "fr"}
    link = {"link": f"{PUBLIC_URL}/password-reset#s3cr3t", "minutes": 60}
    deliver(build_event("gateway.password_reset_requested", None, "u-ministry", {**addressee, **link}))
    assert [mail.target for mail in emails(notifications_database)] == ["observatoire@ministere.example"]
    assert [str(warning.message) for warning in recwarn] == []
