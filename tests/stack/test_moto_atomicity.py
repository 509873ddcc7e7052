"""The local stack's moto keeps DynamoDB's promises: conditional writes and transactions are atomic.

Each test races 24 threads, each with its own client, released together by a barrier, with the
interpreter switching threads as often as it can so that any interleaving shows up.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devstack.moto_server import LockedMotoServer, local_client

THREADS = 24
STOCK = 5
# moto's backends are per process, shared by every server in it: a name of this module's own.
TABLE = f"atomicity-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def busy_switching() -> Iterator[None]:
    """Switch threads every microsecond, so races surface within a few rounds."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@pytest.fixture
def locked_moto() -> Iterator[LockedMotoServer]:
    """The devstack's moto: DynamoDB serialized."""
    server = LockedMotoServer(port=0, serialize=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def plain_moto() -> Iterator[LockedMotoServer]:
    """moto as it ships: requests run side by side."""
    server = LockedMotoServer(port=0, serialize=False)
    server.start()
    yield server
    server.stop()


def _dynamodb(endpoint: str) -> Any:
    return local_client(endpoint, "dynamodb")


def _products_table(endpoint: str, stocks: dict[str, int]) -> Any:
    ddb = _dynamodb(endpoint)
    with contextlib.suppress(ddb.exceptions.ResourceInUseException):
        ddb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "productId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "productId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    _restock(ddb, stocks)
    return ddb


def _restock(ddb: Any, stocks: dict[str, int]) -> None:
    for product_id, stock in stocks.items():
        # A large item makes each write slower, and so a race likelier.
        item = {
            "productId": {"S": product_id},
            "stock": {"N": str(stock)},
            "pad": {"S": "x" * 20000},
        }
        ddb.put_item(TableName=TABLE, Item=item)


def _stock(ddb: Any, product_id: str) -> int:
    item = ddb.get_item(TableName=TABLE, Key={"productId": {"S": product_id}})["Item"]
    return int(item["stock"]["N"])


def _race(endpoint: str, attempt: Callable[[Any], None]) -> int:
    """Run `attempt` on 24 threads at once; answer how many did not raise a ClientError."""
    clients = [_dynamodb(endpoint) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)

    def one(client: Any) -> bool:
        barrier.wait()
        try:
            attempt(client)
        except ClientError:
            return False
        return True

    with ThreadPoolExecutor(THREADS) as pool:
        return sum(pool.map(one, clients))


def _take_one(client: Any) -> None:
    client.update_item(
        TableName=TABLE,
        Key={"productId": {"S": "mug"}},
        UpdateExpression="SET stock = stock - :one",
        ConditionExpression="stock >= :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )


def _take_one_of_each(client: Any) -> None:
    client.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": {"productId": {"S": product_id}},
                    "UpdateExpression": "SET stock = stock - :one",
                    "ConditionExpression": "stock >= :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            }
            for product_id in ("mug", "pot")
        ]
    )


@pytest.mark.usefixtures("busy_switching")
def test_24_conditional_decrements_of_a_stock_of_5_sell_exactly_5(
    locked_moto: LockedMotoServer,
) -> None:
    ddb = _products_table(locked_moto.endpoint_url, {"mug": STOCK})
    for _ in range(5):
        _restock(ddb, {"mug": STOCK})
        sold = _race(locked_moto.endpoint_url, _take_one)
        assert (sold, _stock(ddb, "mug")) == (STOCK, 0)


@pytest.mark.usefixtures("busy_switching")
def test_24_transactions_over_two_items_sell_exactly_the_smaller_stock(
    locked_moto: LockedMotoServer,
) -> None:
    ddb = _products_table(locked_moto.endpoint_url, {})
    for _ in range(5):
        _restock(ddb, {"mug": STOCK, "pot": 3})
        sold = _race(locked_moto.endpoint_url, _take_one_of_each)
        # All or nothing: the pot runs out after 3, and no failed transaction takes a mug.
        assert (sold, _stock(ddb, "mug"), _stock(ddb, "pot")) == (3, STOCK - 3, 0)


@pytest.mark.usefixtures("busy_switching")
def test_without_the_lock_moto_oversells(plain_moto: LockedMotoServer) -> None:
    """The control: the lock is what makes the tests above pass, not luck."""
    ddb = _products_table(plain_moto.endpoint_url, {})
    for _ in range(20):
        _restock(ddb, {"mug": STOCK, "pot": 3})
        sold = _race(plain_moto.endpoint_url, _take_one_of_each)
        if (sold, _stock(ddb, "mug"), _stock(ddb, "pot")) != (3, STOCK - 3, 0):
            return
        _restock(ddb, {"mug": STOCK})
        if _race(plain_moto.endpoint_url, _take_one) != STOCK:
            return
    pytest.skip("moto got it right for 20 rounds here; the race is timing-dependent")
