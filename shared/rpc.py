"""`@rpc`: Nameko's RPC entrypoint, answering domain errors as ServiceError so the caller
(the gateway) gets the code, HTTP status, message and field details, not a bare RemoteError;
and answering a request retried with the same Idempotency-Key as it was answered the first time."""

import logging

from amqp.exceptions import AMQPError
from kombu.exceptions import KombuError
from nameko.rpc import Rpc as NamekoRpc
from sqlalchemy.exc import IntegrityError

from jouda.shared import idempotency
from jouda.shared.errors import DatabaseUnavailable, DomainError, ServiceError, database_outages
from jouda.shared.nameko_ext import ServiceDatabase
from jouda.shared.tenancy import TENANT_KEY, USER_KEY

log = logging.getLogger(__name__)

OUTAGES = database_outages()
BROKER_TROUBLE = (OSError, AMQPError, KombuError)


class Rpc(NamekoRpc):
    service_database = ServiceDatabase()

    def __init__(
        self, expected_exceptions=(DomainError, IntegrityError, idempotency.AlreadyAnswered, *OUTAGES), **kwargs
    ):
        # Domain errors are answers (404, 409, ...), not faults: Nameko logs them as expected.
        super().__init__(expected_exceptions=expected_exceptions, **kwargs)

    def handle_result(self, message, worker_ctx, result, exc_info):
        result, exc_info = self._idempotent_answer(worker_ctx, result, exc_info)
        if exc_info is not None and isinstance(exc_info[1], OUTAGES):
            # The transaction was rolled back (a lost commit raises CommitUnconfirmed instead).
            exc_info = (ServiceError, ServiceError.from_domain(DatabaseUnavailable()), exc_info[2])
        elif exc_info is not None and isinstance(exc_info[1], DomainError):
            error = ServiceError.from_domain(exc_info[1])
            exc_info = (ServiceError, error, exc_info[2])
        elif exc_info is not None and isinstance(exc_info[1], IntegrityError):
            # The domain checked first; a constraint can still catch the twin of a request that
            # committed a moment earlier (a double click). Nothing of this one was written.
            error = ServiceError(
                "concurrent_change", 409, "The same change was just made by another request; reload to see it."
            )
            exc_info = (ServiceError, error, exc_info[2])
        try:
            return super().handle_result(message, worker_ctx, result, exc_info)
        except BROKER_TROUBLE as trouble:
            # The broker went away while the answer was being sent. The worker must end quietly (an
            # error here would stop the whole container); the caller times out and retries with the
            # request's Idempotency-Key, which answers it without doing the work twice.
            log.warning("the answer to %s could not be sent: %s", worker_ctx.entrypoint.method_name, trouble)
            self.rpc_consumer.queue_consumer.ack_message(message)
            return result, exc_info

    def _idempotent_answer(self, worker_ctx, result, exc_info):
        """With an Idempotency-Key: keep the answer of a change just made, answer a retry with the
        first answer, and answer a request refused only because its twin got there first (a
        conflict with what the twin created) with the twin's answer."""
        database = self.service_database.database
        made = getattr(worker_ctx, idempotency.RECORDED, None)
        if exc_info is None:
            if made is not None and made.answer_kept:
                try:
                    idempotency.save_answer(database, made, result)
                except OUTAGES:  # the change is made; a retry will be told so (idempotent_request_done)
                    log.warning("the answer of an idempotent request could not be kept", exc_info=True)
            return result, None
        if isinstance(exc_info[1], idempotency.AlreadyAnswered):
            return exc_info[1].response, None
        request = idempotency.IdempotentRequest.from_context(
            worker_ctx.data, worker_ctx.data.get(TENANT_KEY), worker_ctx.data.get(USER_KEY) or "system"
        )
        if (
            request is None
            or made is not None
            or isinstance(exc_info[1], idempotency.IDEMPOTENCY_ERRORS)
            or not isinstance(exc_info[1], (DomainError, IntegrityError))
        ):
            return result, exc_info
        try:
            idempotency.answer_of_twin(database, request)
        except idempotency.AlreadyAnswered as answered:
            return answered.response, None
        except DomainError as error:
            return None, (type(error), error, exc_info[2])
        return result, exc_info


rpc = Rpc.decorator
