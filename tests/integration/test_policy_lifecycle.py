"""A council's quality policy from first draft to a superseded version, over HTTP and AMQP."""

import json

import pytest

from jouda.shared.events.catalogue import validate_event
from tests.integration.conftest import eventually

pytestmark = pytest.mark.integration

CONTENT = {
    "title": "Politique Qualité",
    "body": "# Politique Qualité\n\nNotre engagement.",
    "language": "fr",
    "orientations": [
        {"code": "OS1", "title": "Renforcer la qualité des services publics régionaux"},
        {"code": "OS2", "title": "Optimiser la gouvernance et la gestion des ressources"},
    ],
    "commitments": ["Garantir la conformité aux exigences légales et réglementaires applicables."],
    "signatory": "Directeur Général des Services",
}


def test_whole_life_cycle(client, council, event_tap):
    manager = client.as_(council.tokens["quality_manager"])
    director = client.as_(council.tokens["director"])
    staff = [client.as_(token) for token in council.staff_tokens]

    created = manager.post("/api/v1/policies", CONTENT)
    assert created.status == 201, created
    v1 = created.json()
    assert (v1["status"], v1["version"], v1["language"]) == ("draft", 1, "fr")
    assert v1["created_at"].endswith(("+01:00", "+00:00"))  # shown in Africa/Casablanca

    edited = manager.patch(f"/api/v1/policies/{v1['id']}", {"title": "Politique Qualité 2026"})
    assert edited.status == 200 and edited.json()["title"] == "Politique Qualité 2026"

    assert manager.post(f"/api/v1/policies/{v1['id']}/submit").json()["status"] == "in_review"
    sent_back = director.post(f"/api/v1/policies/{v1['id']}/request-changes", {"comment": "Ajouter l'orientation OS3."})
    assert sent_back.json()["status"] == "draft"
    manager.patch(
        f"/api/v1/policies/{v1['id']}",
        {
            "orientations": CONTENT["orientations"]
            + [{"code": "OS3", "title": "Soutenir le développement économique et durable"}]
        },
    )
    manager.post(f"/api/v1/policies/{v1['id']}/submit", {"comment": "OS3 ajoutée."})
    assert director.post(f"/api/v1/policies/{v1['id']}/approve").json()["status"] == "approved"
    published = manager.post(f"/api/v1/policies/{v1['id']}/publish")
    assert published.status == 200, published
    assert published.json()["next_review_date"] is not None

    current = manager.get("/api/v1/policies/current")
    assert current.status == 200 and current.json()["id"] == v1["id"]
    assert [o["code"] for o in current.json()["orientations"]] == ["OS1", "OS2", "OS3"]
    # Every council role reads the current policy, from the gateway's read model.
    assert staff[0].get("/api/v1/policies/current").json()["id"] == v1["id"]

    # Staff acknowledge (adhésion); the rate is over the council's six active users.
    eventually(
        lambda: staff[0].get(f"/api/v1/policies/{v1['id']}/acknowledgements/summary").json()["active_users"] == 6,
        message="user directory reached the policy service",
    )
    for person in staff:
        assert person.post(f"/api/v1/policies/{v1['id']}/acknowledgements").status == 201
    again = staff[0].post(f"/api/v1/policies/{v1['id']}/acknowledgements")
    assert (again.status, again.error_code) == (409, "already_acknowledged")
    summary = manager.get(f"/api/v1/policies/{v1['id']}/acknowledgements/summary").json()
    assert (summary["acknowledgements"], summary["active_users"], summary["acknowledgement_rate"]) == (2, 6, 0.3333)

    # A revision: one open draft at a time; publishing it supersedes version 1.
    v2 = manager.post(f"/api/v1/policies/{v1['id']}/revisions").json()
    assert (v2["version"], v2["status"], v2["policy_id"]) == (2, "draft", v1["policy_id"])
    second = manager.post(f"/api/v1/policies/{v1['id']}/revisions")
    assert (second.status, second.error_code) == (409, "open_version_exists")
    for who, action in ((manager, "submit"), (director, "approve"), (manager, "publish")):
        assert who.post(f"/api/v1/policies/{v2['id']}/{action}").status == 200
    assert manager.get(f"/api/v1/policies/{v1['id']}").json()["status"] == "superseded"
    assert manager.get("/api/v1/policies/current").json()["id"] == v2["id"]

    history = manager.get(f"/api/v1/policies/{v1['id']}/history").json()["transitions"]
    assert [t["action"] for t in history] == [
        "create",
        "submit",
        "request_changes",
        "submit",
        "approve",
        "publish",
        "supersede",
    ]
    changes = history[2]
    assert (changes["actor"], changes["role"], changes["comment"]) == (
        council.users["director"],
        "director",
        "Ajouter l'orientation OS3.",
    )

    listing = manager.get("/api/v1/policies").json()
    assert {item["id"] for item in listing["items"]} == {v1["id"], v2["id"]} and listing["total"] == 2
    only_published = staff[0].get("/api/v1/policies").json()
    assert [item["status"] for item in only_published["items"]] == ["published", "superseded"]

    # Every event of the life cycle reached the broker and matches its contract.
    expected = [
        "policy.changes_requested",
        "policy.submitted",
        "policy.approved",
        "policy.published",
        "policy.acknowledged",
        "policy.superseded",
    ]
    eventually(
        lambda: all(event_tap.events(t, council.code) for t in expected), message="every life-cycle event was published"
    )
    mine = event_tap.events(tenant_id=council.code)
    for event in mine:
        validate_event(event)
    assert len(event_tap.events("policy.published", council.code)) == 2
    superseded = event_tap.events("policy.superseded", council.code)[0]["payload"]
    assert superseded["version_id"] == v1["id"] and superseded["to_status"] == "superseded"
    acknowledged = event_tap.events("policy.acknowledged", council.code)[-1]["payload"]
    assert acknowledged["acknowledgements"] == 2 and acknowledged["active_users"] == 6


def test_health_readiness_and_openapi(client):
    assert client.get("/healthz").status == 200
    ready = client.get("/readyz")
    assert ready.status == 200 and ready.json()["checks"] == {"database": "ok", "broker": "ok"}
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.") and "/api/v1/policies/{id}/publish" in document["paths"]


def test_me(client, council, ministry_token):
    me = client.as_(council.tokens["director"]).get("/api/v1/me").json()
    assert (me["role"], me["tenant"], me["tenant_name"]) == ("director", council.code, f"Conseil {council.code}")
    ministry = client.as_(ministry_token).get("/api/v1/me").json()
    assert (ministry["role"], ministry["tenant"]) == ("ministry", None)


def test_directory_events_match_their_contracts(event_tap, gateway_db, tenant_code):
    from jouda.services.gateway import directory

    directory.add_tenant(gateway_db, tenant_code, "Conseil de test")
    user = directory.add_user(gateway_db, f"agent@{tenant_code}.example", "staff", tenant=tenant_code, language="ar")
    directory.set_user_active(gateway_db, user.email, False)
    expected = ["gateway.tenant_created", "gateway.user_created", "gateway.user_updated"]
    eventually(lambda: all(event_tap.events(t, tenant_code) for t in expected), message="directory events published")
    for event in event_tap.events(tenant_id=tenant_code):
        validate_event(event)
    updated = event_tap.events("gateway.user_updated", tenant_code)[0]
    assert updated["payload"] == {
        "user_id": user.id,
        "role": "staff",
        "active": False,
        "language": "ar",
        "email": user.email,
        "name": None,
    }
    # Contact details travel in the user events alone (the notifications service needs them).
    others = [e for e in event_tap.events(tenant_id=tenant_code) if not e["type"].startswith("gateway.user_")]
    assert others and user.email not in json.dumps(others)
