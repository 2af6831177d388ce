"""The policy's step of the demo (jouda/seed.py): the Fès-Meknès quality policy through its real life
cycle (written, submitted, approved by the director, published)."""

import json
from importlib import resources

from jouda.services.policy import commands

COUNCIL, MANAGER, DIRECTOR = "fes-meknes", "qualite@fes-meknes.example", "dgs@fes-meknes.example"


def fes_meknes_policy() -> dict:
    folder = resources.files("jouda.services.policy") / "seed"
    content = json.loads((folder / "fes-meknes.json").read_text(encoding="utf-8"))
    content["body"] = (folder / "fes-meknes.md").read_text(encoding="utf-8")
    return content


def seed(demo):
    manager, director = demo.people[MANAGER], demo.people[DIRECTOR]
    with demo.unit_of_work("policy", COUNCIL, manager) as uow:
        version = commands.create_policy(uow, fes_meknes_policy())
    for person, action in ((manager, "submit"), (director, "approve"), (manager, "publish")):
        with demo.unit_of_work("policy", COUNCIL, person) as uow:
            commands.transition(uow, version["id"], action, {})
    demo.told("the published Fès-Meknès quality policy")
