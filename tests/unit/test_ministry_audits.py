"""The ministry's audit figures as plain Python (services/ministry/domain.py, projections/audits.py):
the positions it keeps of the audits service's events, and the year its views are asked for."""

from datetime import date, datetime, timezone

import pytest

from jouda.services.ministry import domain
from jouda.services.ministry.projections import APPLIERS, REFRESHES
from jouda.services.ministry.projections.audits import APPLIERS as AUDITS_APPLIERS
from jouda.shared.errors import ValidationFailed

AT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
OPENED, CLOSED_AT = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc), datetime(2026, 2, 4, 8, 0, tzinfo=timezone.utc)
NONCONFORMITY = {
    "nonconformity_id": "5a4b1c2d-0000-4000-8000-000000000001",
    "reference": "NC-2026-012",
    "title": "Registre des réclamations non tenu à jour",
    "process_id": "5a4b1c2d-0000-4000-8000-000000000002",
    "clause": "9.1.2",
    "severity": "major",
    "source": "citizen_complaint",
    "audit_id": None,
    "state": "closed",
    "opened_at": OPENED.isoformat(),
    "closed_at": CLOSED_AT.isoformat(),
    "recurrence_of": "5a4b1c2d-0000-4000-8000-000000000003",
    "verifications": 2,
    "first_time_effective": False,
}


def test_every_audits_event_the_ministry_reads_has_an_applier_and_none_refreshes_completeness():
    assert set(AUDITS_APPLIERS) == {
        *(
            f"audit.{step}"
            for step in ("planned", "updated", "prepared", "started", "reported", "closed", "cancelled", "snapshot")
        ),
        *(f"nonconformity.{step}" for step in ("opened", "status_changed", "closed", "snapshot")),
    }
    assert set(AUDITS_APPLIERS) <= set(APPLIERS)
    assert not set(AUDITS_APPLIERS) & REFRESHES


def test_an_audit_position_keeps_figures_only():
    position = domain.AuditPosition("a-1", "fes-meknes")
    payload = {"year": 2026, "type": "certification", "state": "planned", "programme_id": None, "title": "Audit"}
    domain.take_audit(position, payload, at=AT)
    assert (position.year, position.type, position.state, position.in_programme, position.as_of) == (
        2026,
        "certification",
        "planned",
        False,
        AT,
    )
    domain.take_audit(position, {**payload, "programme_id": "p-1"}, at=AT)
    assert position.in_programme is True
    assert not hasattr(position, "title")


def test_a_nonconformity_position_keeps_figures_only():
    position = domain.NonconformityPosition(NONCONFORMITY["nonconformity_id"], "fes-meknes")
    domain.take_nonconformity(position, NONCONFORMITY, opened_at=OPENED, closed_at=CLOSED_AT, at=AT)
    assert (position.clause, position.severity, position.source, position.state) == (
        "9.1.2",
        "major",
        "citizen_complaint",
        "closed",
    )
    assert (position.opened_at, position.closed_at, position.as_of) == (OPENED, CLOSED_AT, AT)
    assert (position.recurrence, position.verifications, position.first_time_effective) == (True, 2, False)
    assert not {"title", "reference", "process_id", "recurrence_of"} & set(vars(position))


def test_the_year_of_the_audit_figures():
    today = date(2026, 5, 14)
    assert domain.audit_year(None, today) == 2026
    assert domain.audit_year(2000, today) == 2000
    assert domain.audit_year(2100, today) == 2100
    for wrong in (1999, 2101, "2026", 2026.0, True):
        with pytest.raises(ValidationFailed) as caught:
            domain.audit_year(wrong, today)
        assert set(caught.value.details) == {"year"}
