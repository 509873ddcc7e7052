"""The users table's door: a profile per user, created once and changed by its owner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.storage.models import Address, Profile, condition_failed


def to_address(data: dict[str, Any]) -> Address:
    """An Address attribute from a validated request dict."""
    return Address(
        line1=data["line1"],
        line2=data.get("line2"),
        city=data["city"],
        postal_code=data["postalCode"],
        country=data["country"],
    )


def get(user_id: str) -> Profile | None:
    """A user's profile, or None."""
    try:
        return Profile.get(user_id)
    except DoesNotExist:
        return None


@dataclass(frozen=True)
class Contact:
    """A user's e-mail address, and whether Cognito says they proved it is theirs."""

    email: str
    verified: bool


def create(user_id: str, contact: Contact, name: str, stamp: str) -> Profile:
    """Store a new profile; keep and answer the existing one if it is already there."""
    profile = Profile(
        user_id,
        email=contact.email,
        email_verified=contact.verified,
        name=name,
        created_at=stamp,
        updated_at=stamp,
    )
    try:
        profile.save(condition=Profile.user_id.does_not_exist())
    except PutError as exc:
        if not condition_failed(exc):
            raise
        return Profile.get(user_id)
    return profile


def update(profile: Profile, changes: dict[str, Any], stamp: str) -> Profile:
    """Change a profile's name, phone or address (contract names; None removes)."""
    actions: list[Any] = [Profile.updated_at.set(stamp)]
    if "name" in changes:
        actions.append(Profile.name.set(changes["name"]))
    if "phone" in changes:
        phone = changes["phone"]
        actions.append(Profile.phone.remove() if phone is None else Profile.phone.set(phone))
    if "address" in changes:
        address = changes["address"]
        actions.append(
            Profile.address.remove()
            if address is None
            else Profile.address.set(to_address(address))
        )
    profile.update(actions=actions, condition=Profile.user_id.exists())
    return profile
