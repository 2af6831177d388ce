"""Where an indicator and its objective stand (services/objectives/status.py): zones, the
worst-of rule, trends and threshold checks. Plain functions: table-driven."""

import pytest

from jouda.services.objectives import status
from jouda.services.objectives.status import (
    ACHIEVED,
    AT_RISK,
    DECREASE,
    IMPROVING,
    INCREASE,
    NO_DATA,
    OFF_TRACK,
    ON_TRACK,
    STABLE,
    WORSENING,
)

# Higher is better: satisfaction rate from 50 % (baseline) to 80 % (target), amber at 70 %.
RISING = {"baseline": 50, "target": 80, "amber_threshold": 70, "direction": INCREASE}
# Lower is better: processing time from 30 days (baseline) to 15 days (target), amber at 20 days.
FALLING = {"baseline": 30, "target": 15, "amber_threshold": 20, "direction": DECREASE}


# --- indicator_status ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "thresholds,value,expected",
    [
        pytest.param(RISING, 80, ON_TRACK, id="increase-target-met-exactly"),
        pytest.param(RISING, 95, ON_TRACK, id="increase-beyond-target"),
        pytest.param(RISING, 70, ON_TRACK, id="increase-at-amber-exactly"),
        pytest.param(RISING, 75, ON_TRACK, id="increase-between-amber-and-target"),
        pytest.param(RISING, 69.9, AT_RISK, id="increase-just-below-amber"),
        pytest.param(RISING, 60, AT_RISK, id="increase-between-baseline-and-amber"),
        pytest.param(RISING, 50.1, AT_RISK, id="increase-just-above-baseline"),
        pytest.param(RISING, 50, OFF_TRACK, id="increase-exactly-at-baseline"),
        pytest.param(RISING, 40, OFF_TRACK, id="increase-worse-than-baseline"),
        pytest.param(RISING, None, NO_DATA, id="increase-no-data"),
        pytest.param(FALLING, 15, ON_TRACK, id="decrease-target-met-exactly"),
        pytest.param(FALLING, 10, ON_TRACK, id="decrease-beyond-target"),
        pytest.param(FALLING, 20, ON_TRACK, id="decrease-at-amber-exactly"),
        pytest.param(FALLING, 17, ON_TRACK, id="decrease-between-amber-and-target"),
        pytest.param(FALLING, 20.1, AT_RISK, id="decrease-just-above-amber"),
        pytest.param(FALLING, 25, AT_RISK, id="decrease-between-baseline-and-amber"),
        pytest.param(FALLING, 29.9, AT_RISK, id="decrease-just-below-baseline"),
        pytest.param(FALLING, 30, OFF_TRACK, id="decrease-exactly-at-baseline"),
        pytest.param(FALLING, 45, OFF_TRACK, id="decrease-worse-than-baseline"),
        pytest.param(FALLING, None, NO_DATA, id="decrease-no-data"),
    ],
)
def test_indicator_status(thresholds, value, expected):
    assert status.indicator_status(value, **thresholds) == expected


@pytest.mark.parametrize("value", [0, 0.0])
def test_a_zero_value_is_data_not_missing(value):
    # 0 is falsy: it must still be read as a measurement (off track here), never as "no data".
    assert status.indicator_status(value, **RISING) == OFF_TRACK
    assert status.indicator_status(value, **FALLING) == ON_TRACK


@pytest.mark.parametrize(
    "thresholds,value,expected",
    [
        pytest.param(RISING, 80, True, id="increase-at-target"),
        pytest.param(RISING, 79.99, False, id="increase-just-short"),
        pytest.param(RISING, None, False, id="increase-no-data"),
        pytest.param(FALLING, 15, True, id="decrease-at-target"),
        pytest.param(FALLING, 15.01, False, id="decrease-just-short"),
        pytest.param(FALLING, None, False, id="decrease-no-data"),
    ],
)
def test_target_met(thresholds, value, expected):
    assert status.target_met(value, thresholds["target"], thresholds["direction"]) is expected


# --- objective_status ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "indicators,expected",
    [
        pytest.param([], NO_DATA, id="no-indicators"),
        pytest.param([(ON_TRACK, True)], ACHIEVED, id="single-met"),
        pytest.param([(ON_TRACK, True), (ON_TRACK, True), (ON_TRACK, True)], ACHIEVED, id="all-met"),
        pytest.param([(ON_TRACK, False)], ON_TRACK, id="single-on-track-not-met"),
        pytest.param(
            [(OFF_TRACK, False), (AT_RISK, False), (NO_DATA, False), (ON_TRACK, False)],
            OFF_TRACK,
            id="worst-off-track-beats-all",
        ),
        pytest.param(
            [(ON_TRACK, False), (NO_DATA, False), (AT_RISK, False)], AT_RISK, id="at-risk-beats-no-data-and-on-track"
        ),
        pytest.param([(ON_TRACK, False), (NO_DATA, False)], NO_DATA, id="no-data-beats-on-track"),
        pytest.param([(NO_DATA, False), (NO_DATA, False)], NO_DATA, id="all-no-data"),
        pytest.param([(ON_TRACK, False), (ON_TRACK, False)], ON_TRACK, id="all-on-track-none-met"),
        pytest.param([(ON_TRACK, True), (AT_RISK, False)], AT_RISK, id="one-met-one-at-risk"),
        pytest.param([(ON_TRACK, True), (OFF_TRACK, False)], OFF_TRACK, id="one-met-one-off-track"),
        pytest.param([(ON_TRACK, True), (NO_DATA, False)], NO_DATA, id="one-met-one-without-data"),
        pytest.param([(ON_TRACK, True), (ON_TRACK, False)], ON_TRACK, id="one-met-one-on-track-not-met"),
    ],
)
def test_objective_status(indicators, expected):
    assert status.objective_status(indicators) == expected


def test_objective_status_takes_any_iterable():
    pairs = iter([(AT_RISK, False), (ON_TRACK, True)])
    assert status.objective_status(pair for pair in pairs) == AT_RISK
    assert status.objective_status(iter([])) == NO_DATA


def test_severity_is_the_documented_order():
    worst_first = sorted(status.SEVERITY, key=status.SEVERITY.__getitem__, reverse=True)
    assert worst_first == [OFF_TRACK, AT_RISK, NO_DATA, ON_TRACK]


# --- trend --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values,direction,expected",
    [
        pytest.param([], INCREASE, None, id="no-values"),
        pytest.param([60], INCREASE, None, id="one-value"),
        pytest.param([None, 60, None], INCREASE, None, id="one-value-among-nones"),
        pytest.param([None, None], DECREASE, None, id="only-nones"),
        pytest.param([60, 65], INCREASE, IMPROVING, id="increase-going-up"),
        pytest.param([65, 60], INCREASE, WORSENING, id="increase-going-down"),
        pytest.param([60, 60], INCREASE, STABLE, id="increase-flat"),
        pytest.param([25, 20], DECREASE, IMPROVING, id="decrease-going-down"),
        pytest.param([20, 25], DECREASE, WORSENING, id="decrease-going-up"),
        pytest.param([20, 20], DECREASE, STABLE, id="decrease-flat"),
        pytest.param([60, 90, 60], INCREASE, STABLE, id="middle-value-does-not-count"),
        pytest.param([60, 50, 61], INCREASE, IMPROVING, id="latest-against-oldest-of-three"),
        pytest.param([100, 60, 70, 80], INCREASE, IMPROVING, id="fourth-oldest-ignored-increase"),
        pytest.param([60, 90, 75, 60], INCREASE, WORSENING, id="fourth-oldest-ignored-else-stable"),
        pytest.param([10, 30, 25, 20], DECREASE, IMPROVING, id="fourth-oldest-ignored-decrease"),
        pytest.param([60, None, 70], INCREASE, IMPROVING, id="none-in-the-middle-ignored"),
        pytest.param([70, 60, None, None], INCREASE, WORSENING, id="trailing-nones-ignored"),
        pytest.param([90, None, 60, None, 65, 70], INCREASE, IMPROVING, id="nones-do-not-use-up-the-window"),
    ],
)
def test_trend(values, direction, expected):
    assert status.trend(values, direction) == expected


def test_trend_window_can_be_widened():
    values = [100, 60, 70, 80]
    assert status.trend(values, INCREASE) == IMPROVING
    assert status.trend(values, INCREASE, periods=4) == WORSENING
    assert status.trend(values, INCREASE, periods=2) == IMPROVING


# --- thresholds_problem -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "baseline,target,amber,direction",
    [
        pytest.param(50, 80, 70, INCREASE, id="increase-amber-inside"),
        pytest.param(50, 80, 80, INCREASE, id="increase-amber-at-target"),
        pytest.param(-10, -2, -5, INCREASE, id="increase-negative-values"),
        pytest.param(30, 15, 20, DECREASE, id="decrease-amber-inside"),
        pytest.param(30, 15, 15, DECREASE, id="decrease-amber-at-target"),
        pytest.param(0.5, 0.1, 0.25, DECREASE, id="decrease-fractions"),
    ],
)
def test_thresholds_that_work(baseline, target, amber, direction):
    assert status.thresholds_problem(baseline, target, amber, direction) is None


@pytest.mark.parametrize(
    "baseline,target,amber,direction,field,word",
    [
        pytest.param(50, 50, 50, INCREASE, "target", "above", id="increase-target-equals-baseline"),
        pytest.param(50, 40, 45, INCREASE, "target", "above", id="increase-target-below-baseline"),
        pytest.param(30, 30, 30, DECREASE, "target", "below", id="decrease-target-equals-baseline"),
        pytest.param(30, 40, 35, DECREASE, "target", "below", id="decrease-target-above-baseline"),
        pytest.param(50, 80, 40, INCREASE, "amber_threshold", "between", id="increase-amber-below-baseline"),
        pytest.param(50, 80, 90, INCREASE, "amber_threshold", "between", id="increase-amber-above-target"),
        pytest.param(30, 15, 35, DECREASE, "amber_threshold", "between", id="decrease-amber-worse-than-baseline"),
        pytest.param(30, 15, 10, DECREASE, "amber_threshold", "between", id="decrease-amber-beyond-target"),
    ],
)
def test_thresholds_that_do_not_work(baseline, target, amber, direction, field, word):
    problem = status.thresholds_problem(baseline, target, amber, direction)
    assert problem is not None
    assert problem[0] == field
    assert word in problem[1]


@pytest.mark.parametrize(
    "baseline,target,direction",
    [
        pytest.param(50, 80, INCREASE, id="increase"),
        pytest.param(30, 15, DECREASE, id="decrease"),
    ],
)
def test_a_value_at_the_baseline_is_never_on_track(baseline, target, direction):
    # Either such thresholds are refused, or a value at the baseline is off track (one rule must give).
    accepted = status.thresholds_problem(baseline, target, baseline, direction) is None
    at_baseline = status.indicator_status(
        baseline, baseline=baseline, target=target, amber_threshold=baseline, direction=direction
    )
    assert not accepted or at_baseline == OFF_TRACK


def test_target_problem_is_reported_before_amber_problem():
    # Both wrong: the target comes first, since the amber range depends on it.
    assert status.thresholds_problem(50, 40, 90, INCREASE)[0] == "target"
