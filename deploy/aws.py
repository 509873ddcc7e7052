"""boto3 clients for the deploy: one region and, for the offline rehearsal, one endpoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3


@dataclass
class Aws:
    """Clients of one account and region; `endpoint_url` points them all at moto in tests."""

    region: str
    endpoint_url: str | None = None
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def client(self, service: str) -> Any:
        """A cached boto3 client for `service`."""
        if service not in self._clients:
            session = boto3.session.Session(region_name=self.region)
            self._clients[service] = session.client(service, endpoint_url=self.endpoint_url)
        return self._clients[service]

    def account_id(self) -> str:
        """The account the credentials belong to."""
        return str(self.client("sts").get_caller_identity()["Account"])
