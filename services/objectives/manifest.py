"""Quality objectives, indicators and measurements (ISO 9001:2015 §6.2, §9.1)."""

from jouda.shared.manifest import Manifest

MANIFEST = Manifest(
    name="objectives",
    service="jouda.services.objectives.service:ObjectivesService",
    summary="quality objectives, their indicators, measurements and status",
    events="jouda.services.objectives.events:CONTRACTS",
    operations="jouda.services.objectives.http:OPERATIONS",
    pages="jouda.services.objectives.pages:PAGES",
    snapshots="jouda.services.objectives.snapshots:snapshot",
    notices="jouda.services.objectives.notices:NOTICES",
    seed="jouda.services.objectives.demo:seed",
    deploy_notes="Safe with several replicas: of the hourly timers every replica runs, the missing-measurement\n"
    "notice is kept unique by the (indicator, period) key.\n",
)
