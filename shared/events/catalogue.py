"""The catalogue of event contracts: one marshmallow schema per event type and version.

Producers build events only through `build_event`, which validates the payload, so nothing
leaves a service that its consumers' contract would refuse. Consumers may call
`validate_event` on what they receive.
"""

from functools import lru_cache

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError

from jouda.shared.events import contracts as shared_contracts
from jouda.shared.events.envelope import EnvelopeSchema, new_envelope


@lru_cache(maxsize=1)
def _catalogue():
    """(type, version) -> payload contract: the shared ones and each service's (its manifest's)."""
    from jouda import platform

    found = dict(shared_contracts.CONTRACTS)
    for manifest in platform.manifests():
        for key, schema in manifest.contracts().items():
            if key in found and found[key] is not schema:
                raise ValueError(f"{key} is declared twice")
            found[key] = schema
    return found


def __getattr__(name):
    """CATALOGUE and LATEST_VERSION, gathered on first use (the services' manifests import their
    contracts, which import this module's neighbours)."""
    if name == "CATALOGUE":
        return _catalogue()
    if name == "LATEST_VERSION":
        return _latest()
    raise AttributeError(name)


class UnknownEventType(ValueError):
    pass


_CONTRACTS = {}  # schema instances are stateless between calls: built once, reused


def contract(event_type: str, version: int) -> Schema:
    key = (event_type, version)
    if key not in _CONTRACTS:
        if key not in _catalogue():
            raise UnknownEventType(f"{event_type} v{version} is not in the event catalogue")
        _CONTRACTS[key] = _catalogue()[key]()
    return _CONTRACTS[key]


@lru_cache(maxsize=1)
def _latest():
    return {event_type: version for event_type, version in sorted(_catalogue())}


def latest_version(event_type):
    return _latest().get(event_type)


def build_event(event_type: str, tenant_id, actor: str, payload: dict, *, occurred_at=None, version=None) -> dict:
    """A validated envelope, JSON-ready (payload dumped through its contract); the latest
    version of the contract unless `version` asks for an earlier one."""
    version = version or latest_version(event_type)
    if version is None:
        raise UnknownEventType(f"{event_type} is not in the event catalogue")
    schema = contract(event_type, version)
    unknown = sorted(set(payload) - set(schema.fields))
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in unknown})
    # Checked before dumping: dumping reads a dict's missing key as an attribute (`items` is a method).
    absent = sorted(name for name, field in schema.fields.items() if field.required and name not in payload)
    if absent:
        raise ValidationError({name: ["Missing data for required field."] for name in absent})
    dumped = schema.dump(payload)
    errors = schema.validate(dumped)
    if errors:
        raise ValidationError(errors)
    return new_envelope(event_type, version, tenant_id, actor, dumped, occurred_at=occurred_at)


def validate_event(envelope: dict) -> dict:
    """Check an envelope and its payload against the catalogue; returns the loaded payload."""
    loaded = EnvelopeSchema(unknown=RAISE).load(envelope)
    return contract(loaded["type"], loaded["version"]).load(envelope["payload"])


__all__ = [
    "build_event",
    "validate_event",
    "contract",
    "latest_version",
    "UnknownEventType",
    "ValidationError",
    "EXCLUDE",
    "RAISE",
]
