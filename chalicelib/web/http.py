"""The edge's error translation: domain and AWS errors to the contract's HTTP errors, in one map."""

from __future__ import annotations

from typing import Any

from chalice import (
    BadRequestError,
    ChaliceViewError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    Response,
    TooManyRequestsError,
    UnauthorizedError,
    UnprocessableEntityError,
)

from chalicelib.domain import errors


class RequestEntityTooLargeError(ChaliceViewError):
    """413: the body is over the limit (Chalice has no such class; its name is the Code)."""

    STATUS_CODE = 413


class ServiceUnavailableError(ChaliceViewError):
    """503: a dependency is throttling or down; safe to retry with the same Idempotency-Key."""

    STATUS_CODE = 503


# Order matters: the first class an error is an instance of wins.
_DOMAIN_TO_HTTP: tuple[tuple[type[Exception], type[ChaliceViewError]], ...] = (
    (errors.PayloadTooLarge, RequestEntityTooLargeError),
    (errors.InvalidInput, BadRequestError),
    (errors.Unauthenticated, UnauthorizedError),
    (errors.Forbidden, ForbiddenError),
    (errors.NotFound, NotFoundError),
    (errors.IdempotencyMismatch, UnprocessableEntityError),
    (errors.Conflict, ConflictError),
    (errors.Throttled, TooManyRequestsError),
    (errors.Unavailable, ServiceUnavailableError),
)

# AWS error codes that mean "a dependency is busy or down, retry later" rather than a bug.
RETRYABLE_AWS_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "InternalFailure",
        "TransactionInProgressException",
    }
)


def aws_error_code(exc: BaseException) -> str | None:
    """The AWS error code behind a botocore or PynamoDB exception, if any."""
    code = getattr(exc, "cause_response_code", None)
    if code:
        return str(code)
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def to_http_error(exc: BaseException) -> ChaliceViewError | None:
    """The HTTP error for an exception, or None if it is a bug (and must stay a 500)."""
    for domain, http in _DOMAIN_TO_HTTP:
        if isinstance(exc, domain):
            return http(str(exc))
    code = aws_error_code(exc)
    if code == "TransactionCanceledException" and _cancelled_by_throttling(exc):
        code = "ThrottlingException"
    if code == "TransactionConflictException":
        code = "ThrottlingException"  # a passing conflict: safe to retry, never the client's fault
    if code in RETRYABLE_AWS_CODES:
        return ServiceUnavailableError("A dependency is busy; retry with the same Idempotency-Key")
    if code == "TransactionCanceledException":
        return ConflictError("The request conflicted with a concurrent change; retry it")
    if _is_connection_error(exc):
        return ServiceUnavailableError("A dependency is unreachable; retry later")
    return None


def conflict_reason(exc: BaseException) -> str | None:
    """The `reason` slug of a 409 (docs/api-extensions.md), or None for any other error."""
    if isinstance(exc, errors.Conflict):
        return exc.reason.value
    if isinstance(to_http_error(exc), ConflictError):
        return errors.Reason.CONCURRENT_UPDATE.value
    return None


def error_response(
    exc: BaseException, headers: dict[str, str | list[str]] | None = None
) -> Response | None:
    """The contract's error answer to an exception (a 409 with its `reason`), or None for a bug."""
    http_error = to_http_error(exc)
    if http_error is None:
        return None
    body: dict[str, Any] = {"Code": type(http_error).__name__, "Message": str(http_error)}
    reason = conflict_reason(exc)
    if reason is not None:
        body["reason"] = reason
    return Response(body=body, status_code=http_error.STATUS_CODE, headers=headers or {})


_THROTTLING_REASONS = frozenset(
    {
        "ThrottlingError",
        "ProvisionedThroughputExceeded",
        "RequestLimitExceeded",
        "InternalServerError",
        "TransactionConflict",
    }
)


def _cancelled_by_throttling(exc: BaseException) -> bool:
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return any(r is not None and r.code in _THROTTLING_REASONS for r in reasons)


def _is_connection_error(exc: BaseException) -> bool:
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import HTTPClientError

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, BotoConnectionError | HTTPClientError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
