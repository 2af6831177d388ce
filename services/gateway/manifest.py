"""The gateway: the one HTTP edge; the platform's councils, people and their tokens."""

from jouda.shared.manifest import Manifest

MANIFEST = Manifest(
    name="gateway",
    service="jouda.services.gateway.service:GatewayService",
    summary="the one HTTP edge: authentication, councils, people and tokens, the current policy's read model",
    events="jouda.services.gateway.events:CONTRACTS",
    operations="jouda.services.gateway.http:OPERATIONS",
    pages="jouda.services.gateway.pages:PAGES",
    notices="jouda.services.gateway.notices:NOTICES",
    snapshots="jouda.services.gateway.snapshots:snapshot",
    seed="jouda.services.gateway.demo:seed",
    http_edge=True,
)
