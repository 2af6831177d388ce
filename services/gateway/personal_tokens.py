"""A person's own bearer tokens, for the programs they run: named, expiring, shown once at creation,
listed and revoked by their owner (GET/POST /api/v1/me/tokens, DELETE /api/v1/me/tokens/{id})."""

import uuid
from datetime import timedelta

from sqlalchemy import select

from jouda.services.gateway import security_log
from jouda.services.gateway.directory import hash_token, new_token
from jouda.services.gateway.models import Token
from jouda.shared.clock import as_utc, utc_now
from jouda.shared.errors import NotFound, ValidationFailed
from jouda.shared.unit_of_work import EVERY_COUNCIL, UnitOfWork

LONGEST_DAYS = 365


class TokenNotFound(NotFound):
    code = "token_not_found"


def shown(token) -> dict:
    expires = as_utc(token.expires_at) if token.expires_at else None
    return {
        "id": token.id,
        "name": token.name,
        "created_at": as_utc(token.created_at).isoformat(),
        "expires_at": expires.isoformat() if expires else None,
        "revoked_at": as_utc(token.revoked_at).isoformat() if token.revoked_at else None,
        "live": token.revoked_at is None and (expires is None or expires > utc_now()),
    }


def create(database, principal, data, client):
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise ValidationFailed("Name the token (1 to 100 characters): what will use it?", {"name": ["Required."]})
    days = data.get("expires_in_days", 90)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= LONGEST_DAYS:
        raise ValidationFailed(f"A token lives 1 to {LONGEST_DAYS} days.", {"expires_in_days": ["1 to 365."]})
    secret = new_token()
    with UnitOfWork(database, EVERY_COUNCIL, actor=principal.user_id) as uow:
        token = Token(
            id=str(uuid.uuid4()),
            token_hash=hash_token(secret),
            user_id=principal.user_id,
            name=name.strip(),
            created_at=utc_now(),
            expires_at=utc_now() + timedelta(days=days),
        )
        uow.session.add(token)
        _logged(uow.session, "token_created", principal, token, client)
        uow.commit()
        return {**shown(token), "token": secret}  # the only time it is shown


def _logged(session, event, principal, token, client):
    security_log.record(
        session,
        event,
        tenant_id=principal.tenant_id,
        actor_id=principal.user_id,
        subject_email=principal.email,
        client=client,
        token_id=token.id,
        name=token.name,
    )


def listed(database, principal):
    with UnitOfWork(database, EVERY_COUNCIL) as uow:
        tokens = uow.session.scalars(
            select(Token)
            .where(Token.user_id == principal.user_id, Token.name.is_not(None))
            .order_by(Token.created_at.desc())
        ).all()
        return {"items": [shown(token) for token in tokens]}


def revoke(database, principal, token_id, client):
    with UnitOfWork(database, EVERY_COUNCIL, actor=principal.user_id) as uow:
        token = uow.session.get(Token, str(token_id))
        if token is None or token.user_id != principal.user_id or token.name is None:
            raise TokenNotFound(f"You have no token {token_id}.", {"id": str(token_id)})
        if token.revoked_at is None:
            token.revoked_at = utc_now()
            _logged(uow.session, "token_revoked", principal, token, client)
        uow.commit()
        return shown(token)
