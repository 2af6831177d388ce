"""The notifications service's pages (services/notifications/pages.py) over real HTTP, as a browser
without JavaScript uses them: the inbox and its unread count, preferences, the council's escalation
setting and the webhooks, checked against what the JSON API then answers."""

import re

import pytest
from sqlalchemy import func, select

from jouda.services.notifications import domain
from tests.integration.conftest import eventually

pytestmark = pytest.mark.integration

POLICY = {
    "title": "Politique Qualité",
    "orientations": [{"code": "OS1", "title": "Renforcer la qualité des services publics régionaux"}],
}


def browser(pages_as, council, role, language="en"):
    """Signed in, with the page language chosen (the person's own language would win otherwise)."""
    signed_in = pages_as(council, role)
    assert signed_in.get(f"/language/{language}").status == 200
    return signed_in


def publish_policy(client, council, database_of):
    """Everyone of the council is told of the publication (a mandatory notification), once the
    notifications service knows them."""

    def known():
        with database_of("notifications").transaction(council.code) as session:
            people = session.scalar(select(func.count()).select_from(domain.Recipient))
            return people == 6 and session.get(domain.Council, council.code) is not None

    eventually(known, message="the notifications service knows the council's people")
    manager, director = client.as_(council.tokens["quality_manager"]), client.as_(council.tokens["director"])
    version = manager.post("/api/v1/policies", POLICY)
    assert version.status == 201, version
    version_id = version.json()["id"]
    for who, action in ((manager, "submit"), (director, "approve"), (manager, "publish")):
        reply = who.post(f"/api/v1/policies/{version_id}/{action}")
        assert reply.status == 200, (action, reply)


def notifications(client, token):
    reply = client.as_(token).get("/api/v1/notifications?limit=200")
    assert reply.status == 200, reply
    return reply.json()["items"]


def unread(client, token):
    return client.as_(token).get("/api/v1/notifications/unread-count").json()["unread"]


def badge(count):
    return f'aria-label="{count} unread">{count}</span>'


def test_a_person_reads_a_notification_in_the_inbox_and_the_count_drops(client, council, pages_as, database_of):
    publish_policy(client, council, database_of)
    staff = council.tokens["staff"]
    published = eventually(lambda: notifications(client, staff), message="the staff member is notified")[0]
    assert unread(client, staff) == 1
    pages = browser(pages_as, council, "staff")

    inbox = pages.get("/inbox")
    assert inbox.status == 200, inbox
    assert inbox.has(published["subject"], "Unread:", badge(1), f'href="{published["link"]}"', "Mark all as read")

    read = pages.post("/inbox", {"action": "read", "id": published["id"]})
    assert read.status == 200 and read.has("Done.", badge(0)), read
    assert "Unread:" not in read.text and "Mark all as read" not in read.text
    assert unread(client, staff) == 0
    assert notifications(client, staff)[0]["read"] is True

    # Someone else's notification is not the staff member's to mark: the 404 page.
    director = eventually(lambda: notifications(client, council.tokens["director"]), message="director notified")
    assert pages.post("/inbox", {"action": "read", "id": director[0]["id"]}).status == 404
    assert unread(client, council.tokens["director"]) >= 1


def test_mark_all_as_read(client, council, pages_as, database_of):
    publish_policy(client, council, database_of)
    manager = council.tokens["quality_manager"]
    eventually(lambda: unread(client, manager) == 2, message="approved and published, both unread")
    pages = browser(pages_as, council, "quality_manager")
    assert pages.get("/inbox?unread=1").has(badge(2))

    done = pages.post("/inbox", {"action": "read_all", "unread": "1"})
    assert done.status == 200 and done.has("Done.", "No unread notification.", badge(0)), done
    assert unread(client, manager) == 0


def test_preferences_saved_through_the_form_are_what_the_api_answers(client, council, pages_as):
    pages = browser(pages_as, council, "staff")
    form = pages.get("/preferences")
    assert form.has("New quality policy published", "Corrective action assigned to you", "Daily digest"), form
    assert "Webhook switched off" not in form.text  # a staff member is never told of webhooks

    saved = pages.post(
        "/preferences",
        {
            "channel.policy.published": ["email"],
            "channel.audit.prepared": ["inbox"],
            "channel.reminder.due_soon": ["inbox", "email"],
            "language": "ar",
            "digest": "1",
        },
    )
    assert saved.status == 200 and saved.has("Saved."), saved

    answer = client.as_(council.tokens["staff"]).get("/api/v1/me/preferences").json()
    assert answer["language"] == "ar" and answer["digest"] is True
    assert answer["channels"]["audit.prepared"] == ["inbox"]
    assert answer["channels"]["policy.published"] == ["email"]  # the inbox comes anyway: mandatory
    assert answer["channels"]["reminder.due_soon"] == ["inbox", "email"]
    assert answer["channels"]["action.assigned"] == []  # left unticked
    shown = pages.get("/preferences")
    assert re.search(r'name="channel\.audit\.prepared" value="inbox" checked', shown.text)
    assert not re.search(r'name="channel\.audit\.prepared" value="email" checked', shown.text)


def test_the_quality_manager_sets_the_escalation_delay_others_only_read_it(client, council, pages_as):
    pages = browser(pages_as, council, "quality_manager")
    refused = pages.post("/settings/notifications", {"escalation_days": "120"})
    assert refused.has("Some fields need correcting", 'value="120"'), refused
    saved = pages.post("/settings/notifications", {"escalation_days": "14"})
    assert saved.has("Saved.", 'value="14"'), saved
    assert client.as_(council.tokens["staff"]).get("/api/v1/notification-settings").json() == {"escalation_days": 14}

    staff = browser(pages_as, council, "staff").get("/settings/notifications")
    assert staff.status == 200 and staff.has("14", "Only a quality manager can change this setting.")
    assert 'name="escalation_days"' not in staff.text


def test_the_quality_manager_registers_then_deletes_a_webhook(client, council, pages_as):
    pages = browser(pages_as, council, "quality_manager")
    manager = client.as_(council.tokens["quality_manager"])

    refused = pages.post("/webhooks", {"url": "ftp://hooks.example.org/jouda"})
    assert refused.has("Some fields need correcting", "An http(s) URL.", 'value="ftp://hooks.example.org/jouda"')
    assert manager.get("/api/v1/webhooks").json()["items"] == []

    added = pages.post("/webhooks", {"url": "http://127.0.0.1:9/hook"})
    assert added.status == 200 and added.has("shown only now", "http://127.0.0.1:9/hook"), added
    [webhook] = manager.get("/api/v1/webhooks").json()["items"]
    assert webhook["url"] == "http://127.0.0.1:9/hook"
    assert added.has('data-confirm="Delete this webhook?"', f'name="delete" value="{webhook["id"]}"')

    deleted = pages.post("/webhooks", {"delete": webhook["id"]})
    assert deleted.status == 200 and deleted.has("Deleted.", "No webhook yet."), deleted
    assert manager.get("/api/v1/webhooks").json()["items"] == []
    assert pages.get("/webhooks/deliveries").has("Delivery log", "Any status")


def test_staff_may_not_open_the_webhooks_pages(council, pages_as):
    pages = browser(pages_as, council, "staff")
    assert pages.get("/webhooks").status == 403
    assert pages.get("/webhooks/deliveries").status == 403
    assert 'href="/webhooks"' not in pages.get("/settings").text


def test_the_inbox_in_arabic_is_right_to_left(council, pages_as):
    inbox = browser(pages_as, council, "staff", language="ar").get("/inbox")
    assert inbox.status == 200
    assert inbox.has('lang="ar" dir="rtl"')
