"""The gateway's own HTTP operations: what it answers from data of its own (see shared/operations.py)."""

from marshmallow import fields

from jouda.services.gateway import account_schemas as accounts
from jouda.services.gateway.security_log import COLUMNS as LOG_COLUMNS, EVENTS as LOG_EVENTS
from jouda.services.policy.schemas import PolicyVersionSchema
from jouda.shared.operations import PAGE, CsvView, Listing, Operation, Page, text
from jouda.shared.schema_fields import StrictSchema
from jouda.shared.vocabulary import ADMIN, COUNCIL_ROLES, QUALITY_MANAGER, ROLES

EVERYONE, PEOPLE_MANAGERS, ADMINS = frozenset(ROLES), frozenset({QUALITY_MANAGER, ADMIN}), frozenset({ADMIN})
COUNCIL_PEOPLE = frozenset({*COUNCIL_ROLES, ADMIN})
ANSWERS = "jouda.services.gateway.account_answers:"
AN_ADMIN_SAYS_WHICH = text("tenant", description="A platform admin says which council")


class MeSchema(StrictSchema):
    id = fields.String()
    email = fields.String()
    name = fields.String(allow_none=True)
    role = fields.String()
    tenant = fields.String(allow_none=True)
    tenant_name = fields.String(allow_none=True)
    language = fields.String()


class IndexSchema(StrictSchema):
    name = fields.String()
    version = fields.String()
    api = fields.String()
    openapi = fields.String()
    health = fields.String()
    ready = fields.String()


OPERATIONS = (
    Operation(
        "GET",
        "/",
        "Where things are",
        frozenset(),
        public=True,
        name="index",
        answer="jouda.services.gateway.answers:index",
        response=IndexSchema,
    ),
    Operation(
        "GET",
        "/api/v1/openapi.json",
        "This document",
        frozenset(),
        public=True,
        name="openapi",
        answer="jouda.services.gateway.answers:openapi_document",
        response={"type": "object"},
    ),
    Operation(
        "GET",
        "/api/v1/me",
        "Who the token belongs to",
        frozenset(ROLES),
        name="me",
        answer="jouda.services.gateway.answers:me",
        response=MeSchema,
    ),
    # The platform's hottest read: answered from the gateway's read model, fed by policy.published.
    Operation(
        "GET",
        "/api/v1/policies/current",
        "The council's published policy",
        frozenset(COUNCIL_ROLES),
        name="current_policy",
        answer="jouda.services.gateway.current_policy:answer",
        response=PolicyVersionSchema,
    ),
    # --- signing in and out, passwords (services/gateway/sign_in.py) ---
    Operation(
        "POST",
        "/api/v1/auth/sign-in",
        "Sign in with your e-mail address and password (and your second factor): a session cookie and its CSRF token",
        frozenset(),
        public=True,
        name="sign_in",
        answer=ANSWERS + "sign_in_answer",
        body=accounts.SignInSchema,
        response=accounts.SignedInSchema,
    ),
    Operation(
        "POST",
        "/api/v1/auth/sign-out",
        "End this session",
        EVERYONE,
        name="sign_out",
        answer=ANSWERS + "sign_out_answer",
        response=accounts.DoneSchema,
    ),
    Operation(
        "POST",
        "/api/v1/auth/password-reset",
        "Ask for a link to choose a new password (always 202: the answer tells nothing of the address)",
        frozenset(),
        public=True,
        name="request_password_reset",
        answer=ANSWERS + "request_reset_answer",
        body=accounts.PasswordResetSchema,
        status=202,
        response=accounts.AcceptedSchema,
    ),
    Operation(
        "POST",
        "/api/v1/auth/password-reset/confirm",
        "Choose a new password with the link's token (ends every session)",
        frozenset(),
        public=True,
        name="confirm_password_reset",
        answer=ANSWERS + "confirm_reset_answer",
        body=accounts.LinkWithPasswordSchema,
        response=accounts.DoneSchema,
    ),
    Operation(
        "POST",
        "/api/v1/auth/invitations/accept",
        "Accept an invitation: choose a password, and be signed in",
        frozenset(),
        public=True,
        name="accept_invitation",
        answer=ANSWERS + "accept_invitation_answer",
        body=accounts.LinkWithPasswordSchema,
        response=accounts.SignedInSchema,
    ),
    Operation(
        "PUT",
        "/api/v1/me/password",
        "Change your password (ends your other sessions)",
        EVERYONE,
        name="change_password",
        answer=ANSWERS + "change_password_answer",
        body=accounts.PasswordChangeSchema,
        response=accounts.DoneSchema,
    ),
    # --- the second factor (services/gateway/two_factor.py) ---
    Operation(
        "POST",
        "/api/v1/me/two-factor",
        "Start enrolling an authenticator app: its secret and otpauth:// URI",
        EVERYONE,
        name="start_two_factor",
        answer=ANSWERS + "start_two_factor_answer",
        response=accounts.TwoFactorEnrolmentSchema,
    ),
    Operation(
        "POST",
        "/api/v1/me/two-factor/confirm",
        "Turn two-factor sign-in on with a first code: ten recovery codes, shown once",
        EVERYONE,
        name="confirm_two_factor",
        answer=ANSWERS + "confirm_two_factor_answer",
        body=accounts.TwoFactorCodeSchema,
        response=accounts.RecoveryCodesSchema,
    ),
    Operation(
        "DELETE",
        "/api/v1/me/two-factor",
        "Turn two-factor sign-in off (not for the roles that need it)",
        EVERYONE,
        name="turn_off_two_factor",
        answer=ANSWERS + "turn_off_two_factor_answer",
        body=accounts.TwoFactorCodeSchema,
        response=accounts.DoneSchema,
    ),
    # --- personal access tokens (services/gateway/personal_tokens.py) ---
    Operation(
        "GET",
        "/api/v1/me/tokens",
        "Your personal access tokens",
        EVERYONE,
        name="list_tokens",
        answer=ANSWERS + "list_tokens_answer",
        response=Listing(accounts.PersonalTokenSchema),
    ),
    Operation(
        "POST",
        "/api/v1/me/tokens",
        "Create a personal access token for a program (shown once)",
        EVERYONE,
        name="create_token",
        answer=ANSWERS + "create_token_answer",
        body=accounts.TokenInputSchema,
        status=201,
        response=accounts.CreatedTokenSchema,
    ),
    Operation(
        "DELETE",
        "/api/v1/me/tokens/{id}",
        "Revoke one of your tokens",
        EVERYONE,
        name="revoke_token",
        answer=ANSWERS + "revoke_token_answer",
        response=accounts.PersonalTokenSchema,
    ),
    # --- a council's people (services/gateway/council_people.py) ---
    Operation(
        "GET",
        "/api/v1/users",
        "The council's people",
        PEOPLE_MANAGERS,
        name="list_people",
        answer=ANSWERS + "list_people_answer",
        query=(
            text("role", COUNCIL_ROLES),
            text("status", ("invited", "active", "deactivated")),
            AN_ADMIN_SAYS_WHICH,
            *PAGE,
        ),
        response=Page(accounts.PersonSchema),
    ),
    Operation(
        "GET",
        "/api/v1/user-names",
        "How the council's people are named, for anyone of the council (names only, by id)",
        COUNCIL_PEOPLE,
        name="people_names",
        answer=ANSWERS + "people_names_answer",
        query=(text("ids", description="The people's ids, comma-separated, at most 200"), AN_ADMIN_SAYS_WHICH),
        response=Listing(accounts.PersonNameSchema),
    ),
    Operation(
        "POST",
        "/api/v1/users",
        "Invite a person to the council (an e-mail with a link valid 7 days)",
        PEOPLE_MANAGERS,
        name="invite_person",
        answer=ANSWERS + "invite_answer",
        body=accounts.InvitationSchema,
        status=201,
        response=accounts.PersonSchema,
    ),
    Operation(
        "PATCH",
        "/api/v1/users/{id}",
        "Change a person's role",
        PEOPLE_MANAGERS,
        name="change_person",
        answer=ANSWERS + "change_person_answer",
        query=(AN_ADMIN_SAYS_WHICH,),
        body=accounts.RoleChangeSchema,
        response=accounts.PersonSchema,
    ),
    Operation(
        "POST",
        "/api/v1/users/{id}/deactivate",
        "Deactivate a person: their sessions and tokens stop at once",
        PEOPLE_MANAGERS,
        name="deactivate_person",
        answer=ANSWERS + "deactivate_answer",
        query=(AN_ADMIN_SAYS_WHICH,),
        response=accounts.PersonSchema,
    ),
    Operation(
        "POST",
        "/api/v1/users/{id}/reactivate",
        "Reactivate a person",
        PEOPLE_MANAGERS,
        name="reactivate_person",
        answer=ANSWERS + "reactivate_answer",
        query=(AN_ADMIN_SAYS_WHICH,),
        response=accounts.PersonSchema,
    ),
    Operation(
        "POST",
        "/api/v1/users/{id}/invitation",
        "Send the invitation again (a new link; the old one no longer works)",
        PEOPLE_MANAGERS,
        name="resend_invitation",
        answer=ANSWERS + "resend_invitation_answer",
        query=(AN_ADMIN_SAYS_WHICH,),
        response=accounts.PersonSchema,
    ),
    Operation(
        "DELETE",
        "/api/v1/users/{id}/invitation",
        "Withdraw the invitation's link",
        PEOPLE_MANAGERS,
        name="revoke_invitation",
        answer=ANSWERS + "revoke_invitation_answer",
        query=(AN_ADMIN_SAYS_WHICH,),
        response=accounts.PersonSchema,
    ),
    Operation(
        "GET",
        "/api/v1/security-settings",
        "Whether the council's quality managers sign in with a second factor",
        PEOPLE_MANAGERS,
        name="security_settings",
        answer=ANSWERS + "security_settings_answer",
        query=(AN_ADMIN_SAYS_WHICH,),
        response=accounts.SecuritySettingsSchema,
    ),
    Operation(
        "PUT",
        "/api/v1/security-settings",
        "Require (or not) a second factor of the council's quality managers",
        PEOPLE_MANAGERS,
        name="set_security_settings",
        answer=ANSWERS + "set_security_settings_answer",
        query=(AN_ADMIN_SAYS_WHICH,),
        body=accounts.SecuritySettingsSchema,
        response=accounts.SecuritySettingsSchema,
    ),
    # --- the platform's councils (services/gateway/platform_admin.py) ---
    Operation(
        "GET",
        "/api/v1/admin/tenants",
        "Every council, with its number of people",
        ADMINS,
        name="list_tenants",
        answer=ANSWERS + "list_tenants_answer",
        response=Listing(accounts.TenantSchema),
    ),
    Operation(
        "POST",
        "/api/v1/admin/tenants",
        "Add a council: one of the twelve regions, or a slug and a name",
        ADMINS,
        name="add_tenant",
        answer=ANSWERS + "add_tenant_answer",
        body=accounts.TenantInputSchema,
        status=201,
        response=accounts.TenantSchema,
    ),
    Operation(
        "PATCH",
        "/api/v1/admin/tenants/{code}",
        "Rename, deactivate or reactivate a council",
        ADMINS,
        name="change_tenant",
        answer=ANSWERS + "change_tenant_answer",
        body=accounts.TenantChangeSchema,
        response=accounts.TenantSchema,
    ),
    # --- the security log (services/gateway/security_log.py) ---
    Operation(
        "GET",
        "/api/v1/security-log",
        "Security events, newest first (a quality manager: the council's; an admin: every council's)",
        PEOPLE_MANAGERS,
        name="security_log",
        answer=ANSWERS + "security_log_answer",
        query=(
            text("event", LOG_EVENTS),
            text("subject_id"),
            text("since", description="ISO 8601, with offset"),
            text("until", description="ISO 8601, with offset"),
            AN_ADMIN_SAYS_WHICH,
            *PAGE,
        ),
        response=Page(accounts.SecurityLogEntrySchema),
        csv=CsvView("jouda-security-log.csv", LOG_COLUMNS, rows=lambda document: document["items"]),
    ),
)
