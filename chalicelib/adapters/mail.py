"""The mail port: a recording mailer (local stack, tests, demo stages) and SES."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib.adapters import aws
from chalicelib.storage import ledger, notifications
from chalicelib.storage.models import Notification


@dataclass(frozen=True)
class Message:
    """One message to one user about one order event."""

    user_id: str
    email: str
    order_id: str
    type: str
    subject: str
    body: str
    sent_at: str
    sort_key: str


class Mailer(Protocol):
    """Sends a message at most once per order and event type."""

    def send(self, message: Message) -> None:
        """Deliver the message (a repeat of the same order and type is a no-op)."""
        ...


class RecordingMailer:
    """Sends nothing: records the message, so tests and the storefront can read it."""

    def send(self, message: Message) -> None:
        """Record the message once."""
        notifications.record(
            Notification(
                message.user_id,
                message.sort_key,
                order_id=message.order_id,
                type=message.type,
                subject=message.subject,
                body=message.body,
                email=message.email,
                sent_at=message.sent_at,
            )
        )


class SesMailer:
    """Sends through Amazon SES and records it in the ledger and the user's inbox.

    A crash between SES accepting the mail and the ledger write sends it again on redelivery:
    mail is at-least-once, which is the usual bargain for e-mail.
    """

    def __init__(self, sender: str):
        self._sender = sender

    def send(self, message: Message) -> None:
        """Send the message unless the ledger says it went already."""
        entry = f"mail#{message.type}"
        if ledger.find(message.order_id, entry) is not None:
            return
        answer = aws.client("ses").send_email(
            Source=self._sender,
            Destination={"ToAddresses": [message.email]},
            Message={
                "Subject": {"Data": message.subject},
                "Body": {"Text": {"Data": message.body}},
            },
        )
        ledger.record(message.order_id, entry, str(answer.get("MessageId", "")))
        RecordingMailer().send(message)


def mailer(name: str, sender: str) -> Mailer:
    """The mailer configured for this stage."""
    if name == "recording":
        return RecordingMailer()
    if name == "ses":
        return SesMailer(sender)
    raise ValueError(f"Unknown mailer {name!r}")
