"""DynamoDB transactions retried in-process while they fail for a passing reason.

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
from collections.abc import Callable
from typing import TypeVar

from pynamodb.exceptions import TransactWriteError

from chalicelib.domain.errors import Unavailable

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
