"""User profiles: created at sign-up (or on first read) and changed only by their owner."""

from __future__ import annotations

from typing import Any

from chalicelib import clock
from chalicelib.domain.identity import Caller
from chalicelib.storage import profiles
from chalicelib.storage.models import Address, Profile


def to_address(data: dict[str, Any]) -> Address:
    """An Address attribute from a validated request dict."""
    return profiles.to_address(data)


def create_profile(user_id: str, email: str, name: str, *, verified: bool) -> Profile:
    """Store a new user's profile; keep the existing one if it is already there."""
    return profiles.create(user_id, profiles.Contact(email, verified), name, clock.iso(clock.now()))


def _load(caller: Caller) -> Profile:
    profile = profiles.get(caller.user_id)
    if profile is None:
        return create_profile(caller.user_id, caller.email, "", verified=caller.email_verified)
    return profile


def mail_address(profile: Profile) -> str | None:
    """Where the shop may mail this user: the profile's address, if it was verified."""
    # Profiles written before the flag existed came from confirmed sign-ups: verified.
    return None if profile.email_verified is False else str(profile.email)


def get_profile(caller: Caller) -> Profile:
    """The caller's own profile."""
    return _load(caller)


def update_profile(caller: Caller, changes: dict[str, Any]) -> Profile:
    """Change the caller's name, phone or address."""
    return profiles.update(_load(caller), changes, clock.iso(clock.now()))


def country_of(user_id: str) -> str | None:
    """The country of a user's profile address, or None without one."""
    profile = profiles.get(user_id)
    if profile is None or profile.address is None:
        return None
    return str(profile.address.country)
