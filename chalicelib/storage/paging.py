"""One page of a newest-first index Query, with a signed cursor for the next page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage import cursors

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """Items of one page, and the cursor of the next one (None at the end of the list)."""

    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class Listing:
    """Where a list lives: the index, its partition, and the key attributes a cursor carries."""

    index: Any  # a GlobalSecondaryIndex or a Model class: both answer .query()
    hash_value: str
    hash_attribute: str
    key_attributes: tuple[str, ...]
    scope: str  # what a cursor is signed for: the list, its filter and the caller


def newest_first(listing: Listing, *, limit: int, cursor: str | None) -> Page[Any]:
    """One page of a Query, newest first (one DynamoDB call)."""
    start = cursors.decode(listing.scope, cursor)
    cursors.require_partition(start, listing.hash_attribute, listing.hash_value)
    index: GlobalSecondaryIndex[Any] | type[Model] = listing.index
    # Ask for one more than the page: then nextCursor is null exactly when the list has ended.
    results = index.query(
        listing.hash_value,
        scan_index_forward=False,
        limit=limit + 1,
        page_size=limit + 1,
        last_evaluated_key=start,
    )
    items: list[Model] = list(results)
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        next_cursor = cursors.encode(listing.scope, _key_of(items[-1], listing.key_attributes))
    return Page(items, next_cursor)


def _key_of(item: Model, attributes: tuple[str, ...]) -> dict[str, Any]:
    serialized = item.serialize()
    return {name: serialized[name] for name in attributes}
