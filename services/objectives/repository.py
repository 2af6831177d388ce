"""Queries of the objectives service. Tenant filtering is applied centrally (shared.tenancy)."""

from sqlalchemy import func, select, update

from jouda.shared import periods
from jouda.services.objectives import domain, status as rules
from jouda.services.objectives.models import StaffMember
from jouda.shared.staff import active_user_ids


class ObjectivesRepository:
    def __init__(self, session):
        self.session = session

    def add(self, *objects):
        self.session.add_all(objects)

    # --- objectives and indicators ----------------------------------------------------------------
    def objective(self, objective_id, *, for_update=False) -> domain.Objective:
        query = select(domain.Objective).where(domain.Objective.id == str(objective_id))
        if for_update:
            query = query.with_for_update()
        objective = self.session.scalars(query).first()
        if objective is None:
            raise domain.ObjectiveNotFound(f"No objective {objective_id}.", {"id": str(objective_id)})
        return objective

    def objective_of_indicator(self, indicator_id, *, for_update=False) -> domain.Objective:
        query = (
            select(domain.Objective)
            .join(domain.Indicator, domain.Indicator.objective_id == domain.Objective.id)
            .where(domain.Indicator.id == str(indicator_id))
        )
        if for_update:
            query = query.with_for_update(of=domain.Objective)
        objective = self.session.scalars(query).first()
        if objective is None:
            raise domain.IndicatorNotFound(f"No indicator {indicator_id}.", {"id": str(indicator_id)})
        return objective

    def objectives(self, *, orientation=None, state=None, status=None, limit, offset):
        where = []
        if orientation is not None:
            where.append(domain.Objective.orientation_code == orientation)
        if state is not None:
            where.append(domain.Objective.state == state)
        if status is not None:
            where.append(domain.Objective.status == status)
        total = self.session.scalar(select(func.count()).select_from(domain.Objective).where(*where))
        items = self.session.scalars(
            select(domain.Objective)
            .where(*where)
            .order_by(domain.Objective.orientation_code, domain.Objective.created_at, domain.Objective.id)
            .limit(limit)
            .offset(offset)
        ).all()
        return items, total

    def all_objectives(self):
        return self.session.scalars(select(domain.Objective)).all()

    def indicator(self, indicator_id, *, for_update=False) -> domain.Indicator:
        query = select(domain.Indicator).where(domain.Indicator.id == str(indicator_id))
        if for_update:
            query = query.with_for_update()
        indicator = self.session.scalars(query).first()
        if indicator is None:
            raise domain.IndicatorNotFound(f"No indicator {indicator_id}.", {"id": str(indicator_id)})
        return indicator

    def indicators_of(self, objective_id):
        return self.session.scalars(
            select(domain.Indicator)
            .where(domain.Indicator.objective_id == objective_id)
            .order_by(domain.Indicator.created_at, domain.Indicator.id)
        ).all()

    def active_indicators(self, *, skip_locked=False):
        """Indicators of active objectives, with their objective. `skip_locked`: lock the
        indicators and leave out those another transaction holds (two replicas running the
        missing-measurement timer never notice the same period twice)."""
        query = (
            select(domain.Indicator, domain.Objective)
            .join(domain.Objective, domain.Objective.id == domain.Indicator.objective_id)
            .where(domain.Objective.state == domain.ACTIVE)
            .order_by(domain.Objective.orientation_code, domain.Indicator.created_at)
        )
        if skip_locked:
            query = query.with_for_update(skip_locked=True, of=domain.Indicator)
        return self.session.execute(query).all()

    # --- measurements -----------------------------------------------------------------------------
    def measurement(self, indicator_id, period, *, for_update=False):
        query = select(domain.Measurement).where(
            domain.Measurement.indicator_id == indicator_id, domain.Measurement.period == period
        )
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def latest_values(self, indicator_id, count=rules.TREND_PERIODS):
        """(period, value) of the `count` most recent periods, oldest first."""
        rows = self.session.execute(
            select(domain.Measurement.period, domain.Measurement.value)
            .where(domain.Measurement.indicator_id == indicator_id)
            .order_by(domain.Measurement.period_start.desc())
            .limit(count)
        ).all()
        return [tuple(row) for row in reversed(rows)]

    def recent_values(self, indicator_ids, count):
        """{indicator id: [(period, value)]} of each indicator's `count` most recent periods, oldest
        first, in one query."""
        ranked = (
            select(
                domain.Measurement.indicator_id,
                domain.Measurement.period,
                domain.Measurement.value,
                domain.Measurement.period_start,
                func.row_number()
                .over(partition_by=domain.Measurement.indicator_id, order_by=domain.Measurement.period_start.desc())
                .label("rank"),
            )
            .where(domain.Measurement.indicator_id.in_(indicator_ids))
            .subquery()
        )
        rows = self.session.execute(
            select(ranked.c.indicator_id, ranked.c.period, ranked.c.value)
            .where(ranked.c.rank <= count)
            .order_by(ranked.c.indicator_id, ranked.c.period_start)
        ).all()
        found = {}
        for indicator_id, period, value in rows:
            found.setdefault(indicator_id, []).append((period, value))
        return found

    def measurements(self, indicator_id, *, limit, offset):
        where = domain.Measurement.indicator_id == indicator_id
        total = self.session.scalar(select(func.count()).select_from(domain.Measurement).where(where))
        items = self.session.scalars(
            select(domain.Measurement)
            .where(where)
            .order_by(domain.Measurement.period_start.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        return items, total

    def corrections(self, measurement_ids):
        found = {}
        if measurement_ids:
            for correction in self.session.scalars(
                select(domain.MeasurementCorrection)
                .where(domain.MeasurementCorrection.measurement_id.in_(measurement_ids))
                .order_by(domain.MeasurementCorrection.corrected_at)
            ):
                found.setdefault(correction.measurement_id, []).append(correction)
        return found

    def reported_periods(self, indicator_ids=None):
        """indicator id -> the set of periods with a value."""
        query = select(domain.Measurement.indicator_id, domain.Measurement.period)
        if indicator_ids is not None:
            query = query.where(domain.Measurement.indicator_id.in_(indicator_ids))
        found = {}
        for indicator_id, period in self.session.execute(query):
            found.setdefault(indicator_id, set()).add(period)
        return found

    def noticed_missing(self):
        """(indicator id, period) pairs already reported missing."""
        return set(
            self.session.execute(select(domain.MissingMeasurement.indicator_id, domain.MissingMeasurement.period)).all()
        )

    # --- reference data ---------------------------------------------------------------------------
    def current_orientations(self):
        return self.session.scalars(
            select(domain.Orientation).where(domain.Orientation.current.is_(True)).order_by(domain.Orientation.code)
        ).all()

    def all_orientations(self):
        return {o.code: o for o in self.session.scalars(select(domain.Orientation))}

    def retire_orientations(self):
        self.session.execute(update(domain.Orientation).values(current=False))

    def active_users(self):
        return active_user_ids(self.session, StaffMember)

    def grace_days(self, tenant_id=None) -> int:
        settings = self.session.get(domain.ReportingSettings, tenant_id) if tenant_id else None
        return settings.grace_days if settings is not None else periods.DEFAULT_GRACE_DAYS

    def councils_with_active_indicators(self):
        return self.session.scalars(
            select(domain.Indicator.tenant_id)
            .distinct()
            .join(domain.Objective, domain.Objective.id == domain.Indicator.objective_id)
            .where(domain.Objective.state == domain.ACTIVE)
            .order_by(domain.Indicator.tenant_id)
        ).all()

    def catalogue(self):
        return self.session.scalars(select(domain.CatalogueIndicator).order_by(domain.CatalogueIndicator.code)).all()

    def catalogue_entry(self, code):
        return self.session.get(domain.CatalogueIndicator, code) if code else None
