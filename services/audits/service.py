"""The audits service: thin Nameko entrypoints over commands.py (processes, programmes, audits,
checklists, reports), treatment.py (nonconformities and actions) and dashboard.py."""

from jouda.services.audits import commands, dashboard, report_page, treatment
from jouda.services.audits.metrics import AuditsGauges
from jouda.services.audits.models import StaffMember
from jouda.shared.consumer import checked, event_handler
from jouda.shared.nameko_ext import EntrypointMetrics, UnitOfWorkProvider
from jouda.shared.rpc import rpc
from jouda.shared.staff import StaffDirectory


class AuditsService(StaffDirectory):
    name = "audits"
    staff_class = StaffMember

    uow = UnitOfWorkProvider()
    entrypoint_metrics = EntrypointMetrics()
    gauges = AuditsGauges()

    # --- processes ----------------------------------------------------------------------------------
    @rpc
    def create_process(self, data):
        with self.uow() as uow:
            return commands.create_process(uow, data)

    @rpc
    def update_process(self, process_id, data):
        with self.uow() as uow:
            return commands.update_process(uow, process_id, data)

    @rpc
    def get_process(self, process_id):
        with self.uow() as uow:
            return commands.get_process(uow, process_id)

    @rpc
    def list_processes(self, type_=None, include_retired=False, limit=50, offset=0):
        with self.uow() as uow:
            return commands.list_processes(uow, type_, None if include_retired else True, limit, offset)

    @rpc
    def iso_clauses(self):
        with self.uow() as uow:
            return commands.iso_clauses(uow)

    # --- the programme --------------------------------------------------------------------------------
    @rpc
    def create_programme(self, data):
        with self.uow() as uow:
            return commands.create_programme(uow, data)

    @rpc
    def list_programmes(self):
        with self.uow() as uow:
            return commands.list_programmes(uow)

    @rpc
    def get_programme(self, programme_id):
        with self.uow() as uow:
            return commands.get_programme(uow, programme_id)

    @rpc
    def programme_transition(self, programme_id, action, data=None):
        with self.uow() as uow:
            return commands.programme_transition(uow, programme_id, action, data)

    # --- audits, checklists, reports -----------------------------------------------------------------
    @rpc
    def plan_audit(self, data):
        with self.uow() as uow:
            return commands.plan_audit(uow, data)

    @rpc
    def update_audit(self, audit_id, data):
        with self.uow() as uow:
            return commands.update_audit(uow, audit_id, data)

    @rpc
    def get_audit(self, audit_id):
        with self.uow() as uow:
            return commands.get_audit(uow, audit_id)

    @rpc
    def list_audits(self, state=None, year=None, programme_id=None, mine=False, limit=50, offset=0):
        with self.uow() as uow:
            return commands.list_audits(uow, state, year, programme_id, mine, limit, offset)

    @rpc
    def audit_transition(self, audit_id, action, data=None):
        with self.uow() as uow:
            return commands.audit_transition(uow, audit_id, action, data)

    @rpc
    def get_checklist(self, audit_id):
        with self.uow() as uow:
            return commands.get_checklist(uow, audit_id)

    @rpc
    def save_checklist(self, audit_id, data):
        with self.uow() as uow:
            return commands.save_checklist(uow, audit_id, data)

    @rpc
    def start_checklist_from(self, audit_id, data):
        with self.uow() as uow:
            return commands.start_checklist_from(uow, audit_id, data)

    @rpc
    def remove_checklist_line(self, audit_id, line_id):
        with self.uow() as uow:
            return commands.remove_checklist_line(uow, audit_id, line_id)

    @rpc
    def write_report(self, audit_id, data):
        with self.uow() as uow:
            return commands.write_report(uow, audit_id, data)

    @rpc
    def report(self, audit_id, language="fr"):
        with self.uow() as uow:
            return commands.report(uow, audit_id, language or "fr")

    @rpc
    def report_document(self, audit_id, language="fr"):
        with self.uow() as uow:
            return report_page.render(commands.report(uow, audit_id, language or "fr"))

    @rpc
    def audit_settings(self):
        with self.uow() as uow:
            return commands.audit_settings(uow)

    @rpc
    def set_audit_settings(self, data):
        with self.uow() as uow:
            return commands.set_audit_settings(uow, data)

    # --- nonconformities and actions ------------------------------------------------------------------
    @rpc
    def open_nonconformity(self, data):
        with self.uow() as uow:
            return treatment.open_nonconformity(uow, data)

    @rpc
    def get_nonconformity(self, nonconformity_id):
        with self.uow() as uow:
            return treatment.get_nonconformity(uow, nonconformity_id)

    @rpc
    def list_nonconformities(self, state=None, severity=None, process_id=None, limit=50, offset=0):
        with self.uow() as uow:
            return treatment.list_nonconformities(uow, state, severity, process_id, limit, offset)

    @rpc
    def nonconformity_transition(self, nonconformity_id, action, data=None):
        with self.uow() as uow:
            return treatment.nonconformity_transition(uow, nonconformity_id, action, data)

    @rpc
    def add_action(self, nonconformity_id, data):
        with self.uow() as uow:
            return treatment.add_action(uow, nonconformity_id, data)

    @rpc
    def list_actions(self, state=None, mine=False, limit=50, offset=0):
        with self.uow() as uow:
            return treatment.list_actions(uow, state, mine, limit, offset)

    @rpc
    def action_transition(self, action_id, step, data=None):
        with self.uow() as uow:
            return treatment.action_transition(uow, action_id, step, data)

    @rpc
    def register(self):
        with self.uow() as uow:
            return treatment.register(uow)

    @rpc
    def action_plan(self):
        with self.uow() as uow:
            return treatment.action_plan(uow)

    @rpc
    def dismiss_suggestion(self, suggestion_id):
        with self.uow() as uow:
            return treatment.dismiss_suggestion(uow, suggestion_id)

    @rpc
    def suggestions(self):
        with self.uow() as uow:
            return treatment.suggestions(uow)

    @rpc
    def dashboard(self, year=None):
        with self.uow() as uow:
            return dashboard.dashboard(uow, year)

    # --- what the objectives service announces -----------------------------------------------------
    @event_handler("objectives", "objective.created", consumer="audits.on_objective_created")
    def on_objective_created(self, event):
        with self.uow.for_event(checked(event)) as uow:
            treatment.apply_indicators(uow, event)

    @event_handler("objectives", "objective.updated", consumer="audits.on_objective_updated")
    def on_objective_updated(self, event):
        with self.uow.for_event(checked(event)) as uow:
            treatment.apply_indicators(uow, event)

    @event_handler("objectives", "objective.snapshot", consumer="audits.on_objective_snapshot")
    def on_objective_snapshot(self, event):
        with self.uow.for_event(checked(event)) as uow:
            treatment.apply_indicators(uow, event)

    @event_handler("objectives", "indicator.measurement_recorded", consumer="audits.on_measurement_recorded")
    def on_measurement_recorded(self, event):
        with self.uow.for_event(checked(event)) as uow:
            treatment.apply_indicators(uow, event)

    @event_handler("objectives", "objective.status_changed", consumer="audits.on_objective_status")
    def on_objective_status(self, event):
        with self.uow.for_event(checked(event)) as uow:
            treatment.apply_objective_status(uow, event)
