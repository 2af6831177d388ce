"""Each council's published policy as it stands (its acknowledgements so far, its next review), for
`jouda resync`."""

from sqlalchemy import select

from jouda.services.policy import domain
from jouda.services.policy.commands import review_deadline, summary
from jouda.services.policy.repository import PolicyRepository


def snapshot(database, tenant=None):
    with database.transaction(all_tenants=True) as session:
        query = select(domain.PolicyVersion.tenant_id).where(domain.PolicyVersion.status == domain.PUBLISHED)
        councils = sorted(set(session.scalars(query))) if tenant is None else [tenant]
    for council in councils:
        with database.transaction(council) as session:
            repo = PolicyRepository(session)
            version = repo.published()
            if version is None:
                continue
            counts = summary(repo, version)
            yield (
                "policy.snapshot",
                council,
                {
                    "policy_id": version.policy_id,
                    "version_id": version.id,
                    "version": version.number,
                    "title": version.title,
                    "from_status": domain.APPROVED,
                    "to_status": domain.PUBLISHED,
                    "comment": None,
                    **version.content(),
                    "published_at": version.published_at,
                    "superseded_version_id": None,
                    **{key: counts[key] for key in ("acknowledgements", "active_users", "acknowledgement_rate")},
                },
            )
            event_type, payload = review_deadline(version, restart=False)  # reminders already sent stay sent
            yield event_type, council, payload
