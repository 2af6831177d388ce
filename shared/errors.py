"""Domain errors shared by every service.

Each error carries a stable `code` and the HTTP status the gateway answers with, so a rule
raised deep in a domain module reaches the council clerk as a clear, actionable message.
An error crosses RPC as a ServiceError (shared/rpc.py), which carries all four to the gateway.
"""


class DomainError(Exception):
    code = "domain_error"
    status = 400

    def __init__(self, message, details=None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409


class RoleNotAllowed(Forbidden):
    code = "role_not_allowed"


def require_role(role, allowed, doing):
    """`doing`: what was attempted, in words ("publish a policy")."""
    if role not in allowed:
        raise RoleNotAllowed(f"Your role ({role}) cannot {doing}.", {"role": role, "allowed_roles": sorted(allowed)})


class TenantRequired(DomainError):
    """An entrypoint that works on tenant data was called without a tenant in its context."""

    code = "tenant_required"
    status = 403


class DatabaseUnavailable(DomainError):
    """The database did not answer, or gave up, before the change was committed: nothing was changed."""

    code = "database_unavailable"
    status = 503

    def __init__(
        self,
        message="Jouda cannot reach its database right now; nothing was changed. Please try again in a moment.",
        details=None,
    ):
        super().__init__(message, details)


class CommitUnconfirmed(DatabaseUnavailable):
    """The database stopped answering while committing: the change may or may not have been saved."""

    def __init__(self):
        super().__init__(
            "Jouda lost its database while saving your change: it may or may not have been saved. "
            "Reload to check before trying again."
        )


def database_outages():
    """The SQLAlchemy errors that mean the database is away or overwhelmed (not a refused write)."""
    from sqlalchemy.exc import InterfaceError, OperationalError, TimeoutError as PoolTimeout

    return (OperationalError, InterfaceError, PoolTimeout)


class ServiceError(Exception):
    """A DomainError as it crosses RPC: Nameko rebuilds it in the caller with every detail."""

    def __init__(self, code, status, message, details=None):
        super().__init__(code, status, message, details or {})
        self.code, self.status, self.message, self.details = code, status, message, details or {}

    @classmethod
    def from_domain(cls, error: DomainError):
        return cls(error.code, error.status, error.message, error.details)


def _register_for_rpc():
    from nameko.exceptions import deserialize_to_instance

    deserialize_to_instance(ServiceError)


_register_for_rpc()
