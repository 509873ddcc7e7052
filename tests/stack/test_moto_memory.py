"""devstack/moto_memory.py: the long-running emulator keeps what AWS keeps, and no more.

The patches change moto for a whole process, so they are proven in a process of their own (moto's
server in it, as in the devstack), which answers what it saw as JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from harness.stack import ROOT

PROBE = textwrap.dedent(
    """
    import json, os
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                      AWS_DEFAULT_REGION="us-east-1")
    from devstack import moto_memory
    moto_memory.apply()
    from devstack.moto_server import start_moto
    from moto.dynamodb.models.dynamo_type import Item
    from moto.sns.models import sns_backends

    seen = {}
    server = start_moto(port=0)
    if True:
        ddb = server.client("dynamodb")
        ddb.create_table(
            TableName="stock", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        for i in range(50):
            ddb.put_item(TableName="stock", Item={"id": {"S": f"p{i}"}, "n": {"N": "5"}})
        streams = server.client("dynamodbstreams")
        arn = ddb.describe_table(TableName="stock")["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]

        def iterator(kind):
            return streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard, ShardIteratorType=kind)["ShardIterator"]

        # A reader takes the first 30 records; a new reader at TRIM_HORIZON starts after them.
        first = streams.get_records(ShardIterator=iterator("TRIM_HORIZON"), Limit=30)
        streams.get_records(ShardIterator=first["NextShardIterator"], Limit=1)
        again = streams.get_records(ShardIterator=iterator("TRIM_HORIZON"), Limit=100)["Records"]
        seen["resumed_at"] = again[0]["dynamodb"]["NewImage"]["id"]["S"]
        seen["left"] = len(again)

        # A cancelled transaction: an update that passed, a new item, a check that failed.
        try:
            ddb.transact_write_items(TransactItems=[
                {"Update": {"TableName": "stock", "Key": {"id": {"S": "p1"}},
                            "UpdateExpression": "SET n = n - :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}}}},
                {"Put": {"TableName": "stock", "Item": {"id": {"S": "new"}, "n": {"N": "1"}}}},
                {"ConditionCheck": {"TableName": "stock", "Key": {"id": {"S": "p2"}},
                                    "ConditionExpression": "n > :ten",
                                    "ExpressionAttributeValues": {":ten": {"N": "10"}}}},
            ])
        except ddb.exceptions.TransactionCanceledException:
            seen["cancelled"] = True
        seen["p1"] = ddb.get_item(TableName="stock", Key={"id": {"S": "p1"}})["Item"]["n"]["N"]
        seen["new"] = "Item" in ddb.get_item(TableName="stock", Key={"id": {"S": "new"}})
        tail = streams.get_records(ShardIterator=iterator("LATEST"))
        ddb.transact_write_items(TransactItems=[
            {"Update": {"TableName": "stock", "Key": {"id": {"S": "p3"}},
                        "UpdateExpression": "SET n = n - :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        ])
        after = streams.get_records(ShardIterator=tail["NextShardIterator"])["Records"]
        seen["after"] = [r["dynamodb"]["NewImage"]["id"]["S"] for r in after]
        seen["tracked_items"] = len(Item.instances_tracked)
        seen["iterators"] = len(streams_backend := __import__(
            "moto.dynamodbstreams.models", fromlist=["x"]).dynamodbstreams_backends[
            "123456789012"]["us-east-1"].shard_iterators)

        sns = server.client("sns")
        topic = sns.create_topic(Name="events")["TopicArn"]
        for i in range(250):
            sns.publish(TopicArn=topic, Message=str(i))
        kept = sns_backends["123456789012"]["us-east-1"].topics[topic].sent_notifications
        seen["notifications"] = [len(kept), kept[-1][1]]
    server.stop()
    print(json.dumps(seen))
    """
)


@pytest.fixture(scope="module")
def seen() -> dict[str, Any]:
    """What the probe process saw."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_stream_reader_that_moved_on_lets_the_records_behind_it_go(seen: dict[str, Any]) -> None:
    assert (seen["resumed_at"], seen["left"]) == ("p30", 20)


def test_a_cancelled_transaction_undoes_its_items_and_leaves_no_record(
    seen: dict[str, Any],
) -> None:
    assert (seen["cancelled"], seen["p1"], seen["new"]) == (True, "5", False)
    assert seen["after"] == ["p3"]


def test_nothing_keeps_every_item_iterator_or_message_ever_made(seen: dict[str, Any]) -> None:
    assert seen["tracked_items"] == 0
    assert seen["iterators"] <= 1000
    assert seen["notifications"] == [100, "249"]
