"""The quality policy (ISO 9001:2015 §5.2) as plain Python.

A tenant's policy has versions; each version moves through one guard table:

    draft --submit--> in_review --approve--> approved --publish--> published --(next publish)--> superseded
                      in_review --request_changes (comment required)--> draft

Every move is kept as a Transition (actor, role, time, comment): the audit trail of §7.5.
No Nameko, no SQLAlchemy session, no I/O here.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from jouda.shared.errors import Conflict, NotFound, ValidationFailed, require_role
from jouda.shared.tenancy import TenantOwned

DRAFT, IN_REVIEW, APPROVED, PUBLISHED, SUPERSEDED = ("draft", "in_review", "approved", "published", "superseded")
STATUSES = (DRAFT, IN_REVIEW, APPROVED, PUBLISHED, SUPERSEDED)
OPEN_STATUSES = (DRAFT, IN_REVIEW, APPROVED)  # at most one open version per policy
REVIEW_NOTICE_DAYS = 30

QUALITY_MANAGER, DIRECTOR = "quality_manager", "director"
EDITORS = frozenset({QUALITY_MANAGER})
# Roles that see versions still being written or reviewed; the others see what was published.
DRAFT_READERS = frozenset({QUALITY_MANAGER, DIRECTOR, "auditor"})


@dataclass(frozen=True)
class Guard:
    source: str
    target: str
    roles: frozenset
    event_type: str
    comment_required: bool = False


GUARDS = {
    "submit": Guard(DRAFT, IN_REVIEW, EDITORS, "policy.submitted"),
    "approve": Guard(IN_REVIEW, APPROVED, frozenset({DIRECTOR}), "policy.approved"),
    "request_changes": Guard(
        IN_REVIEW, DRAFT, frozenset({DIRECTOR}), "policy.changes_requested", comment_required=True
    ),
    "publish": Guard(APPROVED, PUBLISHED, EDITORS, "policy.published"),
}
SUPERSEDE = Guard(PUBLISHED, SUPERSEDED, frozenset(), "policy.superseded")


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"


class OpenVersionExists(Conflict):
    code = "open_version_exists"


class PolicyExists(Conflict):
    code = "policy_exists"


class AlreadyAcknowledged(Conflict):
    code = "already_acknowledged"


class PolicyNotFound(NotFound):
    code = "policy_not_found"


def _new_id():
    return str(uuid.uuid4())


class Policy(TenantOwned):
    def __init__(self, tenant_id, created_by, created_at):
        self.id = _new_id()
        self.tenant_id = tenant_id
        self.created_by = created_by
        self.created_at = created_at


class PolicyVersion(TenantOwned):
    CONTENT_FIELDS = (
        "title",
        "body",
        "language",
        "orientations",
        "commitments",
        "signatory",
        "effective_date",
        "next_review_date",
    )

    def __init__(self, policy_id, tenant_id, number, content, created_by, created_at):
        self.id = _new_id()
        self.policy_id = policy_id
        self.tenant_id = tenant_id
        self.number = number
        self.status = DRAFT
        self.title = content["title"]
        self.body = content.get("body", "")
        self.language = content.get("language", "fr")
        self.orientations = [dict(o) for o in content.get("orientations", [])]
        self.commitments = list(content.get("commitments", []))
        self.signatory = content.get("signatory")
        self.effective_date = content.get("effective_date")
        self.next_review_date = content.get("next_review_date")
        self.published_at = None
        self.review_notice_sent_on = None
        self.created_by = created_by
        self.created_at = created_at
        self.updated_at = created_at

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    def content(self):
        return {name: getattr(self, name) for name in self.CONTENT_FIELDS}


class Transition(TenantOwned):
    def __init__(self, version, action, source, target, actor, role, at, comment=None):
        self.id = _new_id()
        self.tenant_id = version.tenant_id
        self.version_id = version.id
        self.action = action
        self.from_status = source
        self.to_status = target
        self.actor = actor
        self.role = role
        self.comment = comment
        self.at = at


class Acknowledgement(TenantOwned):
    def __init__(self, version, user_id, at):
        self.id = _new_id()
        self.tenant_id = version.tenant_id
        self.version_id = version.id
        self.user_id = user_id
        self.acknowledged_at = at


# --- rules --------------------------------------------------------------------------------------


def draft_policy(tenant_id, content, actor, role, now: datetime, existing=None):
    """A new policy and its first version, as a draft. A council has one quality policy:
    once it exists, it changes through revisions."""
    require_role(role, EDITORS, "write a quality policy")
    if existing is not None:
        raise PolicyExists(
            "This council already has a quality policy; start a revision of one of its "
            "versions (POST /api/v1/policies/{id}/revisions) instead.",
            {"policy_id": existing.id},
        )
    policy = Policy(tenant_id, actor, now)
    version = PolicyVersion(policy.id, tenant_id, 1, content, actor, now)
    return policy, version, Transition(version, "create", None, DRAFT, actor, role, now)


def edit_draft(version, changes, role, now: datetime):
    require_role(role, EDITORS, "edit a quality policy")
    if version.status != DRAFT:
        raise TransitionNotAllowed(
            f"Version {version.number} is {version.status}; only a draft can be edited.", {"status": version.status}
        )
    for name, value in changes.items():
        if name not in PolicyVersion.CONTENT_FIELDS:
            raise ValidationFailed(f"{name} cannot be changed.", {name: ["Unknown field."]})
        setattr(version, name, value)
    version.updated_at = now


def apply_transition(version, action, actor, role, now: datetime, comment=None):
    guard = GUARDS.get(action)
    if guard is None:
        raise ValidationFailed(f"Unknown action {action!r}.", {"action": sorted(GUARDS)})
    require_role(role, guard.roles, f"{action.replace('_', ' ')} a policy")
    if version.status != guard.source:
        raise TransitionNotAllowed(
            f"Cannot {action.replace('_', ' ')} version {version.number}: it is {version.status}, "
            f"and this step needs it {guard.source}.",
            {"status": version.status, "required_status": guard.source},
        )
    comment = (comment or "").strip() or None
    if guard.comment_required and not comment:
        raise ValidationFailed(
            "Say what must change: a comment is required.", {"comment": ["Required when requesting changes."]}
        )
    return _move(version, guard, action, actor, role, now, comment)


def _move(version, guard, action, actor, role, now, comment):
    source = version.status
    version.status = guard.target
    version.updated_at = now
    return Transition(version, action, source, guard.target, actor, role, now, comment)


def publish(version, currently_published, actor, role, now: datetime, comment=None):
    """Publish an approved version; the version it replaces becomes superseded.

    Returns the transitions in order (the superseding one last)."""
    transition = apply_transition(version, "publish", actor, role, now, comment)
    version.published_at = now
    if version.next_review_date is None:
        version.next_review_date = one_year_after(now.date())
    moves = [transition]
    if currently_published is not None and currently_published.id != version.id:
        moves.append(
            _move(
                currently_published, SUPERSEDE, "supersede", actor, role, now, f"Superseded by version {version.number}"
            )
        )
    return moves


def start_revision(source, open_version, number, actor, role, now: datetime):
    """A new draft version of the same policy, starting from `source`'s content."""
    require_role(role, EDITORS, "revise a quality policy")
    if open_version is not None:
        raise OpenVersionExists(
            f"Version {open_version.number} of this policy is still {open_version.status}; "
            "finish or publish it before starting another revision.",
            {"open_version_id": open_version.id, "status": open_version.status},
        )
    content = source.content()
    content["next_review_date"] = None  # set again when the revision is published
    version = PolicyVersion(source.policy_id, source.tenant_id, number, content, actor, now)
    return version, Transition(version, "revise", None, DRAFT, actor, role, now, f"Revision of version {source.number}")


def acknowledge(version, user_id, already, now: datetime):
    if version.status != PUBLISHED:
        raise TransitionNotAllowed(
            f"Version {version.number} is {version.status}; only the published policy can be acknowledged.",
            {"status": version.status},
        )
    if already:
        raise AlreadyAcknowledged("You have already acknowledged this version of the policy.")
    return Acknowledgement(version, user_id, now)


def acknowledgement_rate(acknowledgements: int, active_users: int) -> float:
    """Share of the tenant's active users who acknowledged; 0 when nobody is active."""
    if active_users <= 0:
        return 0.0
    return round(min(1.0, acknowledgements / active_users), 4)


def can_read(version, role) -> bool:
    return role in DRAFT_READERS or version.status in (PUBLISHED, SUPERSEDED)


def readable_statuses(role):
    return STATUSES if role in DRAFT_READERS else (PUBLISHED, SUPERSEDED)


def one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def review_notice_due(version, today: date, notice_days=REVIEW_NOTICE_DAYS) -> bool:
    """Once per version: published, review date within `notice_days`, no notice sent yet."""
    return (
        version.status == PUBLISHED
        and version.next_review_date is not None
        and version.review_notice_sent_on is None
        and (version.next_review_date - today).days <= notice_days
    )
