"""The notifications service over HTTP and AMQP, on the real broker and PostgreSQL, sending e-mail to a
real SMTP server (aiosmtpd, in a subprocess) and webhooks to a real HTTP endpoint on loopback.

The service runs for this module only (beside the session's gateway, policy and objectives), so the
other modules' tests neither wait on nor send any e-mail. It starts with the events earlier modules
left in its queues (declared at the session's start) and works through them first; every test here
works in councils of its own and looks only at their people, inboxes and addresses."""

import json
from dataclasses import dataclass
from datetime import date, timedelta
import uuid
from types import SimpleNamespace

import eventlet
import pytest
from kombu import Connection, Producer
from nameko.events import get_event_exchange
from prometheus_client import REGISTRY
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from jouda import platform
from jouda.services.gateway import directory
from jouda.services.notifications import channels, deadlines, digests, dispatch, domain, routing, webhooks
from jouda.services.notifications import models as notifications_models
from jouda.services.notifications.service import Dispatcher
from jouda.services.objectives import commands as objectives_commands
from jouda.services.policy import commands as policy_commands
from jouda.shared import periods
from jouda.shared.clock import local_today, utc_now
from jouda.shared.db import Database, _grant_runtime_role, make_engine
from jouda.shared.errors import RoleNotAllowed, ValidationFailed
from jouda.shared.events.catalogue import build_event, validate_event
from jouda.shared.events.envelope import occurred_at as occurred_at_of
from jouda.shared.operations import check_role, roles_allowed
from jouda.shared.outbox import message_headers
from jouda.shared.unit_of_work import EVERY_COUNCIL, UnitOfWork
from tests.integration.conftest import DELIVERY_RETRY_BASE_SECONDS as RETRY_BASE_SECONDS, PUBLIC_URL, eventually
from tests.integration.test_objectives import indicator_body, months_back, objective_body, objectives_db  # noqa: F401
from tests.support.infrastructure import free_port
from tests.support.tcp_proxy import TcpProxy
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("platform")]

POLICY = {
    "title": "Politique Qualité",
    "orientations": [
        {"code": "OS1", "title": "Renforcer la qualité des services publics régionaux"},
        {"code": "OS2", "title": "Optimiser la gouvernance et la gestion des ressources"},
    ],
}
SUBJECTS = {  # the French subjects, for the values of POLICY's first version
    "policy.submitted": "Politique qualité soumise pour validation : Politique Qualité (version 1)",
    "policy.approved": "Politique qualité approuvée : Politique Qualité (version 1)",
    "policy.changes_requested": "Politique qualité renvoyée en brouillon : Politique Qualité (version 1)",
    "policy.published": "Nouvelle politique qualité publiée : Politique Qualité (version 1)",
}


# --- the platform (tests/integration/conftest.py) and a webhook receiver ---------------------------------


@pytest.fixture(scope="module")
def receiver():
    endpoint = WebhookReceiver().start()
    yield endpoint
    endpoint.stop()


@pytest.fixture(scope="module")
def notifications_settings(settings):
    return settings


@pytest.fixture(scope="module")
def notifications_db(settings):
    database = Database("notifications", settings.database_url_for("notifications"), pool_size=2)
    yield database
    database.dispose()


# --- councils whose people the notifications service knows ----------------------------------------------


@dataclass(frozen=True)
class Member:
    role: str
    user_id: str
    email: str
    token: str
    language: str


@dataclass
class Team:
    code: str
    members: list

    def one(self, role):
        return next(m for m in self.members if m.role == role)

    def all(self, role):
        return [m for m in self.members if m.role == role]


def known_people(notifications_db, code):
    with notifications_db.transaction(code) as session:
        people = session.scalar(select(func.count()).select_from(domain.Recipient))
        council = session.get(domain.Council, code)
    return people, council is not None


@pytest.fixture
def make_team(make_council, gateway_db, notifications_db):
    """A council (six people, see conftest) plus `extra` people [(role, language, name)], once the
    notifications service has their user events: a notification for someone it does not know yet
    would go nowhere."""

    def make(extra=()):
        council = make_council()
        for index, (role, language, name) in enumerate(extra):
            directory.add_user(
                gateway_db,
                f"{role}-{language}{index}@{council.code}.example",
                role,
                tenant=council.code,
                name=name,
                language=language,
            )
        users = directory.list_users(gateway_db, council.code)
        members = [
            Member(u.role, u.id, u.email, directory.create_token(gateway_db, u.email, tenant=council.code), u.language)
            for u in users
        ]
        eventually(
            lambda: known_people(notifications_db, council.code) == (len(members), True),
            message="the notifications service knows the council and its people",
        )
        return Team(council.code, members)

    return make


@pytest.fixture
def team(make_team):
    return make_team()


# --- helpers ---------------------------------------------------------------------------------------------


def inbox(client, member, query=""):
    reply = client.as_(member.token).get(f"/api/v1/notifications?limit=200{query}")
    assert reply.status == 200, reply
    return reply.json()["items"]


def of_kind(client, member, kind):
    return [n for n in inbox(client, member) if n["kind"] == kind]


def inbox_kinds(client, team, prefix=""):
    return {m.email: sorted(n["kind"] for n in inbox(client, m) if n["kind"].startswith(prefix)) for m in team.members}


def settle(client, team, expected, prefix="", timeout=15.0):
    """Wait until every inbox of the team holds exactly the expected kinds (`expected`: member ->
    kinds; nothing for everyone else). An event's notifications are written in one transaction, so
    once those expected are there, any unexpected one would be too."""
    want = {m.email: sorted(expected.get(m, ())) for m in team.members}
    last = {}

    def check():
        last["got"] = inbox_kinds(client, team, prefix)
        return last["got"] == want

    try:
        eventually(check, timeout=timeout, interval=0.1)
    except AssertionError:
        raise AssertionError(f"inboxes {last.get('got')} != expected {want}") from None


def mails(smtp, member, subject=None):
    return [m for m in smtp.messages(to=member.email) if subject is None or m["Subject"] == subject]


def parts(message):
    """(text, html) of a multipart/alternative e-mail."""
    assert message.get_content_type() == "multipart/alternative", message.get_content_type()
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def deliveries(client, manager, query=""):
    reply = client.as_(manager.token).get(f"/api/v1/notifications/deliveries?limit=200{query}")
    assert reply.status == 200, reply
    return reply.json()["items"]


def act(client, member, version_id, action, body=None):
    reply = client.as_(member.token).post(f"/api/v1/policies/{version_id}/{action}", body)
    assert reply.status == 200, (action, reply)
    return reply.json()


def draft(client, team, **content):
    reply = client.as_(team.one("quality_manager").token).post("/api/v1/policies", {**POLICY, **content})
    assert reply.status == 201, reply
    return reply.json()


def publish_policy(client, team, **content):
    version = draft(client, team, **content)
    manager, director = team.one("quality_manager"), team.one("director")
    for who, action in ((manager, "submit"), (director, "approve"), (manager, "publish")):
        act(client, who, version["id"], action)
    return version


def owned_by(member):
    """What tests/integration/test_objectives.py's bodies take for a council: whose the item is."""
    return SimpleNamespace(users={"process_owner": member.user_id})


def published_kinds(team):
    """Everyone's inbox once publish_policy() is done: the director was asked to approve, the manager
    told it was, and everyone told of the publication."""
    found = {m: ["policy.published"] for m in team.members}
    found[team.one("director")] = ["policy.published", "policy.submitted"]
    found[team.one("quality_manager")] = ["policy.approved", "policy.published"]
    return found


def create_objective(client, team, **changes):
    """Once the objectives service has the published policy's orientations (they arrive by event);
    owned by the process owner."""
    manager = client.as_(team.one("quality_manager").token)
    body = objective_body(owned_by(team.one("process_owner")), **changes)
    reply = eventually(
        lambda: (r := manager.post("/api/v1/objectives", body)).status == 201 and r, message="objective accepted"
    )
    return reply.json()


def publish_envelope(amqp_uri, envelope):
    """Onto `<publisher>.events`, exactly as the publishing service's outbox relay does."""
    with Connection(amqp_uri) as connection:
        exchange = get_event_exchange(platform.publisher_of(envelope["type"]), {})
        producer = Producer(connection.channel(), exchange=exchange)
        producer.publish(
            json.dumps(envelope),
            routing_key=envelope["type"],
            content_type="application/json",
            content_encoding="utf-8",
            headers=message_headers(envelope),
            message_id=envelope["event_id"],
            delivery_mode=2,
        )


def processed(notifications_db, handler, event_id):
    with notifications_db.transaction(all_tenants=True) as session:
        return (
            session.execute(
                text("SELECT count(*) FROM processed_events WHERE consumer = :c AND event_id = :e"),
                {"c": f"notifications.{handler}", "e": event_id},
            ).scalar()
            == 1
        )


def notifications_of_event(notifications_db, code, event_id):
    with notifications_db.transaction(code) as session:
        return session.scalar(
            select(func.count()).select_from(domain.Notification).where(domain.Notification.source_id == event_id)
        )


def counter(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def written(notifications_db, code):
    """Every row the notifications service holds for a council, and what a write would change."""
    with notifications_db.transaction(code) as session:
        counts = [
            session.scalar(select(func.count()).select_from(cls))
            for cls in (domain.Notification, domain.Delivery, domain.Webhook, domain.Preferences)
        ]
        counts.append(
            session.scalar(
                select(func.count()).select_from(domain.Notification).where(domain.Notification.read_at.is_not(None))
            )
        )
        counts.append(
            [
                (p.user_id, p.channels, p.language, p.digest)
                for p in session.scalars(select(domain.Preferences).order_by(domain.Preferences.user_id))
            ]
        )
        council = session.get(domain.Council, code)
        counts.append(council and council.escalation_days)
    return counts


def run_reminders(notifications_db, code, today):
    """What the service's hourly timer does, for this council: the councils with open items (all
    tenants), then a unit of work for the council."""
    with UnitOfWork(notifications_db, EVERY_COUNCIL) as uow:
        councils = deadlines.councils_with_open_items(uow, today)
    assert code in councils
    with UnitOfWork(notifications_db, code) as uow:
        return deadlines.send_reminders(uow, today, PUBLIC_URL)


def send_digests(notifications_db, code, day):
    """What the service's daily timer does, for this council: the councils with notifications
    waiting for a digest (all tenants), then a unit of work for the council. Digests sent."""
    with UnitOfWork(notifications_db, EVERY_COUNCIL) as uow:
        councils = digests.councils_awaiting_digest(uow)
    if code not in councils:
        return 0
    with UnitOfWork(notifications_db, code) as uow:
        return digests.send_digests(uow, day, PUBLIC_URL)


def tracked(notifications_db, code, kind="objective"):
    with notifications_db.transaction(code) as session:
        return {
            item.ref_id: item.due_date
            for item in session.scalars(select(domain.TrackedItem).where(domain.TrackedItem.kind == kind))
        }


# --- routing: who must know what ---------------------------------------------------------------------------

# The routes the tests below drive end to end: a new row of the routing table needs its test here.
DRIVEN_ROUTES = {
    "policy.submitted",
    "policy.approved",
    "policy.changes_requested",
    "policy.published",
    "policy.review_due",
    "objective.status_changed",
    "indicator.measurement_missing",
    # A person's own account e-mails, driven in tests/integration/test_accounts.py.
    "gateway.invitation_sent",
    "gateway.password_reset_requested",
    "gateway.account_locked",
    # The improvement loop, driven in tests/integration/test_audits.py.
    "audit.prepared",
    "audit.updated",
    "action.assigned",
    "nonconformity.opened",
    "nonconformity.recurrence_detected",
    "effectiveness.verified",
}


def test_every_route_is_driven_by_a_test_below():
    assert set(routing.routes()) == DRIVEN_ROUTES


def test_a_deactivated_person_is_told_nothing(client, team, gateway_db, notifications_db, smtp):
    gone = team.all("staff")[1]
    directory.set_user_active(gateway_db, gone.email, False, tenant=team.code)

    def recipient_active():
        with notifications_db.transaction(team.code) as session:
            return session.get(domain.Recipient, gone.user_id).active

    eventually(lambda: recipient_active() is False, message="the deactivation known")
    staying = Team(team.code, [m for m in team.members if m != gone])
    publish_policy(client, team)
    settle(client, staying, published_kinds(staying))
    eventually(lambda: mails(smtp, team.all("staff")[0]), message="the others' e-mails")
    with notifications_db.transaction(team.code) as session:
        assert (
            session.scalar(
                select(func.count()).select_from(domain.Notification).where(domain.Notification.user_id == gone.user_id)
            )
            == 0
        )
    assert mails(smtp, gone) == []


def test_the_policy_workflow_reaches_the_roles_of_the_routing_table(client, team, smtp, event_tap):
    manager, director = team.one("quality_manager"), team.one("director")
    version = draft(client, team)
    act(client, manager, version["id"], "submit")
    settle(client, team, {director: ["policy.submitted"]})  # not the staff, not the manager who submitted
    act(client, director, version["id"], "request-changes", {"comment": "Préciser l'orientation OS2."})
    settle(client, team, {director: ["policy.submitted"], manager: ["policy.changes_requested"]})
    act(client, manager, version["id"], "submit")
    act(client, director, version["id"], "approve")
    settle(client, team, {director: ["policy.submitted"] * 2, manager: ["policy.approved", "policy.changes_requested"]})
    act(client, manager, version["id"], "publish")
    everyone = {m: ["policy.published"] for m in team.members}
    settle(
        client,
        team,
        {
            **everyone,
            director: ["policy.published"] + ["policy.submitted"] * 2,
            manager: ["policy.approved", "policy.changes_requested", "policy.published"],
        },
    )

    for notification in inbox(client, manager) + inbox(client, director):
        assert notification["subject"] == SUBJECTS[notification["kind"]]
        assert notification["link"] == f"/policy/versions/{version['id']}"
        assert notification["language"] == "fr" and notification["read"] is False
        assert notification["mandatory"] is (notification["kind"] == "policy.published")
    changes = of_kind(client, manager, "policy.changes_requested")[0]
    assert "Préciser l'orientation OS2." in changes["body"]
    assert f"Conseil de la Région Conseil {team.code}" in of_kind(client, manager, "policy.published")[0]["body"]

    # Each inbox entry also went by e-mail (nobody changed their preferences), once.
    eventually(
        lambda: (
            len(mails(smtp, director)) == 3
            and all(len(mails(smtp, m)) == 1 for m in team.members if m not in (manager, director))
        ),
        message="the e-mails of the workflow",
    )
    eventually(lambda: len(mails(smtp, manager)) == 3, message="the manager's e-mails")
    assert sorted(m["Subject"] for m in mails(smtp, director)) == sorted(
        [SUBJECTS["policy.published"]] + [SUBJECTS["policy.submitted"]] * 2
    )
    submitted = mails(smtp, director, SUBJECTS["policy.submitted"])[0]
    text_part, _ = parts(submitted)
    assert f"{PUBLIC_URL}/policy/versions/{version['id']}" in text_part
    assert submitted["From"] == "Jouda <no-reply@jouda.local>" and submitted["To"] == director.email
    assert len(event_tap.events("policy.submitted", team.code)) == 2


def test_objective_status_changes_notify_owner_and_managers_only_when_worse(client, team, notifications_db, event_tap):
    publish_policy(client, team)
    manager, owner = team.one("quality_manager"), team.one("process_owner")
    objective = create_objective(client, team)
    months = months_back(3)
    indicator = client.as_(manager.token).post(
        f"/api/v1/objectives/{objective['id']}/indicators", indicator_body(owned_by(owner), start_period=months[0])
    )
    assert indicator.status == 201, indicator
    for period, value, status in (
        (months[0], 65, "at_risk"),
        (months[1], 55, "off_track"),
        (months[2], 78, "on_track"),
    ):
        reply = client.as_(owner.token).post(
            f"/api/v1/indicators/{indicator.json()['id']}/measurements", {"period": period, "value": value}
        )
        assert reply.status == 201, reply
        assert client.as_(manager.token).get(f"/api/v1/objectives/{objective['id']}").json()["status"] == status
    worse = ["objective.status_changed"] * 2
    expected = published_kinds(team)
    expected[manager] += worse
    expected[owner] += worse
    settle(client, team, expected)

    for who in (manager, owner):
        changes = sorted(of_kind(client, who, "objective.status_changed"), key=lambda n: n["created_at"])
        assert [n["subject"] for n in changes] == ["Dégradation d'un objectif qualité : Satisfaction des citoyens"] * 2
        assert "« sans données » à « à risque »" in changes[0]["body"]
        assert "« à risque » à « hors trajectoire »" in changes[1]["body"]
        assert {n["link"] for n in changes} == {f"/objectives/{objective['id']}"}

    # The return to on_track was received and applied, and notified nobody.
    events = eventually(lambda: len(found := event_tap.events("objective.status_changed", team.code)) == 3 and found)
    better = next(e for e in events if e["payload"]["new_status"] == "on_track")
    eventually(
        lambda: processed(notifications_db, "on_objective_status_changed", better["event_id"]),
        message="the on_track change applied",
    )
    assert notifications_of_event(notifications_db, team.code, better["event_id"]) == 0
    settle(client, team, expected)


def test_a_missing_measurement_reaches_the_indicators_owner_only(client, team, objectives_db):  # noqa: F811
    publish_policy(client, team)
    manager, auditor = team.one("quality_manager"), team.one("auditor")
    objective = create_objective(client, team)  # owned by the process owner; the indicator by the auditor
    months = months_back(3)
    indicator = client.as_(manager.token).post(
        f"/api/v1/objectives/{objective['id']}/indicators", indicator_body(owned_by(auditor), start_period=months[0])
    )
    assert indicator.status == 201, indicator
    indicator = indicator.json()
    late = [
        str(p) for p in periods.late_periods("monthly", months[0], set(), local_today(), periods.DEFAULT_GRACE_DAYS)
    ]
    assert late
    with UnitOfWork(objectives_db, team.code) as uow:  # the objectives service's timer, for this council
        assert objectives_commands.notice_missing_measurements(uow, local_today()) == len(late)

    expected = published_kinds(team)
    expected[auditor] += ["indicator.measurement_missing"] * len(late)
    settle(client, team, expected)
    missing = of_kind(client, auditor, "indicator.measurement_missing")
    assert sorted(n["subject"] for n in missing) == sorted(
        f"Mesure en retard : Taux de satisfaction des usagers ({period})" for period in late
    )
    assert {n["link"] for n in missing} == {f"/indicators/{indicator['id']}"}


def test_a_coming_policy_review_reaches_the_quality_managers(client, team, policy_db, notifications_db):
    review = local_today() + timedelta(days=20)
    version = publish_policy(client, team, next_review_date=review.isoformat())
    with UnitOfWork(policy_db, EVERY_COUNCIL) as uow:  # the policy service's timer
        assert policy_commands.send_review_notices(uow, local_today()) >= 1
    manager = team.one("quality_manager")
    expected = published_kinds(team)
    expected[manager] += ["policy.review_due"]
    settle(client, team, expected)
    due = of_kind(client, manager, "policy.review_due")[0]
    assert due["subject"] == f"Revue de la politique qualité à préparer : Politique Qualité (échéance : {review})"
    assert "Nombre de jours restants : 20." in due["body"] and due["link"] == f"/policy/versions/{version['id']}"
    # The published policy's next review is followed for reminders (none due yet at 20 days: 7 and 1).
    assert tracked(notifications_db, team.code, "policy_review") == {version["policy_id"]: review}


def test_a_duplicate_event_gives_one_notification_per_person(client, team, settings, smtp):
    manager, owner = team.one("quality_manager"), team.one("process_owner")
    envelope = build_event(
        "objective.status_changed",
        team.code,
        "system",
        {
            "objective_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
            "title": "Délai de traitement",
            "orientation_code": "OS1",
            "owner_id": owner.user_id,
            "old_status": "on_track",
            "new_status": "at_risk",
            "indicator_id": None,
        },
    )
    validate_event(envelope)
    duplicates = counter(
        "jouda_events_duplicates_total", service="notifications", event_type="objective.status_changed"
    )
    publish_envelope(settings.amqp_uri, envelope)
    publish_envelope(settings.amqp_uri, envelope)
    eventually(
        lambda: (
            counter("jouda_events_duplicates_total", service="notifications", event_type="objective.status_changed")
            >= duplicates + 1
        ),
        message="the second delivery seen as a duplicate",
    )
    settle(client, team, {manager: ["objective.status_changed"], owner: ["objective.status_changed"]})
    subject = "Dégradation d'un objectif qualité : Délai de traitement"
    eventually(
        lambda: len(mails(smtp, manager, subject)) == 1 and len(mails(smtp, owner, subject)) == 1,
        message="one e-mail each",
    )
    assert (
        len([d for d in deliveries(client, manager, "&channel=email") if d["target"] in (manager.email, owner.email)])
        == 2
    )


# --- languages --------------------------------------------------------------------------------------------


def test_each_person_reads_in_their_language(client, make_team, smtp):
    team = make_team(extra=[("staff", "ar", "سعاد العلوي")])
    arabic = next(m for m in team.members if m.language == "ar")
    manager, director = team.one("quality_manager"), team.one("director")
    version = publish_policy(client, team)
    settle(client, team, published_kinds(team))

    mine = of_kind(client, arabic, "policy.published")[0]
    assert mine["language"] == "ar"
    assert mine["subject"] == "نشر سياسة الجودة الجديدة: Politique Qualité (الإصدار 1)"
    assert mine["body"].startswith("السلام عليكم سعاد العلوي،")
    theirs = of_kind(client, manager, "policy.published")[0]
    assert (theirs["language"], theirs["subject"]) == ("fr", SUBJECTS["policy.published"])
    assert theirs["body"].startswith(f"Bonjour {manager.email},")

    message = eventually(lambda: (found := mails(smtp, arabic)) and found[0], message="the Arabic e-mail")
    assert message["Subject"] == mine["subject"] and message["To"] == f"سعاد العلوي <{arabic.email}>"
    text_part, html_part = parts(message)
    assert text_part.strip() == mine["body"]
    assert '<html lang="ar" dir="rtl">' in html_part and '<body dir="rtl"' in html_part
    assert "سعاد العلوي" in html_part and f"{PUBLIC_URL}/policy/versions/{version['id']}" in html_part
    french = eventually(lambda: (found := mails(smtp, manager, SUBJECTS["policy.published"])) and found[0])
    assert '<html lang="fr" dir="ltr">' in parts(french)[1]

    # Preferences choose the language of what comes next: the Arabic reader switches to French, the
    # manager to Arabic.
    for member, language in ((arabic, "fr"), (manager, "ar")):
        reply = client.as_(member.token).request("PUT", "/api/v1/me/preferences", {"language": language})
        assert reply.status == 200 and reply.json()["language"] == language, reply
    revision = client.as_(manager.token).post(f"/api/v1/policies/{version['id']}/revisions")
    assert revision.status == 201, revision
    for who, action in ((manager, "submit"), (director, "approve"), (manager, "publish")):
        act(client, who, revision.json()["id"], action)
    eventually(
        lambda: (
            len(of_kind(client, arabic, "policy.published")) == 2
            and len(of_kind(client, manager, "policy.published")) == 2
        ),
        message="version 2 announced",
    )
    latest = {n["id"]: n for n in of_kind(client, arabic, "policy.published")}
    assert sorted((n["language"], n["subject"]) for n in latest.values()) == [
        ("ar", "نشر سياسة الجودة الجديدة: Politique Qualité (الإصدار 1)"),
        ("fr", "Nouvelle politique qualité publiée : Politique Qualité (version 2)"),
    ]
    approved = sorted(of_kind(client, manager, "policy.approved"), key=lambda n: n["created_at"])
    assert [n["language"] for n in approved] == ["fr", "ar"]
    assert approved[1]["subject"] == "المصادقة على سياسة الجودة: Politique Qualité (الإصدار 2)"
    switched = eventually(
        lambda: (
            (found := mails(smtp, arabic, "Nouvelle politique qualité publiée : Politique Qualité (version 2)"))
            and found[0]
        )
    )
    assert '<html lang="fr" dir="ltr">' in parts(switched)[1]
    to_arabic = eventually(lambda: (found := mails(smtp, manager, approved[1]["subject"])) and found[0])
    assert 'dir="rtl"' in parts(to_arabic)[1]


# --- preferences -------------------------------------------------------------------------------------------


def test_preferences_choose_channels_but_mandatory_notices_reach_the_inbox(client, team, smtp):
    manager, director = team.one("quality_manager"), team.one("director")
    first_staff, second_staff = team.all("staff")
    me = client.as_(manager.token)
    assert me.get("/api/v1/me/preferences").json() == {"channels": {}, "language": None, "digest": False}
    chosen = {"channels": {"policy.approved": ["inbox"], "policy.changes_requested": [], "policy.published": []}}
    reply = me.request("PUT", "/api/v1/me/preferences", chosen)
    assert reply.status == 200 and reply.json() == {**chosen, "language": None, "digest": False}, reply
    assert me.get("/api/v1/me/preferences").json() == {**chosen, "language": None, "digest": False}
    assert (
        client.as_(first_staff.token)
        .request("PUT", "/api/v1/me/preferences", {"channels": {"policy.published": ["email"]}})
        .status
        == 200
    )
    assert client.as_(second_staff.token).get("/api/v1/me/preferences").json()["channels"] == {}

    version = draft(client, team)
    act(client, manager, version["id"], "submit")
    act(client, director, version["id"], "request-changes", {"comment": "Revoir le titre."})
    act(client, manager, version["id"], "submit")
    act(client, director, version["id"], "approve")
    act(client, manager, version["id"], "publish")
    # changes_requested: neither channel, so nothing at all; approved: the inbox only; published is
    # mandatory, so it reaches the inbox whatever the preferences say.
    settle(
        client,
        team,
        {
            **{m: ["policy.published"] for m in team.members},
            manager: ["policy.approved", "policy.published"],
            director: ["policy.published", "policy.submitted", "policy.submitted"],
        },
    )

    eventually(
        lambda: (
            len(mails(smtp, first_staff)) == 1
            and len(mails(smtp, second_staff)) == 1
            and len(mails(smtp, director)) == 3
        ),
        message="the e-mails of those who want them",
    )
    assert mails(smtp, first_staff)[0]["Subject"] == SUBJECTS["policy.published"]
    log = deliveries(client, manager, "&channel=email")
    assert manager.email not in {d["target"] for d in log}  # no e-mail was even queued for the manager
    assert mails(smtp, manager) == []
    by_notification = {d["notification_id"] for d in log}
    assert not by_notification & {n["id"] for n in inbox(client, manager)}


def test_a_digest_replaces_individual_emails_once_a_day(client, team, smtp, notifications_db):
    manager, director = team.one("quality_manager"), team.one("director")
    boss = client.as_(director.token)
    reply = boss.request("PUT", "/api/v1/me/preferences", {"digest": True})
    assert reply.status == 200 and reply.json()["digest"] is True, reply
    version = draft(client, team)
    act(client, manager, version["id"], "submit")
    act(client, director, version["id"], "request-changes", {"comment": "Compléter."})
    act(client, manager, version["id"], "submit")
    act(client, director, version["id"], "approve")
    act(client, manager, version["id"], "publish")
    eventually(
        lambda: len(of_kind(client, director, "policy.published")) == 1 and len(mails(smtp, manager)) == 3,
        message="notifications made and the others' e-mails sent",
    )
    assert len(inbox(client, director)) == 3
    assert director.email not in {d["target"] for d in deliveries(client, manager, "&channel=email")}

    today = local_today()

    def digest(day):
        return send_digests(notifications_db, team.code, day)

    assert digest(today) == 1
    subject = f"Jouda : 3 notifications du {today.isoformat()}"
    message = eventually(lambda: (found := mails(smtp, director)) and found, message="the digest")
    assert [m["Subject"] for m in message] == [subject]
    text_part, html_part = parts(message[0])
    for expected in ("- " + SUBJECTS["policy.published"], "- " + SUBJECTS["policy.submitted"]):
        assert expected in text_part
    assert text_part.count(SUBJECTS["policy.submitted"]) == 2 and f"{PUBLIC_URL}/" in text_part
    assert 'dir="ltr"' in html_part

    def digests_queued():
        return [d for d in deliveries(client, manager, "&channel=email") if d["target"] == director.email]

    assert len(digests_queued()) == 1 and digests_queued()[0]["notification_id"] is None
    assert digest(today) == 0  # again the same day: nothing more
    revision = client.as_(manager.token).post(f"/api/v1/policies/{version['id']}/revisions").json()
    act(client, manager, revision["id"], "submit")
    eventually(lambda: len(of_kind(client, director, "policy.submitted")) == 3, message="a new notification")
    assert digest(today) == 0  # and still not, though something new came: it waits for tomorrow's
    assert len(digests_queued()) == 1 and len(mails(smtp, director)) == 1
    tomorrow = today + timedelta(days=1)
    assert digest(tomorrow) == 1
    second = eventually(
        lambda: (found := mails(smtp, director)) and len(found) == 2 and found[1], message="the next day's digest"
    )
    assert second["Subject"] == f"Jouda : 1 notifications du {tomorrow.isoformat()}"
    assert "Politique qualité soumise pour validation : Politique Qualité (version 2)" in parts(second)[0]
    assert len(inbox(client, director)) == 4  # the inbox never changed


def test_a_digest_names_the_council_as_every_other_notification_does(client, team, smtp, notifications_db):
    manager = team.one("quality_manager")
    assert client.as_(manager.token).request("PUT", "/api/v1/me/preferences", {"digest": True}).status == 200
    publish_policy(client, team)
    eventually(lambda: len(inbox(client, manager)) == 2, message="the manager's notifications")
    assert send_digests(notifications_db, team.code, local_today()) == 1
    message = eventually(lambda: (found := mails(smtp, manager)) and found[0], message="the digest")
    published = of_kind(client, manager, "policy.published")[0]["body"]
    assert f"Conseil de la Région Conseil {team.code}" in published
    assert f"Conseil de la Région Conseil {team.code}" in parts(message)[0]


# --- reminders and escalation -----------------------------------------------------------------------------


def test_reminders_are_sent_once_and_escalate(client, team, notifications_db):
    publish_policy(client, team)
    manager, director, owner = team.one("quality_manager"), team.one("director"), team.one("process_owner")
    today = local_today()
    objectives = {}
    for days in (5, -1, -8, -15):
        objectives[days] = create_objective(
            client, team, title=f"Objectif J{days:+d}", due_date=(today + timedelta(days=days)).isoformat()
        )
    eventually(
        lambda: (
            tracked(notifications_db, team.code)
            == {o["id"]: today + timedelta(days=days) for days, o in objectives.items()}
        ),
        message="due dates followed",
    )

    assert run_reminders(notifications_db, team.code, today) == 1 + 3 + 2 + 1
    expected = {
        owner: ["reminder.due_soon"] + ["reminder.overdue"] * 3,
        manager: ["reminder.escalated"] * 2,
        director: ["reminder.escalated"],
    }
    settle(client, team, expected, prefix="reminder.")

    soon = of_kind(client, owner, "reminder.due_soon")[0]
    due = (today + timedelta(days=5)).isoformat()
    assert soon["subject"] == f"Rappel : échéance le {due} pour « Objectif J+5 »"
    assert "Nombre de jours restants : 5." in soon["body"] and soon["mandatory"] is False
    assert soon["link"] == f"/objectives/{objectives[5]['id']}"
    overdue = {n["subject"]: n for n in of_kind(client, owner, "reminder.overdue")}
    assert set(overdue) == {f"Échéance dépassée : Objectif J{d:+d}" for d in (-1, -8, -15)}
    assert "Nombre de jours de retard : 8." in overdue["Échéance dépassée : Objectif J-8"]["body"]
    assert all(n["mandatory"] for n in overdue.values())
    escalated = {n["subject"] for n in of_kind(client, manager, "reminder.escalated")}
    assert escalated == {
        "Escalade : retard non traité pour « Objectif J-8 »",
        "Escalade : retard non traité pour « Objectif J-15 »",
    }
    to_director = of_kind(client, director, "reminder.escalated")[0]
    assert to_director["subject"] == "Escalade : retard non traité pour « Objectif J-15 »"
    assert f"sous la responsabilité de {owner.email}" in to_director["body"]
    assert "Nombre de jours de retard : 15." in to_director["body"]

    # The next tick: every reminder was sent already.
    assert run_reminders(notifications_db, team.code, today) == 0
    settle(client, team, expected, prefix="reminder.")


def test_a_council_sets_when_overdue_items_escalate(client, make_team, notifications_db):
    team, other = make_team(), make_team()
    manager, director, owner = team.one("quality_manager"), team.one("director"), team.one("process_owner")
    settings = "/api/v1/notification-settings"
    assert client.as_(team.one("staff").token).get(settings).json() == {"escalation_days": 7}
    for member in (director, team.one("staff")):
        refused = client.as_(member.token).request("PUT", settings, {"escalation_days": 3})
        assert (refused.status, refused.error_code) == (403, "role_not_allowed"), refused
    changed = client.as_(manager.token).request("PUT", settings, {"escalation_days": 3})
    assert changed.status == 200 and changed.json() == {"escalation_days": 3}, changed
    assert client.as_(director.token).get(settings).json() == {"escalation_days": 3}
    assert client.as_(other.one("quality_manager").token).get(settings).json() == {"escalation_days": 7}

    publish_policy(client, team)
    today = local_today()
    four = create_objective(client, team, title="J-4", due_date=(today - timedelta(days=4)).isoformat())
    six = create_objective(client, team, title="J-6", due_date=(today - timedelta(days=6)).isoformat())
    eventually(lambda: set(tracked(notifications_db, team.code)) == {four["id"], six["id"]}, message="followed")
    # Overdue to the owner (both); to the manager after 3 days (both); to the director after 6 (J-6 only).
    assert run_reminders(notifications_db, team.code, today) == 2 + 2 + 1
    settle(
        client,
        team,
        {owner: ["reminder.overdue"] * 2, manager: ["reminder.escalated"] * 2, director: ["reminder.escalated"]},
        prefix="reminder.",
    )
    assert of_kind(client, director, "reminder.escalated")[0]["subject"] == "Escalade : retard non traité pour « J-6 »"


def test_a_new_deadline_starts_the_reminders_again(client, team, notifications_db):
    publish_policy(client, team)
    owner = team.one("process_owner")
    today = local_today()
    late = create_objective(client, team, title="En retard", due_date=(today - timedelta(days=1)).isoformat())
    eventually(lambda: late["id"] in tracked(notifications_db, team.code), message="due date followed")
    assert run_reminders(notifications_db, team.code, today) == 1
    moved = client.as_(team.one("quality_manager").token).patch(
        f"/api/v1/objectives/{late['id']}", {"due_date": (today - timedelta(days=2)).isoformat()}
    )
    assert moved.status == 200, moved
    soon = create_objective(client, team, title="Bientôt", due_date=(today + timedelta(days=3)).isoformat())
    eventually(
        lambda: (
            tracked(notifications_db, team.code)
            == {late["id"]: today - timedelta(days=2), soon["id"]: today + timedelta(days=3)}
        ),
        message="the new deadline followed",
    )
    # "a new deadline: reminders start again" (deadlines.track): the owner hears of the new one, and
    # of the other objective's coming due date, in the same run.
    assert run_reminders(notifications_db, team.code, today) == 2
    settle(client, team, {owner: ["reminder.due_soon", "reminder.overdue", "reminder.overdue"]}, prefix="reminder.")
    assert run_reminders(notifications_db, team.code, today) == 0


# --- e-mail delivery through an outage ------------------------------------------------------------------------


def test_emails_wait_out_an_smtp_outage_and_arrive_once(client, team, smtp):
    manager = team.one("quality_manager")
    kinds = published_kinds(team)
    expected = {m: [SUBJECTS[kind] for kind in found] for m, found in kinds.items()}  # the e-mails
    addresses = {m.email for m in team.members}

    def ours(log):
        return [d for d in log if d["target"] in addresses]

    smtp.stop()
    try:
        publish_policy(client, team)
        settle(client, team, kinds)  # the inbox does not wait for e-mail

        def all_retrying():
            log = ours(deliveries(client, manager, "&channel=email"))
            return len(log) == 8 and all(d["status"] == "retrying" and d["attempts"] >= 2 for d in log) and log

        log = eventually(all_retrying, message="every e-mail retrying")
        for delivery in log:
            assert delivery["sent_at"] is None and delivery["next_attempt_at"] >= delivery["created_at"]
            assert delivery["last_error"].startswith(f"SMTP 127.0.0.1:{smtp.port}: ")
            # Refused, or dropped: the dispatcher's kept-alive connection to the server that went away
            # fails first, and the rest of its round is recorded with that error (seen once in CI).
            assert any(why in delivery["last_error"].lower() for why in ("refused", "unexpectedly closed"))
        assert all(mails(smtp, m) == [] for m in team.members)
        retrying = deliveries(client, manager, "&status=retrying")
        assert {d["id"] for d in log} <= {d["id"] for d in retrying}
    finally:
        smtp.start()

    def all_sent():
        log = ours(deliveries(client, manager, "&channel=email"))
        return all(d["status"] == "sent" for d in log) and log

    log = eventually(all_sent, message="every e-mail sent once the server is back")
    assert all(d["last_error"] is None and d["attempts"] >= 3 and d["sent_at"] for d in log)
    eventually(lambda: all(len(mails(smtp, m)) == len(s) for m, s in expected.items()), timeout=5)
    for member, subjects in expected.items():
        received = mails(smtp, member)
        assert sorted(m["Subject"] for m in received) == sorted(subjects), member
        assert len({m["Message-ID"] for m in received}) == len(received)


def test_one_refused_recipient_does_not_hold_back_the_others_emails(client, team, settings, smtp):
    manager, director, owner = team.one("quality_manager"), team.one("director"), team.one("process_owner")
    addresses = {m.email for m in team.members}
    smtp.set_rules(reject=[director.email], slow_once={owner.email: 3.0})
    try:
        # A first event reaches the manager and the process owner; the server takes its time over the
        # owner's address, so the dispatcher's round is still busy while the policy's e-mails are
        # queued: they are all due in its next round, the director's (refused) first.
        publish_envelope(
            settings.amqp_uri,
            build_event(
                "objective.status_changed",
                team.code,
                "system",
                {
                    "objective_id": "6fa459ea-ee8a-3ca4-894e-db77e160355e",
                    "title": "Accueil",
                    "orientation_code": "OS1",
                    "owner_id": owner.user_id,
                    "old_status": "at_risk",
                    "new_status": "off_track",
                    "indicator_id": None,
                },
            ),
        )
        eventually(lambda: smtp.slowed(owner.email), message="the dispatcher held by the server")
        publish_policy(client, team)
        expected = published_kinds(team)
        expected[manager] += ["objective.status_changed"]
        expected[owner] += ["objective.status_changed"]
        settle(client, team, expected)

        def tried_every_one():  # the round after the held one: the director's two e-mails refused
            log = [d for d in deliveries(client, manager, "&channel=email") if d["target"] in addresses]
            return len(log) == 10 and all(d["status"] != "pending" for d in log) and log

        log = eventually(tried_every_one, message="every e-mail tried")
    finally:
        smtp.set_rules()
    refused = [d for d in log if d["target"] == director.email]
    # 550: the address takes no mail, so those are given up at once; the others are not held back.
    assert [d["status"] for d in refused] == ["failed"] * 2 and all("550" in d["last_error"] for d in refused)
    # The others went in the same round: each sent at its first attempt.
    others = [d for d in log if d["target"] != director.email]
    assert [(d["target"], d["status"], d["attempts"], d["last_error"]) for d in others] == [
        (d["target"], "sent", 1, None) for d in others
    ]


# Text pasted from a PDF or a word processor: characters no e-mail header may hold.
BREAKS = "\n\r\u2028\u2029\x0b\x0c\x85\x1c"


def test_line_breaks_in_every_text_that_reaches_an_e_mail_still_arrive_once(
    client, gateway_db, notifications_db, objectives_db, tenant_code, smtp
):
    # A title with a line break once made the dispatcher fail its whole batch and send the rest of
    # it again every second. Here every text that can reach an e-mail holds every such character:
    # the council's name, people's names, the policy's title, the director's comment, an objective's
    # title and an indicator's name.
    code = f"{tenant_code}-breaks"
    directory.add_tenant(gateway_db, code, f"Conseil{BREAKS}de test")
    members = {}
    for role in ("quality_manager", "director", "process_owner", "staff"):
        email_address = f"{role}@{code}.example"
        user = directory.add_user(gateway_db, email_address, role, tenant=code, name=f"Nom{BREAKS}{role}")
        members[role] = Member(role, user.id, email_address, directory.create_token(gateway_db, email_address), "fr")
    eventually(lambda: known_people(notifications_db, code) == (4, True), message="the council's people known")
    team = Team(code, list(members.values()))
    manager, director, owner = members["quality_manager"], members["director"], members["process_owner"]

    version = draft(client, team, title=f"Politique{BREAKS}Qualité")
    act(client, manager, version["id"], "submit")
    act(client, director, version["id"], "request-changes", {"comment": f"Revoir{BREAKS}l'orientation OS2."})
    for who, action in ((manager, "submit"), (director, "approve"), (manager, "publish")):
        act(client, who, version["id"], action)
    objective = create_objective(client, team, title=f"Objectif{BREAKS}de délai")
    months = months_back(3)
    indicator = client.as_(manager.token).post(
        f"/api/v1/objectives/{objective['id']}/indicators",
        indicator_body(owned_by(owner), name=f"Indicateur{BREAKS}de délai", start_period=months[0]),
    )
    assert indicator.status == 201, indicator
    reply = client.as_(owner.token).post(
        f"/api/v1/indicators/{indicator.json()['id']}/measurements", {"period": months[2], "value": 50}
    )  # off track: the objective worsens
    assert reply.status == 201, reply
    with UnitOfWork(objectives_db, code) as uow:  # the objectives service's timer: two months unreported
        assert objectives_commands.notice_missing_measurements(uow, local_today()) == 2

    expected = {  # e-mails each person receives, once each
        director: 3,  # submitted twice, published
        manager: 4,  # changes requested, approved, published, the objective's status
        owner: 3,  # published, the objective's status, the two missing reports in one e-mail
        members["staff"]: 1,
    }

    def arrived():
        return {member: len(mails(smtp, member)) for member in expected}

    eventually(lambda: arrived() == expected, timeout=30, message=f"every e-mail arrived (expected {expected})")
    eventually(
        lambda: not [d for d in deliveries(client, manager) if d["status"] in ("pending", "retrying")],
        message="nothing left to send",
    )
    eventlet.sleep(3 * RETRY_BASE_SECONDS + 1)  # what was sent is not sent again
    assert arrived() == expected
    assert {d["status"] for d in deliveries(client, manager)} == {"sent"}
    for member in expected:
        for message in mails(smtp, member):
            assert not set(BREAKS) & set(message["Subject"]), message["Subject"]
            assert message["To"].addresses[0].addr_spec == member.email
    assert mails(smtp, manager, "Politique qualité renvoyée en brouillon : Politique Qualité (version 1)")


def test_an_objectives_created_and_updated_events_applied_at_once_both_take(notifications_db, tenant_code):
    # Two workers applying an objective's first and second deadline at the same moment: the second
    # waited for the first's row and then failed on the unique key (a traceback at every start-up).
    code, objective_id = f"{tenant_code}-race", str(uuid.uuid4())
    deadline = {
        "kind": "objective",
        "ref_id": objective_id,
        "title": "Délais",
        "owner_id": "u-1",
        "link": f"/objectives/{objective_id}",
    }
    created = build_event("deadline.set", code, "u-qm", {**deadline, "due_date": date(2027, 6, 30)})
    updated = build_event("deadline.set", code, "u-qm", {**deadline, "due_date": date(2027, 9, 30)})

    def apply_updated():
        with UnitOfWork(notifications_db, code) as uow:
            deadlines.on_deadline_set(uow, updated)

    with UnitOfWork(notifications_db, code) as first:
        deadlines.track(
            first,
            "objective",
            objective_id,
            "Délais",
            date(2027, 6, 30),
            "u-1",
            f"/objectives/{objective_id}",
            occurred_at_of(created),
        )
        first.session.flush()  # the row is written, its transaction still open
        second = eventlet.spawn(apply_updated)
        eventlet.sleep(0.5)  # the second worker is now waiting on the first's row
        first.commit()
    second.wait()  # no UniqueViolation
    assert tracked(notifications_db, code) == {objective_id: date(2027, 9, 30)}


def test_the_dispatcher_stops_cleanly_while_an_email_is_being_sent(notifications_settings, smtp):
    # A container stops its dependencies before it kills its managed threads: when SIGTERM comes while
    # the dispatcher's thread is sending, Dispatcher.stop() runs beside that exchange. (Played here on
    # a dispatcher of its own, set up from the service's settings, so the running service is untouched.)
    dispatcher = Dispatcher()
    dispatcher.container = SimpleNamespace(config={"JOUDA_SETTINGS": notifications_settings})
    dispatcher.setup()
    address = f"stop-{free_port()}@dispatcher.example"
    smtp.set_rules(slow_once={address: 1.0})
    message = channels.email_message(notifications_settings.mail_from, address, None, "Arrêt", "Texte", "<p>Texte</p>")
    sending = eventlet.spawn(dispatcher.mailer.send, message)
    try:
        eventually(lambda: smtp.slowed(address), message="the dispatcher in the middle of an exchange")
        dispatcher.stop()  # must neither raise nor break the exchange in progress
        sending.wait()
    finally:
        smtp.set_rules()
        dispatcher.mailer.close()
    assert [m["Subject"] for m in smtp.messages(to=address)] == ["Arrêt"]


@pytest.fixture
def reachable_through_proxy(settings):
    """Notifications tables in a schema of their own (no running dispatcher polls them), reached through
    a TCP proxy the test can cut: the database going away as the dispatcher sees it."""
    schema = "dispatch_outage"
    engine = make_engine(settings.database_url, None, runtime=False, pool_size=1)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        connection.execute(text(f'SET search_path TO "{schema}"'))
        notifications_models.metadata.create_all(connection)
        _grant_runtime_role(connection, schema)
    engine.dispose()
    url = make_url(settings.database_url)
    proxy = TcpProxy(url.host, url.port)
    database = Database(
        schema, url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), pool_size=1
    )
    yield database, proxy
    database.dispose()
    proxy.close()


def test_an_email_sent_as_the_database_drops_is_recorded_once_it_is_back_not_sent_again(
    notifications_settings, smtp, reachable_through_proxy
):
    # The outcome of an e-mail the server had accepted could not be written: the database had gone.
    # The delivery's lease ran out before it came back; the next round sent the e-mail a second time.
    database, proxy = reachable_through_proxy
    address = f"outage-{free_port()}@dispatcher.example"
    with UnitOfWork(database, "fes-meknes") as uow:
        uow.session.add(
            domain.Delivery(
                "fes-meknes",
                domain.EMAIL,
                address,
                {"to": address, "name": None, "subject": "Rappel", "text": "Texte", "html": "<p>Texte</p>"},
                utc_now(),
                utc_now(),
            )
        )
        uow.commit()

    class DatabaseGoneOnceSent(channels.Mailer):
        sent = 0

        def send(self, message):
            super().send(message)
            self.sent += 1
            if self.sent == 1:
                proxy.cut()  # the server has the message; the outcome cannot be written

    mailer = DatabaseGoneOnceSent(
        notifications_settings.smtp_url, notifications_settings.var_dir / "mail", notifications_settings.mail_from
    )
    lease, unrecorded = timedelta(seconds=0.2), []
    round_ = dict(
        retry_base_seconds=1.0, allow_private=False, resolve=channels.resolve, lease=lease, unrecorded=unrecorded
    )
    try:
        with pytest.raises(DBAPIError):
            dispatch.dispatch(database, mailer, utc_now(), **round_)
        with pytest.raises(DBAPIError):  # still gone: nothing claimed, nothing sent
            dispatch.dispatch(database, mailer, utc_now(), **round_)
        eventlet.sleep(lease.total_seconds() * 2)  # the claim has lapsed by the time the database is back
        proxy.restore()
        assert dispatch.dispatch(database, mailer, utc_now(), **round_) == (0, [])
    finally:
        mailer.close()
    assert len(smtp.messages(to=address)) == 1
    assert unrecorded == []
    with database.transaction("fes-meknes") as session:
        delivery = session.scalars(select(domain.Delivery).where(domain.Delivery.target == address)).one()
        assert (delivery.status, delivery.attempts) == (domain.SENT, 1)


# --- webhooks ------------------------------------------------------------------------------------------------


def test_webhooks_receive_signed_envelopes(client, team, receiver, event_tap):
    manager, director = team.one("quality_manager"), team.one("director")
    path = f"/hooks/{team.code}/ok"
    url = receiver.url(path)
    for member, method, target in (
        (team.one("staff"), "POST", "/api/v1/webhooks"),
        (director, "GET", "/api/v1/webhooks"),
        (team.one("process_owner"), "DELETE", "/api/v1/webhooks/x"),
    ):
        reply = client.as_(member.token).request(method, target, {"url": url} if method == "POST" else None)
        assert (reply.status, reply.error_code) == (403, "role_not_allowed"), (member.role, reply)
    assert client.as_(director.token).get("/api/v1/notifications/deliveries").status == 403

    me = client.as_(manager.token)
    created = me.post("/api/v1/webhooks", {"url": url})
    assert created.status == 201, created
    webhook = created.json()
    secret = webhook.pop("secret")
    assert len(secret) >= 40
    assert (webhook["url"], webhook["active"], webhook["consecutive_failures"]) == (url, True, 0)
    listed = me.get("/api/v1/webhooks").json()["items"]
    assert listed == [webhook]  # the secret is shown once, at registration
    receiver.expect(path, secret)

    version = draft(client, team)
    act(client, manager, version["id"], "submit")
    request = eventually(lambda: (found := receiver.requests(path)) and found[0], message="the webhook called")
    assert request["verified"], "X-Jouda-Signature is the HMAC-SHA256 of the raw body with the secret"
    assert request["headers"]["X-Jouda-Signature"] == channels.signature(secret, request["body"])
    assert request["headers"]["X-Jouda-Event"] == "policy.submitted"
    assert request["headers"]["Content-Type"] == "application/json" and request["method"] == "POST"
    sent = eventually(lambda: (found := event_tap.events("policy.submitted", team.code)) and found[0])
    assert request["json"] == sent  # the event's envelope, as published
    validate_event(request["json"])
    log = eventually(
        lambda: (found := deliveries(client, manager, "&channel=webhook")) and found[0]["status"] == "sent" and found
    )
    assert [(d["target"], d["attempts"], d["last_error"]) for d in log] == [(webhook["id"], 1, None)]

    assert me.request("DELETE", f"/api/v1/webhooks/{webhook['id']}").json() == {"deleted": webhook["id"]}
    assert me.get("/api/v1/webhooks").json()["items"] == []
    act(client, director, version["id"], "approve")
    eventually(lambda: of_kind(client, manager, "policy.approved"), message="the next event applied")
    assert len(deliveries(client, manager, "&channel=webhook")) == 1 and len(receiver.requests(path)) == 1
    again = me.request("DELETE", f"/api/v1/webhooks/{webhook['id']}")
    assert (again.status, again.error_code) == (404, "webhook_not_found")


def test_a_webhook_answering_500_is_retried_until_it_answers(client, team, receiver):
    manager = team.one("quality_manager")
    path = f"/hooks/{team.code}/flaky"
    webhook = client.as_(manager.token).post("/api/v1/webhooks", {"url": receiver.url(path)}).json()
    receiver.expect(path, webhook["secret"], status=500)
    act(client, manager, draft(client, team)["id"], "submit")

    def retrying():
        found = deliveries(client, manager, "&channel=webhook")
        return len(found) == 1 and found[0]["status"] == "retrying" and found[0]["attempts"] >= 2 and found[0]

    delivery = eventually(retrying, message="the delivery retried")
    assert delivery["last_error"] == "HTTP 500" and delivery["sent_at"] is None
    state = client.as_(manager.token).get("/api/v1/webhooks").json()["items"][0]
    assert state["active"] and state["consecutive_failures"] >= 2 and state["last_error"] == "HTTP 500"

    receiver.expect(path, webhook["secret"], status=200)  # the receiver is fixed
    sent = eventually(
        lambda: (found := deliveries(client, manager, "&channel=webhook"))[0]["status"] == "sent" and found[0],
        message="the delivery sent at last",
    )
    assert sent["last_error"] is None and sent["attempts"] == len(receiver.requests(path))
    state = client.as_(manager.token).get("/api/v1/webhooks").json()["items"][0]
    assert (state["active"], state["consecutive_failures"], state["last_error"]) == (True, 0, None)
    requests = receiver.requests(path)
    assert len({r["json"]["event_id"] for r in requests}) == 1 and all(r["verified"] for r in requests)


def test_a_failing_webhook_is_retried_then_disabled_and_managers_told(client, team, receiver, smtp):
    manager, director = team.one("quality_manager"), team.one("director")
    path = f"/hooks/{team.code}/broken"
    created = client.as_(manager.token).post("/api/v1/webhooks", {"url": receiver.url(path)})
    assert created.status == 201, created
    webhook = created.json()
    receiver.expect(path, webhook["secret"], status=500)

    version = draft(client, team)  # five events, five deliveries: each first attempt fails
    act(client, manager, version["id"], "submit")
    act(client, director, version["id"], "request-changes", {"comment": "Encore."})
    act(client, manager, version["id"], "submit")
    act(client, director, version["id"], "approve")
    act(client, manager, version["id"], "publish")

    def disabled():
        found = client.as_(manager.token).get("/api/v1/webhooks").json()["items"]
        return found and not found[0]["active"] and found[0]

    state = eventually(disabled, timeout=20, message="the webhook switched off")
    assert state["consecutive_failures"] == domain.WEBHOOK_FAILURES_TO_DISABLE == 5
    assert state["last_error"] == "HTTP 500" and state["disabled_at"]
    requests = receiver.requests(path)
    assert len(requests) == 5 and all(r["verified"] for r in requests)  # the fifth failure switched it off

    notice = eventually(
        lambda: (found := of_kind(client, manager, "webhook.disabled")) and found[0], message="the manager told"
    )
    assert notice["subject"] == "Webhook désactivé à la suite d'échecs de livraison" and notice["mandatory"]
    assert receiver.url(path) in notice["body"] and "Échecs consécutifs : 5" in notice["body"]
    assert "Dernière erreur : HTTP 500" in notice["body"] and notice["link"] == "/webhooks"
    assert of_kind(client, director, "webhook.disabled") == []
    eventually(lambda: mails(smtp, manager, notice["subject"]), message="and by e-mail")

    # Each delivery was retried until the webhook was off, then given up at its next attempt.
    log = eventually(
        lambda: (
            len(found := deliveries(client, manager, "&channel=webhook")) == 5
            and all(d["status"] == "failed" for d in found)
            and found
        ),
        message="the deliveries given up",
    )
    assert {d["last_error"] for d in log} == {"the webhook is disabled"}
    assert sum(d["attempts"] for d in log) == 5 + 5  # five answered 500, then one refusal each
    # A disabled webhook gets nothing more.
    revision = client.as_(manager.token).post(f"/api/v1/policies/{version['id']}/revisions").json()
    act(client, manager, revision["id"], "submit")
    eventually(lambda: len(of_kind(client, director, "policy.submitted")) == 3, message="the next event applied")
    assert len(deliveries(client, manager, "&channel=webhook")) == 5 and len(receiver.requests(path)) == 5


def test_webhook_urls_are_checked(client, team, receiver, notifications_db):
    manager = team.one("quality_manager")
    me = client.as_(manager.token)
    before = written(notifications_db, team.code)
    for body, status, code in [
        ({}, 422, "validation_failed"),
        ({"url": None}, 422, "validation_failed"),
        ({"url": ""}, 422, "validation_failed"),
        ({"url": 42}, 422, "validation_failed"),
        ({"url": "ftp://files.example.org/hook"}, 422, "validation_failed"),
        ({"url": "garbage"}, 422, "validation_failed"),
        ({"url": "http://"}, 422, "validation_failed"),
        ({"url": "https://hooks.example.org/" + "a" * 2000}, 422, "validation_failed"),
        ({"url": receiver.url("/x"), "secret": "mine"}, 422, "validation_failed"),
        ([receiver.url("/x")], 422, "validation_failed"),
    ]:
        reply = me.post("/api/v1/webhooks", body)
        assert (reply.status, reply.error_code) == (status, code), (body, reply)
    broken = me.post("/api/v1/webhooks", raw=b'{"url": ', headers={"Content-Type": "application/json"})
    assert (broken.status, broken.error_code) == (400, "malformed_json")

    # With private targets not allowed (the default), loopback and private addresses are refused.
    # 100.100.100.200: a cloud metadata service in the shared (carrier-grade NAT) space 100.64.0.0/10.
    for url in (
        receiver.url("/hook"),
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
    ):
        with UnitOfWork(notifications_db, team.code, actor=manager.user_id, role="quality_manager") as uow:
            with pytest.raises(ValidationFailed) as refused:
                webhooks.add_webhook(uow, {"url": url}, allow_private=False, resolve=channels.resolve)
        assert "not a public address" in refused.value.details["url"][0], url
    with pytest.raises(RoleNotAllowed):  # the service's own check, from the operation's declaration
        check_role("director", roles_allowed("notifications", "add_webhook"), "this resource")
    assert written(notifications_db, team.code) == before

    # At most ten per council.
    for index in range(domain.MAX_WEBHOOKS):
        assert me.post("/api/v1/webhooks", {"url": receiver.url(f"/{team.code}/{index}")}).status == 201
    eleventh = me.post("/api/v1/webhooks", {"url": receiver.url(f"/{team.code}/10")})
    assert (eleventh.status, eleventh.error_code) == (409, "too_many_webhooks")
    assert len(me.get("/api/v1/webhooks").json()["items"]) == domain.MAX_WEBHOOKS


def test_twenty_registrations_at_once_make_ten_webhooks(client, team, receiver, notifications_db):
    # The cap was counted by each request on its own: twenty at once once made twelve.
    me = client.as_(team.one("quality_manager").token)
    pool = eventlet.GreenPool(20)
    replies = list(
        pool.imap(lambda n: me.post("/api/v1/webhooks", {"url": receiver.url(f"/{team.code}/race/{n}")}), range(20))
    )
    assert sorted(reply.status for reply in replies) == [201] * domain.MAX_WEBHOOKS + [409] * 10
    assert {reply.error_code for reply in replies if reply.status == 409} == {"too_many_webhooks"}
    assert len(me.get("/api/v1/webhooks").json()["items"]) == domain.MAX_WEBHOOKS


def test_webhook_addresses_hiding_a_private_one_are_refused(client, team, notifications_db):
    me = client.as_(team.one("quality_manager").token)
    manager = team.one("quality_manager")
    before = written(notifications_db, team.code)
    for url in (
        "http://[::127.0.0.1]/hook",
        "http://[64:ff9b::7f00:1]/hook",
        "http://[2002:7f00:1::]/hook",
        "http://93.184.215.14:0/hook",
        "http://93.184.215.14:65536/hook",
        "https://user:secret@93.184.215.14/hook",
    ):
        with UnitOfWork(notifications_db, team.code, actor=manager.user_id, role="quality_manager") as uow:
            with pytest.raises(ValidationFailed):
                webhooks.add_webhook(uow, {"url": url}, allow_private=False, resolve=channels.resolve)
    reply = me.post("/api/v1/webhooks", {"url": "https://user:secret@93.184.215.14/hook"})
    assert (reply.status, reply.error_code) == (422, "validation_failed")  # the service's setting allows
    assert written(notifications_db, team.code) == before  # private targets, not this


# --- isolation ------------------------------------------------------------------------------------------------


def test_people_see_only_their_own_notifications(client, make_team, receiver):
    ours, theirs = make_team(), make_team()
    for team in (ours, theirs):
        publish_policy(client, team)
    eventually(
        lambda: all(len(inbox(client, m)) >= 1 for t in (ours, theirs) for m in t.members),
        message="everyone told of their policy",
    )
    manager, other_manager = ours.one("quality_manager"), theirs.one("quality_manager")
    webhook = client.as_(manager.token).post("/api/v1/webhooks", {"url": receiver.url(f"/{ours.code}/iso")}).json()
    ours_ids = {n["id"] for m in ours.members for n in inbox(client, m)}
    mine = of_kind(client, manager, "policy.published")[0]

    # Another council's people, and another person of the same council, cannot reach it.
    for outsider in (other_manager, theirs.one("staff"), ours.one("staff"), ours.one("director")):
        reply = client.as_(outsider.token).post(f"/api/v1/notifications/{mine['id']}/read")
        assert (reply.status, reply.error_code) == (404, "notification_not_found"), (outsider, reply)
    for member in theirs.members:
        assert not {n["id"] for n in inbox(client, member)} & ours_ids
    other = client.as_(other_manager.token)
    assert other.get("/api/v1/notifications/unread-count").json() == {"unread": 2}  # approved, published
    their_log = deliveries(client, other_manager)
    assert their_log and all(d["target"].endswith(f"@{theirs.code}.example") for d in their_log)
    assert {d["target"] for d in deliveries(client, manager)} <= {m.email for m in ours.members}
    assert other.get("/api/v1/webhooks").json()["items"] == []
    refused = other.request("DELETE", f"/api/v1/webhooks/{webhook['id']}")
    assert (refused.status, refused.error_code) == (404, "webhook_not_found")
    assert [w["id"] for w in client.as_(manager.token).get("/api/v1/webhooks").json()["items"]] == [webhook["id"]]
    assert other.post("/api/v1/notifications/read-all").json() == {"marked": 2}
    assert client.as_(manager.token).get("/api/v1/notifications/unread-count").json() == {"unread": 2}

    # Their own: read one, then all.
    me = client.as_(manager.token)
    read = me.post(f"/api/v1/notifications/{mine['id']}/read")
    assert read.status == 200 and read.json()["read"] is True and read.json()["read_at"], read
    assert me.post(f"/api/v1/notifications/{mine['id']}/read").json()["read_at"] == read.json()["read_at"]
    assert me.get("/api/v1/notifications/unread-count").json() == {"unread": 1}
    assert [n["kind"] for n in inbox(client, manager, "&unread=true")] == ["policy.approved"]
    assert me.post("/api/v1/notifications/read-all").json() == {"marked": 1}
    assert inbox(client, manager, "&unread=true") == [] and len(inbox(client, manager, "&unread=false")) == 2
    paged = me.get("/api/v1/notifications?limit=1&offset=1").json()
    assert (paged["total"], paged["limit"], paged["offset"], len(paged["items"])) == (2, 1, 1, 1)
    assert client.get("/api/v1/notifications").status == 401


# --- bad input ------------------------------------------------------------------------------------------------


def test_bad_input_gets_a_clear_error_and_writes_nothing(client, team, notifications_db):
    manager = team.one("quality_manager")
    publish_policy(client, team)
    eventually(lambda: len(inbox(client, manager)) == 2, message="the manager's notifications")
    me = client.as_(manager.token)
    kept = {"channels": {"policy.approved": ["inbox"]}, "language": "ar", "digest": False}
    assert me.request("PUT", "/api/v1/me/preferences", kept).status == 200
    before = written(notifications_db, team.code)
    unknown = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
    cases = [
        ("GET", "/api/v1/notifications?unread=maybe", None, 422, "validation_failed"),
        ("GET", "/api/v1/notifications?limit=0", None, 422, "validation_failed"),
        ("GET", "/api/v1/notifications?limit=201", None, 422, "validation_failed"),
        ("GET", "/api/v1/notifications?limit=ten", None, 422, "validation_failed"),
        ("GET", "/api/v1/notifications?offset=-1", None, 422, "validation_failed"),
        ("GET", "/api/v1/notifications?unread=%00", None, 422, "validation_failed"),
        ("GET", "/api/v1/notifications/deliveries?status=lost", None, 422, "validation_failed"),
        ("GET", "/api/v1/notifications/deliveries?channel=sms", None, 422, "validation_failed"),
        ("GET", "/api/v1/notifications/deliveries?limit=0", None, 422, "validation_failed"),
        ("POST", f"/api/v1/notifications/{unknown}/read", None, 404, "notification_not_found"),
        ("POST", "/api/v1/notifications/not-an-id/read", None, 404, "notification_not_found"),
        ("POST", "/api/v1/notifications/%00/read", None, 404, "not_found"),
        ("PUT", "/api/v1/me/preferences", {"channels": {"policy.nope": ["inbox"]}}, 422, "validation_failed"),
        ("PUT", "/api/v1/me/preferences", {"channels": {"digest": ["email"]}}, 422, "validation_failed"),
        ("PUT", "/api/v1/me/preferences", {"channels": {"policy.published": ["sms"]}}, 422, "validation_failed"),
        (
            "PUT",
            "/api/v1/me/preferences",
            {"channels": {"policy.published": ["inbox", "email", "inbox"]}},
            422,
            "validation_failed",
        ),
        ("PUT", "/api/v1/me/preferences", {"channels": {"policy.published": "inbox"}}, 422, "validation_failed"),
        ("PUT", "/api/v1/me/preferences", {"channels": ["inbox"]}, 422, "validation_failed"),
        ("PUT", "/api/v1/me/preferences", {"language": "en"}, 422, "validation_failed"),
        ("PUT", "/api/v1/me/preferences", {"digest": "yes"}, 422, "validation_failed"),
        ("PUT", "/api/v1/me/preferences", {"digest": None}, 422, "validation_failed"),
        ("PUT", "/api/v1/me/preferences", {"digest": 1}, 422, "validation_failed"),
        ("PUT", "/api/v1/me/preferences", {"digest": 0}, 422, "validation_failed"),
        ("PUT", "/api/v1/notification-settings", {"escalation_days": 0}, 422, "validation_failed"),
        ("PUT", "/api/v1/notification-settings", {"escalation_days": 91}, 422, "validation_failed"),
        ("PUT", "/api/v1/notification-settings", {"escalation_days": "7"}, 422, "validation_failed"),
        ("PUT", "/api/v1/notification-settings", {"escalation_days": 7.5}, 422, "validation_failed"),
        ("PUT", "/api/v1/notification-settings", {"escalation_days": True}, 422, "validation_failed"),
        ("PUT", "/api/v1/notification-settings", {}, 422, "validation_failed"),
        ("PUT", "/api/v1/notification-settings", {"escalation_days": 7, "digest_hour": 6}, 422, "validation_failed"),
        ("PUT", "/api/v1/me/preferences", {"theme": "dark"}, 422, "validation_failed"),
        ("PUT", "/api/v1/me/preferences", {"language": "fr", "digest": "yes"}, 422, "validation_failed"),
        ("PUT", "/api/v1/me/preferences", [], 422, "validation_failed"),
        ("POST", "/api/v1/webhooks", {}, 422, "validation_failed"),
        ("POST", "/api/v1/webhooks", {"url": "http://hooks.example.org/" + "a" * 2000}, 422, "validation_failed"),
        ("POST", "/api/v1/webhooks", {"url": "ftp://hooks.example.org/"}, 422, "validation_failed"),
        ("DELETE", f"/api/v1/webhooks/{unknown}", None, 404, "webhook_not_found"),
        ("DELETE", "/api/v1/webhooks/not-an-id", None, 404, "webhook_not_found"),
        ("PATCH", "/api/v1/me/preferences", {"digest": True}, 405, None),
    ]
    for method, path, body, status, code in cases:
        reply = me.request(method, path, body)
        assert reply.status == status, (method, path, body, reply)
        if code:
            assert reply.error_code == code and reply.json()["error"]["message"], (method, path, body, reply)
    for method, path in (
        ("PUT", "/api/v1/me/preferences"),
        ("POST", "/api/v1/webhooks"),
        ("PUT", "/api/v1/notification-settings"),
        ("POST", "/api/v1/notifications/read-all"),
        ("POST", f"/api/v1/notifications/{inbox(client, manager)[0]['id']}/read"),
    ):
        reply = me.request(method, path, raw=b"{not json", headers={"Content-Type": "application/json"})
        assert (reply.status, reply.error_code) == (400, "malformed_json"), (method, path, reply)
    assert me.get("/api/v1/me/preferences").json() == kept
    assert me.get("/api/v1/notifications/unread-count").json() == {"unread": 2}
    assert me.get("/api/v1/notification-settings").json() == {"escalation_days": domain.DEFAULT_ESCALATION_DAYS}
    assert written(notifications_db, team.code) == before
