"""The local stack's DynamoDB streams behave as DynamoDB's: a cancelled transaction emits nothing.

moto rolls a failed TransactWriteItems back by restoring a copy of each table, stream included,
which forks the stream: a reader would get the cancelled write and then nothing more.
devstack/moto_fixes.py closes that; this proves it on the server the local stack runs.
"""

from __future__ import annotations

import uuid
from typing import Any


def _table(ddb: Any, name: str, stream: bool) -> None:
    spec = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"} if stream else None
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        **({"StreamSpecification": spec} if spec else {}),
    )


def _put_order_and_take_stock(ddb: Any, orders: str, products: str, order_id: str) -> bool:
    try:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": orders, "Item": {"k": {"S": order_id}}}},
                {
                    "Update": {
                        "TableName": products,
                        "Key": {"k": {"S": "p1"}},
                        "UpdateExpression": "SET stock = stock - :one",
                        "ConditionExpression": "stock >= :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
            ]
        )
    except ddb.exceptions.TransactionCanceledException:
        return False
    return True


def test_a_cancelled_transaction_emits_no_record_and_the_stream_goes_on(moto):
    ddb, streams = moto.client("dynamodb"), moto.client("dynamodbstreams")
    orders, products = f"orders-{uuid.uuid4().hex[:6]}", f"products-{uuid.uuid4().hex[:6]}"
    _table(ddb, orders, stream=True)
    _table(ddb, products, stream=False)
    ddb.put_item(TableName=products, Item={"k": {"S": "p1"}, "stock": {"N": "1"}})
    arn = ddb.describe_table(TableName=orders)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")[
        "ShardIterator"
    ]

    assert _put_order_and_take_stock(ddb, orders, products, "first")
    assert not _put_order_and_take_stock(ddb, orders, products, "cancelled")
    ddb.put_item(TableName=products, Item={"k": {"S": "p1"}, "stock": {"N": "1"}})
    assert _put_order_and_take_stock(ddb, orders, products, "after")

    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["dynamodb"]["Keys"]["k"]["S"] for r in records] == ["first", "after"]
