"""The gateway's work inside a worker: authentication, roles, the JSON body, RPC calls, errors.

Errors are always `{"error": {"code", "message", "details"}}`: 400 malformed body, 401 no or
bad token, 403 role not allowed, 404 unknown or another council's id, 409 state conflict or
duplicate, 413 body over 1 MiB, 422 invalid fields, 429 too many failed authentications, 503 the
broker or the database is away (nothing was changed), 504 a service did not answer in time.
"""

import json
import logging
import re
from datetime import timedelta

import eventlet
from amqp.exceptions import AMQPError
from kombu import Connection, Exchange, Queue, binding
from kombu.exceptions import KombuError
from nameko.exceptions import UnknownService
from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Response

from jouda.services.gateway.caches import MISSING, TtlCache
from jouda.services.gateway import sessions
from jouda.services.gateway.directory import Principal, authenticate, could_be_valid, hash_token
from jouda.services.gateway.edge import RPC_WAIT_SECONDS, client_address, error_response, json_response
from jouda.services.gateway.metrics import AUTH_FAILURES
from jouda.services.gateway.throttle import FailureThrottle
from jouda.shared import idempotency
from jouda.shared.errors import DatabaseUnavailable, DomainError, ServiceError, database_outages
from jouda.shared.exports import XLSX_MIMETYPE, csv_text, xlsx_bytes
from jouda.shared.nameko_ext import ServiceDatabase, settings_of
from jouda.shared.operations import check_role
from jouda.shared.schema_fields import MAX_PAGE
from jouda.shared.tenancy import ROLE_KEY, TENANT_KEY, USER_KEY

log = logging.getLogger(__name__)

# An RPC request expires on the broker if no worker takes it within RPC_EXPIRY_SECONDS, and
# database statements give up after 10 s (shared/db.py); the gateway waits a little longer.
# A 504 therefore almost always means the request was not run, but a worker may still have
# finished it: the message says to look before retrying.
RPC_EXPIRY_SECONDS = 10
# Publishing an RPC request gives up after one quick retry when the broker is away: the client
# gets 503 at once rather than after the client library's long default back-off.
PROMPT_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
MAX_JSON_DEPTH = 32  # far deeper than any body Jouda reads; a deeper one is refused, never recursed into
DATABASE_OUTAGES = database_outages()


class ApiError(Exception):
    def __init__(self, status, code, message, details=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or {}
        self.headers = headers


BROKER_UNAVAILABLE = (
    "broker_unavailable",
    "Jouda cannot reach its message broker right now; nothing was changed. Please try again in a moment.",
)


def rpc_proxy_options():
    """Options of every RpcProxy of the gateway."""
    return {"expiration": RPC_EXPIRY_SECONDS, "retry_policy": PROMPT_RETRY}


FORGET_ON = ("gateway.user_updated", "gateway.tenant_updated")
# What a session whose person must enrol a second factor may do until they have.
WHILE_ENROLLING = frozenset({"me", "start_two_factor", "confirm_two_factor", "sign_out"})


class Api(DependencyProvider):
    """Injects the request context helper of one HTTP worker; holds the container's caches."""

    broadcast_source = "gateway"  # listens to its events on a queue of its own (jouda/broker.py allows it)

    service_database = ServiceDatabase()

    def setup(self):
        settings = settings_of(self.container)
        self.settings = settings
        self.principals = TtlCache(settings.auth_cache_seconds)
        self.current_policies = TtlCache(settings.read_cache_seconds)
        self.throttle = FailureThrottle(settings.auth_failures_allowed, settings.auth_failure_window_seconds)
        # Where the web app runs: a browser's state-changing request from elsewhere is refused.
        self.allowed_origins = frozenset({sessions.origin_of(settings.public_url)})
        self._listening = False

    def start(self):
        self._listening = True
        self.container.spawn_managed_thread(self._forget_on_change, identifier="gateway-forget-on-change")

    def stop(self):
        self._listening = False

    kill = stop

    def _forget_on_change(self):
        """Every gateway replica empties its cache of authenticated tokens when a person or a council
        changes (deactivated, another role): each replica listens on a queue of its own, made and
        removed with it (a broadcast, unlike the services' shared queues)."""
        exchange = Exchange("gateway.events", type="topic", durable=True)
        while self._listening:
            try:
                with Connection(self.settings.amqp_uri, connect_timeout=5) as connection:
                    queue = Queue(
                        exclusive=True,
                        auto_delete=True,
                        bindings=[binding(exchange, routing_key=key) for key in FORGET_ON],
                    )
                    with connection.Consumer([queue], callbacks=[self._forget], accept=["json"], no_ack=True):
                        self.principals.clear()  # what changed while this replica was not listening
                        while self._listening:
                            try:
                                connection.drain_events(timeout=1)
                            except TimeoutError:
                                continue
            except Exception as exc:  # noqa: BLE001 - the broker away: listen again when it is back
                log.info("not listening for changes of people (%s); retrying", exc)
                eventlet.sleep(1)

    def _forget(self, body, message):
        self.principals.clear()

    def get_dependency(self, worker_ctx):
        return RequestContext(self.service_database.database, worker_ctx, self)


class RequestContext:
    def __init__(self, database, worker_ctx, api):
        self.database = database
        self.worker_ctx = worker_ctx
        self.principal = None
        self.current_policies = api.current_policies
        self.settings, self.allowed_origins = api.settings, api.allowed_origins
        self._api = api

    def authenticate(self, request):
        address = client_address(request.environ, self._api.settings.trusted_proxy_hops)
        wait = self._api.throttle.retry_after(address)
        if wait:
            AUTH_FAILURES.labels("throttled").inc()
            raise ApiError(
                429,
                "too_many_attempts",
                f"Too many failed sign-ins from your address; try again in {wait} seconds.",
                {"retry_after_seconds": wait},
                headers={"Retry-After": str(wait)},
            )
        header = request.headers.get("Authorization", "")
        if not header and request.cookies.get(sessions.COOKIE):
            return self._signed_in(request)
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            AUTH_FAILURES.labels("missing").inc()
            raise ApiError(401, "unauthenticated", "Sign in, or send your token as 'Authorization: Bearer <token>'.")
        token_hash = hash_token(token)
        principal = self._api.principals.get(token_hash)
        if principal is MISSING:  # not known from a moment ago: looked up, if it could be valid at all
            principal = None
            if could_be_valid(token):
                with self.database.engine.connect() as connection:
                    principal = authenticate(connection, token)
            if principal is not None:
                self._api.principals.put(token_hash, principal)
        if principal is None:
            AUTH_FAILURES.labels("unknown" if could_be_valid(token) else "malformed").inc()
            self._api.throttle.failed(address)
            raise ApiError(401, "invalid_token", "This token is unknown, revoked, or its user is deactivated.")
        return self._as(principal)

    def _signed_in(self, request):
        """A person signed in with a cookie: the session as the database had it a moment ago at most
        (the cache of authenticated tokens, while the session was seen lately), and a state-changing
        request must pass the CSRF check."""
        settings = self._api.settings
        idle, longest = timedelta(minutes=settings.session_idle_minutes), timedelta(hours=settings.session_max_hours)
        cookie = request.cookies.get(sessions.COOKIE)
        key = "session:" + hash_token(cookie or "")
        found = self._api.principals.get(key)
        if found is MISSING or not sessions.recently_seen(found[0], longest=longest):
            with self.database.transaction(all_tenants=True) as session:
                found = sessions.lookup(session, cookie, idle=idle, longest=longest)
            if found is not None:
                self._api.principals.put(key, found)
        if found is None:
            AUTH_FAILURES.labels("session").inc()
            raise ApiError(401, "session_ended", "Your session has ended; sign in again.")
        web_session, user = found
        refusal = sessions.csrf_refusal(web_session, request, self._api.allowed_origins)
        if refusal:
            raise ApiError(403, "csrf_refused", refusal)
        return self._as(
            Principal(user.id, user.email, user.name, user.role, user.tenant_id, user.language, session=web_session)
        )

    def forget_principals(self):
        """This replica's cache of authenticated tokens, emptied: a change just made to who may do what
        (a deactivation, a revoked token) holds from the next request on."""
        self._api.principals.clear()

    def _as(self, principal):
        self.principal = principal
        # Decided once, here: every RPC call and event of this worker carries this tenant (none for a
        # platform user: no header at all, rather than a None Nameko would drop with a warning).
        context = {TENANT_KEY: principal.tenant_id, USER_KEY: principal.user_id, ROLE_KEY: principal.role}
        self.worker_ctx.data.update({key: value for key, value in context.items() if value is not None})
        return principal

    def take_idempotency_key(self, request):
        """A POST's Idempotency-Key travels to the service with a hash of the request, so that a
        retry of the same request is answered as the first one was (shared/idempotency.py). A POST
        sent without one gets a key of its own: a request the broker delivers twice (after an
        outage, to a restarted service) is then still carried out once."""
        if request.method != "POST":
            # A page calls several operations in one worker: a read after a post must not carry its key.
            self.worker_ctx.data.pop(idempotency.KEY_CONTEXT, None)
            self.worker_ctx.data.pop(idempotency.HASH_CONTEXT, None)
            return
        key = request.headers.get("Idempotency-Key")
        if key is None:
            key = idempotency.generated_key()
        elif not idempotency.valid_key(key) or key.startswith(idempotency.GENERATED_PREFIX):
            raise ApiError(
                422,
                "validation_failed",
                "The Idempotency-Key header is invalid.",
                {"Idempotency-Key": [f"1 to {idempotency.MAX_KEY_LENGTH} visible ASCII characters, such as a UUID."]},
            )
        self.worker_ctx.data.update(
            {
                idempotency.KEY_CONTEXT: key,
                idempotency.HASH_CONTEXT: idempotency.request_hash(
                    request.method, request.full_path, request.environ.get("jouda.body", b"")
                ),
            }
        )

    @staticmethod
    def body(request):
        """The JSON body the edge read before the worker started (see edge.EdgeApp)."""
        raw = request.environ.get("jouda.body", b"")
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except RecursionError:
            raise ApiError(
                400, "malformed_json", f"The request body is nested deeper than {MAX_JSON_DEPTH} levels."
            ) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, "malformed_json", f"The request body is not valid JSON: {exc}.") from None
        refuse_unreadable(data)
        return data

    def page(self, request, default_limit=50):
        """?limit= and ?offset= of a list."""
        return (
            self.int_arg(request, "limit", default_limit, 1, MAX_PAGE),
            self.int_arg(request, "offset", 0, 0, 10**9),
        )

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
            raise ApiError(
                422,
                "validation_failed",
                "Some query parameters are invalid.",
                {name: [f"A whole number from {low} to {high}."]},
            )
        return number


def refuse_unreadable(data):
    """Refuses what JSON can carry but text cannot be: an unpaired surrogate (\\ud800-\\udfff) in a
    key or a value, which no database or response could hold, and nesting beyond MAX_JSON_DEPTH.
    Walked without recursion."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise ApiError(400, "malformed_json", f"The request body is nested deeper than {MAX_JSON_DEPTH} levels.")
        if isinstance(value, dict):
            for key, item in value.items():
                _refuse_surrogates(key)
                pending.append((item, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            _refuse_surrogates(value)


def _refuse_surrogates(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(
            400,
            "malformed_json",
            "The request body holds an unpaired surrogate (\\ud800 to \\udfff), which is not text.",
        ) from None


def call(method, *args, **kwargs):
    """An RPC call with a bounded wait (see RPC_EXPIRY_SECONDS)."""
    method.publisher.transport_options = dict(PROMPT_RETRY)  # connecting, too, gives up quickly
    try:
        reply = method.call_async(*args, **kwargs)
    except (OSError, AMQPError, KombuError) as exc:  # the request never left: nothing was changed
        log.warning("RPC %s not sent: %s", getattr(method, "method_name", method), exc)
        raise ApiError(503, *BROKER_UNAVAILABLE) from None
    except UnknownService:
        raise ApiError(
            503,
            "service_unavailable",
            "A Jouda service is not running; nothing was changed. Please try again in a moment.",
        ) from None
    try:
        with eventlet.Timeout(RPC_WAIT_SECONDS):
            return reply.result()
    except eventlet.Timeout:
        raise ApiError(
            504,
            "service_unavailable",
            "A Jouda service did not answer in time. The change was most likely not made: "
            "check (for example reload the list) before trying again.",
        ) from None


def refuse_nul(request, path_arguments):
    """PostgreSQL cannot hold a NUL character: an id or a query argument with one matches nothing
    and must not reach a database as a query that fails."""
    for value in path_arguments.values():
        if "\x00" in str(value):
            raise ApiError(404, "not_found", f"There is no resource at {request.path!r}.")
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise ApiError(
                422,
                "validation_failed",
                "Some query parameters are invalid.",
                {name.replace("\x00", ""): ["May not contain the NUL character."]},
            )


FORMATS = ("json", "csv", "xlsx")  # `?format=` of an operation with a CsvView: JSON or one of its files


def query_value(request, param):
    """A query parameter as its Param says to read it (ApiError 422 when it cannot be)."""
    if param.kind == "int":
        return RequestContext.int_arg(request, param.name, param.default, *param.bounds)
    if param.kind == "flag":
        value = request.args.get(param.name, "false").lower()
        if value not in ("true", "false", "1", "0"):
            raise ApiError(
                422, "validation_failed", "Some query parameters are invalid.", {param.name: ["true or false."]}
            )
        return value in ("true", "1")
    return request.args.get(param.name, param.default)


def file_format(request):
    """The file `?format=` asks for: "csv" or "xlsx", None for the JSON answer."""
    wanted = request.args.get("format", "json")
    if wanted not in FORMATS:
        raise ApiError(
            422, "validation_failed", "Some query parameters are invalid.", {"format": ["json, csv or xlsx."]}
        )
    return None if wanted == "json" else wanted


def file_response(view, document, path, kind, *, right_to_left=False):
    """The view's rows of the answer as a CSV or XLSX file (right to left for an Arabic reader)."""
    rows = view.rows(json.loads(document) if isinstance(document, str) else document)
    filename = UNSAFE_IN_FILENAME.sub("_", view.filename.format(**path))[:100]
    if kind == "xlsx":
        body, mimetype = xlsx_bytes(view.columns, rows, right_to_left=right_to_left), XLSX_MIMETYPE
        filename = filename.removesuffix(".csv")[:95] + ".xlsx"
    else:
        body, mimetype = csv_text(view.columns, rows), "text/csv"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]")  # a file name safe in a header, whatever the path held


def serve(gateway, operation, request, path, *, answer, follow=()):
    """One HTTP operation: authentication and the role check, the Idempotency-Key, then its answer
    (the gateway's own, or an RPC call to the service that owns it), and every error as an envelope."""
    try:
        refuse_nul(request, path)
        if not operation.public:
            principal = gateway.api.authenticate(request)
            if (
                principal.session is not None
                and principal.session.needs_two_factor_enrolment
                and operation.operation_id not in WHILE_ENROLLING
            ):
                raise ApiError(
                    403,
                    "two_factor_enrolment_required",
                    "Your role signs in with a second factor: enrol "
                    "an authenticator app first (POST /api/v1/me/two-factor, then .../confirm).",
                )
            check_role(principal.role, operation.roles, "this resource")
            gateway.api.take_idempotency_key(request)
        as_file = file_format(request) if operation.csv is not None else None
        if answer is not None:
            result = answer(gateway, request, **path)
        else:
            result = _called(gateway, operation, request, path)
            for step in follow:
                step(gateway, result)
        if as_file and not isinstance(result, Response):  # the rows of the answer, as the file asked for
            principal = gateway.api.principal
            result = file_response(
                operation.csv,
                result[1] if isinstance(result, tuple) else result,
                path,
                as_file,
                right_to_left=principal is not None and principal.language == "ar",
            )
    except ApiError as error:
        return error_response(error.status, error.code, error.message, error.details, error.headers)
    except (ServiceError, DomainError) as error:
        return error_response(error.status, error.code, error.message, error.details)
    except DATABASE_OUTAGES:
        log.warning("the gateway's database is unavailable in %s", operation.operation_id, exc_info=True)
        unavailable = DatabaseUnavailable()
        return error_response(unavailable.status, unavailable.code, unavailable.message)
    except Exception:  # noqa: BLE001 - never leak a traceback to a client
        log.exception("unhandled error in %s", operation.operation_id)
        return error_response(500, "internal_error", "Something went wrong on our side; it was logged.")
    if isinstance(result, Response):
        return result
    if operation.raw:
        return Response(result, mimetype=operation.media)
    status, data = result if isinstance(result, tuple) else (operation.status, result)
    return json_response(status, data)


def _called(gateway, operation, request, path):
    # A body is read (and refused when malformed or too large) whenever one may be sent, used or not.
    body = gateway.api.body(request) if request.method in ("POST", "PUT", "PATCH", "DELETE") else None
    params = {param.name: param for param in operation.query}
    args = []
    for name in operation.args:
        if name == "body":
            args.append(body)
        elif name.startswith("="):  # a constant the operation always passes (a transition's action)
            args.append(name[1:])
        elif name in operation.path_choices:  # the URL's word, as the service names it
            args.append(operation.path_choices[name][path[name]])
        elif name in path:
            args.append(path[name])
        else:
            args.append(query_value(request, params[name]))
    return call(getattr(gateway.rpc(operation.service), operation.call.split(".", 1)[1]), *args)
