"""The pricing table's door: promotions, their per-user redemptions, shipping zones and tax rates.

Promotions are never deleted. Zones and rates are the shop's configuration: one Query reads all of
them, and every configuration write bumps one `VERSION` item in the same transaction, on the
condition that it is still the version the writer judged, so two admins can never put the same
country in two zones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.promotions import Promotion
from chalicelib.domain.totals import ShippingMethod, ShippingZone, ShopRules, TaxRate
from chalicelib.storage.models import PricingEntry, condition_failed, transactions
from chalicelib.storage.paging import Listing, Page, newest_first
from chalicelib.storage.transactions import Transaction

PROMOTION = "PROMOTION"
CONFIG = "CONFIG"
VERSION = "VERSION"
LISTED = "PROMOTION"


def promotion_key(code: str) -> str:
    """The partition of a promotion code (already normalized)."""
    return f"PROMO#{code}"


def _user_key(user_id: str) -> str:
    return f"USER#{user_id}"


# --- promotions ---------------------------------------------------------------------------------


def load_promotion(code: str) -> PricingEntry | None:
    """A promotion by its (normalized) code, or None."""
    try:
        return PricingEntry.get(promotion_key(code), PROMOTION, consistent_read=True)
    except DoesNotExist:
        return None


def promotion_for(code: str, user_id: str | None) -> tuple[PricingEntry | None, bool]:
    """A promotion and whether this user holds a redemption of it: one BatchGetItem."""
    keys = [(promotion_key(code), PROMOTION)]
    if user_id is not None:
        keys.append((promotion_key(code), _user_key(user_id)))
    found = {entry.sk: entry for entry in PricingEntry.batch_get(keys)}
    used = user_id is not None and _user_key(user_id) in found
    return found.get(PROMOTION), used


def create_promotion(entry: PricingEntry) -> bool:
    """Put a new promotion; False if its code exists."""
    entry.pk, entry.sk, entry.listed = promotion_key(str(entry.code)), PROMOTION, LISTED
    try:
        entry.save(condition=PricingEntry.pk.does_not_exist())
    except PutError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def update_promotion(code: str, changes: dict[str, Any], stamp: str) -> PricingEntry | None:
    """Set (or, for None, remove) a promotion's attributes; None if there is no such code."""
    actions: list[Any] = [PricingEntry.updated_at.set(stamp)]
    for name, value in changes.items():
        attribute = getattr(PricingEntry, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    entry = PricingEntry(promotion_key(code), PROMOTION)
    try:
        entry.update(actions=actions, condition=PricingEntry.pk.exists())
    except UpdateError as exc:
        if condition_failed(exc):
            return None
        raise
    return entry


def page_of_promotions(limit: int, cursor: str | None, scope: str) -> Page[PricingEntry]:
    """One page of promotions, newest first; cursors are signed for `scope`."""
    listing = Listing(
        PricingEntry.list_index, LISTED, "listed", ("pk", "sk", "listed", "sortKey"), scope
    )
    return newest_first(listing, limit=limit, cursor=cursor)


def to_promotion(entry: PricingEntry) -> Promotion:
    """The domain's view of a stored promotion."""
    return Promotion(
        code=str(entry.code),
        kind=entry.kind,  # type: ignore[arg-type]
        percent_off=_int(entry.percent_off),
        amount_off_cents=_int(entry.amount_off_cents),
        currency=entry.currency,
        min_subtotal_cents=_int(entry.min_subtotal_cents),
        starts_at=_time(entry.starts_at) if entry.starts_at else None,
        ends_at=_time(entry.ends_at) if entry.ends_at else None,
        active=bool(entry.active),
        max_redemptions=_int(entry.max_redemptions),
        redemptions=int(entry.redemptions or 0),
        once_per_customer=bool(entry.once_per_customer),
    )


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclass(frozen=True)
class Redemption:
    """A promotion redeemed by an order: what the checkout's and the release's writes touch."""

    code: str
    user_id: str
    order_id: str
    limited: bool  # the code has maxRedemptions: the count is exact and conditional
    once_per_customer: bool


def add_redemption(transaction: Transaction, redemption: Redemption) -> None:
    """Add a redemption's items to a checkout's transaction: count it, hold the user's turn.

    Labels: "promotion" (active, and below maxRedemptions when limited) and "promotion-user"
    (no redemption of this user yet).
    """
    condition = PricingEntry.pk.exists() & (PricingEntry.active == True)  # noqa: E712
    if redemption.limited:
        condition &= PricingEntry.redemptions < PricingEntry.max_redemptions
    transaction.update(
        "promotion",
        PricingEntry(promotion_key(redemption.code), PROMOTION),
        actions=[PricingEntry.redemptions.add(1)],
        condition=condition,
    )
    if redemption.once_per_customer:
        transaction.put(
            "promotion-user",
            PricingEntry(
                promotion_key(redemption.code),
                _user_key(redemption.user_id),
                order_id=redemption.order_id,
            ),
            condition=PricingEntry.pk.does_not_exist(),
        )


def add_release(transaction: Transaction, redemption: Redemption) -> None:
    """Add the giving back of a redemption to the transaction that releases the order's stock."""
    transaction.update(
        "promotion",
        PricingEntry(promotion_key(redemption.code), PROMOTION),
        actions=[PricingEntry.redemptions.add(-1)],
        condition=PricingEntry.pk.exists(),
    )
    if redemption.once_per_customer:
        transaction.delete(
            "promotion-user",
            PricingEntry(promotion_key(redemption.code), _user_key(redemption.user_id)),
            condition=PricingEntry.order_id == redemption.order_id,
        )


# --- shipping zones and tax rates ----------------------------------------------------------------


@dataclass(frozen=True)
class ShopConfig(ShopRules):
    """Every shipping zone and tax rate, and the configuration's version when read."""

    zones: tuple[ShippingZone, ...] = ()
    rates: dict[str, TaxRate] = field(default_factory=dict)
    version: int = 0


def load_config() -> ShopConfig:
    """All zones and rates: one Query of the `CONFIG` partition."""
    zones: list[ShippingZone] = []
    rates: dict[str, TaxRate] = {}
    version = 0
    for entry in PricingEntry.query(CONFIG, consistent_read=True):
        kind, _, name = entry.sk.partition("#")
        if kind == "ZONE":
            zones.append(_to_zone(name, entry))
        elif kind == "RATE":
            rates[name] = TaxRate(int(entry.rate_basis_points or 0), bool(entry.inclusive))
        elif entry.sk == VERSION:
            version = int(entry.version or 0)
    return ShopConfig(tuple(zones), rates, version)


def _to_zone(zone_id: str, entry: PricingEntry) -> ShippingZone:
    return ShippingZone(
        zone_id=zone_id,
        name=str(entry.name),
        countries=tuple(entry.countries or ()),
        methods=tuple(
            ShippingMethod(
                method_id=method.method_id,
                name=method.name,
                rate_cents=int(method.rate_cents),
                currency=method.currency,
                free_over_cents=_int(method.free_over_cents),
            )
            for method in entry.methods or ()
        ),
    )


def _zone_entry(zone: ShippingZone, stamp: str) -> PricingEntry:
    from chalicelib.storage.models import ShippingMethodEntry

    return PricingEntry(
        CONFIG,
        f"ZONE#{zone.zone_id}",
        name=zone.name,
        countries=list(zone.countries),
        methods=[
            ShippingMethodEntry(
                method_id=method.method_id,
                name=method.name,
                rate_cents=method.rate_cents,
                currency=method.currency,
                free_over_cents=method.free_over_cents,
            )
            for method in zone.methods
        ],
        updated_at=stamp,
    )


def _write_config(version: int, write: Any) -> bool:
    """Bump the configuration's version from `version` and make one write, together; False if
    another write landed since `version` was read."""
    bump = PricingEntry(CONFIG, VERSION)
    condition = (
        PricingEntry.sk.does_not_exist() if version == 0 else PricingEntry.version == version
    )
    try:
        with TransactWrite(connection=transactions()) as transaction:
            transaction.update(bump, actions=[PricingEntry.version.add(1)], condition=condition)
            write(transaction)
    except TransactWriteError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def put_zone(zone: ShippingZone, version: int, stamp: str) -> bool:
    """Put a zone if the configuration is still at `version`; False if it changed meanwhile."""
    return _write_config(version, lambda t: t.save(_zone_entry(zone, stamp)))


def delete_zone(zone_id: str, version: int) -> bool:
    """Delete a zone if the configuration is still at `version`."""
    return _write_config(version, lambda t: t.delete(PricingEntry(CONFIG, f"ZONE#{zone_id}")))


def put_rate(country: str, rate: TaxRate, version: int, stamp: str) -> bool:
    """Put a country's tax rate if the configuration is still at `version`."""
    entry = PricingEntry(
        CONFIG,
        f"RATE#{country}",
        rate_basis_points=rate.rate_basis_points,
        inclusive=rate.inclusive,
        updated_at=stamp,
    )
    return _write_config(version, lambda t: t.save(entry))


def delete_rate(country: str, version: int) -> bool:
    """Delete a country's tax rate if the configuration is still at `version`."""
    return _write_config(version, lambda t: t.delete(PricingEntry(CONFIG, f"RATE#{country}")))
