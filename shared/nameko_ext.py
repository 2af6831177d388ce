"""Nameko extensions every Jouda service uses: its database (with the outbox relay and the
scrape-time business gauges), the unit-of-work dependency and entrypoint metrics."""

import contextlib
import logging
import time

from nameko.extensions import DependencyProvider, SharedExtension
from nameko.rpc import Rpc as NamekoRpc
from prometheus_client.core import GaugeMetricFamily

from jouda.shared import idempotency, metrics
from jouda.shared.config import Settings
from jouda.shared.db import Database
from jouda.shared.errors import DomainError
from jouda.shared.clock import as_utc, utc_now
from jouda.shared.operations import check_role, roles_allowed
from jouda.shared.outbox import OutboxRelay
from jouda.shared.tenancy import ROLE_KEY, TENANT_KEY, USER_KEY
from jouda.shared.unit_of_work import EVERY_COUNCIL, DuplicateEvent, Scope, UnitOfWork

log = logging.getLogger(__name__)


def settings_of(container) -> Settings:
    return container.config.get("JOUDA_SETTINGS") or Settings.from_env()


class ServiceDatabase(SharedExtension):
    """The container's database and its outbox relay (one per service container)."""

    def setup(self):
        settings = settings_of(self.container)
        service = self.container.service_name
        self.database = Database(service, settings.database_url_for(service))
        self.relay = OutboxRelay(
            self.database,
            settings.amqp_uri,
            batch_size=settings.relay_batch_size,
            idle_seconds=settings.relay_idle_seconds,
        )
        self._gauges = outbox_gauges(self.relay)
        metrics.SCRAPE_TIME_GAUGES.add_source(self._gauges)

    def start(self):
        self.container.spawn_managed_thread(self.relay.run_forever, identifier="outbox-relay")

    def stop(self):
        self.relay.stop()
        metrics.SCRAPE_TIME_GAUGES.remove_source(self._gauges)
        self.database.dispose()

    def kill(self):
        self.stop()


class ScrapeTimeGauges(DependencyProvider):
    """Per-tenant business gauges of a service, computed by `collect()` when Prometheus scrapes."""

    service_database = ServiceDatabase()

    def setup(self):
        metrics.SCRAPE_TIME_GAUGES.add_source(self.collect)

    def stop(self):
        metrics.SCRAPE_TIME_GAUGES.remove_source(self.collect)

    kill = stop

    def collect(self):
        raise NotImplementedError


def outbox_gauges(relay):
    def collect():
        count, oldest = relay.backlog()
        backlog = GaugeMetricFamily("jouda_outbox_backlog", "Committed events not yet published.", labels=["service"])
        backlog.add_metric([relay.service], count)
        age = GaugeMetricFamily(
            "jouda_outbox_oldest_age_seconds", "Age of the oldest unpublished event.", labels=["service"]
        )
        age.add_metric([relay.service], (utc_now() - as_utc(oldest)).total_seconds() if oldest else 0)
        return [backlog, age]

    return collect


class UnitOfWorkProvider(DependencyProvider):
    """Injects a factory: `with self.uow() as uow:` opens a unit of work for the caller's tenant."""

    service_database = ServiceDatabase()

    def get_dependency(self, worker_ctx):
        return UnitOfWorkFactory(self.service_database, worker_ctx)


class UnitOfWorkFactory:
    def __init__(self, service_database, worker_ctx):
        self._db = service_database
        self._ctx = worker_ctx

    @property
    def database(self):
        return self._db.database

    @property
    def tenant_id(self):
        return self._ctx.data.get(TENANT_KEY)

    @property
    def actor(self):
        return self._ctx.data.get(USER_KEY) or "system"

    @property
    def role(self):
        return self._ctx.data.get(ROLE_KEY)

    def _idempotency(self):
        """For an RPC request sent with an Idempotency-Key: the key, and where to note it was recorded."""
        if not isinstance(self._ctx.entrypoint, NamekoRpc):
            return {}
        request = idempotency.IdempotentRequest.from_context(self._ctx.data, self.tenant_id, self.actor)
        if request is None:
            return {}
        return {
            "idempotent": request,
            "on_recorded": lambda recorded: setattr(self._ctx, idempotency.RECORDED, recorded),
        }

    def _check_role(self):
        """An RPC answering HTTP operations checks the roles they declare, as the gateway did: the
        same declaration, enforced again behind the edge."""
        allowed = roles_allowed(self._ctx.service_name, self._ctx.entrypoint.method_name)
        if allowed is not None:
            check_role(self.role, allowed, "this resource")

    def __call__(self, scope=None):
        """The one way an entrypoint opens a unit of work: the caller's council by default (refused,
        TenantRequired, when the caller has none: see shared.tenancy.scope_session), or the scope it
        says (PLATFORM for the ministry's views, EVERY_COUNCIL or Scope.council(code) for a timer)."""
        self._check_role()
        return UnitOfWork(
            self.database,
            Scope.council(self.tenant_id) if scope is None else scope,
            actor=self.actor,
            role=self.role,
            on_commit=self._db.relay.wake,
            **self._idempotency(),
        )

    def for_event(self, envelope):
        """For an event handler: the event's tenant, and the idempotency record of this handler."""
        return self.for_events([envelope])

    def for_events(self, envelopes):
        """For a batch handler: events of one tenant, applied (and recorded) in one transaction;
        `uow.fresh_events` are those this handler has not applied yet."""
        tenant_id = envelopes[0].get("tenant_id")
        if any(envelope.get("tenant_id") != tenant_id for envelope in envelopes):
            raise ValueError("one unit of work takes the events of one tenant")
        consumer = self._ctx.entrypoint.consumer
        scope = (
            EVERY_COUNCIL if tenant_id is None else Scope.council(tenant_id)
        )  # of no council: the platform's (the catalogue)
        return UnitOfWork(
            self.database,
            scope,
            actor=envelopes[0].get("actor", "system"),
            received=envelopes,
            consumer=consumer,
            on_commit=self._db.relay.wake,
        )


@contextlib.contextmanager
def for_each_council(tenant_id, job):
    """Around one council's share of a timer's run: its failure is logged, and the run goes on
    with the other councils (the next run tries this one again)."""
    try:
        yield
    except Exception:  # noqa: BLE001
        log.exception("%s of council %s failed; the next run tries again", job, tenant_id)


def outcome_of(exc_info) -> str:
    if exc_info is None:
        return "success"
    if issubclass(exc_info[0], (DomainError, DuplicateEvent)):
        return "client_error"
    return "error"


class EntrypointMetrics(DependencyProvider):
    """Latency histogram and outcome counts of every entrypoint of the service."""

    def __init__(self):
        self._started = {}

    def worker_setup(self, worker_ctx):
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self._started.pop(worker_ctx, None)
        if started is None:
            return
        service, method = worker_ctx.service_name, worker_ctx.entrypoint.method_name
        metrics.ENTRYPOINT_DURATION.labels(service, method).observe(time.perf_counter() - started)
        outcome = outcome_of(exc_info)
        status = getattr(result, "status_code", None)  # HTTP entrypoints report through the response
        if exc_info is None and status is not None:
            outcome = "success" if status < 400 else ("client_error" if status < 500 else "error")
        metrics.ENTRYPOINT_CALLS.labels(service, method, outcome).inc()
