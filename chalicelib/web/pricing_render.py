"""Promotions, shipping zones and tax rates as the contract's JSON."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.totals import ShippingZone, TaxRate
from chalicelib.storage.models import PricingEntry

Json = dict[str, Any]


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def promotion(entry: PricingEntry) -> Json:
    """A promotion; optional fields it does not have are left out."""
    body: Json = {
        "code": entry.code,
        "kind": entry.kind,
        "percentOff": _int(entry.percent_off),
        "amountOffCents": _int(entry.amount_off_cents),
        "currency": entry.currency,
        "minSubtotalCents": _int(entry.min_subtotal_cents),
        "startsAt": entry.starts_at,
        "endsAt": entry.ends_at,
        "maxRedemptions": _int(entry.max_redemptions),
    }
    body = {key: value for key, value in body.items() if value is not None}
    body.update(
        {
            "oncePerCustomer": bool(entry.once_per_customer),
            "redemptions": int(entry.redemptions or 0),
            "active": bool(entry.active),
            "createdAt": entry.created_at,
        }
    )
    return body


def zone(item: ShippingZone) -> Json:
    """A shipping zone and its methods."""
    return {
        "zoneId": item.zone_id,
        "name": item.name,
        "countries": list(item.countries),
        "methods": [
            {
                "methodId": method.method_id,
                "name": method.name,
                "rateCents": method.rate_cents,
                "currency": method.currency,
                "freeOverCents": method.free_over_cents,
            }
            for method in item.methods
        ],
    }


def rate(country: str, item: TaxRate) -> Json:
    """A country's tax rate."""
    return {
        "country": country,
        "rateBasisPoints": item.rate_basis_points,
        "inclusive": item.inclusive,
    }
