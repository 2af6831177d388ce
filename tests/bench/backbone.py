"""Event backbone throughput: N events committed through a service's outbox, relayed to
RabbitMQ, and consumed by an idempotent Nameko handler running in its own process (each event:
processed-event record + effect row, one transaction), from first commit to last effect."""

import os
import signal
import subprocess
import sys
import time
import uuid

import sqlalchemy as sa
from sqlalchemy import text

from jouda.shared.config import Settings
from jouda.shared.consumer import event_batch_handler
from jouda.shared.db import Database, _grant_runtime_role, make_engine
from jouda.shared.nameko_ext import UnitOfWorkProvider
from jouda.shared.outbox import OutboxBase, OutboxRelay
from jouda.shared.unit_of_work import UnitOfWork

PRODUCER, CONSUMER = "bench", "bench_consumer"
BATCH = 200
EFFECTS = sa.Table(
    "bench_effects",
    sa.MetaData(),
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)


class BenchConsumer:
    name = CONSUMER
    uow = UnitOfWorkProvider()

    @event_batch_handler(PRODUCER, "policy.submitted", consumer=f"{CONSUMER}.on_submitted", max_batch=BATCH)
    def on_submitted(self, events):
        with self.uow.for_events(events) as uow:
            uow.session.execute(
                EFFECTS.insert(),
                [
                    {"event_id": e["event_id"], "tenant_id": e["tenant_id"], "version": e["payload"]["version"]}
                    for e in uow.fresh_events
                ],
            )
            uow.commit()


def prepare(database_url):
    engine = make_engine(database_url, None, runtime=False, pool_size=1)
    with engine.begin() as connection:
        for schema in (PRODUCER, CONSUMER):
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            connection.execute(text(f'SET search_path TO "{schema}"'))
            OutboxBase.metadata.create_all(connection)
            if schema == CONSUMER:
                EFFECTS.create(connection, checkfirst=True)
            _grant_runtime_role(connection, schema)
    engine.dispose()


def _consume_forever(database_url, amqp_uri):  # runs in the child process
    import eventlet

    eventlet.monkey_patch()
    from nameko.containers import ServiceContainer

    settings = Settings(amqp_uri=amqp_uri, database_url=database_url, max_workers=BATCH)
    container = ServiceContainer(BenchConsumer, settings.nameko_config())
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    container.start()
    print("ready", flush=True)
    while not stopping and os.getppid() != 1:  # a green wait: a blocking read would stall the hub
        eventlet.sleep(0.1)
    container.stop()


def effects_count(database):
    with database.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(EFFECTS)).scalar()


def _commit(producer, relay, first, last, commit_batch):
    payload = {
        "policy_id": str(uuid.uuid4()),
        "version_id": str(uuid.uuid4()),
        "title": "Politique Qualité",
        "from_status": "draft",
        "to_status": "in_review",
        "comment": None,
    }
    for start in range(first, last, commit_batch):
        with UnitOfWork(producer, "fes-meknes", actor="bench", role="quality_manager", on_commit=relay.wake) as uow:
            for number in range(start, min(last, start + commit_batch)):
                uow.emit("policy.submitted", {**payload, "version": number + 1})
            uow.commit()


def _wait_for_effects(consumer, expected, n):
    import eventlet

    deadline = time.monotonic() + max(float(os.environ.get("BENCH_WAIT", 120)), n / 200)
    while effects_count(consumer) < expected:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {effects_count(consumer)} of {expected} events consumed in time")
        eventlet.sleep(0.01)


def measure(database_url, amqp_uri, n, *, commit_batch=100):
    """Two figures, events/s: `pipeline`, from the first commit (100 events per transaction) to
    the last effect, relay running throughout; `drain`, N events already committed (as after a
    broker outage) from relay start to the last effect."""
    import eventlet

    prepare(database_url)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.bench.backbone", "--consume", database_url, amqp_uri],
        stdout=subprocess.PIPE,
        text=True,
    )
    producer = Database(PRODUCER, database_url, pool_size=2)
    consumer = Database(CONSUMER, database_url, pool_size=1)
    relay = OutboxRelay(producer, amqp_uri, batch_size=500, idle_seconds=0.01)
    try:
        if child.stdout.readline().strip() != "ready":
            raise RuntimeError("the bench consumer did not start")
        relay_thread = eventlet.spawn(relay.run_forever)
        started = time.perf_counter()
        _commit(producer, relay, 0, n, commit_batch)
        committed = time.perf_counter() - started
        _wait_for_effects(consumer, n, n)
        pipeline = time.perf_counter() - started
        relay.stop()
        relay_thread.kill()

        _commit(producer, relay, n, 2 * n, commit_batch)
        relay = OutboxRelay(producer, amqp_uri, batch_size=500, idle_seconds=0.01)
        started = time.perf_counter()
        relay_thread = eventlet.spawn(relay.run_forever)
        _wait_for_effects(consumer, 2 * n, n)
        drain = time.perf_counter() - started
        relay.stop()
        relay_thread.kill()
        return {
            "n": n,
            "commit_seconds": committed,
            "pipeline_seconds": pipeline,
            "pipeline_events_per_second": n / pipeline,
            "drain_seconds": drain,
            "drain_events_per_second": n / drain,
        }
    finally:
        child.terminate()
        child.wait(timeout=30)
        producer.dispose()
        consumer.dispose()


if __name__ == "__main__" and sys.argv[1:2] == ["--consume"]:
    _consume_forever(sys.argv[2], sys.argv[3])
