"""Each council runs its own people: its quality managers (and a platform admin, for any council)
list them, invite a person, change a role, deactivate and reactivate. An invitation is an e-mail
(in the person's language, through the notifications service) with a one-time link valid 7 days.

The rules a council's people manager cannot break: roles are council roles only (never admin or
ministry), another council's people are not found (404), and the last active quality manager of a
council stays (409)."""

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from jouda.services.gateway import directory, links, security_log, sign_in
from jouda.services.gateway.directory import EMAIL, user_payload
from jouda.services.gateway.models import Tenant, User
from jouda.shared.errors import Conflict, NotFound, ValidationFailed
from jouda.shared.unit_of_work import EVERY_COUNCIL, UnitOfWork
from jouda.shared.vocabulary import ADMIN, COUNCIL_ROLES, LANGUAGES, QUALITY_MANAGER

INVITATION_LIFETIME = timedelta(days=7)
INVITED, ACTIVE, DEACTIVATED = "invited", "active", "deactivated"
STATUSES = (INVITED, ACTIVE, DEACTIVATED)


class PersonNotFound(NotFound):
    code = "user_not_found"


def council_of(principal, tenant):
    """The council a people manager acts on: theirs, or for an admin the one they name."""
    if principal.role == ADMIN:
        if not tenant:
            raise ValidationFailed(
                'Say which council: ?tenant=CODE (or "tenant" in the body).', {"tenant": ["Required."]}
            )
        return tenant
    return principal.tenant_id


def status_of(user) -> str:
    return DEACTIVATED if not user.active else INVITED if user.password_hash is None else ACTIVE


def shown(user) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "language": user.language,
        "tenant": user.tenant_id,
        "status": status_of(user),
        "two_factor": user.totp_enabled_at is not None,
        "created_at": user.created_at.isoformat(),
    }


def names(database, council, user_ids):
    """How each of `user_ids` is shown to anyone of the council: the name, else the e-mail address.
    Deactivated people keep theirs (they still own past work); an id of no one of the council is
    left out."""
    with UnitOfWork(database, EVERY_COUNCIL) as uow:
        rows = uow.session.execute(
            select(User.id, User.name, User.email).where(User.tenant_id == council, User.id.in_(user_ids))
        ).all()
    return {"items": [{"id": user_id, "name": name or email} for user_id, name, email in rows]}


def _person(session, council, user_id) -> User:
    user = session.get(User, str(user_id))
    if user is None or user.tenant_id != council:  # another council's person reads like a missing one
        raise PersonNotFound(f"No person {user_id} in this council.", {"id": str(user_id)})
    return user


def _council(session, code) -> Tenant:
    council = session.get(Tenant, code)
    if council is None:
        raise NotFound(f"No council {code}.", {"tenant": code})
    return council


def list_people(database, council, *, role=None, status=None, limit, offset):
    with UnitOfWork(database, EVERY_COUNCIL) as uow:
        _council(uow.session, council)
        query = select(User).where(User.tenant_id == council)
        if role is not None:
            query = query.where(User.role == role)
        if status == DEACTIVATED:
            query = query.where(User.active.is_(False))
        elif status == INVITED:
            query = query.where(User.active.is_(True), User.password_hash.is_(None))
        elif status == ACTIVE:
            query = query.where(User.active.is_(True), User.password_hash.is_not(None))
        total = uow.session.scalar(select(func.count()).select_from(query.subquery()))
        people = uow.session.scalars(query.order_by(User.email).limit(limit).offset(offset)).all()
        return {"items": [shown(user) for user in people], "total": total, "limit": limit, "offset": offset}


def _check_role(role):
    if role not in COUNCIL_ROLES:
        raise ValidationFailed(
            f"A council's person is one of {', '.join(COUNCIL_ROLES)}.", {"role": [f"Not {role!r}."]}
        )


def invite(database, principal, council, data, public_url, client):
    email = sign_in.normalised(data.get("email"))
    if not EMAIL.match(email) or len(email) > 254:
        raise ValidationFailed(f"{email!r} is not an e-mail address.", {"email": ["Not an e-mail address."]})
    _check_role(data.get("role"))
    language = data.get("language", "fr")
    if language not in LANGUAGES:
        raise ValidationFailed("The language is fr or ar.", {"language": [f"Not {language!r}."]})
    name = (data.get("name") or "").strip() or None
    if name is not None and len(name) > 200:
        raise ValidationFailed("A name has at most 200 characters.", {"name": ["Too long."]})
    with UnitOfWork(database, EVERY_COUNCIL, actor=principal.user_id) as uow:
        tenant = _council(uow.session, council)
        if uow.session.scalars(select(User).where(User.email == email, User.tenant_id == council)).first():
            raise Conflict(f"{email} is already one of this council's people.", {"email": email})
        user = User(
            id=str(uuid.uuid4()),
            email=email,
            name=name,
            role=data["role"],
            tenant_id=council,
            language=language,
            active=True,
        )
        uow.session.add(user)
        uow.emit("gateway.user_created", user_payload(user), tenant_id=council)
        _send_invitation(uow, user, tenant, principal, public_url, client)
        uow.commit()
        return shown(user)


def _send_invitation(uow, user, tenant, principal, public_url, client):
    secret = links.issue(uow.session, user, links.INVITATION, INVITATION_LIFETIME)
    uow.emit(
        "gateway.invitation_sent",
        {
            "user_id": user.id,
            "email": user.email,
            "name": user.name,
            "language": user.language,
            "role": user.role,
            "council_name": tenant.name,
            "invited_by": principal.name or principal.email,
            "link": links.url(public_url, links.INVITATION, secret),
            "days": INVITATION_LIFETIME.days,
        },
        tenant_id=user.tenant_id,
    )
    security_log.record(
        uow.session,
        "invitation_sent",
        tenant_id=user.tenant_id,
        actor_id=principal.user_id,
        subject=user,
        client=client,
        role=user.role,
    )


def resend_invitation(database, principal, council, user_id, public_url, client):
    with UnitOfWork(database, EVERY_COUNCIL, actor=principal.user_id) as uow:
        user = _person(uow.session, council, user_id)
        if status_of(user) != INVITED:
            raise Conflict(
                f"{user.email} is {status_of(user)}: there is no invitation to send again.", {"status": status_of(user)}
            )
        _send_invitation(uow, user, _council(uow.session, council), principal, public_url, client)
        uow.commit()
        return shown(user)


def revoke_invitation(database, principal, council, user_id, client):
    with UnitOfWork(database, EVERY_COUNCIL, actor=principal.user_id) as uow:
        user = _person(uow.session, council, user_id)
        if not links.revoke(uow.session, user, links.INVITATION):
            raise Conflict(f"{user.email} has no invitation waiting.")
        security_log.record(
            uow.session,
            "invitation_revoked",
            tenant_id=council,
            actor_id=principal.user_id,
            subject=user,
            client=client,
        )
        uow.commit()
        return shown(user)


def accept_invitation(database, *, secret, password, client):
    """The invited person chooses a password and is signed in: (sessions.Opened, user)."""
    with UnitOfWork(database, EVERY_COUNCIL) as uow:
        user = links.redeem(uow.session, secret, links.INVITATION)
        if not user.active:
            raise Conflict("This account has been deactivated; ask your council's quality manager.")
        sign_in.set_password(uow, user, password, event="invitation_accepted", actor_id=user.id, client=client)
        opened = sign_in.open_signed_in(uow.session, user, uow.session.get(Tenant, user.tenant_id), client)
        uow.commit()
    return opened, user


def _active_managers(session, council) -> int:
    return session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.tenant_id == council, User.role == QUALITY_MANAGER, User.active.is_(True))
    )


def _keep_a_manager(session, user, council):
    if user.role == QUALITY_MANAGER and user.active and _active_managers(session, council) <= 1:
        raise Conflict(
            f"{user.email} is the council's last active quality manager: name another one first.",
            {"reason": "last_quality_manager"},
        )


def change_role(database, principal, council, user_id, role, client):
    _check_role(role)
    with UnitOfWork(database, EVERY_COUNCIL, actor=principal.user_id) as uow:
        user = _person(uow.session, council, user_id)
        if role != user.role:
            _keep_a_manager(uow.session, user, council)
            before, user.role = user.role, role
            uow.emit("gateway.user_updated", user_payload(user), tenant_id=council)
            security_log.record(
                uow.session,
                "role_changed",
                tenant_id=council,
                actor_id=principal.user_id,
                subject=user,
                client=client,
                before=before,
                after=role,
            )
        uow.commit()
        return shown(user)


def set_active(database, principal, council, user_id, active, client):
    """Deactivating ends the person's sessions and revokes their tokens at once."""
    with UnitOfWork(database, EVERY_COUNCIL, actor=principal.user_id) as uow:
        user = _person(uow.session, council, user_id)
        if active != user.active:
            if not active:
                _keep_a_manager(uow.session, user, council)
            directory.set_active(uow.session, user, active)
            uow.emit("gateway.user_updated", user_payload(user), tenant_id=council)
            security_log.record(
                uow.session,
                "reactivated" if active else "deactivated",
                tenant_id=council,
                actor_id=principal.user_id,
                subject=user,
                client=client,
            )
        uow.commit()
        return shown(user)


def security_settings(database, council):
    with UnitOfWork(database, EVERY_COUNCIL) as uow:
        return {"managers_need_two_factor": _council(uow.session, council).managers_need_two_factor}


def set_security_settings(database, principal, council, data, client):
    """Whether the council's quality managers must sign in with a second factor."""
    value = data.get("managers_need_two_factor") if isinstance(data, dict) else None
    if not isinstance(value, bool) or set(data) != {"managers_need_two_factor"}:
        raise ValidationFailed(
            'Send {"managers_need_two_factor": true or false}.', {"managers_need_two_factor": ["A boolean."]}
        )
    with UnitOfWork(database, EVERY_COUNCIL, actor=principal.user_id) as uow:
        tenant = _council(uow.session, council)
        if value != tenant.managers_need_two_factor:
            tenant.managers_need_two_factor = value
            security_log.record(
                uow.session,
                "tenant_setting_changed",
                tenant_id=council,
                actor_id=principal.user_id,
                client=client,
                managers_need_two_factor=value,
            )
        uow.commit()
        return {"managers_need_two_factor": value}
