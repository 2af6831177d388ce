"""The demo: two councils and their people, the Fès-Meknès quality policy taken through its real life
cycle, and its six objectives with a year of measurements.

Each service seeds its own part (its manifest's `seed` step, in the platform's order), through its own
code and database, while the services run: between two steps the events of the first are delivered
and applied (`Demo.settle`), so the objectives' step finds the orientations the published policy
brought, as it would in real life. Seeding happens once: the gateway's step declines when councils
exist."""

import os
import time

from kombu import Connection

from jouda import platform
from jouda.runner import event_handlers
from jouda.shared.db import Database
from jouda.shared.manifest import load
from jouda.shared.outbox import OutboxRelay
from jouda.shared.unit_of_work import UnitOfWork

TOKENS_FILE = "demo-tokens.txt"
SETTLE_SECONDS = 120  # the longest wait for the services to apply what a step produced


class Demo:
    """What the steps share: the settings, the databases, the people made so far and their tokens."""

    def __init__(self, settings, out):
        self.settings, self.out = settings, out
        self.people = {}  # e-mail -> the gateway's user
        self.tokens = []  # (e-mail, role, council, password, token)
        self.summary = []
        self._databases = {}

    def database(self, service) -> Database:
        if service not in self._databases:
            self._databases[service] = Database(service, self.settings.database_url_for(service), pool_size=1)
        return self._databases[service]

    def unit_of_work(self, service, council, person):
        """A unit of work of `person` (a user of the gateway) in `council`, as their request would open."""
        return UnitOfWork(self.database(service), council, actor=person.id, role=person.role)

    def told(self, text):
        self.summary.append(text)

    def settle(self, timeout=SETTLE_SECONDS):
        """Waits until every outbox is published and every consumer's queue is empty, three times in a
        row (what a consumer applies may emit more): the services have caught up with the steps so far."""
        queues = [
            handler.queue.name
            for handler in event_handlers([platform.service_class(name) for name in platform.SERVICES], self.settings)
        ]
        relays = [OutboxRelay(self.database(name), self.settings.amqp_uri) for name in platform.SERVICES]
        deadline, quiet = time.monotonic() + timeout, 0
        with Connection(self.settings.amqp_uri, connect_timeout=5) as connection:
            channel = connection.channel()
            while quiet < 3:
                waiting = sum(relay.backlog()[0] for relay in relays) + sum(
                    channel.queue_declare(name, passive=True).message_count for name in queues
                )
                quiet = quiet + 1 if waiting == 0 else 0
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the services did not apply the demo's events in {timeout}s "
                        f"({waiting} waiting): are they running?"
                    )
                time.sleep(0.2)

    def close(self):
        for database in self._databases.values():
            database.dispose()


def seed(settings, out=print) -> bool:
    """Seeds once, with the services running; returns False (and does nothing) when councils exist."""
    demo = Demo(settings, out)
    try:
        for manifest in platform.manifests():
            if manifest.seed is None:
                continue
            demo.settle()
            if load(manifest.seed)(demo) is False:
                return False
        demo.settle()
        _save_tokens(settings, demo.tokens)
        out("Seeded the demo: " + "; ".join(demo.summary) + ".")
        return True
    finally:
        demo.close()


def _save_tokens(settings, tokens):
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    path = settings.var_dir / TOKENS_FILE
    with open(path, "w", encoding="utf-8") as handle:
        for email, role, council, password, token in tokens:
            handle.write(f"{role:16} {council or '-':28} {email:45} {password:32} {token}\n")
    os.chmod(path, 0o600)


def demo_tokens(settings) -> str | None:
    path = settings.var_dir / TOKENS_FILE
    return path.read_text(encoding="utf-8") if path.exists() else None
