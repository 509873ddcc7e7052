"""AWS failures become the contract's retryable 503 or 409, never a 500."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

from chalicelib.web.http import to_http_error


def _cancelled(*reasons: str | None) -> TransactWriteError:
    error = {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}}
    cause = VerboseClientError(
        error,
        "TransactWriteItems",
        cancellation_reasons=[None if r is None else CancellationReason(code=r) for r in reasons],
    )
    return TransactWriteError("Failed to write transaction items", cause=cause)


@pytest.mark.parametrize(
    ("reasons", "status"),
    [
        ((None, "ThrottlingError"), 503),
        (("ProvisionedThroughputExceeded",), 503),
        ((None, "TransactionConflict"), 503),  # API.md: never a 409 while stock remains
        (("ConditionalCheckFailed",), 409),
    ],
)
def test_a_cancelled_transaction_is_a_503_when_throttled_else_a_409(reasons, status):
    error = to_http_error(_cancelled(*reasons))
    assert error is not None
    assert status == error.STATUS_CODE


def test_throttling_is_a_503():
    throttled = ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException"}}, "TransactWriteItems"
    )
    error = to_http_error(throttled)
    assert error is not None
    assert (type(error).__name__, error.STATUS_CODE) == ("ServiceUnavailableError", 503)


def test_an_unknown_error_stays_a_bug():
    assert to_http_error(RuntimeError("boom")) is None
