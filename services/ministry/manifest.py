"""The ministry's national read model and indicator catalogue, fed by events only."""

from jouda.shared.manifest import Manifest

MANIFEST = Manifest(
    name="ministry",
    service="jouda.services.ministry.service:MinistryService",
    summary="the national read model (every council's figures, no personal data) and indicator catalogue",
    events="jouda.services.ministry.events:CONTRACTS",
    operations="jouda.services.ministry.http:OPERATIONS",
    pages="jouda.services.ministry.pages:PAGES",
    snapshots="jouda.services.ministry.snapshots:snapshot",
    deploy_notes="Safe with several replicas: read-model updates take a per-council row lock; the hourly\n"
    "completeness refresh every replica runs is idempotent and serialised by that lock.\n",
)
