"""The storefront on S3: static/ as it is, plus a config.js that names the deployed API.

The committed static/config.js names the local API; it is never rewritten. The bucket gets a
generated one instead, and objects no longer in static/ are removed, so the bucket mirrors the tree.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from devstack.web import config_js

CONFIG = "config.js"
LEFT_OUT = {CONFIG, "README.md"}
# The page and its settings must be fresh after a deploy; the rest may be cached briefly.
NO_CACHE = {"index.html", CONFIG}
CONTENT_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css"}


def content_type(key: str) -> str:
    """The Content-Type S3 should serve a storefront file with."""
    suffix = Path(key).suffix
    guessed = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(key)[0]
    kind = guessed or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") else kind


def cache_control(key: str) -> str:
    """The Cache-Control of a storefront file."""
    return "no-cache" if key in NO_CACHE else "public, max-age=300"


def files(static_dir: Path) -> dict[str, Path]:
    """The storefront's files by object key, without the local config.js and the README."""
    found = {
        path.relative_to(static_dir).as_posix(): path
        for path in sorted(static_dir.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
    return {key: path for key, path in found.items() if key not in LEFT_OUT}


def _put(s3: Any, bucket: str, key: str, body: bytes) -> None:
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=body,
        ContentType=content_type(key),
        CacheControl=cache_control(key),
    )


def _keys(s3: Any, bucket: str) -> set[str]:
    keys: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys.update(item["Key"] for item in page.get("Contents", []))
    return keys


def _delete(s3: Any, bucket: str, objects: list[dict[str, str]]) -> None:
    for start in range(0, len(objects), 1000):
        s3.delete_objects(
            Bucket=bucket, Delete={"Objects": objects[start : start + 1000], "Quiet": True}
        )


def publish(s3: Any, bucket: str, static_dir: Path, api_url: str) -> list[str]:
    """Upload the storefront and a config.js for `api_url`, drop stale objects; answer the keys."""
    wanted = files(static_dir)
    for key, path in wanted.items():
        _put(s3, bucket, key, path.read_bytes())
    _put(s3, bucket, CONFIG, config_js(api_url.rstrip("/")))
    keys = [*wanted, CONFIG]
    stale = sorted(_keys(s3, bucket) - set(keys))
    _delete(s3, bucket, [{"Key": key} for key in stale])
    return sorted(keys)


def empty_bucket(s3: Any, bucket: str) -> int:
    """Delete every object (and every version) in a bucket; answer how many; 0 if it is gone."""
    from botocore.exceptions import ClientError

    objects: list[dict[str, str]] = []
    try:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
                objects.append({"Key": item["Key"], "VersionId": item["VersionId"]})
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchBucket":
            return 0
        raise
    _delete(s3, bucket, objects)
    return len(objects)
