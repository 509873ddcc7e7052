"""One moto server for the benchmarks that need a real endpoint (cold start): started once."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

from bench.shop import ENV, ROOT, STAGE

PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


@contextlib.contextmanager
def moto_endpoint() -> Iterator[dict[str, str]]:
    """A moto server with the template provisioned; answer the app's environment for it."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from devstack.moto_server import start_moto
    from infra.provision import provision

    os.environ.update(ENV)
    server = start_moto(port=0)
    try:
        outputs = provision({"Stage": STAGE}, endpoint_url=server.endpoint_url)
        env = {key: os.environ[key] for key in PASSED_THROUGH if key in os.environ}
        env.update(ENV)
        env.update(outputs)
        env.update(AWS_ENDPOINT_URL=server.endpoint_url, AUTH_MODE="cognito", PYTHONHASHSEED="0")
        yield env
    finally:
        server.stop()


def boto3_client(env: dict[str, str], service: str) -> Any:
    """A boto3 client for the moto server of `env`."""
    import boto3

    return boto3.session.Session(region_name=env["AWS_DEFAULT_REGION"]).client(
        service, endpoint_url=env["AWS_ENDPOINT_URL"]
    )
