"""Use cases of the policy service. Each takes an open unit of work, applies the domain,
queues its events and commits; the RPC entrypoints and the demo seed both go through here."""

from jouda.services.policy import domain
from jouda.services.policy.notices import REVIEW
from jouda.services.policy.repository import PolicyRepository
from jouda.services.policy.schemas import (
    AcknowledgementSchema,
    AcknowledgementSummarySchema,
    PolicyChangesSchema,
    PolicyContentSchema,
    PolicySummarySchema,
    PolicyVersionSchema,
    TransitionInputSchema,
    TransitionSchema,
)
from jouda.shared.clock import utc_now
from jouda.shared.events.contracts import DEADLINE_SET
from jouda.shared.schema_fields import check_choice, check_page, load_or_raise


def _ref(version):
    return {"policy_id": version.policy_id, "version_id": version.id, "version": version.number, "title": version.title}


def _transitioned(transition, version):
    return {
        **_ref(version),
        "from_status": transition.from_status,
        "to_status": transition.to_status,
        "comment": transition.comment,
    }


def review_deadline(version, *, restart):
    """The next review of the published version, announced for reminders (deadline.set)."""
    return DEADLINE_SET, {
        "kind": REVIEW,
        "ref_id": version.policy_id,
        "title": version.title,
        "due_date": version.next_review_date,
        "owner_id": None,
        "link": "/policy",  # the current policy's page
        "restart": restart,
    }


def _readable(repo, version_id, role):
    version = repo.version(version_id)
    if not domain.can_read(version, role):  # answered like a missing id: no hint it exists
        raise domain.PolicyNotFound(f"No policy version {version_id}.", {"id": str(version_id)})
    return version


def create_policy(uow, data):
    content = load_or_raise(PolicyContentSchema(), data)
    repo = PolicyRepository(uow.session)
    policy, version, created = domain.draft_policy(
        uow.tenant_id, content, uow.actor, uow.role, utc_now(), existing=repo.policy()
    )
    repo.add(policy)
    uow.session.flush()
    repo.add(version, created)
    uow.commit()
    return PolicyVersionSchema().dump(version)


def update_draft(uow, version_id, data):
    changes = load_or_raise(PolicyChangesSchema(), data)
    repo = PolicyRepository(uow.session)
    version = repo.version(version_id, for_update=True)
    domain.edit_draft(version, changes, uow.role, utc_now())
    uow.commit()
    return PolicyVersionSchema().dump(version)


def transition(uow, version_id, action, data):
    comment = load_or_raise(TransitionInputSchema(), data or {})["comment"]
    repo = PolicyRepository(uow.session)
    version = repo.version(version_id, for_update=True)
    now = utc_now()
    if action == "publish":
        current = repo.published(version.policy_id, for_update=True)
        moves = domain.publish(version, current, uow.actor, uow.role, now, comment)
        repo.add(*moves)
        uow.emit(
            "policy.published",
            {
                **_transitioned(moves[0], version),
                **version.content(),
                "published_at": version.published_at,
                "superseded_version_id": current.id if current is not None else None,
            },
        )
        if len(moves) > 1:
            uow.emit("policy.superseded", _transitioned(moves[1], current))
        uow.emit(*review_deadline(version, restart=True))  # a new publication: a new cycle of reminders
    else:
        move = domain.apply_transition(version, action, uow.actor, uow.role, now, comment)
        repo.add(move)
        uow.emit(domain.GUARDS[action].event_type, _transitioned(move, version))
    uow.commit()
    return PolicyVersionSchema().dump(version)


def create_revision(uow, version_id):
    repo = PolicyRepository(uow.session)
    source = _readable(repo, version_id, uow.role)
    version, created = domain.start_revision(
        source, repo.open_version(source.policy_id), repo.next_number(source.policy_id), uow.actor, uow.role, utc_now()
    )
    repo.add(version, created)
    uow.commit()
    return PolicyVersionSchema().dump(version)


def acknowledge(uow, version_id):
    repo = PolicyRepository(uow.session)
    version = _readable(repo, version_id, uow.role)
    ack = domain.acknowledge(version, uow.actor, repo.has_acknowledged(version.id, uow.actor), utc_now())
    repo.add(ack)
    uow.session.flush()
    counts = summary(repo, version)
    uow.emit(
        "policy.acknowledged",
        {
            **_ref(version),
            "user_id": uow.actor,
            "acknowledged_at": ack.acknowledged_at,
            **{k: counts[k] for k in ("acknowledgements", "active_users", "acknowledgement_rate")},
        },
    )
    uow.commit()
    return AcknowledgementSchema().dump(ack)


def summary(repo, version):
    """The version's acknowledgements against the council's active staff."""
    count, active = repo.acknowledgement_count(version.id), repo.active_users()
    return {
        "version_id": version.id,
        "version": version.number,
        "acknowledgements": count,
        "active_users": active,
        "acknowledgement_rate": domain.acknowledgement_rate(count, active),
    }


def acknowledgement_summary(uow, version_id):
    repo = PolicyRepository(uow.session)
    version = _readable(repo, version_id, uow.role)
    return AcknowledgementSummarySchema().dump(
        {**summary(repo, version), "acknowledged_by_you_at": repo.acknowledged_at(version.id, uow.actor)}
    )


def get_version(uow, version_id):
    return PolicyVersionSchema().dump(_readable(PolicyRepository(uow.session), version_id, uow.role))


def current(uow):
    version = PolicyRepository(uow.session).published()
    if version is None:
        raise domain.PolicyNotFound("This council has not published a quality policy yet.")
    return PolicyVersionSchema().dump(version)


def list_versions(uow, status=None, limit=50, offset=0):
    check_choice("status", status, domain.STATUSES)
    statuses = domain.readable_statuses(uow.role)
    if status is not None:
        statuses = tuple(s for s in statuses if s == status)
    check_page(limit, offset)
    items, total = PolicyRepository(uow.session).versions(statuses, limit=limit, offset=offset)
    return {"items": PolicySummarySchema(many=True).dump(items), "total": total, "limit": limit, "offset": offset}


def history(uow, version_id):
    repo = PolicyRepository(uow.session)
    version = _readable(repo, version_id, uow.role)
    return {
        "version_id": version.id,
        "version": version.number,
        "transitions": TransitionSchema(many=True).dump(repo.history(version.id)),
    }


def send_review_notices(uow, today, notice_days=domain.REVIEW_NOTICE_DAYS):
    """Timer, all tenants: one policy.review_due per published version nearing its review."""
    sent = 0
    for version in PolicyRepository(uow.session).review_notices_due(today, notice_days):
        if not domain.review_notice_due(version, today, notice_days):
            continue
        version.review_notice_sent_on = today
        uow.emit(
            "policy.review_due",
            {
                **_ref(version),
                "next_review_date": version.next_review_date,
                "days_left": (version.next_review_date - today).days,
            },
            tenant_id=version.tenant_id,
        )
        sent += 1
    uow.commit()
    return sent
