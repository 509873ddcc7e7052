"""The response bodies of the OpenAPI document: what each route answers, as JSON Schema."""

from __future__ import annotations

from typing import Any

from chalicelib.domain import limits
from chalicelib.domain.errors import Reason
from chalicelib.web import schemas

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    """A reference to a schema of the document's components."""
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: Schema, description: str = "") -> Schema:
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    return {"description": description, **schema} if description else schema


def _optional(names: tuple[str, ...], properties: Schema) -> Schema:
    """An object whose properties are all required but `names` (fields some answers omit)."""
    schema = _object(properties)
    schema["required"] = [name for name in schema["required"] if name not in names]
    return schema


def _nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


_STRING: Schema = {"type": "string"}
_TIME: Schema = {"type": "string", "format": "date-time"}
_CENTS: Schema = {"type": "integer", "minimum": 0}
ID: Schema = {"type": "string", "minLength": 1}
STATUS: Schema = {"type": "string", "enum": list(schemas.ORDER_STATUSES)}
_SECONDS: Schema = {"type": "integer", "minimum": 1}
_COUNT: Schema = {"type": "integer", "minimum": 0}
DATE: Schema = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
OPTIONS: Schema = {
    "type": "object",
    "maxProperties": limits.MAX_OPTIONS,
    "additionalProperties": {"type": "string"},
    "description": 'The variant\'s value of each option, such as {"Size": "M"}; {} without options',
}


def response_schemas() -> dict[str, Schema]:
    """Every response body, by component name."""
    """The bodies the API answers with, as its code renders them."""
    return {
        "Error": _object({"Code": _STRING, "Message": _STRING}, "The contract's error body"),
        "ConflictErrorBody": _object(
            {
                "Code": {"const": "ConflictError"},
                "Message": _STRING,
                "reason": {"type": "string", "enum": [reason.value for reason in Reason]},
            },
            "A 409: the contract's error body and why (docs/api-extensions.md lists the reasons)",
        ),
        "GatewayAuthError": _object(
            {"message": _STRING}, "API Gateway's own refusal on a deployed stage"
        ),
        "Health": _object({"status": {"const": "ok"}}),
        "WebhookReceipt": _object(
            {
                "received": {"const": True},
                "outcome": {
                    "type": "string",
                    "enum": ["queued", "ignored_type", "unknown_order", "already_settled"],
                },
            },
            "Received; `queued` when the order's payment step was asked to settle",
        ),
        "OpenApiDocument": {"type": "object", "description": "This document"},
        "Registration": _object(
            {"userId": ID, "email": schemas.EMAIL, "confirmed": {"type": "boolean"}}
        ),
        "Tokens": _object(
            {
                "idToken": _STRING,
                "accessToken": _STRING,
                "refreshToken": _STRING,
                "expiresIn": _SECONDS,
            }
        ),
        "RefreshedTokens": _object(
            {"idToken": _STRING, "accessToken": _STRING, "expiresIn": _SECONDS}
        ),
        "Address": schemas.ADDRESS,
        "Profile": _object(
            {
                "userId": ID,
                "email": _STRING,
                "name": {"type": "string", "maxLength": schemas.NAME["maxLength"]},
                "phone": {"type": ["string", "null"]},
                "address": _nullable(ref("Address")),
                "isAdmin": {"type": "boolean"},
                "createdAt": _TIME,
            }
        ),
        "Variant": _object(
            {
                "variantId": ID,
                "sku": {"type": ["string", "null"]},
                "options": OPTIONS,
                "priceCents": schemas.PRICE_CENTS,
                "stock": {"type": "integer", "minimum": 0},
            },
            "One variant; a product without options is its own, with the product's id",
        ),
        "Product": _optional(
            ("options", "variants"),
            {
                "productId": ID,
                "name": schemas.NAME,
                "description": schemas.DESCRIPTION,
                "priceCents": schemas.PRICE_CENTS,
                "currency": schemas.CURRENCY,
                "category": schemas.CATEGORY,
                # Not capped: POST /products/{productId}/stock may add beyond the create limit.
                "stock": {"type": "integer", "minimum": 0, "maximum": limits.MAX_STOCK},
                "imageUrl": schemas.IMAGE_URL,
                "createdAt": _TIME,
                "updatedAt": _TIME,
                "options": {
                    "type": "array",
                    "maxItems": limits.MAX_OPTIONS,
                    "items": _object(
                        {"name": _STRING, "values": {"type": "array", "items": _STRING}}
                    ),
                },
                "variants": {"type": "array", "items": ref("Variant")},
            },
        ),
        "ProductPage": _search_page(),
        "Notification": _object(
            {
                "orderId": ID,
                "type": _STRING,
                "subject": _STRING,
                "body": _STRING,
                "sentAt": _TIME,
            },
            "A message the shop sent the user about an order",
        ),
        "NotificationPage": _page("Notification"),
        "ImageUploadTicket": _object(
            {"uploadUrl": _STRING, "imageUrl": _STRING, "expiresIn": _SECONDS},
            "A presigned S3 PUT; imageUrl is already the product's image",
        ),
        "PricedLine": _object(
            {
                "productId": ID,
                "variantId": ID,
                "sku": {"type": ["string", "null"]},
                "options": OPTIONS,
                "name": _STRING,
                "quantity": schemas.QUANTITY,
                "unitPriceCents": _CENTS,
                "lineTotalCents": _CENTS,
            }
        ),
        "Cart": _object(
            {
                "items": {"type": "array", "items": ref("PricedLine")},
                "subtotalCents": _CENTS,
                "discountCents": _CENTS,
                "shippingCents": _nullable(_CENTS),
                "taxCents": _nullable(_CENTS),
                "totalCents": _CENTS,
                "currency": schemas.CURRENCY,
                "promotion": _nullable(_object({"code": _STRING, "discountCents": _CENTS})),
                "promotionError": {"type": ["string", "null"]},
                "shippingOptions": _nullable(
                    {
                        "type": "array",
                        "items": _object(
                            {
                                "methodId": {"type": ["string", "null"]},
                                "name": _STRING,
                                "rateCents": _CENTS,
                            }
                        ),
                    }
                ),
                "unavailable": {
                    "type": "array",
                    "items": ID,
                    "description": "Extension: ids of cart products now archived or gone; "
                    "they are left out of items and totalCents",
                },
            },
            "Priced from the catalog at read time",
        ),
        "HistoryEntry": _object({"status": STATUS, "at": _TIME}),
        "OrderLine": _object(
            {
                "productId": ID,
                "variantId": ID,
                "sku": {"type": ["string", "null"]},
                "options": OPTIONS,
                "name": _STRING,
                "quantity": schemas.QUANTITY,
                "unitPriceCents": _CENTS,
                "lineTotalCents": _CENTS,
                "discountCents": _CENTS,
                "taxCents": _CENTS,
            },
            "A line as ordered, with its shares of the discount and of exclusive tax",
        ),
        "Order": _object(_order_fields()),
        "Quote": _object(
            {
                name: schema
                for name, schema in _order_fields().items()
                if name not in ("orderId", "status", "history", "createdAt", "updatedAt")
            },
            "The order POST /orders would place with the same body; nothing is written",
        ),
        "OrderPage": _page("Order"),
        **_report_schemas(),
        **_pricing_schemas(),
        **_return_schemas(),
    }


def _report_schemas() -> dict[str, Schema]:
    figures = {"orders": _COUNT, "units": _COUNT, "revenueCents": _CENTS, "refundsCents": _CENTS}
    return {
        "SalesDay": _object({"date": DATE, **figures}, "One UTC date; zeros when nothing sold"),
        "SalesTotals": _object({**figures, "netCents": {"type": "integer"}}),
        "TopProduct": _object(
            {"productId": ID, "name": _STRING, "units": _COUNT, "revenueCents": {"type": "integer"}}
        ),
        "SalesReport": _object(
            {
                "currency": schemas.CURRENCY,
                "from": DATE,
                "to": DATE,
                "days": {"type": "array", "maxItems": 366, "items": ref("SalesDay")},
                "totals": ref("SalesTotals"),
                "topProducts": {"type": "array", "maxItems": 10, "items": ref("TopProduct")},
            },
            "Every capture and refund counted once, on its UTC date",
        ),
    }


def _some_required(properties: Schema, required: tuple[str, ...], description: str) -> Schema:
    schema = _object(properties, description)
    return {**schema, "required": list(required)}


def _pricing_schemas() -> dict[str, Schema]:
    promotion = schemas.PROMOTION_CREATE["properties"]
    zone = schemas.SHIPPING_ZONE["properties"]
    return {
        "Promotion": _some_required(
            {
                **promotion,
                "startsAt": _TIME,
                "endsAt": _TIME,
                "oncePerCustomer": {"type": "boolean"},
                "redemptions": {"type": "integer", "minimum": 0},
                "active": {"type": "boolean"},
                "createdAt": _TIME,
            },
            ("code", "kind", "oncePerCustomer", "redemptions", "active", "createdAt"),
            "A promotion code; optional fields it lacks are left out",
        ),
        "PromotionPage": _page("Promotion"),
        "ShippingZone": _object(
            {
                "zoneId": {"type": "string", "pattern": schemas.ZONE_ID_PATTERN},
                "name": zone["name"],
                "countries": zone["countries"],
                "methods": {
                    "type": "array",
                    "items": {
                        **schemas.SHIPPING_METHOD,
                        "required": [*schemas.SHIPPING_METHOD["required"], "freeOverCents"],
                    },
                },
            }
        ),
        "ShippingZoneList": _object({"items": {"type": "array", "items": ref("ShippingZone")}}),
        "TaxRate": _object(
            {
                "country": {"type": "string", "pattern": schemas.COUNTRY_PATTERN},
                **schemas.TAX_RATE["properties"],
            }
        ),
        "TaxRateList": _object({"items": {"type": "array", "items": ref("TaxRate")}}),
    }


def _search_page() -> Schema:
    """A page of products; with `q` or a price filter also the category facet over every match."""
    page = _page("Product")
    facet = _object(
        {"value": _STRING, "count": {"type": "integer", "minimum": 1}},
        "A category and how many matches it has",
    )
    page["properties"]["facets"] = {
        **_object({"category": {"type": "array", "items": facet}}),
        "description": "With q or a price filter: counted over every match, not just the page",
    }
    return page


def _order_fields() -> Schema:
    return {
        "orderId": ID,
        "userId": ID,
        "status": STATUS,
        "failureReason": {
            "type": ["string", "null"],
            "description": "Why a PAYMENT_FAILED order failed: declined, error or timeout "
            "(null otherwise; clients must accept values they do not know)",
        },
        "items": {"type": "array", "minItems": 1, "items": ref("OrderLine")},
        "subtotalCents": _CENTS,
        "discountCents": _CENTS,
        "shippingCents": _CENTS,
        "shippingTaxCents": _CENTS,
        "taxCents": _CENTS,
        "taxRateBasisPoints": {"type": ["integer", "null"], "minimum": 0, "maximum": 10_000},
        "taxInclusive": {"type": ["boolean", "null"]},
        "totalCents": _CENTS,
        "refundedCents": _CENTS,
        "currency": schemas.CURRENCY,
        "promotionCode": {"type": ["string", "null"]},
        "shippingMethod": {"type": ["string", "null"]},
        "shippingAddress": ref("Address"),
        "trackingNumber": {"type": ["string", "null"]},
        "history": {"type": "array", "minItems": 1, "items": ref("HistoryEntry")},
        "createdAt": _TIME,
        "updatedAt": _TIME,
    }


RETURN_STATUS: Schema = {"type": "string", "enum": list(schemas.RETURN_STATUSES)}


def _return_schemas() -> dict[str, Schema]:
    """A return, as shoppers see it; admins also see its execution and why a refund failed."""
    line = _object(
        {
            "variantId": ID,
            "productId": ID,
            "name": _STRING,
            "quantity": _CENTS,
            "refundCents": _CENTS,
        }
    )
    entry = _optional(("note",), {"status": RETURN_STATUS, "at": _TIME, "note": _STRING})
    admin_only = ("executionArn", "refundFailure")
    properties: Schema = {
        "returnId": ID,
        "orderId": ID,
        "userId": ID,
        "status": RETURN_STATUS,
        "items": {"type": "array", "minItems": 1, "items": line},
        "reason": _STRING,
        "refundCents": _CENTS,
        "currency": schemas.CURRENCY,
        "history": {"type": "array", "minItems": 1, "items": entry},
        "createdAt": _TIME,
        "updatedAt": _TIME,
        "executionArn": {
            "type": ["string", "null"],
            "description": "Admins only: the return's Step Functions execution",
        },
        "refundFailure": {
            "type": ["string", "null"],
            "description": "Admins only: why the provider refused the refund (an extension)",
        },
    }
    return {"Return": _optional(admin_only, properties), "ReturnPage": _page("Return")}


def _page(item: str) -> Schema:
    return _object(
        {
            "items": {"type": "array", "items": ref(item)},
            "nextCursor": {
                "type": ["string", "null"],
                "description": "Pass as `cursor` for the next page; null when the list has ended",
            },
        }
    )
