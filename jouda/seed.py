"""The demo: two councils, a few users each, the Fès-Meknès quality policy taken through its
real life cycle (written, submitted, approved by the director, published), and its six quality
objectives with their indicators and a year of measurements.

Seeding goes through each service's own code and database; the events it produces wait in the
outboxes and are relayed when the services start. The objectives service needs some of them
before the demo objectives can be written (the published orientations, who the users are): the
seed applies those through the service's own event handlers' code, under their consumer names,
so when the relay delivers them later they are recognised as already applied."""
import json
import os
from importlib import resources

from sqlalchemy import select

from jouda.services.gateway import directory
from jouda.services.notifications import commands as notifications
from jouda.services.objectives import commands as objectives, periods
from jouda.services.objectives.domain import DEFAULT_GRACE_DAYS
from jouda.services.objectives.models import StaffMember as ObjectivesStaff
from jouda.services.policy import commands
from jouda.shared.clock import local_today
from jouda.shared.db import Database
from jouda.shared.outbox import OutboxEvent
from jouda.shared.staff import apply_user_event
from jouda.shared.unit_of_work import UnitOfWork

TENANTS = ("fes-meknes", "tanger-tetouan-al-hoceima")

# (email, role, tenant, name, language)
USERS = [
    ("qualite@fes-meknes.example", "quality_manager", "fes-meknes", "Responsable Management Qualité", "fr"),
    ("dgs@fes-meknes.example", "director", "fes-meknes", "Adnane Zerrouki", "fr"),
    ("processus@fes-meknes.example", "process_owner", "fes-meknes", "Pilote de processus", "fr"),
    ("audit@fes-meknes.example", "auditor", "fes-meknes", "Auditeur interne", "fr"),
    ("agent1@fes-meknes.example", "staff", "fes-meknes", "Agent 1", "fr"),
    ("agent2@fes-meknes.example", "staff", "fes-meknes", "Agent 2", "ar"),
    ("qualite@tanger-tetouan-al-hoceima.example", "quality_manager", "tanger-tetouan-al-hoceima",
     "Responsable Qualité", "fr"),
    ("dgs@tanger-tetouan-al-hoceima.example", "director", "tanger-tetouan-al-hoceima", "Directeur Général", "fr"),
    ("agent@tanger-tetouan-al-hoceima.example", "staff", "tanger-tetouan-al-hoceima", "Agent", "ar"),
    ("observatoire@ministere.example", "ministry", None, "Ministère - réforme de l'administration", "fr"),
    ("admin@jouda.example", "admin", None, "Administrateur de la plateforme", "fr"),
]
TOKENS_FILE = "demo-tokens.txt"


def fes_meknes_policy() -> dict:
    seed = resources.files("jouda.services.policy") / "seed"
    content = json.loads((seed / "fes-meknes.json").read_text(encoding="utf-8"))
    content["body"] = (seed / "fes-meknes.md").read_text(encoding="utf-8")
    return content


def fes_meknes_objectives() -> list:
    seed = resources.files("jouda.services.objectives") / "seed"
    return json.loads((seed / "fes-meknes.json").read_text(encoding="utf-8"))["objectives"]


def seed(settings, out=print) -> bool:
    """Seed once: returns False (and does nothing) when tenants already exist."""
    gateway = Database("gateway", settings.database_url_for("gateway"), pool_size=1)
    policy = Database("policy", settings.database_url_for("policy"), pool_size=1)
    objectives_db = Database("objectives", settings.database_url_for("objectives"), pool_size=1)
    notifications_db = Database("notifications", settings.database_url_for("notifications"), pool_size=1)
    try:
        if directory.list_tenants(gateway):
            return False
        from jouda.services.gateway.regions import REGIONS
        for code in TENANTS:
            directory.add_tenant(gateway, code, REGIONS[code], actor="seed")
        users = {email: directory.add_user(gateway, email, role, tenant=tenant, name=name, language=language,
                                           actor="seed")
                 for email, role, tenant, name, language in USERS}
        tokens = [(email, role, tenant, directory.create_token(gateway, email, tenant=tenant))
                  for email, role, tenant, _, _ in USERS]

        manager = users["qualite@fes-meknes.example"]
        director = users["dgs@fes-meknes.example"]

        def unit(user):
            return UnitOfWork(policy, "fes-meknes", actor=user.id, role=user.role)

        with unit(manager) as uow:
            version = commands.create_policy(uow, fes_meknes_policy())
        for user, action in ((manager, "submit"), (director, "approve"), (manager, "publish")):
            with unit(user) as uow:
                commands.transition(uow, version["id"], action, {})
        _deliver_early({"objectives": objectives_db, "notifications": notifications_db}, gateway, policy)
        count = _seed_objectives(objectives_db, users, manager)
        _save_tokens(settings, tokens)
        out("Seeded the demo: tenants fes-meknes and tanger-tetouan-al-hoceima, "
            f"{len(USERS)} users, the published Fès-Meknès quality policy and its {count} objectives "
            "with a year of measurements.")
        return True
    finally:
        gateway.dispose()
        policy.dispose()
        objectives_db.dispose()
        notifications_db.dispose()


# event type -> the (service, handler, command) that must have applied it before the rest of the
# demo is written: the objectives service needs the orientations and the staff, and the
# notifications service must know the councils and their people before the seeded policy's
# publication reaches it.
EARLY_EVENTS = {
    "gateway.tenant_created": [("notifications", "on_tenant_created", notifications.record_council)],
    "gateway.user_created": [("objectives", "on_user_created",
                              lambda uow, event: apply_user_event(uow, ObjectivesStaff, event)),
                             ("notifications", "on_user_created", notifications.record_recipient)],
    "policy.published": [("objectives", "on_policy_published", objectives.apply_policy_published)],
}


def _deliver_early(databases, *sources):
    for source in sources:
        with source.transaction(all_tenants=True) as session:
            envelopes = [json.loads(row) for row in session.scalars(
                select(OutboxEvent.envelope).where(OutboxEvent.event_type.in_(EARLY_EVENTS))
                .order_by(OutboxEvent.id))]
        for envelope in envelopes:
            if envelope["tenant_id"] is None:
                continue
            for service, handler, apply in EARLY_EVENTS[envelope["type"]]:
                with UnitOfWork(databases[service], envelope["tenant_id"], actor=envelope["actor"],
                                received=[envelope], consumer=f"{service}.{handler}") as uow:
                    apply(uow, envelope)


def _seed_objectives(database, users, manager):
    """The six objectives of the Fès-Meknès policy; measurements up to the last period due."""
    today = local_today()
    count = 0
    for item in fes_meknes_objectives():
        item = dict(item)
        indicators = item.pop("indicators")
        item["owner_id"] = users[item.pop("owner")].id
        with UnitOfWork(database, "fes-meknes", actor=manager.id, role=manager.role) as uow:
            objective = objectives.create_objective(uow, item)
        count += 1
        for spec in indicators:
            spec = dict(spec)
            values, owner = spec.pop("values"), users[spec.pop("owner")]
            last = periods.closed_by(today, spec["frequency"], DEFAULT_GRACE_DAYS)
            first = last
            for _ in values[1:]:
                first = first.previous()
            spec.update(owner_id=owner.id, start_period=str(first))
            with UnitOfWork(database, "fes-meknes", actor=manager.id, role=manager.role) as uow:
                indicator = objectives.add_indicator(uow, objective["id"], spec)
            for period, value in zip(periods.between(first, last), values):
                if value is None:
                    continue  # a report not made: the demo's late measurement
                with UnitOfWork(database, "fes-meknes", actor=owner.id, role=owner.role) as uow:
                    objectives.record_measurement(uow, indicator["id"], {"period": str(period), "value": value},
                                                  today=today)
    return count


def _save_tokens(settings, tokens):
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    path = settings.var_dir / TOKENS_FILE
    with open(path, "w", encoding="utf-8") as handle:
        for email, role, tenant, token in tokens:
            handle.write(f"{role:16} {tenant or '-':28} {email:45} {token}\n")
    os.chmod(path, 0o600)


def demo_tokens(settings) -> str | None:
    path = settings.var_dir / TOKENS_FILE
    return path.read_text(encoding="utf-8") if path.exists() else None
