"""The messages the shop sent a user (the recording mailer's outbox), newest first."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.identity import Caller
from chalicelib.storage import paging
from chalicelib.storage.models import Notification


def render(note: Notification) -> dict[str, Any]:
    """A notification as the API shows it."""
    return {
        "orderId": note.order_id,
        "type": note.type,
        "subject": note.subject,
        "body": note.body,
        "sentAt": note.sent_at,
    }


def list_mine(caller: Caller, limit: int, cursor: str | None) -> dict[str, Any]:
    """One page of the caller's notifications, newest first."""
    return paging.newest_first(
        Notification,
        caller.user_id,
        limit=limit,
        cursor=cursor,
        scope=f"notifications:{caller.user_id}",
        hash_attribute="userId",
        key_attributes=("userId", "sortKey"),
        render=render,
    )
