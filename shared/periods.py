"""Reporting periods: the span a measurement covers, written as text the clerk recognises, and what
counts as reported on time.

    monthly     2026-03        quarterly  2026-Q1
    semiannual  2026-S1        annual     2026

A period is a value (`Period`) with its frequency, first and last day; `parse` refuses text
that does not match the indicator's frequency.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from jouda.shared.errors import ValidationFailed
from jouda.shared.vocabulary import ANNUAL, FREQUENCIES, MONTHLY, QUARTERLY, SEMIANNUAL  # noqa: F401

MONTHS_PER_PERIOD = {MONTHLY: 1, QUARTERLY: 3, SEMIANNUAL: 6, ANNUAL: 12}
COMPLETENESS_WINDOW_MONTHS = 12  # reporting completeness looks back a year
DEFAULT_GRACE_DAYS = 10  # days after a period's end before its report is late, unless the council says otherwise
FIRST_YEAR, LAST_YEAR = 2000, 2100  # a period outside them is a typing mistake
EXAMPLES = {MONTHLY: "2026-03", QUARTERLY: "2026-Q1", SEMIANNUAL: "2026-S1", ANNUAL: "2026"}
_PATTERNS = {
    MONTHLY: re.compile(r"^(\d{4})-(\d{2})$"),
    QUARTERLY: re.compile(r"^(\d{4})-Q([1-4])$"),
    SEMIANNUAL: re.compile(r"^(\d{4})-S([12])$"),
    ANNUAL: re.compile(r"^(\d{4})$"),
}


@dataclass(frozen=True, order=True)
class Period:
    year: int
    index: int  # 1-based position in the year: month, quarter, half or 1
    frequency: str

    @property
    def start(self) -> date:
        return date(self.year, (self.index - 1) * MONTHS_PER_PERIOD[self.frequency] + 1, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    def next(self) -> "Period":
        if self.index == 12 // MONTHS_PER_PERIOD[self.frequency]:
            return Period(self.year + 1, 1, self.frequency)
        return Period(self.year, self.index + 1, self.frequency)

    def previous(self) -> "Period":
        if self.index == 1:
            return Period(self.year - 1, 12 // MONTHS_PER_PERIOD[self.frequency], self.frequency)
        return Period(self.year, self.index - 1, self.frequency)

    def __str__(self):
        if self.frequency == MONTHLY:
            return f"{self.year}-{self.index:02d}"
        if self.frequency == QUARTERLY:
            return f"{self.year}-Q{self.index}"
        if self.frequency == SEMIANNUAL:
            return f"{self.year}-S{self.index}"
        return f"{self.year}"


def parse(text, frequency) -> Period:
    """The period `text` names, for an indicator reported `frequency`; ValidationFailed otherwise."""
    match = _PATTERNS[frequency].match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValidationFailed(
            f"{text!r} is not a {frequency} period: write it like {EXAMPLES[frequency]}.",
            {"period": [f"A {frequency} period, like {EXAMPLES[frequency]}."]},
        )
    year = int(match.group(1))
    index = int(match.group(2)) if frequency != ANNUAL else 1
    if frequency == MONTHLY and not 1 <= index <= 12:
        raise ValidationFailed(f"{text!r}: there is no month {index}.", {"period": ["Month 01 to 12."]})
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(
            f"{text!r}: the year is out of range.", {"period": [f"A year from {FIRST_YEAR} to {LAST_YEAR}."]}
        )
    return Period(year, index, frequency)


def containing(day: date, frequency) -> Period:
    """The period of `frequency` that `day` falls in."""
    return Period(day.year, (day.month - 1) // MONTHS_PER_PERIOD[frequency] + 1, frequency)


def closed_by(day: date, frequency, grace_days=0):
    """The last period whose end is more than `grace_days` before `day` (its report is late)."""
    period = containing(day, frequency).previous()
    while (day - period.end).days <= grace_days:
        period = period.previous()
    return period


def between(first: Period, last: Period):
    """Every period from `first` to `last`, both included (none when last < first)."""
    period = first
    while period <= last:
        yield period
        period = period.next()


# --- reporting on time ------------------------------------------------------------------------------


def due_periods(frequency, start_period, today: date, grace_days, window_months=COMPLETENESS_WINDOW_MONTHS):
    """The periods of the last `window_months` whose report is due (closed for over `grace_days`)."""
    last = closed_by(today, frequency, grace_days)
    first = last
    for _ in range(window_months // MONTHS_PER_PERIOD[frequency] - 1):
        first = first.previous()
    start = parse(start_period, frequency)
    return list(between(max(first, start), last))


def late_periods(frequency, start_period, reported, today, grace_days):
    """Due periods (see due_periods) with no value; `reported`: period texts that have one."""
    return [p for p in due_periods(frequency, start_period, today, grace_days) if str(p) not in reported]


def completeness(indicators, today, grace_days):
    """`indicators`: (frequency, start_period, reported period texts). Returns (reported, due)."""
    due = reported = 0
    for frequency, start_period, reported_periods in indicators:
        expected = due_periods(frequency, start_period, today, grace_days)
        due += len(expected)
        reported += sum(1 for p in expected if str(p) in reported_periods)
    return reported, due


def completeness_rate(reported, due):
    return round(reported / due, 4) if due else None
