"""Fault scenarios under a steady write load, and the one table that says what became of it.

The load: in each of a scenario's councils, the quality manager submits the draft policy and the
director sends it back with a comment of its own, again and again. Every request carries an
Idempotency-Key and is retried (with the same key) until it is answered, as a careful client
retries; each accepted request is a transition in the policy service's database, an event the
notifications service consumes, and an e-mail (the director's "submitted", the manager's "sent
back" quoting the comment). After the load the harness waits for the platform to settle, then
counts: requests accepted, transitions persisted, events consumed, e-mails received, duplicates
(a transition or an e-mail twice) and what was lost (accepted but missing anywhere)."""

import itertools
import re
import uuid
from dataclasses import dataclass, field

import eventlet
from sqlalchemy import select, text

from jouda.services.policy import domain as policy_domain, models as _policy_models  # noqa: F401 - maps the classes

COMMENT = re.compile(r"\[chaos [^\]]+\]")  # the writers' comments, quoted in the "sent back" e-mails
CONSUMERS = {
    "policy.submitted": "notifications.on_policy_submitted",
    "policy.changes_requested": "notifications.on_policy_changes_requested",
}
POLICY = {"title": "Politique qualité", "orientations": [{"code": "OS1", "title": "Usagers"}]}


@dataclass
class Council:
    code: str
    people: dict
    version_id: str = None
    accepted: list = field(default_factory=list)  # (action, comment)
    answers: dict = field(default_factory=dict)  # status -> count, of every attempt


class Writer:
    """One council's steady stream of transitions, each retried with its key until answered."""

    def __init__(self, stack, council, pause=0.05):
        self.stack, self.council, self.pause = stack, council, pause
        self.stopping = False

    def _token(self, role):
        return self.council.people[role][2]

    def _until_answered(self, method, path, role, body, patience=120):
        key = str(uuid.uuid4())
        deadline = eventlet.hubs.get_hub().clock() + patience
        while True:
            try:
                status, answer = self.stack.http(method, path, self._token(role), body, {"Idempotency-Key": key})
            except OSError:
                status, answer = "no answer", None
            self.council.answers[status] = self.council.answers.get(status, 0) + 1
            if status in (200, 201):
                return answer
            if status == 409 and answer and answer["error"]["code"] == "idempotent_request_done":
                return None  # made by an earlier attempt whose answer was lost
            if isinstance(status, int) and 400 <= status < 500:
                raise AssertionError(f"{method} {path} refused: {status} {answer}")
            if eventlet.hubs.get_hub().clock() > deadline:
                raise AssertionError(f"{method} {path} never answered (last: {status} {answer})")
            eventlet.sleep(0.3)

    def run(self):
        council = self.council
        created = self._until_answered("POST", "/api/v1/policies", "quality_manager", POLICY)
        council.version_id = created["id"] if created else self._draft_id()
        base = f"/api/v1/policies/{council.version_id}"
        for number in itertools.count(1):
            if self.stopping:
                return
            self._until_answered("POST", f"{base}/submit", "quality_manager", {})
            council.accepted.append(("submit", None))
            comment = f"[chaos {council.code} {number:05d}]"  # no comment is a part of another
            self._until_answered("POST", f"{base}/request-changes", "director", {"comment": comment})
            council.accepted.append(("request_changes", comment))
            eventlet.sleep(self.pause)

    def _draft_id(self):
        _, page = self.stack.http("GET", "/api/v1/policies", self._token("quality_manager"))
        return page["items"][0]["id"]


@dataclass
class Outcome:
    scenario: str
    accepted: int = 0
    persisted: int = 0
    events_emitted: int = 0
    events_consumed: int = 0
    emails_expected: int = 0
    emails_received: int = 0
    duplicates: int = 0
    resent: int = 0  # the same e-mail (same Message-ID) received again: see `same_message_again`
    lost: int = 0
    refused: dict = field(default_factory=dict)

    def row(self):
        return [
            self.scenario,
            self.accepted,
            self.persisted,
            f"{self.events_consumed}/{self.events_emitted}",
            f"{self.emails_received}/{self.emails_expected}",
            self.duplicates,
            self.resent,
            self.lost,
            ", ".join(f"{k}: {v}" for k, v in sorted(self.refused.items(), key=str)) or "-",
        ]


COLUMNS = [
    "scenario",
    "accepted",
    "persisted",
    "events consumed",
    "e-mails received",
    "duplicates",
    "same e-mail again",
    "lost",
    "answers on the way (retried)",
]


def table(outcomes):
    rows = [COLUMNS] + [outcome.row() for outcome in outcomes]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(COLUMNS))]
    lines = ["| " + " | ".join(str(value).ljust(width) for value, width in zip(row, widths)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(lines)


# --- faults ---------------------------------------------------------------------------------------------


def broker_cut(stack, seconds):
    stack.broker.cut()
    eventlet.sleep(seconds)
    stack.broker.restore()


def database_cut(stack, seconds):
    stack.database.cut()
    eventlet.sleep(seconds)
    stack.database.restore()


def smtp_down(stack, seconds):
    stack.smtp.stop()
    eventlet.sleep(seconds)
    stack.smtp.start()


def killed(service):
    def fault(stack, seconds):
        stack.kill(service)
        eventlet.sleep(seconds)
        stack.start_service(service)

    fault.__name__ = f"{service}_killed"
    return fault


def slow_clients(stack, seconds):
    """Stalled bodies and idle connections against the gateway, while the load goes on."""
    import socket

    held = []
    try:
        for index in range(150):
            sock = socket.create_connection(("127.0.0.1", stack.http_port), timeout=5)
            if index % 3 == 0:
                sock.sendall(b"POST /api/v1/policies HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            held.append(sock)
        eventlet.sleep(seconds)
    finally:
        for sock in held:
            sock.close()


def no_fault(stack, seconds):
    eventlet.sleep(seconds)


SCENARIOS = [
    ("no fault", no_fault),
    ("broker cut", broker_cut),
    ("database cut", database_cut),
    ("SMTP down", smtp_down),
    ("policy SIGKILL", killed("policy")),
    ("notifications SIGKILL", killed("notifications")),
    ("slow clients", slow_clients),
]


# --- a scenario ---------------------------------------------------------------------------------------


def run_scenario(
    stack, name, fault, *, councils=3, load_seconds=20.0, fault_seconds=8.0, settle_seconds=120.0, tag=None
):
    tag = tag or uuid.uuid4().hex[:6]
    made = []
    for index in range(councils):
        code = f"chaos-{tag}-{index}"
        made.append(Council(code, stack.add_council(code)))
    _wait_for_recipients(stack, [c.code for c in made])
    writers = [Writer(stack, council) for council in made]
    threads = [eventlet.spawn(writer.run) for writer in writers]
    eventlet.sleep(load_seconds / 4)
    fault(stack, fault_seconds)
    eventlet.sleep(max(0.0, load_seconds * 3 / 4 - fault_seconds))
    for writer in writers:
        writer.stopping = True
    for thread in threads:
        thread.wait()
    return _settle_and_count(stack, name, made, settle_seconds)


def _wait_for_recipients(stack, codes, timeout=60):
    database = stack.db("notifications")
    try:
        deadline = eventlet.hubs.get_hub().clock() + timeout
        while eventlet.hubs.get_hub().clock() < deadline:
            with database.transaction(all_tenants=True) as session:
                known = session.execute(
                    text("SELECT count(*) FROM recipients WHERE tenant_id = ANY(:codes)"), {"codes": codes}
                ).scalar()
            if known == 2 * len(codes):
                return
            eventlet.sleep(0.2)
        raise AssertionError("the notifications service never learnt the councils' people")
    finally:
        database.dispose()


def _settle_and_count(stack, name, councils, settle_seconds):
    """Counts once everything accepted has arrived, or once nothing moved for `settle_seconds`."""
    last, unchanged_since = None, eventlet.hubs.get_hub().clock()
    while True:
        counted = _count(stack, name, councils)
        progress = (counted.persisted, counted.events_consumed, counted.emails_received)
        settled = (
            counted.events_consumed == counted.events_emitted and counted.emails_received >= counted.emails_expected
        )
        now = eventlet.hubs.get_hub().clock()
        if progress != last:
            last, unchanged_since = progress, now
        if settled:
            eventlet.sleep(2.0)  # what was sent is not sent again: count once more a moment later
            return _count(stack, name, councils)
        if now - unchanged_since > settle_seconds:
            return counted
        eventlet.sleep(0.5)


def _count(stack, name, councils):
    outcome = Outcome(name)
    codes = [council.code for council in councils]
    for council in councils:
        outcome.accepted += len(council.accepted)
        for status, count in council.answers.items():
            if status not in (200, 201):
                outcome.refused[status] = outcome.refused.get(status, 0) + count
    policy, notifications = stack.db("policy"), stack.db("notifications")
    try:
        with policy.transaction(all_tenants=True) as session:
            transitions = session.execute(
                select(
                    policy_domain.Transition.tenant_id,
                    policy_domain.Transition.action,
                    policy_domain.Transition.comment,
                ).where(
                    policy_domain.Transition.tenant_id.in_(codes),
                    policy_domain.Transition.action.in_(("submit", "request_changes")),
                )
            ).all()
            emitted = (
                session.execute(
                    text(
                        "SELECT event_id FROM outbox_events WHERE tenant_id = ANY(:codes) AND event_type = ANY(:types)"
                    ),
                    {"codes": codes, "types": list(CONSUMERS)},
                )
                .scalars()
                .all()
            )
        with notifications.transaction(all_tenants=True) as session:
            consumed = session.execute(
                text(
                    "SELECT count(DISTINCT event_id) FROM processed_events WHERE consumer = ANY(:consumers) "
                    "AND event_id = ANY(:ids)"
                ),
                {"consumers": list(CONSUMERS.values()), "ids": emitted},
            ).scalar()
    finally:
        policy.dispose()
        notifications.dispose()
    outcome.events_emitted, outcome.events_consumed = len(emitted), consumed

    lost = duplicates = persisted = 0
    mails = stack.smtp.messages()
    for council in councils:
        mine = [t for t in transitions if t.tenant_id == council.code]
        submits = sum(1 for t in mine if t.action == "submit")
        comments = [t.comment for t in mine if t.action == "request_changes"]
        accepted_submits = sum(1 for action, _ in council.accepted if action == "submit")
        accepted_comments = [comment for action, comment in council.accepted if action == "request_changes"]
        persisted += min(submits, accepted_submits) + sum(1 for c in accepted_comments if c in comments)
        duplicates += max(0, submits - accepted_submits) + (len(comments) - len(set(comments)))
        lost += max(0, accepted_submits - submits) + sum(1 for c in accepted_comments if c not in comments)

        director_mails, again = same_message_again(m for m in mails if council.people["director"][1] in m.rcpt_tos)
        manager_mails, again_too = same_message_again(
            m for m in mails if council.people["quality_manager"][1] in m.rcpt_tos
        )
        outcome.resent += again + again_too
        quoted = [comment for m in manager_mails for comment in COMMENT.findall(_text_of(m))]
        outcome.emails_expected += accepted_submits + len(accepted_comments)
        outcome.emails_received += len(director_mails) + len(set(quoted))
        duplicates += max(0, len(director_mails) - accepted_submits) + (len(quoted) - len(set(quoted)))
        lost += max(0, accepted_submits - len(director_mails)) + len(set(accepted_comments) - set(quoted))
    lost += len(emitted) - consumed
    outcome.persisted, outcome.duplicates, outcome.lost = persisted, duplicates, lost
    return outcome


def same_message_again(messages):
    """(the messages once each, how many arrived again with a Message-ID already received).

    An e-mail's Message-ID is its delivery's id. A dispatcher killed after the SMTP server accepted
    a message and before the outcome was committed sends that same delivery again after its lease:
    the one window no SMTP client can close (the server's answer is the hand-over), a second copy
    that mail programs recognise as the same message. Counted apart from duplicates, which are
    different messages for one change."""
    unique, seen, again = [], set(), 0
    for message in messages:
        if message["Message-ID"] in seen:
            again += 1
        else:
            seen.add(message["Message-ID"])
            unique.append(message)
    return unique, again


_TEXTS = {}  # message id -> its plain text: the received messages only grow


def _text_of(message):
    key = message["Message-ID"]
    if key not in _TEXTS:
        _TEXTS[key] = message.get_body(("plain",)).get_content()
    return _TEXTS[key]
