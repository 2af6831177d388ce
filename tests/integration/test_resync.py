"""`jouda resync`: the owners publish what they hold as it stands, and a consumer that lost (or never
had) its copy catches up from events alone, on the running platform."""

import pytest
from sqlalchemy import text

from jouda.cli import main as jouda_cli
from jouda.resync import resync
from tests.integration.conftest import COUNCIL_USERS, eventually
from tests.integration.test_objectives import indicator_body, months_back, ready_objective

pytestmark = pytest.mark.integration

READ_MODEL = ("indicator_positions", "objective_positions", "councils")  # the ministry's tables built from events


@pytest.fixture(scope="module")
def ministry_db(database_of):
    return database_of("ministry")


@pytest.fixture(scope="module")
def notifications_db(database_of):
    return database_of("notifications")


def views(client, ministry_token, codes):
    """This test's councils as the ministry sees them: the overview's rows and the national indicator's."""
    ministry = client.as_(ministry_token)
    overview = {
        row["tenant"]: row
        for row in ministry.get("/api/v1/ministry/overview").json()["items"]
        if row["tenant"] in codes
    }
    national = {
        row["tenant"]: row
        for row in ministry.get("/api/v1/ministry/indicators/SATISFACTION").json()["items"]
        if row["tenant"] in codes
    }
    return {"overview": overview, "national": national}


def test_the_ministry_views_are_rebuilt_from_an_empty_read_model_by_resync_alone(
    client, make_council, ministry_token, settings, ministry_db
):
    councils = [make_council(), make_council()]
    codes = {council.code for council in councils}
    for council, values in zip(councils, ((64, 71, 78), (55, None, 58))):
        objective = ready_objective(client, council)
        manager = client.as_(council.tokens["quality_manager"])
        indicator = manager.post(
            f"/api/v1/objectives/{objective['id']}/indicators", indicator_body(council, catalogue_code="SATISFACTION")
        ).json()
        owner = client.as_(council.tokens["process_owner"])
        for period, value in zip(months_back(3), values):
            if value is not None:  # a report not made: completeness below 1
                assert (
                    owner.post(
                        f"/api/v1/indicators/{indicator['id']}/measurements", {"period": period, "value": value}
                    ).status
                    == 201
                )
        policy = client.as_(council.tokens["staff"]).get("/api/v1/policies/current").json()
        assert (
            client.as_(council.tokens["staff"]).post(f"/api/v1/policies/{policy['id']}/acknowledgements").status == 201
        )

    def settled():
        seen = views(client, ministry_token, codes)
        ready = len(seen["national"]) == 2 and all(
            row["acknowledgement_rate"] and row["reported_periods"] for row in seen["overview"].values()
        )
        return ready and seen

    before = eventually(settled, timeout=30, message="both councils in the ministry's views")

    with ministry_db.transaction(all_tenants=True) as session:  # the read model lost, or never built
        for table in READ_MODEL:
            session.execute(text(f"DELETE FROM {table}"))
    assert views(client, ministry_token, codes) == {"overview": {}, "national": {}}

    published = resync(settings, to="ministry", out=lambda line: None)
    assert published["gateway"]["gateway.tenant_snapshot"] >= 2 and "gateway.user_snapshot" not in published["gateway"]
    after = eventually(
        lambda: (seen := views(client, ministry_token, codes)) == before and seen,
        timeout=30,
        message="the views rebuilt as they were",
    )
    assert after["overview"][councils[1].code]["reporting_completeness"] < 1


def test_resync_gives_the_notifications_service_the_people_it_never_heard_of(
    council, settings, notifications_db, monkeypatch
):
    # People created before the notifications service existed were unknown to it: no e-mail reached them.
    with notifications_db.transaction(council.code) as session:
        session.execute(text("DELETE FROM recipients"))
        session.execute(text("DELETE FROM councils"))

    monkeypatch.setenv("JOUDA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("JOUDA_AMQP_URI", settings.amqp_uri)
    assert jouda_cli(["resync", "--to", "notifications", "--tenant", council.code]) == 0

    def known():
        with notifications_db.transaction(council.code) as session:
            return (
                session.execute(text("SELECT count(*) FROM recipients")).scalar() == len(COUNCIL_USERS)
                and session.execute(text("SELECT name FROM councils")).scalar()
            )

    assert eventually(known, message="the council and its people known again") == f"Conseil {council.code}"
