"""What the policy's events tell whom, and its deadline (the policy's review), for the notifications
service. The words are in templates/<language>/<event type>.txt."""

from jouda.shared.notices import DeadlineKind, Notices, Route
from jouda.shared.vocabulary import DIRECTOR, QUALITY_MANAGER

VERSION_LINK = "/policy/versions/{version_id}"  # its page in the web app
REVIEW = "policy_review"  # the kind of the deadline announced when a version is published

NOTICES = Notices(
    routes={
        "policy.submitted": Route(roles=(DIRECTOR,), link=VERSION_LINK),
        "policy.approved": Route(roles=(QUALITY_MANAGER,), link=VERSION_LINK),
        "policy.changes_requested": Route(roles=(QUALITY_MANAGER,), link=VERSION_LINK),
        "policy.published": Route(everyone=True, mandatory=True, link=VERSION_LINK),
        "policy.review_due": Route(roles=(QUALITY_MANAGER,), link=VERSION_LINK),
    },
    deadlines={
        REVIEW: DeadlineKind(
            labels={"fr": "revue de la politique qualité", "ar": "مراجعة سياسة الجودة"}, reminder_days=(7, 1)
        ),  # policy.review_due has told the managers 30 days ahead
    },
)
