"""Section 4: a catalog page at 1k vs 100k products, and "my orders" at 10 vs 10k orders.

Items are written straight to moto with BatchWriteItem (bench.data). Each size is measured as in
section 3: ours and the raw Query side by side, end to end and client side (moto's own time taken
out). moto's Query walks and sorts every item of the table, so its time grows with the table while
DynamoDB's does not; the client-side ratio and the request our code sends (one Query with
Limit=page+1) are what say whether our code scales.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench import data, stats
from bench.emulator import Emulator, settle_heap
from bench.latency import row
from bench.raw import raw_for
from bench.shop import running_shop

TARGET = 1.3
ORDERS_PAGE = 10


def _measure(
    moto: Emulator, ours: Callable[[], Any], raw: Callable[[], Any], seconds: float, most: int
) -> dict[str, Any]:
    """Ours and raw side by side at the current size, and the Limit our Query sent."""
    settle_heap()
    from harness.aws_calls import count_aws_calls

    with count_aws_calls() as calls:
        ours()
    runs = stats.runs_within(seconds, ours, raw, low=min(8, most), high=most)
    measured = row("", *stats.side_by_side(ours, raw, runs=runs, warmup=0, sample=moto.sample))
    measured["limit_sent"] = [p.get("Limit") for _, op, p in calls.sent if op == "Query"]
    measured["runs"] = runs
    return measured


def _compare(
    name: str, sizes: tuple[int, int], limit: int, measured: tuple[Any, Any], load_s: float
) -> Any:
    """Growth from the small to the large size (`measured` at each), end to end and client side."""
    small, large = measured

    def growth(side: str, statistic: str = "p50") -> float:
        return stats.ratio(large[side][statistic], small[side][statistic])

    # The client side is judged on the fastest sample: it is deterministic work that other load
    # only ever slows down, and at 100k only a few samples fit, so their median is mostly noise.
    client = growth("ours_client", "min")
    return {
        "case": name,
        "sizes": sizes,
        "small": small,
        "large": large,
        "ours_ratio": growth("ours"),
        "raw_ratio": growth("raw"),
        "ours_client_ratio": client,
        "raw_client_ratio": growth("raw_client", "min"),
        "load_seconds": round(load_s, 1),
        "page": limit,
        "one_bounded_query": all(s["limit_sent"] == [limit + 1] for s in (small, large)),
        "met_end_to_end": growth("ours") <= TARGET,
        "met_client_side": client <= TARGET,
    }


def run(smoke: bool = False) -> dict[str, Any]:
    """Both cases at their small and large sizes."""
    products, orders = ((50, 500), (5, 50)) if smoke else ((1_000, 100_000), (10, 10_000))
    seconds, most = (1.0, 5) if smoke else (5.0, 30)
    results = []
    with running_shop() as shop, Emulator().timed() as moto:
        raw = raw_for(shop)
        shopper = shop.sign_up()

        def page() -> Any:
            return shop.call("GET", "/products", user=None)

        def mine() -> Any:
            # A page of 10 is full at both sizes: only the table's size differs.
            return shop.call("GET", f"/orders?limit={ORDERS_PAGE}", user=shopper)

        from bench.shop import token_checks_skipped

        with token_checks_skipped():
            started = time.perf_counter()
            data.products(raw.dynamodb, raw.products, 0, products[0])
            small = _measure(moto, page, raw.list_page, seconds, most)
            data.products(raw.dynamodb, raw.products, products[0], products[1])
            load = time.perf_counter() - started
            large = _measure(moto, page, raw.list_page, seconds, most)
            results.append(_compare("GET /products (page 1)", products, 20, (small, large), load))

            started = time.perf_counter()
            data.orders(raw.dynamodb, raw.orders, shopper.user_id, 0, orders[0])
            small = _measure(
                moto, mine, lambda: raw.my_orders(shopper.user_id, ORDERS_PAGE), seconds, most
            )
            data.orders(raw.dynamodb, raw.orders, shopper.user_id, orders[0], orders[1])
            load = time.perf_counter() - started
            large = _measure(
                moto, mine, lambda: raw.my_orders(shopper.user_id, ORDERS_PAGE), seconds, most
            )
            results.append(
                _compare("GET /orders (my orders)", orders, ORDERS_PAGE, (small, large), load)
            )
    return {"cases": results, "target": TARGET}


if __name__ == "__main__":
    from bench.cli import section_main

    section_main(run)
