"""Queries of the policy service. Tenant filtering is applied centrally (shared.tenancy)."""

from datetime import timedelta

from sqlalchemy import func, select

from jouda.services.policy import domain
from jouda.services.policy.models import StaffMember


class PolicyRepository:
    def __init__(self, session):
        self.session = session

    def add(self, *objects):
        self.session.add_all(objects)

    def policy(self):
        """The council's quality policy, if it has one."""
        return self.session.scalars(select(domain.Policy)).first()

    def version(self, version_id, *, for_update=False) -> domain.PolicyVersion:
        query = select(domain.PolicyVersion).where(domain.PolicyVersion.id == str(version_id))
        if for_update:
            query = query.with_for_update()
        version = self.session.scalars(query).first()
        if version is None:
            raise domain.PolicyNotFound(f"No policy version {version_id}.", {"id": str(version_id)})
        return version

    def versions(self, statuses, *, limit, offset):
        where = domain.PolicyVersion.status.in_(statuses)
        total = self.session.scalar(select(func.count()).select_from(domain.PolicyVersion).where(where))
        items = self.session.scalars(
            select(domain.PolicyVersion)
            .where(where)
            .order_by(domain.PolicyVersion.created_at.desc(), domain.PolicyVersion.number.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        return items, total

    def published(self, policy_id=None, *, for_update=False):
        query = select(domain.PolicyVersion).where(domain.PolicyVersion.status == domain.PUBLISHED)
        if policy_id is not None:
            query = query.where(domain.PolicyVersion.policy_id == policy_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query.order_by(domain.PolicyVersion.published_at.desc())).first()

    def open_version(self, policy_id):
        return self.session.scalars(
            select(domain.PolicyVersion).where(
                domain.PolicyVersion.policy_id == policy_id, domain.PolicyVersion.status.in_(domain.OPEN_STATUSES)
            )
        ).first()

    def next_number(self, policy_id) -> int:
        return (
            self.session.scalar(
                select(func.max(domain.PolicyVersion.number)).where(domain.PolicyVersion.policy_id == policy_id)
            )
            or 0
        ) + 1

    def history(self, version_id):
        return self.session.scalars(
            select(domain.Transition)
            .where(domain.Transition.version_id == version_id)
            .order_by(domain.Transition.at, domain.Transition.id)
        ).all()

    def has_acknowledged(self, version_id, user_id) -> bool:
        return self.acknowledged_at(version_id, user_id) is not None

    def acknowledged_at(self, version_id, user_id):
        return self.session.scalar(
            select(domain.Acknowledgement.acknowledged_at).where(
                domain.Acknowledgement.version_id == version_id, domain.Acknowledgement.user_id == user_id
            )
        )

    def acknowledgement_count(self, version_id) -> int:
        return self.session.scalar(
            select(func.count())
            .select_from(domain.Acknowledgement)
            .where(domain.Acknowledgement.version_id == version_id)
        )

    def active_users(self) -> int:
        return self.session.scalar(select(func.count()).select_from(StaffMember).where(StaffMember.active.is_(True)))

    def review_notices_due(self, today, notice_days):
        """Published versions (of every tenant, in a system unit of work) whose review is near."""
        # Row locks skipped by others: two replicas running the timer never notify the same version.
        return self.session.scalars(
            select(domain.PolicyVersion)
            .where(
                domain.PolicyVersion.status == domain.PUBLISHED,
                domain.PolicyVersion.review_notice_sent_on.is_(None),
                domain.PolicyVersion.next_review_date <= today + timedelta(days=notice_days),
            )
            .with_for_update(skip_locked=True)
        ).all()
