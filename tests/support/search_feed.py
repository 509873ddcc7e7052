"""The products stream delivered to the search indexer by hand, as the event source mapping would.

API tests run in-process with no pump: after changing the catalog, a test calls `feed.sync()` and
the new stream records reach `index_products` through the Chalice test client, in the same event
shape the local stack's pump sends (devstack.lambda_events).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3

from harness.streams import StreamFeed


@dataclass
class SearchFeed:
    """The products table's stream, read from its start and handed to `index_products`."""

    client: Any  # chalice.test.Client
    products_table: str
    _feed: StreamFeed | None = None

    def sync(self) -> int:
        """Deliver the stream's new records to the indexer in one batch; answer how many."""
        if self._feed is None:
            self._feed = StreamFeed(self.client, self.products_table, "index_products")
        return self._feed.deliver()


def forget_snapshot() -> None:
    """Delete the search snapshot and this process's copy of it: the next test starts empty."""
    from chalicelib.adapters import search_snapshot
    from chalicelib.config import settings

    s = settings()
    boto3.client("s3").delete_object(Bucket=s.search_bucket, Key=s.search_key)
    search_snapshot.forget()
