"""The words the services share: in event contracts, in each other's rules, in the API.

Defined once, here; each service's domain names its own rules with them."""

# --- people -----------------------------------------------------------------------------------------
QUALITY_MANAGER, DIRECTOR, PROCESS_OWNER, AUDITOR, STAFF = (
    "quality_manager",
    "director",
    "process_owner",
    "auditor",
    "staff",
)
MINISTRY, ADMIN = "ministry", "admin"
COUNCIL_ROLES = (QUALITY_MANAGER, DIRECTOR, PROCESS_OWNER, AUDITOR, STAFF)  # they belong to a council
PLATFORM_ROLES = (MINISTRY, ADMIN)  # they belong to no council
ROLES = COUNCIL_ROLES + PLATFORM_ROLES
LANGUAGES = ("fr", "ar")  # French by default; Arabic is written right to left

# --- the quality policy -------------------------------------------------------------------------------
DRAFT, IN_REVIEW, APPROVED, PUBLISHED, SUPERSEDED = "draft", "in_review", "approved", "published", "superseded"
POLICY_STATUSES = (DRAFT, IN_REVIEW, APPROVED, PUBLISHED, SUPERSEDED)

# --- objectives and indicators --------------------------------------------------------------------------
ACTIVE, ACHIEVED, ABANDONED = "active", "achieved", "abandoned"
OBJECTIVE_STATES = (ACTIVE, ACHIEVED, ABANDONED)
ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA = "on_track", "at_risk", "off_track", "no_data"
INDICATOR_STATUSES = (ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA)
OBJECTIVE_STATUSES = INDICATOR_STATUSES + (ACHIEVED,)
OBJECTIVE_BUCKETS = OBJECTIVE_STATUSES + (
    ABANDONED,
)  # where an objective is counted: a declared state outranks its status
INCREASE, DECREASE = "increase", "decrease"
DIRECTIONS = (INCREASE, DECREASE)
MONTHLY, QUARTERLY, SEMIANNUAL, ANNUAL = "monthly", "quarterly", "semiannual", "annual"
FREQUENCIES = (MONTHLY, QUARTERLY, SEMIANNUAL, ANNUAL)
IMPROVING, WORSENING, STABLE = "improving", "worsening", "stable"
TRENDS = (IMPROVING, WORSENING, STABLE)
PERIOD_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|S[12]))?$"  # 2026-03, 2026-Q1, 2026-S1, 2026
CATALOGUE_CODE_PATTERN = r"^[A-Z][A-Z0-9_]{1,39}$"  # a national indicator's code: SATISFACTION, PROCESSING_DAYS

# --- processes, audits, nonconformities and actions (the audits service) -------------------------------
MANAGEMENT, OPERATIONAL, SUPPORT = "management", "operational", "support"
PROCESS_TYPES = (MANAGEMENT, OPERATIONAL, SUPPORT)
AUDIT_TYPES = ("internal", "certification", "surveillance", "supplier")
PLANNED, PREPARED, IN_PROGRESS, REPORTED, CLOSED, CANCELLED = (
    "planned",
    "prepared",
    "in_progress",
    "reported",
    "closed",
    "cancelled",
)
AUDIT_STATES = (PLANNED, PREPARED, IN_PROGRESS, REPORTED, CLOSED, CANCELLED)
MAJOR, MINOR = "major", "minor"
SEVERITIES = (MAJOR, MINOR)
OPEN, CONTAINED, ANALYSED, ACTION_PLANNED, IMPLEMENTED, EFFECTIVENESS_CHECK, REJECTED = (
    "open",
    "contained",
    "analysed",
    "action_planned",
    "implemented",
    "effectiveness_check",
    "rejected",
)
NONCONFORMITY_STATES = (OPEN, CONTAINED, ANALYSED, ACTION_PLANNED, IMPLEMENTED, EFFECTIVENESS_CHECK, CLOSED, REJECTED)
NONCONFORMITY_SOURCES = (
    "internal_audit",
    "external_audit",
    "citizen_complaint",
    "objective",
    "management_review",
    "staff_report",
)
ACTION_TYPES = ("correction", "corrective", "preventive", "improvement")
DONE = "done"
ACTION_STATES = (OPEN, IN_PROGRESS, DONE, CANCELLED)
CLAUSE_PATTERN = r"^(4|5|6|7|8|9|10)(\.\d{1,2}){1,3}$"  # an ISO 9001:2015 clause: 4.4, 7.1.5.1, 10.2
