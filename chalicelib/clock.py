"""Times and ids: ISO 8601 in UTC, and sort keys that order by creation.

`reading()` is the seam for tests that stop or move time: inside the block, `now()` answers the
given source's time instead of the system's.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

_sources: list[Callable[[], datetime]] = []


def now() -> datetime:
    """The current time in UTC."""
    return _sources[-1]() if _sources else datetime.now(UTC)


@contextlib.contextmanager
def reading(source: Callable[[], datetime]) -> Iterator[None]:
    """Read the time from `source` inside the block (for tests that stop or move time)."""
    _sources.append(source)
    try:
        yield
    finally:
        _sources.pop()


def iso(moment: datetime) -> str:
    """A time as the contract writes it: ISO 8601 in UTC to the second."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(stamp: str) -> datetime:
    """A time the contract wrote (ISO 8601 in UTC, as `iso` writes it)."""
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def sort_key(moment: datetime, item_id: str) -> str:
    """A unique key that sorts by creation time (microseconds) then id."""
    return f"{moment.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{item_id}"


def new_id(prefix: str) -> str:
    """A new opaque id such as `prd_3f2a...` (uuid4: random, no coordination needed)."""
    return f"{prefix}_{uuid.uuid4().hex}"
