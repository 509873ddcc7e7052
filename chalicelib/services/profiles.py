"""User profiles: created at sign-up (or on first read) and changed only by their owner."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib import clock
from chalicelib.domain.identity import Caller
from chalicelib.storage.models import Address, Profile, condition_failed


def render_address(address: Address | None) -> dict[str, Any] | None:
    """An address as the contract shows it."""
    if address is None:
        return None
    return {
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "postalCode": address.postal_code,
        "country": address.country,
    }


def to_address(data: dict[str, Any]) -> Address:
    """An Address attribute from a validated request dict."""
    return Address(
        line1=data["line1"],
        line2=data.get("line2"),
        city=data["city"],
        postal_code=data["postalCode"],
        country=data["country"],
    )


def _render(profile: Profile, caller_is_admin: bool) -> dict[str, Any]:
    return {
        "userId": profile.user_id,
        "email": profile.email,
        "name": profile.name,
        "phone": profile.phone,
        "address": render_address(profile.address),
        "isAdmin": caller_is_admin,
        "createdAt": profile.created_at,
    }


def create_profile(user_id: str, email: str, name: str) -> Profile:
    """Store a new user's profile; keep the existing one if it is already there."""
    stamp = clock.iso(clock.now())
    profile = Profile(user_id, email=email, name=name, created_at=stamp, updated_at=stamp)
    try:
        profile.save(condition=Profile.user_id.does_not_exist())
    except PutError as exc:
        if not condition_failed(exc):
            raise
        return Profile.get(user_id)
    return profile


def _load(caller: Caller) -> Profile:
    try:
        return Profile.get(caller.user_id)
    except DoesNotExist:
        return create_profile(caller.user_id, caller.email, "")


def get_profile(caller: Caller) -> dict[str, Any]:
    """The caller's own profile."""
    return _render(_load(caller), caller.is_admin)


def update_profile(caller: Caller, changes: dict[str, Any]) -> dict[str, Any]:
    """Change the caller's name, phone or address."""
    profile = _load(caller)
    actions: list[Any] = [Profile.updated_at.set(clock.iso(clock.now()))]
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
    return _render(profile, caller.is_admin)
