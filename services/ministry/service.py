"""The ministry service: the national read model and indicator catalogue, fed by events only."""

import logging

from nameko.timer import timer

from jouda.services.ministry import commands
from jouda.services.ministry.metrics import MinistryGauges
from jouda.shared.clock import local_today
from jouda.shared.consumer import checked, event_batch_handler
from jouda.shared.nameko_ext import EntrypointMetrics, UnitOfWorkProvider, for_each_council
from jouda.shared.rpc import rpc
from jouda.shared.unit_of_work import EVERY_COUNCIL, PLATFORM

log = logging.getLogger(__name__)

TIMER_SECONDS = 3600


def _projection(source, event_type, consumer):
    """A batch handler of the read model: one transaction per council's share of a batch."""

    def handle(self, events):
        with self.uow.for_events([checked(event) for event in events]) as uow:
            commands.apply_events(uow)

    handle.__name__ = consumer.split(".", 1)[1]
    return event_batch_handler(source, event_type, consumer=consumer)(handle)


class MinistryService:
    name = "ministry"

    uow = UnitOfWorkProvider()
    entrypoint_metrics = EntrypointMetrics()
    gauges = MinistryGauges()

    # --- the catalogue and the views (no council: the ministry's own scope) ------------------------
    @rpc
    def catalogue(self):
        with self.uow(PLATFORM) as uow:
            return commands.catalogue(uow)

    @rpc
    def add_catalogue_entry(self, data):
        with self.uow(PLATFORM) as uow:
            return commands.add_catalogue_entry(uow, data)

    @rpc
    def overview(self):
        with self.uow(PLATFORM) as uow:
            return commands.overview(uow)

    @rpc
    def national_indicator(self, code):
        with self.uow(PLATFORM) as uow:
            return commands.national_indicator(uow, code)

    @rpc
    def audits(self, year=None):
        with self.uow(PLATFORM) as uow:
            return commands.audits(uow, year)

    @rpc
    def clauses(self):
        with self.uow(PLATFORM) as uow:
            return commands.clauses(uow)

    # --- the read model, one handler per event type it reads (projections/) ----------------------
    on_tenant_created = _projection("gateway", "gateway.tenant_created", "ministry.on_tenant_created")
    on_tenant_snapshot = _projection("gateway", "gateway.tenant_snapshot", "ministry.on_tenant_snapshot")
    on_tenant_updated = _projection("gateway", "gateway.tenant_updated", "ministry.on_tenant_updated")
    on_policy_published = _projection("policy", "policy.published", "ministry.on_policy_published")
    on_policy_acknowledged = _projection("policy", "policy.acknowledged", "ministry.on_policy_acknowledged")
    on_policy_snapshot = _projection("policy", "policy.snapshot", "ministry.on_policy_snapshot")
    on_objective_created = _projection("objectives", "objective.created", "ministry.on_objective_created")
    on_objective_updated = _projection("objectives", "objective.updated", "ministry.on_objective_updated")
    on_objective_snapshot = _projection("objectives", "objective.snapshot", "ministry.on_objective_snapshot")
    on_status_changed = _projection("objectives", "objective.status_changed", "ministry.on_status_changed")
    on_measurement_recorded = _projection(
        "objectives", "indicator.measurement_recorded", "ministry.on_measurement_recorded"
    )
    on_reporting_settings = _projection("objectives", "reporting.settings_changed", "ministry.on_reporting_settings")
    on_audit_planned = _projection("audits", "audit.planned", "ministry.on_audit_planned")
    on_audit_updated = _projection("audits", "audit.updated", "ministry.on_audit_updated")
    on_audit_prepared = _projection("audits", "audit.prepared", "ministry.on_audit_prepared")
    on_audit_started = _projection("audits", "audit.started", "ministry.on_audit_started")
    on_audit_reported = _projection("audits", "audit.reported", "ministry.on_audit_reported")
    on_audit_closed = _projection("audits", "audit.closed", "ministry.on_audit_closed")
    on_audit_cancelled = _projection("audits", "audit.cancelled", "ministry.on_audit_cancelled")
    on_audit_snapshot = _projection("audits", "audit.snapshot", "ministry.on_audit_snapshot")
    on_nonconformity_opened = _projection("audits", "nonconformity.opened", "ministry.on_nonconformity_opened")
    on_nonconformity_status_changed = _projection(
        "audits", "nonconformity.status_changed", "ministry.on_nonconformity_status_changed"
    )
    on_nonconformity_closed = _projection("audits", "nonconformity.closed", "ministry.on_nonconformity_closed")
    on_nonconformity_snapshot = _projection("audits", "nonconformity.snapshot", "ministry.on_nonconformity_snapshot")

    # --- periods fall due as days pass: completeness brought up to today, council by council -----
    @timer(interval=TIMER_SECONDS, eager=True)
    def refresh_completeness(self):
        today = local_today()
        with self.uow(EVERY_COUNCIL) as uow:
            councils = commands.stale_councils(uow, today)
        for tenant_id in councils:
            with for_each_council(tenant_id, "completeness"), self.uow(EVERY_COUNCIL) as uow:
                commands.refresh_completeness(uow, tenant_id, today)
