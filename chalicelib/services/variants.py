"""A product's variants (admin): added, changed, stocked and archived inside the product's item.

Each variant lives in its product's `variants` map (docs/data-model.md, "Variants"); its SKU is
held by a claim item of the products table, written in the same transaction, so a SKU is unique in
the shop. An addition is conditional on the product's `variantCount` as read, so two concurrent
additions never both pass the combination check; a stock move is one conditional UpdateItem on the
variant's own path, safe beside checkouts. The writes are the products door's
(`storage/products.py`).
"""

from __future__ import annotations

from typing import Any

from chalicelib import clock
from chalicelib.domain import limits, variants
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound, Reason
from chalicelib.services import catalog
from chalicelib.storage import products
from chalicelib.storage.models import Product

_ATTEMPTS = 3


def _find(product: Product, variant_id: str) -> variants.Variant:
    for variant in products.variants_of(product):
        if variant.variant_id == variant_id and not variant.archived:
            return variant
    raise NotFound(f"No variant {variant_id} of {product.product_id}")


def _fresh(product_id: str, variant_id: str) -> variants.Variant:
    return _find(catalog.active_product(product_id), variant_id)


def add_variant(product_id: str, data: dict[str, Any]) -> variants.Variant:
    """Add a variant; Conflict if its SKU or its option combination exists, nothing written.

    The first variant with options archives the product's own variant (its stock stays where it
    is, for the returns and cancels of earlier orders, and is no longer for sale).
    """
    sku = variants.check_sku(data["sku"])
    for _ in range(_ATTEMPTS):
        product = catalog.active_product(product_id)
        existing = variants.from_map(product.variants.as_dict() if product.variants else None)
        known = [str(name) for name in product.option_names or []]
        names = variants.check_new(known, existing, data["options"])
        number = int(product.variant_count or 0) + 1
        variant = variants.Variant(
            variants.variant_id(product_id, number),
            sku,
            dict(data["options"]),
            int(data["priceCents"]),
            int(data.get("stock", 0)),
            False,
            number,
        )
        if products.add_variant(product, names, variant):
            return variant
    raise Conflict(
        f"the variants of {product_id} kept changing; try again", Reason.CONCURRENT_UPDATE
    )


def _own(product_id: str) -> None:
    """NotFound unless the product is active and without options (its own single variant)."""
    _find(catalog.active_product(product_id), product_id)


def update_variant(product_id: str, variant_id: str, changes: dict[str, Any]) -> variants.Variant:
    """Change a variant's SKU or price; Conflict if the new SKU exists."""
    if variant_id == product_id:
        _own(product_id)
        if "sku" in changes:
            raise InvalidInput("sku: a product without options has no SKU of its own")
        catalog.update_product(product_id, {"priceCents": changes["priceCents"]})
        return _fresh(product_id, product_id)
    current = _find(catalog.active_product(product_id), variant_id)
    new_sku = changes.get("sku")
    if new_sku is None or new_sku == current.sku:
        if not products.update_variant(product_id, variant_id, changes, clock.iso(clock.now())):
            raise NotFound(f"No variant {variant_id} of {product_id}")
    elif not products.change_sku(product_id, current, variants.check_sku(new_sku), changes):
        raise Conflict(f"the variant {variant_id} changed; try again", Reason.CONCURRENT_UPDATE)
    return _fresh(product_id, variant_id)


def adjust_variant_stock(product_id: str, variant_id: str, delta: int) -> variants.Variant:
    """Add `delta` to a variant's stock atomically; Conflict below 0 or above 1,000,000."""
    if variant_id == product_id:
        _own(product_id)
        catalog.adjust_stock(product_id, delta)
        return _fresh(product_id, product_id)
    if not products.add_variant_stock(product_id, variant_id, delta, clock.iso(clock.now())):
        current = _fresh(product_id, variant_id)  # or NotFound
        limit = "below 0" if delta < 0 else f"above {limits.MAX_STOCK}"
        raise Conflict(
            f"stock of {variant_id} is {current.stock}; a delta of {delta} would go {limit}",
            Reason.STOCK_LIMIT,
        )
    return _fresh(product_id, variant_id)


def archive_variant(product_id: str, variant_id: str) -> None:
    """Archive a variant: no longer for sale; past orders keep their lines, its SKU stays taken."""
    if variant_id == product_id:
        _own(product_id)
        raise Conflict(
            f"{product_id} has no options: archive the product itself", Reason.NO_OPTIONS
        )
    if not products.archive_variant(product_id, variant_id, clock.iso(clock.now())):
        raise NotFound(f"No variant {variant_id} of {product_id}")
