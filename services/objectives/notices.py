"""What the objectives' events tell whom, and their deadline (an objective's due date), for the
notifications service. The words are in templates/<language>/<event type>.txt."""

from jouda.shared.notices import DeadlineKind, Notices, Route
from jouda.shared.vocabulary import ACHIEVED, AT_RISK, NO_DATA, OFF_TRACK, ON_TRACK, QUALITY_MANAGER

AT_RISK_OR_WORSE = (AT_RISK, OFF_TRACK)
OBJECTIVE = "objective"  # the kind of the deadline announced for each active objective

STATUS_WORDS = {
    "fr": {
        ON_TRACK: "en bonne voie",
        AT_RISK: "à risque",
        OFF_TRACK: "hors trajectoire",
        NO_DATA: "sans données",
        ACHIEVED: "atteint",
    },
    "ar": {
        ON_TRACK: "في المسار الصحيح",
        AT_RISK: "معرض للخطر",
        OFF_TRACK: "خارج المسار",
        NO_DATA: "بدون معطيات",
        ACHIEVED: "محقق",
    },
}

NOTICES = Notices(
    routes={
        # Only a worsening is news; the owner and the quality managers are told.
        "objective.status_changed": Route(
            roles=(QUALITY_MANAGER,),
            payload_users=("owner_id",),
            when=lambda payload: payload["new_status"] in AT_RISK_OR_WORSE,
            link="/objectives/{objective_id}",
        ),
        "indicator.measurement_missing": Route(
            payload_users=("owner_id",), items="items", link="/indicators/{indicator_id}"
        ),
    },
    deadlines={
        OBJECTIVE: DeadlineKind(labels={"fr": "objectif qualité", "ar": "هدف الجودة"}, reminder_days=(30, 7, 1)),
    },
    labels={"old_status": STATUS_WORDS, "new_status": STATUS_WORDS},
)
