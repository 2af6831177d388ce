"""The quality policy (ISO 9001:2015 §5.2): versions, review and approval, acknowledgements."""

from jouda.shared.manifest import Manifest

MANIFEST = Manifest(
    name="policy",
    service="jouda.services.policy.service:PolicyService",
    summary="the quality policy: versions, approval, publication, acknowledgements",
    events="jouda.services.policy.events:CONTRACTS",
    operations="jouda.services.policy.http:OPERATIONS",
    pages="jouda.services.policy.pages:PAGES",
    snapshots="jouda.services.policy.snapshots:snapshot",
    notices="jouda.services.policy.notices:NOTICES",
    seed="jouda.services.policy.demo:seed",
)
