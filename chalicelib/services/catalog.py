"""The catalog's use cases: products listed, read, created, changed, stocked and archived."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib import clock
from chalicelib.config import settings
from chalicelib.domain import limits
from chalicelib.domain.errors import Conflict, NotFound, Reason
from chalicelib.domain.pricing import Snapshot
from chalicelib.storage import products
from chalicelib.storage.models import Product
from chalicelib.storage.paging import Page

_IMAGE_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
UPLOAD_URL_SECONDS = 900


@dataclass(frozen=True)
class ImageUpload:
    """Where to PUT a product's new image, and the URL it will have."""

    upload_url: str
    image_url: str
    expires_in: int


def active_product(product_id: str) -> Product:
    """An active product's item; NotFound if it is missing or archived."""
    product = products.get(product_id)
    if product is None or product.archived:
        raise NotFound(f"No product {product_id}")
    return product


def get_product(product_id: str) -> Product:
    """An active product (with its variants); NotFound if it is missing or archived."""
    return active_product(product_id)


def list_products(category: str | None, limit: int, cursor: str | None) -> Page[Product]:
    """One page of active products, newest first, optionally of one category."""
    return products.page(category, limit, cursor)


def create_product(data: dict[str, Any]) -> Product:
    """Add a product to the catalog and list it at once."""
    return products.create(clock.new_id("prd"), data, clock.now())


def _with_options(product_id: str, what: str) -> Conflict:
    """NotFound if the product is gone, else the Conflict of changing `what` of one with options."""
    active_product(product_id)
    return Conflict(f"{product_id} has options: {what} is each variant's", Reason.HAS_OPTIONS)


def update_product(product_id: str, changes: dict[str, Any]) -> Product:
    """Change an active product's fields; NotFound if it is missing or archived.

    A product with options has no price of its own (its variants have): PATCH priceCents is a
    Conflict for it.
    """
    product = products.update(product_id, changes, clock.iso(clock.now()))
    if product is None:
        if "priceCents" in changes:
            raise _with_options(product_id, "the price")
        raise NotFound(f"No product {product_id}")
    return product


def adjust_stock(product_id: str, delta: int) -> Product:
    """Add `delta` to a product's stock atomically; Conflict if it would leave 0..MAX_STOCK.

    A product with options has no stock of its own (its variants have): a Conflict for it.
    """
    product = products.add_stock(product_id, delta, clock.iso(clock.now()))
    if product is None:
        current = active_product(product_id)  # raises NotFound when that was the failed condition
        if current.variants is not None:
            raise _with_options(product_id, "the stock")
        bound = "below 0" if delta < 0 else f"above {limits.MAX_STOCK}"
        raise Conflict(
            f"stock of {product_id} is {int(current.stock)}; a delta of {delta} would go {bound}",
            Reason.STOCK_LIMIT,
        )
    return product


def archive_product(product_id: str) -> None:
    """Archive a product: unlisted and no longer orderable; past orders keep their lines."""
    if not products.archive(product_id, clock.iso(clock.now())):
        raise NotFound(f"No product {product_id}")


def image_upload(product_id: str, content_type: str) -> ImageUpload:
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
    return ImageUpload(upload_url, image_url, UPLOAD_URL_SECONDS)


def snapshot(product: Product, variant_id: str) -> Snapshot | None:
    """What pricing needs of one variant of a product item, or None if it has no such variant."""
    return products.snapshot(product, variant_id)


def snapshots(variant_ids: list[str]) -> dict[str, Snapshot]:
    """Pricing snapshots of variants; their products read in one BatchGetItem (archived too)."""
    return products.snapshots(variant_ids)
