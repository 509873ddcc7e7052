"""Times and ids: ISO 8601 in UTC, and sort keys that order by creation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


def now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """A time as the contract writes it: ISO 8601 in UTC to the second."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def sort_key(moment: datetime, item_id: str) -> str:
    """A unique key that sorts by creation time (microseconds) then id."""
    return f"{moment.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{item_id}"


def new_id(prefix: str) -> str:
    """A new opaque id such as `prd_3f2a...` (uuid4: random, no coordination needed)."""
    return f"{prefix}_{uuid.uuid4().hex}"
