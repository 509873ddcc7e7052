"""The products table's door: products, their variants and the SKU claims that keep SKUs unique.

A variant lives in its product's `variants` map (docs/data-model.md, "Variants"); its SKU is held
by a claim item of the same table, written in the same transaction as the variant.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition

from chalicelib import clock
from chalicelib.domain import limits, variants
from chalicelib.domain.errors import AlreadyExists
from chalicelib.domain.pricing import Snapshot
from chalicelib.storage.models import Product, SkuClaim, condition_failed
from chalicelib.storage.paging import Listing, Page, newest_first
from chalicelib.storage.transactions import Cancelled, Transaction

ACTIVE = "ACTIVE"  # the sparse `listed` attribute of every active product

_FIELDS: dict[str, Any] = {
    "name": Product.name,
    "description": Product.description,
    "priceCents": Product.price_cents,
    "category": Product.category,
    "imageUrl": Product.image_url,
}


def get(product_id: str) -> Product | None:
    """A product, archived or not, or None (a SKU claim's key is no product)."""
    if product_id.startswith(variants.SKU_CLAIM_PREFIX):
        return None
    try:
        return Product.get(product_id)
    except DoesNotExist:
        return None


def variants_of(product: Product) -> list[variants.Variant]:
    """A product's variants, archived ones included; a product without options is its own."""
    return variants.of_product(
        product.product_id,
        int(product.price_cents),
        int(product.stock),
        product.variants.as_dict() if product.variants is not None else None,
    )


def snapshot(product: Product, variant_id: str) -> Snapshot | None:
    """What pricing needs of one variant of a product item, or None if it has no such variant.

    A product with options named bare is its archived own variant, flagged `needs_choice`.
    """
    if variant_id == product.product_id:
        found: variants.Variant | None = variants.own(
            product.product_id, int(product.price_cents), int(product.stock)
        )
    else:
        found = next((v for v in variants_of(product) if v.variant_id == variant_id), None)
        if found is None or product.variants is None:
            return None
    assert found is not None
    return Snapshot(
        product_id=product.product_id,
        name=product.name,
        price_cents=found.price_cents,
        currency=product.currency,
        stock=found.stock,
        active=not product.archived and not found.archived,
        variant_id=variant_id,
        sku=found.sku,
        options=dict(found.options),
        needs_choice=variant_id == product.product_id and product.variants is not None,
    )


def snapshots(variant_ids: list[str]) -> dict[str, Snapshot]:
    """Pricing snapshots of variants; their products read in one BatchGetItem (archived too)."""
    wanted = [v for v in dict.fromkeys(variant_ids) if not v.startswith(variants.SKU_CLAIM_PREFIX)]
    if not wanted:
        return {}
    products = {
        p.product_id: p
        for p in Product.batch_get(list(dict.fromkeys(variants.product_of(v) for v in wanted)))
    }
    found = {}
    for vid in wanted:
        product = products.get(variants.product_of(vid))
        taken = snapshot(product, vid) if product is not None else None
        if taken is not None:
            found[vid] = taken
    return found


def by_ids(product_ids: list[str]) -> dict[str, Product]:
    """The products with these ids (archived too), by id, in one BatchGetItem (at most 100)."""
    wanted = [p for p in dict.fromkeys(product_ids) if not p.startswith(variants.SKU_CLAIM_PREFIX)]
    if not wanted:
        return {}
    return {p.product_id: p for p in Product.batch_get(wanted)}


def all_active() -> Iterator[Product]:
    """Every active product, newest first: paged Queries of the active index (no request path)."""
    yield from Product.active_index.query(ACTIVE, scan_index_forward=False)


def from_stream_image(image: dict[str, Any] | None) -> Product | None:
    """The product a stream record's image (DynamoDB JSON) holds; None for a SKU claim or none."""
    if not image or image.get("productId", {}).get("S", "").startswith(variants.SKU_CLAIM_PREFIX):
        return None
    return Product.from_raw_data(image)


def page(category: str | None, limit: int, cursor: str | None) -> Page[Product]:
    """One page of active products, newest first, optionally of one category."""
    if category is None:
        listing = Listing(
            Product.active_index, ACTIVE, "listed", ("productId", "listed", "sortKey"), "products"
        )
    else:
        listing = Listing(
            Product.category_index,
            category,
            "listedCategory",
            ("productId", "listedCategory", "sortKey"),
            f"products:{category}",
        )
    return newest_first(listing, limit=limit, cursor=cursor)


def create(product_id: str, fields: dict[str, Any], moment: datetime) -> Product:
    """Store a new, listed product from the contract's fields."""
    product = Product(
        product_id,
        name=fields["name"],
        description=fields.get("description", ""),
        price_cents=fields["priceCents"],
        currency=fields.get("currency", "USD"),
        category=fields["category"],
        stock=fields.get("stock", 0),
        image_url=fields.get("imageUrl"),
        archived=False,
        created_at=clock.iso(moment),
        updated_at=clock.iso(moment),
        sort_key=clock.sort_key(moment, product_id),
        listed=ACTIVE,
        listed_category=fields["category"],
    )
    product.save(condition=Product.product_id.does_not_exist())
    return product


def _live() -> Condition:
    live: Condition = Product.product_id.exists() & (Product.archived == False)  # noqa: E712
    return live


def _update_live(product_id: str, actions: list[Any], condition: Condition) -> Product | None:
    product = Product(product_id)
    try:
        product.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if condition_failed(exc):
            return None
        raise
    return product


def update(product_id: str, changes: dict[str, Any], stamp: str) -> Product | None:
    """Change an active product's fields (contract names); None if it is missing or archived, or
    if the change sets a price and the product has options (each variant has its own)."""
    actions = [_FIELDS[field].set(value) for field, value in changes.items()]
    if "category" in changes:
        actions.append(Product.listed_category.set(changes["category"]))
    actions.append(Product.updated_at.set(stamp))
    condition = _live()
    if "priceCents" in changes:
        condition &= Product.variants.does_not_exist()
    return _update_live(product_id, actions, condition)


def add_stock(product_id: str, delta: int, stamp: str) -> Product | None:
    """Add `delta` to the stock of an active product without options within 0..MAX_STOCK; None if
    it would leave those bounds, or the product is missing, archived or has options."""
    condition = _live() & Product.variants.does_not_exist()
    if delta < 0:
        condition &= Product.stock >= -delta
    else:
        condition &= Product.stock <= limits.MAX_STOCK - delta
    actions = [Product.stock.add(delta), Product.updated_at.set(stamp)]
    return _update_live(product_id, actions, condition)


def archive(product_id: str, stamp: str) -> bool:
    """Unlist an active product; False if it is missing or archived already."""
    actions = [
        Product.archived.set(True),
        Product.listed.remove(),
        Product.listed_category.remove(),
        Product.updated_at.set(stamp),
    ]
    return _update_live(product_id, actions, _live()) is not None


# --- variants -----------------------------------------------------------------------------------


def _stored(variant: variants.Variant) -> dict[str, Any]:
    return {
        "sku": variant.sku,
        "options": variant.options,
        "priceCents": variant.price_cents,
        "stock": variant.stock,
        "archived": False,
        "number": variant.number,
    }


def _live_variant(variant_id: str) -> Condition:
    path = Product.variants[variant_id]
    live: Condition = (Product.archived == False) & (path["archived"] == False)  # noqa: E712
    return live


def add_variant(product: Product, option_names: list[str], variant: variants.Variant) -> bool:
    """Write a new variant and its SKU claim in one transaction; False if the product changed
    since it was read (its `variantCount`), AlreadyExists if the SKU is taken."""
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
    assert variant.sku is not None
    transaction = Transaction()
    transaction.put(
        "sku",
        SkuClaim(variants.sku_claim_key(variant.sku), variant_id=variant.variant_id),
        condition=SkuClaim.key.does_not_exist(),
    )
    transaction.update(
        "product",
        Product(product.product_id),
        actions=[
            put_variant,
            Product.option_names.set(option_names),  # type: ignore[arg-type]
            Product.variant_count.set(variant.number),
            Product.updated_at.set(clock.iso(clock.now())),
        ],
        condition=unchanged & (Product.archived == False),  # noqa: E712
    )
    try:
        transaction.commit()
    except Cancelled as cancelled:
        if "sku" in cancelled.failed:
            raise AlreadyExists(f"the SKU {variant.sku} exists") from None
        return False
    return True


def update_variant(product_id: str, variant_id: str, changes: dict[str, Any], stamp: str) -> bool:
    """Change a live variant's price; False if the product or the variant is gone."""
    actions: list[Any] = [Product.updated_at.set(stamp)]
    if "priceCents" in changes:
        actions.append(Product.variants[variant_id]["priceCents"].set(changes["priceCents"]))
    return _update_live(product_id, actions, _live_variant(variant_id)) is not None


def change_sku(
    product_id: str, current: variants.Variant, new_sku: str, changes: dict[str, Any]
) -> bool:
    """Move a variant to a new SKU (and price, if given): claim it and free the old one in one
    transaction; AlreadyExists if the new SKU is taken, False if the variant changed meanwhile."""
    path = Product.variants[current.variant_id]
    actions: list[Any] = [Product.updated_at.set(clock.iso(clock.now()))]
    if "priceCents" in changes:
        actions.append(path["priceCents"].set(changes["priceCents"]))
    actions.append(path["sku"].set(new_sku))
    transaction = Transaction()
    if current.sku is not None:
        transaction.delete(
            "old sku",
            SkuClaim(variants.sku_claim_key(current.sku)),
            condition=SkuClaim.variant_id == current.variant_id,
        )
    transaction.put(
        "new sku",
        SkuClaim(variants.sku_claim_key(new_sku), variant_id=current.variant_id),
        condition=SkuClaim.key.does_not_exist(),
    )
    transaction.update(
        "product",
        Product(product_id),
        actions=actions,
        condition=_live_variant(current.variant_id) & (path["sku"] == current.sku),
    )
    try:
        transaction.commit()
    except Cancelled as cancelled:
        if "new sku" in cancelled.failed:
            raise AlreadyExists(f"the SKU {new_sku} exists") from None
        return False
    return True


def add_variant_stock(product_id: str, variant_id: str, delta: int, stamp: str) -> bool:
    """Add `delta` to a live variant's stock within 0..MAX_STOCK (one UpdateItem on its own path,
    safe beside checkouts); False if it would leave those bounds or the variant is gone."""
    stock = Product.variants[variant_id]["stock"]
    bound = stock >= -delta if delta < 0 else stock <= limits.MAX_STOCK - delta
    actions = [stock.set(stock + delta), Product.updated_at.set(stamp)]
    return _update_live(product_id, actions, _live_variant(variant_id) & bound) is not None


def archive_variant(product_id: str, variant_id: str, stamp: str) -> bool:
    """Archive a live variant (its SKU stays taken); False if it is gone."""
    actions = [Product.variants[variant_id]["archived"].set(True), Product.updated_at.set(stamp)]
    return _update_live(product_id, actions, _live_variant(variant_id)) is not None
