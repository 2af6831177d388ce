"""Processes, internal audits, nonconformities, corrective actions and their effectiveness
(ISO 9001:2015 §4.4, §9.2, §10.2)."""

from jouda.shared.manifest import Manifest

MANIFEST = Manifest(
    name="audits",
    service="jouda.services.audits.service:AuditsService",
    summary="processes, audit programmes and audits, nonconformities, corrective actions and their effectiveness",
    events="jouda.services.audits.events:CONTRACTS",
    operations="jouda.services.audits.http:OPERATIONS",
    pages="jouda.services.audits.pages:PAGES",
    notices="jouda.services.audits.notices:NOTICES",
    snapshots="jouda.services.audits.snapshots:snapshot",
    seed="jouda.services.audits.demo:seed",
    deploy_notes="Safe with several replicas: it runs no timer; a council's references are numbered under a\n"
    "row lock, an audit's checklist and a nonconformity's steps under their own row's lock.\n",
)
