"""The web app's frame on the real stack: signing in and out through the pages, the form token, an
ended session that keeps what was typed, languages, the static files and the security headers."""

import uuid

import pyotp
import pytest
from jouda.services.gateway import directory
from jouda.shared.clock import utc_now
from tests.integration.conftest import eventually
from tests.support.pages import PageBrowser, give_password

STRONG = "Tajine aux pruneaux, trois amandes grillées"

pytestmark = pytest.mark.integration


def email_of(gateway_db, user_id):
    with gateway_db.transaction(all_tenants=True) as session:
        return session.get(directory.User, user_id).email


def link_in_mail(smtp, address, path):
    """The text of the latest e-mail to `address` holding a link to `path`, or None."""
    bodies = [m.get_body(("plain",)).get_content() for m in smtp.messages(to=address)]
    found = [body for body in bodies if path in body]
    return found[-1] if found else None


def token_names(client, council, role):
    return {t["name"] for t in client.as_(council.tokens[role]).get("/api/v1/me/tokens").json()["items"]}


def test_a_browser_is_sent_to_sign_in_and_then_home_while_a_program_still_gets_json(settings, client, platform):
    browser = PageBrowser(settings.http_port)
    first = browser.request("GET", "/")
    assert first.status == 303 and first.location == "/home"
    landing = browser.get("/")
    assert landing.status == 200 and landing.has("<h1>Sign in to Jouda</h1>", 'name="next" value="/home"')
    assert client.get("/").json()["api"] == "/api/v1"


def test_signing_in_sets_httponly_cookies_lands_on_the_role_home_and_signing_out_ends_the_session(
    settings, council, gateway_db
):
    give_password(gateway_db, council.users["staff"])
    browser = PageBrowser(settings.http_port)
    answer = browser.request(
        "POST", "/sign-in", {"email": email_of(gateway_db, council.users["staff"]), "password": "x"}
    )
    assert answer.status == 401 and answer.has("do not match an account")
    assert answer.has(f'value="{email_of(gateway_db, council.users["staff"])}"'), "the e-mail typed is kept"

    signed = browser.request(
        "POST",
        "/sign-in",
        {"email": email_of(gateway_db, council.users["staff"]), "password": "correct horse battery staple 2026"},
    )
    assert signed.status == 303 and signed.location == "/home"
    cookies = [v for k, v in signed.headers.items() if k.lower() == "set-cookie"]
    assert browser.cookies.keys() >= {"jouda_session", "jouda_form"}
    assert all("HttpOnly" in cookie for cookie in cookies)
    home = browser.get("/home")
    assert home.status == 200 and home.has('href="/policy" aria-current="page"')
    assert "script-src 'self'" in home.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in home.headers["Content-Security-Policy"]

    session_cookie = browser.cookies["jouda_session"]
    out = browser.post("/sign-out", {})
    assert out.has("You are signed out.")
    stale = PageBrowser(settings.http_port)
    stale.cookies["jouda_session"] = session_cookie
    assert stale.get("/account", follow=False).location.startswith("/sign-in?")


def test_a_form_without_its_token_or_with_another_sessions_token_changes_nothing(settings, council, client, pages_as):
    browser = pages_as(council, "quality_manager")
    refused = browser.post("/account/tokens", {"name": "no-token", "csrf_token": ""})
    assert refused.status == 403 and refused.has("This form has expired")
    # A token matching its cookie but not this session (as a page of another site could never send).
    other = pages_as(council, "quality_manager")
    browser.cookies["jouda_form"] = other.cookies["jouda_form"]
    crossed = browser.post("/account/tokens", {"name": "crossed"})
    assert crossed.has("This form has expired") or crossed.has("CSRF")
    assert not {"no-token", "crossed"} & token_names(client, council, "quality_manager")


def test_a_form_sent_twice_with_the_same_key_is_carried_out_once(settings, council, client, pages_as):
    browser = pages_as(council, "quality_manager")
    fields = {"url": "http://127.0.0.1:9/twice", "idempotency_key": "same-form-key"}
    first, second = browser.post("/webhooks", fields), browser.post("/webhooks", fields)
    assert first.status == 200 and second.status == 200
    listed = client.as_(council.tokens["quality_manager"]).get("/api/v1/webhooks").json()["items"]
    assert [hook["url"] for hook in listed].count("http://127.0.0.1:9/twice") == 1


def test_an_ended_session_keeps_what_was_typed_and_sends_it_once_signed_in_again(
    settings, council, client, gateway_db, pages_as
):
    browser = pages_as(council, "auditor")
    browser.cookies["jouda_session"] = "ended-meanwhile"  # as a session that ended (idle, signed out elsewhere)
    expired = browser.post("/account/tokens", {"name": "typed before expiry", "expires_in_days": "7"}, follow=False)
    assert expired.status == 401 and expired.has("Your session has ended")
    assert expired.has('name="carry.name" value="typed before expiry"')
    assert "typed before expiry" not in token_names(client, council, "auditor")

    carried = {"carry.name": "typed before expiry", "carry.expires_in_days": "7", "carry.idempotency_key": "k-resume"}
    again = browser.request(
        "POST",
        "/sign-in",
        {
            "email": email_of(gateway_db, council.users["auditor"]),
            "password": "correct horse battery staple 2026",
            "next": "/account/tokens",
            **carried,
        },
    )
    assert again.status == 200 and again.has("Send what I typed", 'value="typed before expiry"')
    sent = browser.post(
        "/account/tokens",
        {
            "name": "typed before expiry",
            "expires_in_days": "7",
            "idempotency_key": "k-resume",
            "csrf_token": again.form_token,
        },
    )
    assert sent.has("shown only now")
    assert "typed before expiry" in token_names(client, council, "auditor")


def test_the_language_is_chosen_on_the_page_and_arabic_turns_the_page_right_to_left(settings, council, pages_as):
    browser = pages_as(council, "staff")
    arabic = browser.get("/language/ar?next=/account")
    assert arabic.status == 200 and arabic.has('<html lang="ar" dir="rtl">', "تسجيل الخروج")
    french = browser.get("/language/fr?next=/account")
    assert french.has('<html lang="fr" dir="ltr">', "Se déconnecter")
    assert browser.get("/language/xx", follow=False).status == 404
    assert browser.get("/language/fr?next=//elsewhere.example/", follow=False).location == "/home"


def test_static_files_are_served_from_their_folder_only(settings, platform):
    browser = PageBrowser(settings.http_port)
    css = browser.request("GET", "/static/jouda.css")
    assert (
        css.status == 200
        and css.headers["Content-Type"].startswith("text/css")
        and "max-age" in css.headers["Cache-Control"]
    )
    report_css = browser.request("GET", "/static/audits/report.css")  # a service's own, for its document
    assert report_css.status == 200 and "@page" in report_css.text
    assert browser.request("GET", "/static/audits/../pages.py").status == 404
    assert browser.request("GET", "/static/../i18n.py").status == 404
    assert browser.request("GET", "/static/%2e%2e/i18n.py").status == 404


def test_a_role_that_needs_two_step_sign_in_enrols_before_any_other_page(settings, gateway_db, platform):
    user = directory.add_user(gateway_db, f"admin-{utc_now().timestamp()}@jouda.test", "admin")
    give_password(gateway_db, user.id)
    browser = PageBrowser(settings.http_port)
    landed = browser.sign_in(user.email)
    assert landed.has("Set up an authenticator app")
    assert browser.get("/account", follow=False).location == "/account/two-factor"
    started = browser.post("/account/two-factor", {"action": "start"})
    secret = started.text.split('id="secret">', 1)[1].split("<", 1)[0]
    uri = started.text.split('name="uri" value="', 1)[1].split('"', 1)[0]
    assert started.has("<svg"), "the QR code is drawn here"
    wrong = browser.post("/account/two-factor", {"action": "confirm", "code": "000000", "secret": secret, "uri": uri})
    assert wrong.has(secret), "the same key is shown again after a wrong code"
    done = browser.post(
        "/account/two-factor", {"action": "confirm", "code": pyotp.TOTP(secret).now(), "secret": secret, "uri": uri}
    )
    assert done.has("recovery codes")
    assert browser.get("/account", follow=False).status == 200, "the session goes on, enrolled"


def test_an_item_of_no_council_of_yours_is_a_404_page_that_says_so(settings, council, pages_as):
    browser = pages_as(council, "quality_manager")
    for path in ("/audits/00000000-0000-4000-8000-000000000000", "/processes/00000000-0000-4000-8000-000000000000"):
        page = browser.get(path)
        assert page.status == 404 and page.has("This page does not exist, or belongs to another council."), path


def test_an_invited_person_accepts_through_the_page_with_the_code_of_the_e_mails_link(
    settings, council, client, smtp, platform
):
    from tests.integration.test_accounts import link_secret

    address = f"page-invite-{uuid.uuid4().hex[:6]}@{council.code}.example"
    invited = client.as_(council.tokens["quality_manager"]).post(
        "/api/v1/users", {"email": address, "name": "Salma", "role": "staff", "language": "fr"}
    )
    assert invited.status == 201, invited
    body = eventually(lambda: link_in_mail(smtp, address, "/invitation#"), timeout=20)
    assert "/invitation#" in body  # the secret after the #: never sent to a server by the browser
    browser = PageBrowser(settings.http_port)
    weak = browser.post("/invitation", {"token": link_secret(body), "password": "salma"}, token=False)
    assert weak.status == 200 and weak.has('id="f-token"', "f-password") and weak.has(link_secret(body))
    accepted = browser.request("POST", "/invitation", {"token": link_secret(body), "password": STRONG})
    assert accepted.status == 303 and accepted.location == "/home"
    assert browser.get("/home").has("<h1")
    assert browser.get("/account").has(address)


def test_a_forgotten_password_is_reset_through_the_pages(settings, council, smtp, gateway_db, platform):
    from tests.integration.test_accounts import link_secret

    address = email_of(gateway_db, council.users["process_owner"])
    give_password(gateway_db, council.users["process_owner"])
    browser = PageBrowser(settings.http_port)
    asked = browser.post("/password-reset", {"email": address}, token=False)
    assert asked.has("a link to choose a new password is on its way")
    body = eventually(lambda: link_in_mail(smtp, address, "/password-reset#"), timeout=20)
    reset = browser.request("POST", "/password-reset", {"token": link_secret(body), "password": STRONG})
    assert reset.status == 303
    assert PageBrowser(settings.http_port).sign_in(address, STRONG, follow=False).status == 303
