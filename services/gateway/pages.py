"""The gateway's pages: signing in and out, the language, one's account (password, second factor,
personal access tokens), a password reset and an invitation's link. Each calls the API's own
operations (services/gateway/web.py)."""

import segno
from markupsafe import Markup

from jouda.services.gateway import admin_pages, web
from jouda.services.gateway.web import N_
from jouda.shared.pages import Refused, WebPage, form_text
from jouda.shared.web.i18n import LANGUAGES

EVERYONE = frozenset({"quality_manager", "director", "process_owner", "auditor", "staff", "ministry", "admin"})
HOME_OF = {  # where each role lands after signing in
    "quality_manager": "/dashboard",
    "director": "/dashboard",
    "process_owner": "/my-indicators",
    "auditor": "/audits",
    "staff": "/policy",
    "ministry": "/ministry",
    "admin": "/admin/councils",
}


def _page(name, path, view, **options):
    return WebPage(name, path, f"jouda.services.gateway.pages:{view}", **options)


BASE_PAGES = (
    _page("home", "/home", "home", roles=EVERYONE),
    _page("sign_in", web.SIGN_IN, "sign_in", methods=("GET", "POST"), public=True),
    _page("sign_out", "/sign-out", "sign_out", roles=EVERYONE, methods=("POST",)),
    _page("language", "/language/{code}", "language", public=True),
    _page("account", "/account", "account", roles=EVERYONE, methods=("GET", "POST")),
    _page("two_factor", web.ENROL, "two_factor", roles=EVERYONE, methods=("GET", "POST")),
    _page("settings", "/settings", "settings", roles=EVERYONE, nav=N_("Settings"), nav_order=90),
    _page("tokens", "/account/tokens", "tokens", roles=EVERYONE, methods=("GET", "POST")),
    _page("password_reset", "/password-reset", "password_reset", methods=("GET", "POST"), public=True),
    _page("invitation", "/invitation", "invitation", methods=("GET", "POST"), public=True),
)
PAGES = BASE_PAGES + admin_pages.PAGES


def home(page):
    target = HOME_OF.get(page.user.role, "/account")
    if target not in {path for path, _ in page.navigation}:
        target = "/account"
    return page.redirect(target)


# --- signing in ---------------------------------------------------------------------------------


def sign_in(page):
    target = web.safe_next(page.args.get("next") or page.form.get("next"))
    values = {"email": page.form.get("email", ""), "tenant": page.form.get("tenant", "")}
    carried = [(k[len("carry.") :], v) for k, v in page.form.items(multi=True) if k.startswith("carry.")]
    if not page.posted:
        return page.render("gateway/sign_in.html", values=values, next=target, expired=page.args.get("expired"))
    body = {
        "email": page.form.get("email", ""),
        "password": page.form.get("password", ""),
        "tenant": form_text(page.form, "tenant"),
        "code": form_text(page.form, "code"),
    }
    response = page.call_response("sign_in", {k: v for k, v in body.items() if v is not None})
    if response.status_code != 200:
        refused = _refusal(response)
        return page.render(
            "gateway/sign_in.html",
            status=refused.status,
            refused=refused,
            values=values,
            next=target,
            carried=carried,
            password=body["password"] if refused.code in ("two_factor_required", "council_required") else "",
            councils=[(code, code) for code in refused.details.get("councils", [])],
            ask_code=refused.code == "two_factor_required" or bool(body["code"]),
        )
    return _signed_in(page, response, target, carried)


def _refusal(response):
    import json

    error = json.loads(response.get_data())["error"]
    return Refused(response.status_code, error["code"], error["message"], error.get("details"))


def _signed_in(page, response, target, carried=()):
    """The session the API opened, kept by the browser: its cookie, and its form token in a second one."""
    import json

    answer = json.loads(response.get_data())
    if answer.get("two_factor_enrolment_required"):
        target = web.ENROL
    if carried:  # what was being sent when the session ended: sent on, once the person confirms
        result = page.render(
            "gateway/resume.html", carried=carried, next=target, csrf_token=answer["csrf_token"], form_key=None
        )
    else:
        result = page.redirect(target)
    for header in response.headers.getlist("Set-Cookie"):
        result.headers.add("Set-Cookie", header)
    result.headers.add("Set-Cookie", _form_cookie(page, answer["csrf_token"]))
    return result


def _form_cookie(page, value, max_age=None):
    settings = page.gateway.api.settings
    max_age = int(settings.session_max_hours * 3600) if max_age is None else max_age
    cookie = f"{web.CSRF_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}"
    return cookie + ("; Secure" if settings.session_cookie_secure else "")


def sign_out(page):
    response = page.call_response("sign_out")
    result = page.redirect(web.SIGN_IN, notice="signed_out")
    for header in response.headers.getlist("Set-Cookie"):
        result.headers.add("Set-Cookie", header)
    result.headers.add("Set-Cookie", _form_cookie(page, "", max_age=0))
    return result


def language(page):
    code = page.path["code"]
    if code not in LANGUAGES:
        raise Refused(404, "not_found", "")
    result = page.redirect(web.safe_next(page.args.get("next"), default="/home"))
    secure = "; Secure" if page.gateway.api.settings.session_cookie_secure else ""
    result.headers.add("Set-Cookie", f"{web.LANGUAGE_COOKIE}={code}; Path=/; SameSite=Lax; Max-Age=31536000{secure}")
    return result


def settings(page):
    """The settings pages the person's role may open, each service's (pages of the group "settings")."""
    return page.render("gateway/settings.html", entries=web.navigation(page.user.role, group="settings"))


# --- one's account ------------------------------------------------------------------------------


def account(page):
    refused = None
    if page.posted:
        try:
            page.call(
                "change_password",
                {
                    "current_password": page.form.get("current_password", ""),
                    "new_password": page.form.get("new_password", ""),
                },
            )
            return page.redirect("/account", notice="password_changed")
        except Refused as error:
            refused = error
    return page.render("gateway/account.html", me=page.call("me"), refused=refused)


def two_factor(page):
    values = {"refused": None, "enrolment": None, "recovery_codes": None}
    action = page.form.get("action") if page.posted else None
    try:
        if action == "start":
            values["enrolment"] = enrolment = page.call("start_two_factor")
            values["qr"] = _qr(enrolment["otpauth_uri"])
        elif action == "confirm":
            values["recovery_codes"] = page.call("confirm_two_factor", {"code": page.form.get("code", "")})[
                "recovery_codes"
            ]
        elif action == "off":
            page.call("turn_off_two_factor", {"code": page.form.get("code", "")})
            return page.redirect(web.ENROL, notice="saved")
    except Refused as error:
        values["refused"] = error
        if action == "confirm":  # the same secret is still the one to confirm: shown again
            values["enrolment"] = {"secret": page.form.get("secret", ""), "otpauth_uri": page.form.get("uri", "")}
            values["qr"] = _qr(page.form.get("uri", "")) if page.form.get("uri") else None
    session = page.user.session
    return page.render(
        "gateway/two_factor.html", must_enrol=session is not None and session.needs_two_factor_enrolment, **values
    )


def _qr(uri):
    """The enrolment's QR code, as SVG drawn here (segno): nothing goes to another site."""
    return Markup(segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff", omitsize=True))


def tokens(page):
    refused, created = None, None
    if page.posted:
        try:
            if page.form.get("revoke"):
                page.call("revoke_token", id=page.form["revoke"])
                return page.redirect("/account/tokens", notice="deleted")
            days = page.form.get("expires_in_days", "90").strip()
            created = page.call(
                "create_token",
                {"name": page.form.get("name", ""), "expires_in_days": int(days) if days.isdigit() else days},
            )
        except Refused as error:
            refused = error
    return page.render(
        "gateway/tokens.html", tokens=page.call("list_tokens")["items"], created=created, refused=refused
    )


# --- links sent by e-mail -----------------------------------------------------------------------


def password_reset(page):
    token = (page.form.get("token") or "").strip()
    refused = None
    if page.posted:
        try:
            if "password" in page.form:  # the new password, with the link's code: then sign in with it
                page.call("confirm_password_reset", {"token": token, "password": page.form.get("password", "")})
                return page.redirect(web.SIGN_IN, notice="password_changed")
            page.call("request_password_reset", {"email": page.form.get("email", "")})
            return page.redirect(web.SIGN_IN, notice="reset_sent")
        except Refused as error:
            refused = error
    return page.render("gateway/password_reset.html", token=token, refused=refused, email=page.form.get("email", ""))


def invitation(page):
    token = (page.form.get("token") or "").strip()
    refused = None
    if page.posted:
        response = page.call_response("accept_invitation", {"token": token, "password": page.form.get("password", "")})
        if response.status_code == 200:
            return _signed_in(page, response, "/home")
        refused = _refusal(response)
    return page.render("gateway/invitation.html", token=token, refused=refused)
