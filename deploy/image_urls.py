"""Stored product images move to the distribution: a migration the deploy runs every time.

A product's `imageUrl` is stored whole. Before the storefront moved behind CloudFront it named the
images bucket directly (`https://<bucket>.s3.<region>.amazonaws.com/products/...`), which a private
bucket no longer serves. After the stack is deployed, every stored URL that starts with one of the
bucket's own addresses, or with the stack's previous IMAGES_BASE_URL, is rewritten to the current
one, each with a condition on its old value (a concurrent admin edit wins). A URL elsewhere (an
admin's own https link) is left alone. Run twice, the second run changes nothing.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

Json = dict[str, Any]


def old_bases(bucket: str, region: str, previous: str | None = None) -> list[str]:
    """Every base an image URL of the bucket may have been stored with, longest first."""
    bases = {
        f"https://{bucket}.s3.{region}.amazonaws.com",
        f"https://{bucket}.s3.amazonaws.com",
        f"https://s3.{region}.amazonaws.com/{bucket}",
        f"http://{bucket}.s3-website-{region}.amazonaws.com",
        f"http://{bucket}.s3-website.{region}.amazonaws.com",
    }
    if previous:
        bases.add(previous.rstrip("/"))
    return sorted(bases, key=len, reverse=True)


def rewritten(url: str, bases: list[str], new_base: str) -> str | None:
    """The URL on `new_base`, or None if it is on none of `bases` (or on it already)."""
    new_base = new_base.rstrip("/")
    if url.startswith(new_base + "/"):
        return None
    for base in bases:
        if url.startswith(base + "/"):
            return f"{new_base}/{url[len(base) + 1 :]}"
    return None


def migrate(ddb: Any, table: str, bases: list[str], new_base: str) -> int:
    """Rewrite the products' stored image URLs on any of `bases` (`old_bases`) to `new_base`;
    answer how many changed.

    A Scan of the products table: the deploy's one pass over the catalog, never a request path.
    """
    changed = 0
    pages = ddb.get_paginator("scan").paginate(
        TableName=table,
        ProjectionExpression="productId, imageUrl",
        ConsistentRead=True,
    )
    for page in pages:
        for item in page.get("Items", []):
            old = item.get("imageUrl", {}).get("S")
            new = rewritten(old, bases, new_base) if old else None
            if new is None:
                continue
            try:
                ddb.update_item(
                    TableName=table,
                    Key={"productId": item["productId"]},
                    UpdateExpression="SET imageUrl = :new",
                    ConditionExpression="imageUrl = :old",
                    ExpressionAttributeValues={":new": {"S": new}, ":old": {"S": old}},
                )
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
                continue
            changed += 1
    return changed
