"""The ministry's national read model and catalogue, as plain Python: one position per council,
objective, indicator, audit and nonconformity, built only from events, never by reading another
service's data, and holding no personal data (no names of people, no e-mails, no user ids, no
titles or free text); the national indicators councils map theirs to. No Nameko, no SQLAlchemy session, no I/O here.

Events can arrive out of order (one may wait in a retry queue while a later one is applied), so
each position keeps the time of the event it reflects and an older event never overwrites it."""

from jouda.shared.errors import Conflict, NotFound, ValidationFailed
from jouda.shared.periods import DEFAULT_GRACE_DAYS
from jouda.shared.vocabulary import ACTIVE, CLOSED, MINISTRY, NO_DATA, OBJECTIVE_BUCKETS, REJECTED

KEEPERS = frozenset({MINISTRY})  # who keeps the catalogue and reads the national views
KEPT_PERIODS = 36  # periods with a value kept per indicator: three years of monthly reports
OBJECTIVE_COLUMNS = OBJECTIVE_BUCKETS
SETTLED = (CLOSED, REJECTED)  # a nonconformity in any other state is open
RECURRENCE_DAYS = 365  # recurrences are counted over the last twelve months
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years the audit figures can be asked for


class CatalogueCodeExists(Conflict):
    code = "catalogue_code_exists"


class IndicatorNotFound(NotFound):
    code = "indicator_not_found"


def audit_year(year, today):
    """The year the audit figures are asked for: this year (Morocco's) unless one is given."""
    if year is None:
        return today.year
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(
            "Some query parameters are invalid.", {"year": [f"A whole number from {FIRST_YEAR} to {LAST_YEAR}."]}
        )
    return year


class CatalogueIndicator:
    """A national indicator that councils map theirs to (not tenant-owned)."""

    def __init__(self, code, name_fr, name_ar, unit, direction, created_by, now):
        self.code, self.name_fr, self.name_ar = code, name_fr, name_ar
        self.unit, self.direction = unit, direction
        self.created_by, self.created_at = created_by, now


class CouncilPosition:
    def __init__(self, tenant_id):
        self.tenant_id = tenant_id
        self.name = None
        self.policy_version = self.policy_published_at = None
        self.acknowledgements = self.active_users = self.acknowledgement_rate = self.acknowledged_at = None
        self.reported_periods = self.due_periods = 0
        self.grace_days = DEFAULT_GRACE_DAYS
        self.completeness_as_of = None


class ObjectivePosition:
    """`as_of` dates its state and orientation (objective.created/updated); `status_as_of` its
    status, which objective.status_changed also carries."""

    def __init__(self, objective_id, tenant_id):
        self.objective_id, self.tenant_id = objective_id, tenant_id
        self.state = ACTIVE  # how every objective starts, until its own event says otherwise
        self.orientation_code = None
        self.as_of = self.status_as_of = None


class IndicatorPosition:
    def __init__(self, indicator_id, tenant_id):
        self.indicator_id, self.tenant_id, self.as_of = indicator_id, tenant_id, None
        self.active = None  # known from the objective's state
        self.reported_periods = []
        self.latest_period = self.latest_value = self.trend = None
        self.status = NO_DATA


class AuditPosition:
    """An audit as its newest event shows it: when, which kind, in a programme or not, how far it went.
    No title, reference or person: figures only."""

    def __init__(self, audit_id, tenant_id):
        self.audit_id, self.tenant_id, self.as_of = audit_id, tenant_id, None
        self.year = self.type = self.state = None
        self.in_programme = False


class NonconformityPosition:
    """A nonconformity as its newest event shows it: its clause, severity, state, dates and checks.
    No title, reference or person: figures only."""

    def __init__(self, nonconformity_id, tenant_id):
        self.nonconformity_id, self.tenant_id, self.as_of = nonconformity_id, tenant_id, None
        self.clause = self.severity = self.source = self.state = None
        self.opened_at = self.closed_at = None
        self.recurrence = False
        self.verifications = 0
        self.first_time_effective = None


INDICATOR_DEFINITION = (
    "catalogue_code",
    "unit",
    "direction",
    "frequency",
    "start_period",
    "baseline",
    "target",
    "status",
    "latest_period",
    "latest_value",
    "trend",
)


def take(position, snapshot, *, active, at):
    """The indicator as a snapshot shows it: its definition and where it stands."""
    for name in INDICATOR_DEFINITION:
        setattr(position, name, snapshot[name])
    position.active = active
    position.as_of = at


def take_audit(position, payload, *, at):
    """The audit as an event shows it (an audit.* event carries the whole audit as it stands)."""
    position.year, position.type, position.state = payload["year"], payload["type"], payload["state"]
    position.in_programme = payload["programme_id"] is not None
    position.as_of = at


def take_nonconformity(position, payload, *, opened_at, closed_at, at):
    """The nonconformity as an event shows it (a nonconformity.* event carries it whole)."""
    for name in ("clause", "severity", "source", "state", "verifications", "first_time_effective"):
        setattr(position, name, payload[name])
    position.opened_at, position.closed_at = opened_at, closed_at
    position.recurrence = payload["recurrence_of"] is not None
    position.as_of = at


def reported(position, periods):
    """Periods with a value: a set, so the order of arrival does not matter, and only the recent
    ones (completeness looks back a year): the list stays short."""
    position.reported_periods = sorted({*position.reported_periods, *periods})[-KEPT_PERIODS:]
