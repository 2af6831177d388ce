"""The HTTP edge's plumbing: JSON in and out, the error envelope, authentication, roles.

Errors are always `{"error": {"code", "message", "details"}}`: 400 malformed body, 401 no or
bad token, 403 role not allowed, 404 unknown or another council's id, 409 state conflict or
duplicate, 413 body over 1 MiB, 422 invalid fields, 504 a service did not answer in time.
"""
import functools
import json
import logging

import eventlet
from amqp.exceptions import AMQPError
from nameko.extensions import DependencyProvider
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from jouda.services.gateway.caches import MISSING, TtlCache
from jouda.services.gateway.directory import authenticate, hash_token
from jouda.shared.errors import ServiceError
from jouda.shared.events.catalogue import COUNCIL_ROLES
from jouda.shared.nameko_ext import ServiceDatabase, settings_of
from jouda.shared.schema_fields import MAX_PAGE
from jouda.shared.tenancy import ROLE_KEY, TENANT_KEY, USER_KEY

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
# An RPC request expires on the broker if no worker takes it within RPC_EXPIRY_SECONDS, and
# database statements give up after 10 s (shared/db.py); the gateway waits a little longer.
# A 504 therefore almost always means the request was not run, but a worker may still have
# finished it: the message says to look before retrying.
RPC_EXPIRY_SECONDS = 10
RPC_WAIT_SECONDS = 15


class ApiError(Exception):
    def __init__(self, status, code, message, details=None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or {}


def json_response(status, data, headers=None):
    return Response(json.dumps(data, ensure_ascii=False), status=status, headers=headers,
                    mimetype="application/json")


def error_response(status, code, message, details=None):
    return json_response(status, {"error": {"code": code, "message": message, "details": details or {}}})


class Api(DependencyProvider):
    """Injects the request context helper of one HTTP worker; holds the container's caches."""

    service_database = ServiceDatabase()

    def setup(self):
        settings = settings_of(self.container)
        self.principals = TtlCache(settings.auth_cache_seconds)
        self.current_policies = TtlCache(settings.read_cache_seconds)

    def get_dependency(self, worker_ctx):
        return RequestContext(self.service_database.database, worker_ctx, self)


class RequestContext:
    def __init__(self, database, worker_ctx, api):
        self.database = database
        self.worker_ctx = worker_ctx
        self.principal = None
        self.current_policies = api.current_policies
        self._principals = api.principals

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "unauthenticated", "Send your token as 'Authorization: Bearer <token>'.")
        token_hash = hash_token(token.strip())
        principal = self._principals.get(token_hash)
        if principal is MISSING:
            with self.database.engine.connect() as connection:
                principal = authenticate(connection, token.strip())
            if principal is not None:
                self._principals.put(token_hash, principal)
        if principal is None:
            raise ApiError(401, "invalid_token", "This token is unknown, revoked, or its user is deactivated.")
        self.principal = principal
        # Decided once, here: every RPC call and event of this worker carries this tenant.
        self.worker_ctx.data.update({TENANT_KEY: principal.tenant_id, USER_KEY: principal.user_id,
                                     ROLE_KEY: principal.role})
        return principal

    @staticmethod
    def body(request):
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            raise ApiError(413, "body_too_large", "The request body is over 1 MiB.")
        raw = request.stream.read(MAX_BODY_BYTES + 1)
        if len(raw) > MAX_BODY_BYTES:
            raise ApiError(413, "body_too_large", "The request body is over 1 MiB.")
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, "malformed_json", f"The request body is not valid JSON: {exc}.") from None

    def page(self, request, default_limit=50):
        """?limit= and ?offset= of a list."""
        return (self.int_arg(request, "limit", default_limit, 1, MAX_PAGE),
                self.int_arg(request, "offset", 0, 0, 10**9))

    @staticmethod
    def int_arg(request, name, default, low, high):
        value = request.args.get(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise ApiError(422, "validation_failed", "Some query parameters are invalid.",
                           {name: [f"A whole number from {low} to {high}."]})
        return number


CATCH_ALL = "/<path:path>"


@functools.lru_cache(maxsize=4)
def _routes_without_catch_all(web_server):
    return Map([Rule(rule.rule, methods=rule.methods, endpoint=rule.endpoint)
                for rule in web_server.make_url_map().iter_rules() if rule.rule != CATCH_ALL])


def known_methods(web_server, path):
    """The methods the API serves at `path` (empty when the path itself is unknown): a wrong
    method on a known path is a 405, an unknown path a 404."""
    methods = _routes_without_catch_all(web_server).bind("jouda").allowed_methods(path)
    return sorted(set(methods) - {"HEAD", "OPTIONS"})


def call(method, *args, **kwargs):
    """An RPC call with a bounded wait (see RPC_EXPIRY_SECONDS)."""
    try:
        reply = method.call_async(*args, **kwargs)
    except (OSError, AMQPError) as exc:  # the request never left: nothing was changed
        log.warning("RPC %s not sent: %s", getattr(method, "method_name", method), exc)
        raise ApiError(503, "broker_unavailable",
                       "Jouda cannot reach its message broker right now; nothing was changed. "
                       "Please try again in a moment.") from None
    try:
        with eventlet.Timeout(RPC_WAIT_SECONDS):
            return reply.result()
    except eventlet.Timeout:
        raise ApiError(504, "service_unavailable",
                       "A Jouda service did not answer in time. The change was most likely not made: "
                       "check (for example reload the list) before trying again.") from None


def refuse_nul(request, path_arguments):
    """PostgreSQL cannot hold a NUL character: an id or a query argument with one matches nothing
    and must not reach a database as a query that fails."""
    for name, value in path_arguments.items():
        if "\x00" in str(value):
            raise ApiError(404, "not_found", f"There is no resource at {request.path!r}.")
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise ApiError(422, "validation_failed", "Some query parameters are invalid.",
                           {name.replace("\x00", ""): ["May not contain the NUL character."]})


def endpoint(roles=COUNCIL_ROLES, *, public=False):
    """Wraps an @http handler: authentication, role check, errors as JSON envelopes.

    The handler returns (status, data) or a werkzeug Response."""
    allowed = frozenset(roles)

    def decorate(handler):
        @functools.wraps(handler)
        def wrapper(self, request, *args, **kwargs):
            try:
                refuse_nul(request, kwargs)
                if not public:
                    principal = self.api.authenticate(request)
                    if principal.role not in allowed:
                        raise ApiError(403, "role_not_allowed",
                                       f"Your role ({principal.role}) cannot use this resource.",
                                       {"role": principal.role, "allowed_roles": sorted(allowed)})
                result = handler(self, request, *args, **kwargs)
            except (ApiError, ServiceError) as error:
                return error_response(error.status, error.code, error.message, error.details)
            except Exception:  # noqa: BLE001 - never leak a traceback to a client
                log.exception("unhandled error in %s", handler.__name__)
                return error_response(500, "internal_error", "Something went wrong on our side; it was logged.")
            if isinstance(result, Response):
                return result
            status, data = result
            return json_response(status, data)
        return wrapper
    return decorate
