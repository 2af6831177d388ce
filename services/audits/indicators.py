"""What the audits service keeps of the objectives service's events: each indicator's last announced
status (an effectiveness check may rest on it) and the objectives gone off track, offered to the
quality manager as possible nonconformities (never raised automatically)."""

from jouda.services.audits.domain import new_id
from jouda.shared.clock import not_older
from jouda.shared.tenancy import TenantOwned
from jouda.shared.vocabulary import OFF_TRACK


class IndicatorStatus(TenantOwned):
    def __init__(self, tenant_id, indicator_id, objective_id, name, status, as_of):
        self.tenant_id, self.indicator_id, self.objective_id = tenant_id, indicator_id, objective_id
        self.name, self.status, self.as_of = name, status, as_of


class NonconformitySuggestion(TenantOwned):
    def __init__(self, tenant_id, objective_id, title, status, at):
        self.id = new_id()
        self.tenant_id, self.objective_id, self.title, self.status = tenant_id, objective_id, title, status
        self.suggested_at = at
        self.nonconformity_id = None
        self.dismissed = False


def take_status(found, snapshot, at):
    """The indicator's status from an indicator snapshot of an event at `at`, unless `found` holds a
    newer one (events may arrive out of order)."""
    if not_older(at, found.as_of):
        found.name, found.status, found.as_of = snapshot["name"], snapshot["status"], at


def suggestion_for(tenant_id, payload, pending, at):
    """An objective gone off track, offered once while an earlier offer for it is still pending."""
    if payload["new_status"] != OFF_TRACK or pending is not None:
        return None
    return NonconformitySuggestion(tenant_id, str(payload["objective_id"]), payload["title"], payload["new_status"], at)
