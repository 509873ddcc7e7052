"""Section 3: per-request latency of the main routes against the same DynamoDB calls in raw boto3.

Both sides run in this process against the same in-process moto (`mock_aws`) and the same items,
timed alternately. Ours goes through Chalice's local gateway (chalice.test.Client) and the whole
app; the baseline is bench.raw. Protected routes are measured with the local ID-token check
excluded (API Gateway does it before the Lambda runs when deployed); its cost is measured alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from bench import data, stats
from bench.emulator import Emulator, settle_heap
from bench.raw import Raw, raw_for
from bench.shop import ADDRESS, Answer, Shop, User, running_shop, token_checks_skipped

TARGET = 1.5
PRODUCTS = 200  # several pages, four categories
ORDERS = 50  # the shopper's, more than a page


def _ok(answer: Answer, status: int = 200) -> Answer:
    if answer.status != status:
        raise AssertionError(f"unexpected answer {answer.status}: {answer.body}")
    return answer


def _arrange(shop: Shop, raw: Raw, scale: float) -> tuple[User, User, list[str]]:
    """Products, a shopper with orders and a 3-line cart, and an admin."""
    admin, shopper = shop.sign_up(admin=True), shop.sign_up()
    data.products(raw.dynamodb, raw.products, 0, int(PRODUCTS * scale))
    data.orders(raw.dynamodb, raw.orders, shopper.user_id, 0, int(ORDERS * scale))
    ids = [data.product_item(i)["productId"]["S"] for i in range(3)]
    for pid in ids:
        _ok(shop.call("PUT", f"/cart/items/{pid}", user=shopper, body={"quantity": 1}))
    return admin, shopper, ids


def cases(
    shop: Shop, raw: Raw, scale: float = 1.0
) -> list[tuple[str, Callable[[], Any], Callable[[], Any]]]:
    """(route, ours, baseline) for each main route."""
    admin, shopper, ids = _arrange(shop, raw, scale)

    def get(path: str, user: User | None = None) -> Callable[[], Any]:
        return lambda: _ok(shop.call("GET", path, user=user))

    def checkout() -> Any:
        body = {
            "items": [{"productId": pid, "quantity": 1} for pid in ids[:2]],
            "shippingAddress": ADDRESS,
            "paymentToken": "tok_visa",
        }
        key = {"Idempotency-Key": uuid.uuid4().hex}
        return _ok(shop.call("POST", "/orders", user=shopper, body=body, headers=key), 201)

    return [
        ("GET /products/{id}", get(f"/products/{ids[0]}"), lambda: raw.get_product(ids[0])),
        ("GET /products", get("/products"), raw.list_page),
        (
            "GET /products?category=",
            get("/products?category=kitchen"),
            lambda: raw.list_category("kitchen"),
        ),
        ("GET /orders", get("/orders", shopper), lambda: raw.my_orders(shopper.user_id)),
        (
            "GET /admin/orders?status=",
            get("/admin/orders?status=CONFIRMED", admin),
            lambda: raw.orders_by_status("CONFIRMED"),
        ),
        ("GET /cart", get("/cart", shopper), lambda: raw.get_cart(shopper.user_id)),
        # Last: every checkout adds an order, and moto's Query cost grows with the table.
        (
            "POST /orders (2 lines, Idempotency-Key)",
            checkout,
            lambda: raw.checkout(shopper.user_id, ids[:2]),
        ),
    ]


def row(
    route: str, ours: list[tuple[float, float]], base: list[tuple[float, float]]
) -> dict[str, Any]:
    """One route's summaries: end to end, and client side (moto's own time taken out)."""
    o = stats.summary([total for total, _ in ours])
    b = stats.summary([total for total, _ in base])
    o_client = stats.summary([total - emulated for total, emulated in ours])
    b_client = stats.summary([total - emulated for total, emulated in base])
    p50 = stats.ratio(o["p50"], b["p50"])
    return {
        "route": route,
        "ours": o,
        "raw": b,
        "ratio_p50": p50,
        "ratio_p99": stats.ratio(o["p99"], b["p99"]),
        "overhead_ms_p50": round(o["p50"] - b["p50"], 2),
        "ours_client": o_client,
        "raw_client": b_client,
        "client_ratio_p50": stats.ratio(o_client["p50"], b_client["p50"]),
        "met": p50 <= TARGET,
    }


def _token_cost(shop: Shop, runs: int) -> dict[str, Any]:
    """The local RS256 ID-token check alone, and one route with and without it."""
    from chalicelib.web import local_auth

    user = shop.sign_up()
    verify = [stats.time_ms(lambda: local_auth.verify_id_token(user.id_token)) for _ in range(runs)]
    with_check = [
        stats.time_ms(lambda: _ok(shop.call("GET", "/cart", user=user))) for _ in range(runs)
    ]
    with token_checks_skipped():
        without = [
            stats.time_ms(lambda: _ok(shop.call("GET", "/cart", user=user))) for _ in range(runs)
        ]
    return {
        "verify_id_token": stats.summary(verify),
        "GET /cart with the check": stats.summary(with_check),
        "GET /cart without it": stats.summary(without),
    }


def run(smoke: bool = False) -> dict[str, Any]:
    """p50/p99 of each main route and of its raw baseline, side by side."""
    runs, seconds, scale = (3, 0.0, 0.1) if smoke else (300, 6.0, 1.0)
    warmup = 1 if smoke else 5
    rows = []
    with running_shop() as shop, Emulator().timed() as moto:
        raw = raw_for(shop)
        all_cases = cases(shop, raw, scale)
        settle_heap()
        floor = [stats.time_ms(lambda: _ok(shop.call("GET", "/health"))) for _ in range(runs)]
        with token_checks_skipped():
            for route, ours, baseline in all_cases:
                n = stats.runs_within(seconds, ours, baseline, low=min(runs, 40), high=runs)
                rows.append(
                    row(
                        route,
                        *stats.side_by_side(
                            ours, baseline, runs=n, warmup=warmup, sample=moto.sample
                        ),
                    )
                )
        tokens = _token_cost(shop, runs)
    return {
        "runs": runs,
        "rows": rows,
        "gateway_floor": stats.summary(floor),
        "token_check": tokens,
        "target": TARGET,
        "all_met": all(row["met"] for row in rows),
    }


if __name__ == "__main__":
    from bench.cli import section_main

    section_main(run)
