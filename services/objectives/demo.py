"""The objectives' step of the demo (jouda/seed.py): the six objectives of the published Fès-Meknès
policy, their indicators and a year of measurements up to the last period due (one left unreported)."""

import json
from importlib import resources

from jouda.services.objectives import commands
from jouda.services.objectives.repository import ObjectivesRepository
from jouda.shared import periods
from jouda.shared.clock import local_today

COUNCIL, MANAGER = "fes-meknes", "qualite@fes-meknes.example"


def fes_meknes_objectives() -> list:
    folder = resources.files("jouda.services.objectives") / "seed"
    return json.loads((folder / "fes-meknes.json").read_text(encoding="utf-8"))["objectives"]


def seed(demo):
    manager, today = demo.people[MANAGER], local_today()
    with demo.unit_of_work("objectives", COUNCIL, manager) as uow:  # the published policy's orientations
        if not ObjectivesRepository(uow.session).current_orientations():
            raise RuntimeError("the objectives service has not received the published policy")
    count = 0
    for item in fes_meknes_objectives():
        item = dict(item)
        indicators = item.pop("indicators")
        item["owner_id"] = demo.people[item.pop("owner")].id
        with demo.unit_of_work("objectives", COUNCIL, manager) as uow:
            objective = commands.create_objective(uow, item)
        count += 1
        for spec in indicators:
            spec = dict(spec)
            values, owner = spec.pop("values"), demo.people[spec.pop("owner")]
            last = periods.closed_by(today, spec["frequency"], periods.DEFAULT_GRACE_DAYS)
            first = last
            for _ in values[1:]:
                first = first.previous()
            spec.update(owner_id=owner.id, start_period=str(first))
            with demo.unit_of_work("objectives", COUNCIL, manager) as uow:
                indicator = commands.add_indicator(uow, objective["id"], spec)
            for period, value in zip(periods.between(first, last), values):
                if value is None:
                    continue  # a report not made: the demo's late measurement
                with demo.unit_of_work("objectives", COUNCIL, owner) as uow:
                    commands.record_measurement(
                        uow, indicator["id"], {"period": str(period), "value": value}, today=today
                    )
    demo.told(f"its {count} objectives with a year of measurements")
