"""The objectives and ministry services' figures, on a PostgreSQL database and a RabbitMQ vhost of
their own (the main bench's database holds the demo seed of (b) and its vhost that seed's queued events).

(d) measurement ingestion: councils set up through the real API (tenants and users through the
    gateway's directory, a policy written, approved and published through the policy service,
    objectives and monthly indicators from 2015-01 through the objectives service), then 20
    concurrent clients POST /api/v1/indicators/{id}/measurements, each a period not reported yet,
    until the ministry service's read-model handler has applied every resulting
    indicator.measurement_recorded event; shown beside the backbone figure of the same run.
(e) the ministry's two views over HTTP on a generated national data set (1,600 councils x 20
    objectives x 2 indicators x 12 monthly periods, the objectives service's write model and the
    ministry service's read model bulk-loaded consistently), beside a naive per-tenant query loop
    on the write model; with the same views timed at the command level (split into SQL, ORM and
    JSON) and through a bare RPC proxy, so the cost of the RPC hop and of HTTP shows.
(k) the ministry's national view by ISO 9001 clause over HTTP on a generated data set (the same
    1,600 councils x 50 nonconformities, bulk-loaded into the ministry service's read model),
    beside the same naive per-tenant query loop over the same rows; with the view timed at the
    command level too.

The services run as production runs them: `jouda run gateway|policy|objectives|ministry`, one
process each.
Environment: JOUDA_BENCH_MEASUREMENTS (default 4000), JOUDA_BENCH_COUNCILS (default 1600),
JOUDA_BENCH_VIEW_REQUESTS (default 200), JOUDA_BENCH_NONCONFORMITIES (per council, default 50).
"""

import contextlib
import io
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg2
import psycopg2.extensions
from sqlalchemy import select, text

from jouda.services.audits.clauses import catalogue as iso_clauses
from jouda.services.gateway import directory
from jouda.services.ministry import commands as ministry_commands, views as ministry_views
from jouda.services.ministry.domain import OBJECTIVE_COLUMNS, SETTLED, NonconformityPosition
from jouda.services.objectives import domain, status as rules
from jouda.services.objectives.repository import ObjectivesRepository
from jouda.shared import periods
from jouda.shared.clock import local_today
from jouda.shared.db import Database, make_engine
from jouda.shared.tenancy import ROLE_KEY, USER_KEY
from jouda.shared.unit_of_work import PLATFORM, UnitOfWork
from jouda.shared.vocabulary import CLOSED, MAJOR, MINOR, NONCONFORMITY_SOURCES, NONCONFORMITY_STATES, REJECTED
from tests.bench import pages
from tests.bench.baseline_http import free_port
from tests.bench.gateway import stop_processes
from tests.bench.loadgen import _percentile, run_load
from tests.support import infrastructure
from tests.support.http import Client

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MEASUREMENTS = int(os.environ.get("JOUDA_BENCH_MEASUREMENTS", "4000"))
COUNCILS = int(os.environ.get("JOUDA_BENCH_COUNCILS", "1600"))
VIEW_REQUESTS = int(os.environ.get("JOUDA_BENCH_VIEW_REQUESTS", "200"))
NONCONFORMITIES = int(os.environ.get("JOUDA_BENCH_NONCONFORMITIES", "50"))
CLIENTS = 20
VIEW_GOAL_MS = 100.0
SERVICES = ("gateway", "policy", "objectives", "ministry")

# (d): each client reports both indicators of one objective; two objectives per council.
INGEST_COUNCILS = CLIENTS // 2
FIRST_PERIOD = "2015-01"
POLICY = {
    "title": "Politique Qualité",
    "body": "# Politique Qualité\n\nNotre engagement envers les usagers.",
    "language": "fr",
    "orientations": [
        {"code": "OS1", "title": "Renforcer la qualité des services publics régionaux"},
        {"code": "OS2", "title": "Optimiser la gouvernance et la gestion des ressources"},
        {"code": "OS3", "title": "Soutenir le développement économique et durable"},
    ],
    "commitments": ["Garantir la conformité aux exigences légales et réglementaires applicables."],
    "signatory": "Directeur Général des Services",
}

# (e): the national catalogue's codes with the unit and direction a mapped indicator must share.
CATALOGUE = (
    ("SATISFACTION", "%", "increase"),
    ("PROCESSING_DAYS", "jours", "decrease"),
    ("ONLINE_PROCEDURES", "%", "increase"),
    ("COMPLAINTS_ON_TIME", "%", "increase"),
    ("STAFF_TRAINED", "%", "increase"),
)
NATIONAL_CODE = "SATISFACTION"
OBJECTIVES_PER_COUNCIL, INDICATORS_PER_OBJECTIVE, MONTHS = 20, 2, 12
# Emptied before the load, so the data set is exactly its councils ((d)'s go): (schema, table).
NATIONAL_DATA = (
    ("objectives", "measurement_corrections"),
    ("objectives", "missing_measurements"),
    ("objectives", "measurements"),
    ("objectives", "indicators"),
    ("objectives", "objectives"),
    ("objectives", "orientations"),
    ("objectives", "staff"),
    ("objectives", "reporting_settings"),
    ("ministry", "indicator_positions"),
    ("ministry", "objective_positions"),
    ("ministry", "councils"),
)
# The events of the objectives service the ministry's read model applies, and its consumer of each.
MINISTRY_CONSUMERS = {
    "objective.created": "ministry.on_objective_created",
    "objective.updated": "ministry.on_objective_updated",
    "objective.status_changed": "ministry.on_status_changed",
    "indicator.measurement_recorded": "ministry.on_measurement_recorded",
    "reporting.settings_changed": "ministry.on_reporting_settings",
}


# --- the running platform ----------------------------------------------------------------------------


@contextlib.contextmanager
def platform(var_dir):
    """A database and a vhost of their own, migrated; yields (database url, amqp uri)."""
    database_url = infrastructure.create_database()
    amqp_uri, drop_vhost = infrastructure.create_vhost()
    try:
        infrastructure.migrate_all(database_url)
        yield database_url, amqp_uri
    finally:
        drop_vhost()
        infrastructure.drop_database(database_url)


@contextlib.contextmanager
def running_services(database_url, amqp_uri, var_dir, services=SERVICES, extra_env=None):
    """`jouda run SERVICE` (jouda.runner.Runner) for each service, one process each, its log (WARNING
    and above) in var_dir/SERVICE.log; yields the HTTP port, each process's metrics port and the
    processes."""
    http_port = free_port()
    env = {
        **os.environ,
        "JOUDA_DATABASE_URL": database_url,
        "JOUDA_AMQP_URI": amqp_uri,
        "JOUDA_VAR_DIR": str(var_dir),
        "JOUDA_HTTP_PORT": str(http_port),
        "JOUDA_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(PROJECT_ROOT),
        **(extra_env or {}),
    }
    processes, metrics_ports, logs = {}, {}, {}
    try:
        for name in services:
            metrics_ports[name] = free_port()
            logs[name] = open(Path(var_dir) / f"{name}.log", "w+b")
            processes[name] = subprocess.Popen(
                [sys.executable, "-m", "jouda.cli", "run", name],
                env={**env, "JOUDA_METRICS_PORT": str(metrics_ports[name])},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=logs[name],
            )
        yield http_port, metrics_ports, processes
    except BaseException:
        for name, log in logs.items():
            log.seek(0)
            tail = log.read()[-2000:].decode("utf-8", "replace").strip()
            if tail:
                print(f"      --- jouda run {name}, last lines ---\n{tail}", file=sys.stderr)
        raise
    finally:
        stop_processes(processes.values())
        for log in logs.values():
            log.close()


def eventually(check, timeout, what, processes=None, interval=0.05):
    import eventlet

    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if processes and any(process.poll() is not None for process in processes.values()):
            raise RuntimeError(f"a Jouda service exited while waiting for {what}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {timeout:.0f} s (last: {result!r})")
        eventlet.sleep(interval)


def _ok(response, status=200):
    if response.status != status:
        raise RuntimeError(f"expected {status}, got {response!r}")
    return response.json()


def scalar(owner, sql, **params):
    with owner.connect() as connection:
        return connection.execute(text(sql), params).scalar()


# --- (d) measurement ingestion -------------------------------------------------------------------------


def set_up_councils(gateway_db, client, owners, processes):
    """Ten councils through the real API; returns the 20 clients' (token, objective, indicator ids).
    `owners`: an owner's engine on each of the objectives and ministry schemas."""
    import eventlet

    councils = []
    for number in range(INGEST_COUNCILS):
        code = f"ingest-{number:02d}"
        directory.add_tenant(gateway_db, code, f"Conseil d'ingestion {number}", actor="bench")
        people = {}
        for role, email in (
            ("quality_manager", "qualite"),
            ("director", "dgs"),
            ("process_owner", "pilote1"),
            ("process_owner", "pilote2"),
        ):
            user = directory.add_user(gateway_db, f"{email}@{code}.example", role, tenant=code, actor="bench")
            people[email] = (user.id, directory.create_token(gateway_db, user.email, tenant=code))
        councils.append((code, people))

    def publish_policy(council):
        _, people = council
        manager, director = client.as_(people["qualite"][1]), client.as_(people["dgs"][1])
        version = _ok(manager.post("/api/v1/policies", POLICY), 201)
        for who, action in ((manager, "submit"), (director, "approve"), (manager, "publish")):
            _ok(who.post(f"/api/v1/policies/{version['id']}/{action}"))

    pool = eventlet.GreenPool(INGEST_COUNCILS)
    list(pool.imap(publish_policy, councils))
    # The objectives service needs the orientations (policy.published) and who the owners are
    # (gateway.user_created) before it accepts an objective.
    eventually(
        lambda: (
            scalar(owners["objectives"], "SELECT count(DISTINCT tenant_id) FROM orientations") == INGEST_COUNCILS
            and scalar(owners["objectives"], "SELECT count(*) FROM staff") == 4 * INGEST_COUNCILS
        ),
        60,
        "policy.published and gateway.user_created reaching the objectives service",
        processes,
    )

    def define_objectives(council):
        code, people = council
        manager = client.as_(people["qualite"][1])
        made = []
        for number, pilot in enumerate(("pilote1", "pilote2")):
            owner_id, token = people[pilot]
            objective = _ok(
                manager.post(
                    "/api/v1/objectives",
                    {
                        "title": f"Objectif {number + 1} de {code}",
                        "orientation_code": f"OS{number + 1}",
                        "owner_id": owner_id,
                        "due_date": "2030-12-31",
                        "evaluation_method": "Mesure mensuelle, revue trimestrielle.",
                    },
                ),
                201,
            )
            indicators = []
            for index in range(INDICATORS_PER_OBJECTIVE):
                indicators.append(
                    _ok(
                        manager.post(
                            f"/api/v1/objectives/{objective['id']}/indicators",
                            {
                                "name": f"Indicateur {index + 1}",
                                "unit": "%",
                                "direction": "increase",
                                "baseline": 40,
                                "target": 90,
                                "amber_threshold": 80,
                                "frequency": "monthly",
                                "owner_id": owner_id,
                                "catalogue_code": NATIONAL_CODE if index == 0 else None,
                                "start_period": FIRST_PERIOD,
                            },
                        ),
                        201,
                    )["id"]
                )
            made.append((token, objective["id"], indicators))
        return made

    clients = [item for made in pool.imap(define_objectives, councils) for item in made]
    indicators = CLIENTS * INDICATORS_PER_OBJECTIVE
    eventually(
        lambda: scalar(owners["ministry"], "SELECT count(*) FROM indicator_positions") == indicators,
        60,
        "objective.updated reaching the ministry's read model",
        processes,
    )
    return clients


def ingestion_jobs(clients, total):
    """Per client: alternate its two indicators, one new month each time, from 2015-01 on."""
    per_client = math.ceil(total / len(clients))
    first = periods.parse(FIRST_PERIOD, periods.MONTHLY)
    plans, left = [], total
    for number, (token, _, indicators) in enumerate(clients):
        jobs, period = [], first
        count = min(per_client, left)
        for step in range(count):
            indicator = indicators[step % len(indicators)]
            value = 40 + (step * 7 + number * 13) % 61  # 40..100 %: every status, and status changes
            jobs.append(
                (f"/api/v1/indicators/{indicator}/measurements", json.dumps({"period": str(period), "value": value}))
            )
            if step % len(indicators) == len(indicators) - 1:
                period = period.next()
        left -= count
        plans.append({"token": token, "jobs": jobs})
    if period.start > local_today():
        raise RuntimeError("too many measurements per indicator for the months since 2015")
    return plans


def reported_in_read_model(ministry_owner):
    """Measurement events the ministry's read model has applied: their ids are recorded in the same
    transaction as the effect."""
    return scalar(
        ministry_owner, "SELECT count(*) FROM processed_events WHERE consumer = 'ministry.on_measurement_recorded'"
    )


def read_model_behind(owners):
    """Events of the objectives service (published or not) the ministry's read model has not
    applied yet, by type."""
    behind = {}
    for event_type, consumer in MINISTRY_CONSUMERS.items():
        sent = scalar(owners["objectives"], "SELECT count(*) FROM outbox_events WHERE event_type = :t", t=event_type)
        applied = scalar(owners["ministry"], "SELECT count(*) FROM processed_events WHERE consumer = :c", c=consumer)
        if applied < sent:
            behind[event_type] = sent - applied
    return behind


def consumed_counter(metrics_port):
    """jouda_events_consumed_total of the ministry process for indicator.measurement_recorded."""
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as reply:
        for line in reply.read().decode().splitlines():
            if (
                line.startswith("jouda_events_consumed_total{")
                and 'service="ministry"' in line
                and 'event_type="indicator.measurement_recorded"' in line
            ):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy():
    """(busy, total) CPU ticks of the machine so far."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]
    return sum(ticks) - idle, sum(ticks)


def measure_ingestion(http_port, metrics_port, gateway_db, owners, processes):
    import eventlet

    client = Client(http_port)
    clients = set_up_councils(gateway_db, client, owners, processes)
    plans = ingestion_jobs(clients, MEASUREMENTS)
    total = sum(len(plan["jobs"]) for plan in plans)
    poster = subprocess.Popen(
        [sys.executable, "-m", "tests.bench.objectives", "--post", str(http_port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    try:
        poster.stdin.write(json.dumps(plans) + "\n")
        poster.stdin.flush()
        if poster.stdout.readline().strip() != "ready":
            raise RuntimeError("the measurement clients did not start")
        cpu_before, machine_before = {name: cpu_seconds(p.pid) for name, p in processes.items()}, machine_busy()
        started = time.perf_counter()
        poster.stdin.write("go\n")
        poster.stdin.flush()
        result = json.loads(poster.stdout.readline())
        posted_at = time.perf_counter()
        created = result["statuses"].get("201", 0)
        deadline = time.monotonic() + max(60.0, created / 20)
        applied = reported_in_read_model(owners["ministry"])
        while applied < created:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {applied} of {created} measurements reached the read model in time")
            eventlet.sleep(0.02)
            applied = reported_in_read_model(owners["ministry"])
        consumed_at = time.perf_counter()
        cpu = {name: cpu_seconds(p.pid) - cpu_before[name] for name, p in processes.items()}
        busy, ticks = (after - before for after, before in zip(machine_busy(), machine_before))
    finally:
        poster.stdin.close()
        try:
            poster.wait(timeout=30)
        except subprocess.TimeoutExpired:
            poster.kill()
    latencies = sorted(result["latencies"])
    return {
        "total": total,
        "created": created,
        "statuses": result["statuses"],
        "errors": result["errors"],
        "post_seconds": result["seconds"],
        "end_to_end_seconds": consumed_at - started,
        "lag_seconds": consumed_at - posted_at,
        "read_model": applied,
        "counter": consumed_counter(metrics_port),
        "cpu_ms": {name: 1000 * seconds / max(created, 1) for name, seconds in cpu.items()},
        "machine_busy": busy / max(ticks, 1),
        "p50_ms": _percentile(latencies, 50) * 1000,
        "p95_ms": _percentile(latencies, 95) * 1000,
    }


def _post_forever():  # runs in the child process: plain threads, no eventlet
    import http.client

    port = int(sys.argv[2])
    plans = json.loads(sys.stdin.readline())
    go = threading.Event()
    lock = threading.Lock()
    statuses, errors, latencies = {}, [], []

    def connect():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.connect()
        return connection

    def client(plan, connection):
        headers = {"Authorization": f"Bearer {plan['token']}", "Content-Type": "application/json"}
        go.wait()
        mine = []
        for path, body in plan["jobs"]:
            sent = time.perf_counter()
            try:
                connection.request("POST", path, body=body.encode(), headers=headers)
                reply = connection.getresponse()
                payload = reply.read()
                status = str(reply.status)
                if reply.status != 201 and len(errors) < 5:
                    errors.append(f"{status} {payload[:200]!r}")
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                connection.close()  # the next request opens a new connection
            mine.append(time.perf_counter() - sent)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
        with lock:
            latencies.extend(mine)
        connection.close()

    threads = [threading.Thread(target=client, args=(plan, connect()), daemon=True) for plan in plans]
    for thread in threads:
        thread.start()
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    started = time.perf_counter()
    go.set()
    deadline = time.monotonic() + 300  # bounded even if the gateway stops answering
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    print(
        json.dumps(
            {"statuses": statuses, "errors": errors, "latencies": latencies, "seconds": time.perf_counter() - started}
        ),
        flush=True,
    )


# --- (e) the national data set ------------------------------------------------------------------------


class _Copy:
    """Rows for COPY ... FROM STDIN (text format), table by table."""

    def __init__(self):
        self.buffers, self.counts = {}, {}

    def add(self, table, *values):
        self.buffers.setdefault(table, []).append("\t".join(_copy_text(value) for value in values))
        self.counts[table] = self.counts.get(table, 0) + 1


def _copy_text(value):
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


COLUMNS = {
    "orientations": "tenant_id, code, title, policy_version, current",
    "staff": "user_id, tenant_id, role, active, as_of",
    "objectives": "id, tenant_id, title, description, orientation_code, owner_id, resources, due_date, "
    "evaluation_method, state, abandon_reason, status, created_by, created_at, updated_at",
    "indicators": "id, tenant_id, objective_id, name, unit, direction, baseline, target, amber_threshold, frequency, "
    "owner_id, catalogue_code, start_period, status, latest_period, latest_value, trend, created_at, "
    "updated_at",
    "measurements": "id, tenant_id, indicator_id, period, period_start, value, comment, evidence_url, recorded_by, "
    "recorded_at, updated_at, corrections",
    "councils": "tenant_id, name, policy_version, policy_published_at, acknowledgements, active_users, "
    "acknowledgement_rate, acknowledged_at, reported_periods, due_periods, grace_days, completeness_as_of",
    "objective_positions": "objective_id, tenant_id, orientation_code, state, status, as_of, status_as_of",
    "indicator_positions": "indicator_id, tenant_id, catalogue_code, unit, direction, frequency, start_period, "
    "baseline, target, active, latest_period, latest_value, status, trend, reported_periods, "
    "as_of",
}
LOAD_ORDER = tuple(COLUMNS)  # parents before children (indicators -> objectives, measurements -> indicators)
SCHEMA_OF = {  # the objectives service's write model, the ministry service's read model
    **{table: "objectives" for table in ("orientations", "staff", "objectives", "indicators", "measurements")},
    **{table: "ministry" for table in ("councils", "objective_positions", "indicator_positions")},
}


def generate_council(rows, number, months, today, rng):
    """One council, write model (objectives service) and read model (ministry service) alike:
    objectives, indicators, a year of monthly measurements (a few missing), positions derived with
    the domain's own rules."""
    code = f"nat-{number:04d}"
    stamp = datetime(today.year - 1, 9, 1, 8, tzinfo=timezone.utc) + timedelta(minutes=number)
    version = 1 + number % 3
    for orientation in range(1, 5):
        rows.add("orientations", code, f"OS{orientation}", f"Orientation stratégique {orientation}", version, True)
    staff = [f"u-{number:04d}-{person}" for person in range(3)]
    for person, user_id in enumerate(staff):
        rows.add("staff", user_id, code, ("quality_manager", "process_owner", "process_owner")[person], True, stamp)
    first = str(months[0])
    month_number = {month: position for position, month in enumerate(months)}
    by_status = {}
    active_indicators = []
    for index in range(OBJECTIVES_PER_COUNCIL):
        objective_id = f"0b000000-{number:04x}-4000-8000-{index:012x}"
        state = domain.ACTIVE
        if index == OBJECTIVES_PER_COUNCIL - 2 and number % 2 == 0:
            state = domain.ACHIEVED
        elif index == OBJECTIVES_PER_COUNCIL - 1 and number % 4 == 1:
            state = domain.ABANDONED
        orientation = f"OS{1 + index % 4}"
        owner_id = staff[1 + index % 2]
        quality = rng.random()  # how well this objective goes: a spread of statuses
        positions = []
        for position in range(INDICATORS_PER_OBJECTIVE):
            slot = index * INDICATORS_PER_OBJECTIVE + position
            indicator_id = f"1d000000-{number:04x}-4000-8000-{slot:012x}"
            catalogue_code = None
            if slot % 3 == 0:  # about a third mapped to the national catalogue
                catalogue_code, unit, direction = CATALOGUE[(slot // 3 + number) % len(CATALOGUE)]
            elif slot % 3 == 1:
                unit, direction = "jours", "decrease"
            else:
                unit, direction = "%", "increase"
            if direction == "increase":
                baseline, target, amber = 40.0, 90.0, 80.0
            else:
                baseline, target, amber = 30.0, 10.0, 15.0
            reported = []
            if rng.random() > 0.03:  # a few indicators with nothing reported yet
                for month in months:
                    if rng.random() < 0.92:
                        drift = (quality * 1.4 - 0.35) * (baseline - target) * rng.uniform(0.7, 1.1)
                        value = round(min(100.0, max(0.0, baseline - drift)), 1)
                        reported.append((month, value))
            for month, value in reported:
                rows.add(
                    "measurements",
                    f"3e000000-{number:04x}-4{month_number[month]:03x}-8000-{slot:012x}",
                    code,
                    indicator_id,
                    str(month),
                    month.start.isoformat(),
                    value,
                    None,
                    None,
                    owner_id,
                    stamp,
                    stamp,
                    0,
                )
            latest_period, latest_value = (str(reported[-1][0]), reported[-1][1]) if reported else (None, None)
            status = rules.indicator_status(
                latest_value, baseline=baseline, target=target, amber_threshold=amber, direction=direction
            )
            trend = rules.trend([value for _, value in reported[-rules.TREND_PERIODS :]], direction)
            rows.add(
                "indicators",
                indicator_id,
                code,
                objective_id,
                f"Indicateur {slot + 1}",
                unit,
                direction,
                baseline,
                target,
                amber,
                periods.MONTHLY,
                owner_id,
                catalogue_code,
                first,
                status,
                latest_period,
                latest_value,
                trend,
                stamp,
                stamp,
            )
            periods_json = json.dumps([str(month) for month, _ in reported])
            rows.add(
                "indicator_positions",
                indicator_id,
                code,
                catalogue_code,
                unit,
                direction,
                periods.MONTHLY,
                first,
                baseline,
                target,
                state == domain.ACTIVE,
                latest_period,
                latest_value,
                status,
                trend,
                periods_json,
                stamp,
            )
            positions.append((status, rules.target_met(latest_value, target, direction)))
            if state == domain.ACTIVE:
                active_indicators.append((periods.MONTHLY, first, {str(month) for month, _ in reported}))
        status = rules.objective_status(positions)
        rows.add(
            "objectives",
            objective_id,
            code,
            f"Objectif {index + 1}",
            "",
            orientation,
            owner_id,
            "",
            f"{today.year + 1}-12-31",
            "Revue trimestrielle.",
            state,
            "Priorité revue." if state == domain.ABANDONED else None,
            status,
            staff[0],
            stamp,
            stamp,
        )
        rows.add("objective_positions", objective_id, code, orientation, state, status, stamp, stamp)
        bucket = status if state == domain.ACTIVE else state
        by_status[bucket] = by_status.get(bucket, 0) + 1
    reported, due = periods.completeness(active_indicators, today, periods.DEFAULT_GRACE_DAYS)
    active_users = 12 + number % 40
    acknowledgements = 0 if number % 20 == 3 else int(active_users * rng.uniform(0.3, 1.0))
    rows.add(
        "councils",
        code,
        f"Conseil {number} — مجلس {number}",
        version,
        stamp,
        acknowledgements,
        active_users,
        round(acknowledgements / active_users, 4),
        stamp + timedelta(days=3) if acknowledgements else None,
        reported,
        due,
        periods.DEFAULT_GRACE_DAYS,
        today,
    )
    return by_status, (reported, due)


def load_national_data(database_url, councils, today):
    """Generate and bulk-load the data set (COPY); returns row counts and the expected overview."""
    months = periods.due_periods(periods.MONTHLY, "2000-01", today, periods.DEFAULT_GRACE_DAYS)
    assert len(months) == MONTHS, months
    rng = random.Random(9001)
    expected = {}
    counts = {}
    # psycogreen's wait callback (cooperative I/O under eventlet) refuses COPY; nothing else runs in
    # this process meanwhile, so the load uses a plain blocking connection of the database's owner.
    wait_callback = psycopg2.extensions.get_wait_callback()
    psycopg2.extensions.set_wait_callback(None)
    connection = psycopg2.connect(database_url)
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        (privileged,) = cursor.fetchone()
        # Tenant-owned tables have FORCE ROW LEVEL SECURITY: a superuser bypasses it, a mere owner
        # does not (and COPY FROM refuses such a table): then rows go through a staging table and an
        # INSERT ... SELECT seen as all tenants.
        cursor.execute("SELECT set_config('jouda.all_tenants', 'on', true)")
        for schema, table in NATIONAL_DATA:  # (d)'s councils go: the data set is exactly `councils` councils
            cursor.execute(f'TRUNCATE "{schema}".{table} CASCADE')
        step = 200
        for start in range(0, councils, step):
            rows = _Copy()
            for number in range(start, min(councils, start + step)):
                by_status, completeness = generate_council(rows, number, months, today, rng)
                expected[f"nat-{number:04d}"] = (by_status, completeness)
            for table in LOAD_ORDER:
                data = io.StringIO("\n".join(rows.buffers.get(table, ())) + "\n")
                target = f'"{SCHEMA_OF[table]}".{table}'
                if privileged:
                    cursor.copy_expert(f"COPY {target} ({COLUMNS[table]}) FROM STDIN", data)
                else:
                    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS stage_{table} (LIKE {target}) ON COMMIT DROP")
                    cursor.copy_expert(f"COPY stage_{table} ({COLUMNS[table]}) FROM STDIN", data)
                    cursor.execute(
                        f"INSERT INTO {target} ({COLUMNS[table]}) SELECT {COLUMNS[table]} FROM stage_{table}"
                    )
                    cursor.execute(f"TRUNCATE stage_{table}")
                counts[table] = counts.get(table, 0) + rows.counts.get(table, 0)
        connection.commit()
        # A database that has been running has its statistics and visibility map; and autovacuum,
        # woken by 700k fresh rows, must not run in the middle of the measurements.
        connection.autocommit = True
        for table in LOAD_ORDER:
            cursor.execute(f'VACUUM (ANALYZE) "{SCHEMA_OF[table]}".{table}')
        cursor.close()
    finally:
        connection.close()
        psycopg2.extensions.set_wait_callback(wait_callback)
    return counts, expected


# --- (e) the naive baseline: one tenant at a time ------------------------------------------------------


def naive_overview(database, tenants, today):
    """For each council, in its own session: objectives counted by status, completeness from its
    indicators and measurements (what the overview would cost without the read model)."""
    found = {}
    for tenant in tenants:
        session = database.session(tenant)
        try:
            with session.begin():
                repo = ObjectivesRepository(session)
                by_status = {}
                for objective in repo.all_objectives():
                    bucket = objective.status if objective.state == domain.ACTIVE else objective.state
                    by_status[bucket] = by_status.get(bucket, 0) + 1
                active = repo.active_indicators()
                reported = repo.reported_periods([indicator.id for indicator, _ in active])
                completeness = periods.completeness(
                    (
                        (indicator.frequency, indicator.start_period, reported.get(indicator.id, set()))
                        for indicator, _ in active
                    ),
                    today,
                    repo.grace_days(tenant),
                )
                found[tenant] = (by_status, completeness)
        finally:
            session.close()
    return found


def naive_national_indicator(database, tenants, code):
    """For each council, in its own session: its active indicators mapped to `code`."""
    found = 0
    for tenant in tenants:
        session = database.session(tenant)
        try:
            with session.begin():
                found += len(
                    session.execute(
                        select(
                            domain.Indicator.id,
                            domain.Indicator.latest_period,
                            domain.Indicator.latest_value,
                            domain.Indicator.status,
                            domain.Indicator.trend,
                        )
                        .join(domain.Objective, domain.Objective.id == domain.Indicator.objective_id)
                        .where(domain.Indicator.catalogue_code == code, domain.Objective.state == domain.ACTIVE)
                    ).all()
                )
        finally:
            session.close()
    return found


def timed_loops(loop, least=3, most=5, budget=20.0):
    """Run `loop` at least `least` times, more while under `budget` seconds; returns the durations
    and the first run's result."""
    samples, first, started = [], None, time.perf_counter()
    while len(samples) < most and (len(samples) < least or time.perf_counter() - started < budget):
        began = time.perf_counter()
        result = loop()
        samples.append(time.perf_counter() - began)
        first = result if first is None else first
    return samples, first


# --- (e) the views, layer by layer: command, RPC, HTTP ---------------------------------------------------


def _times(function, repeat):
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        samples.append(time.perf_counter() - began)
    return sorted(samples)


def _ms(samples, p):
    return _percentile(sorted(samples), p) * 1000


VIEWS = {  # name: (the read model's rows, the command: the rows encoded once as JSON text)
    "overview": (ministry_views.overview, ministry_commands.overview),
    "indicator": (
        lambda session: ministry_views.national_indicator(session, NATIONAL_CODE),
        lambda uow: ministry_commands.national_indicator(uow, NATIONAL_CODE),
    ),
}


def command_level(database, repeat=20):
    """The views as the ministry service computes them (a platform unit of work on its database, no
    RPC, no HTTP), and their parts: the read model's rows, the SQL statements they ran re-run on a
    bare DB-API cursor, and the one JSON encoding the command does before the text crosses RPC and
    the gateway."""
    return {name: _command_figures(database, rows_of, command, repeat) for name, (rows_of, command) in VIEWS.items()}


def _command_figures(database, rows_of, command, repeat):
    def unit():
        return UnitOfWork(database, PLATFORM, actor="bench", role="ministry")

    def whole():
        with unit() as uow:
            return command(uow)

    text_sent = whole()  # warm up
    samples = _times(whole, repeat)
    document = json.loads(text_sent)  # what the command encoded, to time that encoding alone
    split = {"encode": _times(lambda: json.dumps(document, ensure_ascii=False), repeat)}
    with unit() as uow:

        def fresh_rows():  # as a new unit of work finds them: no object in the session yet
            uow.session.expunge_all()
            return rows_of(uow.session)

        fresh_rows()  # warm up
        split["read_model"] = _times(fresh_rows, repeat)
        statements = _statements_of(database, fresh_rows)
    split["sql"] = _times(lambda: _run_statements(database, statements), repeat)
    return {
        "p50_ms": _ms(samples, 50),
        "p95_ms": _ms(samples, 95),
        "rows": len(document["items"]),
        "bytes": len(text_sent.encode()),
        "statements": len(statements),
        **{f"{part}_ms": _ms(times, 50) for part, times in split.items()},
    }


def _statements_of(database, function):
    """The SQL (with its parameters) that `function` sends to the database."""
    from sqlalchemy import event

    sent = []

    def capture(connection, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", capture)
    try:
        function()
    finally:
        event.remove(database.engine, "before_cursor_execute", capture)
    return sent


def _run_statements(database, statements):
    """The statements alone: sent and fetched on a bare DB-API cursor, rows as the driver's tuples."""
    connection = database.engine.raw_connection()
    try:
        cursor = connection.cursor()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            cursor.fetchall()
        cursor.close()
        connection.rollback()
    finally:
        connection.close()


def rpc_level(amqp_uri, repeat=20):
    """The views through the RPC hop alone: a bare Nameko ClusterRpcProxy, as the ministry."""
    from nameko.standalone.rpc import ClusterRpcProxy

    figures = {}
    context = {ROLE_KEY: "ministry", USER_KEY: "bench"}
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, context_data=context, timeout=30) as proxy:
        for name, call in (
            ("overview", proxy.ministry.overview),
            ("indicator", lambda: proxy.ministry.national_indicator(NATIONAL_CODE)),
        ):
            call()
            samples = _times(call, repeat)
            figures[name] = {"p50_ms": _ms(samples, 50), "p95_ms": _ms(samples, 95)}
    return figures


def measure_view(http_port, token, path, requests):
    """A few warm-up requests, then `requests` in a row from one client (at most 60 s)."""
    client = Client(http_port, token)
    for _ in range(3):
        body = _ok(client.get(path))
    result = run_load(
        f"http://127.0.0.1:{http_port}{path}",
        clients=1,
        duration=60.0,
        warmup=0.0,
        max_requests=requests,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10.0,
    )
    return result, body


def measure_views(http_port, amqp_uri, ministry_token, databases, database_url, councils):
    """`databases`: the objectives service's (the naive loop's) and the ministry service's (the
    command level's)."""
    import gc

    today = local_today()
    started = time.perf_counter()
    counts, expected = load_national_data(database_url, councils, today)
    loaded = time.perf_counter() - started
    tenants = sorted(expected)

    views, answered = {}, {}
    for name, path in (
        ("overview", "/api/v1/ministry/overview"),
        ("indicator", f"/api/v1/ministry/indicators/{NATIONAL_CODE}"),
    ):
        views[name], body = measure_view(http_port, ministry_token, path, VIEW_REQUESTS)
        answered[name] = (
            {row["tenant"]: _row_figures(row) for row in body["items"]} if name == "overview" else len(body["items"])
        )
        del body
    gc.collect()  # what is left of the answers does not weigh on the command-level timings
    rpc = rpc_level(amqp_uri)
    command = command_level(databases["ministry"])
    objectives_db = databases["objectives"]
    loops = {
        "overview": timed_loops(lambda: naive_overview(objectives_db, tenants, today)),
        "indicator": timed_loops(lambda: naive_national_indicator(objectives_db, tenants, NATIONAL_CODE), budget=6.0),
    }
    # The naive loop finds what the read model says, and what the generator meant: a consistent data set.
    naive = loops["overview"][1]
    mismatched = [
        tenant
        for tenant in tenants
        if naive.get(tenant) != expected[tenant] or answered["overview"].get(tenant) != _comparable(expected[tenant])
    ]
    return {
        "counts": counts,
        "load_seconds": loaded,
        "views": views,
        "rpc": rpc,
        "command": command,
        "loops": {name: samples for name, (samples, _) in loops.items()},
        "mismatched": mismatched,
        "national_rows": loops["indicator"][1],
        "overview_rows": len(answered["overview"]),
        "indicator_rows": answered["indicator"],
    }


def _comparable(figures):
    by_status, (reported, due) = figures
    return ({name: by_status.get(name, 0) for name in OBJECTIVE_COLUMNS}, reported, due)


def _row_figures(row):
    if row is None:
        return None
    return (row["objectives_by_status"], row["reported_periods"], row["due_periods"])


# --- (k) the national view by clause ------------------------------------------------------------------------

NONCONFORMITY_COLUMNS = (
    "nonconformity_id, tenant_id, clause, severity, source, state, opened_at, closed_at, recurrence, "
    "verifications, first_time_effective, as_of"
)
CLAUSE_FIGURES = ("nonconformities", "open", "major", "minor", "councils", "recurrences")


def generate_nonconformities(rows, tenants, per_council, now, rng):
    """`per_council` nonconformity positions for each council, as the audits service's events would have
    left them: a few clauses fail far more often than the rest, every state, a tenth recurrences. Returns
    the by-clause figures they make (rejected ones are none)."""
    clauses = list(iso_clauses())
    weights = [1 + 30 * (position % 7 == 0) + 5 * (position % 3 == 0) for position in range(len(clauses))]
    expected = {}
    for number, tenant in enumerate(tenants):
        for index in range(per_council):
            clause = rng.choices(clauses, weights)[0]
            state = NONCONFORMITY_STATES[rng.randrange(len(NONCONFORMITY_STATES))]
            severity = MAJOR if rng.random() < 0.25 else MINOR
            recurrence = rng.random() < 0.1
            opened_at = now - timedelta(days=rng.randrange(1, 730), minutes=index)
            closed_at, verifications, first_time_effective = None, 0, None
            if state == CLOSED:
                verifications = 1 if rng.random() < 0.7 else 2
                first_time_effective = verifications == 1
                closed_at = opened_at + timedelta(days=rng.uniform(5, 120))
            rows.add(
                "nonconformity_positions",
                f"4c000000-{number:04x}-4000-8000-{index:012x}",
                tenant,
                clause,
                severity,
                NONCONFORMITY_SOURCES[index % len(NONCONFORMITY_SOURCES)],
                state,
                opened_at,
                closed_at,
                recurrence,
                verifications,
                first_time_effective,
                closed_at or opened_at,
            )
            if state != REJECTED:
                _count_clause(expected, clause, tenant, state, severity, recurrence)
    return _clause_figures(expected)


def _count_clause(found, clause, tenant, state, severity, recurrence):
    figures = found.setdefault(clause, {name: 0 for name in CLAUSE_FIGURES})
    figures["nonconformities"] += 1
    figures["open"] += state not in SETTLED
    figures[severity] += 1
    figures.setdefault("tenants", set()).add(tenant)
    figures["recurrences"] += bool(recurrence)


def _clause_figures(found):
    return {
        clause: tuple(len(figures["tenants"]) if name == "councils" else figures[name] for name in CLAUSE_FIGURES)
        for clause, figures in found.items()
    }


def load_nonconformities(database_url, councils, per_council):
    """Generate and bulk-load (COPY) the nonconformity positions of (e)'s councils; returns the councils,
    the positions' count and the by-clause figures they make. The ministry's tables are no council's (no
    row-level security): COPY goes straight into the table."""
    tenants = [f"nat-{number:04d}" for number in range(councils)]
    rows = _Copy()
    expected = generate_nonconformities(rows, tenants, per_council, datetime.now(timezone.utc), random.Random(9002))
    wait_callback = psycopg2.extensions.get_wait_callback()  # COPY: a plain blocking connection, as (e) loads
    psycopg2.extensions.set_wait_callback(None)
    connection = psycopg2.connect(database_url)
    try:
        cursor = connection.cursor()
        cursor.execute('TRUNCATE "ministry".nonconformity_positions')
        data = io.StringIO("\n".join(rows.buffers["nonconformity_positions"]) + "\n")
        cursor.copy_expert(f'COPY "ministry".nonconformity_positions ({NONCONFORMITY_COLUMNS}) FROM STDIN', data)
        connection.commit()
        connection.autocommit = True
        cursor.execute('VACUUM (ANALYZE) "ministry".nonconformity_positions')
        cursor.close()
    finally:
        connection.close()
        psycopg2.extensions.set_wait_callback(wait_callback)
    return tenants, rows.counts["nonconformity_positions"], expected


def naive_clauses(database, tenants):
    """For each council, in its own session: its nonconformity positions, counted by clause here (what
    the view would cost read one council at a time)."""
    found = {}
    for tenant in tenants:
        session = database.session(tenant)
        try:
            with session.begin():
                for clause, state, severity, recurrence in session.execute(
                    select(
                        NonconformityPosition.clause,
                        NonconformityPosition.state,
                        NonconformityPosition.severity,
                        NonconformityPosition.recurrence,
                    ).where(NonconformityPosition.tenant_id == tenant, NonconformityPosition.state != REJECTED)
                ):
                    _count_clause(found, clause, tenant, state, severity, recurrence)
        finally:
            session.close()
    return _clause_figures(found)


def measure_clauses(http_port, ministry_token, database, database_url, councils, per_council):
    """(k): `database`, the ministry service's (the naive loop's and the command level's)."""
    import gc

    started = time.perf_counter()
    tenants, count, expected = load_nonconformities(database_url, councils, per_council)
    loaded = time.perf_counter() - started
    result, body = measure_view(http_port, ministry_token, "/api/v1/ministry/clauses", VIEW_REQUESTS)
    answered = {row["clause"]: tuple(row[name] for name in CLAUSE_FIGURES) for row in body["items"]}
    ordered = [row["nonconformities"] for row in body["items"]] == sorted(
        (row["nonconformities"] for row in body["items"]), reverse=True
    )
    del body
    gc.collect()
    command = _command_figures(database, ministry_views.clauses, ministry_commands.clauses, 20)
    loop, naive = timed_loops(lambda: naive_clauses(database, tenants))
    mismatched = sorted(
        clause
        for clause in set(expected) | set(answered) | set(naive)
        if not expected.get(clause) == answered.get(clause) == naive.get(clause)
    )
    return {
        "nonconformities": count,
        "load_seconds": loaded,
        "view": result,
        "command": command,
        "loop": loop,
        "clauses": len(answered),
        "mismatched": mismatched,
        "ordered": ordered,
    }


def _print_clauses(line, clauses):
    result, command = clauses["view"], clauses["command"]
    loop = sorted(clauses["loop"])
    loop_p50, loop_p95 = _percentile(loop, 50) * 1000, _percentile(loop, 95) * 1000
    print(
        f"      data set: {clauses['nonconformities']} nonconformity positions, {COUNCILS} councils, "
        f"{clauses['clauses']} clauses, loaded (COPY) in {clauses['load_seconds']:.1f} s; the view, the naive "
        f"loop and the generator agree on {clauses['clauses'] - len(clauses['mismatched'])} of "
        f"{clauses['clauses']} clauses",
        flush=True,
    )
    label = "GET /api/v1/ministry/clauses"
    verdict = f"goal p95 < {VIEW_GOAL_MS:.0f} ms: " + ("met" if result.p95_ms < VIEW_GOAL_MS else "NOT met")
    line(f"{label} p50", result.p50_ms, loop_p50, "naive per-tenant loop", "ms")
    line(f"{label} p95", result.p95_ms, loop_p95, "naive per-tenant loop", "ms", verdict)
    line("  same, command level (no RPC, no HTTP) p50", command["p50_ms"], result.p50_ms, "HTTP, same view", "ms")
    line("  same, command level (no RPC, no HTTP) p95", command["p95_ms"], result.p95_ms, "HTTP, same view", "ms")
    print(
        f"      {result.requests} requests in a row, errors {result.errors}, max {result.max_ms:.1f} ms; "
        f"{command['rows']} rows, {command['bytes'] / 1024:.0f} KiB of JSON, {command['statements']} SQL "
        f"statement(s) ({command['sql_ms']:.1f} ms alone on a bare cursor); naive loop over {COUNCILS} tenant "
        f"sessions timed {len(loop)} times ({', '.join(f'{s:.1f}' for s in clauses['loop'])} s)",
        flush=True,
    )
    if clauses["mismatched"] or not clauses["ordered"]:
        print(
            f"      MISMATCH between the view, the naive loop and the generator for {len(clauses['mismatched'])} "
            f"clauses, e.g. {clauses['mismatched'][:3]}; most found first: {clauses['ordered']}",
            flush=True,
        )


# --- (d), (e) and (k), printed ---------------------------------------------------------------------------


def run(line, backbone_events_per_second):
    """Measure (d), (e) and (k) and print them with the bench's `line`."""
    with tempfile.TemporaryDirectory() as var_dir, platform(var_dir) as (database_url, amqp_uri):
        gateway_db = Database("gateway", database_url, pool_size=2)
        databases = {name: Database(name, database_url, pool_size=2) for name in ("objectives", "ministry")}
        owners = {name: make_engine(database_url, name, runtime=False, pool_size=1) for name in databases}
        try:
            directory.add_user(gateway_db, "observatoire@ministere.example", "ministry", actor="bench")
            ministry_token = directory.create_token(gateway_db, "observatoire@ministere.example")
            with running_services(database_url, amqp_uri, var_dir) as (http_port, metrics_ports, processes):
                ministry = Client(http_port, ministry_token)
                eventually(
                    lambda: _answers(ministry, "/api/v1/ministry/catalogue"),
                    90,
                    "the gateway and the ministry service answering",
                    processes,
                    interval=0.2,
                )
                print(
                    f"\n(d) objectives: measurement ingestion, {CLIENTS} clients, {MEASUREMENTS} measurements "
                    "(per second, higher is better)",
                    flush=True,
                )
                ingest = measure_ingestion(http_port, metrics_ports["ministry"], gateway_db, owners, processes)
                rate = ingest["created"] / ingest["end_to_end_seconds"]
                line(
                    "POST measurement -> read model applied",
                    rate,
                    backbone_events_per_second,
                    "backbone pipeline (a), same run",
                    "/s",
                )
                line(
                    "POST measurements answered (201)",
                    ingest["created"] / ingest["post_seconds"],
                    backbone_events_per_second,
                    "backbone pipeline (a), same run",
                    "/s",
                )
                errors = ingest["total"] - ingest["created"]
                print(
                    f"      {ingest['created']} of {ingest['total']} answered 201 {ingest['statuses']}"
                    + (f" first errors: {ingest['errors']}" if errors else "")
                    + f"; POST p50 {ingest['p50_ms']:.1f} ms, p95 {ingest['p95_ms']:.1f} ms; last event "
                    f"applied {ingest['lag_seconds']:.2f} s after the last answer; read model applied "
                    f"{ingest['read_model']} events, consumed counter {ingest['counter']:.0f}",
                    flush=True,
                )
                print(
                    "      CPU per measurement: "
                    + ", ".join(f"jouda run {name} {ms:.1f} ms" for name, ms in ingest["cpu_ms"].items())
                    + f"; machine {100 * ingest['machine_busy']:.0f}% busy on {os.cpu_count()} cores",
                    flush=True,
                )
                # Every other event of (d) applied too (objective.status_changed, say): none reaches
                # the ministry's tables once (e) has replaced their rows with the national data set.
                eventually(
                    lambda: not read_model_behind(owners),
                    60,
                    "the ministry's read model applying every event of (d)",
                    processes,
                )

                print(
                    f"\n(e) ministry views, {COUNCILS} councils x {OBJECTIVES_PER_COUNCIL} objectives x "
                    f"{INDICATORS_PER_OBJECTIVE} indicators x {MONTHS} months (ms, lower is better)",
                    flush=True,
                )
                views = measure_views(http_port, amqp_uri, ministry_token, databases, database_url, COUNCILS)
                clauses = measure_clauses(
                    http_port, ministry_token, databases["ministry"], database_url, COUNCILS, NONCONFORMITIES
                )
                web_pages = pages.measure(http_port, gateway_db, "ingest-00", "qualite@ingest-00.example")
        finally:
            for engine in owners.values():
                engine.dispose()
            for database in databases.values():
                database.dispose()
            gateway_db.dispose()
    _print_views(line, views)
    print(
        f"\n(k) ministry view by ISO 9001 clause, {COUNCILS} councils x {NONCONFORMITIES} nonconformities "
        "(ms, lower is better)",
        flush=True,
    )
    _print_clauses(line, clauses)
    pages.report(line, web_pages)


def _answers(client, path):
    try:
        return client.get(path).status == 200
    except OSError:
        return False


def _print_views(line, views):
    counts = views["counts"]
    print(
        f"      data set: {counts['councils']} councils, {counts['objectives']} objectives, "
        f"{counts['indicators']} indicators, {counts['measurements']} measurements (write model and read "
        f"model), generated and loaded (COPY) in {views['load_seconds']:.1f} s; the naive loop, the overview "
        f"and the generator agree for {views['overview_rows'] - len(views['mismatched'])} of "
        f"{views['overview_rows']} councils",
        flush=True,
    )
    for name, label in (
        ("overview", "GET /api/v1/ministry/overview"),
        ("indicator", f"GET /api/v1/ministry/indicators/{NATIONAL_CODE}"),
    ):
        result = views["views"][name]
        loop = sorted(views["loops"][name])
        loop_p50, loop_p95 = _percentile(loop, 50) * 1000, _percentile(loop, 95) * 1000
        command, rpc = views["command"][name], views["rpc"][name]
        verdict = f"goal p95 < {VIEW_GOAL_MS:.0f} ms: " + ("met" if result.p95_ms < VIEW_GOAL_MS else "NOT met")
        line(f"{label} p50", result.p50_ms, loop_p50, "naive per-tenant loop", "ms")
        line(f"{label} p95", result.p95_ms, loop_p95, "naive per-tenant loop", "ms", verdict)
        line("  same, command level (no RPC, no HTTP) p50", command["p50_ms"], result.p50_ms, "HTTP, same view", "ms")
        line("  same, command level (no RPC, no HTTP) p95", command["p95_ms"], result.p95_ms, "HTTP, same view", "ms")
        line("  same, RPC from a bare proxy (no HTTP) p50", rpc["p50_ms"], result.p50_ms, "HTTP, same view", "ms")
        line("  same, RPC from a bare proxy (no HTTP) p95", rpc["p95_ms"], result.p95_ms, "HTTP, same view", "ms")
        # The command returns the view as JSON text, encoded once there (the gateway passes it through).
        unit = command["p50_ms"] - command["read_model_ms"] - command["encode_ms"]
        print(
            f"      {result.requests} requests in a row, errors {result.errors}, max {result.max_ms:.1f} ms; "
            f"{command['rows']} rows, {command['bytes'] / 1024:.0f} KiB of JSON; naive loop over "
            f"{counts['councils']} tenant sessions timed {len(loop)} times "
            f"({', '.join(f'{s:.1f}' for s in views['loops'][name])} s)",
            flush=True,
        )
        hop = rpc["p50_ms"] - command["p50_ms"]
        print(
            f"      p50 by layer (timed apart, so roughly): command {command['p50_ms']:.1f} ms = read-model rows "
            f"{command['read_model_ms']:.1f} (their {command['statements']} SQL statement(s) alone on a bare "
            f"cursor: {command['sql_ms']:.1f}) + the service's one JSON encoding {command['encode_ms']:.1f} "
            f"+ unit of work and the rest {unit:.1f};",
            flush=True,
        )
        print(
            f"      then the RPC hop (AMQP and the rest) +{hop:.1f} = {rpc['p50_ms']:.1f} ms, then gateway and HTTP, "
            f"passing the text through, +{result.p50_ms - rpc['p50_ms']:.1f} = {result.p50_ms:.1f} ms",
            flush=True,
        )
    if views["mismatched"]:
        print(
            f"      MISMATCH between the naive loop, the overview and the generator for {len(views['mismatched'])} "
            f"councils, e.g. {views['mismatched'][:3]}",
            flush=True,
        )
    if views["national_rows"] != views["indicator_rows"]:
        print(
            f"      MISMATCH: the naive loop finds {views['national_rows']} {NATIONAL_CODE} indicators, the view "
            f"{views['indicator_rows']}",
            flush=True,
        )


if __name__ == "__main__" and sys.argv[1:2] == ["--post"]:
    _post_forever()
