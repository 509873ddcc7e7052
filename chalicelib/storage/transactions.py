"""DynamoDB transactions: labelled items sent in our own order, retried while they fail for a
passing reason.

PynamoDB's `TransactWrite` sends its items grouped by kind (condition checks, deletes, puts, then
updates), so the position of a cancellation reason depends on that internal order. Here the list
is built in our own order and a cancellation is answered as the labels whose condition failed.

On DynamoDB two transactions touching one item at once cancel each other (`TransactionConflict`),
and a transaction may be cancelled for throttling; neither means the request was wrong. They are
retried here with full-jitter exponential backoff (AWS's "Exponential Backoff and Jitter"),
bounded in attempts and in time so a Lambda never waits long; what still fails is `Unavailable`,
a 503 the client may retry with its Idempotency-Key. A cancellation for any other reason (a failed
condition: out of stock, a status moved on) is the caller's to explain and is raised unchanged.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from pynamodb.constants import TRANSACT_DELETE, TRANSACT_ITEMS, TRANSACT_PUT, TRANSACT_UPDATE
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.domain.errors import Unavailable
from chalicelib.storage.models import failed_conditions, transactions

T = TypeVar("T")

MAX_ATTEMPTS = 8
MAX_SECONDS = 5.0  # well inside API Gateway's 29 s and the functions' timeouts
BASE_DELAY = 0.01
MAX_DELAY = 0.4
# Cancellation reasons and error codes that a retry may clear.
TRANSIENT_REASONS = frozenset(
    {
        "TransactionConflict",
        "ThrottlingError",
        "ProvisionedThroughputExceeded",
        "RequestLimitExceeded",
        "InternalServerError",
    }
)
TRANSIENT_CODES = frozenset({"TransactionConflictException", "TransactionInProgressException"})


def transient(exc: TransactWriteError) -> bool:
    """Whether a failed transaction failed only for reasons a retry may clear."""
    reasons = [r.code for r in (exc.cancellation_reasons or []) if r is not None]
    if exc.cause_response_code in TRANSIENT_CODES:
        return True
    if exc.cause_response_code != "TransactionCanceledException" or not reasons:
        return False
    real = [code for code in reasons if code != "None"]
    return bool(real) and all(code in TRANSIENT_REASONS for code in real)


def with_retries(
    write: Callable[[], T],
    *,
    attempts: int = MAX_ATTEMPTS,
    budget_seconds: float = MAX_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run a transaction, retrying transient cancellations; `Unavailable` if they persist."""
    deadline = time.monotonic() + budget_seconds
    for attempt in range(attempts):
        try:
            return write()
        except TransactWriteError as exc:
            if not transient(exc):
                raise
            delay = random.uniform(0, min(MAX_DELAY, BASE_DELAY * 2**attempt))
            if attempt + 1 == attempts or time.monotonic() + delay > deadline:
                raise Unavailable(
                    "The request kept conflicting with concurrent changes; retry it"
                ) from exc
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


class Cancelled(TransactWriteError):
    """The transaction wrote nothing because these items' conditions did not hold.

    It is still PynamoDB's TransactWriteError, so one a caller does not explain reaches the edge
    as any cancelled transaction does.
    """

    def __init__(self, failed: set[Hashable], cause: Exception):
        self.failed = failed
        super().__init__(
            f"Transaction cancelled by the conditions of {sorted(map(str, failed))}", cause
        )


class Transaction:
    """Items of one TransactWriteItems call, sent in the order they were added."""

    def __init__(self) -> None:
        self._items: list[dict[str, Any]] = []
        self._labels: list[Hashable] = []

    def put(self, label: Hashable, model: Model, condition: Condition | None = None) -> None:
        """Write a whole item."""
        self._add(label, TRANSACT_PUT, model.get_save_kwargs_from_instance(condition=condition))

    def update(
        self,
        label: Hashable,
        model: Model,
        actions: list[Action],
        condition: Condition | None = None,
    ) -> None:
        """Change attributes of an item."""
        kwargs = model.get_update_kwargs_from_instance(actions=actions, condition=condition)
        self._add(label, TRANSACT_UPDATE, kwargs)

    def delete(self, label: Hashable, model: Model, condition: Condition | None = None) -> None:
        """Delete an item."""
        self._add(
            label, TRANSACT_DELETE, model.get_delete_kwargs_from_instance(condition=condition)
        )

    def _add(self, label: Hashable, kind: str, kwargs: dict[str, Any]) -> None:
        self._items.append({kind: kwargs})
        self._labels.append(label)

    def commit(self) -> None:
        """Send every item in one call; Cancelled naming the labels whose condition failed.

        Any other failure (throttling, a conflict with another transaction) is PynamoDB's
        TransactWriteError, as from `TransactWrite`, for the edge to translate.
        """
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            transactions().dispatch("TransactWriteItems", {TRANSACT_ITEMS: self._items})
        except (BotoCoreError, ClientError) as exc:
            error = TransactWriteError("Failed to write transaction items", exc)
            failed = failed_conditions(error)
            if failed:
                raise Cancelled({self._labels[i] for i in failed}, exc) from None
            raise error from None
