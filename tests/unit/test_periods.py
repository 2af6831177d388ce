"""Reporting periods (shared/periods.py): parsing, bounds, neighbours across year
boundaries, and which period is closed (and late) on a given day."""

from datetime import date

import pytest

from jouda.shared import periods
from jouda.shared.periods import ANNUAL, MONTHLY, QUARTERLY, SEMIANNUAL, Period
from jouda.shared.errors import ValidationFailed


# --- parse ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,frequency,expected",
    [
        pytest.param("2026-03", MONTHLY, Period(2026, 3, MONTHLY), id="monthly"),
        pytest.param("2026-01", MONTHLY, Period(2026, 1, MONTHLY), id="monthly-january"),
        pytest.param("2026-12", MONTHLY, Period(2026, 12, MONTHLY), id="monthly-december"),
        pytest.param(" 2026-03 ", MONTHLY, Period(2026, 3, MONTHLY), id="monthly-surrounding-spaces"),
        pytest.param("2026-Q1", QUARTERLY, Period(2026, 1, QUARTERLY), id="quarterly-q1"),
        pytest.param("2026-Q4", QUARTERLY, Period(2026, 4, QUARTERLY), id="quarterly-q4"),
        pytest.param("2026-S1", SEMIANNUAL, Period(2026, 1, SEMIANNUAL), id="semiannual-s1"),
        pytest.param("2026-S2", SEMIANNUAL, Period(2026, 2, SEMIANNUAL), id="semiannual-s2"),
        pytest.param("2026", ANNUAL, Period(2026, 1, ANNUAL), id="annual"),
        pytest.param("2000", ANNUAL, Period(2000, 1, ANNUAL), id="annual-first-year-allowed"),
        pytest.param("2100-12", MONTHLY, Period(2100, 12, MONTHLY), id="monthly-last-year-allowed"),
    ],
)
def test_parse_valid(text, frequency, expected):
    parsed = periods.parse(text, frequency)
    assert parsed == expected
    assert str(parsed) == text.strip()  # and it prints back as the clerk wrote it


@pytest.mark.parametrize(
    "text,frequency",
    [
        pytest.param("2026-Q1", MONTHLY, id="monthly-given-a-quarter"),
        pytest.param("2026", MONTHLY, id="monthly-given-a-year"),
        pytest.param("2026-3", MONTHLY, id="monthly-one-digit-month"),
        pytest.param("03-2026", MONTHLY, id="monthly-month-first"),
        pytest.param("2026/03", MONTHLY, id="monthly-slash"),
        pytest.param("2026-13", MONTHLY, id="monthly-month-13"),
        pytest.param("2026-00", MONTHLY, id="monthly-month-00"),
        pytest.param("mars 2026", MONTHLY, id="monthly-words"),
        pytest.param("", MONTHLY, id="monthly-empty"),
        pytest.param("2026-03", QUARTERLY, id="quarterly-given-a-month"),
        pytest.param("2026-Q5", QUARTERLY, id="quarterly-q5"),
        pytest.param("2026-Q0", QUARTERLY, id="quarterly-q0"),
        pytest.param("2026-q1", QUARTERLY, id="quarterly-lowercase"),
        pytest.param("2026-S1", QUARTERLY, id="quarterly-given-a-half"),
        pytest.param("2026-S3", SEMIANNUAL, id="semiannual-s3"),
        pytest.param("2026-Q1", SEMIANNUAL, id="semiannual-given-a-quarter"),
        pytest.param("2026-03", ANNUAL, id="annual-given-a-month"),
        pytest.param("26", ANNUAL, id="annual-two-digits"),
        pytest.param("0999", ANNUAL, id="annual-year-before-2000"),
        pytest.param("1999-12", MONTHLY, id="monthly-year-before-2000"),
        pytest.param("0130-Q1", QUARTERLY, id="quarterly-year-0130"),
        pytest.param("2101", ANNUAL, id="annual-after-2100"),
    ],
)
def test_parse_invalid_text(text, frequency):
    with pytest.raises(ValidationFailed) as caught:
        periods.parse(text, frequency)
    assert caught.value.status == 422
    assert list(caught.value.details) == ["period"]


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(202603, id="int"),
        pytest.param(2026.03, id="float"),
        pytest.param(None, id="none"),
        pytest.param(["2026-03"], id="list"),
        pytest.param(b"2026-03", id="bytes"),
    ],
)
def test_parse_refuses_non_strings(value):
    with pytest.raises(ValidationFailed) as caught:
        periods.parse(value, MONTHLY)
    assert "period" in caught.value.details


def test_parse_error_shows_an_example_of_the_frequency():
    with pytest.raises(ValidationFailed) as caught:
        periods.parse("2026-Q1", MONTHLY)
    assert "2026-03" in caught.value.message
    assert caught.value.details == {"period": ["A monthly period, like 2026-03."]}


# --- start / end -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "period,start,end",
    [
        pytest.param(Period(2026, 1, MONTHLY), date(2026, 1, 1), date(2026, 1, 31), id="monthly-january"),
        pytest.param(Period(2026, 2, MONTHLY), date(2026, 2, 1), date(2026, 2, 28), id="monthly-february"),
        pytest.param(Period(2028, 2, MONTHLY), date(2028, 2, 1), date(2028, 2, 29), id="monthly-leap-february"),
        pytest.param(Period(2026, 12, MONTHLY), date(2026, 12, 1), date(2026, 12, 31), id="monthly-december"),
        pytest.param(Period(2026, 1, QUARTERLY), date(2026, 1, 1), date(2026, 3, 31), id="quarterly-q1"),
        pytest.param(Period(2026, 2, QUARTERLY), date(2026, 4, 1), date(2026, 6, 30), id="quarterly-q2"),
        pytest.param(Period(2026, 4, QUARTERLY), date(2026, 10, 1), date(2026, 12, 31), id="quarterly-q4"),
        pytest.param(Period(2026, 1, SEMIANNUAL), date(2026, 1, 1), date(2026, 6, 30), id="semiannual-s1"),
        pytest.param(Period(2026, 2, SEMIANNUAL), date(2026, 7, 1), date(2026, 12, 31), id="semiannual-s2"),
        pytest.param(Period(2026, 1, ANNUAL), date(2026, 1, 1), date(2026, 12, 31), id="annual"),
    ],
)
def test_start_and_end(period, start, end):
    assert (period.start, period.end) == (start, end)


# --- next / previous -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "period,following",
    [
        pytest.param(Period(2026, 3, MONTHLY), Period(2026, 4, MONTHLY), id="monthly-within-year"),
        pytest.param(Period(2026, 12, MONTHLY), Period(2027, 1, MONTHLY), id="monthly-december-to-january"),
        pytest.param(Period(2026, 2, QUARTERLY), Period(2026, 3, QUARTERLY), id="quarterly-within-year"),
        pytest.param(Period(2026, 4, QUARTERLY), Period(2027, 1, QUARTERLY), id="quarterly-q4-to-q1"),
        pytest.param(Period(2026, 1, SEMIANNUAL), Period(2026, 2, SEMIANNUAL), id="semiannual-within-year"),
        pytest.param(Period(2026, 2, SEMIANNUAL), Period(2027, 1, SEMIANNUAL), id="semiannual-s2-to-s1"),
        pytest.param(Period(2026, 1, ANNUAL), Period(2027, 1, ANNUAL), id="annual"),
    ],
)
def test_next_and_previous(period, following):
    assert period.next() == following
    assert following.previous() == period
    assert (following.start - period.end).days == 1  # no gap, no overlap


@pytest.mark.parametrize("frequency", periods.FREQUENCIES)
def test_a_year_of_periods_covers_the_year(frequency):
    first = Period(2026, 1, frequency)
    count = 12 // periods.MONTHS_PER_PERIOD[frequency]
    period = first
    for _ in range(count):
        period = period.next()
    assert period == Period(2027, 1, frequency)
    for _ in range(count):
        period = period.previous()
    assert period == first


def test_periods_order_chronologically_across_years():
    assert Period(2025, 12, MONTHLY) < Period(2026, 1, MONTHLY) < Period(2026, 2, MONTHLY)
    assert Period(2025, 4, QUARTERLY) < Period(2026, 1, QUARTERLY)
    assert max(Period(2026, 1, ANNUAL), Period(2025, 1, ANNUAL)) == Period(2026, 1, ANNUAL)


# --- containing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day,frequency,expected",
    [
        pytest.param(date(2026, 1, 1), MONTHLY, "2026-01", id="monthly-first-day"),
        pytest.param(date(2026, 11, 21), MONTHLY, "2026-11", id="monthly-mid-month"),
        pytest.param(date(2026, 12, 31), MONTHLY, "2026-12", id="monthly-last-day"),
        pytest.param(date(2026, 3, 31), QUARTERLY, "2026-Q1", id="quarterly-end-of-q1"),
        pytest.param(date(2026, 4, 1), QUARTERLY, "2026-Q2", id="quarterly-start-of-q2"),
        pytest.param(date(2026, 11, 21), QUARTERLY, "2026-Q4", id="quarterly-q4"),
        pytest.param(date(2026, 6, 30), SEMIANNUAL, "2026-S1", id="semiannual-end-of-s1"),
        pytest.param(date(2026, 7, 1), SEMIANNUAL, "2026-S2", id="semiannual-start-of-s2"),
        pytest.param(date(2026, 11, 21), ANNUAL, "2026", id="annual"),
    ],
)
def test_containing(day, frequency, expected):
    period = periods.containing(day, frequency)
    assert str(period) == expected
    assert period.start <= day <= period.end


# --- closed_by ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day,frequency,grace,expected",
    [
        pytest.param(date(2026, 11, 5), MONTHLY, 10, "2026-09", id="monthly-within-grace-of-october"),
        pytest.param(date(2026, 11, 21), MONTHLY, 10, "2026-10", id="monthly-past-grace-of-october"),
        pytest.param(date(2026, 11, 10), MONTHLY, 10, "2026-09", id="monthly-last-day-of-grace"),
        pytest.param(date(2026, 11, 11), MONTHLY, 10, "2026-10", id="monthly-first-day-late"),
        pytest.param(date(2026, 11, 1), MONTHLY, 0, "2026-10", id="monthly-no-grace"),
        pytest.param(date(2026, 11, 21), MONTHLY, 60, "2026-08", id="monthly-grace-longer-than-a-month"),
        pytest.param(date(2027, 1, 5), MONTHLY, 10, "2026-11", id="monthly-across-new-year-within-grace"),
        pytest.param(date(2027, 1, 15), MONTHLY, 10, "2026-12", id="monthly-across-new-year-past-grace"),
        pytest.param(date(2026, 11, 21), QUARTERLY, 10, "2026-Q3", id="quarterly"),
        pytest.param(date(2026, 10, 5), QUARTERLY, 10, "2026-Q2", id="quarterly-within-grace"),
        pytest.param(date(2027, 1, 5), QUARTERLY, 10, "2026-Q3", id="quarterly-across-new-year-within-grace"),
        pytest.param(date(2027, 1, 20), QUARTERLY, 10, "2026-Q4", id="quarterly-across-new-year-past-grace"),
        pytest.param(date(2026, 7, 5), SEMIANNUAL, 10, "2025-S2", id="semiannual-within-grace"),
        pytest.param(date(2026, 7, 20), SEMIANNUAL, 10, "2026-S1", id="semiannual-past-grace"),
        pytest.param(date(2026, 11, 21), ANNUAL, 10, "2025", id="annual"),
        pytest.param(date(2027, 1, 5), ANNUAL, 10, "2025", id="annual-within-grace"),
        pytest.param(date(2027, 1, 11), ANNUAL, 10, "2026", id="annual-past-grace"),
    ],
)
def test_closed_by(day, frequency, grace, expected):
    period = periods.closed_by(day, frequency, grace)
    assert str(period) == expected
    assert (day - period.end).days > grace  # its report is late
    assert (day - period.next().end).days <= grace  # the one after is not (yet)


def test_closed_by_defaults_to_no_grace():
    assert str(periods.closed_by(date(2026, 11, 1), MONTHLY)) == "2026-10"
    assert str(periods.closed_by(date(2026, 10, 31), MONTHLY)) == "2026-09"


# --- between --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "first,last,expected",
    [
        pytest.param(
            "2026-10", "2027-02", ["2026-10", "2026-11", "2026-12", "2027-01", "2027-02"], id="monthly-across-new-year"
        ),
        pytest.param("2026-05", "2026-05", ["2026-05"], id="monthly-single"),
        pytest.param("2026-06", "2026-05", [], id="monthly-last-before-first"),
    ],
)
def test_between_monthly(first, last, expected):
    found = periods.between(periods.parse(first, MONTHLY), periods.parse(last, MONTHLY))
    assert [str(p) for p in found] == expected


def test_between_quarterly_and_annual():
    quarters = periods.between(Period(2025, 3, QUARTERLY), Period(2026, 2, QUARTERLY))
    assert [str(p) for p in quarters] == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]
    years = periods.between(Period(2024, 1, ANNUAL), Period(2026, 1, ANNUAL))
    assert [str(p) for p in years] == ["2024", "2025", "2026"]
