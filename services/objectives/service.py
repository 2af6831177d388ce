"""The objectives service: thin Nameko entrypoints over services/objectives/commands.py."""
import json
import logging

from nameko.timer import timer

from jouda.services.objectives import commands
from jouda.services.objectives.metrics import ObjectivesGauges
from jouda.services.objectives.models import StaffMember
from jouda.shared.clock import local_today
from jouda.shared.consumer import checked, event_batch_handler, event_handler
from jouda.shared.nameko_ext import EntrypointMetrics, UnitOfWorkProvider, for_each_council
from jouda.shared.rpc import rpc
from jouda.shared.staff import StaffDirectory

log = logging.getLogger(__name__)

TIMER_SECONDS = 3600


class ObjectivesService(StaffDirectory):
    name = "objectives"
    staff_class = StaffMember

    uow = UnitOfWorkProvider()
    entrypoint_metrics = EntrypointMetrics()
    gauges = ObjectivesGauges()

    # --- objectives, indicators, measurements -------------------------------------------------
    @rpc
    def create_objective(self, data):
        with self.uow() as uow:
            return commands.create_objective(uow, data)

    @rpc
    def update_objective(self, objective_id, data):
        with self.uow() as uow:
            return commands.update_objective(uow, objective_id, data)

    @rpc
    def get_objective(self, objective_id):
        with self.uow() as uow:
            return commands.get_objective(uow, objective_id)

    @rpc
    def list_objectives(self, orientation=None, state=None, status=None, limit=50, offset=0):
        with self.uow() as uow:
            return commands.list_objectives(uow, orientation, state, status, limit, offset)

    @rpc
    def add_indicator(self, objective_id, data):
        with self.uow() as uow:
            return commands.add_indicator(uow, objective_id, data)

    @rpc
    def get_indicator(self, indicator_id):
        with self.uow() as uow:
            return commands.get_indicator(uow, indicator_id)

    @rpc
    def record_measurement(self, indicator_id, data):
        with self.uow() as uow:
            return commands.record_measurement(uow, indicator_id, data)

    @rpc
    def list_measurements(self, indicator_id, limit=50, offset=0):
        with self.uow() as uow:
            return commands.list_measurements(uow, indicator_id, limit, offset)

    @rpc
    def dashboard(self):
        with self.uow() as uow:
            return commands.dashboard(uow)

    @rpc
    def reporting_settings(self):
        with self.uow() as uow:
            return commands.reporting_settings(uow)

    @rpc
    def set_reporting_settings(self, data):
        with self.uow() as uow:
            return commands.set_reporting_settings(uow, data)

    # --- the national catalogue and the ministry's views (no tenant) ---------------------------
    @rpc
    def catalogue(self):
        with self.uow.platform() as uow:
            return commands.catalogue(uow)

    @rpc
    def add_catalogue_entry(self, data):
        with self.uow.platform() as uow:
            return commands.add_catalogue_entry(uow, data)

    # The ministry's views cover every council: they leave as JSON text, encoded once here and
    # passed through by the gateway, rather than encoded and decoded again at each hop.
    @rpc
    def ministry_overview(self):
        with self.uow.platform() as uow:
            return json.dumps(commands.ministry_overview(uow), ensure_ascii=False)

    @rpc
    def ministry_indicator(self, code):
        with self.uow.platform() as uow:
            return json.dumps(commands.ministry_indicator(uow, code), ensure_ascii=False)

    # --- events received ------------------------------------------------------------------------
    @event_handler("policy", "policy.published")
    def on_policy_published(self, event):
        with self.uow.for_event(checked(event)) as uow:
            commands.apply_policy_published(uow, event)

    # The ministry's read model: one transaction per tenant's share of a batch.
    @event_batch_handler("gateway", "gateway.tenant_created")
    def on_tenant_created(self, events):
        self._project(events)

    @event_batch_handler("policy", "policy.acknowledged")
    def on_policy_acknowledged(self, events):
        self._project(events)

    @event_batch_handler("objectives", "objective.created")
    def on_objective_created(self, events):
        self._project(events)

    @event_batch_handler("objectives", "objective.updated")
    def on_objective_updated(self, events):
        self._project(events)

    @event_batch_handler("objectives", "objective.status_changed")
    def on_objective_status_changed(self, events):
        self._project(events)

    @event_batch_handler("objectives", "indicator.measurement_recorded")
    def on_measurement_recorded(self, events):
        self._project(events)

    def _project(self, events):
        with self.uow.for_events([checked(event) for event in events]) as uow:
            commands.apply_to_read_model(uow)

    # --- timers (every tenant) ------------------------------------------------------------------
    @timer(interval=TIMER_SECONDS, eager=True)
    def notice_missing_measurements(self):
        today = local_today()
        with self.uow.all_tenants() as uow:
            councils = commands.councils_with_active_indicators(uow)
        found = 0
        for tenant_id in councils:
            with for_each_council(tenant_id, "missing measurements"), self.uow.system(tenant_id) as uow:
                found += commands.notice_missing_measurements(uow, today)
        if found:
            log.info("%d measurement(s) found missing", found)

    @timer(interval=TIMER_SECONDS, eager=True)
    def refresh_completeness(self):
        today = local_today()
        with self.uow.all_tenants() as uow:
            councils = commands.councils_with_stale_completeness(uow, today)
        for tenant_id in councils:
            with for_each_council(tenant_id, "completeness"), self.uow.all_tenants() as uow:  # read model: not tenant-owned
                commands.refresh_completeness(uow, tenant_id, today)
