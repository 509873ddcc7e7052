"""Count (and keep) the AWS API calls a block of code makes, by service and operation."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import botocore.client


class CallLog(Counter[tuple[str, str]]):
    """Calls by (service, operation), e.g. ("dynamodb", "Query"); `sent` keeps their params and
    `received` their answers (None where the call raised), in the same order."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self.received: list[Any] = []

    def service(self, name: str) -> Counter[str]:
        """The operations of one service and how often each ran."""
        return Counter({op: n for (svc, op), n in self.items() if svc == name})


@contextlib.contextmanager
def count_aws_calls() -> Iterator[CallLog]:
    """Record every botocore API call made inside the block (PynamoDB's included)."""
    log = CallLog()
    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation_name: str, api_params: Any) -> Any:
        service = self.meta.service_model.service_name
        log[(service, operation_name)] += 1
        log.sent.append((service, operation_name, api_params))
        log.received.append(None)
        answer = original(self, operation_name, api_params)
        log.received[-1] = answer
        return answer

    botocore.client.BaseClient._make_api_call = counting
    try:
        yield log
    finally:
        botocore.client.BaseClient._make_api_call = original
