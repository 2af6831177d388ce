"""Quality objectives over HTTP and AMQP: from a published policy's orientations to indicator
measurements, status changes, the council's dashboard and the ministry's views."""

import csv
import http.client
import io
import uuid

import eventlet
import openpyxl
import pytest
from sqlalchemy import func, select, text

from jouda.services.gateway import directory
from jouda.services.objectives import commands, domain
from jouda.shared import periods
from jouda.shared.clock import local_today
from jouda.shared.schema_fields import years_from
from jouda.shared.db import Database
from jouda.shared.events.catalogue import validate_event
from jouda.shared.unit_of_work import EVERY_COUNCIL, UnitOfWork
from tests.integration.conftest import eventually

pytestmark = pytest.mark.integration

POLICY = {
    "title": "Politique Qualité",
    "orientations": [
        {"code": "OS1", "title": "Renforcer la qualité des services publics régionaux"},
        {"code": "OS2", "title": "Optimiser la gouvernance et la gestion des ressources"},
    ],
}


def months_back(count):
    """The last `count` closed months, oldest first."""
    last = periods.containing(local_today(), periods.MONTHLY).previous()
    found = [last]
    for _ in range(count - 1):
        found.insert(0, found[0].previous())
    return [str(p) for p in found]


@pytest.fixture(scope="session")
def objectives_db(settings):
    database = Database("objectives", settings.database_url_for("objectives"), pool_size=2)
    yield database
    database.dispose()


def publish_policy(client, council, content=POLICY):
    manager = client.as_(council.tokens["quality_manager"])
    director = client.as_(council.tokens["director"])
    version = manager.post("/api/v1/policies", content).json()
    for who, action in ((manager, "submit"), (director, "approve"), (manager, "publish")):
        assert who.post(f"/api/v1/policies/{version['id']}/{action}").status == 200
    return version


def objective_body(council, **changes):
    return {
        "title": "Satisfaction des citoyens",
        "description": "Améliorer en continu la satisfaction.",
        "orientation_code": "OS1",
        "owner_id": council.users["process_owner"],
        "resources": "Cellule qualité, enquête annuelle",
        "due_date": years_from(local_today(), 1).isoformat(),
        "evaluation_method": "Revue de direction semestrielle",
        **changes,
    }


def indicator_body(council, **changes):
    return {
        "name": "Taux de satisfaction des usagers",
        "unit": "%",
        "direction": "increase",
        "baseline": 60,
        "target": 80,
        "amber_threshold": 70,
        "frequency": "monthly",
        "owner_id": council.users["process_owner"],
        "start_period": months_back(12)[0],
        **changes,
    }


def ready_objective(client, council, **changes):
    """An objective of a council whose policy is published, once the objectives service knows the
    orientations and the users (both arrive by events)."""
    publish_policy(client, council)
    manager = client.as_(council.tokens["quality_manager"])
    reply = eventually(
        lambda: (r := manager.post("/api/v1/objectives", objective_body(council, **changes))).status == 201 and r,
        message="objective accepted",
    )
    return reply.json()


def written(objectives_db, tenant):
    """Every row the objectives service holds for a tenant, and its outbox: 'nothing written'."""
    with objectives_db.transaction(tenant) as session:
        counts = [
            session.scalar(select(func.count()).select_from(cls))
            for cls in (
                domain.Objective,
                domain.Indicator,
                domain.Measurement,
                domain.MeasurementCorrection,
                domain.ReportingSettings,
            )
        ]
        counts.append(
            session.execute(text("SELECT count(*) FROM outbox_events WHERE tenant_id = :t"), {"t": tenant}).scalar()
        )
        counts.append(session.execute(text("SELECT max(updated_at) FROM objectives")).scalar())
        counts.append(session.execute(text("SELECT max(updated_at) FROM measurements")).scalar())
    return counts


def test_a_published_policys_orientations_are_what_objectives_are_set_under(client, council):
    manager = client.as_(council.tokens["quality_manager"])
    eventually(
        lambda: manager.post("/api/v1/objectives", objective_body(council)).error_code == "state_change_not_allowed",
        message="refused for want of a published policy",
    )
    publish_policy(client, council)
    created = eventually(
        lambda: (r := manager.post("/api/v1/objectives", objective_body(council))).status == 201 and r,
        message="accepted once the orientations arrived",
    )
    assert created.json()["orientation_code"] == "OS1"
    assert created.json()["status"] == "no_data" and created.json()["state"] == "active"
    unknown = manager.post("/api/v1/objectives", objective_body(council, orientation_code="OS9"))
    assert (unknown.status, unknown.error_code) == (422, "validation_failed")
    assert "OS1, OS2" in unknown.json()["error"]["details"]["orientation_code"][0]


def test_measurements_drive_status_and_events(client, council, event_tap):
    objective = ready_objective(client, council)
    manager = client.as_(council.tokens["quality_manager"])
    owner = client.as_(council.tokens["process_owner"])
    satisfaction = manager.post(f"/api/v1/objectives/{objective['id']}/indicators", indicator_body(council))
    assert satisfaction.status == 201, satisfaction
    satisfaction = satisfaction.json()
    delay = manager.post(
        f"/api/v1/objectives/{objective['id']}/indicators",
        indicator_body(
            council,
            name="Délai moyen de traitement",
            unit="jours",
            direction="decrease",
            baseline=20,
            target=10,
            amber_threshold=14,
        ),
    ).json()
    months = months_back(12)

    def record(indicator, period, value, who=owner, **extra):
        return who.post(
            f"/api/v1/indicators/{indicator['id']}/measurements", {"period": period, "value": value, **extra}
        )

    def status():
        return client.as_(council.tokens["staff"]).get(f"/api/v1/objectives/{objective['id']}").json()["status"]

    assert record(satisfaction, months[0], 65).status == 201  # between baseline and amber
    assert status() == "at_risk"  # at risk is worse than the other indicator's no data
    assert record(delay, months[0], 21).status == 201  # worse than its baseline
    assert status() == "off_track"
    assert record(delay, months[1], 12).status == 201  # under the amber threshold (lower is better)
    assert status() == "at_risk"
    assert record(satisfaction, months[1], 78).status == 201
    assert manager.get(f"/api/v1/objectives/{objective['id']}").json()["status"] == "on_track"
    assert record(delay, months[2], 9.5).status == 201
    assert record(satisfaction, months[2], 81).status == 201  # every target met
    shown = manager.get(f"/api/v1/objectives/{objective['id']}").json()
    assert shown["status"] == "achieved"
    assert {i["name"]: (i["status"], i["target_met"], i["trend"]) for i in shown["indicators"]} == {
        "Taux de satisfaction des usagers": ("on_track", True, "improving"),
        "Délai moyen de traitement": ("on_track", True, "improving"),
    }

    changes = eventually(
        lambda: (found := event_tap.events("objective.status_changed", council.code)) and len(found) == 5 and found,
        message="status changes published",
    )
    assert [(e["payload"]["old_status"], e["payload"]["new_status"]) for e in changes] == [
        ("no_data", "at_risk"),
        ("at_risk", "off_track"),
        ("off_track", "at_risk"),
        ("at_risk", "on_track"),
        ("on_track", "achieved"),
    ]
    for event in changes:
        validate_event(event)
        assert event["payload"]["objective_id"] == objective["id"]
    recorded = eventually(
        lambda: (
            len(event_tap.events("indicator.measurement_recorded", council.code)) == 6
            and event_tap.events("indicator.measurement_recorded", council.code)
        )
    )
    assert {e["payload"]["period"] for e in recorded} == set(months[:3])
    assert all(e["actor"] == council.users["process_owner"] for e in recorded)

    # A second value for a period is refused without correction intent; with it, history is kept.
    again = record(satisfaction, months[2], 79)
    assert (again.status, again.error_code) == (409, "measurement_exists")
    assert "correction" in again.json()["error"]["message"]
    corrected = record(satisfaction, months[2], 79, who=manager, correction=True, reason="Erreur de saisie")
    assert corrected.status == 201, corrected
    history = corrected.json()["corrections"]
    assert [(c["previous_value"], c["previous_recorded_by"], c["corrected_by"], c["reason"]) for c in history] == [
        (81.0, council.users["process_owner"], council.users["quality_manager"], "Erreur de saisie")
    ]
    assert manager.get(f"/api/v1/objectives/{objective['id']}").json()["status"] == "on_track"  # 79 < 80
    listed = manager.get(f"/api/v1/indicators/{satisfaction['id']}/measurements").json()
    assert [m["period"] for m in listed["items"]] == [months[2], months[1], months[0]]
    assert listed["items"][0]["value"] == 79 and len(listed["items"][0]["corrections"]) == 1
    indicator = manager.get(f"/api/v1/indicators/{satisfaction['id']}").json()
    assert indicator["recent"] == [
        {"period": months[0], "value": 65},
        {"period": months[1], "value": 78},
        {"period": months[2], "value": 79},
    ]
    assert indicator["latest_period"] == months[2]


def test_dashboard_counts_by_orientation_and_lists_late_measurements(client, council, ministry_token):
    objective = ready_objective(client, council)
    manager = client.as_(council.tokens["quality_manager"])
    months = months_back(12)
    indicator = manager.post(
        f"/api/v1/objectives/{objective['id']}/indicators", indicator_body(council, start_period=months[-3])
    ).json()
    owner = client.as_(council.tokens["process_owner"])
    assert (
        owner.post(f"/api/v1/indicators/{indicator['id']}/measurements", {"period": months[-3], "value": 75}).status
        == 201
    )
    ready_objective_two = manager.post(
        "/api/v1/objectives", objective_body(council, orientation_code="OS2", title="Gouvernance")
    )
    assert ready_objective_two.status == 201
    board = manager.get("/api/v1/dashboard").json()
    by_code = {row["code"]: row for row in board["orientations"]}
    assert by_code["OS1"]["objectives_by_status"]["on_track"] == 1
    assert by_code["OS2"]["objectives_by_status"]["no_data"] == 1
    assert by_code["OS1"]["title"] == POLICY["orientations"][0]["title"]
    assert board["objectives_by_status"]["on_track"] == 1 and board["objectives_by_status"]["no_data"] == 1
    due = periods.due_periods("monthly", months[-3], local_today(), periods.DEFAULT_GRACE_DAYS)
    assert board["reporting"]["due_periods"] == len(due)
    assert board["reporting"]["reported_periods"] == 1
    assert [late["period"] for late in board["late_measurements"]] == [str(p) for p in due[1:]]

    # A longer grace delay makes the last month not yet due.
    assert manager.request("PUT", "/api/v1/reporting-settings", {"grace_days": 40}).status == 200
    later = manager.get("/api/v1/dashboard").json()
    assert later["reporting"]["grace_days"] == 40
    assert later["reporting"]["due_periods"] == len(periods.due_periods("monthly", months[-3], local_today(), 40))

    # The ministry's figure follows the setting (the measurement's event may still be on its way).
    def ministry_figures():
        row = next(
            (
                r
                for r in client.as_(ministry_token).get("/api/v1/ministry/overview").json()["items"]
                if r["tenant"] == council.code
            ),
            None,
        )
        return row and (row["reported_periods"], row["due_periods"])

    eventually(
        lambda: ministry_figures() == (later["reporting"]["reported_periods"], later["reporting"]["due_periods"]),
        message="ministry figures follow",
    )


def test_objective_life_cycle_through_patch(client, council, event_tap):
    objective = ready_objective(client, council)
    manager = client.as_(council.tokens["quality_manager"])
    path = f"/api/v1/objectives/{objective['id']}"
    edited = manager.patch(
        path, {"title": "Satisfaction des usagers", "due_date": years_from(local_today(), 2).isoformat()}
    )
    assert edited.status == 200 and edited.json()["title"] == "Satisfaction des usagers"
    no_reason = manager.patch(path, {"state": "abandoned"})
    assert (no_reason.status, no_reason.error_code) == (422, "validation_failed")
    abandoned = manager.patch(path, {"state": "abandoned", "abandon_reason": "Remplacé par un objectif national"})
    assert abandoned.json()["state"] == "abandoned"
    frozen = manager.patch(path, {"title": "Encore"})
    assert (frozen.status, frozen.error_code) == (409, "state_change_not_allowed")
    assert manager.patch(path, {"state": "active"}).json()["state"] == "active"
    updates = eventually(
        lambda: (
            len(event_tap.events("objective.updated", council.code)) == 3
            and event_tap.events("objective.updated", council.code)
        )
    )
    assert [sorted(e["payload"]["changed"]) for e in updates] == [["due_date", "title"], ["state"], ["state"]]
    assert [e["payload"]["state"] for e in updates] == ["active", "abandoned", "active"]


def test_ministry_views_compare_councils_without_personal_data(client, make_council, ministry_token):
    first, second = make_council(), make_council()
    ministry = client.as_(ministry_token)
    for council, value in ((first, 85), (second, 62)):
        objective = ready_objective(client, council)
        manager = client.as_(council.tokens["quality_manager"])
        indicator = manager.post(
            f"/api/v1/objectives/{objective['id']}/indicators", indicator_body(council, catalogue_code="SATISFACTION")
        ).json()
        assert (
            client.as_(council.tokens["process_owner"])
            # Two months back: a period past its grace days whatever the day of the month, so it counts
            # in the reporting completeness (last month's does not until its grace days have passed).
            .post(f"/api/v1/indicators/{indicator['id']}/measurements", {"period": months_back(2)[0], "value": value})
            .status
            == 201
        )

    def rows():
        found = {row["tenant"]: row for row in ministry.get("/api/v1/ministry/overview").json()["items"]}
        return first.code in found and second.code in found and found

    def settled():
        found = rows()
        return (
            found
            and found[first.code]["objectives_by_status"]["achieved"] == 1
            and found[second.code]["objectives_by_status"]["at_risk"] == 1
            # the value reaches the completeness by an event of its own, maybe after the status
            and all(found[council.code]["reporting_completeness"] for council in (first, second))
            and found
        )

    overview = eventually(settled, message="both councils in the overview")
    for council in (first, second):
        row = overview[council.code]
        assert row["policy_published"] is True and row["policy_version"] == 1
        assert row["acknowledgement_rate"] == 0.0
        assert row["name"] == f"Conseil {council.code}"
        assert row["due_periods"] >= 1 and 0 < row["reporting_completeness"] <= 1

    national = eventually(
        lambda: (
            (r := ministry.get("/api/v1/ministry/indicators/SATISFACTION").json())
            and {row["tenant"] for row in r["items"]} >= {first.code, second.code}
            and r
        )
    )
    mine = {row["tenant"]: row for row in national["items"]}
    assert (mine[first.code]["latest_value"], mine[first.code]["status"]) == (85, "on_track")
    assert (mine[second.code]["latest_value"], mine[second.code]["status"]) == (62, "at_risk")
    assert national["indicator"]["name_ar"] == "نسبة رضا المرتفقين"

    as_csv = ministry.get("/api/v1/ministry/overview?format=csv")
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(as_csv.body.lstrip("\ufeff"))))
    by_tenant = {row["tenant"]: row for row in table}
    assert by_tenant[first.code]["achieved"] == "1" and by_tenant[second.code]["at_risk"] == "1"
    assert by_tenant[first.code]["policy_published"] == "true"
    indicator_csv = ministry.get("/api/v1/ministry/indicators/SATISFACTION?format=csv")
    assert {row["tenant"] for row in csv.DictReader(io.StringIO(indicator_csv.body.lstrip("\ufeff")))} >= {
        first.code,
        second.code,
    }
    assert ministry.get("/api/v1/ministry/overview?format=xml").status == 422

    everything = (
        ministry.get("/api/v1/ministry/overview").body
        + ministry.get("/api/v1/ministry/indicators/SATISFACTION").body
        + as_csv.body
    )
    for council in (first, second):
        for user_id in council.users.values():
            assert user_id not in everything
    assert "@" not in everything


def test_exports_carry_no_live_formula(client, gateway_db, tenant_code, ministry_token):
    # A council named like a formula was a live link in the ministry's overview, once opened in a
    # spreadsheet program.
    code, name = f"{tenant_code}-formula", '=HYPERLINK("http://203.0.113.9/x","Ouvrir")'
    directory.add_tenant(gateway_db, code, name)
    ministry = client.as_(ministry_token)

    def row_of_council():
        table = csv.DictReader(io.StringIO(ministry.get("/api/v1/ministry/overview?format=csv").body.lstrip("\ufeff")))
        return next((row for row in table if row["tenant"] == code), None)

    row = eventually(row_of_council, message="the council in the overview")
    assert row["name"] == "'" + name
    json_row = next(r for r in ministry.get("/api/v1/ministry/overview").json()["items"] if r["tenant"] == code)
    assert json_row["name"] == name  # the JSON view keeps the name as it is


def test_the_overview_as_a_spreadsheet_holds_the_csv_rows(client, gateway_db, tenant_code, ministry_token):
    # The same rows as the CSV, numbers as numbers, a formula-like name inert; right to left for an
    # Arabic reader. The client reads bodies as text: the XLSX's bytes are read here.
    code, name = f"{tenant_code}-xlsx", "=1+1 جهة فاس مكناس"
    directory.add_tenant(gateway_db, code, name)
    directory.add_user(gateway_db, f"marsad@{tenant_code}.test", "ministry", language="ar")
    arabic_token = directory.create_token(gateway_db, f"marsad@{tenant_code}.test")
    ministry = client.as_(ministry_token)

    def download(token):
        connection = http.client.HTTPConnection("127.0.0.1", client.port, timeout=30)
        try:
            connection.request(
                "GET", "/api/v1/ministry/overview?format=xlsx", headers={"Authorization": f"Bearer {token}"}
            )
            reply = connection.getresponse()
            assert reply.status == 200
            assert reply.getheader("Content-Type").startswith(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
            assert reply.getheader("Content-Disposition") == 'attachment; filename="jouda-overview.xlsx"'
            return openpyxl.load_workbook(io.BytesIO(reply.read())).active
        finally:
            connection.close()

    def same_cell(value, text):  # a spreadsheet keeps 1.0 as 1: numbers are compared as numbers
        if isinstance(value, (int, float)):
            return float(text) == value
        return ("" if value is None else value) == text

    def same_rows():
        # Other councils' rows may still move between two downloads (earlier tests' events being
        # applied): the header, the number of councils and this council's row must agree.
        overview = ministry.get("/api/v1/ministry/overview?format=csv").body.lstrip("\ufeff")
        table = list(csv.reader(io.StringIO(overview)))
        sheet = download(ministry_token)
        rows = list(sheet.iter_rows(values_only=True))
        ours = [line for line in table[1:] if line[0] == code]
        theirs = [row for row in rows[1:] if row[0] == code]
        agree = (
            len(rows) == len(table)
            and all(map(same_cell, rows[0], table[0]))
            and len(ours) == len(theirs) == 1
            and len(ours[0]) == len(theirs[0])
            and all(map(same_cell, theirs[0], ours[0]))
        )
        return agree and (sheet, table)

    sheet, table = eventually(same_rows, message="the council in both files, the same rows")
    assert not sheet.sheet_view.rightToLeft
    header = table[0]
    row = next(row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == code)
    assert row[header.index("name")] == "'" + name
    assert all(isinstance(row[header.index(column)], int) for column in ("achieved", "at_risk"))
    assert download(arabic_token).sheet_view.rightToLeft is True


def test_roles_on_every_endpoint(client, council, ministry_token):
    objective = ready_objective(client, council)
    manager = client.as_(council.tokens["quality_manager"])
    indicator = manager.post(f"/api/v1/objectives/{objective['id']}/indicators", indicator_body(council)).json()
    ministry = client.as_(ministry_token)
    council_paths = [
        ("GET", "/api/v1/objectives", None),
        ("POST", "/api/v1/objectives", objective_body(council)),
        ("GET", f"/api/v1/objectives/{objective['id']}", None),
        ("PATCH", f"/api/v1/objectives/{objective['id']}", {"title": "X"}),
        ("POST", f"/api/v1/objectives/{objective['id']}/indicators", indicator_body(council)),
        ("GET", f"/api/v1/indicators/{indicator['id']}", None),
        ("GET", f"/api/v1/indicators/{indicator['id']}/measurements", None),
        ("POST", f"/api/v1/indicators/{indicator['id']}/measurements", {"period": months_back(1)[0], "value": 70}),
        ("GET", "/api/v1/dashboard", None),
        ("GET", "/api/v1/reporting-settings", None),
        ("PUT", "/api/v1/reporting-settings", {"grace_days": 5}),
        ("GET", "/api/v1/catalogue", None),
    ]
    for method, path, body in council_paths:
        reply = ministry.request(method, path, body)
        assert (reply.status, reply.error_code) == (403, "role_not_allowed"), (method, path, reply)
    for role in ("quality_manager", "director", "staff"):
        for method, path in (
            ("GET", "/api/v1/ministry/overview"),
            ("GET", "/api/v1/ministry/catalogue"),
            ("POST", "/api/v1/ministry/catalogue"),
            ("GET", "/api/v1/ministry/indicators/SATISFACTION"),
        ):
            reply = client.as_(council.tokens[role]).request(method, path, {} if method == "POST" else None)
            assert reply.status == 403, (role, method, path, reply)
    staff = client.as_(council.tokens["staff"])
    assert staff.post("/api/v1/objectives", objective_body(council)).status == 403
    assert (
        staff.post(
            f"/api/v1/indicators/{indicator['id']}/measurements", {"period": months_back(1)[0], "value": 70}
        ).error_code
        == "role_not_allowed"
    )
    assert staff.request("PUT", "/api/v1/reporting-settings", {"grace_days": 3}).status == 403
    assert staff.get(f"/api/v1/objectives/{objective['id']}").status == 200  # everyone reads
    assert client.get("/api/v1/dashboard").status == 401


def test_another_councils_ids_are_not_found(client, council, other_council, objectives_db):
    objective = ready_objective(client, council)
    manager = client.as_(council.tokens["quality_manager"])
    indicator = manager.post(f"/api/v1/objectives/{objective['id']}/indicators", indicator_body(council)).json()
    before = written(objectives_db, council.code)
    outsider = client.as_(other_council.tokens["quality_manager"])
    for method, path, body, code in [
        ("GET", f"/api/v1/objectives/{objective['id']}", None, "objective_not_found"),
        ("PATCH", f"/api/v1/objectives/{objective['id']}", {"title": "X"}, "objective_not_found"),
        (
            "POST",
            f"/api/v1/objectives/{objective['id']}/indicators",
            indicator_body(other_council),
            "objective_not_found",
        ),
        ("GET", f"/api/v1/indicators/{indicator['id']}", None, "indicator_not_found"),
        ("GET", f"/api/v1/indicators/{indicator['id']}/measurements", None, "indicator_not_found"),
        (
            "POST",
            f"/api/v1/indicators/{indicator['id']}/measurements",
            {"period": months_back(1)[0], "value": 70},
            "indicator_not_found",
        ),
    ]:
        reply = outsider.request(method, path, body)
        assert (reply.status, reply.error_code) == (404, code), (method, path, reply)
    assert outsider.get("/api/v1/objectives").json()["items"] == []
    assert outsider.get("/api/v1/dashboard").json()["objectives_by_status"] == {
        name: 0 for name in ("on_track", "at_risk", "off_track", "no_data", "achieved", "abandoned")
    }
    assert written(objectives_db, council.code) == before


def test_bad_input_gets_a_clear_error_and_writes_nothing(client, council, objectives_db):
    objective = ready_objective(client, council)
    manager = client.as_(council.tokens["quality_manager"])
    indicator = manager.post(f"/api/v1/objectives/{objective['id']}/indicators", indicator_body(council)).json()
    owner = client.as_(council.tokens["process_owner"])
    months = months_back(12)
    assert (
        owner.post(f"/api/v1/indicators/{indicator['id']}/measurements", {"period": months[-1], "value": 70}).status
        == 201
    )
    before = written(objectives_db, council.code)
    future = str(periods.containing(local_today(), "monthly").next())
    measurements = f"/api/v1/indicators/{indicator['id']}/measurements"
    cases = [
        ("POST", "/api/v1/objectives", {"title": "Sans orientation"}, 422, "validation_failed"),
        ("POST", "/api/v1/objectives", objective_body(council, owner_id="nobody"), 422, "validation_failed"),
        ("POST", "/api/v1/objectives", objective_body(council, due_date="31/12/2027"), 422, "validation_failed"),
        # A due date far from today once sent overdue and escalation e-mails at once.
        ("POST", "/api/v1/objectives", objective_body(council, due_date="0130-06-30"), 422, "validation_failed"),
        ("PATCH", f"/api/v1/objectives/{objective['id']}", {"due_date": "3026-06-30"}, 422, "validation_failed"),
        (
            "POST",
            f"/api/v1/objectives/{objective['id']}/indicators",
            indicator_body(council, start_period="0130-01"),
            422,
            "validation_failed",
        ),
        ("POST", "/api/v1/objectives", objective_body(council, colour="red"), 422, "validation_failed"),
        ("POST", "/api/v1/objectives", None, 422, "validation_failed"),
        ("PATCH", f"/api/v1/objectives/{objective['id']}", {}, 422, "validation_failed"),
        ("PATCH", f"/api/v1/objectives/{objective['id']}", {"state": "done"}, 422, "validation_failed"),
        (
            "PATCH",
            f"/api/v1/objectives/{objective['id']}",
            {"state": "achieved", "abandon_reason": "x"},
            422,
            "validation_failed",
        ),
        (
            "PATCH",
            f"/api/v1/objectives/{objective['id']}",
            {"state": "abandoned", "abandon_reason": "   "},
            422,
            "validation_failed",
        ),
        ("POST", "/api/v1/objectives", objective_body(council, title="Nul\u0000"), 422, "validation_failed"),
        ("GET", "/api/v1/objectives/%00", None, 404, "not_found"),
        ("GET", "/api/v1/objectives?orientation=OS%001", None, 422, "validation_failed"),
        ("GET", f"/api/v1/indicators/{indicator['id']}%00/measurements", None, 404, "not_found"),
        (
            "POST",
            f"/api/v1/objectives/{objective['id']}/indicators",
            indicator_body(council, target=50),
            422,
            "validation_failed",
        ),
        (
            "POST",
            f"/api/v1/objectives/{objective['id']}/indicators",
            indicator_body(council, frequency="weekly"),
            422,
            "validation_failed",
        ),
        (
            "POST",
            f"/api/v1/objectives/{objective['id']}/indicators",
            indicator_body(council, catalogue_code="PROCESSING_DAYS"),
            422,
            "validation_failed",
        ),
        (
            "POST",
            f"/api/v1/objectives/{objective['id']}/indicators",
            indicator_body(council, baseline="60"),
            422,
            "validation_failed",
        ),
        ("POST", measurements, {"period": months[-2][:4] + "-Q1", "value": 70}, 422, "validation_failed"),
        ("POST", measurements, {"period": months[-2], "value": "70"}, 422, "validation_failed"),
        ("POST", measurements, {"period": months[-2], "value": True}, 422, "validation_failed"),
        ("POST", measurements, {"period": months[-2], "value": 170}, 422, "validation_failed"),
        ("POST", measurements, {"period": future, "value": 70}, 422, "validation_failed"),
        ("POST", measurements, {"period": "2001-01", "value": 70}, 422, "validation_failed"),
        ("POST", measurements, {"period": months[-1], "value": 71}, 409, "measurement_exists"),
        ("POST", measurements, {"period": months[-1], "value": 71, "correction": True}, 422, "validation_failed"),
        (
            "POST",
            measurements,
            {"period": months[-2], "value": 71, "correction": True, "reason": "x"},
            422,
            "validation_failed",
        ),
        (
            "POST",
            measurements,
            {"period": months[-2], "value": 71, "evidence_url": "ftp://x"},
            422,
            "validation_failed",
        ),
        ("PUT", "/api/v1/reporting-settings", {"grace_days": -1}, 422, "validation_failed"),
        ("PUT", "/api/v1/reporting-settings", {"grace_days": "10"}, 422, "validation_failed"),
        ("GET", "/api/v1/objectives?state=gone", None, 422, "validation_failed"),
        ("GET", "/api/v1/objectives?limit=0", None, 422, "validation_failed"),
        ("GET", f"/api/v1/objectives/{objective['id']}x", None, 404, "objective_not_found"),
        ("GET", "/api/v1/indicators/not-an-id/measurements?offset=-1", None, 422, "validation_failed"),
    ]
    for method, path, body, status, code in cases:
        reply = manager.request(method, path, body)
        assert (reply.status, reply.error_code) == (status, code), (method, path, body, reply)
        assert reply.json()["error"]["message"]
    broken = manager.request(
        "POST", "/api/v1/objectives", raw=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert (broken.status, broken.error_code) == (400, "malformed_json")
    assert written(objectives_db, council.code) == before


def test_national_catalogue_is_kept_by_the_ministry(client, council, ministry_token, tenant_code):
    ministry = client.as_(ministry_token)
    codes = {entry["code"] for entry in ministry.get("/api/v1/ministry/catalogue").json()["items"]}
    assert {"SATISFACTION", "PROCESSING_DAYS", "ONLINE_PROCEDURES", "COMPLAINTS_ON_TIME", "STAFF_TRAINED"} <= codes
    code = "T_" + tenant_code.upper().replace("-", "_")[:30]
    entry = {
        "code": code,
        "name_fr": "Taux d'accueil",
        "name_ar": "نسبة الاستقبال",
        "unit": "%",
        "direction": "increase",
    }
    created = ministry.post("/api/v1/ministry/catalogue", entry)
    assert created.status == 201 and created.json()["code"] == code
    twice = ministry.post("/api/v1/ministry/catalogue", entry)
    assert (twice.status, twice.error_code) == (409, "catalogue_code_exists")
    assert ministry.post("/api/v1/ministry/catalogue", {**entry, "code": "lower"}).status == 422
    assert code in {e["code"] for e in client.as_(council.tokens["staff"]).get("/api/v1/catalogue").json()["items"]}
    assert ministry.get("/api/v1/ministry/indicators/NOPE").status == 404


def test_a_missing_measurement_is_noticed_once(client, council, objectives_db, event_tap):
    objective = ready_objective(client, council)
    manager = client.as_(council.tokens["quality_manager"])
    months = months_back(12)
    indicator = manager.post(
        f"/api/v1/objectives/{objective['id']}/indicators", indicator_body(council, start_period=months[-4])
    ).json()
    owner = client.as_(council.tokens["process_owner"])
    for period in (months[-4], months[-2]):
        assert (
            owner.post(f"/api/v1/indicators/{indicator['id']}/measurements", {"period": period, "value": 72}).status
            == 201
        )
    expected = [
        str(p)
        for p in periods.late_periods(
            "monthly", months[-4], {months[-4], months[-2]}, local_today(), periods.DEFAULT_GRACE_DAYS
        )
    ]
    assert months[-3] in expected

    def run_timer():  # what the service's hourly timer runs, council by council
        with UnitOfWork(objectives_db, EVERY_COUNCIL) as uow:
            councils = commands.councils_with_active_indicators(uow)
        assert council.code in councils
        for tenant_id in councils:
            with UnitOfWork(objectives_db, tenant_id) as uow:
                commands.notice_missing_measurements(uow, local_today())

    run_timer()
    [announced] = eventually(
        lambda: event_tap.events("indicator.measurement_missing", council.code), message="missing periods announced"
    )  # the run's list, in one event
    missing = [item for item in announced["payload"]["items"] if item["indicator_id"] == indicator["id"]]
    assert sorted(item["period"] for item in missing) == sorted(expected)
    assert all(item["owner_id"] == council.users["process_owner"] for item in missing)
    assert all(item["days_late"] >= 1 for item in missing)
    run_timer()
    with objectives_db.transaction(council.code) as session:
        assert session.scalar(select(func.count()).select_from(domain.MissingMeasurement)) == len(expected)


def test_business_metrics_per_council(client, council, settings):
    from tests.integration.test_metrics_and_cli import scrape

    objective = ready_objective(client, council)
    manager = client.as_(council.tokens["quality_manager"])
    indicator = manager.post(
        f"/api/v1/objectives/{objective['id']}/indicators", indicator_body(council, start_period=months_back(2)[0])
    ).json()
    for period, value in zip(months_back(2), (65, 66)):
        assert (
            client.as_(council.tokens["process_owner"])
            .post(f"/api/v1/indicators/{indicator['id']}/measurements", {"period": period, "value": value})
            .status
            == 201
        )
    assert (
        manager.post(
            f"/api/v1/indicators/{indicator['id']}/measurements",
            {"period": months_back(1)[0], "value": 71, "correction": True, "reason": "relu"},
        ).status
        == 201
    )
    text = eventually(
        lambda: (t := scrape(settings)) and f'jouda_reporting_completeness_ratio{{tenant="{council.code}"}}' in t and t,
        message="completeness gauge",
    )
    assert f'jouda_objectives{{status="at_risk",tenant="{council.code}"}} 0.0' in text
    assert f'jouda_objectives{{status="on_track",tenant="{council.code}"}} 1.0' in text
    assert f'jouda_measurements_recorded_total{{kind="new",tenant="{council.code}"}} 2.0' in text
    assert f'jouda_measurements_recorded_total{{kind="correction",tenant="{council.code}"}} 1.0' in text


def test_a_creating_post_retried_with_its_idempotency_key_is_made_once(client, council, objectives_db):
    # Twenty identical POSTs once made twenty objectives; a client retrying after a 504 needs one.
    objective = ready_objective(client, council)  # the policy published, the orientations known
    manager = client.as_(council.tokens["quality_manager"])
    body = objective_body(council, title="Réduire les délais de réponse")
    key = {"Idempotency-Key": str(uuid.uuid4())}
    pool = eventlet.GreenPool(20)
    replies = list(pool.imap(lambda _: manager.post("/api/v1/objectives", body, headers=key), range(20)))
    assert {reply.status for reply in replies} == {201}, [r for r in replies if r.status != 201][:2]
    assert len({reply.json()["id"] for reply in replies}) == 1
    titles = [o["title"] for o in manager.get("/api/v1/objectives?limit=200").json()["items"]]
    assert titles.count("Réduire les délais de réponse") == 1

    made = replies[0].json()
    again = manager.post("/api/v1/objectives", body, headers=key)  # a retry, later
    assert again.status == 201 and again.json() == made
    other = manager.post("/api/v1/objectives", {**body, "title": "Autre"}, headers=key)
    assert (other.status, other.error_code) == (422, "idempotency_key_reused")

    indicator = manager.post(
        f"/api/v1/objectives/{objective['id']}/indicators",
        indicator_body(council),
        headers={"Idempotency-Key": "indicator-1"},
    )
    twice = manager.post(
        f"/api/v1/objectives/{objective['id']}/indicators",
        indicator_body(council),
        headers={"Idempotency-Key": "indicator-1"},
    )
    assert indicator.status == twice.status == 201 and indicator.json()["id"] == twice.json()["id"]
    assert len(manager.get(f"/api/v1/objectives/{objective['id']}").json()["indicators"]) == 1

    # A key is the sender's own: another person's request with the same key is a request of its own.
    director = client.as_(council.tokens["director"])
    assert director.post("/api/v1/objectives", body, headers=key).status == 403  # (and a director may not)
    without = [manager.post("/api/v1/objectives", body) for _ in range(2)]  # no key: each is a new request
    assert len({reply.json()["id"] for reply in without}) == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "clé", "two words", "jouda:reserved-for-the-gateway"])
def test_an_invalid_idempotency_key_is_refused_and_writes_nothing(client, council, objectives_db, key):
    ready_objective(client, council)
    before = written(objectives_db, council.code)
    reply = client.as_(council.tokens["quality_manager"]).post(
        "/api/v1/objectives", objective_body(council), headers={"Idempotency-Key": key}
    )
    assert (reply.status, reply.error_code) == (422, "validation_failed")
    assert "Idempotency-Key" in reply.json()["error"]["details"]
    assert written(objectives_db, council.code) == before
