"""The baseline: the same DynamoDB calls as each route, made with one plain boto3 client.

No Chalice, no PynamoDB, no validation, no rendering: only the requests a route must send, so
"ours / raw" is the cost of everything the shop adds on top of DynamoDB itself.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any


@dataclass
class Raw:
    """One boto3 DynamoDB client and the table names."""

    dynamodb: Any
    products: str
    orders: str
    carts: str
    idempotency: str

    def get_product(self, product_id: str) -> Any:
        """GetItem of one product."""
        return self.dynamodb.get_item(
            TableName=self.products, Key={"productId": {"S": product_id}}
        )["Item"]

    def _newest(self, table: str, index: str, attribute: str, value: str, limit: int) -> Any:
        return self.dynamodb.query(
            TableName=table,
            IndexName=index,
            KeyConditionExpression="#h = :h",
            ExpressionAttributeNames={"#h": attribute},
            ExpressionAttributeValues={":h": {"S": value}},
            ScanIndexForward=False,
            Limit=limit + 1,
        )["Items"]

    def list_page(self, limit: int = 20) -> Any:
        """Query of the newest active products."""
        return self._newest(self.products, "active-index", "listed", "ACTIVE", limit)

    def list_category(self, category: str, limit: int = 20) -> Any:
        """Query of the newest active products of a category."""
        return self._newest(self.products, "category-index", "listedCategory", category, limit)

    def my_orders(self, user_id: str, limit: int = 20) -> Any:
        """Query of a user's newest orders."""
        return self._newest(self.orders, "user-index", "userId", user_id, limit)

    def orders_by_status(self, status: str, limit: int = 20) -> Any:
        """Query of the newest orders in a status."""
        return self._newest(self.orders, "status-index", "status", status, limit)

    def _products(self, product_ids: list[str]) -> Any:
        keys = [{"productId": {"S": pid}} for pid in product_ids]
        return self.dynamodb.batch_get_item(RequestItems={self.products: {"Keys": keys}})

    def get_cart(self, user_id: str) -> Any:
        """GetItem of the cart, then BatchGetItem of its products."""
        cart = self.dynamodb.get_item(TableName=self.carts, Key={"userId": {"S": user_id}})
        return self._products(list(cart["Item"]["lines"]["M"]))

    def checkout(self, user_id: str, product_ids: list[str]) -> Any:
        """Claim the key, read the products, reserve stock and put the order, store the answer."""
        key = {"idempotencyKey": {"S": f"orders:{user_id}#{uuid.uuid4().hex}"}}
        now = int(time.time())
        self.dynamodb.put_item(
            TableName=self.idempotency,
            Item={
                **key,
                "requestHash": {"S": "h"},
                "state": {"S": "IN_PROGRESS"},
                "lockedUntil": {"N": str(now + 30)},
                "expiresAt": {"N": str(now + 86400)},
            },
            ConditionExpression="attribute_not_exists(idempotencyKey) OR expiresAt < :now",
            ExpressionAttributeValues={":now": {"N": str(now)}},
        )
        self._products(product_ids)
        order_id = f"ord_{uuid.uuid4().hex}"
        self.dynamodb.transact_write_items(
            TransactItems=_reserve(self, order_id, user_id, product_ids)
        )
        self.dynamodb.update_item(
            TableName=self.idempotency,
            Key=key,
            UpdateExpression="SET #s = :done, statusCode = :code, #r = :body",
            ConditionExpression="#s = :running",
            ExpressionAttributeNames={"#s": "state", "#r": "response"},
            ExpressionAttributeValues={
                ":done": {"S": "COMPLETED"},
                ":running": {"S": "IN_PROGRESS"},
                ":code": {"N": "201"},
                ":body": {"S": json.dumps({"orderId": order_id})},
            },
        )
        return order_id


def _reserve(raw: Raw, order_id: str, user_id: str, product_ids: list[str]) -> list[Any]:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    line = {"M": {"productId": {"S": "p"}, "name": {"S": "n"}, "quantity": {"N": "1"}}}
    order = {
        "orderId": {"S": order_id},
        "userId": {"S": user_id},
        "status": {"S": "PENDING"},
        "items": {"L": [line for _ in product_ids]},
        "totalCents": {"N": "2000"},
        "createdAt": {"S": stamp},
        "sortKey": {"S": f"{stamp}#{order_id}"},
    }
    updates = [
        {
            "Update": {
                "TableName": raw.products,
                "Key": {"productId": {"S": pid}},
                "UpdateExpression": "ADD stock :minus",
                "ConditionExpression": "stock >= :q AND archived = :no",
                "ExpressionAttributeValues": {
                    ":minus": {"N": "-1"},
                    ":q": {"N": "1"},
                    ":no": {"BOOL": False},
                },
            }
        }
        for pid in product_ids
    ]
    put = {
        "Put": {
            "TableName": raw.orders,
            "Item": order,
            "ConditionExpression": "attribute_not_exists(orderId)",
        }
    }
    return [put, *updates]


def raw_for(shop: Any) -> Raw:
    """The baseline on the shop's tables, with a boto3 client of its own."""
    import boto3

    return Raw(
        boto3.client("dynamodb"),
        shop.table("products"),
        shop.table("orders"),
        shop.table("carts"),
        shop.table("idempotency"),
    )
