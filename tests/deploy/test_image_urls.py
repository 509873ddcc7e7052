"""The image-URL migration: bucket URLs move to the distribution's, once, and nothing else moves."""

from __future__ import annotations

from typing import Any

from deploy import image_urls
from devstack.moto_server import LockedMotoServer

BUCKET, REGION = "shop-dev-images-123456789012", "eu-west-1"
NEW = "https://d111111abcdef8.cloudfront.net"


def test_each_address_of_the_bucket_moves_and_others_stay() -> None:
    bases = image_urls.old_bases(BUCKET, REGION, previous="https://old.cloudfront.net/")
    key = "products/p1/img-1.png"
    for base in (
        f"https://{BUCKET}.s3.{REGION}.amazonaws.com",
        f"https://{BUCKET}.s3.amazonaws.com",
        f"https://s3.{REGION}.amazonaws.com/{BUCKET}",
        f"http://{BUCKET}.s3-website-{REGION}.amazonaws.com",
        "https://old.cloudfront.net",
    ):
        assert image_urls.rewritten(f"{base}/{key}", bases, NEW + "/") == f"{NEW}/{key}", base
    assert image_urls.rewritten(f"{NEW}/{key}", bases, NEW) is None
    assert image_urls.rewritten(f"https://cdn.example.org/{key}", bases, NEW) is None
    assert (
        image_urls.rewritten(f"https://{BUCKET}.s3.amazonaws.com.evil.org/{key}", bases, NEW)
        is None
    )


def test_the_migration_changes_each_stored_url_once(moto: LockedMotoServer) -> None:
    ddb: Any = moto.client("dynamodb")
    ddb.create_table(
        TableName="products",
        KeySchema=[{"AttributeName": "productId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "productId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    stored = {
        "a": f"https://{BUCKET}.s3.{REGION}.amazonaws.com/products/a/1.png",
        "b": "https://cdn.example.org/b.png",
    }
    for product, url in stored.items():
        ddb.put_item(
            TableName="products", Item={"productId": {"S": product}, "imageUrl": {"S": url}}
        )
    ddb.put_item(TableName="products", Item={"productId": {"S": "c"}})

    bases = image_urls.old_bases(BUCKET, REGION)
    assert image_urls.migrate(ddb, "products", bases, NEW) == 1
    assert image_urls.migrate(ddb, "products", bases, NEW) == 0
    items = ddb.scan(TableName="products")["Items"]
    urls = {item["productId"]["S"]: item.get("imageUrl", {}).get("S") for item in items}
    assert urls == {"a": f"{NEW}/products/a/1.png", "b": stored["b"], "c": None}
