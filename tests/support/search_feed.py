"""The products stream delivered to the search indexer by hand, as the event source mapping would.

API tests run in-process with no pump: after changing the catalog, a test calls `feed.sync()` and
the new stream records reach `index_products` through the Chalice test client, in the same event
shape the local stack's pump sends (devstack.lambda_events).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3

from devstack.lambda_events import dynamodb_record

REGION = "us-east-1"


@dataclass
class SearchFeed:
    """The products table's stream, read from its start and handed to `index_products`."""

    client: Any  # chalice.test.Client
    products_table: str
    _iterators: dict[str, str] = field(default_factory=dict)

    def sync(self) -> int:
        """Deliver the stream's new records to the indexer in one batch; answer how many."""
        # botocore addresses streams at <account>.streams-ddb.<region>, which moto's in-process
        # mock does not route; the classic endpoint reaches the same backend (harness/pipeline.py).
        streams = boto3.client(
            "dynamodbstreams", endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com"
        )
        table = boto3.client("dynamodb").describe_table(TableName=self.products_table)["Table"]
        arn = table["LatestStreamArn"]
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
            self.client.lambda_.invoke("index_products", event)
        return len(records)


def forget_snapshot() -> None:
    """Delete the search snapshot and this process's copy of it: the next test starts empty."""
    from chalicelib.adapters import search_snapshot
    from chalicelib.config import settings

    s = settings()
    boto3.client("s3").delete_object(Bucket=s.search_bucket, Key=s.search_key)
    search_snapshot.forget()
