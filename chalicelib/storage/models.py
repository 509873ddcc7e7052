"""PynamoDB models: one table per aggregate, indexes chosen from the access patterns.

See docs/data-model.md for the access-pattern table. Sparse index attributes (`listed`,
`listedCategory`) exist only on active products, so archiving a product removes it from every list
without touching the lists themselves.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.config import settings

_S = settings()
PAY_PER_REQUEST = "PAY_PER_REQUEST"


class _Meta:
    region = _S.region
    billing_mode = PAY_PER_REQUEST
    # Fail fast and let the client retry with its Idempotency-Key rather than hold a Lambda open.
    connect_timeout_seconds = 3
    read_timeout_seconds = 5
    max_retry_attempts = 2


class ActiveProductsIndex(GlobalSecondaryIndex["Product"]):
    """Active products, newest first."""

    class Meta:
        index_name = "active-index"
        projection = AllProjection()

    listed = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True, attr_name="sortKey")


class CategoryProductsIndex(GlobalSecondaryIndex["Product"]):
    """Active products of one category, newest first."""

    class Meta:
        index_name = "category-index"
        projection = AllProjection()

    listed_category = UnicodeAttribute(hash_key=True, attr_name="listedCategory")
    sort_key = UnicodeAttribute(range_key=True, attr_name="sortKey")


class Product(Model):
    """A catalog entry. Archived products keep their item so past orders still resolve."""

    class Meta(_Meta):
        table_name = _S.products_table
        stream_view_type = "NEW_AND_OLD_IMAGES"  # the search index's feed (decision 0101)

    product_id = UnicodeAttribute(hash_key=True, attr_name="productId")
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    price_cents = NumberAttribute(attr_name="priceCents")
    currency = UnicodeAttribute(default="USD")
    category = UnicodeAttribute()
    stock = NumberAttribute(default=0)
    image_url = UnicodeAttribute(null=True, attr_name="imageUrl")
    archived = BooleanAttribute(default=False)
    created_at = UnicodeAttribute(attr_name="createdAt")
    updated_at = UnicodeAttribute(attr_name="updatedAt")
    sort_key = UnicodeAttribute(attr_name="sortKey")
    listed = UnicodeAttribute(null=True)
    listed_category = UnicodeAttribute(null=True, attr_name="listedCategory")
    # Products with options: variant id -> {sku, options, priceCents, stock, archived, number};
    # absent on a product without options (docs/data-model.md, "Variants").
    variants = MapAttribute[str, Any](null=True)
    option_names = ListAttribute(of=UnicodeAttribute, null=True, attr_name="optionNames")
    variant_count = NumberAttribute(null=True, attr_name="variantCount")

    active_index = ActiveProductsIndex()
    category_index = CategoryProductsIndex()


class SkuClaim(Model):
    """The products table's item that holds one SKU for one variant: SKUs are unique in the shop.

    It shares the products table (its key `sku#<SKU>` never collides with a product id) so that a
    variant and its SKU are written in one transaction on one table.
    """

    class Meta(_Meta):
        table_name = _S.products_table

    key = UnicodeAttribute(hash_key=True, attr_name="productId")
    variant_id = UnicodeAttribute(attr_name="variantId")


class Address(MapAttribute[str, Any]):
    """A postal address."""

    line1 = UnicodeAttribute()
    line2 = UnicodeAttribute(null=True)
    city = UnicodeAttribute()
    postal_code = UnicodeAttribute(attr_name="postalCode")
    country = UnicodeAttribute()


class Profile(Model):
    """A user's profile; the user id is the Cognito `sub`."""

    class Meta(_Meta):
        table_name = _S.users_table

    user_id = UnicodeAttribute(hash_key=True, attr_name="userId")
    email = UnicodeAttribute()
    # None on profiles written before the flag (confirmed sign-ups): read as verified.
    email_verified = BooleanAttribute(null=True, attr_name="emailVerified")
    name = UnicodeAttribute(default="")
    phone = UnicodeAttribute(null=True)
    address = Address(null=True)
    created_at = UnicodeAttribute(attr_name="createdAt")
    updated_at = UnicodeAttribute(attr_name="updatedAt")


class Cart(Model):
    """A user's cart: one item holding a map of product id to quantity."""

    class Meta(_Meta):
        table_name = _S.carts_table

    user_id = UnicodeAttribute(hash_key=True, attr_name="userId")
    lines = MapAttribute[str, Any](default=dict)
    currency = UnicodeAttribute(null=True)
    version = NumberAttribute(default=0)
    updated_at = UnicodeAttribute(null=True, attr_name="updatedAt")
    promotion_code = UnicodeAttribute(null=True, attr_name="promotionCode")


class OrderLine(MapAttribute[str, Any]):
    """One priced line of an order, frozen at checkout."""

    product_id = UnicodeAttribute(attr_name="productId")
    # Absent on lines placed before variants: they read as the product's own variant.
    variant_id = UnicodeAttribute(null=True, attr_name="variantId")
    sku = UnicodeAttribute(null=True)
    options = MapAttribute[str, Any](null=True)
    name = UnicodeAttribute()
    quantity = NumberAttribute()
    unit_price_cents = NumberAttribute(attr_name="unitPriceCents")
    line_total_cents = NumberAttribute(attr_name="lineTotalCents")
    # The line's share of the order's discount and of its exclusive tax (absent before issue 17).
    discount_cents = NumberAttribute(null=True, attr_name="discountCents")
    tax_cents = NumberAttribute(null=True, attr_name="taxCents")


class HistoryEntry(MapAttribute[str, Any]):
    """One status an order entered, and when."""

    status = UnicodeAttribute()
    at = UnicodeAttribute()


class UserOrdersIndex(GlobalSecondaryIndex["Order"]):
    """A user's orders, newest first."""

    class Meta:
        index_name = "user-index"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True, attr_name="userId")
    sort_key = UnicodeAttribute(range_key=True, attr_name="sortKey")


class StatusOrdersIndex(GlobalSecondaryIndex["Order"]):
    """Orders in one status, newest first."""

    class Meta:
        index_name = "status-index"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True, attr_name="sortKey")


class Order(Model):
    """An order. Its stream (new and old images) is the outbox of the order's domain events."""

    class Meta(_Meta):
        table_name = _S.orders_table
        stream_view_type = "NEW_AND_OLD_IMAGES"

    order_id = UnicodeAttribute(hash_key=True, attr_name="orderId")
    user_id = UnicodeAttribute(attr_name="userId")
    # The shopper's email when they ordered (from the ID token), for notifications.
    contact_email = UnicodeAttribute(null=True, attr_name="contactEmail")
    # The request that placed the order (X-Correlation-Id or API Gateway's request id): its events
    # carry it, so one order's log lines can be followed through every function (chalicelib/log.py).
    correlation_id = UnicodeAttribute(null=True, attr_name="correlationId")
    status = UnicodeAttribute()
    items = ListAttribute(of=OrderLine)
    total_cents = NumberAttribute(attr_name="totalCents")
    currency = UnicodeAttribute(default="USD")
    # The money components, in the order of pricing (absent on orders placed before issue 17).
    subtotal_cents = NumberAttribute(null=True, attr_name="subtotalCents")
    discount_cents = NumberAttribute(null=True, attr_name="discountCents")
    shipping_cents = NumberAttribute(null=True, attr_name="shippingCents")
    shipping_tax_cents = NumberAttribute(null=True, attr_name="shippingTaxCents")
    tax_cents = NumberAttribute(null=True, attr_name="taxCents")
    tax_rate_basis_points = NumberAttribute(null=True, attr_name="taxRateBasisPoints")
    tax_inclusive = BooleanAttribute(null=True, attr_name="taxInclusive")
    refunded_cents = NumberAttribute(null=True, attr_name="refundedCents")
    promotion_code = UnicodeAttribute(null=True, attr_name="promotionCode")
    # Whether the redemption holds a oncePerCustomer item, to give back with the stock.
    promotion_once_per_customer = BooleanAttribute(null=True, attr_name="promotionOncePerCustomer")
    shipping_method = UnicodeAttribute(null=True, attr_name="shippingMethod")
    shipping_address = Address(attr_name="shippingAddress")
    payment_token = UnicodeAttribute(attr_name="paymentToken")
    tracking_number = UnicodeAttribute(null=True, attr_name="trackingNumber")
    # Why a PAYMENT_FAILED order failed: declined, error or timeout (null in any other status).
    failure_reason = UnicodeAttribute(null=True, attr_name="failureReason")
    history = ListAttribute(of=HistoryEntry)
    created_at = UnicodeAttribute(attr_name="createdAt")
    updated_at = UnicodeAttribute(attr_name="updatedAt")
    sort_key = UnicodeAttribute(attr_name="sortKey")
    # Units each variant's live returns claim (REJECTED and EXPIRED returns give theirs back).
    return_claims = MapAttribute[str, Any](null=True, attr_name="returnClaims")

    user_index = UserOrdersIndex()
    status_index = StatusOrdersIndex()


class IdempotencyRecord(Model):
    """The first answer to an Idempotency-Key, kept 24 hours (DynamoDB TTL on `expiresAt`)."""

    class Meta(_Meta):
        table_name = _S.idempotency_table

    key = UnicodeAttribute(hash_key=True, attr_name="idempotencyKey")
    request_hash = UnicodeAttribute(attr_name="requestHash")
    state = UnicodeAttribute()
    locked_until = NumberAttribute(attr_name="lockedUntil")
    status_code = NumberAttribute(null=True, attr_name="statusCode")
    response = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(attr_name="expiresAt")


class LedgerEntry(Model):
    """A side effect done once per order and step (charge, refund, shipment, mail)."""

    class Meta(_Meta):
        table_name = _S.ledger_table

    order_id = UnicodeAttribute(hash_key=True, attr_name="orderId")
    entry = UnicodeAttribute(range_key=True)
    reference = UnicodeAttribute(null=True)
    detail = MapAttribute[str, Any](null=True)
    created_at = UnicodeAttribute(attr_name="createdAt")
    # A counter the simulated payment provider keeps (how often a refund key was tried).
    tally = NumberAttribute(null=True)


class Notification(Model):
    """A message sent to a user; the local mailer's outbox and the storefront's inbox."""

    class Meta(_Meta):
        table_name = _S.notifications_table

    user_id = UnicodeAttribute(hash_key=True, attr_name="userId")
    sort_key = UnicodeAttribute(range_key=True, attr_name="sortKey")
    order_id = UnicodeAttribute(attr_name="orderId")
    type = UnicodeAttribute()
    subject = UnicodeAttribute()
    body = UnicodeAttribute()
    email = UnicodeAttribute()
    sent_at = UnicodeAttribute(attr_name="sentAt")


class ReportItem(Model):
    """A row of the sales aggregates: a day's totals, a product's day, or an event counted."""

    class Meta(_Meta):
        table_name = _S.reports_table

    key = UnicodeAttribute(hash_key=True, attr_name="pk")
    sort = UnicodeAttribute(range_key=True, attr_name="sk")
    orders = NumberAttribute(null=True)
    units = NumberAttribute(null=True)
    revenue_cents = NumberAttribute(null=True, attr_name="revenueCents")
    refunds_cents = NumberAttribute(null=True, attr_name="refundsCents")
    name = UnicodeAttribute(null=True)
    # Only on an event's marker: it goes once no redelivery of the event can still come.
    expires_at = TTLAttribute(null=True, attr_name="expiresAt")


class PricingListIndex(GlobalSecondaryIndex["PricingEntry"]):
    """Promotions, newest first (only promotion items carry `listed`)."""

    class Meta:
        index_name = "list-index"
        projection = AllProjection()

    listed = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True, attr_name="sortKey")


class ShippingMethodEntry(MapAttribute[str, Any]):
    """One method of a shipping zone."""

    method_id = UnicodeAttribute(attr_name="methodId")
    name = UnicodeAttribute()
    rate_cents = NumberAttribute(attr_name="rateCents")
    currency = UnicodeAttribute()
    free_over_cents = NumberAttribute(null=True, attr_name="freeOverCents")


class PricingEntry(Model):
    """The pricing table: promotions and their per-user redemptions, shipping zones, tax rates.

    `pk` / `sk`: `PROMO#<CODE>` / `PROMOTION` (a promotion), `PROMO#<CODE>` / `USER#<userId>` (a
    oncePerCustomer redemption), `CONFIG` / `ZONE#<zoneId>`, `CONFIG` / `RATE#<country>` and
    `CONFIG` / `VERSION` (bumped by every configuration write, the condition that keeps zones'
    countries apart). docs/data-model.md lists the access patterns.
    """

    class Meta(_Meta):
        table_name = _S.pricing_table

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    listed = UnicodeAttribute(null=True)
    sort_key = UnicodeAttribute(null=True, attr_name="sortKey")
    # a promotion
    code = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(null=True)
    percent_off = NumberAttribute(null=True, attr_name="percentOff")
    amount_off_cents = NumberAttribute(null=True, attr_name="amountOffCents")
    currency = UnicodeAttribute(null=True)
    min_subtotal_cents = NumberAttribute(null=True, attr_name="minSubtotalCents")
    starts_at = UnicodeAttribute(null=True, attr_name="startsAt")
    ends_at = UnicodeAttribute(null=True, attr_name="endsAt")
    max_redemptions = NumberAttribute(null=True, attr_name="maxRedemptions")
    once_per_customer = BooleanAttribute(null=True, attr_name="oncePerCustomer")
    redemptions = NumberAttribute(null=True)
    active = BooleanAttribute(null=True)
    # a redemption by one user
    order_id = UnicodeAttribute(null=True, attr_name="orderId")
    # a shipping zone
    name = UnicodeAttribute(null=True)
    countries = ListAttribute[str](null=True)
    methods = ListAttribute(of=ShippingMethodEntry, null=True)
    # a tax rate
    rate_basis_points = NumberAttribute(null=True, attr_name="rateBasisPoints")
    inclusive = BooleanAttribute(null=True)
    # the configuration's version
    version = NumberAttribute(null=True)
    created_at = UnicodeAttribute(null=True, attr_name="createdAt")
    updated_at = UnicodeAttribute(null=True, attr_name="updatedAt")

    list_index = PricingListIndex()


class ReturnLine(MapAttribute[str, Any]):
    """One line of a return: units of one variant of the order, and their refund."""

    variant_id = UnicodeAttribute(attr_name="variantId")
    product_id = UnicodeAttribute(attr_name="productId")
    name = UnicodeAttribute()
    quantity = NumberAttribute()
    refund_cents = NumberAttribute(attr_name="refundCents")


class ReturnHistoryEntry(MapAttribute[str, Any]):
    """One status a return entered, when, and why if someone said."""

    status = UnicodeAttribute()
    at = UnicodeAttribute()
    note = UnicodeAttribute(null=True)


class UserReturnsIndex(GlobalSecondaryIndex["Return"]):
    """A user's returns, newest first."""

    class Meta:
        index_name = "user-index"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True, attr_name="userId")
    sort_key = UnicodeAttribute(range_key=True, attr_name="sortKey")


class StatusReturnsIndex(GlobalSecondaryIndex["Return"]):
    """Returns in one status, newest first: the admin's queue."""

    class Meta:
        index_name = "status-index"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True, attr_name="sortKey")


class Return(Model):
    """A return and where its workflow is; its stream is the outbox of the return events."""

    class Meta(_Meta):
        table_name = _S.returns_table
        stream_view_type = "NEW_AND_OLD_IMAGES"

    return_id = UnicodeAttribute(hash_key=True, attr_name="returnId")
    order_id = UnicodeAttribute(attr_name="orderId")
    user_id = UnicodeAttribute(attr_name="userId")
    status = UnicodeAttribute()
    items = ListAttribute(of=ReturnLine)
    reason = UnicodeAttribute()
    refund_cents = NumberAttribute(attr_name="refundCents")
    currency = UnicodeAttribute(default="USD")
    history = ListAttribute(of=ReturnHistoryEntry)
    created_at = UnicodeAttribute(attr_name="createdAt")
    updated_at = UnicodeAttribute(attr_name="updatedAt")
    sort_key = UnicodeAttribute(attr_name="sortKey")
    execution_arn = UnicodeAttribute(null=True, attr_name="executionArn")
    # Each admin retry of a refused refund is a new round, with a new idempotency key.
    refund_round = NumberAttribute(default=0, attr_name="refundRound")
    # The task token the workflow waits on, and the step it belongs to (decision, parcel, ...).
    wait_step = UnicodeAttribute(null=True, attr_name="waitStep")
    wait_token = UnicodeAttribute(null=True, attr_name="waitToken")
    restocked_at = UnicodeAttribute(null=True, attr_name="restockedAt")
    refund_reference = UnicodeAttribute(null=True, attr_name="refundReference")
    refund_failure = UnicodeAttribute(null=True, attr_name="refundFailure")

    user_index = UserReturnsIndex()
    status_index = StatusReturnsIndex()


def condition_failed(exc: Exception) -> bool:
    """Whether a write failed because a condition did not hold: a plain write's, or any of a
    cancelled transaction's items (`storage.transactions` tells which)."""
    if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
        return True
    return bool(failed_conditions(exc))


def failed_conditions(exc: Exception) -> set[int]:
    """The positions of a cancelled transaction's items whose condition did not hold."""
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return {
        i for i, r in enumerate(reasons) if r is not None and r.code == "ConditionalCheckFailed"
    }


ALL_MODELS: tuple[type[Model], ...] = (
    Product,
    Profile,
    Cart,
    Order,
    IdempotencyRecord,
    LedgerEntry,
    Notification,
    ReportItem,
    PricingEntry,
    Return,
)


@lru_cache(maxsize=1)
def transactions() -> Connection:
    """The connection for TransactWriteItems, built once per container with the tables' timeouts."""
    return Connection(
        region=_Meta.region,
        connect_timeout_seconds=_Meta.connect_timeout_seconds,
        read_timeout_seconds=_Meta.read_timeout_seconds,
        max_retry_attempts=_Meta.max_retry_attempts,
    )
