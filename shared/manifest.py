"""What the platform must know about a service, declared once, in the service's folder.

Each `services/<name>/manifest.py` holds one `Manifest`; `jouda/platform.py` lists the services.
From that list come the runner, the migrations, the broker's queues and users, the gateway's
routes and OpenAPI document, the event catalogue, the notifications' routes and templates, the
demo seed and the deploy files. A manifest names modules rather than importing them, so that
reading it costs nothing: what it points at is imported by whoever needs it."""

import importlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


def load(reference):
    """`package.module:NAME` -> the object; `package.module` -> the module."""
    module, _, name = reference.partition(":")
    loaded = importlib.import_module(module)
    return getattr(loaded, name) if name else loaded


@dataclass(frozen=True)
class Manifest:
    name: str  # the service's name: its Nameko name, database schema, queues, exchange
    service: str  # "module:Class" of its Nameko service
    summary: str = ""  # one line, for the docs and the deploy files
    events: str | None = None  # "module:CONTRACTS": {(event type, version): payload schema} it publishes
    operations: str | None = None  # "module:OPERATIONS": the HTTP operations the gateway serves for it
    pages: str | None = None  # "module:PAGES": its web pages (shared/pages.py); templates and catalogues in web/
    notices: str | None = None  # "module:NOTICES": what its events tell whom (shared/notices.py)
    seed: str | None = None  # "module:function": its step of the demo, given a jouda.seed.Demo
    snapshots: str | None = None  # "module:function": (database, tenant) -> the present as events (jouda resync)
    # --- for the deploy files (`jouda deploy render`) ---
    http_edge: bool = False  # serves HTTP itself (the gateway): port 8000, /readyz
    replicas: int = 2
    deploy_notes: str = ""  # what ops should know: why replicas are safe, what egress it needs
    compose_environment: tuple = ()  # (variable, value) pairs of its own in the compose stack
    secret_environment: tuple = ()  # (variable, Kubernetes Secret) pairs only its pods receive

    @property
    def package(self):
        return f"jouda.services.{self.name}"

    @property
    def folder(self) -> Path:
        return Path(str(resources.files(self.package)))

    @property
    def migrations(self) -> Path | None:
        folder = self.folder / "migrations"
        return folder if folder.is_dir() else None

    def service_class(self):
        return load(self.service)

    def contracts(self) -> dict:
        return load(self.events) if self.events else {}

    def http_operations(self) -> tuple:
        return tuple(load(self.operations)) if self.operations else ()

    def web_pages(self) -> tuple:
        return tuple(load(self.pages)) if self.pages else ()

    @property
    def web_folder(self) -> Path | None:
        """Its pages' templates (web/templates) and translation catalogues (web/locale/<lang>.po)."""
        folder = self.folder / "web"
        return folder if folder.is_dir() else None

    def notice_routes(self):
        return load(self.notices) if self.notices else None

    def snapshot(self, database, tenant=None):
        """(event type, tenant id, payload) of what this service owns, as it stands now."""
        return load(self.snapshots)(database, tenant) if self.snapshots else iter(())
