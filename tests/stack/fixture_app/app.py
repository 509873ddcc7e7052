"""A tiny Chalice app with one handler of each kind the pump plays, to test the pump on its own.

Its handlers record every delivery in CALLS and fail when the payload asks them to.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from typing import Any

from chalice import Chalice
from chalice.app import DynamoDBEvent, SQSEvent

app = Chalice(app_name="pump-fixture")
CALLS: list[dict[str, Any]] = []
_attempts: Counter[str] = Counter()

QUEUE = os.environ.get("FIXTURE_QUEUE", "fixture-jobs")
STREAM_ARN = os.environ.get(
    "FIXTURE_STREAM_ARN", "arn:aws:dynamodb:us-east-1:000000000000:table/fixture-orders/stream/x"
)


@app.on_sqs_message(queue=QUEUE, batch_size=5)
def handle_job(event: SQSEvent) -> None:
    """Record the batch; fail if a message says `fail`; on a first receive, sleep if told to."""
    records = event.to_dict()["Records"]
    CALLS.append({"kind": "sqs", "event": event.to_dict(), "context": event.context})
    for record in records:
        if record["attributes"]["ApproximateReceiveCount"] == "1":
            time.sleep(json.loads(record["body"]).get("sleepFirstTime", 0))
    bodies = [json.loads(record["body"]) for record in records]
    if any(body.get("fail") for body in bodies):
        raise RuntimeError("told to fail")


@app.on_dynamodb_record(stream_arn=STREAM_ARN, batch_size=10)
def handle_change(event: DynamoDBEvent) -> None:
    """Record the batch; fail while a new image's `failTimes` exceeds its attempts so far."""
    CALLS.append({"kind": "stream", "event": event.to_dict(), "context": event.context})
    for record in event:
        fail_times = int((record.new_image or {}).get("failTimes", {"N": "0"})["N"])
        _attempts[record.event_id] += 1
        if _attempts[record.event_id] <= fail_times:
            raise RuntimeError(f"failing {record.event_id} on purpose")
