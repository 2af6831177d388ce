"""The demo: two councils, a few users each, and the Fès-Meknès quality policy taken through
its real life cycle (written, submitted, approved by the director, published).

Seeding goes through each service's own code and database; the events it produces wait in the
outboxes and are relayed when the services start."""
import json
import os
from importlib import resources

from jouda.services.gateway import directory
from jouda.services.policy import commands
from jouda.shared.db import Database
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


def seed(settings, out=print) -> bool:
    """Seed once: returns False (and does nothing) when tenants already exist."""
    gateway = Database("gateway", settings.database_url_for("gateway"), pool_size=1)
    policy = Database("policy", settings.database_url_for("policy"), pool_size=1)
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
        _save_tokens(settings, tokens)
        out("Seeded the demo: tenants fes-meknes and tanger-tetouan-al-hoceima, "
            f"{len(USERS)} users, and the published Fès-Meknès quality policy.")
        return True
    finally:
        gateway.dispose()
        policy.dispose()


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
