"""The messages of the services' refusals a person meets on a page, translated for the pages (the
services answer the API in English). A refusal whose message is not here shows its translated
headline (services/gateway/web.HEADLINES) and the message as the service wrote it."""

from jouda.shared.web.i18n import N_

REFUSALS = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid boolean."),
    N_("Not a valid email address."),
    N_("Not a valid URL."),
    N_("Unknown field."),
    N_("Say what must change: a comment is required."),
    N_("Required when requesting changes."),
    N_("Say why the objective is abandoned: abandon_reason is required."),
    N_("Required when abandoning."),
    N_("Say why the value is corrected: reason is required."),
    N_("Required with correction."),
    N_("The value must be a number."),
    N_("A number."),
    N_("A percentage lies between 0 and 100."),
    N_("From 0 to 100."),
    N_("Not in the future."),
    N_("Say why, in words: a comment is required for this step."),
    N_("Say what was done: a note is required to complete an action."),
    N_("Say why the action is cancelled: a comment is required."),
    N_("Say what shows the actions did not work: a comment is required."),
    N_("A major nonconformity is contained first: record the immediate correction (contain) before the analysis."),
    N_("A five-whys analysis lists the successive whys (at least two) that lead to the root cause."),
    N_("At least two answers."),
    N_("Name the family of the root cause."),
    N_("The plan of a major nonconformity is approved (approve-plan) before it is implemented."),
    N_("Every action of the plan is done before the nonconformity counts as implemented."),
    N_("The verifier is an active member of the council."),
    N_("The action's owner is an active member of the council."),
    N_("Only a major nonconformity's plan needs approval."),
    N_("This plan is already approved."),
    N_("The audit cannot end before it starts."),
    N_("The audit is not ready to be sent to the auditees."),
    N_(
        "The report cannot be issued yet: assess every checklist line (or mark it not applicable), give every nonconformity line its finding (and, in an audit of several processes, its process_id), and write the summary."  # noqa: E501 - the service's words exactly
    ),
    N_("A line appears twice in the same save."),
    N_("Name an active process of this council."),
    N_("At least one clause."),
    N_("Your current password is not this one."),
    N_("Wrong password."),
    N_("This code is not the one your app shows now."),
    N_("Not an e-mail address."),
    N_("A webhook URL starts with http:// or https:// and names a host."),
    N_("An http(s) URL."),
    N_("Webhooks may not target loopback or private addresses."),
    N_(
        "This council has no published quality policy yet: objectives follow from its strategic orientations, so publish the policy first."  # noqa: E501 - the service's words exactly
    ),
)
