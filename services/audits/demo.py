"""The audits' step of the demo (jouda/seed.py): the Fès-Meknès process map, its audit programme of the
year (approved by the director, in force) with one closed audit of "Accueil et orientation des
citoyens" (its findings raised a major and a minor nonconformity: the minor one treated and closed
effective, the major one contained, analysed, planned, with an action now overdue), one audit in
progress and one planned. Dates are set back in the year so that the figures read like a real year."""

import json
from datetime import datetime, time, timedelta
from importlib import resources

from jouda.services.audits import commands, treatment
from jouda.shared.clock import DISPLAY_ZONE, local_today

COUNCIL = "fes-meknes"
MANAGER, DIRECTOR, OWNER, AUDITOR = (
    "qualite@fes-meknes.example",
    "dgs@fes-meknes.example",
    "processus@fes-meknes.example",
    "audit@fes-meknes.example",
)
AGENT = "agent1@fes-meknes.example"

# The closed audit's answers, by clause of its checklist: (result, evidence, finding)
ANSWERS = {
    "8.2.1": (
        "major_nc",
        "Registre des doléances du guichet central, janvier à mars.",
        "Les demandes reçues au guichet ne sont pas enregistrées : 14 des 40 dossiers examinés n'ont ni numéro "
        "ni date de réception, et aucun accusé de réception n'est remis aux citoyens.",
    ),
    "7.5.3": (
        "minor_nc",
        "Classeur des procédures d'accueil.",
        "Deux versions différentes de la fiche d'orientation sont affichées au guichet ; la version en vigueur "
        "n'est pas identifiée.",
    ),
    "9.1.2": ("good_practice", "Enquête de satisfaction trimestrielle, taux de réponse 38 %.", None),
    "8.5.1": ("observation", "Temps d'attente relevé le 11 mars : 25 minutes en moyenne.", None),
}


def processes() -> list:
    folder = resources.files("jouda.services.audits") / "seed"
    return json.loads((folder / "fes-meknes.json").read_text(encoding="utf-8"))["processes"]


def at(day, hour=10):
    return datetime.combine(day, time(hour), DISPLAY_ZONE)


def seed(demo):
    people = {email: demo.people[email] for email in (MANAGER, DIRECTOR, OWNER, AUDITOR, AGENT)}
    manager, director, owner, auditor = (people[e] for e in (MANAGER, DIRECTOR, OWNER, AUDITOR))
    today = local_today()
    year = today.year

    def uow(person):
        return demo.unit_of_work("audits", COUNCIL, person)

    codes = {}
    for item in processes():
        item = dict(item)
        item["owner_id"] = demo.people[item.pop("owner")].id
        with uow(manager) as work:
            codes[item["code"]] = commands.create_process(work, item)["id"]

    with uow(manager) as work:
        programme = commands.create_programme(work, {"year": year, "title": f"Programme d'audits internes {year}"})
    with uow(director) as work:
        commands.programme_transition(work, programme["id"], "approve", {"comment": "Programme validé."})
    with uow(manager) as work:
        commands.programme_transition(work, programme["id"], "put_in_force", {})

    def plan(title, code, month, start, clauses, in_programme=True):
        with uow(manager) as work:
            return commands.plan_audit(
                work,
                {
                    "title": title,
                    "programme_id": programme["id"] if in_programme else None,
                    "process_ids": [codes[code]],
                    "clauses": clauses,
                    "criteria": "ISO 9001:2015, procédures du conseil, charte d'accueil des usagers.",
                    "objectives": "Vérifier la conformité et l'efficacité du processus.",
                    "lead_auditor_id": auditor.id,
                    "team_ids": [],
                    "auditee_ids": [owner.id, people[AGENT].id],
                    "planned_month": month,
                    "planned_start": start,
                    "planned_end": start + timedelta(days=2) if start else None,
                },
            )

    # 1. The closed audit of the citizens' reception, in March (early in the year: last year's, outside
    # this year's programme).
    # Its minor nonconformity is checked about 60 days after the audit: that day must be past.
    march = today.replace(month=3, day=10)
    if today < march + timedelta(days=75):
        march = today - timedelta(days=120)
    closed = plan(
        "Audit de l'accueil et de l'orientation des citoyens",
        "OP-01",
        march.strftime("%Y-%m"),
        march,
        ["8.2.1", "7.5.3", "9.1.2", "8.5.1"],
        in_programme=march.year == year,
    )
    with uow(auditor) as work:
        commands.start_checklist_from(work, closed["id"], {"source": "catalogue"})
    with uow(auditor) as work:
        commands.audit_transition(work, closed["id"], "submit", {}, now=at(march - timedelta(days=14)))
    with uow(auditor) as work:
        commands.audit_transition(work, closed["id"], "start", {}, now=at(march))
    with uow(auditor) as work:
        lines = commands.get_checklist(work, closed["id"])["lines"]
        changes = [
            {"id": line["id"], "result": result, "evidence": evidence, "finding": finding}
            for line in lines
            for result, evidence, finding in [ANSWERS.get(line["clause"], ("conforming", None, None))]
        ]
        commands.save_checklist(work, closed["id"], {"lines": changes})
    with uow(auditor) as work:
        commands.write_report(
            work,
            closed["id"],
            {
                "summary": "L'accueil est assuré avec engagement ; l'enregistrement des demandes reste à maîtriser.",
                "strengths": "Mesure régulière de la satisfaction des usagers ; personnel d'accueil formé.",
                "conclusions": "Une non-conformité majeure et une mineure ; le processus est globalement maîtrisé.",
            },
        )
    reported = march + timedelta(days=3)
    with uow(auditor) as work:
        commands.audit_transition(work, closed["id"], "report", {}, now=at(reported))
    with uow(manager) as work:
        commands.audit_transition(work, closed["id"], "close", {}, now=at(reported + timedelta(days=4)))
    with uow(manager) as work:
        raised = {item["severity"]: item for item in commands.report(work, closed["id"])["nonconformities"]}

    # The minor one: analysed, corrected, checked effective after the settings' delay.
    minor = raised["minor"]["id"]
    step = reported + timedelta(days=7)
    with uow(owner) as work:
        treatment.nonconformity_transition(
            work,
            minor,
            "analyse",
            {
                "root_cause": "Pas de circuit de retrait des anciennes versions.",
                "method": "cause_category",
                "cause_category": "method",
            },
            today=step,
            now=at(step),
        )
    with uow(owner) as work:
        action = treatment.add_action(
            work,
            minor,
            {
                "type": "corrective",
                "title": "Mettre en place la diffusion contrôlée des fiches d'accueil",
                "owner_id": owner.id,
                "due_date": (step + timedelta(days=30)).isoformat(),
            },
        )
    with uow(owner) as work:
        treatment.nonconformity_transition(work, minor, "plan", {}, today=step, now=at(step))
    done = step + timedelta(days=20)
    with uow(owner) as work:
        treatment.action_transition(
            work,
            action["id"],
            "complete",
            {"note": "Fiches retirées ; liste des documents en vigueur affichée."},
            today=done,
            now=at(done),
        )
    with uow(owner) as work:
        treatment.nonconformity_transition(work, minor, "implement", {}, today=done, now=at(done))
    check = done + timedelta(days=30)
    with uow(manager) as work:
        treatment.nonconformity_transition(
            work,
            minor,
            "schedule_check",
            {"check_due_on": check.isoformat(), "verifier_id": auditor.id},
            today=done,
            now=at(done),
        )
    with uow(auditor) as work:
        treatment.nonconformity_transition(
            work,
            minor,
            "verify",
            {"effective": True, "comment": "Une seule version affichée lors de la visite."},
            today=check,
            now=at(check),
        )

    # The major one: contained, analysed, planned and approved; its action is overdue.
    major = raised["major"]["id"]
    with uow(owner) as work:
        treatment.nonconformity_transition(
            work,
            major,
            "contain",
            {"containment": "Registre papier numéroté ouvert au guichet dès le 14 mars."},
            today=step,
            now=at(step),
        )
    with uow(owner) as work:
        treatment.nonconformity_transition(
            work,
            major,
            "analyse",
            {
                "root_cause": "Aucun outil d'enregistrement commun aux guichets ; la procédure ne le prévoit pas.",
                "method": "five_whys",
                "whys": [
                    "Les demandes ne sont pas enregistrées.",
                    "Chaque guichet note les demandes à sa façon.",
                    "La procédure d'accueil ne prévoit pas d'enregistrement.",
                ],
            },
            today=step,
            now=at(step),
        )
    with uow(manager) as work:
        treatment.add_action(
            work,
            major,
            {
                "type": "corrective",
                "title": "Déployer l'enregistrement numérique des demandes à tous les guichets",
                "owner_id": owner.id,
                "due_date": (today - timedelta(days=20)).isoformat(),
            },
        )
    with uow(manager) as work:
        treatment.nonconformity_transition(work, major, "plan", {}, today=step, now=at(step))
    with uow(director) as work:
        treatment.nonconformity_transition(work, major, "approve_plan", {"comment": "Plan approuvé."}, today=step)

    # 2. An audit in progress, and 3. one planned.
    month = today.strftime("%Y-%m")
    ongoing = plan("Audit de la commande publique", "SU-02", month, today - timedelta(days=1), ["8.4"])
    with uow(auditor) as work:
        commands.start_checklist_from(work, ongoing["id"], {"source": "catalogue"})
    for action in ("submit", "start"):
        with uow(auditor) as work:
            commands.audit_transition(work, ongoing["id"], action, {})
    later = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    if later.year == year:
        plan("Audit de la gestion documentaire", "SU-03", later.strftime("%Y-%m"), None, ["7.5"])
    else:
        plan("Audit de la gestion des compétences", "SU-01", month, None, ["7.2"])
    demo.told(f"its {len(codes)} processes and {year} audit programme, with a closed audit and its nonconformities")
