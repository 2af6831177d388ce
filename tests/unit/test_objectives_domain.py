"""Quality objectives, indicators and measurements (services/objectives/domain.py): the state
guard table, indicator definitions, measurement rules and reporting completeness.
Plain Python: no broker, no database."""

from datetime import date, datetime, timedelta, timezone
from itertools import product

import pytest

from jouda.services.objectives import domain
from jouda.shared import periods
from jouda.services.objectives.domain import (
    ABANDONED,
    ACHIEVED,
    ACTIVE,
    STATE_GUARDS,
    STATES,
    MeasurementExists,
    StateChangeNotAllowed,
)
from jouda.services.objectives.status import ACHIEVED as STATUS_ACHIEVED
from jouda.services.objectives.status import AT_RISK, IMPROVING, NO_DATA, OFF_TRACK, ON_TRACK, WORSENING
from jouda.shared.errors import Conflict, Forbidden, RoleNotAllowed, ValidationFailed
from jouda.shared.vocabulary import ROLES

TENANT = "fes-meknes"
CREATED = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 11, 21, 10, 30, tzinfo=timezone.utc)
LATER = NOW + timedelta(hours=2)
TODAY = date(2026, 11, 21)
QM, PO = domain.QUALITY_MANAGER, domain.PROCESS_OWNER
ORIENTATIONS = {"OS1", "OS2"}
USERS = {"u-qm", "u-owner", "u-po", "u-staff", "u-other"}
NON_EDITORS = [role for role in ROLES if role not in domain.EDITORS]

OBJECTIVE = {
    "title": "Améliorer la satisfaction des usagers",
    "description": "",
    "orientation_code": "OS1",
    "owner_id": "u-owner",
    "resources": "Budget communication",
    "due_date": date(2027, 12, 31),
    "evaluation_method": "Enquête trimestrielle",
}
INDICATOR = {
    "name": "Taux de satisfaction",
    "unit": "%",
    "direction": "increase",
    "baseline": 50.0,
    "target": 80.0,
    "amber_threshold": 70.0,
    "frequency": "monthly",
    "owner_id": "u-owner",
    "catalogue_code": None,
    "start_period": "2026-01",
}


def satisfaction():
    """The national indicator, built per test (never before models.py maps the class)."""
    return domain.CatalogueIndicator(
        "SATISFACTION", "Taux de satisfaction", "نسبة الرضا", "%", "increase", "u-ministry", CREATED
    )


def make_objective(state=ACTIVE, **data):
    objective = domain.create_objective(
        TENANT, {**OBJECTIVE, **data}, "u-qm", QM, CREATED, orientations=ORIENTATIONS, active_users=USERS
    )
    objective.state = state
    return objective


def edit(objective, changes, role=QM, orientations=ORIENTATIONS, active_users=USERS):
    return domain.edit_objective(objective, changes, role, NOW, orientations=orientations, active_users=active_users)


def make_indicator(objective=None, catalogue_entry=None, today=TODAY, **data):
    return domain.add_indicator(
        objective or make_objective(),
        {**INDICATOR, **data},
        QM,
        CREATED,
        active_users=USERS,
        catalogue_entry=catalogue_entry,
        today=today,
    )


def measurement_data(period="2026-10", value=75.0, **extra):
    return {
        "period": period,
        "value": value,
        "comment": None,
        "evidence_url": None,
        "correction": False,
        "reason": None,
        **extra,
    }


def record(indicator, existing=None, actor="u-owner", role="staff", today=TODAY, objective=None, **data):
    objective = objective or make_objective()
    return domain.record_measurement(objective, indicator, measurement_data(**data), existing, actor, role, NOW, today)


# --- create_objective ---------------------------------------------------------------------------------


def test_create_objective_starts_active_without_data():
    objective = make_objective()
    assert objective.tenant_id == TENANT
    assert (objective.state, objective.status, objective.abandon_reason) == (ACTIVE, NO_DATA, None)
    assert (objective.created_by, objective.created_at, objective.updated_at) == ("u-qm", CREATED, CREATED)
    for name in domain.Objective.FIELDS:
        assert getattr(objective, name) == OBJECTIVE[name]
    assert objective.id != make_objective().id


@pytest.mark.parametrize("role", NON_EDITORS)
def test_only_the_quality_manager_sets_objectives(role):
    with pytest.raises(RoleNotAllowed) as caught:
        domain.create_objective(TENANT, OBJECTIVE, "u-1", role, NOW, orientations=ORIENTATIONS, active_users=USERS)
    assert isinstance(caught.value, Forbidden)
    assert caught.value.status == 403
    assert caught.value.details == {"role": role, "allowed_roles": [QM]}


def test_role_is_checked_before_the_policy():
    with pytest.raises(RoleNotAllowed):
        domain.create_objective(TENANT, OBJECTIVE, "u-1", "staff", NOW, orientations=set(), active_users=USERS)


@pytest.mark.parametrize("orientations", [set(), frozenset(), None])
def test_no_objective_before_a_policy_is_published(orientations):
    with pytest.raises(StateChangeNotAllowed) as caught:
        domain.create_objective(TENANT, OBJECTIVE, "u-qm", QM, NOW, orientations=orientations, active_users=USERS)
    assert isinstance(caught.value, Conflict)
    assert (caught.value.status, caught.value.code) == (409, "state_change_not_allowed")
    assert "orientation_code" in caught.value.details


def test_unknown_orientation_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        domain.create_objective(
            TENANT,
            {**OBJECTIVE, "orientation_code": "OS9"},
            "u-qm",
            QM,
            NOW,
            orientations=ORIENTATIONS,
            active_users=USERS,
        )
    assert caught.value.status == 422
    assert caught.value.details == {"orientation_code": ["One of OS1, OS2."]}


@pytest.mark.parametrize("owner", ["u-gone", "", "U-OWNER"])
def test_owner_must_be_an_active_user(owner):
    with pytest.raises(ValidationFailed) as caught:
        domain.create_objective(
            TENANT, {**OBJECTIVE, "owner_id": owner}, "u-qm", QM, NOW, orientations=ORIENTATIONS, active_users=USERS
        )
    assert list(caught.value.details) == ["owner_id"]


# --- the state guard table -----------------------------------------------------------------------------


def test_state_guards_are_the_documented_life_cycle():
    assert {pair: guard.action for pair, guard in STATE_GUARDS.items()} == {
        (ACTIVE, ACHIEVED): "achieve",
        (ACTIVE, ABANDONED): "abandon",
        (ACHIEVED, ACTIVE): "reopen",
        (ABANDONED, ACTIVE): "reopen",
    }
    assert [pair for pair, guard in STATE_GUARDS.items() if guard.reason_required] == [(ACTIVE, ABANDONED)]
    assert all(guard.roles == domain.EDITORS for guard in STATE_GUARDS.values())


@pytest.mark.parametrize(
    "source,target", [pair for pair in product(STATES, STATES) if pair[0] != pair[1]], ids=lambda state: state
)
def test_each_state_change_only_through_the_guard_table(source, target):
    objective = make_objective(source)
    reason = "Budget supprimé" if target == ABANDONED else None
    changes = {"state": target, **({"abandon_reason": reason} if reason else {})}
    if (source, target) in STATE_GUARDS:
        assert edit(objective, changes) == ["state"]
        assert objective.state == target
        assert objective.updated_at == NOW
    else:
        with pytest.raises(StateChangeNotAllowed) as caught:
            edit(objective, changes)
        assert caught.value.status == 409
        assert caught.value.details == {"state": source, "requested": target}
        assert objective.state == source
        assert objective.updated_at == CREATED


@pytest.mark.parametrize("pair,role", list(product(STATE_GUARDS, NON_EDITORS)), ids=str)
def test_state_changes_only_by_editors(pair, role):
    source, target = pair
    objective = make_objective(source)
    with pytest.raises(RoleNotAllowed):
        edit(
            objective, {"state": target, "abandon_reason": "x"} if target == ABANDONED else {"state": target}, role=role
        )
    assert objective.state == source


def test_achieve():
    objective = make_objective()
    assert edit(objective, {"state": ACHIEVED}) == ["state"]
    assert (objective.state, objective.abandon_reason, objective.updated_at) == (ACHIEVED, None, NOW)
    assert objective.status == NO_DATA  # the declared state does not touch the measured status


@pytest.mark.parametrize("reason", [None, "", " ", " \t\n "], ids=repr)
def test_abandon_needs_a_reason(reason):
    objective = make_objective()
    changes = {"state": ABANDONED} if reason is None else {"state": ABANDONED, "abandon_reason": reason}
    with pytest.raises(ValidationFailed) as caught:
        edit(objective, changes)
    assert caught.value.details == {"abandon_reason": ["Required when abandoning."]}
    assert objective.state == ACTIVE
    assert objective.abandon_reason is None


def test_abandon_with_a_reason_keeps_it_stripped():
    objective = make_objective()
    assert edit(objective, {"state": ABANDONED, "abandon_reason": "  Budget supprimé  "}) == ["state"]
    assert (objective.state, objective.abandon_reason) == (ABANDONED, "Budget supprimé")


@pytest.mark.parametrize("source", [ACHIEVED, ABANDONED])
def test_reopen_clears_the_abandon_reason(source):
    objective = make_objective(source)
    objective.abandon_reason = "Budget supprimé" if source == ABANDONED else None
    assert edit(objective, {"state": ACTIVE}) == ["state"]
    assert (objective.state, objective.abandon_reason) == (ACTIVE, None)


@pytest.mark.parametrize("state", [ACHIEVED, ABANDONED])
@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"title": "Nouveau titre"}, id="field-only"),
        pytest.param({"state": ACTIVE, "title": "Nouveau titre"}, id="reopen-and-edit-at-once"),
    ],
)
def test_field_edits_refused_when_not_active(state, changes):
    objective = make_objective(state)
    with pytest.raises(StateChangeNotAllowed) as caught:
        edit(objective, changes)
    assert caught.value.details == {"state": state}
    assert (objective.title, objective.state, objective.updated_at) == (OBJECTIVE["title"], state, CREATED)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"abandon_reason": "Pourquoi pas"}, id="no-state"),
        pytest.param({"state": ACTIVE, "abandon_reason": "Pourquoi pas"}, id="state-unchanged"),
        pytest.param({"state": ACHIEVED, "abandon_reason": "Pourquoi pas"}, id="with-achieve"),
    ],
)
def test_abandon_reason_without_abandoning_is_refused(changes):
    objective = make_objective()
    with pytest.raises(ValidationFailed) as caught:
        edit(objective, changes)
    assert caught.value.details == {"abandon_reason": ["Only with state abandoned."]}
    assert (objective.state, objective.abandon_reason) == (ACTIVE, None)


def test_abandon_reason_with_a_reopen_is_refused():
    objective = make_objective(ABANDONED)
    with pytest.raises(ValidationFailed):
        edit(objective, {"state": ACTIVE, "abandon_reason": "Encore"})
    assert objective.state == ABANDONED


def test_a_refused_state_change_leaves_the_fields_alone():
    objective = make_objective()
    with pytest.raises(ValidationFailed):
        edit(objective, {"title": "Nouveau titre", "state": ABANDONED})  # no reason: refused
    assert objective.title == OBJECTIVE["title"]


@pytest.mark.parametrize("role", NON_EDITORS)
def test_field_edits_only_by_editors(role):
    objective = make_objective()
    with pytest.raises(RoleNotAllowed):
        edit(objective, {"title": "X"}, role=role)
    assert objective.title == OBJECTIVE["title"]


def test_edit_returns_only_what_changed():
    objective = make_objective()
    changed = edit(
        objective, {"title": "Nouveau titre", "owner_id": "u-owner", "resources": "Plus", "orientation_code": "OS2"}
    )
    assert changed == ["title", "resources", "orientation_code"]
    assert (objective.title, objective.resources, objective.orientation_code) == ("Nouveau titre", "Plus", "OS2")
    assert objective.updated_at == NOW


def test_an_edit_that_changes_nothing_keeps_updated_at():
    objective = make_objective()
    assert edit(objective, {"title": OBJECTIVE["title"], "state": ACTIVE}) == []
    assert objective.updated_at == CREATED


def test_edit_checks_a_new_orientation_against_the_policy():
    objective = make_objective()
    with pytest.raises(ValidationFailed) as caught:
        edit(objective, {"orientation_code": "OS9"})
    assert "orientation_code" in caught.value.details
    with pytest.raises(StateChangeNotAllowed):
        edit(objective, {"orientation_code": "OS2"}, orientations=set())


def test_edit_keeps_an_orientation_the_current_policy_dropped():
    objective = make_objective()  # under OS1, which a newer policy no longer has
    assert edit(objective, {"orientation_code": "OS1", "title": "T2"}, orientations={"OS2"}) == ["title"]


def test_edit_checks_a_new_owner_but_not_the_unchanged_one():
    objective = make_objective()
    with pytest.raises(ValidationFailed) as caught:
        edit(objective, {"owner_id": "u-gone"})
    assert list(caught.value.details) == ["owner_id"]
    assert objective.owner_id == "u-owner"
    # The owner has since left: other edits still go through.
    assert edit(objective, {"owner_id": "u-owner", "title": "T2"}, active_users={"u-qm"}) == ["title"]


# --- add_indicator --------------------------------------------------------------------------------------


def test_add_indicator_defines_it_without_data():
    objective = make_objective()
    indicator = make_indicator(objective)
    assert (indicator.objective_id, indicator.tenant_id) == (objective.id, TENANT)
    for name in domain.Indicator.FIELDS:
        assert getattr(indicator, name) == INDICATOR[name]
    assert (indicator.status, indicator.latest_period, indicator.latest_value, indicator.trend) == (
        NO_DATA,
        None,
        None,
        None,
    )
    assert indicator.target_met is False
    assert indicator.created_at == indicator.updated_at == CREATED


@pytest.mark.parametrize("role", NON_EDITORS)
def test_only_the_quality_manager_defines_indicators(role):
    with pytest.raises(RoleNotAllowed):
        domain.add_indicator(
            make_objective(), INDICATOR, role, NOW, active_users=USERS, catalogue_entry=None, today=TODAY
        )


@pytest.mark.parametrize("state", [ACHIEVED, ABANDONED])
def test_indicators_only_on_active_objectives(state):
    with pytest.raises(StateChangeNotAllowed) as caught:
        make_indicator(make_objective(state))
    assert caught.value.details == {"state": state}


@pytest.mark.parametrize(
    "direction,baseline,target,amber,field",
    [
        pytest.param("increase", 50, 50, 50, "target", id="increase-target-not-above-baseline"),
        pytest.param("increase", 50, 80, 90, "amber_threshold", id="increase-amber-beyond-target"),
        pytest.param("increase", 50, 80, 40, "amber_threshold", id="increase-amber-below-baseline"),
        pytest.param("decrease", 30, 40, 35, "target", id="decrease-target-above-baseline"),
        pytest.param("decrease", 30, 15, 35, "amber_threshold", id="decrease-amber-worse-than-baseline"),
    ],
)
def test_thresholds_problems_are_refused(direction, baseline, target, amber, field):
    with pytest.raises(ValidationFailed) as caught:
        make_indicator(unit="jours", direction=direction, baseline=baseline, target=target, amber_threshold=amber)
    assert list(caught.value.details) == [field]
    assert caught.value.details[field] == [caught.value.message]


def test_indicator_owner_must_be_active():
    with pytest.raises(ValidationFailed) as caught:
        make_indicator(owner_id="u-gone")
    assert list(caught.value.details) == ["owner_id"]


def test_catalogue_mapping_with_matching_unit_and_direction():
    indicator = make_indicator(catalogue_entry=satisfaction(), catalogue_code="SATISFACTION")
    assert indicator.catalogue_code == "SATISFACTION"


@pytest.mark.parametrize(
    "changes,fields",
    [
        pytest.param({"unit": "points"}, ["unit"], id="unit"),
        pytest.param(
            {"direction": "decrease", "baseline": 80.0, "target": 50.0, "amber_threshold": 60.0},
            ["direction"],
            id="direction",
        ),
        pytest.param(
            {"unit": "jours", "direction": "decrease", "baseline": 80.0, "target": 50.0, "amber_threshold": 60.0},
            ["unit", "direction"],
            id="both",
        ),
    ],
)
def test_catalogue_mapping_needs_the_same_unit_and_direction(changes, fields):
    with pytest.raises(ValidationFailed) as caught:
        make_indicator(catalogue_entry=satisfaction(), catalogue_code="SATISFACTION", **changes)
    assert sorted(caught.value.details) == sorted(fields)
    if "unit" in fields:
        assert caught.value.details["unit"] == ["The national indicator SATISFACTION is in '%'."]


def test_unknown_catalogue_code_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        make_indicator(catalogue_code="NOT_IN_CATALOGUE", catalogue_entry=None)
    assert list(caught.value.details) == ["catalogue_code"]
    assert "NOT_IN_CATALOGUE" in caught.value.message


@pytest.mark.parametrize("unit", sorted(domain.PERCENT_UNITS))
@pytest.mark.parametrize(
    "changes,field",
    [
        pytest.param({"baseline": -5.0}, "baseline", id="baseline-below-0"),
        pytest.param({"target": 100.5, "amber_threshold": 90.0}, "target", id="target-above-100"),
    ],
)
def test_percentages_lie_between_0_and_100(unit, changes, field):
    with pytest.raises(ValidationFailed) as caught:
        make_indicator(unit=unit, **changes)
    assert caught.value.details == {field: ["From 0 to 100."]}


@pytest.mark.parametrize("baseline,target,amber", [(0.0, 100.0, 50.0), (0, 100, 100)])
def test_percentages_may_reach_0_and_100(baseline, target, amber):
    indicator = make_indicator(baseline=baseline, target=target, amber_threshold=amber)
    assert (indicator.baseline, indicator.target) == (baseline, target)


def test_other_units_may_go_beyond_100():
    indicator = make_indicator(unit="dossiers", baseline=-10.0, target=500.0, amber_threshold=300.0)
    assert indicator.target == 500.0


@pytest.mark.parametrize(
    "frequency,expected",
    [
        ("monthly", "2026-11"),
        ("quarterly", "2026-Q4"),
        ("semiannual", "2026-S2"),
        ("annual", "2026"),
    ],
)
def test_start_period_defaults_to_the_period_containing_today(frequency, expected):
    indicator = make_indicator(frequency=frequency, start_period=None)
    assert indicator.start_period == expected


def test_start_period_default_follows_the_given_day():
    indicator = make_indicator(start_period=None, frequency="quarterly", today=date(2027, 1, 1))
    assert indicator.start_period == "2027-Q1"


@pytest.mark.parametrize(
    "frequency,given,stored",
    [
        ("monthly", " 2025-07 ", "2025-07"),
        ("quarterly", "2025-Q3", "2025-Q3"),
        ("annual", "2024", "2024"),
    ],
)
def test_start_period_given_is_normalised(frequency, given, stored):
    assert make_indicator(frequency=frequency, start_period=given).start_period == stored


@pytest.mark.parametrize(
    "frequency,given", [("monthly", "2026-Q1"), ("quarterly", "2026-03"), ("annual", "2026-S1"), ("monthly", "2026-13")]
)
def test_start_period_must_match_the_frequency(frequency, given):
    with pytest.raises(ValidationFailed) as caught:
        make_indicator(frequency=frequency, start_period=given)
    assert "period" in caught.value.details


def test_add_indicator_does_not_change_the_given_data():
    data = {**INDICATOR, "start_period": None}
    domain.add_indicator(make_objective(), data, QM, NOW, active_users=USERS, catalogue_entry=None, today=TODAY)
    assert data["start_period"] is None


# --- record_measurement ----------------------------------------------------------------------------------


def test_record_a_first_measurement():
    indicator = make_indicator()
    measurement, correction = record(
        indicator, comment="Enquête d'octobre", evidence_url="https://example.org/rapport.pdf"
    )
    assert correction is None
    assert (measurement.indicator_id, measurement.tenant_id) == (indicator.id, TENANT)
    assert (measurement.period, measurement.period_start, measurement.value) == ("2026-10", date(2026, 10, 1), 75.0)
    assert (measurement.comment, measurement.evidence_url) == ("Enquête d'octobre", "https://example.org/rapport.pdf")
    assert (measurement.recorded_by, measurement.recorded_at, measurement.corrections) == ("u-owner", NOW, 0)


def test_the_current_period_can_be_recorded():
    measurement, _ = record(make_indicator(), period="2026-11")
    assert measurement.period == "2026-11"


@pytest.mark.parametrize(
    "period,today",
    [
        pytest.param("2026-12", TODAY, id="next-month"),
        pytest.param("2027-01", date(2026, 12, 31), id="next-year-on-new-years-eve"),
        pytest.param("2026-11", date(2026, 10, 31), id="starts-tomorrow"),
    ],
)
def test_future_periods_are_refused(period, today):
    with pytest.raises(ValidationFailed) as caught:
        record(make_indicator(), period=period, today=today)
    assert caught.value.details == {"period": ["Not in the future."]}


def test_periods_before_the_start_period_are_refused():
    indicator = make_indicator(start_period="2026-03")
    with pytest.raises(ValidationFailed) as caught:
        record(indicator, period="2026-02")
    assert caught.value.details == {"period": ["From 2026-03."]}
    assert record(indicator, period="2026-03")[0].period == "2026-03"


@pytest.mark.parametrize("period", ["2026-Q3", "2026", "2026-S1", "2026-13", "oct. 2026"])
def test_periods_of_another_frequency_are_refused(period):
    with pytest.raises(ValidationFailed) as caught:
        record(make_indicator(), period=period)
    assert "period" in caught.value.details


def test_quarterly_indicator_takes_quarters():
    indicator = make_indicator(frequency="quarterly", start_period="2026-Q1")
    measurement, _ = record(indicator, period="2026-Q3")
    assert (measurement.period, measurement.period_start) == ("2026-Q3", date(2026, 7, 1))
    with pytest.raises(ValidationFailed):
        record(indicator, period="2026-09")


@pytest.mark.parametrize("value", [True, False, "12", "75.0", None, float("nan"), float("inf"), [75]], ids=repr)
def test_values_must_be_numbers(value):
    with pytest.raises(ValidationFailed) as caught:
        record(make_indicator(), value=value)
    assert caught.value.details == {"value": ["A number."]}


@pytest.mark.parametrize("value", [-0.1, 100.1])
def test_percentage_values_lie_between_0_and_100(value):
    with pytest.raises(ValidationFailed) as caught:
        record(make_indicator(), value=value)
    assert caught.value.details == {"value": ["From 0 to 100."]}


@pytest.mark.parametrize("value", [0, 100, 0.0, 42])
def test_integer_and_boundary_values_are_accepted(value):
    assert record(make_indicator(), value=value)[0].value == value


def test_a_second_value_for_a_period_is_a_conflict():
    indicator = make_indicator()
    existing, _ = record(indicator, value=75.0)
    with pytest.raises(MeasurementExists) as caught:
        record(indicator, existing, value=78.0)
    assert isinstance(caught.value, Conflict)
    assert (caught.value.status, caught.value.code) == (409, "measurement_exists")
    assert caught.value.details == {"period": "2026-10", "value": 75.0}
    assert "correction" in caught.value.message
    assert existing.value == 75.0


@pytest.mark.parametrize("reason", [None, "", "   "], ids=repr)
def test_a_correction_needs_a_reason(reason):
    indicator = make_indicator()
    existing, _ = record(indicator, value=75.0)
    with pytest.raises(ValidationFailed) as caught:
        record(indicator, existing, value=78.0, correction=True, reason=reason)
    assert caught.value.details == {"reason": ["Required with correction."]}
    assert (existing.value, existing.corrections) == (75.0, 0)


def test_nothing_to_correct_for_a_missing_period():
    with pytest.raises(ValidationFailed) as caught:
        record(make_indicator(), None, correction=True, reason="Erreur de saisie")
    assert caught.value.details == {"correction": ["Nothing to correct."]}


def test_a_correction_keeps_the_previous_value():
    indicator = make_indicator()
    existing, _ = record(
        indicator, value=75.0, comment="Premier chiffre", evidence_url="https://example.org/v1.pdf", actor="u-owner"
    )
    corrected, correction = domain.record_measurement(
        make_objective(),
        indicator,
        measurement_data(value=78.0, comment="Recompté", correction=True, reason="  Erreur de saisie  "),
        existing,
        "u-qm",
        QM,
        LATER,
        TODAY,
    )
    assert corrected is existing
    assert (corrected.value, corrected.comment, corrected.evidence_url) == (78.0, "Recompté", None)
    assert (corrected.recorded_by, corrected.updated_at, corrected.recorded_at) == ("u-qm", LATER, NOW)
    assert corrected.corrections == 1
    assert correction.measurement_id == existing.id
    assert correction.tenant_id == TENANT
    assert (correction.previous_value, correction.previous_comment, correction.previous_evidence_url) == (
        75.0,
        "Premier chiffre",
        "https://example.org/v1.pdf",
    )
    assert (correction.previous_recorded_by, correction.corrected_by, correction.corrected_at) == (
        "u-owner",
        "u-qm",
        LATER,
    )
    assert correction.reason == "Erreur de saisie"


def test_each_correction_is_counted_and_keeps_the_value_it_replaced():
    indicator = make_indicator()
    existing, _ = record(indicator, value=75.0)
    history = []
    for value in (78.0, 79.0, 77.5):
        _, correction = record(indicator, existing, value=value, correction=True, reason="Recompté")
        history.append(correction.previous_value)
    assert existing.corrections == 3
    assert existing.value == 77.5
    assert history == [75.0, 78.0, 79.0]


@pytest.mark.parametrize(
    "actor,role,allowed",
    [
        pytest.param("u-staff", "staff", False, id="staff-not-owner"),
        pytest.param("u-other", "auditor", False, id="auditor-not-owner"),
        pytest.param("u-dgs", "director", False, id="director-not-owner"),
        pytest.param("u-ministry", "ministry", False, id="ministry"),
        pytest.param("u-owner", "staff", True, id="staff-owner"),
        pytest.param("u-owner", "auditor", True, id="auditor-owner"),
        pytest.param("u-po", PO, True, id="process-owner"),
        pytest.param("u-qm", QM, True, id="quality-manager"),
    ],
)
def test_who_reports_an_indicator(actor, role, allowed):
    indicator = make_indicator()
    if allowed:
        domain.require_reporter(indicator, actor, role)
        assert record(indicator, actor=actor, role=role)[0].recorded_by == actor
    else:
        with pytest.raises(RoleNotAllowed) as caught:
            record(indicator, actor=actor, role=role)
        assert caught.value.status == 403
        assert caught.value.details == {"role": role}


def test_reporter_is_checked_before_the_period():
    with pytest.raises(RoleNotAllowed):
        record(make_indicator(), actor="u-staff", role="staff", period="not a period")


# --- refresh_indicator / refresh_objective ---------------------------------------------------------------


def test_refresh_indicator_takes_the_latest_value_and_trend():
    indicator = make_indicator()
    domain.refresh_indicator(indicator, [("2026-08", 60.0), ("2026-09", 65.0), ("2026-10", 72.0)], NOW)
    assert (indicator.latest_period, indicator.latest_value) == ("2026-10", 72.0)
    assert (indicator.status, indicator.trend, indicator.updated_at) == (ON_TRACK, IMPROVING, NOW)
    assert indicator.target_met is False


@pytest.mark.parametrize(
    "values,status,trend,met",
    [
        pytest.param([("2026-10", 85.0)], ON_TRACK, None, True, id="one-value-met"),
        pytest.param([("2026-09", 66.0), ("2026-10", 60.0)], AT_RISK, WORSENING, False, id="at-risk-worsening"),
        pytest.param([("2026-10", 45.0)], OFF_TRACK, None, False, id="off-track"),
        pytest.param([], NO_DATA, None, False, id="no-values"),
    ],
)
def test_refresh_indicator_statuses(values, status, trend, met):
    indicator = make_indicator()
    indicator.latest_period, indicator.latest_value = "2026-01", 99.0  # stale position
    domain.refresh_indicator(indicator, values, NOW)
    assert (indicator.status, indicator.trend, indicator.target_met) == (status, trend, met)
    assert indicator.latest_value == (values[-1][1] if values else None)


def test_refresh_objective_returns_the_old_status_only_when_it_changed():
    objective = make_objective()
    first, second = make_indicator(objective), make_indicator(objective)
    assert domain.refresh_objective(objective, [first, second]) is None  # still no data
    domain.refresh_indicator(first, [("2026-10", 85.0)], NOW)
    assert domain.refresh_objective(objective, [first, second]) is None  # the other has no data
    assert objective.status == NO_DATA
    domain.refresh_indicator(second, [("2026-10", 60.0)], NOW)
    assert domain.refresh_objective(objective, [first, second]) == NO_DATA
    assert objective.status == AT_RISK
    assert domain.refresh_objective(objective, [first, second]) is None
    domain.refresh_indicator(second, [("2026-10", 60.0), ("2026-11", 80.0)], NOW)
    assert domain.refresh_objective(objective, [first, second]) == AT_RISK
    assert objective.status == STATUS_ACHIEVED


def test_refresh_objective_without_indicators():
    objective = make_objective()
    objective.status = ON_TRACK
    assert domain.refresh_objective(objective, []) == ON_TRACK
    assert objective.status == NO_DATA


# --- reporting completeness ---------------------------------------------------------------------------


def strs(found):
    return [str(p) for p in found]


MONTHS_TO_OCTOBER = ["2025-11", "2025-12"] + [f"2026-{m:02d}" for m in range(1, 11)]


@pytest.mark.parametrize(
    "frequency,start,today,grace,expected",
    [
        pytest.param("monthly", "2020-01", TODAY, 10, MONTHS_TO_OCTOBER, id="monthly-twelve-months"),
        pytest.param(
            "monthly",
            "2020-01",
            date(2026, 11, 5),
            10,
            ["2025-10", "2025-11", "2025-12"] + [f"2026-{m:02d}" for m in range(1, 10)],
            id="monthly-october-still-in-grace",
        ),
        pytest.param(
            "monthly",
            "2026-06",
            TODAY,
            10,
            ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10"],
            id="monthly-start-inside-the-window",
        ),
        pytest.param("monthly", "2026-10", TODAY, 10, ["2026-10"], id="monthly-start-is-the-last-closed"),
        pytest.param("monthly", "2026-11", TODAY, 10, [], id="monthly-start-not-closed-yet"),
        pytest.param("monthly", "2027-03", TODAY, 10, [], id="monthly-start-in-the-future"),
        pytest.param("monthly", "2020-01", TODAY, 30, ["2025-10"] + MONTHS_TO_OCTOBER[:-1], id="monthly-long-grace"),
        pytest.param(
            "quarterly",
            "2020-Q1",
            TODAY,
            10,
            ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"],
            id="quarterly-four-quarters",
        ),
        pytest.param("quarterly", "2026-Q2", TODAY, 10, ["2026-Q2", "2026-Q3"], id="quarterly-start-inside"),
        pytest.param(
            "quarterly",
            "2020-Q1",
            date(2026, 10, 5),
            10,
            ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"],
            id="quarterly-q3-still-in-grace",
        ),
        pytest.param("semiannual", "2020-S1", TODAY, 10, ["2025-S2", "2026-S1"], id="semiannual-two-halves"),
        pytest.param("annual", "2020", TODAY, 10, ["2025"], id="annual-one-year"),
        pytest.param("annual", "2020", date(2027, 1, 5), 10, ["2025"], id="annual-2026-still-in-grace"),
    ],
)
def test_due_periods(frequency, start, today, grace, expected):
    assert strs(periods.due_periods(frequency, start, today, grace)) == expected


def test_due_periods_window_can_change():
    assert strs(periods.due_periods("monthly", "2020-01", TODAY, 10, window_months=3)) == [
        "2026-08",
        "2026-09",
        "2026-10",
    ]


def test_late_periods_are_due_periods_without_a_value():
    reported = {"2026-07", "2026-09", "2025-01"}
    late = periods.late_periods("monthly", "2026-06", reported, TODAY, 10)
    assert strs(late) == ["2026-06", "2026-08", "2026-10"]
    assert (
        periods.late_periods("monthly", "2026-06", {"2026-06", "2026-07", "2026-08", "2026-09", "2026-10"}, TODAY, 10)
        == []
    )


def test_late_periods_respect_the_grace_days():
    assert strs(periods.late_periods("monthly", "2026-09", set(), date(2026, 11, 5), 10)) == ["2026-09"]
    assert strs(periods.late_periods("monthly", "2026-09", set(), date(2026, 11, 11), 10)) == ["2026-09", "2026-10"]


def test_completeness_over_several_indicators():
    indicators = [
        ("monthly", "2026-06", {"2026-06", "2026-07", "2026-10", "2026-11"}),  # 3 of 5 due (11 not due)
        ("quarterly", "2020-Q1", {"2026-Q3"}),  # 1 of 4
        ("annual", "2027", set()),  # none due yet
    ]
    assert periods.completeness(indicators, TODAY, 10) == (4, 9)
    assert periods.completeness([], TODAY, 10) == (0, 0)


@pytest.mark.parametrize(
    "reported,due,rate",
    [
        (0, 0, None),
        (0, 9, 0.0),
        (4, 9, 0.4444),
        (9, 9, 1.0),
        (2, 3, 0.6667),
    ],
)
def test_completeness_rate(reported, due, rate):
    assert periods.completeness_rate(reported, due) == rate


def test_due_periods_are_periods_of_the_frequency():
    found = periods.due_periods("quarterly", "2020-Q1", TODAY, 10)
    assert all(isinstance(p, periods.Period) and p.frequency == "quarterly" for p in found)


@pytest.mark.parametrize("state", [ACHIEVED, ABANDONED])
def test_a_closed_objective_takes_no_measurement(state):
    indicator = make_indicator()
    with pytest.raises(StateChangeNotAllowed) as caught:
        record(indicator, objective=make_objective(state))
    assert caught.value.status == 409 and "reopen" in caught.value.message


def test_a_better_reason_for_an_abandoned_objective_replaces_the_old_one():
    objective = make_objective(ABANDONED)
    assert edit(objective, {"state": ABANDONED, "abandon_reason": "Fusion avec l'objectif 3"}) == ["abandon_reason"]
    assert objective.abandon_reason == "Fusion avec l'objectif 3"
