"""Domain results as the contract's JSON: camelCase dicts, integers for money and counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from chalicelib.domain import variants
from chalicelib.domain.pricing import Line
from chalicelib.domain.reports import DayFigures, ProductSales, Report
from chalicelib.services.accounts import Registration, Tokens
from chalicelib.services.carts import PricedCart
from chalicelib.services.catalog import ImageUpload
from chalicelib.services.payment_webhooks import Receipt
from chalicelib.services.search import Found
from chalicelib.storage.models import Address, Notification, Order, Product, Profile, Return
from chalicelib.storage.paging import Page

Json = dict[str, Any]
T = TypeVar("T")


def page(result: Page[T], render: Callable[[T], Json]) -> Json:
    """The contract's `{items, nextCursor}`."""
    return {"items": [render(item) for item in result.items], "nextCursor": result.next_cursor}


def search_page(found: Found) -> Json:
    """A search's page, with `facets` when the search had words or a price filter."""
    rendered: Json = {
        "items": [product(item) for item in found.items],
        "nextCursor": found.next_cursor,
    }
    if found.categories is not None:
        rendered["facets"] = {
            "category": [{"value": value, "count": count} for value, count in found.categories]
        }
    return rendered


def product(item: Product, *, with_variants: bool = False) -> Json:
    """A product with its options; with options, its lowest active price and the sum of its
    variants' stock, and (`with_variants`) its active variants."""
    price, stock = int(item.price_cents), int(item.stock)
    stored = item.variants.as_dict() if item.variants is not None else None
    listed = variants.active(variants.of_product(item.product_id, price, stock, stored))
    if stored is not None:
        price = min((v.price_cents for v in listed), default=price)
        stock = sum(v.stock for v in listed)
    rendered: Json = {
        "productId": item.product_id,
        "name": item.name,
        "description": item.description,
        "priceCents": price,
        "currency": item.currency,
        "category": item.category,
        "stock": stock,
        "imageUrl": item.image_url,
        "createdAt": item.created_at,
        "updatedAt": item.updated_at,
        # Lists carry the options too (a card links a product with options to its page).
        "options": options([str(n) for n in item.option_names or []], listed),
    }
    if with_variants:
        rendered["variants"] = [variant(v) for v in listed]
    return rendered


def options(names: list[str], listed: list[variants.Variant]) -> list[Json]:
    """A product's options: each name with its values in first-used order."""
    return [
        {"name": name, "values": list(dict.fromkeys(v.options[name] for v in listed))}
        for name in names
    ]


def variant(item: variants.Variant) -> Json:
    """A variant (a product without options is its own, without a SKU)."""
    return {
        "variantId": item.variant_id,
        "sku": item.sku,
        "options": dict(item.options),
        "priceCents": item.price_cents,
        "stock": item.stock,
    }


def image_upload(upload: ImageUpload) -> Json:
    """Where to PUT a product's image."""
    return {
        "uploadUrl": upload.upload_url,
        "imageUrl": upload.image_url,
        "expiresIn": upload.expires_in,
    }


def line(priced: Line) -> Json:
    """One priced line of a cart."""
    return {
        "productId": priced.product_id,
        "variantId": priced.variant,
        "sku": priced.sku,
        "options": dict(priced.options),
        "name": priced.name,
        "quantity": priced.quantity,
        "unitPriceCents": priced.unit_price_cents,
        "lineTotalCents": priced.line_total_cents,
    }


def cart(priced: PricedCart) -> Json:
    """A cart priced now."""
    return {
        "items": [line(item) for item in priced.lines],
        "subtotalCents": priced.subtotal_cents,
        "discountCents": priced.discount_cents,
        "shippingCents": priced.shipping_cents,
        "taxCents": priced.tax_cents,
        "totalCents": priced.total_cents,
        "currency": priced.currency,
        "promotion": None
        if priced.promotion_code is None
        else {"code": priced.promotion_code, "discountCents": priced.discount_cents},
        "promotionError": priced.promotion_error,
        "shippingOptions": None
        if priced.shipping_options is None
        else [
            {"methodId": option.method_id, "name": option.name, "rateCents": option.rate_cents}
            for option in priced.shipping_options
        ],
        "unavailable": priced.unavailable,
    }


def address(value: Address | None) -> Json | None:
    """A postal address."""
    if value is None:
        return None
    return {
        "line1": value.line1,
        "line2": value.line2,
        "city": value.city,
        "postalCode": value.postal_code,
        "country": value.country,
    }


def order(item: Order) -> Json:
    """An order."""
    return {
        "orderId": item.order_id,
        "userId": item.user_id,
        "status": item.status,
        "failureReason": item.failure_reason,
        "items": [
            {
                "productId": ordered.product_id,
                # Lines placed before variants read as the product's own variant.
                "variantId": ordered.variant_id or ordered.product_id,
                "sku": ordered.sku,
                "options": ordered.options.as_dict() if ordered.options is not None else {},
                "name": ordered.name,
                "quantity": int(ordered.quantity),
                "unitPriceCents": int(ordered.unit_price_cents),
                "lineTotalCents": int(ordered.line_total_cents),
                "discountCents": _cents(ordered.discount_cents),
                "taxCents": _cents(ordered.tax_cents),
            }
            for ordered in item.items
        ],
        # Orders placed before a field existed read it as 0 (money) or null (API.md, Orders).
        "subtotalCents": _cents(item.subtotal_cents),
        "discountCents": _cents(item.discount_cents),
        "shippingCents": _cents(item.shipping_cents),
        "shippingTaxCents": _cents(item.shipping_tax_cents),
        "taxCents": _cents(item.tax_cents),
        "taxRateBasisPoints": None
        if item.tax_rate_basis_points is None
        else int(item.tax_rate_basis_points),
        "taxInclusive": item.tax_inclusive,
        "totalCents": int(item.total_cents),
        "refundedCents": _cents(item.refunded_cents),
        "currency": item.currency,
        "promotionCode": item.promotion_code,
        "shippingMethod": item.shipping_method,
        "shippingAddress": address(item.shipping_address),
        "trackingNumber": item.tracking_number,
        "history": [{"status": entry.status, "at": entry.at} for entry in item.history],
        "createdAt": item.created_at,
        "updatedAt": item.updated_at,
    }


def webhook_receipt(receipt: Receipt) -> Json:
    """A webhook's acknowledgement: received, and what the shop did with it."""
    return {"received": True, "outcome": receipt.outcome}


QUOTE_LEAVES_OUT = ("orderId", "status", "history", "createdAt", "updatedAt")


def quote(item: Order) -> Json:
    """The order a checkout would place: the Order without its id, status, history and times."""
    body = order(item)
    for name in QUOTE_LEAVES_OUT:
        del body[name]
    return body


def _cents(value: Any) -> int:
    return 0 if value is None else int(value)


def profile(item: Profile, *, is_admin: bool) -> Json:
    """A user's own profile; `isAdmin` is the caller's role, from their token."""
    return {
        "userId": item.user_id,
        "email": item.email,
        "name": item.name,
        "phone": item.phone,
        "address": address(item.address),
        "isAdmin": is_admin,
        "createdAt": item.created_at,
    }


def notification(note: Notification) -> Json:
    """A message the shop sent."""
    return {
        "orderId": note.order_id,
        "type": note.type,
        "subject": note.subject,
        "body": note.body,
        "sentAt": note.sent_at,
    }


def registration(user: Registration) -> Json:
    """A new user."""
    return {"userId": user.user_id, "email": user.email, "confirmed": user.confirmed}


def tokens(answer: Tokens) -> Json:
    """Tokens of a login or a refresh (`refreshToken` only when there is one)."""
    body: Json = {
        "idToken": answer.id_token,
        "accessToken": answer.access_token,
        "expiresIn": answer.expires_in,
    }
    if answer.refresh_token is not None:
        body["refreshToken"] = answer.refresh_token
    return body


def _sales_day(day: DayFigures) -> Json:
    return {
        "date": day.date,
        "orders": day.orders,
        "units": day.units,
        "revenueCents": day.revenue_cents,
        "refundsCents": day.refunds_cents,
    }


def _top_product(product: ProductSales) -> Json:
    return {
        "productId": product.product_id,
        "name": product.name,
        "units": product.units,
        "revenueCents": product.revenue_cents,
    }


def sales_report(report: Report) -> Json:
    """`{currency, from, to, days, totals, topProducts}`."""
    totals = report.totals
    return {
        "currency": report.currency,
        "from": report.start,
        "to": report.end,
        "days": [_sales_day(day) for day in report.days],
        "totals": {
            "orders": totals.orders,
            "units": totals.units,
            "revenueCents": totals.revenue_cents,
            "refundsCents": totals.refunds_cents,
            "netCents": totals.net_cents,
        },
        "topProducts": [_top_product(product) for product in report.top_products],
    }


def return_(item: Return, *, admin: bool = False) -> Json:
    """A return; admins also see its workflow execution and why a refund failed."""
    body: Json = {
        "returnId": item.return_id,
        "orderId": item.order_id,
        "userId": item.user_id,
        "status": item.status,
        "items": [
            {
                "variantId": line.variant_id,
                "productId": line.product_id,
                "name": line.name,
                "quantity": int(line.quantity),
                "refundCents": int(line.refund_cents),
            }
            for line in item.items
        ],
        "reason": item.reason,
        "refundCents": int(item.refund_cents),
        "currency": item.currency,
        "history": [
            {"status": entry.status, "at": entry.at, **({"note": entry.note} if entry.note else {})}
            for entry in item.history
        ],
        "createdAt": item.created_at,
        "updatedAt": item.updated_at,
    }
    if admin:
        body["executionArn"] = item.execution_arn
        body["refundFailure"] = item.refund_failure
    return body


def return_page(result: Page[Return], *, admin: bool = False) -> Json:
    """A page of returns; admins see each one's workflow execution."""
    return page(result, lambda item: return_(item, admin=admin))
