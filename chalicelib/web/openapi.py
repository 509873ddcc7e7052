"""The OpenAPI 3.1 document of the HTTP API, as `GET /openapi.json` serves it.

Request bodies are the very schemas `validation.py` checks requests with (OpenAPI 3.1 takes JSON
Schema as it is, `type: [string, null]` included), so the published contract cannot drift from the
enforced one. The document is built on first use and cached per container; app.py imports this
module only inside its route, so cold starts of every other route never pay for it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from typing import Any

from chalicelib.domain import limits
from chalicelib.web import schemas
from chalicelib.web.openapi_responses import DATE, ID, RETURN_STATUS, STATUS, ref, response_schemas
from chalicelib.web.validation import MAX_BODY_BYTES, MAX_IDEMPOTENCY_KEY_LENGTH

Schema = dict[str, Any]

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
SECURITY_SCHEME = "cognitoIdToken"

# Request bodies, published under these names: the same dicts that requests are validated against.
REQUEST_SCHEMAS: dict[str, Schema] = {
    "RegisterRequest": schemas.REGISTER,
    "ConfirmRequest": schemas.CONFIRM,
    "LoginRequest": schemas.LOGIN,
    "RefreshRequest": schemas.REFRESH,
    "ProfilePatchRequest": schemas.PROFILE_PATCH,
    "ProductCreateRequest": schemas.PRODUCT_CREATE,
    "ProductPatchRequest": schemas.PRODUCT_PATCH,
    "StockDeltaRequest": schemas.STOCK_DELTA,
    "ImageUploadRequest": schemas.IMAGE_UPLOAD,
    "VariantCreateRequest": schemas.VARIANT_CREATE,
    "VariantPatchRequest": schemas.VARIANT_PATCH,
    "CartItemRequest": schemas.CART_ITEM,
    "OrderCreateRequest": schemas.ORDER_CREATE,
    "OrderStatusPatchRequest": schemas.ORDER_STATUS_PATCH,
    "PromotionCreateRequest": schemas.PROMOTION_CREATE,
    "PromotionPatchRequest": schemas.PROMOTION_PATCH,
    "ShippingZoneRequest": schemas.SHIPPING_ZONE,
    "TaxRateRequest": schemas.TAX_RATE,
    "CartPromotionRequest": schemas.CART_PROMOTION,
    "ReturnCreateRequest": schemas.RETURN_CREATE,
    "ReturnRejectRequest": schemas.RETURN_REJECT,
}

# The contract's numbers, published for clients (the storefront) to read rather than copy.
LIMITS: dict[str, int] = {
    "maxStock": limits.MAX_STOCK,
    "maxStockDelta": limits.MAX_STOCK_DELTA,
    "minQuantity": limits.MIN_QUANTITY,
    "maxQuantity": limits.MAX_QUANTITY,
    "maxLines": limits.MAX_LINES,
    "maxPriceCents": limits.MAX_PRICE_CENTS,
    "maxBodyBytes": MAX_BODY_BYTES,
}

# status: (the contract's error Code, when it is answered), from API.md's table.
ERRORS: dict[int, tuple[str, str]] = {
    400: ("BadRequestError", "Malformed JSON, a missing, unknown or read-only field, a bad value"),
    401: ("UnauthorizedError", "No ID token, or one that is invalid, expired or not for this app"),
    403: ("ForbiddenError", "A valid token that may not do this (a shopper on an admin route)"),
    404: ("NotFoundError", "No such resource, or one that belongs to another user"),
    409: ("ConflictError", "Out of stock, a forbidden status change, or a key still in flight"),
    413: ("RequestEntityTooLargeError", f"The body is over {MAX_BODY_BYTES} bytes"),
    422: ("UnprocessableEntityError", "An Idempotency-Key reused with a different body"),
    429: ("TooManyRequestsError", "Throttled"),
    503: ("ServiceUnavailableError", "A dependency is busy or down; retry with the same key"),
}
# Deployed, API Gateway may refuse a token with its own body: for auth the status is the contract.
_AUTH_STATUSES = (401, 403)


def _error_responses() -> dict[str, Schema]:
    responses: dict[str, Schema] = {}
    for status, (code, when) in ERRORS.items():
        body: Schema = {"allOf": [ref("Error"), {"properties": {"Code": {"const": code}}}]}
        if status == 409:
            body = ref("ConflictErrorBody")
        if status in _AUTH_STATUSES:
            body = {"anyOf": [body, ref("GatewayAuthError")]}
        responses[code] = {"description": when, "content": {"application/json": {"schema": body}}}
    return responses


def _parameters() -> dict[str, Schema]:
    def path(name: str, what: str) -> Schema:
        return {"name": name, "in": "path", "required": True, "description": what, "schema": ID}

    def query(name: str, schema: Schema, what: str, *, required: bool = False) -> Schema:
        return {
            "name": name,
            "in": "query",
            "required": required,
            "description": what,
            "schema": schema,
        }

    return {
        "productId": path(
            "productId", "A product id (in cart paths: a variant id, as the contract's {variantId})"
        ),
        "variantId": path("variantId", "A variant id (a product without options: the product id)"),
        "orderId": path("orderId", "An order id"),
        "returnId": path("returnId", "A return id"),
        "returnStatus": query(
            "status", RETURN_STATUS, "Only returns in this status (default REQUESTED: the queue)"
        ),
        "limit": query(
            "limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "Page size"
        ),
        "cursor": query(
            "cursor", {"type": "string"}, "The nextCursor of the previous page of this list"
        ),
        "code": path("code", "A promotion code, in any case"),
        "zoneId": {
            **path("zoneId", "A shipping zone id"),
            "schema": {"type": "string", "pattern": schemas.ZONE_ID_PATTERN},
        },
        "country": {
            **path("country", "An ISO 3166-1 alpha-2 country code"),
            "schema": {"type": "string", "pattern": schemas.COUNTRY_PATTERN},
        },
        "category": query("category", schemas.CATEGORY, "Only products of this category"),
        "q": query(
            "q",
            {"type": "string", "minLength": 1, "maxLength": 100},
            "Search words: every word must match the name, description, category or a SKU "
            "(case and accents ignored, prefixes, one typo in words of 5+ letters)",
        ),
        "minPriceCents": query(
            "minPriceCents", schemas.PRICE_CENTS, "Only products at this price or above"
        ),
        "maxPriceCents": query(
            "maxPriceCents", schemas.PRICE_CENTS, "Only products at this price or below"
        ),
        "currency": query(
            "currency",
            {**schemas.CURRENCY, "default": "USD"},
            "The currency that price filters and price sorts apply within",
        ),
        "sort": query(
            "sort",
            {"type": "string", "enum": ["relevance", "newest", "price_asc", "price_desc"]},
            "relevance (the default with q; a 400 without), newest (the default without), "
            "price_asc or price_desc",
        ),
        "countryQuery": query(
            "country",
            {"type": "string", "pattern": schemas.COUNTRY_PATTERN},
            "Price shipping and tax for this destination (default: the profile's address)",
        ),
        "shippingMethodQuery": query(
            "shippingMethod",
            {"type": "string", "pattern": schemas.ZONE_ID_PATTERN},
            "Extension: price this method rather than the cheapest",
        ),
        "status": query("status", STATUS, "Only orders in this status", required=True),
        "from": query("from", DATE, "The first UTC date (default: 29 days before `to`)"),
        "to": query("to", DATE, "The last UTC date, inclusive (default: today)"),
        "reportCurrency": query(
            "currency", schemas.CURRENCY, "The report's currency (default USD)"
        ),
        "IdempotencyKey": {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": "The same key and body replay the first answer for 24 hours; "
            "another body is a 422; a key still in flight is a 409",
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY_LENGTH},
        },
    }


@dataclass(frozen=True)
class Operation:
    """One route of the contract: what it takes and what it answers."""

    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    answer: tuple[int, str | None]  # the success status and its body schema (None: no body)
    auth: str = "none"  # "none", "user" or "admin"
    body: str | None = None  # a REQUEST_SCHEMAS name
    parameters: tuple[str, ...] = ()
    errors: tuple[int, ...] = ()  # besides those implied by auth, body and query parameters


_P, _O, _R, _PAGE = ("productId",), ("orderId",), ("returnId",), ("limit", "cursor")
_V = ("productId", "variantId")
_C = ("code",)
_WHERE = ("countryQuery", "shippingMethodQuery")

OPERATIONS: tuple[Operation, ...] = (
    Operation("GET", "/health", "health", "Liveness", "health", (200, "Health")),
    Operation("GET", "/openapi.json", "openapi_document", "This document", "health",
              (200, "OpenApiDocument")),
    Operation("POST", "/auth/register", "register", "Sign up", "identity", (201, "Registration"),
              body="RegisterRequest", errors=(409,)),
    Operation("POST", "/auth/confirm", "confirm", "Confirm a sign-up with the e-mailed code",
              "identity", (204, None), body="ConfirmRequest", errors=(401,)),
    Operation("POST", "/auth/login", "login", "Log in", "identity", (200, "Tokens"),
              body="LoginRequest", errors=(401,)),
    Operation("POST", "/auth/refresh", "refresh", "New tokens for a refresh token", "identity",
              (200, "RefreshedTokens"), body="RefreshRequest", errors=(401,)),
    Operation("GET", "/me", "get_me", "My profile", "identity", (200, "Profile"), auth="user"),
    Operation("PATCH", "/me", "patch_me", "Change my profile", "identity", (200, "Profile"),
              auth="user", body="ProfilePatchRequest"),
    Operation("GET", "/me/notifications", "my_notifications", "Messages sent to me, newest first",
              "identity", (200, "NotificationPage"), auth="user", parameters=_PAGE),
    Operation("GET", "/products", "list_products", "Active products, newest first, or a search",
              "catalog", (200, "ProductPage"),
              parameters=("category", "q", "minPriceCents", "maxPriceCents", "currency", "sort",
                          *_PAGE)),
    Operation("GET", "/products/{productId}", "get_product", "A product", "catalog",
              (200, "Product"), parameters=_P, errors=(404,)),
    Operation("POST", "/products", "create_product", "Add a product", "catalog",
              (201, "Product"), auth="admin", body="ProductCreateRequest"),
    Operation("PATCH", "/products/{productId}", "patch_product", "Change a product", "catalog",
              (200, "Product"), auth="admin", body="ProductPatchRequest", parameters=_P,
              errors=(404,)),
    Operation("POST", "/products/{productId}/stock", "adjust_stock", "Move stock by a delta",
              "catalog", (200, "Product"), auth="admin", body="StockDeltaRequest",
              parameters=_P, errors=(404, 409)),
    Operation("DELETE", "/products/{productId}", "archive_product", "Archive a product",
              "catalog", (204, None), auth="admin", parameters=_P, errors=(404,)),
    Operation("POST", "/products/{productId}/image", "product_image",
              "A presigned upload for the product's image", "catalog",
              (200, "ImageUploadTicket"), auth="admin", body="ImageUploadRequest",
              parameters=_P, errors=(404,)),
    Operation("POST", "/products/{productId}/variants", "add_variant", "Add a variant",
              "catalog", (201, "Variant"), auth="admin", body="VariantCreateRequest",
              parameters=_P, errors=(404, 409)),
    Operation("PATCH", "/products/{productId}/variants/{variantId}", "patch_variant",
              "Change a variant's SKU or price", "catalog", (200, "Variant"), auth="admin",
              body="VariantPatchRequest", parameters=_V, errors=(404, 409)),
    Operation("POST", "/products/{productId}/variants/{variantId}/stock", "adjust_variant_stock",
              "Move a variant's stock by a delta", "catalog", (200, "Variant"), auth="admin",
              body="StockDeltaRequest", parameters=_V, errors=(404, 409)),
    Operation("DELETE", "/products/{productId}/variants/{variantId}", "archive_variant",
              "Archive a variant", "catalog", (204, None), auth="admin", parameters=_V,
              errors=(404, 409)),
    Operation("GET", "/cart", "get_cart", "My cart", "cart", (200, "Cart"), auth="user",
              parameters=_WHERE),
    Operation("PUT", "/cart/items/{productId}", "put_cart_item",
              "Set a variant's quantity (the product id for a product without options)",
              "cart", (200, "Cart"), auth="user", body="CartItemRequest", parameters=_P,
              errors=(400, 404, 409)),
    Operation("DELETE", "/cart/items/{productId}", "delete_cart_item",
              "Take a variant out",
              "cart", (200, "Cart"), auth="user", parameters=_P),
    Operation("DELETE", "/cart", "clear_cart", "Empty my cart", "cart", (204, None),
              auth="user"),
    Operation("POST", "/orders", "place_order", "Check out the cart or the given items",
              "orders", (201, "Order"), auth="user", body="OrderCreateRequest",
              parameters=("IdempotencyKey",), errors=(409, 422)),
    Operation("POST", "/orders/quote", "quote_order", "Price a checkout, writing nothing",
              "orders", (200, "Quote"), auth="user", body="OrderCreateRequest",
              errors=(409,)),
    Operation("GET", "/orders", "list_orders", "My orders, newest first", "orders",
              (200, "OrderPage"), auth="user", parameters=_PAGE),
    Operation("GET", "/orders/{orderId}", "get_order", "An order of mine (any, for an admin)",
              "orders", (200, "Order"), auth="user", parameters=_O, errors=(404,)),
    Operation("POST", "/orders/{orderId}/cancel", "cancel_order",
              "Cancel a PENDING or CONFIRMED order", "orders", (200, "Order"), auth="user",
              parameters=_O, errors=(404, 409)),
    Operation("POST", "/payments/stripe/webhook", "stripe_webhook",
              "Stripe's webhook: a Stripe event, signed in Stripe-Signature (stages with "
              "PAYMENT_PROVIDER=stripe; 404 elsewhere)", "payments", (200, "WebhookReceipt"),
              errors=(400, 404)),
    Operation("GET", "/admin/orders", "admin_orders", "All orders in a status, newest first",
              "orders", (200, "OrderPage"), auth="admin", parameters=("status", *_PAGE)),
    Operation("PATCH", "/admin/orders/{orderId}", "admin_patch_order", "Move an order",
              "orders", (200, "Order"), auth="admin", body="OrderStatusPatchRequest",
              parameters=_O, errors=(404, 409)),
    Operation("GET", "/admin/reports/sales", "sales_report",
              "Sales per UTC day, totals and top products of a date range (at most 366 days)",
              "reports", (200, "SalesReport"), auth="admin",
              parameters=("from", "to", "reportCurrency"), errors=(400,)),
    Operation("PUT", "/cart/promotion", "put_cart_promotion", "Apply a promotion code",
              "cart", (200, "Cart"), auth="user", body="CartPromotionRequest",
              parameters=_WHERE, errors=(409,)),
    Operation("DELETE", "/cart/promotion", "delete_cart_promotion", "Take the code off",
              "cart", (200, "Cart"), auth="user", parameters=_WHERE),
    Operation("POST", "/admin/promotions", "create_promotion", "Add a promotion code",
              "promotions", (201, "Promotion"), auth="admin", body="PromotionCreateRequest",
              errors=(409,)),
    Operation("GET", "/admin/promotions", "list_promotions", "Promotion codes, newest first",
              "promotions", (200, "PromotionPage"), auth="admin", parameters=_PAGE),
    Operation("GET", "/admin/promotions/{code}", "get_promotion", "A promotion code",
              "promotions", (200, "Promotion"), auth="admin", parameters=_C, errors=(404,)),
    Operation("PATCH", "/admin/promotions/{code}", "patch_promotion",
              "Retire a code, or change its end or its limit", "promotions", (200, "Promotion"),
              auth="admin", body="PromotionPatchRequest", parameters=_C, errors=(404,)),
    Operation("PUT", "/admin/shipping/zones/{zoneId}", "put_zone",
              "Create or replace a shipping zone", "shipping", (200, "ShippingZone"),
              auth="admin", body="ShippingZoneRequest", parameters=("zoneId",), errors=(409,)),
    Operation("GET", "/admin/shipping/zones", "list_zones", "Every shipping zone", "shipping",
              (200, "ShippingZoneList"), auth="admin"),
    Operation("DELETE", "/admin/shipping/zones/{zoneId}", "delete_zone", "Delete a zone",
              "shipping", (204, None), auth="admin", parameters=("zoneId",), errors=(404, 409)),
    Operation("PUT", "/admin/tax/rates/{country}", "put_rate", "Set a country's tax rate",
              "shipping", (200, "TaxRate"), auth="admin", body="TaxRateRequest",
              parameters=("country",), errors=(409,)),
    Operation("GET", "/admin/tax/rates", "list_rates", "Every country's tax rate", "shipping",
              (200, "TaxRateList"), auth="admin"),
    Operation("DELETE", "/admin/tax/rates/{country}", "delete_rate", "Delete a tax rate",
              "shipping", (204, None), auth="admin", parameters=("country",),
              errors=(400, 404, 409)),
    Operation("POST", "/orders/{orderId}/returns", "open_return",
              "Return units of my delivered order", "returns", (201, "Return"), auth="user",
              body="ReturnCreateRequest", parameters=(*_O, "IdempotencyKey"),
              errors=(404, 409, 422)),
    Operation("GET", "/returns", "list_returns", "My returns, newest first", "returns",
              (200, "ReturnPage"), auth="user", parameters=_PAGE),
    Operation("GET", "/returns/{returnId}", "get_return", "A return of mine (any, for an admin)",
              "returns", (200, "Return"), auth="user", parameters=_R, errors=(404,)),
    Operation("GET", "/admin/returns", "admin_returns", "All returns in a status, newest first",
              "returns", (200, "ReturnPage"), auth="admin", parameters=("returnStatus", *_PAGE)),
    Operation("POST", "/admin/returns/{returnId}/approve", "approve_return",
              "Approve a REQUESTED return", "returns", (200, "Return"), auth="admin",
              parameters=_R, errors=(404, 409)),
    Operation("POST", "/admin/returns/{returnId}/reject", "reject_return",
              "Reject a REQUESTED return", "returns", (200, "Return"), auth="admin",
              body="ReturnRejectRequest", parameters=_R, errors=(404, 409)),
    Operation("POST", "/admin/returns/{returnId}/receive", "receive_return",
              "Record an APPROVED return's parcel", "returns", (200, "Return"), auth="admin",
              parameters=_R, errors=(404, 409)),
    Operation("POST", "/admin/returns/{returnId}/refund", "retry_return_refund",
              "Retry a REFUND_FAILED return's refund", "returns", (200, "Return"),
              auth="admin", parameters=_R, errors=(404, 409)),
)  # fmt: skip


def _statuses(op: Operation) -> list[int]:
    implied: set[int] = set(op.errors)
    if op.path not in ("/health", "/openapi.json"):
        implied |= {429, 503}
    if op.body is not None:
        implied |= {400, 413}
    queries = (
        "limit",
        "cursor",
        "category",
        "status",
        "countryQuery",
        "shippingMethodQuery",
        "returnStatus",
    )
    if any(name in queries for name in op.parameters):
        implied.add(400)
    if op.auth != "none":
        implied.add(401)
    if op.auth == "admin":
        implied.add(403)
    return sorted(implied)


_CORRELATION_HEADER: Schema = {
    "description": "The request's correlation id: the caller's own `X-Correlation-Id` (1 to 64 "
    "of `A-Za-z0-9._:-`) or one the shop chose; an order placed keeps it (docs/api-extensions.md)",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,64}$"},
}


def _success(op: Operation) -> Schema:
    schema = op.answer[1]
    headers: Schema = {"X-Correlation-Id": _CORRELATION_HEADER}
    if schema is None:
        return {"description": "Done; no body", "headers": headers}
    answer: Schema = {
        "description": "OK",
        "content": {"application/json": {"schema": ref(schema)}},
        "headers": headers,
    }
    if op.operation_id == "place_order":
        headers["Idempotent-Replayed"] = {
            "description": "`true` when this is the stored answer to an earlier request",
            "schema": {"type": "string", "enum": ["true"]},
        }
    return answer


def _operation(op: Operation) -> Schema:
    responses: Schema = {str(op.answer[0]): _success(op)}
    for status in _statuses(op):
        responses[str(status)] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
    spec: Schema = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in op.parameters],
        "responses": responses,
    }
    if op.body is not None:
        spec["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ref(op.body)}},
        }
    if op.auth == "none":
        spec["security"] = []
    else:
        spec["security"] = [{SECURITY_SCHEME: []}]
        if op.auth == "admin":
            spec["description"] = "Admins only: members of the Cognito group `admin`."
    return spec


def _paths() -> Schema:
    paths: Schema = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    return paths


@cache
def _build() -> Schema:
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Shop API",
            "version": API_VERSION,
            "description": "The serverless shop's HTTP API. JSON in and out; money in integer "
            "minor units beside an ISO 4217 currency; times ISO 8601 in UTC.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "tags": [
            {"name": name}
            for name in (
                "health",
                "identity",
                "catalog",
                "cart",
                "orders",
                "promotions",
                "shipping",
                "returns",
            )
        ],
        "x-limits": LIMITS,
        "paths": _paths(),
        "components": {
            "schemas": {**REQUEST_SCHEMAS, **response_schemas()},
            "responses": _error_responses(),
            "parameters": _parameters(),
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The user's Cognito ID token (not the access token), as "
                    "`Authorization: Bearer <idToken>`; the bare token is accepted too.",
                }
            },
        },
    }


def document() -> Schema:
    """The OpenAPI 3.1 document of every route (built once per container)."""
    # A copy per call: whatever a caller does to it, validation keeps its schemas.
    return copy.deepcopy(_build())
