"""The gateway's step of the demo (jouda/seed.py): two councils, their people and the platform's, each
with a token."""

from jouda.services.gateway import directory, passwords
from jouda.services.gateway.models import User
from jouda.services.gateway.regions import REGIONS
from jouda.shared.clock import utc_now
from jouda.shared.unit_of_work import EVERY_COUNCIL, UnitOfWork

COUNCILS = ("fes-meknes", "tanger-tetouan-al-hoceima")
# (email, role, council, name, language)
PEOPLE = [
    ("qualite@fes-meknes.example", "quality_manager", "fes-meknes", "Responsable Management Qualité", "fr"),
    ("dgs@fes-meknes.example", "director", "fes-meknes", "Adnane Zerrouki", "fr"),
    ("processus@fes-meknes.example", "process_owner", "fes-meknes", "Pilote de processus", "fr"),
    ("audit@fes-meknes.example", "auditor", "fes-meknes", "Auditeur interne", "fr"),
    ("agent1@fes-meknes.example", "staff", "fes-meknes", "Agent 1", "fr"),
    ("agent2@fes-meknes.example", "staff", "fes-meknes", "Agent 2", "ar"),
    (
        "qualite@tanger-tetouan-al-hoceima.example",
        "quality_manager",
        "tanger-tetouan-al-hoceima",
        "Responsable Qualité",
        "fr",
    ),
    ("dgs@tanger-tetouan-al-hoceima.example", "director", "tanger-tetouan-al-hoceima", "Directeur Général", "fr"),
    ("agent@tanger-tetouan-al-hoceima.example", "staff", "tanger-tetouan-al-hoceima", "Agent", "ar"),
    ("observatoire@ministere.example", "ministry", None, "Ministère - réforme de l'administration", "fr"),
    ("admin@jouda.example", "admin", None, "Administrateur de la plateforme", "fr"),
]


def demo_password(role) -> str:
    return f"demo-{role}-2026"


def seed(demo):
    """Returns False when the platform has councils already: the demo is seeded once."""
    database = demo.database("gateway")
    if directory.list_tenants(database):
        return False
    for code in COUNCILS:
        directory.add_tenant(database, code, REGIONS[code], actor="seed")
    for email, role, council, name, language in PEOPLE:
        demo.people[email] = directory.add_user(
            database, email, role, tenant=council, name=name, language=language, actor="seed"
        )
        token = directory.create_token(database, email, tenant=council)
        demo.tokens.append((email, role, council, demo_password(role), token))
    with UnitOfWork(database, EVERY_COUNCIL, actor="seed") as uow:
        # Only the seed sets these: the API refuses them, and sign-in accepts them only where
        # JOUDA_ALLOW_DEMO_PASSWORDS is on (`make run`).
        for email, role, *_ in PEOPLE:
            user = uow.session.get(User, demo.people[email].id)
            user.password_hash, user.password_changed_at = passwords.hash_password(demo_password(role)), utc_now()
        uow.commit()
    demo.told(f"councils {' and '.join(COUNCILS)}, {len(PEOPLE)} people with a token and a password each")
    return True
