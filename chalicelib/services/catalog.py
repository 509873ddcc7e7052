"""The catalog's use cases: products listed, read, created, changed, stocked and archived."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib import clock
from chalicelib.config import settings
from chalicelib.domain import limits
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.pricing import Snapshot
from chalicelib.storage import paging
from chalicelib.storage.models import Product, condition_failed

ACTIVE = "ACTIVE"
_IMAGE_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
UPLOAD_URL_SECONDS = 900
MAX_STOCK = limits.MAX_STOCK  # the contract's limit on `stock`, kept by deltas too


def render(product: Product) -> dict[str, Any]:
    """A product as the contract shows it."""
    return {
        "productId": product.product_id,
        "name": product.name,
        "description": product.description,
        "priceCents": int(product.price_cents),
        "currency": product.currency,
        "category": product.category,
        "stock": int(product.stock),
        "imageUrl": product.image_url,
        "createdAt": product.created_at,
        "updatedAt": product.updated_at,
    }


def _active(product_id: str) -> Product:
    try:
        product = Product.get(product_id)
    except DoesNotExist:
        raise NotFound(f"No product {product_id}") from None
    if product.archived:
        raise NotFound(f"No product {product_id}")
    return product


def get_product(product_id: str) -> dict[str, Any]:
    """An active product; NotFound if it is missing or archived."""
    return render(_active(product_id))


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
    return render(product)


_PATCHABLE: dict[str, Any] = {
    "name": Product.name,
    "description": Product.description,
    "priceCents": Product.price_cents,
    "category": Product.category,
    "imageUrl": Product.image_url,
}


def _live_condition() -> Any:
    return Product.product_id.exists() & (Product.archived == False)  # noqa: E712


def update_product(product_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change an active product's fields; NotFound if it is missing or archived."""
    actions = [_PATCHABLE[field].set(value) for field, value in changes.items()]
    if "category" in changes:
        actions.append(Product.listed_category.set(changes["category"]))
    actions.append(Product.updated_at.set(clock.iso(clock.now())))
    product = Product(product_id)
    try:
        product.update(actions=actions, condition=_live_condition())
    except UpdateError as exc:
        if condition_failed(exc):
            raise NotFound(f"No product {product_id}") from None
        raise
    return render(product)


def adjust_stock(product_id: str, delta: int) -> dict[str, Any]:
    """Add `delta` to a product's stock atomically; Conflict if it would fall below zero."""
    condition = _live_condition()
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


def snapshots(product_ids: list[str]) -> dict[str, Snapshot]:
    """Pricing snapshots of products, read in one BatchGetItem (archived ones included)."""
    if not product_ids:
        return {}
    return {
        p.product_id: Snapshot(
            product_id=p.product_id,
            name=p.name,
            price_cents=int(p.price_cents),
            currency=p.currency,
            stock=int(p.stock),
            active=not p.archived,
        )
        for p in Product.batch_get(list(dict.fromkeys(product_ids)))
    }
