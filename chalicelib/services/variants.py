"""A product's variants (admin): added, changed, stocked and archived inside the product's item.

Each variant lives in its product's `variants` map (docs/data-model.md, "Variants"); its SKU is
held by a claim item of the products table, written in the same transaction, so a SKU is unique in
the shop. An addition is conditional on the product's `variantCount` as read, so two concurrent
additions never both pass the combination check; a stock move is one conditional UpdateItem on the
variant's own path, safe beside checkouts.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib import clock
from chalicelib.domain import limits, variants
from chalicelib.domain.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from chalicelib.services import catalog
from chalicelib.storage import models
from chalicelib.storage.models import Product, SkuClaim

_ATTEMPTS = 3


def _find(product: Product, variant_id: str) -> variants.Variant:
    for variant in catalog.variants_of(product):
        if variant.variant_id == variant_id and not variant.archived:
            return variant
    raise NotFound(f"No variant {variant_id} of {product.product_id}")


def _fresh(product_id: str, variant_id: str) -> dict[str, Any]:
    return _find(catalog.active_product(product_id), variant_id).as_dict()


def add_variant(product_id: str, data: dict[str, Any]) -> dict[str, Any]:
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
        if _write_new(product, names, variant):
            return variant.as_dict()
    raise Conflict(f"the variants of {product_id} kept changing; try again")


def _stored(variant: variants.Variant) -> dict[str, Any]:
    return {
        "sku": variant.sku,
        "options": variant.options,
        "priceCents": variant.price_cents,
        "stock": variant.stock,
        "archived": False,
        "number": variant.number,
    }


def _write_new(product: Product, names: list[str], variant: variants.Variant) -> bool:
    """Write the variant and its SKU claim; False if the product changed since it was read."""
    read_count = product.variant_count
    unchanged = (
        Product.variant_count.does_not_exist()
        if read_count is None
        else Product.variant_count == read_count
    )
    if product.variants is None:
        put_variant: Any = Product.variants.set({variant.variant_id: _stored(variant)})
    else:
        put_variant = Product.variants[variant.variant_id].set(_stored(variant))
    actions = [
        put_variant,
        Product.option_names.set(names),  # type: ignore[arg-type]
        Product.variant_count.set(variant.number),
        Product.updated_at.set(clock.iso(clock.now())),
    ]
    assert variant.sku is not None
    try:
        with TransactWrite(connection=models.transactions()) as transaction:
            transaction.save(
                SkuClaim(variants.sku_claim_key(variant.sku), variant_id=variant.variant_id),
                condition=SkuClaim.key.does_not_exist(),
            )
            transaction.update(
                Product(product.product_id),
                actions=actions,
                condition=unchanged & (Product.archived == False),  # noqa: E712
            )
    except TransactWriteError as exc:
        failed = _failed(exc)
        if 0 in failed:
            raise AlreadyExists(f"the SKU {variant.sku} exists") from None
        if 1 in failed:
            return False
        raise
    return True


def _failed(exc: TransactWriteError) -> set[int]:
    reasons = exc.cancellation_reasons or []
    return {
        i for i, r in enumerate(reasons) if r is not None and r.code == "ConditionalCheckFailed"
    }


def _live_variant(variant_id: str) -> Any:
    path = Product.variants[variant_id]
    return (Product.archived == False) & (path["archived"] == False)  # noqa: E712


def update_variant(product_id: str, variant_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change a variant's SKU or price; Conflict if the new SKU exists."""
    if variant_id == product_id:
        _find(catalog.active_product(product_id), variant_id)  # NotFound once it has options
        return _update_own(product_id, changes)
    product = catalog.active_product(product_id)
    current = _find(product, variant_id)
    path = Product.variants[variant_id]
    actions: list[Any] = [Product.updated_at.set(clock.iso(clock.now()))]
    if "priceCents" in changes:
        actions.append(path["priceCents"].set(changes["priceCents"]))
    new_sku = changes.get("sku")
    if new_sku is None or new_sku == current.sku:
        _update(product_id, variant_id, actions, _live_variant(variant_id))
        return _fresh(product_id, variant_id)
    actions.append(path["sku"].set(variants.check_sku(new_sku)))
    _change_sku(product_id, current, new_sku, actions)
    return _fresh(product_id, variant_id)


def _update_own(product_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    if "sku" in changes:
        raise InvalidInput("sku: a product without options has no SKU of its own")
    catalog.update_product(product_id, {"priceCents": changes["priceCents"]})
    return _fresh(product_id, product_id)


def _update(product_id: str, variant_id: str, actions: list[Any], condition: Any) -> None:
    try:
        Product(product_id).update(actions=actions, condition=condition)
    except UpdateError as exc:
        if models.condition_failed(exc):
            raise NotFound(f"No variant {variant_id} of {product_id}") from None
        raise


def _change_sku(
    product_id: str, current: variants.Variant, new_sku: str, actions: list[Any]
) -> None:
    """Move a variant to a new SKU: claim it, free the old one, in one transaction."""
    path = Product.variants[current.variant_id]
    try:
        with TransactWrite(connection=models.transactions()) as transaction:
            if current.sku is not None:
                transaction.delete(
                    SkuClaim(variants.sku_claim_key(current.sku)),
                    condition=SkuClaim.variant_id == current.variant_id,
                )
            transaction.save(
                SkuClaim(variants.sku_claim_key(new_sku), variant_id=current.variant_id),
                condition=SkuClaim.key.does_not_exist(),
            )
            transaction.update(
                Product(product_id),
                actions=actions,
                condition=_live_variant(current.variant_id) & (path["sku"] == current.sku),
            )
    except TransactWriteError as exc:
        failed = _failed(exc)
        claim_at = 1 if current.sku is not None else 0  # deletes, then puts, then updates
        if claim_at in failed:
            raise AlreadyExists(f"the SKU {new_sku} exists") from None
        if failed:
            raise Conflict(f"the variant {current.variant_id} changed; try again") from None
        raise


def adjust_variant_stock(product_id: str, variant_id: str, delta: int) -> dict[str, Any]:
    """Add `delta` to a variant's stock atomically; Conflict below 0 or above 1,000,000."""
    if variant_id == product_id:
        _find(catalog.active_product(product_id), variant_id)  # NotFound once it has options
        catalog.adjust_stock(product_id, delta)
        return _fresh(product_id, product_id)
    stock = Product.variants[variant_id]["stock"]
    bound = stock >= -delta if delta < 0 else stock <= limits.MAX_STOCK - delta
    try:
        Product(product_id).update(
            actions=[stock.set(stock + delta), Product.updated_at.set(clock.iso(clock.now()))],
            condition=_live_variant(variant_id) & bound,
        )
    except UpdateError as exc:
        if not models.condition_failed(exc):
            raise
        current = _find(catalog.active_product(product_id), variant_id)  # or NotFound
        limit = "below 0" if delta < 0 else f"above {limits.MAX_STOCK}"
        raise Conflict(
            f"stock of {variant_id} is {current.stock}; a delta of {delta} would go {limit}"
        ) from None
    return _fresh(product_id, variant_id)


def archive_variant(product_id: str, variant_id: str) -> None:
    """Archive a variant: no longer for sale; past orders keep their lines, its SKU stays taken."""
    if variant_id == product_id:
        _find(catalog.active_product(product_id), variant_id)  # NotFound once it has options
        raise Conflict(f"{product_id} has no options: archive the product itself")
    _update(
        product_id,
        variant_id,
        [
            Product.variants[variant_id]["archived"].set(True),
            Product.updated_at.set(clock.iso(clock.now())),
        ],
        _live_variant(variant_id),
    )
