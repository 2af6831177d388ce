"""Pure helpers of the gateway: token hashing, tenant codes, e-mails, the current-policy read model."""

import hashlib
import string
import uuid
from datetime import date, datetime, timezone

import pytest

from jouda.services.gateway import current_policy
from jouda.services.gateway.directory import EMAIL, TENANT_CODE, could_be_valid, hash_token, new_token
from jouda.shared.events.catalogue import build_event

# --- hash_token ---------------------------------------------------------------------------------


def test_hash_token_is_stable_sha256_hex():
    digest = hash_token("jd_secret")
    assert digest == hash_token("jd_secret")
    assert len(digest) == 64
    assert set(digest) <= set(string.hexdigits.lower())
    assert digest == hashlib.sha256(b"jd_secret").hexdigest()


def test_hash_token_differs_per_token():
    tokens = ["jd_a", "jd_b", "jd_A", "jd_a ", "", "jd_ééé"]
    assert len({hash_token(t) for t in tokens}) == len(tokens)


def test_hash_token_does_not_contain_the_token():
    assert "secret" not in hash_token("secret")


# --- the shape of a token -------------------------------------------------------------------------


def test_a_new_token_carries_its_checksum():
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(token.startswith("jd_") and len(token) == 52 and could_be_valid(token) for token in tokens)


def test_a_guess_of_the_right_shape_fails_the_checksum():
    token = new_token()
    for position in range(3, len(token)):  # any one character changed
        changed = token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]
        assert not could_be_valid(changed), position


def test_a_token_made_before_the_checksum_still_could_be_valid():
    assert could_be_valid("jd_" + "x" * 43)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "jd_",
        "jd_" + "x" * 42,
        "jd_" + "x" * 44,
        "xx_" + "x" * 43,
        "jd_" + "x" * 42 + "é",
        "jd_" + "x" * 43 + "\n",
        "Bearer jd_" + "x" * 43,
        "jd_" + "x" * 500,
    ],
)
def test_what_no_token_can_look_like(token):
    assert not could_be_valid(token)


# --- TENANT_CODE and EMAIL ----------------------------------------------------------------------


@pytest.mark.parametrize("code", ["fes-meknes", "tanger-tetouan-al-hoceima", "oriental", "r1", "a-1-b"])
def test_tenant_code_accepts_slugs(code):
    assert TENANT_CODE.match(code)


@pytest.mark.parametrize(
    "code", ["Fes", "fes_meknes", "-x", "x-", "", "fes--meknes", "fes meknes", "fès", "fes.meknes"]
)
def test_tenant_code_rejects_others(code):
    assert not TENANT_CODE.match(code)


@pytest.mark.parametrize("email", ["a@b.ma", "qualite@region-fes.ma", "prenom.nom+x@mail.gov.ma"])
def test_email_accepts(email):
    assert EMAIL.match(email)


@pytest.mark.parametrize("email", ["", "a", "a@b", "@b.ma", "a@.ma", "a b@c.ma", "a@b@c.ma", "a@b.ma "])
def test_email_rejects(email):
    assert not EMAIL.match(email)


# --- current_policy.from_event / from_version ---------------------------------------------------

VERSION_ID, POLICY_ID = str(uuid.uuid4()), str(uuid.uuid4())


def published_payload(**overrides):
    payload = {
        "policy_id": POLICY_ID,
        "version_id": VERSION_ID,
        "version": 3,
        "title": "Politique qualité",
        "from_status": "approved",
        "to_status": "published",
        "comment": None,
        "language": "fr",
        "body": "La Région s'engage…",
        "orientations": [{"code": "O1", "title": "Satisfaction des citoyens"}],
        "commitments": ["Respecter les exigences légales"],
        "signatory": "Le Président",
        "effective_date": date(2025, 5, 1),
        "next_review_date": date(2026, 5, 4),
        "published_at": datetime(2025, 5, 4, 10, 30, tzinfo=timezone.utc),
        "superseded_version_id": None,
    }
    payload.update(overrides)
    return build_event("policy.published", "fes-meknes", "u-qm", payload)["payload"]


def test_from_event_builds_the_document():
    document = current_policy.from_event(published_payload())
    assert document == {
        "id": VERSION_ID,
        "policy_id": POLICY_ID,
        "version": 3,
        "status": "published",
        "title": "Politique qualité",
        "body": "La Région s'engage…",
        "language": "fr",
        "orientations": [{"code": "O1", "title": "Satisfaction des citoyens"}],
        "commitments": ["Respecter les exigences légales"],
        "signatory": "Le Président",
        "effective_date": "2025-05-01",
        "next_review_date": "2026-05-04",
        "published_at": "2025-05-04T11:30:00+01:00",  # shown in Africa/Casablanca
    }


def test_from_event_during_ramadan_offset():
    payload = published_payload(published_at=datetime(2025, 3, 15, 12, 0, tzinfo=timezone.utc))
    assert current_policy.from_event(payload)["published_at"] == "2025-03-15T12:00:00+00:00"


def test_from_event_keeps_no_event_only_fields():
    document = current_policy.from_event(published_payload())
    for key in (
        "version_id",
        "from_status",
        "to_status",
        "comment",
        "superseded_version_id",
        "created_by",
        "created_at",
        "updated_at",
    ):
        assert key not in document


def test_from_event_without_optional_dates():
    document = current_policy.from_event(published_payload(effective_date=None, signatory=None))
    assert document["effective_date"] is None
    assert document["signatory"] is None


def test_from_event_matches_from_version():
    """The read model looks the same whether fed by the event or by the publish RPC answer."""
    from_event = current_policy.from_event(published_payload())
    answered = {
        **from_event,
        "created_by": "u-qm",
        "created_at": "2025-01-01T10:00:00+01:00",
        "updated_at": "2025-05-04T11:30:00+01:00",
    }
    assert current_policy.from_version(answered) == from_event


def test_from_version_keeps_only_document_fields():
    answered = {
        "id": VERSION_ID,
        "version": 3,
        "status": "published",
        "title": "T",
        "created_by": "u-qm",
        "created_at": "x",
        "updated_at": "y",
        "extra": 1,
    }
    assert current_policy.from_version(answered) == {
        "id": VERSION_ID,
        "version": 3,
        "status": "published",
        "title": "T",
    }


def test_document_fields():
    assert set(current_policy.DOCUMENT.fields) == {
        "id",
        "policy_id",
        "version",
        "status",
        "title",
        "body",
        "language",
        "orientations",
        "commitments",
        "signatory",
        "effective_date",
        "next_review_date",
        "published_at",
    }


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2025-05-04T11:30:00+01:00", "2025-05-04T10:30:00+00:00"),
        ("2025-05-04T10:30:00", "2025-05-04T10:30:00+00:00"),
        (datetime(2025, 5, 4, 10, 30), "2025-05-04T10:30:00+00:00"),
        (datetime(2025, 5, 4, 10, 30, tzinfo=timezone.utc), "2025-05-04T10:30:00+00:00"),
    ],
)
def test_utc_iso(value, expected):
    assert current_policy._utc_iso(value) == expected
