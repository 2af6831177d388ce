"""The services Jouda runs, in the order they start and seed: registering a service is one line here.

Everything else the platform knows about a service it reads from the service's own manifest
(`services/<name>/manifest.py`, see shared/manifest.py)."""

import importlib
from functools import cache

SERVICES = (
    "gateway",
    "policy",
    "objectives",
    "audits",
    "ministry",
    "notifications",
)


@cache
def manifest(name):
    if name not in SERVICES:
        raise KeyError(f"unknown service {name!r}; known: {', '.join(SERVICES)}")
    return importlib.import_module(f"jouda.services.{name}.manifest").MANIFEST


def manifests():
    return [manifest(name) for name in SERVICES]


def service_class(name):
    return manifest(name).service_class()


def publisher_of(event_type) -> str:
    """The service whose exchange carries `event_type` (the one whose contracts declare it)."""
    for found in manifests():
        if any(declared == event_type for declared, _ in found.contracts()):
            return found.name
    raise KeyError(f"no service publishes {event_type}")
