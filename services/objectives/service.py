"""The objectives service: thin Nameko entrypoints over services/objectives/commands.py."""

import logging

from nameko.timer import timer

from jouda.services.objectives import commands
from jouda.services.objectives.metrics import ObjectivesGauges
from jouda.services.objectives.models import StaffMember
from jouda.shared.clock import local_today
from jouda.shared.consumer import checked, event_handler
from jouda.shared.nameko_ext import EntrypointMetrics, UnitOfWorkProvider, for_each_council
from jouda.shared.rpc import rpc
from jouda.shared.staff import StaffDirectory
from jouda.shared.unit_of_work import EVERY_COUNCIL, Scope

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

    # --- events received ------------------------------------------------------------------------
    @event_handler("policy", "policy.published", consumer="objectives.on_policy_published")
    def on_policy_published(self, event):
        with self.uow.for_event(checked(event)) as uow:
            commands.apply_policy_published(uow, event)

    @event_handler("policy", "policy.snapshot", consumer="objectives.on_policy_snapshot")
    def on_policy_snapshot(self, event):
        with self.uow.for_event(checked(event)) as uow:
            commands.apply_policy_published(uow, event)

    @event_handler("ministry", "ministry.catalogue_entry_added", consumer="objectives.on_catalogue_entry")
    def on_catalogue_entry(self, event):
        with self.uow.for_event(checked(event)) as uow:
            commands.apply_catalogue_entry(uow, event)

    @event_handler("ministry", "ministry.catalogue_snapshot", consumer="objectives.on_catalogue_snapshot")
    def on_catalogue_snapshot(self, event):
        with self.uow.for_event(checked(event)) as uow:
            commands.apply_catalogue_entry(uow, event)

    # --- timers (every tenant) ------------------------------------------------------------------
    @timer(interval=TIMER_SECONDS, eager=True)
    def notice_missing_measurements(self):
        today = local_today()
        with self.uow(EVERY_COUNCIL) as uow:
            councils = commands.councils_with_active_indicators(uow)
        found = 0
        for tenant_id in councils:
            with for_each_council(tenant_id, "missing measurements"), self.uow(Scope.council(tenant_id)) as uow:
                found += commands.notice_missing_measurements(uow, today)
        if found:
            log.info("%d measurement(s) found missing", found)
