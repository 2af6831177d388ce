"""Prometheus metrics of the objectives service: counters as things happen, per-tenant gauges
computed when Prometheus scrapes."""

from prometheus_client import Counter
from sqlalchemy import case, func, select

from jouda.services.objectives import domain
from jouda.shared.metrics import by_tenant_and_status
from jouda.shared.nameko_ext import ScrapeTimeGauges
from jouda.shared.vocabulary import OBJECTIVE_BUCKETS

MEASUREMENTS_RECORDED = Counter(
    "jouda_measurements_recorded_total", "Indicator measurements recorded (corrections included).", ["tenant", "kind"]
)
MEASUREMENTS_MISSING = Counter(
    "jouda_measurements_missing_total", "Due periods found without a measurement (each counted once).", ["tenant"]
)


class ObjectivesGauges(ScrapeTimeGauges):
    def collect(self):
        bucket = case((domain.Objective.state == domain.ACTIVE, domain.Objective.status), else_=domain.Objective.state)
        with self.service_database.database.transaction(all_tenants=True) as session:
            by_status = session.execute(
                select(domain.Objective.tenant_id, bucket, func.count()).group_by(domain.Objective.tenant_id, bucket)
            ).all()
        return [
            by_tenant_and_status(
                "jouda_objectives",
                "Quality objectives by status (achieved and abandoned as declared, otherwise as measured).",
                by_status,
                OBJECTIVE_BUCKETS,
            )
        ]
