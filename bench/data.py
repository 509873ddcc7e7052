"""Correctly shaped products and orders, written straight to DynamoDB in batches of 25.

The items are built with the app's own PynamoDB models (chalicelib.storage.models) and serialized
by them, so they are exactly what the API writes (sparse `listed`/`listedCategory`, `sortKey`...),
at a fraction of the cost of creating them through the API one request at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

CATEGORIES = ("kitchen", "outdoors", "stationery", "audio")
BATCH = 25
_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


def _moment(i: int) -> datetime:
    return _EPOCH + timedelta(seconds=i)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _sort_key(moment: datetime, item_id: str) -> str:
    return f"{moment.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{item_id}"


def product_values(i: int, *, stock: int = 1_000_000) -> dict[str, Any]:
    """Product number i's attributes (by model attribute name), listed and active."""
    product_id = f"prd_bench{i:08d}"
    category = CATEGORIES[i % len(CATEGORIES)]
    moment = _moment(i)
    return {
        "product_id": product_id,
        "name": f"Bench product {i}",
        "description": "A product made up for the benchmarks.",
        "price_cents": 1000 + i % 5000,
        "currency": "USD",
        "category": category,
        "stock": stock,
        "archived": False,
        "created_at": _iso(moment),
        "updated_at": _iso(moment),
        "sort_key": _sort_key(moment, product_id),
        "listed": "ACTIVE",
        "listed_category": category,
    }


def product_item(i: int, **kw: Any) -> dict[str, Any]:
    """Product number i as DynamoDB stores it, serialized by the Product model's own attributes.

    The same as `Product(**values).serialize()` (tests/bench checks it), without building a model
    per item: a fifth of the cost, which matters at 100k items.
    """
    from chalicelib.storage.models import Product

    attributes = Product.get_attributes()
    return {
        attributes[name].attr_name: {attributes[name].attr_type: attributes[name].serialize(value)}
        for name, value in product_values(i, **kw).items()
    }


def order_item(i: int, user_id: str, *, status: str = "CONFIRMED") -> dict[str, Any]:
    """Order number i of a user as DynamoDB stores it, with two lines."""
    from chalicelib.storage.models import Address, HistoryEntry, Order, OrderLine

    order_id = f"ord_bench{user_id[:8]}{i:08d}"
    moment = _moment(i)
    lines = [
        OrderLine(
            product_id=f"prd_bench{n:08d}",
            name=f"Bench product {n}",
            quantity=1,
            unit_price_cents=1000,
            line_total_cents=1000,
        )
        for n in (0, 1)
    ]
    order = Order(
        order_id,
        user_id=user_id,
        contact_email="bench@example.com",
        status=status,
        items=lines,
        total_cents=2000,
        currency="USD",
        shipping_address=Address(line1="1 Bench St", city="X", postal_code="1", country="US"),
        payment_token="tok_visa",
        history=[HistoryEntry(status=status, at=_iso(moment))],
        created_at=_iso(moment),
        updated_at=_iso(moment),
        sort_key=_sort_key(moment, order_id),
    )
    return order.serialize()


def _batches(items: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def write(dynamodb: Any, table: str, items: Iterable[dict[str, Any]]) -> int:
    """BatchWriteItem every item (25 a call, retrying unprocessed ones); answer how many."""
    count = 0
    for batch in _batches(items):
        request: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in batch]}
        while request:
            request = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
        count += len(batch)
    return count


def products(dynamodb: Any, table: str, start: int, stop: int) -> int:
    """Write products number start..stop-1."""
    return write(dynamodb, table, (product_item(i) for i in range(start, stop)))


def orders(dynamodb: Any, table: str, user_id: str, start: int, stop: int, **kw: Any) -> int:
    """Write a user's orders number start..stop-1."""
    return write(dynamodb, table, (order_item(i, user_id, **kw) for i in range(start, stop)))
