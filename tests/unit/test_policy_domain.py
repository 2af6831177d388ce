"""The policy lifecycle (services/policy/domain.py): guard table, publish, revisions,
acknowledgements, review notices. Plain Python: no broker, no database."""

from datetime import date, datetime, timedelta, timezone
from itertools import product

import pytest

from jouda.services.policy import domain
from jouda.services.policy.domain import (
    APPROVED,
    DRAFT,
    GUARDS,
    IN_REVIEW,
    PUBLISHED,
    STATUSES,
    SUPERSEDED,
    AlreadyAcknowledged,
    OpenVersionExists,
    TransitionNotAllowed,
)
from jouda.shared.errors import Conflict, Forbidden, RoleNotAllowed, ValidationFailed
from jouda.shared.vocabulary import ROLES

TENANT = "fes-meknes"
CREATED = datetime(2025, 1, 10, 9, 0, tzinfo=timezone.utc)
NOW = datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc)
QM, DIRECTOR = domain.QUALITY_MANAGER, domain.DIRECTOR

CONTENT = {
    "title": "Politique qualité",
    "body": "Nous nous engageons…",
    "language": "fr",
    "orientations": [{"code": "O1", "title": "Satisfaction des citoyens"}],
    "commitments": ["Respecter les exigences légales"],
    "signatory": "Le Président du Conseil",
    "effective_date": date(2025, 2, 1),
    "next_review_date": None,
}


def make_version(status=DRAFT, number=1, **content):
    _, version, _ = domain.draft_policy(TENANT, {**CONTENT, **content}, "u-qm", QM, CREATED)
    version.number = number
    version.status = status
    return version


def allowed_role(action):
    return sorted(GUARDS[action].roles)[0]


# --- the guard table ----------------------------------------------------------------------------


def test_guard_table_is_the_documented_lifecycle():
    assert {action: (g.source, g.target) for action, g in GUARDS.items()} == {
        "submit": (DRAFT, IN_REVIEW),
        "approve": (IN_REVIEW, APPROVED),
        "request_changes": (IN_REVIEW, DRAFT),
        "publish": (APPROVED, PUBLISHED),
    }
    assert [a for a, g in GUARDS.items() if g.comment_required] == ["request_changes"]


@pytest.mark.parametrize("action,status", list(product(GUARDS, STATUSES)))
def test_each_action_only_from_its_source_status(action, status):
    guard = GUARDS[action]
    version = make_version(status)
    role = allowed_role(action)
    if status == guard.source:
        move = domain.apply_transition(version, action, "u-1", role, NOW, comment="Vu.")
        assert version.status == guard.target
        assert (move.from_status, move.to_status) == (guard.source, guard.target)
    else:
        with pytest.raises(TransitionNotAllowed) as caught:
            domain.apply_transition(version, action, "u-1", role, NOW, comment="Vu.")
        assert isinstance(caught.value, Conflict)
        assert caught.value.status == 409
        assert caught.value.code == "transition_not_allowed"
        assert caught.value.details == {"status": status, "required_status": guard.source}
        assert version.status == status  # unchanged
        assert version.updated_at == CREATED


@pytest.mark.parametrize("action,role", list(product(GUARDS, ROLES)))
def test_each_action_only_by_its_roles(action, role):
    guard = GUARDS[action]
    version = make_version(guard.source)
    if role in guard.roles:
        domain.apply_transition(version, action, "u-1", role, NOW, comment="Vu.")
        assert version.status == guard.target
    else:
        with pytest.raises(RoleNotAllowed) as caught:
            domain.apply_transition(version, action, "u-1", role, NOW, comment="Vu.")
        assert isinstance(caught.value, Forbidden)
        assert caught.value.status == 403
        assert caught.value.details == {"role": role, "allowed_roles": sorted(guard.roles)}
        assert version.status == guard.source


@pytest.mark.parametrize("action", list(GUARDS))
def test_role_is_checked_before_state(action):
    guard = GUARDS[action]
    wrong_role = next(r for r in ROLES if r not in guard.roles)
    wrong_status = next(s for s in STATUSES if s != guard.source)
    with pytest.raises(RoleNotAllowed):
        domain.apply_transition(make_version(wrong_status), action, "u-1", wrong_role, NOW)


def test_unknown_action_is_a_validation_error():
    with pytest.raises(ValidationFailed) as caught:
        domain.apply_transition(make_version(), "archive", "u-1", QM, NOW)
    assert caught.value.status == 422
    assert caught.value.details == {"action": sorted(GUARDS)}


@pytest.mark.parametrize("comment", [None, "", " ", "   \t\n "])
def test_request_changes_needs_a_non_blank_comment(comment):
    version = make_version(IN_REVIEW)
    with pytest.raises(ValidationFailed) as caught:
        domain.apply_transition(version, "request_changes", "u-dir", DIRECTOR, NOW, comment=comment)
    assert caught.value.status == 422
    assert "comment" in caught.value.details
    assert version.status == IN_REVIEW


def test_request_changes_with_comment_goes_back_to_draft_and_keeps_stripped_comment():
    version = make_version(IN_REVIEW)
    move = domain.apply_transition(
        version, "request_changes", "u-dir", DIRECTOR, NOW, comment="  Préciser l'orientation O1.  "
    )
    assert version.status == DRAFT
    assert move.comment == "Préciser l'orientation O1."


@pytest.mark.parametrize("comment,kept", [(None, None), ("", None), ("  ", None), (" ok ", "ok")])
def test_optional_comment_is_normalised(comment, kept):
    move = domain.apply_transition(make_version(DRAFT), "submit", "u-qm", QM, NOW, comment=comment)
    assert move.comment == kept


@pytest.mark.parametrize("action", list(GUARDS))
def test_successful_transition_is_recorded(action):
    guard = GUARDS[action]
    version = make_version(guard.source)
    role = allowed_role(action)
    move = domain.apply_transition(version, action, "u-42", role, NOW, comment="Vu et approuvé")
    assert isinstance(move, domain.Transition)
    assert move.action == action
    assert move.from_status == guard.source
    assert move.to_status == guard.target
    assert move.actor == "u-42"
    assert move.role == role
    assert move.comment == "Vu et approuvé"
    assert move.at == NOW
    assert move.version_id == version.id
    assert move.tenant_id == TENANT
    assert version.updated_at == NOW


def test_full_happy_path():
    version = make_version(DRAFT)
    domain.apply_transition(version, "submit", "u-qm", QM, NOW)
    domain.apply_transition(version, "request_changes", "u-dir", DIRECTOR, NOW, comment="Revoir")
    domain.apply_transition(version, "submit", "u-qm", QM, NOW)
    domain.apply_transition(version, "approve", "u-dir", DIRECTOR, NOW)
    domain.publish(version, None, "u-qm", QM, NOW)
    assert version.status == PUBLISHED


# --- draft_policy / edit_draft ------------------------------------------------------------------


def test_draft_policy_creates_first_draft_version():
    policy, version, created = domain.draft_policy(TENANT, CONTENT, "u-qm", QM, CREATED)
    assert version.policy_id == policy.id
    assert version.number == 1 and version.status == DRAFT
    assert version.content() == CONTENT
    assert (created.action, created.from_status, created.to_status) == ("create", None, DRAFT)


def test_draft_policy_applies_content_defaults():
    _, version, _ = domain.draft_policy(TENANT, {"title": "T"}, "u-qm", QM, CREATED)
    assert (version.body, version.language, version.orientations, version.commitments) == ("", "fr", [], [])
    assert version.signatory is None and version.next_review_date is None


@pytest.mark.parametrize("role", [r for r in ROLES if r != QM])
def test_only_editors_draft_a_policy(role):
    with pytest.raises(RoleNotAllowed):
        domain.draft_policy(TENANT, CONTENT, "u-1", role, CREATED)


def test_edit_draft_changes_fields_and_time():
    version = make_version(DRAFT)
    domain.edit_draft(version, {"title": "Nouveau titre", "language": "ar"}, QM, NOW)
    assert version.title == "Nouveau titre"
    assert version.language == "ar"
    assert version.updated_at == NOW


@pytest.mark.parametrize("status", [s for s in STATUSES if s != DRAFT])
def test_edit_draft_only_on_drafts(status):
    version = make_version(status)
    with pytest.raises(TransitionNotAllowed):
        domain.edit_draft(version, {"title": "X"}, QM, NOW)
    assert version.title == CONTENT["title"]


@pytest.mark.parametrize("role", [r for r in ROLES if r not in domain.EDITORS])
def test_edit_draft_only_by_editors(role):
    version = make_version(DRAFT)
    with pytest.raises(RoleNotAllowed):
        domain.edit_draft(version, {"title": "X"}, role, NOW)
    assert version.title == CONTENT["title"]


@pytest.mark.parametrize("field", ["status", "number", "published_at", "tenant_id", "bogus"])
def test_edit_draft_refuses_unknown_fields(field):
    version = make_version(DRAFT)
    before = getattr(version, field, None)
    with pytest.raises(ValidationFailed) as caught:
        domain.edit_draft(version, {field: "hacked"}, QM, NOW)
    assert caught.value.details == {field: ["Unknown field."]}
    assert getattr(version, field, None) == before


# --- publish ------------------------------------------------------------------------------------


def test_publish_first_version_sets_dates():
    version = make_version(APPROVED)
    moves = domain.publish(version, None, "u-qm", QM, NOW, comment="En vigueur")
    assert len(moves) == 1
    assert (moves[0].from_status, moves[0].to_status, moves[0].comment) == (APPROVED, PUBLISHED, "En vigueur")
    assert version.status == PUBLISHED
    assert version.published_at == NOW
    assert version.next_review_date == date(2026, 3, 4)


def test_publish_keeps_a_given_review_date():
    version = make_version(APPROVED, next_review_date=date(2025, 9, 30))
    domain.publish(version, None, "u-qm", QM, NOW)
    assert version.next_review_date == date(2025, 9, 30)


def test_publish_supersedes_the_previous_version():
    old = make_version(PUBLISHED, number=1)
    new = make_version(APPROVED, number=2)
    moves = domain.publish(new, old, "u-qm", QM, NOW)
    assert len(moves) == 2
    published, superseded = moves
    assert (published.version_id, published.to_status) == (new.id, PUBLISHED)
    assert superseded.version_id == old.id
    assert (superseded.action, superseded.from_status, superseded.to_status) == ("supersede", PUBLISHED, SUPERSEDED)
    assert (superseded.actor, superseded.role, superseded.at) == ("u-qm", QM, NOW)
    assert superseded.comment == "Superseded by version 2"
    assert old.status == SUPERSEDED and new.status == PUBLISHED


def test_publish_does_not_supersede_itself():
    version = make_version(APPROVED)
    assert len(domain.publish(version, version, "u-qm", QM, NOW)) == 1
    assert version.status == PUBLISHED


def test_refused_publish_leaves_both_versions_alone():
    old = make_version(PUBLISHED)
    new = make_version(APPROVED, number=2)
    with pytest.raises(RoleNotAllowed):
        domain.publish(new, old, "u-dir", DIRECTOR, NOW)
    assert (old.status, new.status, new.published_at, new.next_review_date) == (PUBLISHED, APPROVED, None, None)


# --- revisions ----------------------------------------------------------------------------------


def test_start_revision_refuses_while_a_version_is_open():
    source = make_version(PUBLISHED)
    open_version = make_version(IN_REVIEW, number=2)
    with pytest.raises(OpenVersionExists) as caught:
        domain.start_revision(source, open_version, 3, "u-qm", QM, NOW)
    assert caught.value.status == 409
    assert caught.value.details == {"open_version_id": open_version.id, "status": IN_REVIEW}


def test_start_revision_checks_role_first():
    with pytest.raises(RoleNotAllowed):
        domain.start_revision(make_version(PUBLISHED), make_version(DRAFT), 2, "u-dir", DIRECTOR, NOW)


def test_start_revision_copies_content_into_a_new_draft():
    source = make_version(PUBLISHED, number=3, next_review_date=date(2026, 3, 4))
    version, created = domain.start_revision(source, None, 4, "u-qm", QM, NOW)
    assert version.id != source.id
    assert version.policy_id == source.policy_id and version.tenant_id == TENANT
    assert version.number == 4
    assert version.status == DRAFT
    assert version.next_review_date is None
    assert version.published_at is None
    assert {k: v for k, v in version.content().items() if k != "next_review_date"} == {
        k: v for k, v in source.content().items() if k != "next_review_date"
    }
    assert source.next_review_date == date(2026, 3, 4)  # the source is untouched
    assert (created.action, created.to_status, created.comment) == ("revise", DRAFT, "Revision of version 3")


def test_revision_content_is_a_copy():
    source = make_version(PUBLISHED)
    version, _ = domain.start_revision(source, None, 2, "u-qm", QM, NOW)
    version.orientations[0]["title"] = "Changé"
    version.commitments.append("Nouveau")
    assert source.orientations[0]["title"] == "Satisfaction des citoyens"
    assert source.commitments == ["Respecter les exigences légales"]


# --- acknowledgements ---------------------------------------------------------------------------


def test_acknowledge_published_version():
    version = make_version(PUBLISHED)
    ack = domain.acknowledge(version, "u-staff", False, NOW)
    assert (ack.version_id, ack.user_id, ack.acknowledged_at, ack.tenant_id) == (version.id, "u-staff", NOW, TENANT)


@pytest.mark.parametrize("status", [s for s in STATUSES if s != PUBLISHED])
def test_acknowledge_only_published(status):
    with pytest.raises(TransitionNotAllowed):
        domain.acknowledge(make_version(status), "u-staff", False, NOW)


def test_acknowledge_twice_is_refused():
    with pytest.raises(AlreadyAcknowledged) as caught:
        domain.acknowledge(make_version(PUBLISHED), "u-staff", True, NOW)
    assert caught.value.status == 409


@pytest.mark.parametrize(
    "acks,users,rate",
    [
        (0, 0, 0.0),
        (5, 0, 0.0),
        (0, 4, 0.0),
        (3, 4, 0.75),
        (4, 4, 1.0),
        (7, 4, 1.0),
        (1, 3, 0.3333),
        (2, 3, 0.6667),
        (1, 7, 0.1429),
    ],
)
def test_acknowledgement_rate(acks, users, rate):
    assert domain.acknowledgement_rate(acks, users) == rate


# --- reading ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role,status", list(product(ROLES, STATUSES)))
def test_can_read(role, status):
    expected = role in {"quality_manager", "director", "auditor"} or status in (PUBLISHED, SUPERSEDED)
    assert domain.can_read(make_version(status), role) is expected
    assert (status in domain.readable_statuses(role)) is expected


@pytest.mark.parametrize(
    "role,statuses",
    [
        ("quality_manager", STATUSES),
        ("director", STATUSES),
        ("auditor", STATUSES),
        ("staff", (PUBLISHED, SUPERSEDED)),
        ("process_owner", (PUBLISHED, SUPERSEDED)),
        ("ministry", (PUBLISHED, SUPERSEDED)),
        (None, (PUBLISHED, SUPERSEDED)),
    ],
)
def test_readable_statuses(role, statuses):
    assert tuple(domain.readable_statuses(role)) == statuses


# --- dates and review notices -------------------------------------------------------------------


@pytest.mark.parametrize(
    "day,expected",
    [
        (date(2025, 3, 4), date(2026, 3, 4)),
        (date(2024, 2, 29), date(2025, 2, 28)),
        (date(2024, 2, 28), date(2025, 2, 28)),
        (date(2023, 3, 1), date(2024, 3, 1)),
        (date(2025, 12, 31), date(2026, 12, 31)),
    ],
)
def test_one_year_after(day, expected):
    assert domain.one_year_after(day) == expected


TODAY = date(2025, 6, 1)


@pytest.mark.parametrize("days_left,due", [(31, False), (30, True), (29, True), (0, True), (-5, True)])
def test_review_notice_due_by_days_left(days_left, due):
    version = make_version(PUBLISHED, next_review_date=TODAY + timedelta(days=days_left))
    assert domain.review_notice_due(version, TODAY) is due


@pytest.mark.parametrize("status", [s for s in STATUSES if s != PUBLISHED])
def test_review_notice_only_for_published(status):
    version = make_version(status, next_review_date=TODAY + timedelta(days=5))
    assert domain.review_notice_due(version, TODAY) is False


def test_review_notice_sent_only_once():
    version = make_version(PUBLISHED, next_review_date=TODAY + timedelta(days=5))
    version.review_notice_sent_on = TODAY - timedelta(days=1)
    assert domain.review_notice_due(version, TODAY) is False


def test_review_notice_needs_a_review_date():
    assert domain.review_notice_due(make_version(PUBLISHED, next_review_date=None), TODAY) is False


@pytest.mark.parametrize("notice_days,due", [(7, False), (10, True)])
def test_review_notice_window_is_configurable(notice_days, due):
    version = make_version(PUBLISHED, next_review_date=TODAY + timedelta(days=10))
    assert domain.review_notice_due(version, TODAY, notice_days=notice_days) is due
