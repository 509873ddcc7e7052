"""The notifications table's door: messages sent to a user, recorded once, newest first."""

from __future__ import annotations

from pynamodb.exceptions import PutError

from chalicelib.storage.models import Notification, condition_failed
from chalicelib.storage.paging import Listing, Page, newest_first


def record(note: Notification) -> None:
    """Store a message once (a repeat of the same sort key is a no-op)."""
    try:
        note.save(condition=Notification.sort_key.does_not_exist())
    except PutError as exc:
        if not condition_failed(exc):
            raise


def page_of_user(user_id: str, limit: int, cursor: str | None) -> Page[Notification]:
    """One page of a user's messages, newest first."""
    listing = Listing(
        Notification, user_id, "userId", ("userId", "sortKey"), f"notifications:{user_id}"
    )
    return newest_first(listing, limit=limit, cursor=cursor)
