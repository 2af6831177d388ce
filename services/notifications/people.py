"""Who is who: each council's people (contact details, role, language) and its name, as the gateway's
events announce them."""

from jouda.services.notifications import domain
from jouda.services.notifications.repository import NotificationsRepository
from jouda.shared.clock import not_older
from jouda.shared.events.envelope import occurred_at
from jouda.shared.vocabulary import COUNCIL_ROLES


def record_recipient(uow, event):
    """gateway.user_created / user_updated (v2): contact details, role, language, active.
    Events can arrive out of order: an older one never overwrites a newer."""
    payload, as_of = event["payload"], occurred_at(event)
    if payload["role"] not in COUNCIL_ROLES or "email" not in payload:
        uow.commit()  # platform users, or a v1 event without contact details
        return
    repo = NotificationsRepository(uow.session)
    recipient = repo.recipient(payload["user_id"])
    if recipient is None:
        repo.add(
            domain.Recipient(
                payload["user_id"],
                uow.tenant_id,
                payload["role"],
                payload["active"],
                payload["email"],
                payload["name"],
                payload["language"],
                as_of,
            )
        )
    elif not_older(as_of, recipient.as_of):
        recipient.role, recipient.active, recipient.email = payload["role"], payload["active"], payload["email"]
        recipient.name, recipient.language, recipient.as_of = payload["name"], payload["language"], as_of
    uow.commit()


def record_council(uow, event):
    NotificationsRepository(uow.session).locked_council(event["payload"]["code"]).name = event["payload"]["name"]
    uow.commit()
