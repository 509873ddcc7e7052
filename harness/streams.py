"""A DynamoDB table's stream read by hand, from its start, as Lambda's event source mapping does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3

from devstack.lambda_events import dynamodb_record

REGION = "us-east-1"


@dataclass
class StreamFeed:
    """The new records of one table's stream, handed to one handler in one batch."""

    client: Any  # chalice.test.Client
    table: str
    handler: str
    _iterators: dict[str, str] = field(default_factory=dict)

    def deliver(self) -> int:
        """Invoke the handler with the records written since the last call; answer how many."""
        # botocore addresses streams at <account>.streams-ddb.<region>, which moto's in-process
        # mock does not route; the classic endpoint reaches the same backend.
        streams = boto3.client(
            "dynamodbstreams", endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com"
        )
        arn = boto3.client("dynamodb").describe_table(TableName=self.table)["Table"][
            "LatestStreamArn"
        ]
        records: list[dict[str, Any]] = []
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            shard_id = shard["ShardId"]
            iterator = (
                self._iterators.get(shard_id)
                or streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            )
            answer = streams.get_records(ShardIterator=iterator)
            records += answer["Records"]
            self._iterators[shard_id] = answer["NextShardIterator"]
        if records:
            event = {"Records": [dynamodb_record(r, arn) for r in records]}
            self.client.lambda_.invoke(self.handler, event)
        return len(records)
