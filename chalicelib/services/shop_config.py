"""The shop's shipping zones and tax rates: admin writes, and a per-container cached read.

The configuration is small (at most 50 zones and a rate per country) and changes rarely, so a
container reads it at most once per `SHOP_CONFIG_CACHE_SECONDS` (default 60): a cart or a checkout
pays no read for it while the cache is fresh. A write in this container drops its cache at once;
other containers see it within the knob's seconds.
"""

from __future__ import annotations

import os
import threading
import time

from chalicelib import clock
from chalicelib.domain.errors import AlreadyExists, Conflict, InvalidInput, NotFound, Reason
from chalicelib.domain.totals import ANY_COUNTRY, ShippingMethod, ShippingZone, TaxRate
from chalicelib.storage import pricing
from chalicelib.storage.pricing import ShopConfig

MAX_ZONES = 50
_lock = threading.Lock()
_cached: tuple[float, ShopConfig] | None = None


def _cache_seconds() -> float:
    return float(os.environ.get("SHOP_CONFIG_CACHE_SECONDS", "60"))


def current() -> ShopConfig:
    """The zones and rates, read at most once per cache period in this container."""
    global _cached
    with _lock:
        cached = _cached
    if cached is not None and time.monotonic() - cached[0] < _cache_seconds():
        return cached[1]
    config = pricing.load_config()
    with _lock:
        _cached = (time.monotonic(), config)
    return config


def forget() -> None:
    """Drop this container's cached configuration (after a write, and between tests)."""
    global _cached
    with _lock:
        _cached = None


def zones() -> tuple[ShippingZone, ...]:
    """Every shipping zone, as stored now (uncached: for admins)."""
    return pricing.load_config().zones


def rates() -> dict[str, TaxRate]:
    """Every country's tax rate, as stored now (uncached: for admins)."""
    return pricing.load_config().rates


def put_zone(zone_id: str, data: dict[str, object]) -> ShippingZone:
    """Create or replace a zone; Conflict if a country of it is another zone's, or a second `*`."""
    methods = [
        ShippingMethod(
            method_id=str(m["methodId"]),
            name=str(m["name"]),
            rate_cents=int(m["rateCents"]),
            currency=str(m["currency"]),
            free_over_cents=None if m.get("freeOverCents") is None else int(m["freeOverCents"]),
        )
        for m in data["methods"]  # type: ignore[attr-defined]
    ]
    ids = [method.method_id for method in methods]
    if len(set(ids)) != len(ids):
        raise InvalidInput("methods: each methodId may appear once in a zone")
    countries = list(dict.fromkeys(data["countries"]))  # type: ignore[call-overload]
    if ANY_COUNTRY in countries and len(countries) > 1:
        raise InvalidInput('countries: "*" stands alone (every country no other zone lists)')
    zone = ShippingZone(zone_id, str(data["name"]), tuple(countries), tuple(methods))
    config = pricing.load_config()
    others = [other for other in config.zones if other.zone_id != zone_id]
    if len(others) >= MAX_ZONES:
        raise InvalidInput(f"the shop has at most {MAX_ZONES} shipping zones")
    for other in others:
        taken = sorted(set(other.countries) & set(countries))
        if taken:
            what = "the * zone" if taken == [ANY_COUNTRY] else ", ".join(taken)
            raise AlreadyExists(f"countries: {what} already in zone {other.zone_id}")
    if not pricing.put_zone(zone, config.version, clock.iso(clock.now())):
        raise Conflict(
            "the shipping configuration changed at the same time; try again",
            Reason.CONCURRENT_UPDATE,
        )
    forget()
    return zone


def delete_zone(zone_id: str) -> None:
    """Delete a zone; NotFound if there is none."""
    config = pricing.load_config()
    if zone_id not in {zone.zone_id for zone in config.zones}:
        raise NotFound(f"No shipping zone {zone_id}")
    if not pricing.delete_zone(zone_id, config.version):
        raise Conflict(
            "the shipping configuration changed at the same time; try again",
            Reason.CONCURRENT_UPDATE,
        )
    forget()


def put_rate(country: str, rate_basis_points: int, inclusive: bool) -> tuple[str, TaxRate]:
    """Create or replace a country's tax rate."""
    rate = TaxRate(rate_basis_points, inclusive)
    config = pricing.load_config()
    if not pricing.put_rate(country, rate, config.version, clock.iso(clock.now())):
        raise Conflict(
            "the tax configuration changed at the same time; try again", Reason.CONCURRENT_UPDATE
        )
    forget()
    return country, rate


def delete_rate(country: str) -> None:
    """Delete a country's tax rate; NotFound if it has none."""
    config = pricing.load_config()
    if country not in config.rates:
        raise NotFound(f"No tax rate for {country}")
    if not pricing.delete_rate(country, config.version):
        raise Conflict(
            "the tax configuration changed at the same time; try again", Reason.CONCURRENT_UPDATE
        )
    forget()
