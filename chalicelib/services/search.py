"""Product search's use cases: a search as GET /products asks it, and the index kept in step.

The engine (chalicelib/domain/search.py) and the snapshot adapter are imported on first use:
routes that do not search pay nothing for them at cold start (docs/decisions/0101-search-engine.md).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.domain import variants
from chalicelib.domain.errors import InvalidInput
from chalicelib.storage import cursors, products
from chalicelib.storage.models import Product

if TYPE_CHECKING:
    from chalicelib.domain.search import ProductDoc, Query


@dataclass(frozen=True)
class Found:
    """One page of matching products, the next page's cursor, and the category facet (counted
    over every match) when the search had words or a price filter."""

    items: list[Product]
    next_cursor: str | None
    categories: list[tuple[str, int]] | None


def _scope(query: Query) -> str:
    asked = [
        query.text,
        query.category,
        query.min_price_cents,
        query.max_price_cents,
        query.currency,
        query.order,
    ]
    return "products:search:" + json.dumps(asked, separators=(",", ":"))


def _offset(query: Query, cursor: str | None) -> int:
    start = cursors.decode(_scope(query), cursor)
    if start is None:
        return 0
    offset = start.get("offset")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 1:
        raise InvalidInput("cursor is not valid for this list")
    return offset


def find(query: Query, cursor: str | None) -> Found:
    """One page of the active products a search matches, in its order (one S3 call at most,
    conditional, and one BatchGetItem for the page's products)."""
    from chalicelib.adapters import search_snapshot

    asked = dataclasses.replace(query, offset=_offset(query, cursor))
    results = search_snapshot.current().search(asked)
    found = products.by_ids(results.product_ids)
    # A product archived within the last refresh may still be in this container's index.
    items = [found[pid] for pid in results.product_ids if pid in found and not found[pid].archived]
    next_cursor = (
        cursors.encode(_scope(query), {"offset": results.next_offset})
        if results.next_offset is not None
        else None
    )
    priced = query.min_price_cents is not None or query.max_price_cents is not None
    categories = results.categories if query.text is not None or priced else None
    return Found(items, next_cursor, categories)


def doc_of(product: Product) -> ProductDoc:
    """What search knows of a product: its text, its SKUs, its listed price and currency.

    A product with options is listed at its lowest active variant's price, as it renders.
    """
    from chalicelib.domain.search import ProductDoc

    price = int(product.price_cents)
    skus: tuple[str, ...] = ()
    if product.variants is not None:
        listed = variants.active(products.variants_of(product))
        price = min((v.price_cents for v in listed), default=price)
        skus = tuple(v.sku for v in listed if v.sku)
    return ProductDoc(
        product_id=product.product_id,
        name=product.name,
        description=product.description or "",
        category=product.category,
        skus=skus,
        price_cents=price,
        currency=product.currency,
        created_at=product.sort_key,  # creation time to the microsecond, then id: total
        active=not product.archived,
    )


def _every_active() -> Iterator[ProductDoc]:
    return (doc_of(product) for product in products.all_active())


def on_product_changes(changes: Iterable[tuple[dict[str, Any], Any, Any]]) -> int:
    """Apply a batch of the products stream to the search snapshot; answer how many products
    changed what search knows of them (a stock-only change rewrites nothing).

    Each change is a record's (keys, new image, old image), in DynamoDB JSON.
    """
    from chalicelib.adapters import search_snapshot

    put: dict[str, ProductDoc] = {}
    removed: dict[str, None] = {}
    for keys, new_image, old_image in changes:
        product_id = str(keys.get("productId", {}).get("S", ""))
        if not product_id or product_id.startswith(variants.SKU_CLAIM_PREFIX):
            continue  # a SKU claim shares the table; search knows SKUs from the variants
        new = products.from_stream_image(new_image)
        if new is None:  # the item was deleted
            removed[product_id] = None
            put.pop(product_id, None)
            continue
        doc, old = doc_of(new), products.from_stream_image(old_image)
        if old is not None and doc_of(old) == doc:
            continue  # stock, image or a timestamp: nothing search knows changed
        put[product_id] = doc
        removed.pop(product_id, None)
    if put or removed:
        search_snapshot.apply(list(put.values()), list(removed), _every_active)
    return len(put) + len(removed)
