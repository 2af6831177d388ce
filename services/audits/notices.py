"""What the audits service's events tell whom, and its deadlines (actions, effectiveness checks), for
the notifications service. The words are in templates/<language>/<event type>.txt."""

from jouda.shared.notices import DeadlineKind, Notices, Route
from jouda.shared.vocabulary import DIRECTOR, MAJOR, PREPARED, QUALITY_MANAGER

ACTION = "action"  # an action's due date
EFFECTIVENESS_CHECK = "effectiveness_check"  # the date a nonconformity's effectiveness is checked
NONCONFORMITY_LINK = "/nonconformities/{nonconformity_id}"
TOLD_OF_CHANGES = {
    "planned_start",
    "planned_end",
    "auditee_ids",
    "process_ids",
    "clauses",
    "lead_auditor_id",
    "team_ids",
}

SEVERITY_WORDS = {"fr": {"major": "majeure", "minor": "mineure"}, "ar": {"major": "كبرى", "minor": "صغرى"}}
ACTION_TYPE_WORDS = {
    "fr": {
        "correction": "correction",
        "corrective": "action corrective",
        "preventive": "action préventive",
        "improvement": "action d'amélioration",
    },
    "ar": {
        "correction": "تصحيح",
        "corrective": "إجراء تصحيحي",
        "preventive": "إجراء وقائي",
        "improvement": "إجراء تحسيني",
    },
}

NOTICES = Notices(
    routes={
        # The plan goes to the auditees once the audit is prepared.
        "audit.prepared": Route(payload_users=("auditee_ids",), link="/audits/{audit_id}"),
        # ... and again when what concerns them changes after it was sent.
        "audit.updated": Route(
            payload_users=("auditee_ids",),
            when=lambda payload: payload["state"] == PREPARED and bool(set(payload["changed"]) & TOLD_OF_CHANGES),
            link="/audits/{audit_id}",
        ),
        "action.assigned": Route(payload_users=("owner_id",), link=NONCONFORMITY_LINK),
        "nonconformity.opened": Route(
            roles=(DIRECTOR,), when=lambda payload: payload["severity"] == MAJOR, link=NONCONFORMITY_LINK
        ),
        "nonconformity.recurrence_detected": Route(roles=(QUALITY_MANAGER,), link=NONCONFORMITY_LINK),
        "effectiveness.verified": Route(
            roles=(QUALITY_MANAGER,), when=lambda payload: not payload["effective"], link=NONCONFORMITY_LINK
        ),
    },
    deadlines={
        ACTION: DeadlineKind(labels={"fr": "action", "ar": "إجراء"}, reminder_days=(7, 1)),
        EFFECTIVENESS_CHECK: DeadlineKind(
            labels={"fr": "vérification d'efficacité", "ar": "التحقق من الفعالية"}, reminder_days=(7, 1)
        ),
    },
    labels={"severity": SEVERITY_WORDS, "type": ACTION_TYPE_WORDS},
)
