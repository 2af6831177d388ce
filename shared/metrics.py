"""Prometheus metrics of every Jouda process.

Names start with `jouda_` and carry their unit; labels stay bounded (service, method, event
type, outcome, tenant code) and never hold user ids or free text.
"""

import logging

from prometheus_client import REGISTRY, Counter, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily

# `*_created` series double every counter and mean nothing to our dashboards.
disable_created_metrics()

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

ENTRYPOINT_DURATION = Histogram(
    "jouda_entrypoint_duration_seconds",
    "Time spent in a service entrypoint.",
    ["service", "method"],
    buckets=LATENCY_BUCKETS,
)
ENTRYPOINT_CALLS = Counter(
    "jouda_entrypoint_calls_total",
    "Entrypoint calls by outcome (success, client_error, error).",
    ["service", "method", "outcome"],
)
EVENTS_PUBLISHED = Counter(
    "jouda_events_published_total", "Events published from the outbox.", ["service", "event_type"]
)
EVENTS_UNROUTABLE = Counter(
    "jouda_events_unroutable_total", "Published events no queue was bound for.", ["service", "event_type"]
)
EVENTS_CONSUMED = Counter("jouda_events_consumed_total", "Events handled successfully.", ["service", "event_type"])
EVENTS_DUPLICATES = Counter(
    "jouda_events_duplicates_total", "Redelivered events skipped by idempotency.", ["service", "event_type"]
)
EVENTS_FAILED = Counter(
    "jouda_events_failed_total", "Event handler failures (each is retried or dead-lettered).", ["service", "event_type"]
)
EVENTS_DEAD_LETTERED = Counter(
    "jouda_events_dead_lettered_total", "Events moved to a dead-letter queue.", ["service", "event_type"]
)


def by_tenant_and_status(name, documentation, rows, statuses):
    """A gauge family of (tenant, status, count) rows: every status of a tenant that has any,
    zero where it has none, so a status that empties shows 0 rather than vanishing."""
    family = GaugeMetricFamily(name, documentation, labels=["tenant", "status"])
    counts = {(tenant, status): count for tenant, status, count in rows}
    for tenant in sorted({tenant for tenant, _ in counts}):
        for status in statuses:
            family.add_metric([tenant, status], counts.get((tenant, status), 0))
    return family


class ScrapeTimeGauges:
    """Gauges computed when Prometheus scrapes (outbox backlog, business figures per tenant).

    Several services may run in one process and report the same family (each its own
    `service` label), so families from every source are merged by name before exposition.
    """

    def __init__(self):
        self._sources = []

    def add_source(self, source):
        self._sources.append(source)

    def remove_source(self, source):
        if source in self._sources:
            self._sources.remove(source)

    def collect(self):
        merged = {}
        for source in list(self._sources):
            try:
                families = source()
            except Exception as exc:  # noqa: BLE001 - a scrape must not fail because a DB is away
                log.warning("metrics source %s failed: %s", getattr(source, "__qualname__", source), exc)
                continue
            for family in families:
                if family.name in merged:
                    merged[family.name].samples.extend(family.samples)
                else:
                    merged[family.name] = family
        return list(merged.values())


SCRAPE_TIME_GAUGES = ScrapeTimeGauges()
REGISTRY.register(SCRAPE_TIME_GAUGES)
