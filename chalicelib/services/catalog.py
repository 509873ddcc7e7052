"""The catalog's use cases: products listed, read, created, changed, stocked and archived."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib import clock
from chalicelib.config import settings
from chalicelib.domain import limits, variants
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.pricing import Snapshot
from chalicelib.storage import paging
from chalicelib.storage.models import Product, condition_failed

ACTIVE = "ACTIVE"
_IMAGE_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
UPLOAD_URL_SECONDS = 900
MAX_STOCK = limits.MAX_STOCK  # the contract's limit on `stock`, kept by deltas too


def own_variant(product: Product) -> variants.Variant:
    """A product without options as its single variant: the product's id, price and stock."""
    return variants.Variant(
        product.product_id, None, {}, int(product.price_cents), int(product.stock), False, 0
    )


def variants_of(product: Product) -> list[variants.Variant]:
    """A product's variants, archived ones included; a product without options is its own."""
    if product.variants is None:
        return [own_variant(product)]
    return variants.from_map(product.variants.as_dict())


def render(product: Product, *, with_variants: bool = False) -> dict[str, Any]:
    """A product as the contract shows it; with options, its lowest active price and stock sum."""
    price, stock = int(product.price_cents), int(product.stock)
    listed = variants.active(variants_of(product))
    if product.variants is not None and listed:
        price = min(v.price_cents for v in listed)
        stock = sum(v.stock for v in listed)
    elif product.variants is not None:
        stock = 0
    rendered = {
        "productId": product.product_id,
        "name": product.name,
        "description": product.description,
        "priceCents": price,
        "currency": product.currency,
        "category": product.category,
        "stock": stock,
        "imageUrl": product.image_url,
        "createdAt": product.created_at,
        "updatedAt": product.updated_at,
    }
    if with_variants:
        rendered["options"] = variants.option_list(
            [str(n) for n in product.option_names or []], listed
        )
        rendered["variants"] = [v.as_dict() for v in listed]
    return rendered


def active_product(product_id: str) -> Product:
    """An active product's item; NotFound if it is missing or archived."""
    if product_id.startswith(variants.SKU_CLAIM_PREFIX):
        raise NotFound(f"No product {product_id}")
    try:
        product = Product.get(product_id)
    except DoesNotExist:
        raise NotFound(f"No product {product_id}") from None
    if product.archived:
        raise NotFound(f"No product {product_id}")
    return product


_active = active_product


def get_product(product_id: str) -> dict[str, Any]:
    """An active product with its options and active variants; NotFound if missing or archived."""
    return render(_active(product_id), with_variants=True)


def list_products(category: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
    """One page of active products, newest first, optionally of one category."""
    if category is None:
        index: Any = Product.active_index
        hash_value, attributes, scope = ACTIVE, ("productId", "listed", "sortKey"), "products"
    else:
        index = Product.category_index
        hash_value, attributes = category, ("productId", "listedCategory", "sortKey")
        scope = f"products:{category}"
    return paging.newest_first(
        index,
        hash_value,
        limit=limit,
        cursor=cursor,
        scope=scope,
        hash_attribute=attributes[1],
        key_attributes=attributes,
        render=render,
    )


def create_product(data: dict[str, Any]) -> dict[str, Any]:
    """Add a product to the catalog and list it at once."""
    moment = clock.now()
    product_id = clock.new_id("prd")
    product = Product(
        product_id,
        name=data["name"],
        description=data.get("description", ""),
        price_cents=data["priceCents"],
        currency=data.get("currency", "USD"),
        category=data["category"],
        stock=data.get("stock", 0),
        image_url=data.get("imageUrl"),
        archived=False,
        created_at=clock.iso(moment),
        updated_at=clock.iso(moment),
        sort_key=clock.sort_key(moment, product_id),
        listed=ACTIVE,
        listed_category=data["category"],
    )
    product.save(condition=Product.product_id.does_not_exist())
    return render(product, with_variants=True)


_PATCHABLE: dict[str, Any] = {
    "name": Product.name,
    "description": Product.description,
    "priceCents": Product.price_cents,
    "category": Product.category,
    "imageUrl": Product.image_url,
}


def _live_condition() -> Any:
    return Product.product_id.exists() & (Product.archived == False)  # noqa: E712


def _without_options(product_id: str, what: str) -> Conflict:
    """NotFound if the product is gone, else the Conflict of changing `what` of one with options."""
    _active(product_id)
    return Conflict(f"{product_id} has options: {what} is each variant's")


def update_product(product_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change an active product's fields; NotFound if it is missing or archived.

    A product with options has no price of its own (its variants have): PATCH priceCents is a
    Conflict for it.
    """
    actions = [_PATCHABLE[field].set(value) for field, value in changes.items()]
    if "category" in changes:
        actions.append(Product.listed_category.set(changes["category"]))
    actions.append(Product.updated_at.set(clock.iso(clock.now())))
    condition = _live_condition()
    if "priceCents" in changes:
        condition &= Product.variants.does_not_exist()
    product = Product(product_id)
    try:
        product.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        if "priceCents" in changes:
            raise _without_options(product_id, "the price") from None
        raise NotFound(f"No product {product_id}") from None
    return render(product, with_variants=True)


def adjust_stock(product_id: str, delta: int) -> dict[str, Any]:
    """Add `delta` to a product's stock atomically; Conflict if it would fall below zero.

    A product with options has no stock of its own (its variants have): a Conflict for it.
    """
    condition = _live_condition() & Product.variants.does_not_exist()
    if delta < 0:
        condition &= Product.stock >= -delta
    else:
        condition &= Product.stock <= MAX_STOCK - delta
    product = Product(product_id)
    try:
        product.update(
            actions=[Product.stock.add(delta), Product.updated_at.set(clock.iso(clock.now()))],
            condition=condition,
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        current = _active(product_id)  # raises NotFound when that was the failed condition
        if current.variants is not None:
            raise _without_options(product_id, "the stock") from None
        bound = "below 0" if delta < 0 else f"above {MAX_STOCK}"
        raise Conflict(
            f"stock of {product_id} is {int(current.stock)}; a delta of {delta} would go {bound}"
        ) from None
    return render(product)


def archive_product(product_id: str) -> None:
    """Archive a product: unlisted and no longer orderable; past orders keep their lines."""
    product = Product(product_id)
    try:
        product.update(
            actions=[
                Product.archived.set(True),
                Product.listed.remove(),
                Product.listed_category.remove(),
                Product.updated_at.set(clock.iso(clock.now())),
            ],
            condition=_live_condition(),
        )
    except UpdateError as exc:
        if condition_failed(exc):
            raise NotFound(f"No product {product_id}") from None
        raise


def image_upload(product_id: str, content_type: str) -> dict[str, Any]:
    """A presigned S3 PUT for a product's image; its URL becomes the product's image."""
    from chalicelib.adapters import aws  # boto3 only for this route

    s = settings()
    key = f"products/{product_id}/{clock.new_id('img')}.{_IMAGE_EXTENSIONS[content_type]}"
    base = s.images_base_url or f"https://{s.images_bucket}.s3.{s.region}.amazonaws.com"
    image_url = f"{base.rstrip('/')}/{key}"
    update_product(product_id, {"imageUrl": image_url})
    upload_url = aws.client("s3").generate_presigned_url(
        "put_object",
        Params={"Bucket": s.images_bucket, "Key": key, "ContentType": content_type},
        ExpiresIn=UPLOAD_URL_SECONDS,
    )
    return {"uploadUrl": upload_url, "imageUrl": image_url, "expiresIn": UPLOAD_URL_SECONDS}


def snapshot(product: Product, variant_id: str) -> Snapshot | None:
    """What pricing needs of one variant of a product item, or None if it has no such variant.

    A product with options named bare is its archived own variant, flagged `needs_choice`.
    """
    if variant_id == product.product_id:
        found: variants.Variant | None = own_variant(product)
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
