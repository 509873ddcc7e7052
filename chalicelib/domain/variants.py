"""Variants: a product's options and the variants that sell them. Pure rules, no I/O.

Why the variants live inside their product's item (docs/data-model.md, "Variants"): the product
page stays one GetItem, a cart or an order is still priced by one BatchGetItem of product ids, and
checkout still writes one UpdateItem per product. A variant id is its product's id, a dot and a
number (`prd_ab12.v3`), so any route reaches the product item from the variant id alone; a product
without options is its own single variant, whose id is the product id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import limits
from chalicelib.domain.errors import AlreadyExists, InvalidInput

SEPARATOR = ".v"
SKU_CLAIM_PREFIX = "sku#"  # the products table's items that hold a SKU for one variant


def variant_id(product_id: str, number: int) -> str:
    """The id of a product's `number`th variant."""
    return f"{product_id}{SEPARATOR}{number}"


def product_of(variant: str) -> str:
    """The product id a variant id belongs to (a product's own variant is the product)."""
    head, sep, tail = variant.rpartition(SEPARATOR)
    return head if sep and head and tail.isdigit() else variant


def sku_claim_key(sku: str) -> str:
    """The products table key of the item that holds a SKU."""
    return SKU_CLAIM_PREFIX + sku


@dataclass(frozen=True)
class Variant:
    """One variant as stored in its product's `variants` map."""

    variant_id: str
    sku: str | None
    options: dict[str, str]
    price_cents: int
    stock: int
    archived: bool
    number: int


def from_map(stored: Mapping[str, Any] | None) -> list[Variant]:
    """The variants of a product's stored map, in the order they were added."""
    found = [
        Variant(
            variant_id=vid,
            sku=entry.get("sku"),
            options={str(k): str(v) for k, v in (entry.get("options") or {}).items()},
            price_cents=int(entry["priceCents"]),
            stock=int(entry.get("stock", 0)),
            archived=bool(entry.get("archived", False)),
            number=int(entry.get("number", 0)),
        )
        for vid, entry in (stored or {}).items()
    ]
    return sorted(found, key=lambda v: v.number)


def own(product_id: str, price_cents: int, stock: int) -> Variant:
    """A product without options as its single variant: the product's id, price and stock."""
    return Variant(product_id, None, {}, price_cents, stock, False, 0)


def of_product(
    product_id: str, price_cents: int, stock: int, stored: Mapping[str, Any] | None
) -> list[Variant]:
    """A product's variants, archived ones included; a product without options is its own."""
    if stored is None:
        return [own(product_id, price_cents, stock)]
    return from_map(stored)


def active(variants: list[Variant]) -> list[Variant]:
    """The variants still for sale."""
    return [v for v in variants if not v.archived]


def check_sku(sku: str) -> str:
    """A SKU as given, or InvalidInput if it is blank or too long."""
    if not sku.strip() or len(sku) > limits.MAX_SKU_CHARS:
        raise InvalidInput(f"sku must be 1-{limits.MAX_SKU_CHARS} characters, not blank")
    return sku


def check_new(
    option_names: list[str] | None, variants: list[Variant], options: Mapping[str, str]
) -> list[str]:
    """The product's option names once this variant joins; InvalidInput, or AlreadyExists for a
    combination an active variant has, if it may not.

    Every variant names the same options (the first variant's choose them); the combination must be
    new among the active variants; no option passes 20 values and no product 100 variants.
    """
    if not 1 <= len(options) <= limits.MAX_OPTIONS:
        raise InvalidInput(f"options: a variant names 1-{limits.MAX_OPTIONS} options")
    for name, value in options.items():
        if not name.strip() or not value.strip():
            raise InvalidInput("options: names and values must not be blank")
    names = list(option_names) if option_names else list(options)
    if set(options) != set(names):
        raise InvalidInput("options: every variant of this product names " + ", ".join(names))
    if len(variants) >= limits.MAX_VARIANTS:
        raise InvalidInput(f"a product has at most {limits.MAX_VARIANTS} variants")
    live = active(variants)
    if any(v.options == dict(options) for v in live):
        combination = ", ".join(f"{n}: {options[n]}" for n in names)
        raise AlreadyExists(f"a variant with {combination} exists")
    for name in names:
        values = {v.options[name] for v in live} | {options[name]}
        if len(values) > limits.MAX_OPTION_VALUES:
            raise InvalidInput(f"options: {name} has at most {limits.MAX_OPTION_VALUES} values")
    return names
