"""The policy service: thin Nameko entrypoints over services/policy/commands.py."""

import logging

from nameko.timer import timer
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from jouda.services.policy import commands, domain
from jouda.services.policy.models import StaffMember
from jouda.shared import metrics
from jouda.shared.clock import local_today
from jouda.shared.nameko_ext import EntrypointMetrics, ScrapeTimeGauges, UnitOfWorkProvider
from jouda.shared.staff import StaffDirectory
from jouda.shared.rpc import rpc
from jouda.shared.unit_of_work import EVERY_COUNCIL

log = logging.getLogger(__name__)

REVIEW_CHECK_SECONDS = 3600


class PolicyGauges(ScrapeTimeGauges):
    def collect(self):
        with self.service_database.database.transaction(all_tenants=True) as session:
            by_status = session.execute(
                select(domain.PolicyVersion.tenant_id, domain.PolicyVersion.status, func.count()).group_by(
                    domain.PolicyVersion.tenant_id, domain.PolicyVersion.status
                )
            ).all()
            active = dict(
                session.execute(
                    select(StaffMember.tenant_id, func.count())
                    .where(StaffMember.active.is_(True))
                    .group_by(StaffMember.tenant_id)
                ).all()
            )
            acknowledged = session.execute(
                select(domain.PolicyVersion.tenant_id, func.count(domain.Acknowledgement.id))
                .outerjoin(domain.Acknowledgement, domain.Acknowledgement.version_id == domain.PolicyVersion.id)
                .where(domain.PolicyVersion.status == domain.PUBLISHED)
                .group_by(domain.PolicyVersion.tenant_id)
            ).all()
        policies = metrics.by_tenant_and_status(
            "jouda_policies", "Policy versions by status.", by_status, domain.STATUSES
        )
        rate = GaugeMetricFamily(
            "jouda_policy_acknowledgement_ratio",
            "Share of active users who acknowledged the published policy.",
            labels=["tenant"],
        )
        for tenant, count in acknowledged:
            rate.add_metric([tenant], domain.acknowledgement_rate(count, active.get(tenant, 0)))
        users = GaugeMetricFamily("jouda_tenant_active_users", "Active council users.", labels=["tenant"])
        for tenant, count in sorted(active.items()):
            users.add_metric([tenant], count)
        return [policies, rate, users]


class PolicyService(StaffDirectory):
    name = "policy"
    staff_class = StaffMember

    uow = UnitOfWorkProvider()
    entrypoint_metrics = EntrypointMetrics()
    gauges = PolicyGauges()

    @rpc
    def create_policy(self, data):
        with self.uow() as uow:
            return commands.create_policy(uow, data)

    @rpc
    def update_draft(self, version_id, data):
        with self.uow() as uow:
            return commands.update_draft(uow, version_id, data)

    @rpc
    def transition(self, version_id, action, data=None):
        with self.uow() as uow:
            return commands.transition(uow, version_id, action, data)

    @rpc
    def create_revision(self, version_id):
        with self.uow() as uow:
            return commands.create_revision(uow, version_id)

    @rpc
    def acknowledge(self, version_id):
        with self.uow() as uow:
            return commands.acknowledge(uow, version_id)

    @rpc
    def acknowledgement_summary(self, version_id):
        with self.uow() as uow:
            return commands.acknowledgement_summary(uow, version_id)

    @rpc
    def get_version(self, version_id):
        with self.uow() as uow:
            return commands.get_version(uow, version_id)

    @rpc
    def current(self):
        with self.uow() as uow:
            return commands.current(uow)

    @rpc
    def list_versions(self, status=None, limit=50, offset=0):
        with self.uow() as uow:
            return commands.list_versions(uow, status, limit, offset)

    @rpc
    def history(self, version_id):
        with self.uow() as uow:
            return commands.history(uow, version_id)

    @timer(interval=REVIEW_CHECK_SECONDS, eager=True)
    def send_review_notices(self):
        with self.uow(EVERY_COUNCIL) as uow:
            sent = commands.send_review_notices(uow, local_today())
        if sent:
            log.info("sent %d policy review notice(s)", sent)
