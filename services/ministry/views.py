"""The ministry's views: every council at once, read in a couple of statements whatever their number."""

from datetime import timedelta

from sqlalchemy import case, func, select

from jouda.services.audits.clauses import title
from jouda.services.ministry.domain import (
    OBJECTIVE_COLUMNS,
    RECURRENCE_DAYS,
    SETTLED,
    AuditPosition,
    CouncilPosition,
    IndicatorPosition,
    NonconformityPosition,
    ObjectivePosition,
)
from jouda.shared.clock import shown
from jouda.shared.periods import completeness_rate
from jouda.shared.vocabulary import ACTIVE, CANCELLED, CLOSED, MAJOR, MINOR, REJECTED, REPORTED


def overview(session):
    """One row per council: its policy, acknowledgement rate, objectives by status, completeness."""
    # A declared state (achieved, abandoned) outranks the computed status.
    bucket = case((ObjectivePosition.state == ACTIVE, ObjectivePosition.status), else_=ObjectivePosition.state)
    counts = {}
    for tenant_id, name, count in session.execute(
        select(ObjectivePosition.tenant_id, bucket, func.count()).group_by(ObjectivePosition.tenant_id, bucket)
    ):
        counts.setdefault(tenant_id, {})[name] = count
    # Plain rows, built straight into the JSON-ready shape of OverviewRowSchema: this view is read
    # for every council at once, and ORM entities or a schema dump would cost more than the SQL.
    rows = []
    none = {}
    for tenant_id, name, version, published_at, rate, reported, due, as_of in session.execute(
        select(
            CouncilPosition.tenant_id,
            CouncilPosition.name,
            CouncilPosition.policy_version,
            CouncilPosition.policy_published_at,
            CouncilPosition.acknowledgement_rate,
            CouncilPosition.reported_periods,
            CouncilPosition.due_periods,
            CouncilPosition.completeness_as_of,
        ).order_by(CouncilPosition.tenant_id)
    ):
        found = counts.get(tenant_id, none)
        by_status = {name: found.get(name, 0) for name in OBJECTIVE_COLUMNS}
        rows.append(
            {
                "tenant": tenant_id,
                "name": name,
                "policy_published": version is not None,
                "policy_version": version,
                "policy_published_at": shown(published_at),
                "acknowledgement_rate": rate,
                "objectives": sum(by_status.values()),
                "objectives_by_status": by_status,
                "reported_periods": reported,
                "due_periods": due,
                "reporting_completeness": completeness_rate(reported, due),
                "completeness_as_of": as_of.isoformat() if as_of is not None else None,
            }
        )
    return rows


def national_indicator(session, code):
    """Each council's position on one catalogue indicator (active indicators mapped to it), in the
    JSON-ready shape of NationalIndicatorRowSchema."""
    rows = session.execute(
        select(
            IndicatorPosition.tenant_id.label("tenant"),
            CouncilPosition.name,
            IndicatorPosition.indicator_id,
            IndicatorPosition.latest_period,
            IndicatorPosition.latest_value,
            IndicatorPosition.baseline,
            IndicatorPosition.target,
            IndicatorPosition.unit,
            IndicatorPosition.status,
            IndicatorPosition.trend,
        )
        .outerjoin(CouncilPosition, CouncilPosition.tenant_id == IndicatorPosition.tenant_id)
        .where(IndicatorPosition.catalogue_code == code, IndicatorPosition.active.is_(True))
        .order_by(IndicatorPosition.tenant_id, IndicatorPosition.indicator_id)
    )
    return [row._asdict() for row in rows]


def audits(session, year, now):
    """One row per council (every council the read model knows): its audits of `year`, planned (not
    cancelled) and done (reported or closed); its nonconformities open now, by severity; the mean days
    its closed ones took; the share of its verified closed ones the first check found effective; its
    recurrences opened in the twelve months before `now`. In the JSON-ready shape of AuditsRowSchema:
    one statement, the two aggregates joined to the councils."""
    audit, nc = AuditPosition, NonconformityPosition
    by_audit = (
        select(
            audit.tenant_id,
            func.count(case((audit.state != CANCELLED, 1))).label("planned"),
            func.count(case((audit.state.in_((REPORTED, CLOSED)), 1))).label("done"),
        )
        .where(audit.year == year)
        .group_by(audit.tenant_id)
        .subquery()
    )
    is_open, closed = nc.state.not_in(SETTLED), nc.state == CLOSED
    verified = closed & (nc.verifications > 0)
    recent = nc.recurrence.is_(True) & (nc.state != REJECTED) & (nc.opened_at >= now - timedelta(days=RECURRENCE_DAYS))
    by_nonconformity = (
        select(
            nc.tenant_id,
            func.count(case((is_open, 1))).label("open"),
            func.count(case((is_open & (nc.severity == MAJOR), 1))).label("major"),
            func.count(case((is_open & (nc.severity == MINOR), 1))).label("minor"),
            func.avg(case((closed, _days(session, nc.opened_at, nc.closed_at)))).label("days"),
            func.count(case((verified & nc.first_time_effective.is_(True), 1))).label("effective"),
            func.count(case((verified, 1))).label("verified"),
            func.count(case((recent, 1))).label("recurrences"),
        )
        .group_by(nc.tenant_id)
        .subquery()
    )
    rows = []
    for tenant_id, name, planned, done, open_, major, minor, days, effective, verified, recurrences in session.execute(
        select(
            CouncilPosition.tenant_id,
            CouncilPosition.name,
            by_audit.c.planned,
            by_audit.c.done,
            by_nonconformity.c.open,
            by_nonconformity.c.major,
            by_nonconformity.c.minor,
            by_nonconformity.c.days,
            by_nonconformity.c.effective,
            by_nonconformity.c.verified,
            by_nonconformity.c.recurrences,
        )
        .outerjoin(by_audit, by_audit.c.tenant_id == CouncilPosition.tenant_id)
        .outerjoin(by_nonconformity, by_nonconformity.c.tenant_id == CouncilPosition.tenant_id)
        .order_by(CouncilPosition.tenant_id)
    ):
        rows.append(
            {
                "tenant": tenant_id,
                "name": name,
                "year": year,
                "audits_planned": planned or 0,
                "audits_done": done or 0,
                "open_nonconformities": open_ or 0,
                "open_major": major or 0,
                "open_minor": minor or 0,
                "mean_days_to_close": round(float(days), 1) if days is not None else None,
                "first_time_effectiveness_rate": round(effective / verified, 4) if verified else None,
                "recurrences": recurrences or 0,
            }
        )
    return rows


def clauses(session):
    """The national view by ISO 9001 clause: one row per clause with a nonconformity (rejected ones were
    none), the most found first, in the JSON-ready shape of ClauseRowSchema. One statement; the clauses'
    titles are the audits service's catalogue's."""
    nc = NonconformityPosition
    is_open = nc.state.not_in(SETTLED)
    # Per clause and council first, then per clause: the councils are counted as rows, which costs
    # less than a count of distinct councils over every nonconformity.
    per_council = (
        select(
            nc.clause,
            func.count().label("found"),
            func.count(case((is_open, 1))).label("open"),
            func.count(case((nc.severity == MAJOR, 1))).label("major"),
            func.count(case((nc.severity == MINOR, 1))).label("minor"),
            func.count(case((nc.recurrence.is_(True), 1))).label("recurrences"),
        )
        .where(nc.state != REJECTED)
        .group_by(nc.clause, nc.tenant_id)
        .subquery()
    )
    column = per_council.c
    found = session.execute(
        select(
            column.clause,
            func.sum(column.found),
            func.sum(column.open),
            func.sum(column.major),
            func.sum(column.minor),
            func.count(),
            func.sum(column.recurrences),
        ).group_by(column.clause)
    ).all()
    found = [(clause, *(int(value) for value in counts)) for clause, *counts in found]  # sums come back as Decimal
    # A few dozen clauses at most: ordered here, ties by the standard's order (9.2 before 10.2).
    found.sort(key=lambda row: (-row[1], _clause_order(row[0])))
    return [
        {
            "clause": clause,
            "title_fr": title(clause, "fr"),
            "title_ar": title(clause, "ar"),
            "nonconformities": count,
            "open": open_,
            "major": major,
            "minor": minor,
            "councils": councils,
            "recurrences": recurrences,
        }
        for clause, count, open_, major, minor, councils, recurrences in found
    ]


def _days(session, start, end):
    """end - start in days, as the database counts it (SQLite keeps times as text)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date_part("epoch", end - start) / 86400  # date_part: a float (extract's numeric is slower)
    return func.julianday(end) - func.julianday(start)


def _clause_order(clause):
    return tuple(int(part) for part in clause.split("."))
