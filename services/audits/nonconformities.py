"""Nonconformities and their actions (ISO 9001:2015 §10.2), as plain Python.

A nonconformity moves through one guard table (NONCONFORMITY_GUARDS):

    open --contain (immediate correction)--> contained --analyse (root cause, method)--> analysed
    open --analyse--> analysed                          (a minor one only: a major one is contained first)
    analysed --analyse--> analysed                      (the cause revised, after a failed check say)
    analysed --plan (at least one live action, each with owner and due date)--> action_planned
    action_planned --approve_plan (a major one's plan: quality manager or director)--> action_planned
    action_planned --implement (every live action done)--> implemented
    implemented --schedule_check (a date N days after the last action, a verifier who owned none)-->
        effectiveness_check --verify effective--> closed
                            --verify not effective--> analysed (a new cycle; the history stays)
    open | contained | analysed --reject (reason)--> rejected

An action moves through its own (ACTION_GUARDS): open -> in_progress -> done (with a note of what
was done), or cancelled with a reason. Every move is a Transition (domain.py).
No Nameko, no SQLAlchemy session, no I/O here."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from jouda.services.audits.domain import (
    DECIDERS,
    EDITORS,
    TenantOwned,
    Transition,
    TransitionNotAllowed,
    clean,
    guard_of,
    require_source,
    move,
    new_id,
)
from jouda.shared.clock import as_utc
from jouda.shared.errors import Conflict, NotFound, RoleNotAllowed, ValidationFailed
from jouda.services.audits.clauses import check_clauses
from jouda.shared.vocabulary import (
    ACTION_PLANNED,
    ANALYSED,
    CANCELLED,
    CLOSED,
    CONTAINED,
    DIRECTOR,
    DONE,
    EFFECTIVENESS_CHECK,
    IMPLEMENTED,
    IN_PROGRESS,
    MAJOR,
    ON_TRACK,
    OPEN,
    QUALITY_MANAGER,
    REJECTED,
)

RECURRENCE_WINDOW = timedelta(days=365)
FIVE_WHYS, CAUSE_CATEGORY = "five_whys", "cause_category"
ANALYSIS_METHODS = (FIVE_WHYS, CAUSE_CATEGORY)
# The usual families of causes (Ishikawa's "5M" and the environment), for a cause-category analysis.
CAUSE_CATEGORIES = ("people", "method", "equipment", "material", "measurement", "environment")
LIVE_ACTION_STATES = (OPEN, IN_PROGRESS, DONE)  # cancelled actions no longer count
STAFF_SOURCE = "staff_report"
# Who records a nonconformity from which source (None: any); everyone not listed reports as staff do.
SOURCES_BY_ROLE = {QUALITY_MANAGER: None, DIRECTOR: (STAFF_SOURCE, "management_review")}


@dataclass(frozen=True)
class Guard:
    sources: tuple
    target: str
    roles: frozenset
    process_owner_may: bool = False  # the owner of the nonconformity's process may take this step
    required: tuple = ()  # fields the step needs, in the body
    comment_required: bool = False
    only: dict = field(default_factory=dict)  # {source state: severity} a source admits only for that severity


NONCONFORMITY_GUARDS = {
    "contain": Guard((OPEN,), CONTAINED, EDITORS, process_owner_may=True, required=("containment",)),
    "analyse": Guard(
        (OPEN, CONTAINED, ANALYSED),
        ANALYSED,
        EDITORS,
        process_owner_may=True,
        required=("root_cause", "method"),
        only={OPEN: "minor"},
    ),
    "plan": Guard((ANALYSED,), ACTION_PLANNED, EDITORS, process_owner_may=True),
    "approve_plan": Guard((ACTION_PLANNED,), ACTION_PLANNED, DECIDERS),
    "implement": Guard((ACTION_PLANNED,), IMPLEMENTED, EDITORS, process_owner_may=True),
    # From effectiveness_check too: another date or verifier (one who left, a mistyped date).
    "schedule_check": Guard(
        (IMPLEMENTED, EFFECTIVENESS_CHECK), EFFECTIVENESS_CHECK, EDITORS, required=("check_due_on", "verifier_id")
    ),
    "verify": Guard((EFFECTIVENESS_CHECK,), CLOSED, EDITORS, required=("effective",)),  # or back to analysed
    "reject": Guard((OPEN, CONTAINED, ANALYSED), REJECTED, EDITORS, comment_required=True),
}
OPEN_STATES = (OPEN, CONTAINED, ANALYSED, ACTION_PLANNED, IMPLEMENTED, EFFECTIVENESS_CHECK)
ACTIONS_EDITABLE = (OPEN, CONTAINED, ANALYSED, ACTION_PLANNED)  # actions are added until implemented

ACTION_GUARDS = {
    "start": Guard((OPEN,), IN_PROGRESS, EDITORS),
    "complete": Guard((OPEN, IN_PROGRESS), DONE, EDITORS, required=("note",)),
    "cancel": Guard((OPEN, IN_PROGRESS), CANCELLED, EDITORS, comment_required=True),
}
OWNER_ACTIONS = ("start", "complete")  # what an action's owner may do with it


class NonconformityNotFound(NotFound):
    code = "nonconformity_not_found"


class SuggestionNotFound(NotFound):
    code = "suggestion_not_found"


class ActionNotFound(NotFound):
    code = "action_not_found"


class NotImpartialVerifier(Conflict):
    code = "verifier_owned_an_action"


class Nonconformity(TenantOwned):
    FIELDS = ("process_id", "clause", "severity", "title", "description", "evidence", "source", "source_ref")

    def __init__(self, tenant_id, reference, data, opened_by, now):
        self.id = new_id()
        self.tenant_id = tenant_id
        self.reference = reference
        for name in self.FIELDS:
            setattr(self, name, data.get(name))
        self.evidence = data.get("evidence") or ""
        self.audit_id = data.get("audit_id")
        self.line_id = data.get("line_id")
        self.state = OPEN
        self.containment = self.root_cause = self.analysis_method = self.cause_category = None
        self.whys = []
        self.plan_approved_by = self.plan_approved_at = None
        self.check_due_on = self.verifier_id = self.indicator_id = None
        self.verifications = 0
        self.first_time_effective = None
        self.recurrence_of = None
        self.reject_reason = None
        self.opened_by = opened_by
        self.opened_at = self.updated_at = now
        self.closed_at = None

    @property
    def is_open(self):
        return self.state in OPEN_STATES


class Action(TenantOwned):
    FIELDS = ("type", "title", "owner_id", "due_date")

    def __init__(self, nonconformity, data, created_by, now):
        self.id = new_id()
        self.tenant_id = nonconformity.tenant_id
        self.nonconformity_id = nonconformity.id
        for name in self.FIELDS:
            setattr(self, name, data.get(name))
        self.state = OPEN
        self.note = self.cancel_reason = None
        self.done_on = None
        self.cycle = nonconformity.verifications  # the analysis cycle it belongs to
        self.created_by = created_by
        self.created_at = self.updated_at = now

    @property
    def live(self):
        return self.state in LIVE_ACTION_STATES


# --- raising ----------------------------------------------------------------------------------------


def raise_nonconformity(tenant_id, reference, data, actor, role, now, *, process, earlier):
    """A new nonconformity; `earlier`: the council's nonconformities on the same process and clause,
    newest first. Returns it, linked to the one it repeats when it is a recurrence."""
    check_clauses([data["clause"]], field="clause")
    if process is None or not process.active:
        raise ValidationFailed(
            "Name an active process of this council.", {"process_id": ["An id of GET /api/v1/processes."]}
        )
    nonconformity = Nonconformity(tenant_id, reference, data, actor, now)
    nonconformity.recurrence_of = recurrence_of(nonconformity, earlier)
    return nonconformity


def check_source(role, source):
    """Who records a nonconformity by hand from which source (a report's findings are raised by the report)."""
    allowed = SOURCES_BY_ROLE.get(role, (STAFF_SOURCE,))
    if allowed is not None and source not in allowed:
        raise RoleNotAllowed(
            f"Your role ({role}) reports a nonconformity as {' or '.join(allowed)}; the quality manager "
            "records the other sources.",
            {"source": source, "allowed": list(allowed)},
        )


def recurrence_of(nonconformity, earlier):
    """The most recent nonconformity on the same process and clause opened in the last twelve months
    (rejected ones were not nonconformities; two findings of one report are not a repeat), or None."""
    for candidate in earlier:
        if (
            candidate.id != nonconformity.id
            and candidate.state != REJECTED
            and (candidate.audit_id is None or candidate.audit_id != nonconformity.audit_id)  # the same report
            and candidate.process_id == nonconformity.process_id
            and candidate.clause == nonconformity.clause
            and as_utc(nonconformity.opened_at) - as_utc(candidate.opened_at) <= RECURRENCE_WINDOW
        ):
            return candidate.id
    return None


# --- the guard table ------------------------------------------------------------------------------------


def may_treat(nonconformity, guard, actor, role, process_owner):
    """The guard's roles, or the owner of the nonconformity's process (any member may own one)."""
    return role in guard.roles or (guard.process_owner_may and actor == process_owner)


def transition(nonconformity, action, data, actor, role, now, *, process_owner, actions, delay_days, people, today):
    """Take one step of the guard table once every condition holds. Returns the Transition."""
    guard = guard_of(NONCONFORMITY_GUARDS, action)
    if action == "verify":  # the verifier is named only once the check is scheduled
        require_source(guard, action, nonconformity, "nonconformity")
        check_verifier(nonconformity, actor)
    elif not may_treat(nonconformity, guard, actor, role, process_owner):
        raise RoleNotAllowed(
            f"Your role ({role}) cannot {action.replace('_', ' ')} this nonconformity"
            + (": the quality manager or the process owner can." if guard.process_owner_may else "."),
            {"role": role},
        )
    require_source(guard, action, nonconformity, "nonconformity")
    if guard.only.get(nonconformity.state) not in (None, nonconformity.severity):
        raise TransitionNotAllowed(
            "A major nonconformity is contained first: record the immediate correction (contain) before the analysis.",
            {"state": nonconformity.state, "severity": nonconformity.severity},
        )
    missing = {name: ["Required for this step."] for name in guard.required if data.get(name) in (None, "", [])}
    if missing:
        raise ValidationFailed(f"Some fields are needed to {action.replace('_', ' ')}.", missing)
    comment = clean(data.get("comment"))
    if guard.comment_required and not comment:
        raise ValidationFailed("Say why, in words: a comment is required for this step.", {"comment": ["Required."]})
    current = [a for a in actions if a.cycle == nonconformity.verifications]  # this analysis's plan
    live = [a for a in current if a.live]
    if action == "contain":
        nonconformity.containment = data["containment"].strip()
    elif action == "analyse":
        analyse(nonconformity, data)
    elif action == "plan":
        check_plan(live)
    elif action == "approve_plan":
        if nonconformity.severity != MAJOR:
            raise TransitionNotAllowed("Only a major nonconformity's plan needs approval.", {"severity": "minor"})
        if nonconformity.plan_approved_at is not None:
            raise TransitionNotAllowed(
                "This plan is already approved.", {"approved_by": nonconformity.plan_approved_by}
            )
        nonconformity.plan_approved_by, nonconformity.plan_approved_at = actor, now
    elif action == "implement":
        check_implemented(nonconformity, live)
    elif action == "schedule_check":
        schedule_check(nonconformity, data, live, owners_of(actions), delay_days, people)
    elif action == "verify":
        return verify(nonconformity, data, actor, role, now, today, comment)
    elif action == "reject":
        nonconformity.reject_reason = comment
    return move("nonconformity", nonconformity, guard, action, actor, role, now, comment)


def analyse(nonconformity, data):
    method = data["method"]
    if method == FIVE_WHYS and len([why for why in data.get("whys") or [] if why.strip()]) < 2:
        raise ValidationFailed(
            "A five-whys analysis lists the successive whys (at least two) that lead to the root cause.",
            {"whys": ["At least two answers."]},
        )
    if method == "cause_category" and data.get("cause_category") not in CAUSE_CATEGORIES:
        raise ValidationFailed(
            "Name the family of the root cause.", {"cause_category": [f"One of {', '.join(CAUSE_CATEGORIES)}."]}
        )
    nonconformity.root_cause = data["root_cause"].strip()
    nonconformity.analysis_method = method
    nonconformity.whys = [why.strip() for why in data.get("whys") or [] if why.strip()] if method == FIVE_WHYS else []
    nonconformity.cause_category = data.get("cause_category") if method == CAUSE_CATEGORY else None
    nonconformity.plan_approved_by = nonconformity.plan_approved_at = None  # a new analysis needs a new plan


def check_plan(live):
    if not live:
        raise TransitionNotAllowed(
            "Plan at least one action (POST /api/v1/nonconformities/{id}/actions) with its owner and due date.",
            {"actions": 0},
        )


def check_implemented(nonconformity, live):
    if nonconformity.severity == MAJOR and nonconformity.plan_approved_at is None:
        raise TransitionNotAllowed(
            "The plan of a major nonconformity is approved (approve-plan) before it is implemented.",
            {"plan_approved": False},
        )
    unfinished = [a.id for a in live if a.state != DONE]
    if unfinished or not live:
        raise TransitionNotAllowed(
            "Every action of the plan is done before the nonconformity counts as implemented.",
            {"unfinished_actions": unfinished},
        )


def owners_of(actions):
    return {a.owner_id for a in actions}


def schedule_check(nonconformity, data, live, owners, delay_days, people):
    """`owners`: whoever owned any of its actions, in any cycle, cancelled ones included."""
    verifier = data["verifier_id"]
    if verifier not in people:
        raise ValidationFailed("The verifier is an active member of the council.", {"verifier_id": ["An active user."]})
    if verifier in owners:
        raise NotImpartialVerifier(
            "The effectiveness is checked by someone who owned none of its actions: choose another verifier.",
            {"verifier_id": verifier},
        )
    last = max(a.done_on for a in live)
    earliest = last + timedelta(days=delay_days)
    if data["check_due_on"] < earliest:
        raise ValidationFailed(
            f"The check comes at least {delay_days} days after the last action ({last.isoformat()}): "
            f"on {earliest.isoformat()} or later.",
            {"check_due_on": [f"On or after {earliest.isoformat()}."]},
        )
    nonconformity.check_due_on = data["check_due_on"]
    nonconformity.verifier_id = verifier
    nonconformity.indicator_id = data.get("indicator_id")


def check_verifier(nonconformity, actor):
    if actor != nonconformity.verifier_id:
        raise RoleNotAllowed(
            "The effectiveness check is made by the verifier named when it was scheduled.",
            {"verifier_id": nonconformity.verifier_id},
        )


def verify(nonconformity, data, actor, role, now, today: date, comment):
    if today < nonconformity.check_due_on:
        raise TransitionNotAllowed(
            f"The check is due on {nonconformity.check_due_on.isoformat()}: the actions' effect shows with time.",
            {"check_due_on": nonconformity.check_due_on.isoformat()},
        )
    effective = data["effective"]
    if not effective and not comment:
        raise ValidationFailed(
            "Say what shows the actions did not work: a comment is required.", {"comment": ["Required."]}
        )
    nonconformity.verifications += 1
    if nonconformity.first_time_effective is None:
        nonconformity.first_time_effective = bool(effective)
    source = nonconformity.state
    target = CLOSED if effective else ANALYSED
    nonconformity.state, nonconformity.updated_at = target, now
    if effective:
        nonconformity.closed_at = now
    else:  # a new cycle: analysed again, a new plan (and its approval), a new check
        nonconformity.plan_approved_by = nonconformity.plan_approved_at = None
        nonconformity.check_due_on = nonconformity.verifier_id = None
    return Transition("nonconformity", nonconformity, "verify", source, target, actor, role, now, comment)


def effectiveness_proposal(nonconformity, indicator_status):
    """What the check proposes when it names an indicator: effective only if the indicator is on track,
    as the objectives service's events last announced it."""
    if nonconformity.indicator_id is None:
        return None
    status = indicator_status.status if indicator_status is not None else None
    return {
        "indicator_id": nonconformity.indicator_id,
        "indicator": indicator_status.name if indicator_status is not None else None,
        "indicator_status": status,
        "proposed": "effective" if status == ON_TRACK else "not_effective",
    }


# --- actions -----------------------------------------------------------------------------------------


def add_action(nonconformity, data, actor, role, now, *, process_owner, people):
    if not (role == QUALITY_MANAGER or actor == process_owner):
        raise RoleNotAllowed("The quality manager or the process's owner plans the actions.", {"role": role})
    if nonconformity.state not in ACTIONS_EDITABLE:
        raise TransitionNotAllowed(
            f"This nonconformity is {nonconformity.state}; actions are planned until it is implemented.",
            {"state": nonconformity.state},
        )
    if data["owner_id"] not in people:
        raise ValidationFailed(
            "The action's owner is an active member of the council.", {"owner_id": ["An active user."]}
        )
    plan_changed(nonconformity)
    return Action(nonconformity, data, actor, now)


def plan_changed(nonconformity):
    """A major nonconformity's plan that gains or loses an action is approved again."""
    if nonconformity.severity == MAJOR:
        nonconformity.plan_approved_by = nonconformity.plan_approved_at = None


def action_transition(action_item, nonconformity, step, data, actor, role, now, today: date):
    guard = guard_of(ACTION_GUARDS, step)
    if not (role in guard.roles or (step in OWNER_ACTIONS and actor == action_item.owner_id)):
        raise RoleNotAllowed(
            f"Your role ({role}) cannot {step} this action: its owner or the quality manager can.", {"role": role}
        )
    require_source(guard, step, action_item, "action")
    missing = {name: ["Required for this step."] for name in guard.required if not clean(data.get(name))}
    if missing:
        raise ValidationFailed("Say what was done: a note is required to complete an action.", missing)
    comment = clean(data.get("comment"))
    if guard.comment_required and not comment:
        raise ValidationFailed("Say why the action is cancelled: a comment is required.", {"comment": ["Required."]})
    if step == "complete":
        action_item.note, action_item.done_on = data["note"].strip(), today
    elif step == "cancel":
        action_item.cancel_reason = comment
        if nonconformity.state in ACTIONS_EDITABLE:
            plan_changed(nonconformity)
    return move("action", action_item, guard, step, actor, role, now, comment)


def cancel_with(nonconformity, actions, actor, role, now):
    """A rejected nonconformity's unfinished actions are cancelled with it (their reminders stop)."""
    guard = ACTION_GUARDS["cancel"]
    reason = f"{nonconformity.reference} rejected: {nonconformity.reject_reason}"
    moves = []
    for action_item in actions:
        if action_item.state in guard.sources:
            action_item.cancel_reason = reason
            moves.append(move("action", action_item, guard, "cancel", actor, role, now, reason))
    return moves


def overdue(action_item, today: date):
    return action_item.state in (OPEN, IN_PROGRESS) and action_item.due_date < today
