"""The shop's HTTP API and event handlers: parse, call one use case, return."""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from chalice import (
    Chalice,
    CognitoUserPoolAuthorizer,
    CORSConfig,
    Rate,
    Response,
)
from chalice.app import Request

from chalicelib import log
from chalicelib.adapters import events, return_events, sqs_batch
from chalicelib.config import settings
from chalicelib.domain import identity
from chalicelib.domain.errors import InvalidInput, ShopError
from chalicelib.services import (
    accounts,
    carts,
    catalog,
    checkout,
    fulfillment,
    idempotency,
    inbox,
    orders,
    payment_webhooks,
    profiles,
    promotions,
    reports,
    return_steps,
    returns,
    search,
    shop_config,
    variants,
)
from chalicelib.web import correlation, pricing_render, render, schemas
from chalicelib.web.http import error_response
from chalicelib.web.validation import (
    check_path_ids,
    parse_body,
    parse_choice,
    parse_idempotency_key,
    parse_limit,
    parse_search,
)

app = Chalice(app_name="shop")
SETTINGS = settings()
LOCAL_AUTH = SETTINGS.auth_mode == "local"
CORS = CORSConfig(
    allow_origin=SETTINGS.cors_origin,
    allow_headers=["Authorization", "Content-Type", "Idempotency-Key", correlation.HEADER],
    expose_headers=["Idempotent-Replayed", correlation.HEADER],
    max_age=600,
)
# Deployed, API Gateway verifies the ID token; locally the middleware below does the same checks.
AUTHORIZER = (
    None
    if LOCAL_AUTH
    else CognitoUserPoolAuthorizer(
        "shop-users", provider_arns=[os.environ.get("USER_POOL_ARN", "")]
    )
)
PROTECTED: set[tuple[str, str]] = set()


def route(
    path: str, methods: tuple[str, ...] = ("GET",), *, auth: bool = False
) -> Callable[[Callable[..., Any]], Any]:
    """Register a view whose domain errors become the contract's HTTP errors."""

    def decorate(view: Callable[..., Any]) -> Any:
        @functools.wraps(view)
        def handle(**params: Any) -> Any:
            try:
                check_path_ids(params)
                return view(**params)
            except Exception as exc:
                response = error_response(exc)
                if response is None:
                    raise
                return response

        if auth:
            PROTECTED.update((path, method) for method in methods)
        return app.route(
            path, methods=list(methods), authorizer=AUTHORIZER if auth else None, cors=CORS
        )(handle)

    return decorate


_this_request = threading.local()
_request_log = log.logger("http")


@app.middleware("http")
def log_request(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """One JSON line per request: route, status, time and caller id; never headers or bodies.

    Every line logged while the request runs carries its correlation id, which the answer
    returns in X-Correlation-Id.
    """
    started = time.perf_counter()
    headers: Any = event.headers or {}
    cid = correlation.of_request(headers.get("x-correlation-id"), event.context.get("requestId"))
    with log.context(**{log.CORRELATION_ID: cid}):
        response = get_response(event)
        claims = (event.context.get("authorizer") or {}).get("claims") or {}
        _request_log.info(
            "request",
            extra={
                "fields": {
                    "method": event.method,
                    "route": event.context.get("resourcePath"),
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "userId": claims.get("sub"),
                }
            },
        )
    response.headers[correlation.HEADER] = cid
    return response


@app.middleware("http")
def bind_request(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Keep each request on its own thread.

    `app.current_request` is one attribute shared by all threads, and `chalice local` serves
    requests on many threads: two concurrent requests would read each other's body and caller.
    Lambda runs one request per process, so this changes nothing there.
    """
    _this_request.value = event
    try:
        return get_response(event)
    finally:
        _this_request.value = None


if LOCAL_AUTH:

    @app.middleware("http")
    def verify_tokens_locally(event: Any, get_response: Callable[[Any], Any]) -> Any:
        """Check ID tokens on protected routes exactly where API Gateway would."""
        from chalicelib.web import local_auth

        if (event.context.get("resourcePath"), event.method) in PROTECTED:
            try:
                token = local_auth.bearer_token(event.headers.get("authorization"))
                claims = local_auth.verify_id_token(token)
            except ShopError as exc:
                response = error_response(
                    exc, headers={"Access-Control-Allow-Origin": SETTINGS.cors_origin}
                )
                assert response is not None
                return response
            event.context["authorizer"] = {"claims": local_auth.as_gateway_claims(claims)}
        return get_response(event)


def request() -> Request:
    """The request being handled."""
    current: Request | None = getattr(_this_request, "value", None)
    assert current is not None, "request() is only valid while a request is handled"
    return current


def body(schema: schemas.Schema) -> dict[str, Any]:
    """The current request's JSON body, checked against a schema."""
    return parse_body(request().raw_body, schema)


def query(name: str) -> str | None:
    """One query parameter of the current request."""
    params = request().query_params
    return None if params is None else params.get(name)


def caller() -> identity.Caller:
    """The authenticated caller of the current request."""
    current = request()
    return identity.caller_from_context(current.context, current.headers.get("authorization"))


def admin() -> identity.Caller:
    """The caller, who must be an admin."""
    return identity.require_admin(caller())


def created(payload: dict[str, Any]) -> Response:
    """A 201 answer."""
    return Response(body=payload, status_code=201)


def no_content() -> Response:
    """A 204 answer."""
    return Response(body="", status_code=204)


@route("/health")
def health() -> dict[str, str]:
    """Answer that the API is up."""
    return {"status": "ok"}


@route("/openapi.json")
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of this API."""
    from chalicelib.web import openapi  # built on first use: no cost to other cold starts

    return openapi.document()


# --- identity -----------------------------------------------------------------------------------


@route("/auth/register", ("POST",))
def register() -> Response:
    """Sign a new user up."""
    data = body(schemas.REGISTER)
    return created(
        render.registration(accounts.register(data["email"], data["password"], data["name"]))
    )


@route("/auth/confirm", ("POST",))
def confirm() -> Response:
    """Confirm a sign-up with the e-mailed code."""
    data = body(schemas.CONFIRM)
    accounts.confirm(data["email"], data["code"])
    return no_content()


@route("/auth/login", ("POST",))
def login() -> dict[str, Any]:
    """Tokens for an e-mail and password."""
    data = body(schemas.LOGIN)
    return render.tokens(accounts.login(data["email"], data["password"]))


@route("/auth/refresh", ("POST",))
def refresh() -> dict[str, Any]:
    """New ID and access tokens for a refresh token."""
    return render.tokens(accounts.refresh(body(schemas.REFRESH)["refreshToken"]))


@route("/me", auth=True)
def get_me() -> dict[str, Any]:
    """The caller's profile."""
    who = caller()
    return render.profile(profiles.get_profile(who), is_admin=who.is_admin)


@route("/me", ("PATCH",), auth=True)
def patch_me() -> dict[str, Any]:
    """Change the caller's name, phone or address."""
    who = caller()
    changed = profiles.update_profile(who, body(schemas.PROFILE_PATCH))
    return render.profile(changed, is_admin=who.is_admin)


@route("/me/notifications", auth=True)
def my_notifications() -> dict[str, Any]:
    """One page of the messages sent to the caller, newest first."""
    page = inbox.list_mine(caller(), parse_limit(query("limit")), query("cursor"))
    return render.page(page, render.notification)


# --- catalog ------------------------------------------------------------------------------------


@route("/products")
def list_products() -> dict[str, Any]:
    """One page of active products, newest first, optionally of one category; or a search."""
    category = parse_choice("category", query("category"), schemas.CATEGORY_PATTERN)
    limit = parse_limit(query("limit"))
    asked = parse_search(request().query_params or {}, category, limit)
    if asked is not None:
        return render.search_page(search.find(asked, query("cursor")))
    return render.page(catalog.list_products(category, limit, query("cursor")), render.product)


@route("/products/{product_id}")
def get_product(product_id: str) -> dict[str, Any]:
    """An active product."""
    return render.product(catalog.get_product(product_id), with_variants=True)


@route("/products", ("POST",), auth=True)
def create_product() -> Response:
    """Add a product (admins)."""
    admin()
    product = catalog.create_product(body(schemas.PRODUCT_CREATE))
    return created(render.product(product, with_variants=True))


@route("/products/{product_id}", ("PATCH",), auth=True)
def patch_product(product_id: str) -> dict[str, Any]:
    """Change a product's fields (admins)."""
    admin()
    product = catalog.update_product(product_id, body(schemas.PRODUCT_PATCH))
    return render.product(product, with_variants=True)


@route("/products/{product_id}/stock", ("POST",), auth=True)
def adjust_stock(product_id: str) -> dict[str, Any]:
    """Move a product's stock by a delta (admins)."""
    admin()
    delta = body(schemas.STOCK_DELTA)["delta"]
    return render.product(catalog.adjust_stock(product_id, delta))


@route("/products/{product_id}", ("DELETE",), auth=True)
def archive_product(product_id: str) -> Response:
    """Archive a product (admins)."""
    admin()
    catalog.archive_product(product_id)
    return no_content()


@route("/products/{product_id}/image", ("POST",), auth=True)
def product_image(product_id: str) -> dict[str, Any]:
    """A presigned upload for a product's image (admins)."""
    admin()
    content_type = body(schemas.IMAGE_UPLOAD)["contentType"]
    return render.image_upload(catalog.image_upload(product_id, content_type))


@route("/products/{product_id}/variants", ("POST",), auth=True)
def add_variant(product_id: str) -> Response:
    """Add a variant to a product (admins)."""
    admin()
    return created(render.variant(variants.add_variant(product_id, body(schemas.VARIANT_CREATE))))


@route("/products/{product_id}/variants/{variant_id}", ("PATCH",), auth=True)
def patch_variant(product_id: str, variant_id: str) -> dict[str, Any]:
    """Change a variant's SKU or price (admins)."""
    admin()
    changes = body(schemas.VARIANT_PATCH)
    return render.variant(variants.update_variant(product_id, variant_id, changes))


@route("/products/{product_id}/variants/{variant_id}/stock", ("POST",), auth=True)
def adjust_variant_stock(product_id: str, variant_id: str) -> dict[str, Any]:
    """Move a variant's stock by a delta (admins)."""
    admin()
    delta = body(schemas.STOCK_DELTA)["delta"]
    return render.variant(variants.adjust_variant_stock(product_id, variant_id, delta))


@route("/products/{product_id}/variants/{variant_id}", ("DELETE",), auth=True)
def archive_variant(product_id: str, variant_id: str) -> Response:
    """Archive a variant (admins)."""
    admin()
    variants.archive_variant(product_id, variant_id)
    return no_content()


# --- cart ---------------------------------------------------------------------------------------


@route("/cart", auth=True)
def get_cart() -> dict[str, Any]:
    """The caller's cart, priced now, with its totals for `?country=` (else the profile's)."""
    return render.cart(carts.get_cart(caller(), destination(from_profile=True)))


def destination(*, from_profile: bool = False) -> carts.Destination:
    """Where the cart would ship: `?country=` and `?shippingMethod=` (an extension)."""
    country = parse_choice("country", query("country"), schemas.COUNTRY_PATTERN)
    method = parse_choice("shippingMethod", query("shippingMethod"), schemas.ZONE_ID_PATTERN)
    return carts.Destination(country, method, from_profile=from_profile and country is None)


@route("/cart/promotion", ("PUT",), auth=True)
def put_cart_promotion() -> dict[str, Any]:
    """Put a promotion code on the caller's cart: 400 if it cannot apply, 409 if used up."""
    code = body(schemas.CART_PROMOTION)["code"]
    return render.cart(carts.apply_promotion(caller(), code, destination()))


@route("/cart/promotion", ("DELETE",), auth=True)
def delete_cart_promotion() -> dict[str, Any]:
    """Take the promotion code off the caller's cart."""
    return render.cart(carts.remove_promotion(caller(), destination()))


@route("/cart/items/{variant_id}", ("PUT",), auth=True)
def put_cart_item(variant_id: str) -> dict[str, Any]:
    """Set a variant's quantity (or a product's without options) in the caller's cart."""
    quantity = body(schemas.CART_ITEM)["quantity"]
    return render.cart(carts.set_item(caller(), variant_id, quantity))


@route("/cart/items/{variant_id}", ("DELETE",), auth=True)
def delete_cart_item(variant_id: str) -> dict[str, Any]:
    """Take a variant out of the caller's cart."""
    return render.cart(carts.remove_item(caller(), variant_id))


@route("/cart", ("DELETE",), auth=True)
def clear_cart() -> Response:
    """Empty the caller's cart."""
    carts.clear(caller())
    return no_content()


# --- orders -------------------------------------------------------------------------------------


@route("/orders", ("POST",), auth=True)
def place_order() -> Response:
    """Check out the cart or the given items, once per Idempotency-Key."""
    who = caller()
    key = parse_idempotency_key(request().headers.get("idempotency-key"))
    data = body(schemas.ORDER_CREATE)
    fingerprint = idempotency.fingerprint("POST", "/orders", data)
    placed = checkout.place(who, data, None if key is None else idempotency.Key(key, fingerprint))
    headers: dict[str, str | list[str]] = {"Idempotent-Replayed": "true"} if placed.replayed else {}
    return Response(body=render.order(placed.order), status_code=201, headers=headers)


@route("/orders/quote", ("POST",), auth=True)
def quote_order() -> dict[str, Any]:
    """The order `POST /orders` would place with this body, writing nothing."""
    return render.quote(checkout.quote(caller(), body(schemas.ORDER_CREATE)))


@route("/orders", auth=True)
def list_orders() -> dict[str, Any]:
    """One page of the caller's orders, newest first."""
    page = orders.list_mine(caller(), parse_limit(query("limit")), query("cursor"))
    return render.page(page, render.order)


@route("/orders/{order_id}", auth=True)
def get_order(order_id: str) -> dict[str, Any]:
    """An order of the caller's (any, for an admin)."""
    return render.order(orders.get_order(caller(), order_id))


@route("/orders/{order_id}/cancel", ("POST",), auth=True)
def cancel_order(order_id: str) -> dict[str, Any]:
    """Cancel a PENDING or CONFIRMED order."""
    return render.order(orders.cancel(caller(), order_id))


@route("/admin/orders", auth=True)
def admin_orders() -> dict[str, Any]:
    """One page of all orders in a status, newest first (admins)."""
    who = admin()
    status = parse_choice("status", query("status"), schemas.ORDER_STATUS_PATTERN)
    if status is None:
        raise InvalidInput("status is required")
    page = orders.list_by_status(who, status, parse_limit(query("limit")), query("cursor"))
    return render.page(page, render.order)


@route("/admin/orders/{order_id}", ("PATCH",), auth=True)
def admin_patch_order(order_id: str) -> dict[str, Any]:
    """Move an order to a status the state machine allows (admins)."""
    admin()
    target = body(schemas.ORDER_STATUS_PATCH)["status"]
    return render.order(orders.admin_move(order_id, target))


@route("/admin/reports/sales", auth=True)
def sales_report() -> dict[str, Any]:
    """Sales per UTC day, totals and top products of a date range (admins)."""
    admin()
    return render.sales_report(reports.sales(query("from"), query("to"), query("currency")))


# --- payment provider webhooks -------------------------------------------------------------------


@route("/payments/stripe/webhook", ("POST",))
def stripe_webhook() -> dict[str, Any]:
    """Stripe's note that a PaymentIntent changed: verified, then the payment step nudged."""
    signed = request()
    receipt = payment_webhooks.receive(signed.raw_body, signed.headers.get("stripe-signature"))
    return render.webhook_receipt(receipt)


# --- promotions, shipping and tax (admin) ------------------------------------------------------


@route("/admin/promotions", ("POST",), auth=True)
def create_promotion() -> Response:
    """Add a promotion code (admins)."""
    admin()
    return created(pricing_render.promotion(promotions.create(body(schemas.PROMOTION_CREATE))))


@route("/admin/promotions", auth=True)
def list_promotions() -> dict[str, Any]:
    """One page of promotion codes, newest first (admins)."""
    who = admin()
    page = promotions.page(who.user_id, parse_limit(query("limit")), query("cursor"))
    return render.page(page, pricing_render.promotion)


@route("/admin/promotions/{code}", auth=True)
def get_promotion(code: str) -> dict[str, Any]:
    """A promotion code, in any case (admins)."""
    admin()
    return pricing_render.promotion(promotions.get(code))


@route("/admin/promotions/{code}", ("PATCH",), auth=True)
def patch_promotion(code: str) -> dict[str, Any]:
    """Retire a code, or change its end or its limit (admins)."""
    admin()
    return pricing_render.promotion(promotions.update(code, body(schemas.PROMOTION_PATCH)))


@route("/admin/shipping/zones/{zone_id}", ("PUT",), auth=True)
def put_zone(zone_id: str) -> dict[str, Any]:
    """Create or replace a shipping zone (admins)."""
    admin()
    zone_id = parse_choice("zoneId", zone_id, schemas.ZONE_ID_PATTERN) or zone_id
    return pricing_render.zone(shop_config.put_zone(zone_id, body(schemas.SHIPPING_ZONE)))


@route("/admin/shipping/zones", auth=True)
def list_zones() -> dict[str, Any]:
    """Every shipping zone (admins)."""
    admin()
    return {"items": [pricing_render.zone(zone) for zone in shop_config.zones()]}


@route("/admin/shipping/zones/{zone_id}", ("DELETE",), auth=True)
def delete_zone(zone_id: str) -> Response:
    """Delete a shipping zone (admins)."""
    admin()
    shop_config.delete_zone(zone_id)
    return no_content()


@route("/admin/tax/rates/{country}", ("PUT",), auth=True)
def put_rate(country: str) -> dict[str, Any]:
    """Set a country's tax rate (admins)."""
    admin()
    country = parse_choice("country", country, schemas.COUNTRY_PATTERN) or country
    data = body(schemas.TAX_RATE)
    return pricing_render.rate(
        *shop_config.put_rate(country, data["rateBasisPoints"], data["inclusive"])
    )


@route("/admin/tax/rates", auth=True)
def list_rates() -> dict[str, Any]:
    """Every country's tax rate (admins)."""
    admin()
    rates = shop_config.rates()
    return {"items": [pricing_render.rate(country, rates[country]) for country in sorted(rates)]}


@route("/admin/tax/rates/{country}", ("DELETE",), auth=True)
def delete_rate(country: str) -> Response:
    """Delete a country's tax rate (admins)."""
    admin()
    shop_config.delete_rate(country)
    return no_content()


# --- async fulfillment --------------------------------------------------------------------------
# The orders table's stream is the outbox; SNS fans events out to one SQS queue per consumer.
def _stand_in_stream(table: str) -> str:
    """The stream ARN the app reads when none is set: one naming the table."""
    # Only `chalice local` and tests import the app without a real stream; the event pump resolves
    # the table's actual stream from the table name in this ARN.
    return f"arn:aws:dynamodb:{SETTINGS.region}:000000000000:table/{table}/stream/local"


def _publish_changes(event: Any, to_event: Callable[..., Any]) -> None:
    """Publish the domain event, if any, of each committed change in a stream batch."""
    for record in event:
        domain_event = to_event(record.event_name, record.new_image, record.old_image)
        if domain_event is not None:
            events.publish(domain_event)


ORDERS_STREAM_ARN = os.environ.get("ORDERS_STREAM_ARN", _stand_in_stream(SETTINGS.orders_table))


@app.on_dynamodb_record(
    stream_arn=ORDERS_STREAM_ARN, batch_size=100, starting_position="TRIM_HORIZON"
)
def publish_order_events(event: Any) -> None:
    """Publish the domain event of every committed order change; a failure retries the batch."""
    _publish_changes(event, events.from_stream_record)


# The products table's stream keeps the search index's snapshot in step (decision 0101).
PRODUCTS_STREAM_ARN = os.environ.get(
    "PRODUCTS_STREAM_ARN", _stand_in_stream(SETTINGS.products_table)
)


@app.on_dynamodb_record(
    stream_arn=PRODUCTS_STREAM_ARN, batch_size=100, starting_position="TRIM_HORIZON"
)
def index_products(event: Any) -> None:
    """Rewrite the search snapshot with a batch of product changes; a failure retries the batch."""
    search.on_product_changes((r.keys or {}, r.new_image, r.old_image) for r in event)


@app.on_sqs_message(queue=SETTINGS.queue_name("payments"), batch_size=10)
def take_payments(event: Any) -> None:
    """Charge placed orders and refund cancelled ones."""
    sqs_batch.process(event, fulfillment.on_payment_event, "payments")


@app.on_sqs_message(queue=SETTINGS.queue_name("fulfillment"), batch_size=10)
def ship_orders(event: Any) -> None:
    """Book shipments for confirmed orders."""
    sqs_batch.process(event, fulfillment.on_fulfillment_event, "fulfillment")


@app.on_sqs_message(queue=SETTINGS.queue_name("notifications"), batch_size=10)
def notify_shoppers(event: Any) -> None:
    """Tell shoppers what happened to their orders."""
    sqs_batch.process(event, fulfillment.on_notification_event, "notifications")


@app.on_sqs_message(queue=SETTINGS.queue_name("reports"), batch_size=10)
def count_sales(event: Any) -> None:
    """Count each capture and refund once in the daily sales figures."""
    sqs_batch.process(event, reports.on_money_event, "reports")


@app.on_sqs_message(queue=SETTINGS.queue_name("payments-dlq"), batch_size=10)
def fail_dead_payments(event: Any) -> None:
    """A payment that kept failing fails its order (reason error); a refund is tried again."""
    sqs_batch.process(event, fulfillment.on_payment_dead_letter, "payments-dlq")


@app.on_sqs_message(queue=SETTINGS.queue_name("fulfillment-dlq"), batch_size=10)
def return_unbooked_orders(event: Any) -> None:
    """A shipment booking that failed for good gives its order back to CONFIRMED."""
    sqs_batch.process(event, fulfillment.on_fulfillment_dead_letter, "fulfillment-dlq")


@app.schedule(Rate(1, unit=Rate.MINUTES))
def expire_unpaid_orders(event: Any) -> None:
    """Fail PENDING orders past the payment timeout and release their stock."""
    orders.expire_unpaid(settings().payment_timeout_seconds)


# --- returns (docs/returns.md) ------------------------------------------------------------------
# Each return is a Step Functions execution; its steps that need Python come back on a queue.


@route("/orders/{order_id}/returns", ("POST",), auth=True)
def open_return(order_id: str) -> Response:
    """Ask to return units of a delivered order, once per Idempotency-Key."""
    who = caller()
    key = parse_idempotency_key(request().headers.get("idempotency-key"))
    data = body(schemas.RETURN_CREATE)
    fingerprint = idempotency.fingerprint("POST", f"/orders/{order_id}/returns", data)
    opened = returns.open_once(
        who, order_id, data, None if key is None else idempotency.Key(key, fingerprint)
    )
    headers: dict[str, str | list[str]] = {"Idempotent-Replayed": "true"} if opened.replayed else {}
    return Response(body=render.return_(opened.item), status_code=201, headers=headers)


@route("/returns", auth=True)
def list_returns() -> dict[str, Any]:
    """The caller's returns, newest first."""
    page = returns.list_mine(caller(), parse_limit(query("limit")), query("cursor"))
    return render.return_page(page)


@route("/returns/{return_id}", auth=True)
def get_return(return_id: str) -> dict[str, Any]:
    """A return of the caller's (any, for an admin)."""
    who = caller()
    return render.return_(returns.get_return(who, return_id), admin=who.is_admin)


@route("/admin/returns", auth=True)
def admin_returns() -> dict[str, Any]:
    """All returns in a status (the queue: REQUESTED), newest first."""
    who = admin()
    # The queue: what awaits a decision, unless another status is asked for.
    status = parse_choice("status", query("status"), schemas.RETURN_STATUS_PATTERN) or "REQUESTED"
    page = returns.list_by_status(who, status, parse_limit(query("limit")), query("cursor"))
    return render.return_page(page, admin=True)


@route("/admin/returns/{return_id}/approve", ("POST",), auth=True)
def approve_return(return_id: str) -> dict[str, Any]:
    """Approve a REQUESTED return."""
    admin()
    return render.return_(returns.approve(return_id), admin=True)


@route("/admin/returns/{return_id}/reject", ("POST",), auth=True)
def reject_return(return_id: str) -> dict[str, Any]:
    """Reject a REQUESTED return, saying why."""
    admin()
    note = body(schemas.RETURN_REJECT)["note"]
    return render.return_(returns.reject(return_id, note), admin=True)


@route("/admin/returns/{return_id}/receive", ("POST",), auth=True)
def receive_return(return_id: str) -> dict[str, Any]:
    """Record an APPROVED return's parcel."""
    admin()
    return render.return_(returns.receive(return_id), admin=True)


@route("/admin/returns/{return_id}/refund", ("POST",), auth=True)
def retry_return_refund(return_id: str) -> dict[str, Any]:
    """Retry a REFUND_FAILED return's refund."""
    admin()
    return render.return_(returns.retry_refund(return_id), admin=True)


RETURNS_STREAM_ARN = os.environ.get("RETURNS_STREAM_ARN", _stand_in_stream(SETTINGS.returns_table))


@app.on_dynamodb_record(
    stream_arn=RETURNS_STREAM_ARN, batch_size=100, starting_position="TRIM_HORIZON"
)
def publish_return_events(event: Any) -> None:
    """Publish the event of every committed status change of a return; a failure retries."""
    _publish_changes(event, return_events.from_stream_record)


@app.on_sqs_message(queue=SETTINGS.queue_name("return-steps"), batch_size=1)
def work_return_steps(event: Any) -> None:
    """Do a step of a return's workflow and answer its task token (one message per call)."""
    for record in event:
        return_steps.on_step(return_steps.decode(record.body))
