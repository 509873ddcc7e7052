"""Promotion codes: the admin's create, read, list and update; the check carts and orders run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib import clock
from chalicelib.domain import promotions
from chalicelib.domain.errors import AlreadyExists, InvalidInput, NotFound
from chalicelib.domain.promotions import Promotion
from chalicelib.storage import pricing
from chalicelib.storage.models import PricingEntry
from chalicelib.storage.paging import Page

_FIELDS = {
    "kind": "kind",
    "percentOff": "percent_off",
    "amountOffCents": "amount_off_cents",
    "currency": "currency",
    "minSubtotalCents": "min_subtotal_cents",
    "startsAt": "starts_at",
    "endsAt": "ends_at",
    "maxRedemptions": "max_redemptions",
    "oncePerCustomer": "once_per_customer",
    "active": "active",
}


def _time(field: str, text: str | None) -> str | None:
    """An ISO 8601 time from a body, as stored (UTC, to the second); InvalidInput otherwise."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{field}: not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{field}: give a time zone (for example Z for UTC)")
    return clock.iso(moment.astimezone(clock.now().tzinfo))


def _check_shape(entry: PricingEntry) -> None:
    if entry.kind == "percent":
        if entry.percent_off is None or entry.amount_off_cents is not None:
            raise InvalidInput("percentOff: a percent code takes percentOff (1-100) only")
    elif entry.amount_off_cents is None or entry.percent_off is not None:
        raise InvalidInput("amountOffCents: a fixed code takes amountOffCents only")
    needs_currency = entry.amount_off_cents is not None or entry.min_subtotal_cents is not None
    if needs_currency and entry.currency is None:
        raise InvalidInput("currency: required with amountOffCents or minSubtotalCents")
    if entry.starts_at and entry.ends_at and entry.ends_at <= entry.starts_at:
        raise InvalidInput("endsAt: must be after startsAt")


def create(data: dict[str, Any]) -> PricingEntry:
    """A new promotion; AlreadyExists if its code (in any case) exists."""
    code = promotions.normalize_code(data["code"])
    values = {attr: data.get(name) for name, attr in _FIELDS.items()}
    values["starts_at"] = _time("startsAt", data.get("startsAt"))
    values["ends_at"] = _time("endsAt", data.get("endsAt"))
    values["once_per_customer"] = bool(data.get("oncePerCustomer", False))
    values["active"] = bool(data.get("active", True))
    moment = clock.now()
    stamp = clock.iso(moment)
    entry = PricingEntry(
        code=code,
        redemptions=0,
        created_at=stamp,
        updated_at=stamp,
        sort_key=clock.sort_key(moment, code),
        **{k: v for k, v in values.items() if v is not None},
    )
    _check_shape(entry)
    if not pricing.create_promotion(entry):
        raise AlreadyExists(f"code: promotion {code} exists")
    return entry


def get(code: str) -> PricingEntry:
    """A promotion by code, in any case; NotFound if there is none."""
    entry = pricing.load_promotion(_path_code(code))
    if entry is None:
        raise NotFound(f"No promotion {code}")
    return entry


def _path_code(code: str) -> str:
    try:
        return promotions.normalize_code(code)
    except InvalidInput:
        raise NotFound(f"No promotion {code[:40]}") from None


def page(caller_id: str, limit: int, cursor: str | None) -> Page[PricingEntry]:
    """One page of promotions, newest first."""
    return pricing.page_of_promotions(limit, cursor, f"promotions:{caller_id}")


def update(code: str, data: dict[str, Any]) -> PricingEntry:
    """Change a promotion's `active`, `endsAt` or `maxRedemptions` (null removes the last two)."""
    current = get(code)
    changes: dict[str, Any] = {}
    if "active" in data:
        changes["active"] = data["active"]
    if "endsAt" in data:
        changes["ends_at"] = _time("endsAt", data["endsAt"])
        if changes["ends_at"] and current.starts_at and changes["ends_at"] <= current.starts_at:
            raise InvalidInput("endsAt: must be after startsAt")
    if "maxRedemptions" in data:
        changes["max_redemptions"] = data["maxRedemptions"]
    updated = pricing.update_promotion(str(current.code), changes, clock.iso(clock.now()))
    if updated is None:
        raise NotFound(f"No promotion {code}")
    return pricing.load_promotion(str(current.code)) or current


def applicable(
    code: str,
    user_id: str,
    *,
    currency: str,
    subtotal_cents: int,
    held_by_cart: bool = False,
) -> Promotion:
    """The promotion a code names if it applies to these goods now (one read); otherwise the
    400 or 409 naming the rule it breaks."""
    normal = promotions.normalize_code(code)
    entry, used = pricing.promotion_for(normal, user_id)
    promotion = pricing.to_promotion(entry) if entry is not None else None
    attempt = promotions.Attempt(currency, subtotal_cents, clock.now(), used_by_caller=used)
    return promotions.ensure_applies(normal, promotion, attempt, held_by_cart=held_by_cart)


def problem(
    code: str, user_id: str, *, currency: str, subtotal_cents: int
) -> tuple[Promotion | None, str | None]:
    """For a cart: the promotion if it applies, else None and the promotionError to show."""
    try:
        return applicable(code, user_id, currency=currency, subtotal_cents=subtotal_cents), None
    except (promotions.PromotionRejected, promotions.PromotionUnavailable) as exc:
        return None, str(exc)
