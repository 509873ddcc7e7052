"""The messages the shop sent a user (the recording mailer's outbox), newest first."""

from __future__ import annotations

from chalicelib.domain.identity import Caller
from chalicelib.storage import notifications
from chalicelib.storage.models import Notification
from chalicelib.storage.paging import Page


def list_mine(caller: Caller, limit: int, cursor: str | None) -> Page[Notification]:
    """One page of the caller's notifications, newest first."""
    return notifications.page_of_user(caller.user_id, limit, cursor)
