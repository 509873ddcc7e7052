"""The saga model's plumbing (tests/saga_model.py): botocore's seam, the model clock, the
consumers' messages and the orders stream as the model reads it.

Faults are injected at botocore's seam, so none of our code is patched. The seam also counts the
writes that reach each table: a table cannot change without one, so the model re-reads a table for
its invariants only after a write to it (many steps of a long run write nothing, a 409, time
passing, a duplicate delivery that finds its work done, and most write one or two tables).
"""

from __future__ import annotations

import collections
import functools
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.client

from chalicelib import clock
from devstack.lambda_events import dynamodb_record, sqs_record

REGION = "us-east-1"
# The calls that change a table; anything else leaves the stored state as it was.
WRITES = frozenset(
    {
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "CreateTable",
        "DeleteTable",
    }
)


class Crash(BaseException):
    """A Lambda dying mid-step: BaseException, so no `except Exception` in our code catches it."""


@dataclass(eq=False)
class Message:
    """One message in a consumer's queue (or its DLQ)."""

    queue: str
    event: dict[str, Any]
    receives: int = 0
    ids: itertools.count[int] = field(default_factory=itertools.count)

    def as_sqs(self, queue_arn: str) -> dict[str, Any]:
        """The message as a Lambda SQS record."""
        n = next(self.ids)
        message = {
            "MessageId": f"{self.event['eventId']}-{n}",
            "ReceiptHandle": f"rh-{self.event['eventId']}-{n}",
            "Body": json.dumps(self.event),
            "Attributes": {"ApproximateReceiveCount": str(self.receives + 1)},
        }
        return sqs_record(message, queue_arn, REGION)


class Fault:
    """What the next step suffers at its n-th AWS call: a crash before or after it, or a race."""

    def __init__(self, at_call: int, kind: str):
        self.at_call = at_call
        self.kind = kind  # one of saga_model.KINDS
        self.calls = 0
        self.fired = False


class Seam:
    """botocore's `_make_api_call`, wrapped: faults fire here, SNS publishes are recorded and
    writes are counted."""

    def __init__(self) -> None:
        self.original = botocore.client.BaseClient._make_api_call
        self.faults: list[Fault] = []
        self.race: Any = None  # what to run when a race fires: race(kind)
        self.published: list[dict[str, Any]] = []
        # Write calls attempted so far, per table (a failed condition counts too).
        self.writes: collections.Counter[str] = collections.Counter()
        self._inside_race = False

    def install(self) -> None:
        """Route every AWS call through the seam."""
        seam = self

        def call(client: Any, name: str, params: Any) -> Any:
            return seam.call(client, name, params)

        botocore.client.BaseClient._make_api_call = call

    def uninstall(self) -> None:
        """Put botocore back."""
        botocore.client.BaseClient._make_api_call = self.original

    def call(self, client: Any, name: str, params: Any) -> Any:
        """One AWS call, perhaps failed or raced."""
        if self._inside_race:
            return self._send(client, name, params)
        crash_after = None
        for fault in self.faults:
            fault.calls += 1
            if fault.fired or fault.calls != fault.at_call:
                continue
            fault.fired = True
            if fault.kind == "crash_before":
                raise Crash(f"crash before {name}")
            if fault.kind.startswith("race_") and self.race is not None:
                self._inside_race = True
                try:
                    self.race(fault.kind)
                finally:
                    self._inside_race = False
            elif fault.kind == "crash_after":
                crash_after = f"crash after {name}"
        answer = self._send(client, name, params)
        if crash_after:
            raise Crash(crash_after)
        return answer

    def _send(self, client: Any, name: str, params: Any) -> Any:
        """Make the call; count a write once it was sent (a race runs before it, and what the race
        reads must not count a write that is not there yet), record a publish once it was made."""
        try:
            answer = self.original(client, name, params)
        finally:
            if name in WRITES:
                self.writes.update(_tables(params))
        if name == "Publish" and client.meta.service_model.service_name == "sns":
            self.published.append(json.loads(params["Message"]))
        return answer


def _tables(params: dict[str, Any]) -> list[str]:
    """The tables a DynamoDB write names."""
    if "TransactItems" in params:
        return [next(iter(item.values()))["TableName"] for item in params["TransactItems"]]
    if "RequestItems" in params:
        return list(params["RequestItems"])
    return [params["TableName"]]


class Clock:
    """The shop's clock, moved by the model (the one seam that is our own: chalicelib.clock)."""

    def __init__(self) -> None:
        self.now = clock.now()
        self.real = clock.now

    def __call__(self) -> Any:
        return self.now


@functools.cache
def client(service: str) -> Any:
    """One boto3 client per service for the model's own calls (a client costs more than a call)."""
    if service == "dynamodbstreams":
        endpoint = f"https://streams.dynamodb.{REGION}.amazonaws.com"
        return boto3.client(service, region_name=REGION, endpoint_url=endpoint)
    return boto3.client(service, region_name=REGION)


class StreamReader:
    """Reads a table's stream from where it left off, as the Lambda pump would.

    The stream's shards are listed once: a model run writes far less than a shard holds, and the
    tables are new for every run, so one GetRecords per read is all a step costs.
    """

    def __init__(self, table: str) -> None:
        self.streams = client("dynamodbstreams")
        self.arn = client("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"]
        shards = self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        self.iterators = [
            self.streams.get_shard_iterator(
                StreamArn=self.arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            for shard in shards
        ]

    def read(self) -> list[dict[str, Any]]:
        """The records written since the last read, as a Lambda's DynamoDB event holds them."""
        records: list[dict[str, Any]] = []
        for n, iterator in enumerate(self.iterators):
            answer = self.streams.get_records(ShardIterator=iterator)
            records += [dynamodb_record(r, self.arn) for r in answer["Records"]]
            self.iterators[n] = answer["NextShardIterator"]
        return records


def batch_get(
    keys: dict[type[Any], tuple[list[dict[str, Any]], str, dict[str, str]]],
) -> dict[type[Any], list[Any]]:
    """Items of several tables by key (and the attributes to read, with the names a projection
    needs), in one consistent BatchGetItem, as PynamoDB models."""
    tables = {model.Meta.table_name: model for model in keys}
    request = {
        model.Meta.table_name: {
            "Keys": wanted,
            "ConsistentRead": True,
            "ProjectionExpression": attributes,
            **({"ExpressionAttributeNames": names} if names else {}),
        }
        for model, (wanted, attributes, names) in keys.items()
        if wanted
    }
    found: dict[type[Any], list[Any]] = {model: [] for model in keys}
    while request:
        answer = client("dynamodb").batch_get_item(RequestItems=request)
        for table, items in answer["Responses"].items():
            found[tables[table]] += [tables[table].from_raw_data(item) for item in items]
        request = answer.get("UnprocessedKeys") or {}
    return found
