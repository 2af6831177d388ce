"""Who must know what (services/notifications/routing.py, from the notices the services declare:
services/policy/notices.py, services/objectives/notices.py, services/audits/notices.py): every row of
the routing table, the `when` conditions (objective.status_changed, nonconformity.opened,
effectiveness.verified), payload owners and payload lists of people (an audit's auditees), the
deadline kinds, and a template in each language for every kind a notification can have, in the
declaring service's folder. Plain functions: table-driven, no database."""

import string
import uuid
from datetime import date, datetime, timezone
from importlib import resources

import pytest

from jouda import platform
from jouda.services.notifications import routing, templates
from jouda.services.objectives.notices import AT_RISK_OR_WORSE
from jouda.shared.events.catalogue import LATEST_VERSION, build_event, contract
from jouda.shared.events.contracts import DeadlineSet
from jouda.shared.vocabulary import COUNCIL_ROLES, DIRECTOR, OBJECTIVE_STATUSES, QUALITY_MANAGER, SEVERITIES

QM, DIR = QUALITY_MANAGER, DIRECTOR
# event type -> Route, gathered from every manifest's notices: those to a council's people, and those
# e-mailed to an address of the event's (an account's invitation, password reset, lock-out)
ROUTES = {event_type: route for event_type, route in routing.routes().items() if route.address is None}
DIRECT = {event_type: route for event_type, route in routing.routes().items() if route.address is not None}

# A council's staff as the repository hands it over: (user_id, role, active).
STAFF = [
    ("u-qm", QM, True),
    ("u-qm-2", QM, True),
    ("u-qm-gone", QM, False),
    ("u-dir", DIR, True),
    ("u-dir-gone", DIR, False),
    ("u-po", "process_owner", True),
    ("u-auditor", "auditor", True),
    ("u-staff", "staff", True),
    ("u-owner", "staff", True),
    ("u-owner-gone", "staff", False),
]
ACTIVE = sorted(user_id for user_id, _, active in STAFF if active)
MANAGERS = ["u-qm", "u-qm-2"]

POLICY = {
    "policy_id": str(uuid.uuid4()),
    "version_id": str(uuid.uuid4()),
    "version": 2,
    "title": "Politique qualité 2026",
}
PUBLISHED_AT = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)
NONCONFORMITY_ID, PROCESS_ID, AUDIT_ID = (str(uuid.uuid4()) for _ in range(3))
# The people an audit plan names: two active auditees and one who has left (never notified).
AUDITEES = ["u-po", "u-owner", "u-owner-gone"]


def sample_payload(event_type, **overrides):
    """A payload of `event_type` as its producer emits it (built through the event catalogue)."""
    transitioned = {**POLICY, "comment": None}
    prepared = {
        "audit_id": AUDIT_ID,
        "reference": "AUD-2026-003",
        "title": "Audit interne du processus achats",
        "type": "internal",
        "programme_id": str(uuid.uuid4()),
        "year": 2026,
        "planned_month": "2026-05",
        "planned_start": date(2026, 5, 11),
        "planned_end": date(2026, 5, 12),
        "process_ids": [PROCESS_ID],
        "clauses": ["8.4", "8.4.1"],
        "lead_auditor_id": "u-auditor",
        "team_ids": ["u-auditor"],
        "auditee_ids": AUDITEES,
        "state": "prepared",
        "comment": None,
    }
    payloads = {
        "policy.submitted": {**transitioned, "from_status": "draft", "to_status": "in_review"},
        "policy.approved": {**transitioned, "from_status": "in_review", "to_status": "approved"},
        "policy.changes_requested": {
            **transitioned,
            "from_status": "in_review",
            "to_status": "draft",
            "comment": "Préciser l'engagement n°3.",
        },
        "policy.published": {
            **transitioned,
            "from_status": "approved",
            "to_status": "published",
            "language": "fr",
            "body": "…",
            "orientations": [{"code": "OS1", "title": "Usagers"}],
            "commitments": ["Satisfaire les usagers"],
            "signatory": "Le Président",
            "effective_date": date(2026, 12, 1),
            "next_review_date": date(2027, 11, 21),
            "published_at": PUBLISHED_AT,
            "superseded_version_id": None,
        },
        "policy.review_due": {**POLICY, "next_review_date": date(2027, 11, 21), "days_left": 30},
        "objective.status_changed": {
            "objective_id": str(uuid.uuid4()),
            "title": "Réduire les délais",
            "orientation_code": "OS1",
            "owner_id": "u-owner",
            "old_status": "on_track",
            "new_status": "at_risk",
            "indicator_id": str(uuid.uuid4()),
        },
        "indicator.measurement_missing": {
            "objective_id": str(uuid.uuid4()),
            "indicator_id": str(uuid.uuid4()),
            "name": "Taux de satisfaction",
            "owner_id": "u-owner",
            "catalogue_code": "SATISFACTION",
            "period": "2026-10",
            "period_end": date(2026, 10, 31),
            "days_late": 6,
        },
        "audit.prepared": prepared,
        "audit.updated": {**prepared, "changed": ["planned_end", "planned_start"]},
        "action.assigned": {
            "action_id": str(uuid.uuid4()),
            "nonconformity_id": NONCONFORMITY_ID,
            "nonconformity_reference": "NC-2026-014",
            "type": "corrective",
            "title": "Mettre en place la grille annuelle d'évaluation des fournisseurs",
            "owner_id": "u-owner",
            "due_date": date(2026, 6, 30),
            "state": "open",
            "done_on": None,
        },
        "nonconformity.opened": {
            "nonconformity_id": NONCONFORMITY_ID,
            "reference": "NC-2026-014",
            "title": "Évaluation des fournisseurs non réalisée en 2025",
            "process_id": PROCESS_ID,
            "clause": "8.4.1",
            "severity": "major",
            "source": "internal_audit",
            "audit_id": AUDIT_ID,
            "state": "open",
            "opened_at": datetime(2026, 5, 12, 15, 0, tzinfo=timezone.utc),
            "closed_at": None,
            "recurrence_of": None,
            "verifications": 0,
            "first_time_effective": None,
        },
        "nonconformity.recurrence_detected": {
            "nonconformity_id": NONCONFORMITY_ID,
            "reference": "NC-2026-014",
            "title": "Évaluation des fournisseurs non réalisée en 2025",
            "process_id": PROCESS_ID,
            "process": "Achats et marchés publics",
            "clause": "8.4.1",
            "recurrence_of": str(uuid.uuid4()),
            "previous_reference": "NC-2025-031",
        },
        "effectiveness.verified": {
            "nonconformity_id": NONCONFORMITY_ID,
            "reference": "NC-2026-014",
            "title": "Évaluation des fournisseurs non réalisée en 2025",
            "effective": False,
            "first_time": True,
            "verifier_id": "u-qm",
            "indicator_id": None,
            "comment": "Deux fournisseurs sur cinq toujours non évalués",
        },
    }
    route = ROUTES.get(event_type)
    if route is not None and route.items is not None:  # a list event: the payload of one of its items
        built = build_event(event_type, "fes-meknes", "u-actor", {route.items: [{**payloads[event_type], **overrides}]})
        return routing.items_of(route, built["payload"])[0]
    return build_event(event_type, "fes-meknes", "u-actor", {**payloads[event_type], **overrides})["payload"]


# --- every row of the routing table ------------------------------------------------------------------

EXPECTED = {
    "policy.submitted": ["u-dir"],
    "policy.approved": MANAGERS,
    "policy.changes_requested": MANAGERS,
    "policy.published": ACTIVE,
    "policy.review_due": MANAGERS,
    "objective.status_changed": sorted(MANAGERS + ["u-owner"]),
    "indicator.measurement_missing": ["u-owner"],
    "audit.prepared": ["u-owner", "u-po"],  # the auditees still active, whatever their role
    "audit.updated": ["u-owner", "u-po"],  # a prepared audit's dates changed: told again
    "action.assigned": ["u-owner"],
    "nonconformity.opened": ["u-dir"],  # a major one
    "nonconformity.recurrence_detected": MANAGERS,
    "effectiveness.verified": MANAGERS,  # the actions did not work
}


def test_the_table_of_expectations_covers_every_route():
    # A new row of the routing table needs its line in EXPECTED (and its templates, below).
    assert set(EXPECTED) == set(ROUTES)


@pytest.mark.parametrize("event_type", sorted(ROUTES))
def test_recipients_of_each_route(event_type):
    assert routing.recipients(ROUTES[event_type], sample_payload(event_type), STAFF) == EXPECTED[event_type]


@pytest.mark.parametrize("event_type", sorted(ROUTES))
def test_nobody_inactive_is_ever_routed_to(event_type):
    inactive = {user_id for user_id, _, active in STAFF if not active}
    payload = sample_payload(event_type)
    if "owner_id" in payload:
        payload["owner_id"] = "u-owner-gone"
    if "auditee_ids" in payload:
        payload["auditee_ids"] = sorted(inactive)
    assert inactive.isdisjoint(routing.recipients(ROUTES[event_type], payload, STAFF))


@pytest.mark.parametrize(
    "event_type,mandatory",
    [
        ("policy.submitted", False),
        ("policy.approved", False),
        ("policy.changes_requested", False),
        ("policy.published", True),  # everyone must read the published policy: the inbox is not optional
        ("policy.review_due", False),
        ("objective.status_changed", False),
        ("indicator.measurement_missing", False),
        ("audit.prepared", False),
        ("audit.updated", False),
        ("action.assigned", False),
        ("nonconformity.opened", False),
        ("nonconformity.recurrence_detected", False),
        ("effectiveness.verified", False),
    ],
)
def test_only_the_published_policy_is_mandatory(event_type, mandatory):
    assert ROUTES[event_type].mandatory is mandatory


@pytest.mark.parametrize(
    "event_type,link",
    [
        ("policy.submitted", f"/policy/versions/{POLICY['version_id']}"),
        ("policy.approved", f"/policy/versions/{POLICY['version_id']}"),
        ("policy.changes_requested", f"/policy/versions/{POLICY['version_id']}"),
        ("policy.published", f"/policy/versions/{POLICY['version_id']}"),
        ("policy.review_due", f"/policy/versions/{POLICY['version_id']}"),
    ],
)
def test_policy_links_point_at_the_version(event_type, link):
    assert ROUTES[event_type].link.format_map(sample_payload(event_type)) == link


@pytest.mark.parametrize(
    "event_type,link",
    [
        ("audit.prepared", f"/audits/{AUDIT_ID}"),
        ("audit.updated", f"/audits/{AUDIT_ID}"),
        ("action.assigned", f"/nonconformities/{NONCONFORMITY_ID}"),
        ("nonconformity.opened", f"/nonconformities/{NONCONFORMITY_ID}"),
        ("nonconformity.recurrence_detected", f"/nonconformities/{NONCONFORMITY_ID}"),
        ("effectiveness.verified", f"/nonconformities/{NONCONFORMITY_ID}"),
    ],
)
def test_audits_links_point_at_the_audit_or_the_nonconformity(event_type, link):
    assert ROUTES[event_type].link.format_map(sample_payload(event_type)) == link


@pytest.mark.parametrize("event_type", sorted(ROUTES))
def test_every_link_can_be_formatted_with_its_payload(event_type):
    payload = sample_payload(event_type)
    link = ROUTES[event_type].link.format_map(payload)
    assert link.startswith("/") and "{" not in link


# --- payload owners -------------------------------------------------------------------------------------

OWNED = ("objective.status_changed", "indicator.measurement_missing", "action.assigned")


@pytest.mark.parametrize("event_type", OWNED)
@pytest.mark.parametrize(
    "owner,expected_extra",
    [
        pytest.param("u-owner", ["u-owner"], id="active-owner-added"),
        pytest.param("u-owner-gone", [], id="inactive-owner-excluded"),
        pytest.param("u-stranger", [], id="unknown-owner-ignored"),
        pytest.param("u-qm", ["u-qm"], id="owner-who-is-a-manager-counted-once"),
        pytest.param("u-dir", ["u-dir"], id="owner-of-any-role-added"),
    ],
)
def test_the_owner_in_the_payload(event_type, owner, expected_extra):
    route = ROUTES[event_type]
    base = MANAGERS if QM in route.roles else []
    expected = sorted(set(base) | set(expected_extra))
    found = routing.recipients(route, sample_payload(event_type, owner_id=owner), STAFF)
    assert found == expected
    assert len(found) == len(set(found))


def test_an_owner_of_another_council_is_ignored():
    # The staff list is the event's council's; a user id from elsewhere is not in it.
    other_council = [("u-oriental-owner", "staff", True)]
    payload = sample_payload("indicator.measurement_missing", owner_id="u-oriental-owner")
    assert routing.recipients(ROUTES["indicator.measurement_missing"], payload, STAFF) == []
    assert routing.recipients(ROUTES["indicator.measurement_missing"], payload, other_council) == ["u-oriental-owner"]


def test_a_payload_without_the_owner_field_routes_to_the_roles_only():
    route = routing.Route(roles=(QM,), payload_users=("owner_id",))
    assert routing.recipients(route, {}, STAFF) == MANAGERS


# --- payload lists of people (an audit's auditees) ----------------------------------------------------------


def test_a_payload_list_of_people_reaches_each_active_one():
    route = routing.Route(payload_users=("auditee_ids",))
    payload = {"auditee_ids": ["u-staff", "u-owner-gone", "u-po", "u-stranger", "u-dir-gone", "u-po"]}
    # Every id the list holds is named, in order; only the council's active people are routed to, once.
    assert list(routing.named_users(route, payload)) == payload["auditee_ids"]
    assert routing.recipients(route, payload, STAFF) == ["u-po", "u-staff"]
    assert routing.recipients(route, {"auditee_ids": ["u-owner-gone", "u-qm-gone"]}, STAFF) == []
    assert routing.recipients(route, {"auditee_ids": []}, STAFF) == []


def test_one_id_and_a_list_of_ids_are_named_alike():
    route = routing.Route(roles=(DIR,), payload_users=("owner_id", "auditee_ids"))
    payload = {"owner_id": "u-owner", "auditee_ids": ["u-po", "u-owner", "u-qm-gone"]}
    assert list(routing.named_users(route, payload)) == ["u-owner", "u-po", "u-owner", "u-qm-gone"]
    assert routing.recipients(route, payload, STAFF) == ["u-dir", "u-owner", "u-po"]
    # What is neither an id nor a list of ids names nobody.
    odd = {"owner_id": None, "auditee_ids": [None, 7, {"user_id": "u-po"}]}
    assert list(routing.named_users(route, odd)) == []
    assert routing.recipients(route, odd, STAFF) == ["u-dir"]


@pytest.mark.parametrize(
    "auditees,expected",
    [
        pytest.param(["u-po"], ["u-po"], id="one-auditee"),
        pytest.param(["u-po", "u-staff"], ["u-po", "u-staff"], id="two-auditees"),
        pytest.param(["u-po", "u-owner-gone"], ["u-po"], id="inactive-auditee-excluded"),
        pytest.param(["u-po", "u-stranger"], ["u-po"], id="unknown-auditee-ignored"),
        pytest.param(["u-qm", "u-dir"], ["u-dir", "u-qm"], id="auditees-of-any-role"),
        pytest.param([], [], id="no-auditee-nobody"),
    ],
)
def test_the_audit_plan_goes_to_its_auditees(auditees, expected):
    route = ROUTES["audit.prepared"]
    assert not route.roles and not route.everyone  # nobody but the auditees: not the team, not the managers
    payload = sample_payload("audit.prepared", auditee_ids=auditees)
    assert routing.recipients(route, payload, STAFF) == expected


def test_no_staff_no_recipients():
    for event_type in ROUTES:
        assert routing.recipients(ROUTES[event_type], sample_payload(event_type), []) == []


def test_recipients_are_sorted_and_unique():
    route = routing.Route(roles=(QM, "staff"), everyone=False, payload_users=("owner_id", "deputy_id"))
    payload = {"owner_id": "u-owner", "deputy_id": "u-owner"}
    assert routing.recipients(route, payload, list(reversed(STAFF))) == ["u-owner", "u-qm", "u-qm-2", "u-staff"]


# --- the `when` condition of objective.status_changed ------------------------------------------------------


@pytest.mark.parametrize(
    "new_status,notified",
    [
        ("at_risk", True),
        ("off_track", True),
        ("on_track", False),
        ("achieved", False),
        ("no_data", False),
    ],
)
def test_only_a_worsening_objective_notifies(new_status, notified):
    route = ROUTES["objective.status_changed"]
    payload = sample_payload("objective.status_changed", old_status="on_track", new_status=new_status)
    expected = sorted(MANAGERS + ["u-owner"]) if notified else []
    assert routing.recipients(route, payload, STAFF) == expected


def test_the_when_table_covers_every_objective_status():
    assert set(OBJECTIVE_STATUSES) == {"at_risk", "off_track", "on_track", "achieved", "no_data"}
    assert set(AT_RISK_OR_WORSE) < set(OBJECTIVE_STATUSES)


# --- the `when` conditions of the audits' notices ------------------------------------------------------------


NOTIFIED_BY_SEVERITY = {"major": ["u-dir"], "minor": []}


@pytest.mark.parametrize("severity", sorted(NOTIFIED_BY_SEVERITY))
def test_only_a_major_nonconformity_is_told_to_the_director(severity):
    payload = sample_payload("nonconformity.opened", severity=severity)
    assert routing.recipients(ROUTES["nonconformity.opened"], payload, STAFF) == NOTIFIED_BY_SEVERITY[severity]


def test_the_severity_table_covers_every_severity():
    assert set(NOTIFIED_BY_SEVERITY) == set(SEVERITIES)


@pytest.mark.parametrize("effective,expected", [(False, MANAGERS), (True, [])])
def test_only_ineffective_actions_are_told_to_the_quality_managers(effective, expected):
    payload = sample_payload("effectiveness.verified", effective=effective)
    assert routing.recipients(ROUTES["effectiveness.verified"], payload, STAFF) == expected


# --- publishers (jouda/platform.py: the service whose contracts declare the type) ---------------------------


@pytest.mark.parametrize(
    "event_type,publisher",
    [
        ("policy.submitted", "policy"),
        ("policy.published", "policy"),
        ("objective.status_changed", "objectives"),
        ("objective.created", "objectives"),
        ("indicator.measurement_missing", "objectives"),
        ("reporting.settings_changed", "objectives"),
        ("gateway.user_created", "gateway"),
        ("gateway.tenant_created", "gateway"),
        ("ministry.catalogue_entry_added", "ministry"),
        ("audit.prepared", "audits"),
        ("action.assigned", "audits"),
        ("nonconformity.opened", "audits"),
        ("nonconformity.recurrence_detected", "audits"),
        ("effectiveness.verified", "audits"),
        ("process.created", "audits"),
    ],
)
def test_publisher_of(event_type, publisher):
    assert platform.publisher_of(event_type) == publisher


# A type no service declares has no publisher (no guess from the prefix: the audits service publishes
# audit.planned, audit.prepared…, but not audit.scheduled).
@pytest.mark.parametrize("event_type", ["billing.invoice_sent", "audit.scheduled"])
def test_an_unknown_publisher_is_refused(event_type):
    with pytest.raises(KeyError):
        platform.publisher_of(event_type)


@pytest.mark.parametrize("event_type", sorted(ROUTES))
def test_every_routed_type_is_in_the_event_catalogue(event_type):
    # The service subscribes to each row: a type nobody can publish would never arrive.
    assert event_type in LATEST_VERSION
    platform.publisher_of(event_type)


@pytest.mark.parametrize("event_type", sorted(ROUTES))
def test_a_route_is_declared_by_the_publisher_of_its_type(event_type):
    # Its words live beside it: the templates of a routed event are in its publisher's folder.
    assert routing.template_package(event_type) == platform.manifest(platform.publisher_of(event_type)).package


def test_kinds_are_the_routes_and_the_own_notices():
    # An account's own e-mails are not a kind anyone chooses channels for: they always go.
    assert routing.kinds() == (*ROUTES, *routing.OWN_NOTICES)
    assert set(DIRECT) == {"gateway.invitation_sent", "gateway.password_reset_requested", "gateway.account_locked"}
    assert set(ROUTES).isdisjoint(routing.OWN_NOTICES)
    assert routing.DIGEST not in routing.kinds()  # a digest is not a kind one chooses channels for


def test_the_roles_of_the_table_are_council_roles():
    for route in ROUTES.values():
        assert set(route.roles) <= set(COUNCIL_ROLES)


def test_route_of_is_the_row_of_the_table():
    assert routing.route_of("policy.published") is ROUTES["policy.published"]
    with pytest.raises(KeyError):
        routing.route_of("billing.invoice_sent")


# --- deadline kinds (announced with deadline.set) -----------------------------------------------------------


def test_the_deadline_kinds_and_who_announces_them():
    assert set(routing.deadline_kinds()) == {"objective", "policy_review", "action", "effectiveness_check"}
    assert routing.deadline_publishers() == ["audits", "objectives", "policy"]
    assert routing.deadline_kind("objective") is routing.deadline_kinds()["objective"]
    assert routing.deadline_kind("action") is routing.declared()["audits"].deadlines["action"]
    assert routing.deadline_kind("effectiveness_check") is routing.declared()["audits"].deadlines["effectiveness_check"]
    assert routing.deadline_kind("audit") is None  # unknown: reminded with the default days, named by its code


@pytest.mark.parametrize("kind", sorted(routing.deadline_kinds()))
def test_each_deadline_kind_can_be_announced_and_named(kind):
    assert not DeadlineSet().validate(
        {"kind": kind, "ref_id": "r-1", "title": "T", "due_date": "2026-12-31", "owner_id": None, "link": "/x"}
    )
    declared = routing.deadline_kind(kind)
    assert set(declared.labels) == set(templates.LANGUAGES)
    assert declared.reminder_days and all(days > 0 for days in declared.reminder_days)


# --- templates: every kind, every language -------------------------------------------------------------

STANDARD = {"recipient_name", "council", "link"}  # what the notifier adds to every notification
LABELLED = {
    "old_status_label": "old_status",
    "new_status_label": "new_status",
    "item_kind_label": "item_kind",
    "role_label": "role",
    "severity_label": "severity",
    "type_label": "type",
}
# What deadlines.py, webhooks.py and digests.py hand the templates of the notices the service writes itself.
OWN_VALUES = {
    routing.REMINDER_DUE_SOON: {"item_title", "item_kind", "due_date", "days_left", "days_overdue", "owner_name"},
    routing.REMINDER_OVERDUE: {"item_title", "item_kind", "due_date", "days_left", "days_overdue", "owner_name"},
    routing.REMINDER_ESCALATED: {"item_title", "item_kind", "due_date", "days_left", "days_overdue", "owner_name"},
    routing.WEBHOOK_DISABLED: {"url", "failures", "last_error"},
    routing.DIGEST: {"count", "date", "items"},
}
ALL_KINDS = (*routing.kinds(), *DIRECT, routing.DIGEST)
ALL_TEMPLATES = [(kind, language) for kind in ALL_KINDS for language in templates.LANGUAGES]


def template_text(language, kind):
    """A kind's template, in the folder of the service that declares the kind (or the notifications')."""
    path = resources.files(routing.template_package(kind)) / "templates" / language / f"{kind}.txt"
    return path.read_text(encoding="utf-8")


def label_word(name, language, code):
    """The word `{name}` shows for `code`, as the declaring service wrote it (a KeyError if it did not)."""
    if name == "item_kind_label":
        return routing.deadline_kind(code).labels[language]
    field = LABELLED[name]
    [word] = {
        notices.labels[field][language][code] for notices in routing.declared().values() if field in notices.labels
    }
    return word


def placeholders(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def sample_value(name):
    """A value that is easy to find in the rendered text (labels get a code they translate)."""
    if name in ("old_status", "new_status"):
        return {"old_status": "on_track", "new_status": "off_track"}[name]
    if name == "item_kind":
        return "objective"
    if name == "role":
        return "auditor"
    if name == "severity":
        return "major"
    if name == "type":  # the only template showing a type's words is an action's
        return "corrective"
    return f"<{name.upper()}>"


@pytest.mark.parametrize("kind,language", ALL_TEMPLATES)
def test_every_kind_has_a_template_in_every_language(kind, language):
    text = template_text(language, kind)
    subject, separator, body = text.partition("\n---\n")
    assert separator, f"{language}/{kind}.txt needs a '---' line after its subject"
    assert subject.strip() and "\n" not in subject.strip(), "one subject line"
    assert body.strip()


@pytest.mark.parametrize("kind,language", ALL_TEMPLATES)
def test_render_fills_every_placeholder(kind, language):
    needed = placeholders(template_text(language, kind))
    values = {}
    for name in needed:
        source = LABELLED.get(name, name)
        values[source] = sample_value(source)
    rendered = templates.render(kind, language, values)
    assert rendered.language == language
    shown = rendered.subject + "\n" + rendered.text
    for name in needed:
        if name in LABELLED:
            assert label_word(name, language, values[LABELLED[name]]) in shown, name
        else:
            assert values[name] in shown, name
    assert "{" not in shown and "}" not in shown


@pytest.mark.parametrize("kind,language", ALL_TEMPLATES)
def test_a_missing_value_is_not_silently_rendered(kind, language):
    needed = placeholders(template_text(language, kind)) - set(LABELLED)
    if not needed:
        pytest.skip("no plain placeholder")
    with pytest.raises(KeyError):
        templates.render(kind, language, {})


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_french_and_arabic_templates_ask_for_the_same_values(kind):
    assert placeholders(template_text("fr", kind)) == placeholders(template_text("ar", kind))


@pytest.mark.parametrize("event_type", sorted(ROUTES))
def test_a_routed_event_payload_has_what_its_templates_need(event_type):
    # Routed notifications are rendered from the event's payload: its contract must carry the fields.
    fields = contract(event_type, LATEST_VERSION[event_type]).fields
    route = ROUTES[event_type]
    if route.items is not None:  # rendered once per item of the list
        fields = fields[route.items].inner.schema.fields
    fields = set(fields)
    available = fields | STANDARD | {label for label, source in LABELLED.items() if source in fields}
    for language in templates.LANGUAGES:
        missing = placeholders(template_text(language, event_type)) - available
        assert not missing, f"{language}/{event_type}.txt needs {sorted(missing)}"


@pytest.mark.parametrize("event_type", sorted(ROUTES))
@pytest.mark.parametrize("language", templates.LANGUAGES)
def test_a_real_payload_renders(event_type, language):
    values = {
        **sample_payload(event_type),
        "recipient_name": "Salma",
        "council": "Fès-Meknès",
        "link": "https://jouda.example/x",
    }
    rendered = templates.render(event_type, language, values)
    assert "Salma" in rendered.text and "https://jouda.example/x" in rendered.text


@pytest.mark.parametrize("kind", sorted(OWN_VALUES))
def test_own_notices_need_only_what_the_service_provides(kind):
    given = OWN_VALUES[kind]
    available = given | STANDARD | {label for label, source in LABELLED.items() if source in given}
    for language in templates.LANGUAGES:
        assert placeholders(template_text(language, kind)) <= available


@pytest.mark.parametrize("language", templates.LANGUAGES)
@pytest.mark.parametrize("service", platform.SERVICES)
def test_no_template_without_a_kind(service, language):
    # Each service's folder holds the templates of the kinds it declares, and no others.
    package = platform.manifest(service).package
    folder = resources.files(package) / "templates" / language
    entries = folder.iterdir() if folder.is_dir() else ()  # a service that declares no kind has none
    found = {entry.name[: -len(".txt")] for entry in entries if entry.name.endswith(".txt")}
    assert found == {kind for kind in ALL_KINDS if routing.template_package(kind) == package}


def test_a_list_event_is_notified_item_by_item():
    route = ROUTES["indicator.measurement_missing"]
    first, second = (sample_payload("indicator.measurement_missing", period=p) for p in ("2026-09", "2026-10"))
    assert routing.items_of(route, {"items": [first, second]}) == [first, second]
    # A version-1 event (one measurement), still queued when the list version arrived, is one item.
    assert routing.items_of(route, first) == [first]
    assert routing.items_of(ROUTES["policy.submitted"], {"title": "PQ"}) == [{"title": "PQ"}]


# --- an account's own e-mails, to the address in the event ---------------------------------------------------

DIRECT_PAYLOADS = {
    "gateway.invitation_sent": {
        "role": "process_owner",
        "council_name": "Région Fès-Meknès",
        "invited_by": "Salma",
        "link": "https://jouda.example/invitation#S3CRET",
        "days": 7,
    },
    "gateway.password_reset_requested": {"link": "https://jouda.example/password-reset#S3CRET", "minutes": 60},
    "gateway.account_locked": {"minutes": 15, "address": "203.0.113.7"},
}


@pytest.mark.parametrize("event_type", sorted(DIRECT))
@pytest.mark.parametrize("language", templates.LANGUAGES)
def test_an_accounts_e_mail_renders_from_its_event_alone(event_type, language):
    payload = build_event(
        event_type,
        "fes-meknes",
        "u-qm",
        {
            "user_id": "u-1",
            "email": "new@fes-meknes.example",
            "name": "Nadia",
            "language": language,
            **DIRECT_PAYLOADS[event_type],
        },
    )["payload"]
    fields = set(contract(event_type, LATEST_VERSION[event_type]).fields) | {"recipient_name", "council"}
    available = fields | {label for label, source in LABELLED.items() if source in fields}
    assert placeholders(template_text(language, event_type)) <= available
    rendered = templates.render(event_type, language, {**payload, "recipient_name": "Nadia", "council": "Fès"})
    assert "Nadia" in rendered.text
    assert DIRECT[event_type].address == "email" and DIRECT[event_type].mandatory
    if "link" in payload:  # the secret is in the e-mail, which is where it must be
        assert payload["link"] in rendered.text
    if event_type == "gateway.invitation_sent":
        assert "process_owner" not in rendered.text  # the role in words


def test_a_changed_plan_is_told_to_the_auditees_only_once_sent_and_only_when_it_concerns_them():
    route = ROUTES["audit.updated"]
    assert routing.recipients(route, sample_payload("audit.updated"), STAFF) == ["u-owner", "u-po"]
    reworded = sample_payload("audit.updated", changed=["title", "criteria"])
    assert routing.recipients(route, reworded, STAFF) == []
    not_sent_yet = sample_payload("audit.updated", state="planned")
    assert routing.recipients(route, not_sent_yet, STAFF) == []
