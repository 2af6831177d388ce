"""Prometheus metrics of the notifications service."""

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from jouda.services.notifications import domain
from jouda.shared.metrics import LATENCY_BUCKETS
from jouda.shared.nameko_ext import ScrapeTimeGauges

NOTIFICATIONS_CREATED = Counter(
    "jouda_notifications_created_total", "Notifications created (one per person).", ["tenant"]
)
DELIVERIES = Counter(
    "jouda_deliveries_total",
    "Delivery attempts by channel and outcome (sent, retrying, failed).",
    ["tenant", "channel", "outcome"],
)
DELIVERY_LATENCY = Histogram(
    "jouda_delivery_latency_seconds",
    "From the event's occurred_at to its delivery.",
    ["channel"],
    buckets=LATENCY_BUCKETS + (30, 60, 300, 900, 3600),
)


class NotificationsGauges(ScrapeTimeGauges):
    def collect(self):
        with self.service_database.database.transaction(all_tenants=True) as session:
            rows = session.execute(
                select(domain.Delivery.channel, domain.Delivery.status, func.count())
                .where(domain.Delivery.status.in_((domain.PENDING, domain.RETRYING)))
                .group_by(domain.Delivery.channel, domain.Delivery.status)
            ).all()
        backlog = GaugeMetricFamily(
            "jouda_delivery_backlog",
            "Deliveries waiting to be sent (pending) or retried.",
            labels=["channel", "status"],
        )
        counts = {(channel, status): n for channel, status, n in rows}
        for channel in (domain.EMAIL, domain.WEBHOOK):
            for status in (domain.PENDING, domain.RETRYING):
                backlog.add_metric([channel, status], counts.get((channel, status), 0))
        return [backlog]
