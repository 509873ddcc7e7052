"""The correlation id of a request: the caller's X-Correlation-Id if it is sane, else API Gateway's
request id, else a new one. It is logged on every line of the request, returned in the answer's
X-Correlation-Id header, stored on an order it places, and carried by that order's events."""

from __future__ import annotations

import re
import uuid

HEADER = "X-Correlation-Id"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def of_request(header: str | None, request_id: str | None) -> str:
    """The id to follow this request by; a malformed header is ignored, never an error."""
    if header and _SANE.fullmatch(header):
        return header
    return request_id or uuid.uuid4().hex
