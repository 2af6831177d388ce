"""An HTTP operation, declared once, beside the service that answers it (`services/<name>/http.py`).

From one `Operation` the gateway makes its route (authentication, the role check, the body, the
RPC call, the error envelope) and the OpenAPI document its entry (apispec, from the same
marshmallow schemas); the answering service checks the same roles again (shared/nameko_ext.py).
The gateway knows no service's schemas beyond what these declarations hand it."""

import re
from dataclasses import dataclass, field, replace
from functools import cache

from jouda.shared.errors import RoleNotAllowed
from jouda.shared.schema_fields import MAX_PAGE

PATH_PARAMETER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Param:
    """A query parameter: `kind` says how the gateway reads it (text as sent, a whole number within
    bounds, a true/false flag), `schema` how the document shows it."""

    name: str
    schema: dict
    kind: str = "text"  # text | int | flag
    bounds: tuple = (None, None)  # for int
    default: object = None


def text(name, choices=None, description=None):
    schema = {"type": "string"}
    if choices is not None:
        schema["enum"] = list(choices)
    if description:
        schema["description"] = description
    return Param(name, schema)


def flag(name):
    return Param(name, {"type": "boolean", "default": False}, kind="flag", default=False)


PAGE = (
    Param(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 50},
        kind="int",
        bounds=(1, MAX_PAGE),
        default=50,
    ),
    Param("offset", {"type": "integer", "minimum": 0, "default": 0}, kind="int", bounds=(0, 10**9), default=0),
)


@dataclass(frozen=True)
class Page:
    """A response listing `items` of a schema, with their total and the page's limit and offset."""

    item: object


@dataclass(frozen=True)
class Listing:
    """A response of the form {"items": [...]}, every item of a schema, and maybe more keys."""

    item: object
    extra: dict = field(default_factory=dict)  # other properties: name -> schema (class) or JSON schema


@dataclass(frozen=True)
class CsvView:
    """`?format=csv` answers the same rows as a CSV file, `?format=xlsx` as a spreadsheet (shared/exports.py;
    the XLSX file is named like the CSV, its extension swapped)."""

    filename: str  # may use the path's parameters: "jouda-{code}.csv"
    columns: tuple
    rows: object  # document (the JSON answer, decoded) -> rows (mappings by column)


@dataclass(frozen=True)
class Operation:
    method: str  # GET, POST, PUT, PATCH, DELETE
    path: str  # "/api/v1/policies/{id}": path parameters in braces
    summary: str
    roles: frozenset  # who may use it: the gateway checks it, and so does the service
    call: str | None = None  # "service.method": the RPC that answers it
    args: tuple = ()  # what the RPC takes, in order: path and query parameter names, "body"
    query: tuple = ()  # its Params
    body: object = None  # the request body's schema, None when it takes none
    body_required: bool = True
    status: int = 200
    response: object = None  # a schema (class or instance), a Page, a Listing, or a JSON schema
    answer: str | None = None  # "module:function": the gateway answers itself, from data of its own
    raw: bool = False  # the RPC answers JSON text, passed through as it is
    media: str = "application/json"  # the media type of a raw answer (a printable document: text/html)
    csv: CsvView | None = None
    public: bool = False  # no token needed
    name: str | None = None  # the operation's id; the RPC method's name by default
    path_choices: dict = field(default_factory=dict)  # a path parameter's words in the URL -> what the RPC gets
    roles_rule: str = ""  # who may, when the service decides it finer than `roles` (its guard table)

    @property
    def operation_id(self):
        return self.name or (self.call.split(".", 1)[1] if self.call else None)

    @property
    def service(self):
        return self.call.split(".", 1)[0] if self.call else None

    @property
    def rule(self):
        """The path as a werkzeug rule: {id} becomes <id>, a parameter with choices <any(a, b):name>."""

        def converted(match):
            name = match.group(1)
            if name in self.path_choices:
                return f"<any({', '.join(repr(word) for word in self.path_choices[name])}):{name}>"
            return f"<{name}>"

        return PATH_PARAMETER.sub(converted, self.path)

    def documented(self):
        """The operations the OpenAPI document shows: this one, or one per word of its path parameter
        with choices (served by one route; documented as the paths a client calls, `<argument>_<subject>`)."""
        if not self.path_choices:
            return [self]
        [(name, words)] = self.path_choices.items()
        return [
            replace(
                self,
                path=self.path.replace(f"{{{name}}}", word),
                path_choices={},
                args=tuple(f"={argument}" if arg == name else arg for arg in self.args),
                name=f"{argument}_{self.subject}",
            )
            for word, argument in words.items()
        ]

    @property
    def subject(self):
        """What a life cycle's steps are named after: `transition_audit` -> `audit` (so `start_audit` and
        `start_action` differ), or the service's name."""
        return self.name.removeprefix("transition_") if self.name else self.service

    @property
    def path_parameters(self):
        return PATH_PARAMETER.findall(self.path)


@cache
def roles_allowed(service, method):
    """Who may have `service.method` answer: the roles of the operations that call it (all of them
    together), None when no operation declares it (an RPC only services call) or one is public."""
    from jouda import platform

    declared = [
        operation
        for manifest in platform.manifests()
        for operation in manifest.http_operations()
        if operation.call == f"{service}.{method}"
    ]
    if not declared or any(operation.public for operation in declared):
        return None
    return frozenset().union(*(operation.roles for operation in declared))


def check_role(role, allowed, what):
    """The one refusal of a role, at the edge and in the service alike."""
    if role not in allowed:
        raise RoleNotAllowed(f"Your role ({role}) cannot use {what}.", {"role": role, "allowed_roles": sorted(allowed)})
