"""Prometheus gauges of the audits service, computed when Prometheus scrapes: audits by state,
nonconformities by state and severity, overdue actions, per council."""

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from jouda.services.audits import domain, nonconformities as nc
from jouda.shared.clock import local_today
from jouda.shared.metrics import by_tenant_and_status
from jouda.shared.nameko_ext import ScrapeTimeGauges
from jouda.shared.vocabulary import AUDIT_STATES, IN_PROGRESS, NONCONFORMITY_STATES, OPEN, SEVERITIES


class AuditsGauges(ScrapeTimeGauges):
    def collect(self):
        with self.service_database.database.transaction(all_tenants=True) as session:
            audits = session.execute(
                select(domain.Audit.tenant_id, domain.Audit.state, func.count()).group_by(
                    domain.Audit.tenant_id, domain.Audit.state
                )
            ).all()
            items = session.execute(
                select(
                    nc.Nonconformity.tenant_id, nc.Nonconformity.state, nc.Nonconformity.severity, func.count()
                ).group_by(nc.Nonconformity.tenant_id, nc.Nonconformity.state, nc.Nonconformity.severity)
            ).all()
            overdue = session.execute(
                select(nc.Action.tenant_id, func.count())
                .where(nc.Action.state.in_((OPEN, IN_PROGRESS)), nc.Action.due_date < local_today())
                .group_by(nc.Action.tenant_id)
            ).all()
        by_state = GaugeMetricFamily(
            "jouda_nonconformities", "Nonconformities by state and severity.", labels=["tenant", "state", "severity"]
        )
        counts = {(tenant, state, severity): count for tenant, state, severity, count in items}
        for tenant in sorted({tenant for tenant, _, _ in counts}):
            for state in NONCONFORMITY_STATES:
                for severity in SEVERITIES:
                    by_state.add_metric([tenant, state, severity], counts.get((tenant, state, severity), 0))
        late = GaugeMetricFamily("jouda_actions_overdue", "Actions past their due date, not done.", labels=["tenant"])
        for tenant, count in overdue:
            late.add_metric([tenant], count)
        return [
            by_tenant_and_status("jouda_audits", "Audits by state.", audits, AUDIT_STATES),
            by_state,
            late,
        ]
