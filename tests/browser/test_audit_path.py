"""The internal auditor's main path, in the real browser and through the pages alone, from an audit
planned by the quality manager to the closure of the major nonconformity its report raised.

The quality manager plans an impartial audit (the auditor leads it, a staff member who does not own
the process is the auditee) and sets the effectiveness-check delay to 0 days so the check can fall
today. The auditor prepares the checklist from the ISO catalogue, sends the plan, starts the audit,
fills the checklist line by line (one major nonconformity), writes and issues the report. The
nonconformity raised is then treated by the right people: the process owner contains and analyses it
and plans an action of their own, the director approves the plan, the process owner carries the action
out on /actions and marks the nonconformity implemented, the quality manager schedules the check with
the auditor (who owned no action) as verifier, and the auditor finds it effective: it is closed.
Everything is driven in French, the demo people's language; the pages are checked in Arabic too."""

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import serious_violations

COUNCIL_ZONE = ZoneInfo("Africa/Casablanca")  # the councils' days (done_on and check dates count in them)
PROCESS = "OP-02"  # Traitement des réclamations et doléances, owned by the demo process owner
CLAUSES = ("8.7", "10.2.2")  # 8.7 brings 8.7.1 and 8.7.2: a checklist of four lines
MAJOR_CLAUSE = "8.7.2"

# What the path leaves for the checks of the pages it went through (test order: the path first).
REACHED = {}


def today():
    return datetime.now(COUNCIL_ZONE).date()


def option_value(page, select, text):
    """The value of the option of a <select> whose label starts with `text`."""
    option = page.locator(f"{select} option").filter(has_text=re.compile("^" + re.escape(text)))
    return option.first.get_attribute("value")


def tick(page, fieldset, text):
    """Tick the checkbox of a fieldset of checkboxes whose label starts with `text`."""
    page.locator(f"{fieldset} label").filter(has_text=re.compile(r"^\s*" + re.escape(text))).locator("input").check()


def press(page, name):
    """Click the button of that exact name and wait for the page it leads to."""
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def no_refusal(page):
    refused = page.locator(".refused, .field-error, ul.problems")
    assert refused.count() == 0, f"{page.url} refused the step: {refused.all_inner_texts()}"


def state_badges(page):
    return page.locator("h1 + p .state").all_inner_texts()


def plan_the_audit(page, title):
    """The quality manager plans the audit on /audits/new; returns its id."""
    page.goto("/audits/new")
    page.fill("#f-title", title)
    tick(page, "#f-process_ids", PROCESS)
    for clause in CLAUSES:
        page.locator(f"#f-clauses input[value='{clause}']").check()
    page.fill("#f-criteria", "ISO 9001:2015 §8.7 et §10.2, procédure de traitement des réclamations.")
    page.fill("#f-objectives", "Vérifier la maîtrise des réclamations et des non-conformités.")
    page.fill("#f-planned_month", today().strftime("%Y-%m"))
    page.fill("#f-planned_start", today().isoformat())
    page.fill("#f-planned_end", (today() + timedelta(days=1)).isoformat())
    page.select_option("#f-lead_auditor_id", option_value(page, "#f-lead_auditor_id", "Auditeur interne"))
    tick(page, "#f-auditee_ids", "Agent 1 (")  # a staff member: owns no process, impartial
    press(page, "Planifier l'audit")
    no_refusal(page)
    found = re.search(r"/audits/([0-9a-f-]{36})(\?|$)", page.url)
    assert found, f"the plan was not created: {page.url}"
    return found.group(1)


def test_the_auditor_takes_an_audit_from_its_plan_to_the_closure_of_its_major_nonconformity(open_as, base_url):
    """The whole path, each person on their own pages: the quality manager plans, the auditor conducts and
    reports, the process owner, the director, the quality manager and the auditor (as verifier) treat the
    major nonconformity to its closure; each step's page shows the new state, and the API agrees."""
    marker = uuid.uuid4().hex[:8]
    title = f"Audit des réclamations {marker}"
    finding = f"Les réclamations rejetées ne sont pas enregistrées ({marker}) : 9 sur 25 sans trace."

    # The quality manager: the check may fall on the day the last action is done.
    manager = open_as("quality_manager")
    manager.goto("/settings/audits")
    delay_before = manager.input_value("#f-effectiveness_delay_days")
    manager.fill("#f-effectiveness_delay_days", "0")
    press(manager, "Enregistrer")
    no_refusal(manager)
    assert manager.input_value("#f-effectiveness_delay_days") == "0"
    try:
        audit_id = plan_the_audit(manager, title)
        REACHED["audit_id"] = audit_id
        reference = manager.locator("h1").inner_text().split(" — ")[0].strip()
        assert title in manager.locator("h1").inner_text()
        assert manager.locator("dl.facts .state-planned").count() == 1

        # The auditor finds it among their audits.
        auditor = open_as("auditor")
        auditor.goto("/audits")
        assert auditor.get_by_role("heading", name="Mes audits").is_visible()
        mine = auditor.get_by_role("table", name="Mes audits")
        mine.get_by_role("row").filter(has_text=title).get_by_role("link", name=reference).click()
        auditor.wait_for_url(re.compile(f"/audits/{audit_id}(\\?|$)"))

        # The checklist from the ISO catalogue: the audit's clauses come ticked.
        auditor.get_by_role("link", name="Liste de contrôle", exact=True).click()
        for clause in CLAUSES:
            assert auditor.locator(f"#f-clauses input[value='{clause}']").is_checked()
        press(auditor, "Partir du catalogue ISO")
        no_refusal(auditor)
        questions = auditor.locator("table tbody tr")
        assert questions.count() == 4, questions.all_inner_texts()

        # The lead auditor's steps: the plan to the auditees, then the audit starts.
        auditor.goto(f"/audits/{audit_id}")
        press(auditor, "Envoyer le plan aux audités")
        no_refusal(auditor)
        assert auditor.locator("dl.facts .state-prepared").count() == 1
        press(auditor, "Commencer l'audit")
        no_refusal(auditor)
        assert auditor.locator("dl.facts").get_by_text("En cours").is_visible()

        # The checklist form as the auditor fills it, checked by axe in French and Arabic (asserted below).
        for language in ("ar", "fr"):
            auditor.goto(f"/language/{language}?next=/audits/{audit_id}/checklist")
            REACHED[f"checklist form ({language})"] = serious_violations(auditor)

        # The checklist, line by line: conforming with evidence, one major nonconformity with its finding.
        auditor.goto(f"/audits/{audit_id}/checklist")
        assert auditor.get_attribute("html", "lang") == "fr"
        lines = auditor.locator("fieldset[id^='line-']")
        assert lines.count() == 4
        for index in range(lines.count()):
            line = lines.nth(index)
            legend = line.locator("legend").inner_text()
            if f"§{MAJOR_CLAUSE} —" in legend:
                line.locator("select[name$='-result']").select_option("major_nc")
                line.locator("textarea[name$='-evidence']").fill("Registre des réclamations 2026, 25 dossiers tirés.")
                line.locator("input[name$='-references']").fill("PR-RC-02 version 3")
                line.locator("textarea[name$='-finding']").fill(finding)
            else:
                line.locator("select[name$='-result']").select_option("conforming")
                line.locator("textarea[name$='-evidence']").fill(f"Entretien et dossiers examinés, ligne {index + 1}.")
        press(auditor, "Enregistrer la liste de contrôle")
        no_refusal(auditor)
        tally = auditor.locator("h2 + p").first.inner_text()  # "Conforme: 3 · Non-conformité majeure: 1"
        assert re.search(r"Conforme\s?: 3", tally) and re.search(r"Non-conformité majeure\s?: 1", tally), tally
        assert auditor.locator("textarea[name$='-finding']").filter(has_text=finding).count() == 1

        # The report, written then issued.
        auditor.goto(f"/audits/{audit_id}/report")
        auditor.fill("#f-summary", "Le processus est suivi ; l'enregistrement des réclamations rejetées manque.")
        auditor.fill("#f-strengths", "Délais de réponse suivis chaque mois.")
        auditor.fill("#f-conclusions", "Une non-conformité majeure sur la clause 8.7.2.")
        press(auditor, "Enregistrer le rapport")
        no_refusal(auditor)
        assert auditor.input_value("#f-summary").startswith("Le processus est suivi")
        press(auditor, "Émettre le rapport")
        no_refusal(auditor)
        auditor.wait_for_url(re.compile(f"/audits/{audit_id}(\\?|$)"))
        assert auditor.locator("dl.facts").get_by_text("Rapporté").is_visible()

        # The major nonconformity the report raised: linked from its line, listed on /nonconformities.
        auditor.goto(f"/audits/{audit_id}/checklist")
        raised = (
            auditor.get_by_role("row").filter(has_text=finding).get_by_role("link", name="La non-conformité ouverte")
        )
        nc_id = raised.get_attribute("href").rsplit("/", 1)[1]
        REACHED["nc_id"], REACHED["finding"] = nc_id, finding
        auditor.goto("/nonconformities?state=open&severity=major")
        row = auditor.get_by_role("row").filter(has=auditor.locator(f"a[href='/nonconformities/{nc_id}']"))
        assert row.count() == 1
        assert "Majeure" in row.inner_text() and "Ouverte" in row.inner_text() and PROCESS in row.inner_text()
        row.get_by_role("link").click()
        auditor.wait_for_url(re.compile(f"/nonconformities/{nc_id}$"))
        assert finding in auditor.locator("main").inner_text()
        assert reference in auditor.locator("dl.facts").first.inner_text()  # its source: the audit's reference

        # The process owner: containment, a five-whys analysis, an action of their own, the plan.
        owner = open_as("process_owner")
        owner.goto(f"/nonconformities/{nc_id}")
        owner.fill("#f-containment", "Les réclamations rejetées du trimestre ont été reprises et enregistrées.")
        press(owner, "Enregistrer la correction immédiate")
        no_refusal(owner)
        assert "Contenue" in state_badges(owner)
        owner.fill("#f-root_cause", "La procédure n'impose l'enregistrement que des réclamations recevables.")
        owner.select_option("#f-method", "five_whys")
        owner.fill("#f-why_1", "Les réclamations rejetées ne sont pas enregistrées.")
        owner.fill("#f-why_2", "La procédure ne prévoit l'enregistrement qu'après l'examen de recevabilité.")
        press(owner, "Enregistrer l'analyse")
        no_refusal(owner)
        assert "Analysée" in state_badges(owner)
        action_title = f"Enregistrer toute réclamation dès sa réception ({marker})"
        owner.select_option("#f-action_type", "corrective")
        owner.fill("#f-action_title", action_title)
        owner.fill("#f-due_date", (today() + timedelta(days=30)).isoformat())
        press(owner, "Ajouter l'action")
        no_refusal(owner)
        press(owner, "Soumettre le plan d'actions")
        no_refusal(owner)
        assert "Actions planifiées" in state_badges(owner)
        assert owner.get_by_role("heading", name="Marquer comme mise en œuvre").count() == 1

        # The director approves the plan of a major nonconformity.
        director = open_as("director")
        director.goto(f"/nonconformities/{nc_id}")
        press(director, "Approuver le plan")
        no_refusal(director)
        approved = director.locator("dl.facts dt", has_text="Plan approuvé").locator("xpath=following-sibling::dd[1]")
        assert approved.inner_text() != "Pas encore"

        # The process owner carries the action out on /actions, then marks the nonconformity implemented.
        owner.goto("/actions")
        yours = owner.get_by_role("table").first
        yours.get_by_role("row").filter(has_text=action_title).get_by_role(
            "button", name="Commencer", exact=True
        ).click()
        owner.wait_for_load_state()
        no_refusal(owner)
        action_row = owner.get_by_role("table").first.get_by_role("row").filter(has_text=action_title)
        assert "En cours" in action_row.inner_text()
        action_row.get_by_label("Ce qui a été fait").fill("Registre unique ouvert ; procédure PR-RC-02 v4 diffusée.")
        action_row.get_by_role("button", name="Terminer", exact=True).click()
        owner.wait_for_load_state()
        no_refusal(owner)
        assert (
            "Réalisée" in owner.get_by_role("table").first.get_by_role("row").filter(has_text=action_title).inner_text()
        )
        owner.goto(f"/nonconformities/{nc_id}")
        press(owner, "Marquer comme mise en œuvre")
        no_refusal(owner)
        assert "Mise en œuvre" in state_badges(owner)

        # The quality manager schedules the check today, with the auditor (who owned no action) to verify.
        manager.goto(f"/nonconformities/{nc_id}")
        manager.fill("#f-check_due_on", today().isoformat())
        verifiers = manager.locator("#f-verifier_id option").all_inner_texts()
        assert not any(text.startswith("Pilote de processus") for text in verifiers), "an action's owner is offered"
        manager.select_option("#f-verifier_id", option_value(manager, "#f-verifier_id", "Auditeur interne"))
        press(manager, "Planifier la vérification")
        no_refusal(manager)
        assert "Vérification de l'efficacité" in state_badges(manager)
    finally:
        manager.goto("/settings/audits")  # the council's delay as it was
        manager.fill("#f-effectiveness_delay_days", delay_before)
        press(manager, "Enregistrer")

    # The auditor verifies: effective, the nonconformity is closed.
    auditor.goto(f"/nonconformities/{nc_id}")
    auditor.fill("#f-verify_comment", "Registre vérifié : les 12 réclamations rejetées depuis sont enregistrées.")
    press(auditor, "Efficace : la clôturer")
    no_refusal(auditor)
    assert "Clôturée" in state_badges(auditor)
    assert auditor.get_by_text("Efficace dès la première vérification.").is_visible()

    # The same, as the API tells it to the same browser.
    answer = auditor.request.get(f"{base_url}/api/v1/nonconformities/{nc_id}")
    assert answer.ok, answer.status
    closed = answer.json()
    assert closed["state"] == "closed"
    assert closed["severity"] == "major" and closed["source_ref"] == reference and closed["audit_id"] == audit_id
    assert closed["closed_at"] and closed["plan_approved_at"]
    assert closed["verifications"] == 1 and closed["first_time_effective"] is True
    assert [action["state"] for action in closed["actions"]] == ["done"]
    assert [move["action"] for move in closed["history"]] == [
        "open",
        "contain",
        "analyse",
        "plan",
        "approve_plan",
        "implement",
        "schedule_check",
        "verify",
    ]
    REACHED["closed"] = True


def reached():
    if not REACHED.get("nc_id"):
        pytest.fail("The path test (above) did not get as far as the nonconformity raised by the report.")
    return REACHED["audit_id"], REACHED["nc_id"]


def test_the_printable_report_in_arabic_reads_right_to_left(open_as):
    """The report page's link to the printable report in Arabic opens it right to left, with the finding."""
    audit_id, _ = reached()
    auditor = open_as("auditor")
    auditor.goto(f"/audits/{audit_id}/report")
    auditor.get_by_role("link", name="Rapport imprimable en arabe").click()
    auditor.wait_for_url(re.compile(f"/api/v1/audits/{audit_id}/report\\.html\\?lang=ar$"))
    assert auditor.get_attribute("html", "dir") == "rtl"
    assert auditor.get_attribute("html", "lang") == "ar"
    assert "تقرير التدقيق" in auditor.locator("h1").inner_text()
    assert REACHED["finding"] in auditor.locator("body").inner_text()


def test_the_nonconformity_and_the_checklist_are_accessible_in_french_and_arabic(open_as):
    """axe finds no serious or critical violation on the nonconformity's page and the audit's checklist,
    closed and reported, nor on the checklist's form while the audit was in progress (checked by the path)."""
    audit_id, nc_id = reached()
    auditor = open_as("auditor")
    found = {key: REACHED[key] for key in ("checklist form (ar)", "checklist form (fr)") if key in REACHED}
    for language in ("fr", "ar"):
        for path in (f"/nonconformities/{nc_id}", f"/audits/{audit_id}/checklist"):
            auditor.goto(f"/language/{language}?next={path}")
            assert auditor.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
            found[f"{path} ({language})"] = serious_violations(auditor)
    assert {where: violations for where, violations in found.items() if violations} == {}
