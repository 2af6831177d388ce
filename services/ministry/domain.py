"""The ministry's national read model and catalogue, as plain Python: one position per council,
objective and indicator, built only from events, never by reading another service's data, and
holding no personal data (no names of people, no e-mails, no user ids); the national indicators
councils map theirs to. No Nameko, no SQLAlchemy session, no I/O here.

Events can arrive out of order (one may wait in a retry queue while a later one is applied), so
each position keeps the time of the event it reflects and an older event never overwrites it."""

from jouda.shared.errors import Conflict, NotFound
from jouda.shared.periods import DEFAULT_GRACE_DAYS
from jouda.shared.vocabulary import ACTIVE, MINISTRY, NO_DATA, OBJECTIVE_BUCKETS

KEEPERS = frozenset({MINISTRY})  # who keeps the catalogue and reads the national views
KEPT_PERIODS = 36  # periods with a value kept per indicator: three years of monthly reports
OBJECTIVE_COLUMNS = OBJECTIVE_BUCKETS


class CatalogueCodeExists(Conflict):
    code = "catalogue_code_exists"


class IndicatorNotFound(NotFound):
    code = "indicator_not_found"


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


def reported(position, periods):
    """Periods with a value: a set, so the order of arrival does not matter, and only the recent
    ones (completeness looks back a year): the list stays short."""
    position.reported_periods = sorted({*position.reported_periods, *periods})[-KEPT_PERIODS:]
