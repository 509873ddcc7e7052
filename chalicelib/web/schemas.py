"""JSON Schemas of every request body, per the contract's limits.

They are the single definition of what a request may contain: `validation.py` compiles them to check
requests, and the OpenAPI document publishes them as they are.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain import limits
from chalicelib.domain.order_rules import Status
from chalicelib.domain.returns import ReturnStatus

Schema = dict[str, Any]

CATEGORY_PATTERN = r"^[a-z0-9-]{1,64}$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
NON_BLANK = r"\S"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")
ORDER_STATUSES = tuple(status.value for status in Status)

ORDER_STATUS_PATTERN = "|".join(ORDER_STATUSES)
ZONE_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


def _obj(properties: Schema, required: tuple[str, ...] = (), **extra: Any) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
        **extra,
    }


def _text(max_length: int, min_length: int = 1) -> Schema:
    schema: Schema = {"type": "string", "minLength": min_length, "maxLength": max_length}
    if min_length:
        schema["pattern"] = NON_BLANK
    return schema


def _int(minimum: int, maximum: int) -> Schema:
    return {"type": "integer", "minimum": minimum, "maximum": maximum}


EMAIL: Schema = {
    "type": "string",
    "maxLength": 254,
    "pattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
}
PASSWORD: Schema = {"type": "string", "minLength": 1, "maxLength": 256}
NAME: Schema = _text(200)
DESCRIPTION: Schema = _text(4000, min_length=0)
PRICE_CENTS: Schema = _int(0, limits.MAX_PRICE_CENTS)
STOCK: Schema = _int(0, limits.MAX_STOCK)
CATEGORY: Schema = {"type": "string", "pattern": CATEGORY_PATTERN}
CURRENCY: Schema = {"type": "string", "pattern": CURRENCY_PATTERN}
IMAGE_URL: Schema = {
    "type": ["string", "null"],
    "maxLength": 2048,
    "pattern": r"^https?://[^\s]+$",
}
PRODUCT_ID: Schema = {"type": "string", "minLength": 1, "maxLength": 64}
QUANTITY: Schema = _int(limits.MIN_QUANTITY, limits.MAX_QUANTITY)

ADDRESS: Schema = _obj(
    {
        "line1": _text(200),
        "line2": {"type": ["string", "null"], "maxLength": 200},
        "city": _text(100),
        "postalCode": _text(20),
        "country": {"type": "string", "pattern": r"^[A-Z]{2}$"},
    },
    ("line1", "city", "postalCode", "country"),
)

REGISTER = _obj({"email": EMAIL, "password": PASSWORD, "name": NAME}, ("email", "password", "name"))
CONFIRM = _obj(
    {"email": EMAIL, "code": {"type": "string", "minLength": 1, "maxLength": 16}},
    ("email", "code"),
)
LOGIN = _obj({"email": EMAIL, "password": PASSWORD}, ("email", "password"))
REFRESH = _obj(
    {"refreshToken": {"type": "string", "minLength": 1, "maxLength": 8192}}, ("refreshToken",)
)
PROFILE_PATCH = _obj(
    {
        "name": NAME,
        "phone": {"type": ["string", "null"], "pattern": r"^\+?[0-9 ()-]{3,32}$"},
        "address": {"anyOf": [ADDRESS, {"type": "null"}]},
    },
    minProperties=1,
)

PRODUCT_CREATE = _obj(
    {
        "name": NAME,
        "description": DESCRIPTION,
        "priceCents": PRICE_CENTS,
        "currency": CURRENCY,
        "category": CATEGORY,
        "stock": STOCK,
        "imageUrl": IMAGE_URL,
    },
    ("name", "priceCents", "category"),
)
PRODUCT_PATCH = _obj(
    {
        "name": NAME,
        "description": DESCRIPTION,
        "priceCents": PRICE_CENTS,
        "category": CATEGORY,
        "imageUrl": IMAGE_URL,
    },
    minProperties=1,
)
STOCK_DELTA = _obj(
    {"delta": {**_int(-limits.MAX_STOCK_DELTA, limits.MAX_STOCK_DELTA), "not": {"const": 0}}},
    ("delta",),
)
IMAGE_UPLOAD = _obj({"contentType": {"enum": list(IMAGE_TYPES)}}, ("contentType",))

SKU: Schema = _text(limits.MAX_SKU_CHARS)
OPTIONS: Schema = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": limits.MAX_OPTIONS,
    "propertyNames": {"minLength": 1, "maxLength": 40, "pattern": NON_BLANK},
    "additionalProperties": _text(40),
}
VARIANT_CREATE = _obj(
    {"sku": SKU, "options": OPTIONS, "priceCents": PRICE_CENTS, "stock": STOCK},
    ("sku", "options", "priceCents"),
)
VARIANT_PATCH = _obj({"sku": SKU, "priceCents": PRICE_CENTS}, minProperties=1)

CART_ITEM = _obj({"quantity": QUANTITY}, ("quantity",))
# A line names a variant; `productId` is still accepted for a product without options (its own
# variant). Naming both, or neither, is a 400 (pricing.requested_lines says which).
ORDER_LINE = _obj(
    {"variantId": PRODUCT_ID, "productId": PRODUCT_ID, "quantity": QUANTITY}, ("quantity",)
)
ORDER_CREATE = _obj(
    {
        "items": {
            "type": "array",
            "minItems": 1,
            "maxItems": limits.MAX_LINES,
            "items": ORDER_LINE,
        },
        "shippingAddress": ADDRESS,
        "paymentToken": {"type": "string", "pattern": r"^tok_[A-Za-z0-9_]{1,60}$"},
        "promotionCode": {"type": "string", "minLength": 1, "maxLength": 64},
        "shippingMethod": {"type": "string", "pattern": ZONE_ID_PATTERN},
    },
    ("shippingAddress", "paymentToken"),
)
ORDER_STATUS_PATCH = _obj({"status": {"enum": list(ORDER_STATUSES)}}, ("status",))

PROMOTION_CODE: Schema = {"type": "string", "pattern": r"^[A-Za-z0-9-]{3,32}$"}
TIME: Schema = {"type": "string", "minLength": 20, "maxLength": 35}
COUNTRY_PATTERN = r"^[A-Z]{2}$"
PROMOTION_CREATE = _obj(
    {
        "code": PROMOTION_CODE,
        "kind": {"enum": ["percent", "fixed"]},
        "percentOff": _int(1, 100),
        "amountOffCents": _int(1, limits.MAX_PRICE_CENTS),
        "currency": CURRENCY,
        "minSubtotalCents": _int(0, limits.MAX_PRICE_CENTS),
        "startsAt": TIME,
        "endsAt": TIME,
        "maxRedemptions": _int(1, 100_000_000),
        "oncePerCustomer": {"type": "boolean"},
        "active": {"type": "boolean"},
    },
    ("code", "kind"),
)
PROMOTION_PATCH = _obj(
    {
        "active": {"type": "boolean"},
        "endsAt": {"anyOf": [TIME, {"type": "null"}]},
        "maxRedemptions": {"anyOf": [_int(1, 100_000_000), {"type": "null"}]},
    },
    minProperties=1,
)
CART_PROMOTION = _obj({"code": {"type": "string", "minLength": 1, "maxLength": 64}}, ("code",))
SHIPPING_METHOD = _obj(
    {
        "methodId": {"type": "string", "pattern": ZONE_ID_PATTERN},
        "name": _text(100),
        "rateCents": PRICE_CENTS,
        "currency": CURRENCY,
        "freeOverCents": {"anyOf": [PRICE_CENTS, {"type": "null"}]},
    },
    ("methodId", "name", "rateCents", "currency"),
)
SHIPPING_ZONE = _obj(
    {
        "name": _text(100),
        "countries": {
            "type": "array",
            "minItems": 1,
            "maxItems": 250,
            "items": {"type": "string", "pattern": r"^([A-Z]{2}|\*)$"},
        },
        "methods": {"type": "array", "minItems": 1, "maxItems": 20, "items": SHIPPING_METHOD},
    },
    ("name", "countries", "methods"),
)
TAX_RATE = _obj(
    {"rateBasisPoints": _int(0, 10_000), "inclusive": {"type": "boolean"}},
    ("rateBasisPoints", "inclusive"),
)

# Fields a client may read but never write; naming them gives a clearer 400 than "unknown field".
READ_ONLY_FIELDS = frozenset(
    {
        "productId",
        "userId",
        "orderId",
        "status",
        "totalCents",
        "lineTotalCents",
        "unitPriceCents",
        "createdAt",
        "updatedAt",
        "isAdmin",
        "email",
        "history",
        "trackingNumber",
        "failureReason",
        "stock",
        "currency",
        "priceCents",
        "archived",
        "variantId",
        "variants",
    }
)

# Returns (API.md, Returns): which units of which variants, and why.
RETURN_STATUSES = tuple(status.value for status in ReturnStatus)
RETURN_STATUS_PATTERN = "|".join(RETURN_STATUSES)
RETURN_LINE = _obj({"variantId": PRODUCT_ID, "quantity": QUANTITY}, ("variantId", "quantity"))
RETURN_CREATE = _obj(
    {
        "items": {
            "type": "array",
            "minItems": 1,
            "maxItems": limits.MAX_LINES,
            "items": RETURN_LINE,
        },
        "reason": _text(1000),
    },
    ("items", "reason"),
)
RETURN_REJECT = _obj({"note": _text(1000)}, ("note",))
