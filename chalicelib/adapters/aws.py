"""boto3 clients, built on first use and cached per container.

boto3 is imported here lazily: a request that only touches DynamoDB (through PynamoDB, which uses
botocore directly) never pays for importing it. `reset()` is the seam tests use after changing
the environment.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.config import settings


@cache
def client(service: str) -> Any:
    """A cached boto3 client for an AWS service in this stage's region."""
    import boto3
    from botocore.config import Config

    # SigV4 everywhere: S3 presigned URLs would otherwise default to the deprecated SigV2.
    config = Config(signature_version="s3v4") if service == "s3" else None
    return boto3.session.Session().client(service, region_name=settings().region, config=config)


def reset() -> None:
    """Forget every cached client (tests call this between moto sessions)."""
    client.cache_clear()
