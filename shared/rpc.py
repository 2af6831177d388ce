"""`@rpc`: Nameko's RPC entrypoint, answering domain errors as ServiceError so the caller
(the gateway) gets the code, HTTP status, message and field details, not a bare RemoteError."""
from nameko.rpc import Rpc as NamekoRpc
from sqlalchemy.exc import IntegrityError

from jouda.shared.errors import DatabaseUnavailable, DomainError, ServiceError, database_outages

OUTAGES = database_outages()


class Rpc(NamekoRpc):
    def __init__(self, expected_exceptions=(DomainError, IntegrityError, *OUTAGES), **kwargs):
        # Domain errors are answers (404, 409, ...), not faults: Nameko logs them as expected.
        super().__init__(expected_exceptions=expected_exceptions, **kwargs)

    def handle_result(self, message, worker_ctx, result, exc_info):
        if exc_info is not None and isinstance(exc_info[1], OUTAGES):
            # The transaction was rolled back (a lost commit raises CommitUnconfirmed instead).
            exc_info = (ServiceError, ServiceError.from_domain(DatabaseUnavailable()), exc_info[2])
        elif exc_info is not None and isinstance(exc_info[1], DomainError):
            error = ServiceError.from_domain(exc_info[1])
            exc_info = (ServiceError, error, exc_info[2])
        elif exc_info is not None and isinstance(exc_info[1], IntegrityError):
            # The domain checked first; a constraint can still catch the twin of a request that
            # committed a moment earlier (a double click). Nothing of this one was written.
            error = ServiceError("concurrent_change", 409,
                                 "The same change was just made by another request; reload to see it.")
            exc_info = (ServiceError, error, exc_info[2])
        return super().handle_result(message, worker_ctx, result, exc_info)


rpc = Rpc.decorator
