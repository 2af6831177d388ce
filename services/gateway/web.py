"""The web app: every service's pages (shared/pages.py), served by the gateway beside the API.

A page is an HTML view over the same operations the API serves: `PageContext.call` runs an operation
through `api.serve` exactly as an HTTP request would (the session, the CSRF token, the role, the
Idempotency-Key, the error envelope), so a page can show nothing and change nothing the API would
not. Forms work without JavaScript: a page posts to itself, shows what was refused beside what was
typed, and redirects after a change (so reloading never sends it twice; the form's Idempotency-Key
makes a double click count once).

The session is the API's cookie. The form token is the session's CSRF token, kept by the browser in
a second HttpOnly cookie (SameSite=Strict) and written into each form: a page posted from elsewhere
has neither, and every state-changing operation checks it against the session's hash."""

import hmac
import json
import logging
import uuid
from functools import cache
from urllib.parse import urlencode, urlsplit

import eventlet
from babel.dates import format_date, format_datetime
from babel import Locale
from babel.numbers import format_decimal, format_percent, parse_pattern
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from jouda import platform
from jouda.services.gateway.api import ApiError
from jouda.shared.clock import DISPLAY_ZONE, as_utc
from jouda.shared.manifest import load
from jouda.shared.operations import PATH_PARAMETER
from jouda.shared.pages import Refused
from jouda.shared.schema_fields import MAX_PAGE
from jouda.shared.web import charts
from jouda.shared.web.i18n import LANGUAGES, NAMES, RIGHT_TO_LEFT, SHARED_FOLDER, N_, best_language, translations

log = logging.getLogger(__name__)

CSRF_COOKIE = "jouda_form"
LANGUAGE_COOKIE = "jouda_lang"
SIGN_IN, HOME, ENROL = "/sign-in", "/home", "/account/two-factor"
WHILE_ENROLLING = frozenset({"two_factor", "sign_out", "language", "sign_in"})  # pages open before enrolment
STATIC_FOLDER = SHARED_FOLDER / "static"
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml", ".png": "image/png"}
LOCALES = {"fr": "fr_MA", "ar": "ar_MA", "en": "en_GB"}  # Moroccan formats: Latin digits, day first


# --- declarations ------------------------------------------------------------------------------


def pages():
    """Every service's pages."""
    return [page for manifest in platform.manifests() for page in manifest.web_pages()]


@cache
def operations_by_id():
    from jouda.services.gateway.service import operations

    return {operation.operation_id: operation for operation in operations()}


def navigation(role, group="main"):
    """The menu of a role: (path, message) of the pages it may open that have an entry, in order."""
    entries = [
        page for page in pages() if page.nav and page.group == group and role in page.roles and "{" not in page.path
    ]
    return [(page.path, page.nav) for page in sorted(entries, key=lambda page: (page.nav_order, page.path))]


# --- templates ---------------------------------------------------------------------------------

MARKDOWN = MarkdownIt("js-default")  # no raw HTML: a policy's text is never markup of its own


def web_folder_of(page):
    """The web folder of the service a page belongs to (its view's module says which)."""
    parts = page.view.split(":")[0].split(".")
    if len(parts) > 2 and parts[:2] == ["jouda", "services"]:
        return platform.manifest(parts[2]).web_folder
    return None


@cache
def environment(language, own=None):
    services = {m.name: FileSystemLoader(m.web_folder / "templates") for m in platform.manifests() if m.web_folder}
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(SHARED_FOLDER / "templates"), PrefixLoader(services)]),
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates change with a release, not while the gateway runs
    )
    catalogue = translations(language, own)
    env.install_gettext_translations(catalogue, newstyle=True)
    locale = Locale.parse(LOCALES[language])
    env.filters.update(
        number=lambda value, digits=1: "" if value is None else format_decimal(value, _decimals(digits), locale),
        percent=lambda value: "" if value is None else format_percent(value, PERCENT, locale=locale),
        date=lambda value: "" if not value else format_date(_as_date(value), "medium", locale=locale),
        datetime=lambda value: (
            "" if not value else format_datetime(_as_datetime(value), "short", tzinfo=DISPLAY_ZONE, locale=locale)
        ),
        markdown=lambda text: Markup(MARKDOWN.render(text or "")),
        # A service's refusal, in the page's language where a catalogue has it (shared/web/refusals.py).
        translated=lambda text: catalogue.gettext(text) if text else text,
    )
    env.globals.update(
        languages=LANGUAGES,
        language_names=NAMES,
        line_chart=charts.line_chart,
        bar_chart=charts.bar_chart,
        right_to_left=language in RIGHT_TO_LEFT,
        notices=NOTICES,
        role_names=ROLE_NAMES,
    )
    return env


# Patterns parsed once: parsing one again for every number was a tenth of a dashboard page's rendering.
PERCENT = parse_pattern("#,##0 %")


@cache
def _decimals(digits):
    return parse_pattern(f"#,##0.{'#' * digits}")


def _as_date(value):
    from datetime import date, datetime

    if isinstance(value, (date, datetime)):
        return value
    return date.fromisoformat(str(value)[:10])


def _as_datetime(value):
    from datetime import datetime

    if isinstance(value, datetime):
        return as_utc(value)
    return as_utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))


# The fields of the services' answers that name a person (by user id), wherever they are nested.
PERSON_FIELDS = frozenset(
    {
        "actor",
        "user_id",
        "owner_id",
        "lead_auditor_id",
        "team_ids",
        "auditee_ids",
        "verifier_id",
        "recorded_by",
        "created_by",
        "opened_by",
        "plan_approved_by",
        "impartiality_overridden_by",
    }
)


def people_in(*answers):
    """The user ids the PERSON_FIELDS of decoded answers hold: whom a page showing them names."""
    found, waiting = set(), list(answers)
    while waiting:
        value = waiting.pop()
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in PERSON_FIELDS:
                    found.update(inner if isinstance(inner, list) else [inner])
                else:
                    waiting.append(inner)
        elif isinstance(value, list):
            waiting.extend(value)
    return found


# Rows a page shows at once of a whole list (the ministry's 1,600 councils): more is slow to render
# and to read; the downloads carry every row.
WINDOW = 100


def window(rows, offset_text, size=WINDOW):
    """`rows` from `offset_text` (as typed in the address; past the end: the first rows), as an API
    list's page is: {items, offset, limit, total}, which macros.html's pager shows the way through."""
    text = (offset_text or "").strip()
    offset = int(text) if text.isdigit() and int(text) < len(rows) else 0
    return {"items": rows[offset : offset + size], "offset": offset, "limit": size, "total": len(rows)}


# --- the page a view works with -----------------------------------------------------------------


class PageContext:
    """One request for one page: who asks, in which language, its form, and the operations it may call."""

    def __init__(self, gateway, request, page, path, principal):
        self.gateway, self.request, self.page, self.path, self.user = gateway, request, page, path, principal
        self.language = chosen_language(request, principal)
        self.direction = "rtl" if self.language in RIGHT_TO_LEFT else "ltr"
        self.form = request.form if request.method == "POST" else ImmutableMultiDict()
        self.args = request.args
        self.csrf_token = request.cookies.get(CSRF_COOKIE, "")
        self._own = web_folder_of(page) if page.view else None
        self._translations = translations(self.language, self._own)
        self._calls = 0
        # The inbox's count for the header, asked while the view works (a page that posts asks it
        # after, when it renders: its calls carry the post's Idempotency-Key meanwhile).
        self._council_person = principal is not None and principal.tenant_id is not None
        self._unread = eventlet.spawn(self._unread_count) if self._council_person and not self.posted else None

    # words
    def _(self, message, **values):
        text = self._translations.gettext(message)
        return text % values if values else text

    @property
    def posted(self):
        return self.request.method == "POST"

    # operations
    def call(self, operation_id, body=None, query=None, **path):
        """The operation's answer (decoded JSON, or the text of a document); raises Refused."""
        response = self.call_response(operation_id, body, query, **path)
        operation = operations_by_id()[operation_id]
        if response.status_code >= 400:
            try:
                error = json.loads(response.get_data())["error"]
            except (ValueError, KeyError, TypeError):
                error = {"code": "internal_error", "message": response.get_data(as_text=True)[:200]}
            raise Refused(response.status_code, error["code"], error["message"], error.get("details"))
        data = response.get_data(as_text=True)
        if operation.raw and operation.media != "application/json":
            return data
        return json.loads(data) if data else None

    def every_item(self, operation_id, query=None, **path):
        """Every item of a paged list operation, page after page (a council's people or processes)."""
        items, offset = [], 0
        while True:
            answer = self.call(operation_id, query={**(query or {}), "limit": MAX_PAGE, "offset": offset}, **path)
            items += answer["items"]
            offset += len(answer["items"])
            if not answer["items"] or offset >= answer["total"]:
                return items

    def names(self, user_ids):
        """{user id: how the person is named} of the council's people among `user_ids`, read in as few
        calls as it takes (anyone of a council may read names); the person asking is always named."""
        named = {self.user.user_id: self.user.name or self.user.email}
        wanted = sorted({user_id for user_id in user_ids if isinstance(user_id, str) and user_id} - set(named))
        for start in range(0, len(wanted) if self._council_person else 0, MAX_PAGE):
            answer = self.call("people_names", query={"ids": ",".join(wanted[start : start + MAX_PAGE])})
            named.update((person["id"], person["name"]) for person in answer["items"])
        return named

    def names_of(self, *shown, people=()):
        """{user id: name} for the people the decoded answers `shown` name (PERSON_FIELDS, a refusal's
        details too); those in `people` (list_people's items, a quality manager's form read them
        already) are named without asking again."""
        names = {person["id"]: person["name"] or person["email"] for person in people}
        return names | self.names(people_in(*shown) - set(names))

    def window(self, rows, size=WINDOW):
        """The part of `rows` (a whole list an operation answered) this page's `?offset=` asks for."""
        return window(rows, self.args.get("offset"), size)

    def call_response(self, operation_id, body=None, query=None, **path):
        """The operation's whole HTTP answer, as the API would give it."""
        from jouda.services.gateway.service import dispatch

        operation = operations_by_id()[operation_id]
        concrete = PATH_PARAMETER.sub(lambda match: str(path[match.group(1)]), operation.path)
        data = json.dumps(body).encode() if body is not None else b""
        headers = {"Cookie": self.request.headers.get("Cookie", ""), "Accept-Language": self.language}
        if operation.method not in ("GET", "HEAD"):
            headers["X-CSRF-Token"] = self.csrf_token
            headers["Idempotency-Key"] = self._idempotency_key(operation_id)
            if self.request.headers.get("Origin"):
                headers["Origin"] = self.request.headers["Origin"]
        environ = EnvironBuilder(
            path=concrete,
            method=operation.method,
            query_string=urlencode({k: v for k, v in (query or {}).items() if v is not None}, doseq=True),
            data=data,
            content_type="application/json" if data else None,
            headers=headers,
            environ_base={
                "REMOTE_ADDR": self.request.remote_addr or "",
                "HTTP_X_FORWARDED_FOR": self.request.headers.get("X-Forwarded-For", ""),
                "HTTP_USER_AGENT": self.request.headers.get("User-Agent", ""),
            },
        ).get_environ()
        environ["jouda.body"] = data
        self._calls += 1
        return dispatch(self.gateway, operation, Request(environ), path)

    def _idempotency_key(self, operation_id):
        """The form's key (written into it when it was shown) and which call of the post this is: a
        form sent twice is carried out once; a form with no key (a link's post) gets a new one."""
        base = (self.form.get("idempotency_key") or "").strip()[:60] if self.posted else ""
        if not base:
            return str(uuid.uuid4())
        return f"web-{base}-{operation_id}-{self._calls}"[:200]

    # answers
    def render(self, template, status=200, **values):
        env = environment(self.language, self._own)
        html = env.get_template(template).render(page=self, **values)
        return Response(html, status=status, mimetype="text/html")

    def redirect(self, url, notice=None):
        if notice:
            url += ("&" if "?" in url else "?") + urlencode({"notice": notice})
        return Response(status=303, headers={"Location": url})

    # what the layout shows
    @property
    def navigation(self):
        return navigation(self.user.role) if self.user else []

    @property
    def unread(self):
        if not self._council_person:
            return None
        if self._unread is None:
            self._unread = eventlet.spawn(self._unread_count)
        return self._unread.wait()

    def _unread_count(self):
        try:
            return self.call("unread_count").get("unread")
        except Exception:  # noqa: BLE001 - a page shows without its badge rather than fail
            return None

    @property
    def notice(self):
        return self.args.get("notice")

    def new_form_key(self):
        return uuid.uuid4().hex

    def url(self, path, **query):
        query = {k: v for k, v in query.items() if v not in (None, "")}
        return path + ("?" + urlencode(query, doseq=True) if query else "")

    def error_headline(self, refused):
        code = refused.code
        if code not in HEADLINES and code.endswith("_not_found"):  # audit_not_found, process_not_found...
            code = "not_found"
        elif code not in HEADLINES and code.endswith("_exists"):  # process_code_exists, programme_exists...
            code = "conflict"
        return self._(HEADLINES.get(code, HEADLINES["_other"]))


ROLE_NAMES = {
    "quality_manager": N_("Quality manager"),
    "director": N_("Director"),
    "process_owner": N_("Process owner"),
    "auditor": N_("Auditor"),
    "staff": N_("Staff"),
    "ministry": N_("Ministry"),
    "admin": N_("Platform administrator"),
}

# What `?notice=` says on the page a change led to (page.redirect(url, notice="saved")).
NOTICES = {
    "saved": N_("Saved."),
    "created": N_("Created."),
    "sent": N_("Sent."),
    "done": N_("Done."),
    "deleted": N_("Deleted."),
    "signed_out": N_("You are signed out."),
    "password_changed": N_("Your password is changed."),
    "reset_sent": N_("If this address has an account, a link to choose a new password is on its way."),
}

HEADLINES = {
    "validation_failed": N_("Some fields need correcting: see the messages beside them, then send the form again."),
    "transition_not_allowed": N_(
        "This step is not possible where the item now stands. Reload the page to see its current state."
    ),
    "state_change_not_allowed": N_(
        "This step is not possible where the item now stands. Reload the page to see its current state."
    ),
    "conflict": N_("This conflicts with what is already recorded; nothing was changed."),
    "impartiality_conflict": N_(
        "An auditor would audit their own work. Choose another auditor, or (quality manager) write a justification."
    ),
    "role_not_allowed": N_("Your role cannot do this. Ask your quality manager if you think it should."),
    "forbidden": N_("You may not do this."),
    "not_found": N_("This page does not exist, or belongs to another council."),
    "session_ended": N_("Your session has ended. Sign in again: what you typed is kept."),
    "csrf_refused": N_("This form has expired. Reload the page and send it again."),
    "broker_unavailable": N_("Jouda cannot reach one of its parts right now; nothing was changed. Try again shortly."),
    "service_unavailable": N_(
        "A part of Jouda did not answer in time; the change was most likely not made. Reload to check."
    ),
    "database_unavailable": N_("Jouda's database is unavailable; nothing was changed. Try again shortly."),
    "too_many_attempts": N_("Too many attempts. Wait a moment before trying again."),
    "invalid_credentials": N_("This e-mail address and password do not match an account."),
    "two_factor_required": N_("Enter the 6-digit code of your authenticator app."),
    "link_not_valid": N_("This link is no longer valid. Ask for a new one."),
    "_other": N_("This could not be done; nothing was changed."),
}


# --- serving a page -----------------------------------------------------------------------------


def chosen_language(request, principal):
    """The language chosen on the page, else the person's own, else the browser's."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    if principal is not None and principal.language in LANGUAGES:
        return principal.language
    return best_language(request.headers.get("Accept-Language"))


def signed_in(gateway, request):
    """The person of the request's session, or None: the API's check of the session cookie (a safe
    request's: a page's form token is checked by the operations the page calls)."""
    from jouda.services.gateway import sessions

    if not request.cookies.get(sessions.COOKIE):
        return None
    environ = EnvironBuilder(
        path=request.path,
        method="GET",
        headers={"Cookie": request.headers.get("Cookie", "")},
        environ_base={"REMOTE_ADDR": request.remote_addr or ""},
    ).get_environ()
    try:
        return gateway.api.authenticate(Request(environ))
    except ApiError as error:
        if error.status == 401:
            return None
        raise


def serve_page(gateway, page, request, path):
    principal = None
    try:
        principal = None if page.public and page.name != "home" else signed_in(gateway, request)
        if page.public and principal is None and request.cookies.get("jouda_session"):
            principal = signed_in(gateway, request)
        context = PageContext(gateway, request, page, path, principal)
        if not page.public:
            if principal is None:
                return _signed_out(context)
            if principal.session is not None and principal.session.needs_two_factor_enrolment:
                if page.name not in WHILE_ENROLLING:
                    return context.redirect(ENROL)
            if principal.role not in page.roles:
                return error_page(context, Refused(403, "role_not_allowed", ""))
            if context.posted and not _form_token_matches(request):
                return error_page(context, Refused(403, "csrf_refused", ""))
        return load(page.view)(context)
    except Refused as refused:
        if refused.status == 401:
            return _signed_out(context)
        return error_page(context, refused)
    except ApiError as error:
        return error_page(
            PageContext(gateway, request, page, path, None), Refused(error.status, error.code, error.message)
        )
    except Exception:  # noqa: BLE001 - a page that failed says so, never with a traceback
        log.exception("page %s failed", page.name)
        return error_page(PageContext(gateway, request, page, path, principal), Refused(500, "internal_error", ""))


def _form_token_matches(request):
    sent, kept = request.form.get("csrf_token", ""), request.cookies.get(CSRF_COOKIE, "")
    return bool(kept) and hmac.compare_digest(sent.encode(), kept.encode())


def _signed_out(context):
    """To the sign-in page; a form that was being sent goes with it, to be sent once signed in again."""
    request = context.request
    if context.posted:
        carried = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token",)]
        return context.render(
            "gateway/sign_in.html",
            status=401,
            carried=carried,
            next=request.full_path.rstrip("?"),
            expired=True,
            values={},
        )
    return context.redirect(context.url(SIGN_IN, next=request.full_path.rstrip("?"), expired="1"))


def error_page(context, refused):
    status = refused.status if 400 <= refused.status < 600 else 500
    return context.render("error.html", status=status, refused=refused)


def safe_next(url, default=HOME):
    """Where to go after signing in: a path of this site only."""
    parts = urlsplit(url or "")
    if parts.scheme or parts.netloc or not (url or "").startswith("/") or url.startswith("//"):
        return default
    return url


def static_folders():
    """{"": the shared static files, "<service>": that service's web/static} (`/static/<service>/<file>`)."""
    folders = {"": STATIC_FOLDER}
    for manifest in platform.manifests():
        if manifest.web_folder is not None and (manifest.web_folder / "static").is_dir():
            folders[manifest.name] = manifest.web_folder / "static"
    return folders


def static_file(name):
    owner, _, rest = name.partition("/")
    folders = static_folders()
    folder, name = (folders[owner], rest) if rest and owner in folders else (folders[""], name)
    path = (folder / name).resolve()
    if folder.resolve() not in path.parents or not path.is_file() or path.suffix not in STATIC_TYPES:
        return None
    return Response(
        path.read_bytes(),
        mimetype=STATIC_TYPES[path.suffix],
        headers={"Cache-Control": "public, max-age=3600"},
    )


def html_wanted(request):
    """A browser asking for a page rather than a program asking for JSON."""
    accept = request.headers.get("Accept", "")
    return "text/html" in accept and "application/json" not in accept.split(",")[0]


def not_found_page(gateway, request):
    """The 404 page of a path that names nothing (a static file that is not there)."""
    from jouda.shared.pages import WebPage

    context = PageContext(gateway, request, WebPage("not_found", request.path, ""), {}, signed_in(gateway, request))
    return error_page(context, Refused(404, "not_found", ""))
