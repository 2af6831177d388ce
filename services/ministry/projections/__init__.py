"""How each source's events move the ministry's positions: one module per source service.

Each module's APPLIERS maps the event types it reads to `apply(session, event)`; REFRESHES names
those after which the council's reporting completeness is worked out again."""

from jouda.services.ministry.projections import audits, gateway, objectives, policy

SOURCES = (gateway, policy, objectives, audits)
APPLIERS = {event_type: apply for source in SOURCES for event_type, apply in source.APPLIERS.items()}
REFRESHES = frozenset(event_type for source in SOURCES for event_type in source.REFRESHES)
