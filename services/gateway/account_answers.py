"""What the gateway answers about people (see its http.py): signing in and out, passwords, the second
factor, personal tokens, a council's people and security settings, the platform's councils, and the
security log. The rules are in sign_in.py, sessions.py, two_factor.py, personal_tokens.py,
council_people.py, platform_admin.py and security_log.py; here, the HTTP side of them."""

from datetime import timedelta

from werkzeug.wrappers import Response

from jouda.services.gateway import (
    account_schemas as schemas,
    council_people,
    personal_tokens,
    platform_admin,
    security_log,
    sessions,
    sign_in,
    two_factor,
)
from jouda.services.gateway.api import ApiError
from jouda.services.gateway.edge import client_address, json_response
from jouda.services.gateway.models import Tenant, User
from jouda.shared.errors import Conflict, ValidationFailed
from jouda.shared.exports import csv_text
from jouda.shared.schema_fields import MAX_PAGE, check_choice, load_or_raise
from jouda.shared.unit_of_work import EVERY_COUNCIL, Scope, UnitOfWork
from jouda.shared.vocabulary import ADMIN


def client(gateway, request) -> security_log.Client:
    settings = gateway.api.settings
    return security_log.Client(
        client_address(request.environ, settings.trusted_proxy_hops), request.headers.get("User-Agent")
    )


def _policy(settings) -> sign_in.Policy:
    return sign_in.Policy(
        settings.sign_in_failures_allowed,
        settings.sign_in_address_failures_allowed,
        timedelta(seconds=settings.sign_in_failure_window_seconds),
        settings.allow_demo_passwords,
    )


def _signed_in(gateway, opened, user):
    """The answer of a sign-in: who, the CSRF token (once), and the session's cookie."""
    settings = gateway.api.settings
    response = json_response(
        200,
        {
            "user": {
                "id": user.id,
                "email": user.email,
                "name": user.name,
                "role": user.role,
                "tenant": user.tenant_id,
                "language": user.language,
            },
            "csrf_token": opened.csrf_token,
            "two_factor_enrolment_required": opened.needs_two_factor_enrolment,
        },
    )
    response.headers.add(
        "Set-Cookie",
        sessions.cookie_header(
            opened.cookie_value,
            secure=settings.session_cookie_secure,
            max_age_seconds=int(settings.session_max_hours * 3600),
        ),
    )
    return response


def _from_allowed_origin(gateway, request):
    """A sign-in from another site's page (login CSRF) is refused; a program sends no Origin."""
    origin = request.headers.get("Origin")
    if origin is not None and origin not in gateway.api.allowed_origins:
        raise ApiError(403, "csrf_refused", f"A sign-in from {origin!r} is not accepted.")


# --- signing in and out, passwords -------------------------------------------------------------------


def sign_in_answer(gateway, request):
    _from_allowed_origin(gateway, request)
    data = load_or_raise(schemas.SignInSchema(), gateway.api.body(request))
    try:
        opened, user = sign_in.sign_in(
            gateway.api.database,
            _policy(gateway.api.settings),
            email=data["email"],
            password=data["password"],
            tenant=data["tenant"],
            code=data["code"],
            recovery_code=data["recovery_code"],
            client=client(gateway, request),
        )
    except sign_in.TooManyAttempts as refused:
        raise ApiError(
            429, refused.code, refused.message, refused.details, headers={"Retry-After": str(refused.retry_after)}
        ) from None
    return _signed_in(gateway, opened, user)


def sign_out_answer(gateway, request):
    principal = gateway.api.principal
    if principal.session is None:
        raise Conflict("Signing out ends a session; a token is revoked instead (DELETE /api/v1/me/tokens/{id}).")
    sign_in.sign_out(gateway.api.database, request.cookies.get(sessions.COOKIE), principal, client(gateway, request))
    gateway.api.forget_principals()  # sessions ended: this replica at once, the others within JOUDA_AUTH_CACHE_SECONDS
    response = json_response(200, {"done": True})
    response.headers.add(
        "Set-Cookie", sessions.clearing_cookie_header(secure=gateway.api.settings.session_cookie_secure)
    )
    return response


def change_password_answer(gateway, request):
    data = load_or_raise(schemas.PasswordChangeSchema(), gateway.api.body(request))
    sign_in.change_password(
        gateway.api.database,
        gateway.api.principal,
        data["current_password"],
        data["new_password"],
        client(gateway, request),
    )
    gateway.api.forget_principals()  # sessions ended: this replica at once, the others within JOUDA_AUTH_CACHE_SECONDS
    return 200, {"done": True}


def request_reset_answer(gateway, request):
    data = load_or_raise(schemas.PasswordResetSchema(), gateway.api.body(request))
    sign_in.request_reset(
        gateway.api.database,
        gateway.api.settings.public_url,
        email=data["email"],
        tenant=data["tenant"],
        client=client(gateway, request),
    )
    return 202, {"accepted": True}  # whatever the address: the answer tells nothing of it


def confirm_reset_answer(gateway, request):
    data = load_or_raise(schemas.LinkWithPasswordSchema(), gateway.api.body(request))
    sign_in.confirm_reset(
        gateway.api.database, secret=data["token"], password=data["password"], client=client(gateway, request)
    )
    gateway.api.forget_principals()  # sessions ended: this replica at once, the others within JOUDA_AUTH_CACHE_SECONDS
    return 200, {"done": True}


def accept_invitation_answer(gateway, request):
    _from_allowed_origin(gateway, request)
    data = load_or_raise(schemas.LinkWithPasswordSchema(), gateway.api.body(request))
    opened, user = council_people.accept_invitation(
        gateway.api.database, secret=data["token"], password=data["password"], client=client(gateway, request)
    )
    return _signed_in(gateway, opened, user)


# --- the second factor -------------------------------------------------------------------------------


def _me(uow, principal) -> User:
    return uow.session.get(User, principal.user_id)


def start_two_factor_answer(gateway, request):
    with UnitOfWork(gateway.api.database, EVERY_COUNCIL) as uow:
        enrolment = two_factor.start_enrolment(_me(uow, gateway.api.principal))
        uow.commit()
    return 200, enrolment


def confirm_two_factor_answer(gateway, request):
    data = load_or_raise(schemas.TwoFactorCodeSchema(), gateway.api.body(request))
    principal = gateway.api.principal
    with UnitOfWork(gateway.api.database, EVERY_COUNCIL) as uow:
        user = _me(uow, principal)
        codes = two_factor.confirm_enrolment(uow.session, user, data["code"])
        if principal.session is not None:
            sessions.enrolled(uow.session, principal.session.id_hash)
        security_log.record(
            uow.session,
            "two_factor_enabled",
            tenant_id=user.tenant_id,
            actor_id=user.id,
            subject=user,
            client=client(gateway, request),
        )
        uow.commit()
    gateway.api.forget_principals()  # the session, enrolled now, goes on
    return 200, {"recovery_codes": codes}


def turn_off_two_factor_answer(gateway, request):
    data = load_or_raise(schemas.TwoFactorCodeSchema(), gateway.api.body(request))
    principal = gateway.api.principal
    with UnitOfWork(gateway.api.database, EVERY_COUNCIL) as uow:
        user = _me(uow, principal)
        council = uow.session.get(Tenant, user.tenant_id) if user.tenant_id else None
        if two_factor.required(user, council):
            raise Conflict("Your role signs in with a second factor: it cannot be turned off.")
        if user.totp_enabled_at is None or two_factor.accepted(uow.session, user, data["code"]) is None:
            raise ValidationFailed("This code is not the one your app shows now.", {"code": ["Not valid."]})
        two_factor.turn_off(uow.session, user)
        security_log.record(
            uow.session,
            "two_factor_disabled",
            tenant_id=user.tenant_id,
            actor_id=user.id,
            subject=user,
            client=client(gateway, request),
        )
        uow.commit()
    return 200, {"done": True}


# --- personal access tokens ----------------------------------------------------------------------------


def list_tokens_answer(gateway, request):
    return 200, personal_tokens.listed(gateway.api.database, gateway.api.principal)


def create_token_answer(gateway, request):
    data = load_or_raise(schemas.TokenInputSchema(), gateway.api.body(request))
    return 201, personal_tokens.create(gateway.api.database, gateway.api.principal, data, client(gateway, request))


def revoke_token_answer(gateway, request, id):
    found = personal_tokens.revoke(gateway.api.database, gateway.api.principal, id, client(gateway, request))
    gateway.api.forget_principals()  # this replica at once; the others within JOUDA_AUTH_CACHE_SECONDS
    return 200, found


# --- a council's people --------------------------------------------------------------------------------


def _council(gateway, request, data=None):
    return council_people.council_of(gateway.api.principal, (data or {}).get("tenant") or request.args.get("tenant"))


def list_people_answer(gateway, request):
    role, status = request.args.get("role"), request.args.get("status")
    check_choice("role", role, schemas.COUNCIL_ROLES)
    check_choice("status", status, council_people.STATUSES)
    limit, offset = gateway.api.page(request)
    return 200, council_people.list_people(
        gateway.api.database, _council(gateway, request), role=role, status=status, limit=limit, offset=offset
    )


def people_names_answer(gateway, request):
    ids = sorted({part.strip() for part in (request.args.get("ids") or "").split(",") if part.strip()})
    if len(ids) > MAX_PAGE:
        raise ValidationFailed(f"Name at most {MAX_PAGE} people at once.", {"ids": [f"At most {MAX_PAGE} ids."]})
    return 200, council_people.names(gateway.api.database, _council(gateway, request), ids)


def invite_answer(gateway, request):
    data = load_or_raise(schemas.InvitationSchema(), gateway.api.body(request))
    return 201, council_people.invite(
        gateway.api.database,
        gateway.api.principal,
        _council(gateway, request, data),
        data,
        gateway.api.settings.public_url,
        client(gateway, request),
    )


def change_person_answer(gateway, request, id):
    data = load_or_raise(schemas.RoleChangeSchema(), gateway.api.body(request))
    return 200, council_people.change_role(
        gateway.api.database,
        gateway.api.principal,
        _council(gateway, request),
        id,
        data["role"],
        client(gateway, request),
    )


def deactivate_answer(gateway, request, id):
    found = council_people.set_active(
        gateway.api.database, gateway.api.principal, _council(gateway, request), id, False, client(gateway, request)
    )
    gateway.api.forget_principals()  # the others hear of it from gateway.user_updated (Api.forget_on_change)
    return 200, found


def reactivate_answer(gateway, request, id):
    return 200, council_people.set_active(
        gateway.api.database, gateway.api.principal, _council(gateway, request), id, True, client(gateway, request)
    )


def resend_invitation_answer(gateway, request, id):
    return 200, council_people.resend_invitation(
        gateway.api.database,
        gateway.api.principal,
        _council(gateway, request),
        id,
        gateway.api.settings.public_url,
        client(gateway, request),
    )


def revoke_invitation_answer(gateway, request, id):
    return 200, council_people.revoke_invitation(
        gateway.api.database, gateway.api.principal, _council(gateway, request), id, client(gateway, request)
    )


def security_settings_answer(gateway, request):
    return 200, council_people.security_settings(gateway.api.database, _council(gateway, request))


def set_security_settings_answer(gateway, request):
    data = load_or_raise(schemas.SecuritySettingsSchema(), gateway.api.body(request))
    return 200, council_people.set_security_settings(
        gateway.api.database, gateway.api.principal, _council(gateway, request), data, client(gateway, request)
    )


# --- the platform's councils ---------------------------------------------------------------------------


def list_tenants_answer(gateway, request):
    return 200, platform_admin.listed(gateway.api.database)


def add_tenant_answer(gateway, request):
    data = load_or_raise(schemas.TenantInputSchema(), gateway.api.body(request))
    return 201, platform_admin.add(gateway.api.database, gateway.api.principal, data, client(gateway, request))


def change_tenant_answer(gateway, request, code):
    data = load_or_raise(schemas.TenantChangeSchema(), gateway.api.body(request))
    found = platform_admin.change(gateway.api.database, gateway.api.principal, code, data, client(gateway, request))
    gateway.api.forget_principals()
    return 200, found


# --- the security log ------------------------------------------------------------------------------------


def security_log_answer(gateway, request):
    principal = gateway.api.principal
    event = request.args.get("event")
    check_choice("event", event, security_log.EVENTS)
    since, until = (_moment(request, name) for name in ("since", "until"))
    limit, offset = gateway.api.page(request)
    # A council's quality manager reads their council's entries; an admin every council's (or one).
    scope = EVERY_COUNCIL if principal.role == ADMIN else Scope.council(principal.tenant_id)
    tenant = request.args.get("tenant") if principal.role == ADMIN else principal.tenant_id
    with UnitOfWork(gateway.api.database, scope) as uow:
        rows, total = security_log.entries(
            uow.session,
            tenant=tenant,
            event=event,
            subject_id=request.args.get("subject_id"),
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )
    if request.args.get("format") == "csv":
        return Response(
            csv_text(security_log.COLUMNS, [{**row, "details": str(row["details"])} for row in rows]),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="jouda-security-log.csv"'},
        )
    return 200, {"items": rows, "total": total, "limit": limit, "offset": offset}


def _moment(request, name):
    from datetime import datetime

    text = request.args.get(name)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValidationFailed(
            "A moment with its offset, such as 2026-11-30T09:00:00+01:00.", {name: ["Not a moment."]}
        )
    return moment
