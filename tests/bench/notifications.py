"""The notifications service's figures, on a PostgreSQL database and a RabbitMQ vhost of their own,
with a local SMTP server (aiosmtpd, in a process of its own that counts what it receives).

(f) fan-out: a council of FANOUT active users (added through the gateway's directory; each reaches
    the notifications service's recipients table through its gateway.user_created event), then
    one policy.published event (built with the catalogue and published on `policy.events`, as the
    policy service's relay would) until every inbox entry exists and every e-mail has been
    received by the SMTP server; beside raw smtplib sending as many similar messages to the same
    server over one connection, in the same run.
(g) event-to-inbox latency: policy.submitted events (a council with a director) published at a
    steady LATENCY_RATE per second for LATENCY_SECONDS by a paced kombu publisher, each with
    occurred_at = its send time; for each event, occurred_at -> the inbox row's created_at
    (notifications.created_at), p50 and p99, and the rate achieved; beside the backbone figure of (a).

The services run as production runs them: `jouda run gateway|notifications`, one process each,
with JOUDA_SMTP_URL=smtp://127.0.0.1:<port>.
Environment: JOUDA_BENCH_FANOUT (default 2000), JOUDA_BENCH_LATENCY_RATE (default 200),
JOUDA_BENCH_LATENCY_SECONDS (default 10).
"""

import json
import os
import smtplib
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

from kombu import Connection, Producer
from nameko.events import get_event_exchange
from sqlalchemy import text

from jouda.services.gateway import directory
from jouda.services.notifications import channels, templates
from jouda.shared.clock import utc_now
from jouda.shared.db import Database, make_engine
from jouda.shared.events.catalogue import build_event
from jouda.shared.outbox import message_headers
from tests.bench.baseline_http import free_port
from tests.bench.loadgen import _percentile
from tests.bench.objectives import cpu_seconds, eventually, machine_busy, platform, running_services, scalar

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FANOUT = int(os.environ.get("JOUDA_BENCH_FANOUT", "2000"))
LATENCY_RATE = float(os.environ.get("JOUDA_BENCH_LATENCY_RATE", "200"))
LATENCY_SECONDS = float(os.environ.get("JOUDA_BENCH_LATENCY_SECONDS", "10"))
SERVICES = ("gateway", "notifications")
FANOUT_COUNCIL, LATENCY_COUNCIL = "bench-fanout", "bench-latence"
MAIL_FROM = "Jouda <no-reply@jouda.local>"
POLICY_TITLE = "Politique Qualité"


# --- the SMTP server: a child process, plain threads and asyncio, no eventlet ----------------------------


def serve_smtp():
    """Runs in the child: an aiosmtpd server on 127.0.0.1:<argv[1]> that counts messages. On stdin,
    `count` answers one JSON line (count, wall time of the first and last message), `reset` zeroes
    the count; end of input stops the server."""
    import threading
    from aiosmtpd.controller import Controller

    lock = threading.Lock()
    state = {"count": 0, "first": None, "last": None}

    class Counting:
        async def handle_DATA(self, server, session, envelope):
            now = time.time()
            with lock:
                state["count"] += 1
                state["first"] = state["first"] or now
                state["last"] = now
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    print("ready", flush=True)
    try:
        for command in sys.stdin:
            with lock:
                if command.strip() == "reset":
                    state.update(count=0, first=None, last=None)
                print(json.dumps(state), flush=True)
    finally:
        controller.stop()


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import jouda; from tests.bench.notifications import serve_smtp; serve_smtp()",
                str(self.port),
            ],
            cwd=str(PROJECT_ROOT),
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the bench's SMTP server (aiosmtpd) did not start")

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def _ask(self, command):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def state(self):
        return self._ask("count")

    def reset(self):
        return self._ask("reset")

    def close(self):
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- the running services ---------------------------------------------------------------------------------


def log_problems(var_dir):
    """Lines of the services' logs (read once they have stopped) that say something went wrong:
    (service, count, first lines)."""
    found = []
    for name in SERVICES:
        path = Path(var_dir) / f"{name}.log"
        lines = path.read_text("utf-8", "replace").splitlines() if path.exists() else []
        bad = [line for line in lines if any(word in line for word in ("ERROR", "CRITICAL", "Traceback", "WARNING"))]
        if bad:
            found.append((name, len(bad), bad[:3]))
    return found


# --- setting up the councils --------------------------------------------------------------------------------


def add_councils(gateway_db, fanout):
    """The fan-out council (a quality manager, a director, the rest process owners and staff, one in
    five reading Arabic) and the latency council (its director and quality manager), through the
    gateway's directory: each user is a gateway.user_created event in the gateway's outbox."""
    directory.add_tenant(gateway_db, FANOUT_COUNCIL, "Fès-Meknès (banc d'essai)", actor="bench")
    directory.add_tenant(gateway_db, LATENCY_COUNCIL, "Souss-Massa (banc d'essai)", actor="bench")
    for number in range(fanout):
        role = ("quality_manager", "director")[number] if number < 2 else ("process_owner", "staff")[number % 2]
        directory.add_user(
            gateway_db,
            f"agent{number:05d}@{FANOUT_COUNCIL}.example",
            role,
            tenant=FANOUT_COUNCIL,
            name=f"Agent {number}",
            language="ar" if number % 5 == 4 else "fr",
            actor="bench",
        )
    for role, email in (("director", "dgs"), ("quality_manager", "qualite")):
        directory.add_user(
            gateway_db,
            f"{email}@{LATENCY_COUNCIL}.example",
            role,
            tenant=LATENCY_COUNCIL,
            name=email.upper(),
            actor="bench",
        )


def recipients_in(owner, tenant):
    return scalar(owner, "SELECT count(*) FROM recipients WHERE tenant_id = :tenant", tenant=tenant)


def councils_known(owner):
    return scalar(
        owner, "SELECT count(*) FROM councils WHERE tenant_id IN (:a, :b)", a=FANOUT_COUNCIL, b=LATENCY_COUNCIL
    )


# --- publishing events as a service's relay does -----------------------------------------------------------


class EventPublisher:
    """Events on `<service>.events` (routing key: the type), with the Nameko context headers and
    publisher confirms, as jouda.shared.outbox's relay sends them."""

    def __init__(self, amqp_uri, service="policy"):
        self.connection = Connection(amqp_uri, transport_options={"confirm_publish": True}, connect_timeout=5)
        self.exchange = get_event_exchange(service, {})
        self.producer = Producer(self.connection.channel(), exchange=self.exchange)
        self.exchange(self.producer.channel).declare()

    def publish(self, envelope):
        self.producer.publish(
            envelope,
            routing_key=envelope["type"],
            serializer="json",
            delivery_mode=2,
            headers=message_headers(envelope),
            message_id=envelope["event_id"],
            retry=False,
        )

    def close(self):
        self.connection.release()


POLICY_ID, VERSION_ID = str(uuid.uuid4()), str(uuid.uuid4())


def published_event(tenant):
    now = utc_now()
    return build_event(
        "policy.published",
        tenant,
        "bench",
        {
            "policy_id": POLICY_ID,
            "version_id": VERSION_ID,
            "version": 1,
            "title": POLICY_TITLE,
            "from_status": "approved",
            "to_status": "published",
            "comment": None,
            "language": "fr",
            "body": "# Politique Qualité\n\nNotre engagement envers les usagers.",
            "orientations": [{"code": "OS1", "title": "Renforcer la qualité des services publics régionaux"}],
            "commitments": ["Garantir la conformité aux exigences légales et réglementaires applicables."],
            "signatory": "Directeur Général des Services",
            "effective_date": date.today(),
            "next_review_date": date.today() + timedelta(days=365),
            "published_at": now,
            "superseded_version_id": None,
        },
        occurred_at=now,
    )


def submitted_event(tenant):
    return build_event(
        "policy.submitted",
        tenant,
        "bench",
        {
            "policy_id": POLICY_ID,
            "version_id": VERSION_ID,
            "version": 2,
            "title": POLICY_TITLE,
            "from_status": "draft",
            "to_status": "in_review",
            "comment": None,
        },
        occurred_at=utc_now(),
    )


# --- (f) fan-out ---------------------------------------------------------------------------------------------


def raw_smtp(port, count):
    """The baseline: `count` messages like the service's (the same template, rendered beforehand as
    the delivery log holds it), each built as an EmailMessage and sent with smtplib over one connection."""
    rendered = [
        templates.render(
            "policy.published",
            "ar" if number % 5 == 4 else "fr",
            {
                "title": POLICY_TITLE,
                "version": 1,
                "recipient_name": f"Agent {number}",
                "council": "Fès-Meknès",
                "link": f"http://127.0.0.1:8000/policies/{VERSION_ID}",
            },
        )
        for number in range(count)
    ]
    started = time.perf_counter()
    smtp = smtplib.SMTP("127.0.0.1", port, timeout=10)
    try:
        for number, message in enumerate(rendered):
            address = f"agent{number:05d}@{FANOUT_COUNCIL}.example"
            smtp.send_message(
                channels.email_message(
                    MAIL_FROM, address, f"Agent {number}", message.subject, message.text, message.html
                )
            )
    finally:
        smtp.quit()
    return time.perf_counter() - started


def notifications_of(owner, source_id):
    return scalar(owner, "SELECT count(*) FROM notifications WHERE source_id = :source", source=source_id)


def measure_fanout(publisher, owner, smtp, processes, fanout):
    smtp.reset()
    pid = processes["notifications"].pid
    cpu_before = cpu_seconds(pid)
    event = published_event(FANOUT_COUNCIL)
    source = {"source": event["event_id"]}
    wall, started = time.time(), time.perf_counter()
    publisher.publish(event)
    # A generous bound: (g)'s figures come after, and a slow fan-out is itself the finding.
    eventually(
        lambda: notifications_of(owner, event["event_id"]) >= fanout,
        120 + fanout / 20,
        "every inbox entry of the policy.published fan-out",
        processes,
        interval=0.02,
    )
    inbox_seconds = time.perf_counter() - started
    eventually(
        lambda: smtp.state()["count"] >= fanout,
        120 + fanout / 20,
        "every e-mail of the fan-out at the SMTP server",
        processes,
        interval=0.05,
    )
    mail = smtp.state()
    sent = (
        "SELECT count(*) FROM deliveries WHERE status = 'sent' AND notification_id IN "
        "(SELECT id FROM notifications WHERE source_id = :source)"
    )
    eventually(lambda: scalar(owner, sent, **source) >= fanout, 60, "every fan-out delivery marked sent", processes)
    cpu = cpu_seconds(pid) - cpu_before
    with owner.connect() as connection:
        total, in_inbox = connection.execute(
            text("SELECT count(*), count(*) FILTER (WHERE in_inbox) FROM notifications WHERE source_id = :source"),
            source,
        ).one()
        rounds, committed, retried, attempts = connection.execute(
            text(
                "SELECT count(*), extract(epoch FROM max(p.processed_at) - :occurred), "
                "count(*) FILTER (WHERE d.attempts > 1), max(d.attempts) "
                "FROM deliveries d JOIN notifications n ON n.id = d.notification_id "
                "JOIN processed_events p ON p.event_id = n.source_id WHERE n.source_id = :source"
            ),
            {**source, "occurred": datetime.fromisoformat(event["occurred_at"])},
        ).one()
    return {
        "inbox_seconds": inbox_seconds,
        "email_seconds": mail["last"] - wall,
        "first_email_seconds": mail["first"] - wall,
        "emails": mail["count"],
        "notifications": total,
        "in_inbox": in_inbox,
        "rounds": rounds,
        "retried": retried,
        "max_attempts": attempts,
        "committed_seconds": float(committed),
        "cpu_ms": 1000 * cpu / fanout,
    }


# --- (g) event-to-inbox latency --------------------------------------------------------------------------------


def paced_publish(publisher, rate, seconds):
    """`rate` events per second for `seconds`, each sent at its slot (never earlier); returns the
    event ids and the wall-clock span from the first send to the last."""
    count = max(1, int(rate * seconds))
    ids = []
    started = time.perf_counter()
    first = last = None
    for number in range(count):
        delay = started + number / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        event = submitted_event(LATENCY_COUNCIL)
        publisher.publish(event)
        last = time.perf_counter()
        first = first or last
        ids.append(event["event_id"])
    return ids, last - first


def measure_latency(publisher, owner, smtp, processes, rate, seconds):
    smtp.reset()
    pid = processes["notifications"].pid
    cpu_before, smtp_before, machine_before = cpu_seconds(pid), cpu_seconds(smtp.process.pid), machine_busy()
    ids, span = paced_publish(publisher, rate, seconds)
    published = time.time()
    busy, ticks = (after - before for after, before in zip(machine_busy(), machine_before))
    smtp_cpu = cpu_seconds(smtp.process.pid) - smtp_before
    service_cpu = cpu_seconds(pid) - cpu_before
    count = len(ids)

    def inbox_rows():
        return scalar(
            owner,
            "SELECT count(*) FROM notifications WHERE tenant_id = :tenant AND kind = 'policy.submitted'",
            tenant=LATENCY_COUNCIL,
        )

    eventually(
        lambda: inbox_rows() >= count, 60 + count / 20, "every policy.submitted inbox row", processes, interval=0.05
    )
    # The director's e-mails too, so the services stop with nothing left to send.
    eventually(
        lambda: smtp.state()["count"] >= count,
        60 + count / 20,
        "every policy.submitted e-mail",
        processes,
        interval=0.05,
    )
    mail_lag = smtp.state()["last"] - published
    cpu = cpu_seconds(pid) - cpu_before
    with owner.connect() as connection:
        # created_at is stamped by the handler before it renders and inserts; processed_at when it
        # commits (the row is visible just after).
        rows = connection.execute(
            text(
                "SELECT n.source_id, extract(epoch FROM n.created_at - n.occurred_at), "
                "extract(epoch FROM p.processed_at - n.occurred_at), n.created_at, n.occurred_at "
                "FROM notifications n JOIN processed_events p ON p.event_id = n.source_id "
                "AND p.consumer = 'notifications.on_policy_submitted' "
                "WHERE n.tenant_id = :tenant AND n.kind = 'policy.submitted'"
            ),
            {"tenant": LATENCY_COUNCIL},
        ).all()
    wanted = set(ids)
    mine = [row for row in rows if row[0] in wanted]
    created = sorted(float(row[1]) for row in mine)
    committed = sorted(float(row[2]) for row in mine)
    stamps = sorted(row[3] for row in mine)
    inbox_span = (stamps[-1] - stamps[0]).total_seconds() if mine else 0.0
    # The run in five slices by send time: a latency that keeps growing is a backlog building up.
    began = min((row[4] for row in mine), default=None)
    slices = [[] for _ in range(5)]
    for row in mine:
        index = min(4, int((row[4] - began).total_seconds() / max(seconds, 0.001) * 5))
        slices[index].append(float(row[1]))
    trend = [_percentile(sorted(values), 50) * 1000 if values else 0.0 for values in slices]
    return {
        "sent": count,
        "rows": len(mine),
        "publish_rate": (count - 1) / span if span > 0 else 0.0,
        "inbox_rate": (len(mine) - 1) / inbox_span if inbox_span > 0 else 0.0,
        "p50_ms": _percentile(created, 50) * 1000,
        "p99_ms": _percentile(created, 99) * 1000,
        "max_ms": created[-1] * 1000 if created else 0.0,
        "commit_p50_ms": _percentile(committed, 50) * 1000,
        "commit_p99_ms": _percentile(committed, 99) * 1000,
        "mail_lag": mail_lag,
        "cpu_ms": 1000 * cpu / count,
        "trend": trend,
        "machine_busy": busy / max(ticks, 1),
        "smtp_cpu_share": smtp_cpu / span if span > 0 else 0.0,
        "service_cpu_share": service_cpu / span if span > 0 else 0.0,
    }


# --- (f) and (g), printed ---------------------------------------------------------------------------------------


def run(line, backbone_events_per_second):
    """Measure (f) and (g) and print them with the bench's `line`."""
    with tempfile.TemporaryDirectory() as var_dir, platform(var_dir) as (database_url, amqp_uri):
        smtp = SmtpServer()
        gateway_db = Database("gateway", database_url, pool_size=2)
        owner = make_engine(database_url, "notifications", runtime=False, pool_size=1)
        publisher = None
        try:
            with running_services(database_url, amqp_uri, var_dir, SERVICES, {"JOUDA_SMTP_URL": smtp.url}) as (
                _,
                _,
                processes,
            ):
                print(
                    f"\n(f) notifications: fan-out of one policy.published to a council of {FANOUT} users "
                    "(per second, higher is better)",
                    flush=True,
                )
                started = time.perf_counter()
                add_councils(gateway_db, FANOUT)
                added = time.perf_counter() - started
                eventually(
                    lambda: (
                        recipients_in(owner, FANOUT_COUNCIL) == FANOUT
                        and recipients_in(owner, LATENCY_COUNCIL) == 2
                        and councils_known(owner) == 2
                    ),
                    120 + FANOUT / 20,
                    "gateway.user_created reaching the notifications service",
                    processes,
                    interval=0.05,
                )
                known = time.perf_counter() - started
                publisher = EventPublisher(amqp_uri)

                raw_seconds = raw_smtp(smtp.port, FANOUT)
                received = smtp.state()["count"]
                fan = measure_fanout(publisher, owner, smtp, processes, FANOUT)
                raw_rate = FANOUT / raw_seconds
                line(
                    "policy.published -> inbox entries",
                    FANOUT / fan["inbox_seconds"],
                    raw_rate,
                    "raw smtplib, one connection",
                    "/s",
                )
                line(
                    "policy.published -> e-mails received",
                    FANOUT / fan["email_seconds"],
                    raw_rate,
                    "raw smtplib, one connection",
                    "/s",
                )
                print(
                    f"      {FANOUT} users added (directory.add_user) in {added:.1f} s, all in the recipients "
                    f"table {known:.1f} s after the first; inbox complete {fan['inbox_seconds']:.2f} s after "
                    f"publishing ({fan['notifications']} notifications, {fan['in_inbox']} in the inbox, one "
                    f"transaction committed {fan['committed_seconds']:.2f} s after occurred_at)",
                    flush=True,
                )
                print(
                    f"      e-mails received from {fan['first_email_seconds']:.2f} s to {fan['email_seconds']:.2f} s "
                    f"after publishing ({fan['emails']} received, {fan['rounds']} deliveries logged; "
                    f"{fan['retried']} deliveries needed more than one attempt, at most "
                    f"{fan['max_attempts']}); baseline: {received} messages in {raw_seconds:.2f} s; CPU of jouda run "
                    f"notifications {fan['cpu_ms']:.2f} ms per notification + e-mail",
                    flush=True,
                )

                print(
                    f"\n(g) notifications: event -> inbox latency, policy.submitted at {LATENCY_RATE:.0f}/s "
                    f"for {LATENCY_SECONDS:.0f} s (ms, lower is better; rates per second)",
                    flush=True,
                )
                lat = measure_latency(publisher, owner, smtp, processes, LATENCY_RATE, LATENCY_SECONDS)
                line("occurred_at -> inbox row created_at p50", lat["p50_ms"], unit="ms")
                line("occurred_at -> inbox row created_at p99", lat["p99_ms"], unit="ms")
                line("  same, to the handler's commit p50", lat["commit_p50_ms"], unit="ms")
                line("  same, to the handler's commit p99", lat["commit_p99_ms"], unit="ms")
                line(
                    "events published (paced)",
                    lat["publish_rate"],
                    backbone_events_per_second,
                    "backbone pipeline (a), same run",
                    "/s",
                    f"offered {LATENCY_RATE:.0f}/s",
                )
                line(
                    "inbox rows created",
                    lat["inbox_rate"],
                    backbone_events_per_second,
                    "backbone pipeline (a), same run",
                    "/s",
                )
                print(
                    f"      {lat['rows']} of {lat['sent']} events in the inbox, max {lat['max_ms']:.1f} ms, "
                    "p50 by fifth "
                    f"of the run {' / '.join(f'{value:.0f}' for value in lat['trend'])} ms; "
                    f"their {lat['sent']} e-mails all received {lat['mail_lag']:.2f} s after the last event "
                    f"was published; CPU of jouda run notifications {lat['cpu_ms']:.2f} ms per event "
                    f"(notification + e-mail); while publishing, the machine {100 * lat['machine_busy']:.0f}% busy "
                    f"on {os.cpu_count()} cores, jouda run notifications {100 * lat['service_cpu_share']:.0f}% of a "
                    f"core, the SMTP server {100 * lat['smtp_cpu_share']:.0f}%",
                    flush=True,
                )
            problems = log_problems(var_dir)
            if problems:
                for name, count, first in problems:
                    print(
                        f"      jouda run {name}: {count} warning/error line(s) in its log, first: "
                        + " | ".join(item[:160] for item in first),
                        flush=True,
                    )
            else:
                print("      service logs: no warning or error", flush=True)
        finally:
            if publisher is not None:
                publisher.close()
            owner.dispose()
            gateway_db.dispose()
            smtp.close()
