"""A stream mapping's failure handling, played locally as Lambda does it.

With `BisectBatchOnFunctionError` a failing batch is split in two and each half retried on its
own, so one poison record ends up alone; a batch (or half) that still fails after
`MaximumRetryAttempts` retries is given up: Lambda sends a record of it to the on-failure
destination (the shard and the sequence numbers, not the records themselves) and moves on, so the
records after it flow. The settings come from infra/streams.py, as on AWS.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("devstack.pump")
Json = dict[str, Any]


@dataclass(frozen=True)
class StreamFailurePolicy:
    """What to do with a batch that keeps failing; `queue_url` is the on-failure SQS queue."""

    maximum_retry_attempts: int
    bisect: bool
    queue_url: str
    queue_arn: str
    retry_delay_seconds: float = 0.5  # the first wait between tries; it doubles up to 8 s


def failure_record(
    records: list[Json], stream_arn: str, shard_id: str, function_arn: str, attempts: int
) -> Json:
    """The invocation record Lambda sends to an on-failure destination for a stream batch."""
    first, last = records[0]["dynamodb"], records[-1]["dynamodb"]

    def arrival(change: Json) -> str:
        stamp = change.get("ApproximateCreationDateTime", 0)
        if isinstance(stamp, datetime.datetime):
            stamp = stamp.timestamp()
        moment = datetime.datetime.fromtimestamp(float(stamp), tz=datetime.UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    now = datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="milliseconds")
    return {
        "requestContext": {
            "requestId": first.get("SequenceNumber", ""),
            "functionArn": function_arn,
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": attempts,
        },
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "version": "1.0",
        "timestamp": now.replace("+00:00", "Z"),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": first["SequenceNumber"],
            "endSequenceNumber": last["SequenceNumber"],
            "approximateArrivalOfFirstRecord": arrival(first),
            "approximateArrivalOfLastRecord": arrival(last),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }


def deliver(
    records: list[Json],
    invoke: Callable[[list[Json]], bool],
    policy: StreamFailurePolicy,
    give_up: Callable[[list[Json], int], None],
    wait: Callable[[float], bool],
) -> bool:
    """Deliver `records` under `policy`; False only if `wait` says the pump is stopping.

    `invoke` runs the handler on a batch and answers whether it succeeded; `give_up` sends a batch
    to the on-failure destination with its number of tries; `wait(seconds)` sleeps, answering True
    when asked to stop.
    """
    tries = 0
    delay = policy.retry_delay_seconds
    while True:
        tries += 1
        if invoke(records):
            return True
        if policy.bisect and len(records) > 1:
            half = len(records) // 2
            # Each half is a batch of its own, with its own tries, in order.
            return deliver(records[:half], invoke, policy, give_up, wait) and deliver(
                records[half:], invoke, policy, give_up, wait
            )
        if tries > policy.maximum_retry_attempts:
            give_up(records, tries)
            return True
        if wait(delay):
            return False
        delay = min(delay * 2, 8.0)


def send_failure(sqs: Any, policy: StreamFailurePolicy, record: Json) -> None:
    """Send one invocation record to the on-failure queue, as Lambda does."""
    sqs.send_message(QueueUrl=policy.queue_url, MessageBody=json.dumps(record))
    info = record["DDBStreamBatchInfo"]
    log.warning(
        "source=%s gave up on %d record(s) %s..%s after %d tries: sent to %s",
        info["streamArn"].split(":table/", 1)[-1].split("/", 1)[0],
        info["batchSize"],
        info["startSequenceNumber"],
        info["endSequenceNumber"],
        record["requestContext"]["approximateInvokeCount"],
        policy.queue_arn.rsplit(":", 1)[-1],
    )
