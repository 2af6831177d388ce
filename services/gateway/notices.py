"""What the gateway's events tell whom: the e-mails of a person's account (an invitation, a link to
choose a new password, a lock-out), sent by the notifications service to the address in the event,
in the person's language. The words are in templates/<language>/<event type>.txt."""

from jouda.shared.notices import Notices, Route
from jouda.shared.vocabulary import AUDITOR, DIRECTOR, PROCESS_OWNER, QUALITY_MANAGER, STAFF

DIRECT = Route(address="email", mandatory=True, link="/")
ROLE_WORDS = {
    "fr": {
        QUALITY_MANAGER: "responsable qualité",
        DIRECTOR: "directeur",
        PROCESS_OWNER: "pilote de processus",
        AUDITOR: "auditeur interne",
        STAFF: "agent",
    },
    "ar": {
        QUALITY_MANAGER: "مسؤول الجودة",
        DIRECTOR: "المدير",
        PROCESS_OWNER: "قائد المسار",
        AUDITOR: "مدقق داخلي",
        STAFF: "موظف",
    },
}

NOTICES = Notices(
    routes={
        "gateway.invitation_sent": DIRECT,
        "gateway.password_reset_requested": DIRECT,
        "gateway.account_locked": DIRECT,
    },
    labels={"role": ROLE_WORDS},
)
