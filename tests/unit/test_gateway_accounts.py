"""The rules of people's accounts that need no server: the new-password rule in the person's
language, the second factor's replay guard, the CSRF check, the session cookie's attributes, and
the sign-in throttle's allowances (on the gateway's own SQLite database)."""

import subprocess
import sys
from datetime import timedelta
from types import SimpleNamespace

import pyotp
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from jouda.services.gateway import passwords, sessions, sign_in, two_factor
from jouda.services.gateway.directory import hash_token
from jouda.services.gateway.models import SignInFailure
from jouda.services.gateway.security_log import Client
from jouda.shared.clock import utc_now
from jouda.shared.errors import ValidationFailed
from tests.service.conftest import open_service_database

PERSONAL = passwords.personal_words("salma.benali@fes-meknes.ma", "Salma Benali", "Conseil de la Région Fès-Meknès")


def refusal(password, language="fr"):
    with pytest.raises(ValidationFailed) as refused:
        passwords.check_new_password(password, language, PERSONAL)
    return refused.value.details["password"]


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_short_password_is_refused_in_the_persons_language(language):
    assert refusal("Abc-123-xyz", language) == [passwords.REASONS[language]["too_short"]]


def test_a_password_made_of_the_persons_own_address_says_so():
    reasons = refusal("Salma.Benali@fes-meknes.ma")
    assert passwords.REASONS["fr"]["guessable"] in reasons and passwords.REASONS["fr"]["personal"] in reasons


@pytest.mark.parametrize(
    "password,reason",
    [("password123456", "common"), ("asdfghjkl;asdf", "keyboard"), ("aaaaaaaaaaaaaa", "repeat")],
)
def test_a_guessable_password_says_why_in_arabic(password, reason):
    reasons = refusal(password, "ar")
    assert passwords.REASONS["ar"][reason] in reasons and reasons[-1] == passwords.REASONS["ar"]["hint"]


def test_the_demo_passwords_cannot_be_chosen():
    assert refusal("demo-quality_manager-2026") == [passwords.REASONS["fr"]["demo"]]


def test_a_long_unrelated_passphrase_is_accepted():
    passwords.check_new_password("Tajine au citron, trois olives noires!", "ar", PERSONAL)  # no error


def test_a_hash_verifies_its_password_only():
    hashed = passwords.hash_password("Vingt chameaux dorment sous la lune")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify(hashed, "Vingt chameaux dorment sous la lune") is True
    assert passwords.verify(hashed, "vingt chameaux dorment sous la lune") is False
    assert passwords.verify(None, "anything at all") is False  # no password: the same work, refused


def test_the_stand_in_hash_of_an_account_without_a_password_costs_what_a_real_one_costs():
    assert not passwords.HASHER.check_needs_rehash(passwords.UNUSABLE)  # the same parameters


def test_a_totp_code_is_good_once_and_an_older_one_never_after():
    secret = pyotp.random_base32()
    user = SimpleNamespace(totp_secret=secret, totp_last_step=None)
    totp = pyotp.TOTP(secret)
    now = utc_now()
    current, previous = totp.at(now), totp.at(now - timedelta(seconds=30))
    assert two_factor.accepted(None, user, code=current) == "code"
    assert two_factor.accepted(None, user, code=current) is None  # replayed
    assert two_factor.accepted(None, user, code=previous) is None  # older than the one used
    assert two_factor.accepted(None, user, code="12345x") is None


def request(method, headers):
    return Request(EnvironBuilder(method=method, path="/api/v1/me", headers=headers).get_environ())


ALLOWED = {"https://jouda.fes-meknes.ma"}
WEB_SESSION = SimpleNamespace(csrf_hash=hash_token("the-csrf-token"))


@pytest.mark.parametrize(
    "method,headers,refused",
    [
        ("GET", {}, None),
        ("POST", {}, "CSRF token"),
        ("POST", {sessions.CSRF_HEADER: "another"}, "CSRF token"),
        ("POST", {sessions.CSRF_HEADER: "the-csrf-token", "Origin": "https://evil.example"}, "evil.example"),
        ("DELETE", {sessions.CSRF_HEADER: "the-csrf-token", "Origin": "https://jouda.fes-meknes.ma"}, None),
        ("PATCH", {sessions.CSRF_HEADER: "the-csrf-token"}, None),  # no Origin sent: the token suffices
    ],
)
def test_the_csrf_check(method, headers, refused):
    answer = sessions.csrf_refusal(WEB_SESSION, request(method, headers), ALLOWED)
    assert answer is None if refused is None else refused in answer


@pytest.mark.parametrize("secure", [True, False])
def test_the_session_cookie_is_http_only_same_site_and_secure_unless_told(secure):
    attributes = sessions.cookie_header("v", secure=secure, max_age_seconds=60).split("; ")
    assert {"HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=60"} <= set(attributes)
    assert ("Secure" in attributes) is secure


POLICY = sign_in.Policy(
    failures_allowed=5, address_failures_allowed=50, window=timedelta(minutes=15), allow_demo_passwords=False
)


CLIENT = Client(address="192.0.2.7")


@pytest.fixture
def gateway_session(tmp_path):
    database = open_service_database("gateway", tmp_path)
    with database.transaction(all_tenants=True) as session:
        yield session


def failures(session, key, count, ago=timedelta(0)):
    session.add_all([SignInFailure(key=key, at=utc_now() - ago) for _ in range(count)])
    session.flush()


def test_an_account_is_held_after_its_allowance_for_the_rest_of_the_window(gateway_session):
    keys = sign_in._keys("salma@fes.ma", None, CLIENT)
    failures(gateway_session, keys[0], 4, ago=timedelta(minutes=5))
    assert sign_in.wait_seconds(gateway_session, keys, POLICY) == 0
    failures(gateway_session, keys[0], 1, ago=timedelta(minutes=5))
    assert 590 <= sign_in.wait_seconds(gateway_session, keys, POLICY) <= 600  # 15 min from the 5th-last


def test_an_address_has_its_own_larger_allowance(gateway_session):
    # Five failures from one address, on five accounts, did hold every account from it (the account
    # allowance was applied to the address).
    keys = sign_in._keys("karim@fes.ma", None, CLIENT)
    failures(gateway_session, keys[1], 5)
    assert sign_in.wait_seconds(gateway_session, keys, POLICY) == 0
    failures(gateway_session, keys[1], 45)
    assert sign_in.wait_seconds(gateway_session, keys, POLICY) > 0
    elsewhere = sign_in._keys("karim@fes.ma", None, Client(address="192.0.2.8"))
    assert sign_in.wait_seconds(gateway_session, elsewhere, POLICY) == 0


def test_no_service_process_loads_the_password_word_lists_before_a_password_is_chosen():
    # zxcvbn's lists (13 MB) were imported by every service: make bench's peak RSS rose by as much.
    code = (
        "import sys\n"
        "from jouda import platform\n"
        "for name in platform.SERVICES: platform.service_class(name)\n"
        "print('zxcvbn' in sys.modules)"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert loaded.stdout.strip() == "False"
