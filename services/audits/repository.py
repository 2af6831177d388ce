"""Queries of the audits service. Tenant filtering is applied centrally (shared.tenancy)."""

from sqlalchemy import func, select

from jouda.services.audits import domain, models, nonconformities as nc
from jouda.services.audits.indicators import IndicatorStatus, NonconformitySuggestion
from jouda.services.audits.models import StaffMember
from jouda.shared.db import upsert


class AuditsRepository:
    def __init__(self, session):
        self.session = session

    def add(self, *objects):
        self.session.add_all(objects)

    def _one(self, cls, object_id, error, what, *, for_update=False):
        query = select(cls).where(cls.id == str(object_id))
        if for_update:
            query = query.with_for_update()
        found = self.session.scalars(query).first()
        if found is None:
            raise error(f"No {what} {object_id}.", {"id": str(object_id)})
        return found

    def _page(self, cls, where, order, limit, offset):
        total = self.session.scalar(select(func.count()).select_from(cls).where(*where))
        items = self.session.scalars(select(cls).where(*where).order_by(*order).limit(limit).offset(offset)).all()
        return items, total

    # --- people --------------------------------------------------------------------------------------
    def people(self):
        """user id -> role of the council's active members."""
        return dict(
            self.session.execute(
                select(StaffMember.user_id, StaffMember.role).where(StaffMember.active.is_(True))
            ).all()
        )

    # --- references: AUD-2026-001, NC-2026-014, one counter per council, prefix and year ---------------
    def next_reference(self, tenant_id, prefix, year):
        self.session.execute(
            upsert(self.session, models.reference_counters)
            .values(tenant_id=tenant_id, prefix=prefix, year=year, last=0)
            .on_conflict_do_nothing()
        )
        table = models.reference_counters
        number = self.session.execute(
            table.update()
            .where(table.c.tenant_id == tenant_id, table.c.prefix == prefix, table.c.year == year)
            .values(last=table.c["last"] + 1)
            .returning(table.c["last"])
        ).scalar_one()
        return f"{prefix}-{year}-{number:03d}"

    # --- processes ------------------------------------------------------------------------------------
    def process(self, process_id, *, for_update=False):
        return self._one(domain.Process, process_id, domain.ProcessNotFound, "process", for_update=for_update)

    def processes(self, *, active=None, type_=None, limit=None, offset=0):
        where = []
        if active is not None:
            where.append(domain.Process.active.is_(active))
        if type_ is not None:
            where.append(domain.Process.type == type_)
        if limit is None:
            return self.session.scalars(select(domain.Process).where(*where).order_by(domain.Process.code)).all()
        return self._page(domain.Process, where, (domain.Process.code,), limit, offset)

    def processes_by_id(self, ids=None):
        query = select(domain.Process)
        if ids is not None:
            query = query.where(domain.Process.id.in_([str(i) for i in ids]))
        return {process.id: process for process in self.session.scalars(query)}

    def process_codes(self):
        return set(self.session.scalars(select(domain.Process.code)))

    def current_ownership(self, process_id):
        return self.session.scalars(
            select(domain.ProcessOwnership).where(
                domain.ProcessOwnership.process_id == process_id, domain.ProcessOwnership.until.is_(None)
            )
        ).first()

    def ownerships(self, process_ids):
        if not process_ids:
            return []
        return self.session.scalars(
            select(domain.ProcessOwnership).where(domain.ProcessOwnership.process_id.in_(list(process_ids)))
        ).all()

    # --- programmes ------------------------------------------------------------------------------------
    def programme(self, programme_id, *, for_update=False):
        return self._one(
            domain.Programme, programme_id, domain.ProgrammeNotFound, "audit programme", for_update=for_update
        )

    def programme_of_year(self, year):
        return self.session.scalars(select(domain.Programme).where(domain.Programme.year == year)).first()

    def programmes(self):
        return self.session.scalars(select(domain.Programme).order_by(domain.Programme.year.desc())).all()

    # --- audits -----------------------------------------------------------------------------------------
    def audit(self, audit_id, *, for_update=False):
        return self._one(domain.Audit, audit_id, domain.AuditNotFound, "audit", for_update=for_update)

    def audits(self, *, state=None, year=None, programme_id=None, auditor=None, limit=None, offset=0):
        where = []
        if state is not None:
            where.append(domain.Audit.state == state)
        if year is not None:
            where.append(domain.Audit.planned_month.like(f"{int(year):04d}-%"))
        if programme_id is not None:
            where.append(domain.Audit.programme_id == str(programme_id))
        order = (domain.Audit.planned_month, domain.Audit.reference)
        if auditor is not None:  # a JSON list: filtered in Python, a council holds a few dozen audits a year
            found = [
                a
                for a in self.session.scalars(select(domain.Audit).where(*where).order_by(*order))
                if auditor in a.auditors
            ]
            return found[offset : offset + limit], len(found)
        if limit is None:
            return self.session.scalars(select(domain.Audit).where(*where).order_by(*order)).all()
        return self._page(domain.Audit, where, order, limit, offset)

    def previous_audit(self, audit):
        """The last audit of the same process(es) reported or closed before this one."""
        candidates = self.session.scalars(
            select(domain.Audit)
            .where(domain.Audit.id != audit.id, domain.Audit.state.in_((domain.REPORTED, domain.CLOSED)))
            .order_by(domain.Audit.reported_at.desc())
        )
        wanted = set(audit.process_ids)
        return next((found for found in candidates if wanted & set(found.process_ids)), None)

    def lines(self, audit_id, *, for_update=False):
        query = (
            select(domain.ChecklistLine)
            .where(domain.ChecklistLine.audit_id == audit_id)
            .order_by(domain.ChecklistLine.position)
        )
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).all()

    def history(self, subject_id):
        return self.session.scalars(
            select(domain.Transition)
            .where(domain.Transition.subject_id == subject_id)
            .order_by(domain.Transition.at, domain.Transition.id)
        ).all()

    # --- nonconformities and actions ------------------------------------------------------------------
    def nonconformity(self, nonconformity_id, *, for_update=False):
        return self._one(
            nc.Nonconformity, nonconformity_id, nc.NonconformityNotFound, "nonconformity", for_update=for_update
        )

    def nonconformities(self, *, state=None, severity=None, process_id=None, audit_id=None, limit=None, offset=0):
        where = []
        if audit_id is not None:
            where.append(nc.Nonconformity.audit_id == audit_id)
        if state is not None:
            where.append(nc.Nonconformity.state == state)
        if severity is not None:
            where.append(nc.Nonconformity.severity == severity)
        if process_id is not None:
            where.append(nc.Nonconformity.process_id == process_id)
        order = (nc.Nonconformity.opened_at.desc(), nc.Nonconformity.reference.desc())
        if limit is None:
            return self.session.scalars(select(nc.Nonconformity).where(*where).order_by(*order)).all()
        return self._page(nc.Nonconformity, where, order, limit, offset)

    def same_process_and_clause(self, process_id, clause):
        return self.session.scalars(
            select(nc.Nonconformity)
            .where(nc.Nonconformity.process_id == process_id, nc.Nonconformity.clause == clause)
            .order_by(nc.Nonconformity.opened_at.desc())
        ).all()

    def action(self, action_id, *, for_update=False):
        return self._one(nc.Action, action_id, nc.ActionNotFound, "action", for_update=for_update)

    def actions_of(self, nonconformity_id):
        return self.session.scalars(
            select(nc.Action)
            .where(nc.Action.nonconformity_id == nonconformity_id)
            .order_by(nc.Action.created_at, nc.Action.id)
        ).all()

    def actions(self, *, owner_id=None, state=None, limit=None, offset=0):
        where = []
        if owner_id is not None:
            where.append(nc.Action.owner_id == owner_id)
        if state is not None:
            where.append(nc.Action.state == state)
        order = (nc.Action.due_date, nc.Action.id)
        if limit is None:
            return self.session.scalars(select(nc.Action).where(*where).order_by(*order)).all()
        return self._page(nc.Action, where, order, limit, offset)

    # --- settings, indicators, suggestions ---------------------------------------------------------------
    def effectiveness_delay(self, tenant_id):
        settings = self.session.get(domain.AuditSettings, tenant_id)
        return settings.effectiveness_delay_days if settings else domain.AuditSettings.DEFAULT_EFFECTIVENESS_DAYS

    def locked_indicator_status(self, tenant_id, objective_id, snapshot, at):
        """The indicator's row, created from `snapshot` if need be, locked until the transaction ends:
        two events of a new indicator applied at the same moment must meet on one row."""
        self.session.execute(
            upsert(self.session, models.indicator_statuses)
            .values(
                indicator_id=str(snapshot["indicator_id"]),
                tenant_id=tenant_id,
                objective_id=objective_id,
                name=snapshot["name"],
                status=snapshot["status"],
                as_of=at,
            )
            .on_conflict_do_nothing()
        )
        return self.session.get(
            IndicatorStatus, str(snapshot["indicator_id"]), with_for_update=True, populate_existing=True
        )

    def indicator_status(self, indicator_id):
        return self.session.get(IndicatorStatus, str(indicator_id)) if indicator_id else None

    def pending_suggestion(self, objective_id):
        return self.session.scalars(
            select(NonconformitySuggestion).where(
                NonconformitySuggestion.objective_id == objective_id,
                NonconformitySuggestion.nonconformity_id.is_(None),
                NonconformitySuggestion.dismissed.is_(False),
            )
        ).first()

    def suggestion(self, suggestion_id, *, for_update=False):
        return self.session.get(NonconformitySuggestion, str(suggestion_id), with_for_update=for_update or None)

    def pending_suggestions(self):
        return self.session.scalars(
            select(NonconformitySuggestion)
            .where(NonconformitySuggestion.nonconformity_id.is_(None), NonconformitySuggestion.dismissed.is_(False))
            .order_by(NonconformitySuggestion.suggested_at.desc())
        ).all()
