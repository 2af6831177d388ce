"""Every endpoint: another council's id is answered like a missing one (404), and bad input
gets a clear error and writes nothing."""

import uuid

import eventlet

import pytest
from sqlalchemy import func, select, text

from jouda.services.gateway import directory
from jouda.services.policy import domain
from tests.integration.conftest import eventually

pytestmark = pytest.mark.integration

GOOD = {"title": "Politique Qualité", "orientations": [{"code": "OS1", "title": "Qualité des services"}]}

VERSION_READS = ["", "/history", "/acknowledgements/summary"]
VERSION_WRITES = [
    ("PATCH", "", {"title": "Autre"}),
    ("POST", "/submit", None),
    ("POST", "/approve", None),
    ("POST", "/request-changes", {"comment": "Non"}),
    ("POST", "/publish", None),
    ("POST", "/revisions", None),
    ("POST", "/acknowledgements", None),
]


def published_policy(client, council):
    manager = client.as_(council.tokens["quality_manager"])
    director = client.as_(council.tokens["director"])
    version = manager.post("/api/v1/policies", GOOD).json()
    for who, action in ((manager, "submit"), (director, "approve"), (manager, "publish")):
        assert who.post(f"/api/v1/policies/{version['id']}/{action}").status == 200
    return version


def written(policy_db, tenant):
    """Every row the policy service holds for a tenant, plus its outbox: what 'nothing written' means."""
    with policy_db.transaction(tenant) as session:
        counts = [
            session.scalar(select(func.count()).select_from(table))
            for table in (domain.PolicyVersion, domain.Transition, domain.Acknowledgement)
        ]
        counts.append(
            session.execute(text("SELECT count(*) FROM outbox_events WHERE tenant_id = :t"), {"t": tenant}).scalar()
        )
        counts.append(session.execute(text("SELECT max(updated_at) FROM policy_versions")).scalar())
    return counts


def test_another_councils_ids_are_not_found_on_every_endpoint(client, council, other_council, policy_db):
    version = published_policy(client, council)
    before = written(policy_db, council.code)
    for role in ("quality_manager", "director", "staff"):
        outsider = client.as_(other_council.tokens[role])
        for suffix in VERSION_READS:
            reply = outsider.get(f"/api/v1/policies/{version['id']}{suffix}")
            assert (reply.status, reply.error_code) == (404, "policy_not_found"), (role, suffix, reply)
        for method, suffix, body in VERSION_WRITES:
            reply = outsider.request(method, f"/api/v1/policies/{version['id']}{suffix}", body)
            assert reply.status in (403, 404), (role, method, suffix, reply)
            if (
                role == "quality_manager"
                or suffix == "/acknowledgements"
                or (role == "director" and suffix in ("/approve", "/request-changes"))
            ):
                assert reply.status == 404, (role, method, suffix, reply)  # allowed role: still not found
    # The other council's lists and current policy show nothing of this council.
    outsider = client.as_(other_council.tokens["quality_manager"])
    assert outsider.get("/api/v1/policies").json()["items"] == []
    current = outsider.get("/api/v1/policies/current")
    assert (current.status, current.error_code) == (404, "policy_not_found")
    assert written(policy_db, council.code) == before


def test_an_unknown_id_reads_exactly_like_another_councils(client, council, other_council):
    version = published_policy(client, council)
    outsider = client.as_(other_council.tokens["quality_manager"])
    foreign = outsider.get(f"/api/v1/policies/{version['id']}").json()
    missing = outsider.get(f"/api/v1/policies/{uuid.uuid4()}").json()
    foreign["error"]["details"].pop("id")
    missing["error"]["details"].pop("id")
    assert foreign["error"]["code"] == missing["error"]["code"]
    assert foreign["error"]["message"].split()[:3] == missing["error"]["message"].split()[:3]


def test_row_level_security_hides_other_councils_even_without_the_orm_filter(client, council, other_council, policy_db):
    published_policy(client, council)
    with policy_db.transaction(other_council.code) as session:
        # Raw SQL: no ORM criteria here; only PostgreSQL's policy stands between the councils.
        assert session.execute(text("SELECT count(*) FROM policy_versions")).scalar() == 0
    with policy_db.transaction(council.code) as session:
        assert session.execute(text("SELECT count(*) FROM policy_versions")).scalar() == 1
        with pytest.raises(Exception, match="row-level security"):
            session.execute(
                text("INSERT INTO policies (id, tenant_id, created_by, created_at) VALUES (:i, :t, 'x', now())"),
                {"i": str(uuid.uuid4()), "t": other_council.code},
            )


def test_bad_bodies_get_clear_errors_and_write_nothing(client, council, policy_db):
    manager = client.as_(council.tokens["quality_manager"])
    draft = manager.post("/api/v1/policies", GOOD).json()
    before = written(policy_db, council.code)
    targets = [
        ("POST", "/api/v1/policies"),
        ("PATCH", f"/api/v1/policies/{draft['id']}"),
        ("POST", f"/api/v1/policies/{draft['id']}/submit"),
    ]
    for method, path in targets:
        malformed = manager.request(method, path, raw=b'{"title": ', headers={"Content-Type": "application/json"})
        assert (malformed.status, malformed.error_code) == (400, "malformed_json"), (path, malformed)
        too_big = manager.request(
            method, path, raw=b'{"body": "' + b"x" * (1024 * 1024) + b'"}', headers={"Content-Type": "application/json"}
        )
        assert (too_big.status, too_big.error_code) == (413, "body_too_large"), (path, too_big)
        not_object = manager.request(method, path, [1, 2])
        assert (not_object.status, not_object.error_code) == (422, "validation_failed"), (path, not_object)
    for body, field in [
        ({"title": 42}, "title"),
        ({"title": "x", "language": "en"}, "language"),
        ({"title": "x", "colour": "red"}, "colour"),
        ({"title": ""}, "title"),
        ({"title": "x", "orientations": [{"code": "A"}, {"code": "A", "title": "t"}]}, "orientations"),
        ({"title": "x", "effective_date": "le 3 mars"}, "effective_date"),
        ({"title": "x", "commitments": "pas une liste"}, "commitments"),
    ]:
        reply = manager.post("/api/v1/policies", body)
        assert (reply.status, reply.error_code) == (422, "validation_failed"), (body, reply)
        assert field in reply.json()["error"]["details"], (body, reply)
    empty_patch = manager.patch(f"/api/v1/policies/{draft['id']}", {})
    assert empty_patch.status == 422
    half_orientation = manager.patch(f"/api/v1/policies/{draft['id']}", {"orientations": [{"code": "OS9"}]})
    assert half_orientation.status == 422
    unknown_on_submit = manager.post(f"/api/v1/policies/{draft['id']}/submit", {"note": "x"})
    assert unknown_on_submit.status == 422
    assert written(policy_db, council.code) == before


def test_bad_query_parameters(client, council):
    manager = client.as_(council.tokens["quality_manager"])
    for query in ("limit=0", "limit=500", "limit=abc", "offset=-1", "status=archived"):
        reply = manager.get(f"/api/v1/policies?{query}")
        assert (reply.status, reply.error_code) == (422, "validation_failed"), (query, reply)


def test_state_conflicts_and_roles(client, council, policy_db):
    manager = client.as_(council.tokens["quality_manager"])
    director = client.as_(council.tokens["director"])
    staff = client.as_(council.tokens["staff"])
    draft = manager.post("/api/v1/policies", GOOD).json()
    before = written(policy_db, council.code)
    for who, action, status, code in [
        (manager, "approve", 403, "role_not_allowed"),  # only the director approves
        (director, "approve", 409, "transition_not_allowed"),  # a draft is not in review
        (manager, "publish", 409, "transition_not_allowed"),
        (staff, "submit", 403, "role_not_allowed"),
        (manager, "acknowledgements", 409, "transition_not_allowed"),
    ]:
        reply = who.post(f"/api/v1/policies/{draft['id']}/{action}")
        assert (reply.status, reply.error_code) == (status, code), (action, reply)
        assert reply.json()["error"]["message"]
    assert staff.post("/api/v1/policies", GOOD).status == 403
    manager.post(f"/api/v1/policies/{draft['id']}/submit")
    no_comment = director.post(f"/api/v1/policies/{draft['id']}/request-changes", {"comment": "  "})
    assert (no_comment.status, no_comment.error_code) == (422, "validation_failed")
    assert "comment" in no_comment.json()["error"]["details"]
    edit_in_review = manager.patch(f"/api/v1/policies/{draft['id']}", {"title": "Trop tard"})
    assert (edit_in_review.status, edit_in_review.error_code) == (409, "transition_not_allowed")
    after = written(policy_db, council.code)
    assert after[1] == before[1] + 1 and after[3] == before[3] + 1  # only the submit was recorded


def test_tokens_and_roles_at_the_edge(client, council, gateway_db, ministry_token, admin_token):
    assert client.get("/api/v1/policies").error_code == "unauthenticated"
    assert client.get("/api/v1/policies", headers={"Authorization": "Basic abc"}).status == 401
    assert client.as_("jd_not-a-real-token").get("/api/v1/policies").error_code == "invalid_token"
    email = f"revoked@{council.code}.example"
    directory.add_user(gateway_db, email, "staff", tenant=council.code)
    token = directory.create_token(gateway_db, email)
    assert client.as_(token).get("/api/v1/policies").status == 200
    directory.revoke_token(gateway_db, token)
    # Refused within the gateway's token cache lifetime (JOUDA_AUTH_CACHE_SECONDS, 2 s).
    eventually(
        lambda: client.as_(token).get("/api/v1/policies").status == 401, timeout=5, message="revoked token refused"
    )
    other = directory.create_token(gateway_db, email)
    assert client.as_(other).get("/api/v1/policies").status == 200
    directory.set_user_active(gateway_db, email, False)
    eventually(
        lambda: client.as_(other).get("/api/v1/policies").status == 401, timeout=5, message="deactivated user refused"
    )
    for token in (ministry_token, admin_token):
        for method, path in [
            ("GET", "/api/v1/policies"),
            ("GET", "/api/v1/policies/current"),
            ("POST", "/api/v1/policies"),
            ("GET", f"/api/v1/policies/{uuid.uuid4()}"),
        ]:
            reply = client.as_(token).request(method, path, GOOD if method == "POST" else None)
            assert (reply.status, reply.error_code) == (403, "role_not_allowed"), (path, reply)


def test_deactivated_users_leave_the_acknowledgement_rate(client, council, gateway_db):
    version = published_policy(client, council)
    manager = client.as_(council.tokens["quality_manager"])
    summary = f"/api/v1/policies/{version['id']}/acknowledgements/summary"
    eventually(lambda: manager.get(summary).json()["active_users"] == 6)
    directory.set_user_active(gateway_db, f"staff5@{council.code}.example", False)
    eventually(lambda: manager.get(summary).json()["active_users"] == 5, message="deactivation reached policy")


def test_a_council_has_one_policy_which_changes_through_revisions(client, council, policy_db):
    manager = client.as_(council.tokens["quality_manager"])
    first = manager.post("/api/v1/policies", GOOD).json()
    before = written(policy_db, council.code)
    second = manager.post("/api/v1/policies", GOOD)
    assert (second.status, second.error_code) == (409, "policy_exists")
    assert second.json()["error"]["details"]["policy_id"] == first["policy_id"]
    assert "revision" in second.json()["error"]["message"]
    assert written(policy_db, council.code) == before


def test_a_double_click_is_a_conflict_never_a_server_error(client, council):
    version = published_policy(client, council)
    staff = client.as_(council.tokens["staff"])
    clicks = [eventlet.spawn(staff.post, f"/api/v1/policies/{version['id']}/acknowledgements") for _ in range(4)]
    statuses = sorted(click.wait().status for click in clicks)
    assert statuses.count(201) == 1 and set(statuses) <= {201, 409}, statuses
    summary = staff.get(f"/api/v1/policies/{version['id']}/acknowledgements/summary").json()
    assert summary["acknowledgements"] == 1


def test_unknown_paths_answer_in_the_error_envelope(client, council):
    manager = client.as_(council.tokens["quality_manager"])
    for method, path in (("GET", "/api/v1/nothing-here"), ("POST", "/api/v1/policies/x/y/z"), ("GET", "/api")):
        reply = manager.request(method, path)
        assert (reply.status, reply.error_code) == (404, "not_found"), (method, path, reply)
    wrong_method = manager.request("DELETE", "/api/v1/policies")
    assert (wrong_method.status, wrong_method.error_code) == (405, "method_not_allowed")
    assert wrong_method.headers["Allow"] == "GET, POST"
    assert client.get("/").json()["openapi"] == "/api/v1/openapi.json"


def test_a_lost_published_event_is_repaired_from_the_policy_service(client, council, gateway_db, settings):
    version = published_policy(client, council)
    with gateway_db.transaction(council.code) as session:  # as if policy.published never arrived
        session.execute(text("DELETE FROM current_policies"))
    eventlet.sleep(settings.read_cache_seconds + 0.1)
    current = client.as_(council.tokens["staff"]).get("/api/v1/policies/current")
    assert current.status == 200 and current.json()["id"] == version["id"]
    with gateway_db.transaction(council.code) as session:
        assert session.execute(text("SELECT version_id FROM current_policies")).scalar() == version["id"]
