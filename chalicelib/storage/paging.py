"""One page of a newest-first index Query, with a signed cursor for the next page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage import cursors


def newest_first(
    index: GlobalSecondaryIndex[Any] | type[Model],
    hash_value: str,
    *,
    limit: int,
    cursor: str | None,
    scope: str,
    hash_attribute: str,
    key_attributes: tuple[str, ...],
    render: Callable[[Any], dict[str, Any]],
) -> dict[str, Any]:
    """The contract's `{items, nextCursor}` for one page of a Query (one DynamoDB call)."""
    start = cursors.decode(scope, cursor)
    cursors.require_partition(start, hash_attribute, hash_value)
    # Ask for one more than the page: then nextCursor is null exactly when the list has ended.
    results = index.query(
        hash_value,
        scan_index_forward=False,
        limit=limit + 1,
        page_size=limit + 1,
        last_evaluated_key=start,
    )
    items: list[Model] = list(results)
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        next_cursor = cursors.encode(scope, _key_of(items[-1], key_attributes))
    return {"items": [render(item) for item in items], "nextCursor": next_cursor}


def _key_of(item: Model, attributes: tuple[str, ...]) -> dict[str, Any]:
    serialized = item.serialize()
    return {name: serialized[name] for name in attributes}
