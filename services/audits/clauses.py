"""The ISO 9001:2015 clauses, 4.1 to 10.3, with their titles and a question each in French and Arabic:
the catalogue checklists start from (clauses.json, written for councils' public services)."""

import json
from functools import cache
from importlib import resources

from jouda.shared.errors import ValidationFailed


@cache
def catalogue() -> dict:
    """clause number -> {clause, title_fr, title_ar, question_fr, question_ar}, in the standard's order."""
    text = (resources.files("jouda.services.audits") / "clauses.json").read_text(encoding="utf-8")
    return {entry["clause"]: entry for entry in json.loads(text)["clauses"]}


def check_clauses(clauses, field="clauses"):
    unknown = [clause for clause in clauses if clause not in catalogue()]
    if unknown:
        raise ValidationFailed(
            f"{', '.join(map(str, unknown))}: not a clause of ISO 9001:2015 (4.1 to 10.3).",
            {field: ["Clause numbers of GET /api/v1/iso-clauses."]},
        )


def title(clause, language="fr"):
    entry = catalogue().get(clause)
    return entry[f"title_{'ar' if language == 'ar' else 'fr'}"] if entry else clause


def question(clause, language="fr"):
    return catalogue()[clause][f"question_{'ar' if language == 'ar' else 'fr'}"]


def covered(clauses):
    """The clauses a checklist of `clauses` covers: each one and the sub-clauses under it."""
    chosen = []
    for clause in catalogue():
        if any(clause == parent or clause.startswith(parent + ".") for parent in clauses):
            chosen.append(clause)
    return chosen
