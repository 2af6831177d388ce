"""Prometheus gauges of the ministry service, computed from its read model when Prometheus scrapes."""

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import select

from jouda.services.ministry.domain import CouncilPosition
from jouda.shared.nameko_ext import ScrapeTimeGauges
from jouda.shared.periods import completeness_rate


class MinistryGauges(ScrapeTimeGauges):
    def collect(self):
        with self.service_database.database.transaction(all_tenants=True) as session:
            reporting = session.execute(
                select(CouncilPosition.tenant_id, CouncilPosition.reported_periods, CouncilPosition.due_periods)
            ).all()
        completeness = GaugeMetricFamily(
            "jouda_reporting_completeness_ratio",
            "Share of due measurement periods (last 12 months) that have a value.",
            labels=["tenant"],
        )
        for tenant, reported, due in reporting:
            rate = completeness_rate(reported, due)
            if rate is not None:
                completeness.add_metric([tenant], rate)
        return [completeness]
