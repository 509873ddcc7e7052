"""Process an SQS batch so that no failed message is ever acknowledged.

Chalice cannot set ReportBatchItemFailures on an event source, so a returned `batchItemFailures`
would be ignored and Lambda would delete the whole batch. Instead: when some records fail, delete
the ones that succeeded ourselves and raise, so Lambda returns only the failed ones to the queue.
They are redelivered after the visibility timeout and reach the DLQ after maxReceiveCount.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from chalicelib import log
from chalicelib.adapters import aws, events

_log = log.logger("sqs")


class BatchIncomplete(Exception):
    """Some records of the batch failed; they stay in the queue for redelivery."""


def process(records: Iterable[Any], handle: Callable[[dict[str, Any]], None], name: str) -> None:
    """Run `handle` on each record's event; delete the successes and raise if any failed."""
    succeeded: list[dict[str, Any]] = []
    failed = 0
    for record in records:
        raw = record.to_dict()
        if _run_one(raw, handle, name):
            succeeded.append(raw)
        else:
            failed += 1
    if failed:
        _delete(succeeded)
        raise BatchIncomplete(f"{failed} message(s) of the {name} batch failed; kept for retry")


def _run_one(raw: dict[str, Any], handle: Callable[[dict[str, Any]], None], name: str) -> bool:
    started = time.perf_counter()
    receives = raw.get("attributes", {}).get("ApproximateReceiveCount")
    try:
        event = events.decode(raw.get("body", ""))
    except ValueError as exc:
        _log.error(
            "poison message",
            extra={"fields": {"handler": name, "messageId": raw.get("messageId"), "why": str(exc)}},
        )
        return False
    correlation = event.get("correlationId")
    with log.context(
        handler=name,
        orderId=event["orderId"],
        eventType=event["type"],
        **({log.CORRELATION_ID: correlation} if isinstance(correlation, str) else {}),
    ):
        try:
            handle(event)
        except Exception:
            _log.exception("failed", extra={"fields": {"receiveCount": receives}})
            return False
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        _log.info("handled", extra={"fields": {"ms": elapsed, "receiveCount": receives}})
        return True


@lru_cache(maxsize=16)
def _queue_url(queue_arn: str) -> str:
    name = queue_arn.rsplit(":", 1)[-1]
    url: str = aws.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
    return url


def _delete(records: list[dict[str, Any]]) -> None:
    by_queue: dict[str, list[dict[str, Any]]] = {}
    for raw in records:
        by_queue.setdefault(raw["eventSourceARN"], []).append(raw)
    for queue_arn, batch in by_queue.items():
        for start in range(0, len(batch), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": raw["receiptHandle"]}
                for i, raw in enumerate(batch[start : start + 10])
            ]
            aws.client("sqs").delete_message_batch(QueueUrl=_queue_url(queue_arn), Entries=entries)
