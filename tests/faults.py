"""Make AWS calls fail, at the same botocore seam `harness/aws_calls.py` counts them at.

Each fault replaces `BaseClient._make_api_call` for one operation while the block runs: PynamoDB's
own calls and every boto3 client go through it, so the code under test runs unchanged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import botocore.client
from botocore.exceptions import ClientError, ReadTimeoutError


def aws_error(code: str, operation: str, status: int = 400, **extra: Any) -> Exception:
    """The ClientError AWS answers with for an error code."""
    response: dict[str, Any] = {
        "Error": {"Code": code, "Message": f"injected {code}"},
        "ResponseMetadata": {"HTTPStatusCode": status},
        **extra,
    }
    error: Exception = ClientError(response, operation)
    return error


def cancelled(reason: str) -> Callable[[str, dict[str, Any]], Exception]:
    """A TransactionCanceledException whose first item failed for `reason` (the rest: None)."""

    def error(operation: str, params: dict[str, Any]) -> Exception:
        reasons = [{"Code": "None"} for _ in params["TransactItems"]]
        reasons[0] = {"Code": reason, "Message": f"injected {reason}"}
        return aws_error("TransactionCanceledException", operation, CancellationReasons=reasons)

    return error


class Fault:
    """What a fault did: how many calls it failed."""

    def __init__(self) -> None:
        self.failed = 0


@contextlib.contextmanager
def failing(
    operation: str,
    error: str | Callable[[str, dict[str, Any]], Exception],
    *,
    after_sending: bool = False,
    service: str = "dynamodb",
) -> Iterator[Fault]:
    """Fail every `operation` call in the block with an AWS error code (or an exception factory).

    With `after_sending`, the call really reaches AWS first and only the answer is lost, as with a
    read timeout: the write may well have happened.
    """
    fault = Fault()
    original = botocore.client.BaseClient._make_api_call

    def make(name: str, params: dict[str, Any]) -> Exception:
        if callable(error):
            return error(name, params)
        status = 500 if error in {"InternalServerError", "ServiceUnavailable"} else 400
        return aws_error(error, name, status)

    def maybe_fail(self: Any, name: str, params: Any) -> Any:
        if name != operation or self.meta.service_model.service_name != service:
            return original(self, name, params)
        fault.failed += 1
        if after_sending:
            original(self, name, params)
        raise make(name, params)

    botocore.client.BaseClient._make_api_call = maybe_fail
    try:
        yield fault
    finally:
        botocore.client.BaseClient._make_api_call = original


def read_timeout(operation: str, params: dict[str, Any]) -> Exception:
    """The error botocore raises when an answer does not come back in time."""
    error: Exception = ReadTimeoutError(
        endpoint_url=f"https://dynamodb.us-east-1.amazonaws.com/{operation}"
    )
    return error


@contextlib.contextmanager
def meanwhile(
    operation: str, action: Callable[[], Any], *, service: str = "dynamodb"
) -> Iterator[None]:
    """Run `action` once, right after the first `operation` call in the block has answered.

    It stands for a concurrent writer that lands between the code's read and its write.
    """
    original = botocore.client.BaseClient._make_api_call
    pending = [action]

    def then_act(self: Any, name: str, params: Any) -> Any:
        answer = original(self, name, params)
        if name == operation and self.meta.service_model.service_name == service and pending:
            pending.pop()()
        return answer

    botocore.client.BaseClient._make_api_call = then_act
    try:
        yield
    finally:
        botocore.client.BaseClient._make_api_call = original
