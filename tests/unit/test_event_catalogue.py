"""Event contracts (shared/events/catalogue.py, shared/events/envelope.py) and who publishes them
(jouda/platform.py)."""

import uuid
from datetime import date, datetime, timezone

import pytest
from marshmallow import ValidationError

from jouda.platform import publisher_of
from jouda.shared.events.catalogue import (
    CATALOGUE,
    LATEST_VERSION,
    UnknownEventType,
    build_event,
    contract,
    validate_event,
)
from jouda.shared.events.envelope import EnvelopeSchema, new_envelope

TENANT = "fes-meknes"
POLICY_ID, VERSION_ID, OLD_VERSION_ID = (str(uuid.uuid4()) for _ in range(3))
REF = {"policy_id": POLICY_ID, "version_id": VERSION_ID, "version": 2, "title": "Politique qualité"}


def transitioned(source, target, comment=None):
    return {**REF, "from_status": source, "to_status": target, "comment": comment}


USER = {"user_id": "u-1", "role": "staff", "active": True, "language": "ar"}
OBJECTIVE_ID, INDICATOR_ID, MEASUREMENT_ID = (str(uuid.uuid4()) for _ in range(3))
INDICATOR = {
    "indicator_id": INDICATOR_ID,
    "name": "Taux de satisfaction des usagers",
    "unit": "%",
    "direction": "increase",
    "baseline": 64.0,
    "target": 80.0,
    "amber_threshold": 74.0,
    "frequency": "quarterly",
    "owner_id": "u-qm",
    "catalogue_code": "SATISFACTION",
    "start_period": "2025-Q4",
    "status": "on_track",
    "latest_period": "2026-Q3",
    "latest_value": 75.1,
    "trend": "improving",
}
OBJECTIVE = {
    "objective_id": OBJECTIVE_ID,
    "title": "Satisfaction des citoyens",
    "orientation_code": "OS1",
    "owner_id": "u-qm",
    "due_date": date(2027, 12, 31),
    "state": "active",
    "abandon_reason": None,
    "status": "on_track",
    "indicators": [INDICATOR],
}
PUBLISHED = {
    **transitioned("approved", "published"),
    "language": "fr",
    "body": "La Région s'engage…",
    "orientations": [{"code": "O1", "title": "Satisfaction des citoyens"}],
    "commitments": ["Respecter les exigences légales"],
    "signatory": "Le Président",
    "effective_date": date(2025, 3, 1),
    "next_review_date": date(2026, 3, 4),
    "published_at": datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc),
    "superseded_version_id": OLD_VERSION_ID,
}
CATALOGUE_ENTRY = {
    "code": "SATISFACTION",
    "name_fr": "Taux de satisfaction des usagers",
    "name_ar": "نسبة رضا المرتفقين",
    "unit": "%",
    "direction": "increase",
}

# The audits service (services/audits/events.py): a process, an audit of it, a nonconformity it raised,
# an action to treat it and the check of its effectiveness.
PROCESS_ID, AUDIT_ID, PROGRAMME_ID = (str(uuid.uuid4()) for _ in range(3))
NONCONFORMITY_ID, PREVIOUS_NONCONFORMITY_ID, ACTION_ID = (str(uuid.uuid4()) for _ in range(3))
PROCESS = {
    "process_id": PROCESS_ID,
    "code": "ACH",
    "name": "Achats et marchés publics",
    "type": "support",
    "owner_id": "u-po",
    "clauses": ["8.4", "8.4.1"],
    "active": True,
}
AUDIT = {
    "audit_id": AUDIT_ID,
    "reference": "AUD-2026-003",
    "title": "Audit interne du processus achats",
    "type": "internal",
    "programme_id": PROGRAMME_ID,
    "year": 2026,
    "planned_month": "2026-05",
    "planned_start": date(2026, 5, 11),
    "planned_end": date(2026, 5, 12),
    "process_ids": [PROCESS_ID],
    "clauses": ["8.4", "8.4.1", "7.5.3"],
    "lead_auditor_id": "u-auditor",
    "team_ids": ["u-auditor", "u-auditor-2"],
    "auditee_ids": ["u-po", "u-staff"],
    "state": "planned",
    "comment": None,
}
NONCONFORMITY = {
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
    "recurrence_of": PREVIOUS_NONCONFORMITY_ID,
    "verifications": 0,
    "first_time_effective": None,
}
ACTION = {
    "action_id": ACTION_ID,
    "nonconformity_id": NONCONFORMITY_ID,
    "nonconformity_reference": "NC-2026-014",
    "type": "corrective",
    "title": "Mettre en place la grille annuelle d'évaluation des fournisseurs",
    "owner_id": "u-po",
    "due_date": date(2026, 6, 30),
    "state": "open",
    "done_on": None,
}

ADDRESSEE = {"user_id": "u-1", "email": "agent@fes-meknes.example", "name": "Agent 1", "language": "fr"}
EXAMPLES = {
    ("policy.submitted", 1): transitioned("draft", "in_review"),
    ("policy.approved", 1): transitioned("in_review", "approved", "Bon pour publication"),
    ("policy.changes_requested", 1): transitioned("in_review", "draft", "Préciser O2"),
    ("policy.published", 1): PUBLISHED,
    ("policy.superseded", 1): {**transitioned("published", "superseded", "Superseded by version 3")},
    ("policy.acknowledged", 1): {
        **REF,
        "user_id": "u-7",
        "acknowledged_at": datetime(2025, 3, 5, 8, 0, tzinfo=timezone.utc),
        "acknowledgements": 3,
        "active_users": 4,
        "acknowledgement_rate": 0.75,
    },
    ("policy.review_due", 1): {**REF, "next_review_date": date(2026, 3, 4), "days_left": 30},
    ("objective.created", 1): {**OBJECTIVE, "status": "no_data", "indicators": []},
    ("objective.updated", 1): {**OBJECTIVE, "changed": ["indicators"]},
    ("objective.status_changed", 1): {
        "objective_id": OBJECTIVE_ID,
        "title": "Satisfaction des citoyens",
        "orientation_code": "OS1",
        "owner_id": "u-qm",
        "old_status": "on_track",
        "new_status": "at_risk",
        "indicator_id": INDICATOR_ID,
    },
    ("indicator.measurement_recorded", 1): {
        "measurement_id": MEASUREMENT_ID,
        "objective_id": OBJECTIVE_ID,
        "indicator_id": INDICATOR_ID,
        "period": "2026-Q3",
        "value": 75.1,
        "correction": True,
        "previous_value": 57.1,
        "indicator": INDICATOR,
    },
    ("indicator.measurement_missing", 1): {
        "objective_id": OBJECTIVE_ID,
        "indicator_id": INDICATOR_ID,
        "name": "Taux de satisfaction des usagers",
        "owner_id": "u-qm",
        "catalogue_code": "SATISFACTION",
        "period": "2026-Q3",
        "period_end": date(2026, 9, 30),
        "days_late": 3,
    },
    ("indicator.measurement_missing", 2): {
        "items": [
            {
                "objective_id": OBJECTIVE_ID,
                "indicator_id": INDICATOR_ID,
                "name": "Taux de satisfaction des usagers",
                "owner_id": "u-qm",
                "catalogue_code": "SATISFACTION",
                "period": period,
                "period_end": end,
                "days_late": late,
            }
            for period, end, late in (("2026-Q2", date(2026, 6, 30), 95), ("2026-Q3", date(2026, 9, 30), 3))
        ]
    },
    ("gateway.tenant_created", 1): {"code": "fes-meknes", "name": "Conseil régional Fès-Meknès"},
    ("gateway.user_created", 1): USER,
    ("gateway.user_updated", 1): {**USER, "role": "director", "active": False, "language": "fr"},
    ("gateway.user_created", 2): {**USER, "email": "agent@fes-meknes.example", "name": "Agent 1"},
    ("gateway.user_updated", 2): {**USER, "active": False, "email": "agent@fes-meknes.example", "name": None},
    # The present as it stands, for `jouda resync`: the same payloads as the events they stand for.
    ("gateway.tenant_snapshot", 1): {"code": "fes-meknes", "name": "Conseil régional Fès-Meknès"},
    ("gateway.user_snapshot", 1): {**USER, "email": "agent@fes-meknes.example", "name": "Agent 1"},
    ("policy.snapshot", 1): {**PUBLISHED, "acknowledgements": 3, "active_users": 4, "acknowledgement_rate": 0.75},
    ("objective.snapshot", 1): {**OBJECTIVE, "indicators": [{**INDICATOR, "reported_periods": ["2026-Q2", "2026-Q3"]}]},
    ("reporting.settings_changed", 1): {"grace_days": 10},
    ("gateway.tenant_updated", 1): {"code": "fes-meknes", "name": "Région Fès-Meknès"},
    ("gateway.invitation_sent", 1): {
        **ADDRESSEE,
        "role": "staff",
        "council_name": "Région Fès-Meknès",
        "invited_by": "Salma Benali",
        "link": "https://jouda.example/invitation#s3cr3t",
        "days": 7,
    },
    ("gateway.password_reset_requested", 1): {
        **ADDRESSEE,
        "link": "https://jouda.example/password-reset#s3cr3t",
        "minutes": 60,
    },
    ("gateway.account_locked", 1): {**ADDRESSEE, "minutes": 15, "address": "203.0.113.7"},
    ("ministry.catalogue_entry_added", 1): CATALOGUE_ENTRY,
    ("ministry.catalogue_snapshot", 1): CATALOGUE_ENTRY,
    ("process.created", 1): PROCESS,
    ("process.updated", 1): {**PROCESS, "owner_id": "u-po-2", "changed": ["owner_id", "clauses"]},
    ("process.snapshot", 1): PROCESS,
    ("audit.planned", 1): AUDIT,
    ("audit.updated", 1): {**AUDIT, "state": "prepared", "changed": ["planned_end", "planned_start"]},
    ("audit.prepared", 1): {**AUDIT, "state": "prepared"},
    ("audit.started", 1): {**AUDIT, "state": "in_progress"},
    ("audit.reported", 1): {
        **AUDIT,
        "state": "reported",
        "results": {
            "conforming": 14,
            "major_nc": 1,
            "minor_nc": 2,
            "observation": 3,
            "improvement_opportunity": 1,
            "good_practice": 1,
            "not_applicable": 2,
            "not_assessed": 0,
        },
        "nonconformities": 3,
    },
    ("audit.closed", 1): {**AUDIT, "state": "closed", "comment": "Rapport validé en revue qualité"},
    ("audit.cancelled", 1): {**AUDIT, "state": "cancelled", "comment": "Processus réorganisé : audit reporté à 2027"},
    ("audit.snapshot", 1): {**AUDIT, "programme_id": None, "planned_start": None, "planned_end": None},
    ("nonconformity.opened", 1): NONCONFORMITY,
    ("nonconformity.status_changed", 1): {
        **NONCONFORMITY,
        "state": "contained",
        "action": "contain",
        "old_state": "open",
        "comment": "Évaluation provisoire des trois fournisseurs principaux",
    },
    ("nonconformity.closed", 1): {
        **NONCONFORMITY,
        "state": "closed",
        "closed_at": datetime(2026, 10, 2, 9, 30, tzinfo=timezone.utc),
        "verifications": 1,
        "first_time_effective": True,
    },
    ("nonconformity.recurrence_detected", 1): {
        "nonconformity_id": NONCONFORMITY_ID,
        "reference": "NC-2026-014",
        "title": "Évaluation des fournisseurs non réalisée en 2025",
        "process_id": PROCESS_ID,
        "process": "Achats et marchés publics",
        "clause": "8.4.1",
        "recurrence_of": PREVIOUS_NONCONFORMITY_ID,
        "previous_reference": "NC-2025-031",
    },
    ("nonconformity.snapshot", 1): {**NONCONFORMITY, "audit_id": None, "source": "citizen_complaint"},
    ("action.assigned", 1): ACTION,
    ("action.completed", 1): {**ACTION, "state": "done", "done_on": date(2026, 6, 24)},
    ("effectiveness.verified", 1): {
        "nonconformity_id": NONCONFORMITY_ID,
        "reference": "NC-2026-014",
        "title": "Évaluation des fournisseurs non réalisée en 2025",
        "effective": False,
        "first_time": True,
        "verifier_id": "u-qm",
        "indicator_id": INDICATOR_ID,
        "comment": "Deux fournisseurs sur cinq toujours non évalués",
    },
    # Shared contracts (shared/events/contracts.py): any service may announce a deadline.
    ("deadline.set", 1): {
        "kind": "objective",
        "ref_id": OBJECTIVE_ID,
        "title": "Satisfaction des citoyens",
        "due_date": date(2027, 12, 31),
        "owner_id": "u-qm",
        "link": f"/objectives/{OBJECTIVE_ID}",
        "restart": False,
    },
    ("deadline.cleared", 1): {"kind": "objective", "ref_id": OBJECTIVE_ID},
}


def test_every_catalogue_entry_has_an_example():
    assert set(EXAMPLES) == set(CATALOGUE)


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_built_event_validates(key):
    event_type, version = key
    envelope = build_event(event_type, TENANT, "u-qm", EXAMPLES[key], version=version)
    assert envelope["type"] == event_type
    assert envelope["version"] == version
    loaded = validate_event(envelope)
    assert set(loaded) >= {k for k, v in EXAMPLES[key].items() if v is not None}


def test_published_payload_round_trips():
    example = EXAMPLES[("policy.published", 1)]
    envelope = build_event("policy.published", TENANT, "u-qm", example)
    assert envelope["payload"]["published_at"] == "2025-03-04T10:30:00+00:00"
    assert envelope["payload"]["next_review_date"] == "2026-03-04"
    loaded = validate_event(envelope)
    assert loaded["published_at"] == example["published_at"]
    assert loaded["next_review_date"] == example["next_review_date"]
    assert loaded["version_id"] == uuid.UUID(VERSION_ID)
    assert loaded["orientations"] == example["orientations"]


def test_envelope_fields():
    before = datetime.now(timezone.utc)
    envelope = build_event("policy.submitted", TENANT, "u-qm", EXAMPLES[("policy.submitted", 1)])
    after = datetime.now(timezone.utc)
    assert set(envelope) == {"event_id", "type", "version", "tenant_id", "occurred_at", "actor", "payload"}
    assert str(uuid.UUID(envelope["event_id"])) == envelope["event_id"]
    occurred = datetime.fromisoformat(envelope["occurred_at"])
    assert occurred.utcoffset().total_seconds() == 0
    assert envelope["occurred_at"].endswith("+00:00")
    assert before <= occurred <= after
    assert envelope["version"] == LATEST_VERSION["policy.submitted"] == 1
    assert envelope["tenant_id"] == TENANT
    assert envelope["actor"] == "u-qm"


def test_event_ids_are_unique():
    payload = EXAMPLES[("policy.submitted", 1)]
    ids = {build_event("policy.submitted", TENANT, "u", payload)["event_id"] for _ in range(20)}
    assert len(ids) == 20


def test_given_occurred_at_is_kept():
    moment = datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc)
    envelope = build_event(
        "gateway.tenant_created", None, "admin", EXAMPLES[("gateway.tenant_created", 1)], occurred_at=moment
    )
    assert envelope["occurred_at"] == "2025-03-04T10:30:00+00:00"
    assert envelope["tenant_id"] is None  # platform-wide event
    validate_event(envelope)


@pytest.mark.parametrize("event_type", ["policy.archived", "policy", "", "gateway.tenant_deleted"])
def test_build_unknown_event_type(event_type):
    with pytest.raises(UnknownEventType):
        build_event(event_type, TENANT, "u", {})


@pytest.mark.parametrize("event_type,version", [("policy.archived", 1), ("policy.published", 2)])
def test_validate_unknown_event_type(event_type, version):
    envelope = new_envelope(event_type, version, TENANT, "u", {})
    with pytest.raises(UnknownEventType):
        validate_event(envelope)
    with pytest.raises(UnknownEventType):
        contract(event_type, version)


def test_unknown_event_type_is_a_value_error():
    assert issubclass(UnknownEventType, ValueError)


def _required_fields(key):
    return [name for name, f in CATALOGUE[key]().fields.items() if f.required]


MISSING_CASES = [(key, name) for key in sorted(CATALOGUE) for name in _required_fields(key)]


@pytest.mark.parametrize("key,missing", MISSING_CASES)
def test_build_refuses_missing_required_field(key, missing):
    payload = {k: v for k, v in EXAMPLES[key].items() if k != missing}
    with pytest.raises(ValidationError) as caught:
        build_event(key[0], TENANT, "u", payload, version=key[1])
    assert missing in caught.value.messages


@pytest.mark.parametrize("key,missing", MISSING_CASES)
def test_validate_refuses_missing_required_field(key, missing):
    envelope = build_event(key[0], TENANT, "u", EXAMPLES[key], version=key[1])
    del envelope["payload"][missing]
    with pytest.raises(ValidationError) as caught:
        validate_event(envelope)
    assert missing in caught.value.messages


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_validate_refuses_unknown_payload_field(key):
    envelope = build_event(key[0], TENANT, "u", EXAMPLES[key], version=key[1])
    envelope["payload"]["surprise"] = 1
    with pytest.raises(ValidationError) as caught:
        validate_event(envelope)
    assert "surprise" in caught.value.messages


# A misspelt optional field (here "coment" for the reviewer's comment) must not leave silently
# without its value: the producer refuses unknown payload fields.
@pytest.mark.parametrize("key", [("policy.changes_requested", 1), ("gateway.tenant_created", 1)])
def test_build_refuses_unknown_payload_field(key):
    payload = {**EXAMPLES[key], "coment": "typo"}
    with pytest.raises(ValidationError):
        build_event(key[0], TENANT, "u", payload)


@pytest.mark.parametrize(
    "key,field,value",
    [
        (("policy.submitted", 1), "to_status", "archived"),
        (("policy.submitted", 1), "version", 0),
        (("policy.submitted", 1), "version_id", "not-a-uuid"),
        (("policy.published", 1), "language", "en"),
        (("policy.published", 1), "published_at", datetime(2025, 3, 4, 10, 30)),  # naive
        (("policy.published", 1), "next_review_date", None),
        (("policy.acknowledged", 1), "acknowledgement_rate", 1.5),
        (("policy.acknowledged", 1), "active_users", -1),
        (("gateway.user_created", 1), "role", "mayor"),
        (("gateway.user_created", 1), "language", "en"),
    ],
)
def test_build_refuses_invalid_values(key, field, value):
    with pytest.raises(ValidationError) as caught:
        build_event(key[0], TENANT, "u", {**EXAMPLES[key], field: value}, version=key[1])
    assert field in caught.value.messages


@pytest.mark.parametrize(
    "change",
    [
        {"event_id": "nope"},
        {"type": "Policy.Published"},
        {"version": 0},
        {"occurred_at": "yesterday"},
        {"extra": True},
    ],
)
def test_validate_refuses_bad_envelope(change):
    envelope = build_event("policy.submitted", TENANT, "u", EXAMPLES[("policy.submitted", 1)])
    envelope.update(change)
    with pytest.raises(ValidationError):
        validate_event(envelope)


@pytest.mark.parametrize("field", ["event_id", "type", "version", "tenant_id", "occurred_at", "actor", "payload"])
def test_envelope_fields_are_required(field):
    envelope = build_event("policy.submitted", TENANT, "u", EXAMPLES[("policy.submitted", 1)])
    del envelope[field]
    with pytest.raises(ValidationError) as caught:
        EnvelopeSchema().load(envelope)
    assert field in caught.value.messages


def test_latest_version_covers_every_type():
    assert set(LATEST_VERSION) == {event_type for event_type, _ in CATALOGUE}


@pytest.mark.parametrize(
    "event_type,service",
    [
        ("policy.published", "policy"),
        ("gateway.user_created", "gateway"),
        ("policy.review_due", "policy"),
        ("reporting.settings_changed", "objectives"),  # not the type's prefix: the declaring service
        ("ministry.catalogue_entry_added", "ministry"),
        ("process.created", "audits"),
        ("audit.prepared", "audits"),
        ("nonconformity.recurrence_detected", "audits"),
        ("action.assigned", "audits"),
        ("effectiveness.verified", "audits"),
    ],
)
def test_source_service(event_type, service):
    # The service whose contracts declare the type: its exchange carries the event.
    assert publisher_of(event_type) == service


# --- delivery queues (shared/consumer.py) -------------------------------------------------------


@pytest.mark.parametrize("queue", ["evt-policy-policy.published--gateway.on_published", "q"])
def test_side_queue_names(queue):
    from jouda.shared.consumer import dead_letter_queue_name, retry_queue_name

    assert retry_queue_name(queue) == queue + ".retry"
    assert dead_letter_queue_name(queue) == queue + ".dlq"
