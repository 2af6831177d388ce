"""A web page, declared once, beside the service whose data it shows (`services/<name>/pages.py`).

The gateway serves every service's pages (services/gateway/web.py) the way it serves their HTTP
operations. A page reads and changes data only through those operations (`page.call`), so a page
checks the roles, the council and the rules exactly as the API does: there is no second path to the
data. Its template is `services/<name>/web/templates/<template>` (named `<name>/<template>`), its
words are translated by the catalogues of `services/<name>/web/locale/`.

A view is a function of one argument, the page (services/gateway/web.PageContext), returning what
`page.render(...)` or `page.redirect(...)` gives:

    def current_policy(page):
        policy = page.call("current_policy")
        return page.render("policy/current.html", policy=policy)
"""

from dataclasses import dataclass

COUNCIL_ROLES = frozenset({"quality_manager", "director", "process_owner", "auditor", "staff"})
MANAGERS = frozenset({"quality_manager", "director"})


@dataclass(frozen=True)
class WebPage:
    name: str  # unique among every service's pages: the gateway's entrypoint is page_<name>
    path: str  # "/audits/{id}": path parameters in braces, as an Operation's
    view: str  # "module:function"
    roles: frozenset = COUNCIL_ROLES  # who may open it (the operations it calls check again)
    methods: tuple = ("GET",)  # ("GET", "POST") for a page with a form that posts to itself
    nav: str | None = None  # its menu entry (an English message, translated), None when not in the menu
    nav_order: int = 50  # the menu's order, smaller first
    group: str = "main"  # "main": the top menu; "settings": the settings page's list (/settings)
    public: bool = False  # no session needed (signing in, a reset link)

    @property
    def rule(self):
        from jouda.shared.operations import PATH_PARAMETER

        return PATH_PARAMETER.sub(lambda match: f"<{match.group(1)}>", self.path)


class Refused(Exception):
    """An operation a page called answered with an error envelope: what a page shows beside its form."""

    def __init__(self, status, code, message, details=None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or {}

    @property
    def field_errors(self) -> dict:
        """{field: [messages]} of a validation error (nested fields flattened with dots)."""
        flat = {}

        def walk(prefix, value):
            if isinstance(value, dict):
                for key, item in value.items():
                    walk(f"{prefix}.{key}" if prefix else str(key), item)
            elif isinstance(value, list) and all(isinstance(item, str) for item in value):
                flat[prefix] = value
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    walk(f"{prefix}.{index}", item)
            else:
                flat[prefix] = [str(value)]

        if self.code == "validation_failed":
            walk("", self.details)
        return flat


def form_list(form, name) -> list:
    """Every value of a repeated field (checkboxes, a multiple select), blanks left out."""
    return [value for value in form.getlist(name) if value.strip()]


def form_text(form, name):
    """A text field as the API takes it: None when left blank."""
    value = (form.get(name) or "").strip()
    return value or None
