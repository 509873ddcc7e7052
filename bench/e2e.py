"""Section 5: the real local stack, 8 shoppers checking out at once, and the wait for FULFILLED.

`python -m devstack` is started on free ports (harness/stack.py's start_stack), 8 shoppers
register and log in, and 8 threads place tok_visa orders for a fixed time. One poller thread, as
the stack's admin, reads the listing `GET /admin/orders?status=FULFILLED` about every 150 ms, in
pages of 20 (PAGE), following nextCursor only down to the oldest order still on its way (the
listing is newest first), and marks each order at the arrival of the first page that shows it
FULFILLED. A round costs one listing page or two however large the backlog, and the time from the
201 to FULFILLED is an upper bound, late by at most the span from the previous round's start to
this round's end (reported as the resolution). Then, with the stack idle again, single orders one
at a time, each polled every 50 ms: the pipeline's own latency, without a backlog; and search's
freshness: an admin renames a product to a new word, and `GET /products?q=<word>` is polled every
50 ms until it finds it (the products' stream, the index writer, the snapshot in S3, the API's
reload). `--smoke` runs 2 shoppers for a second, one idle order and one rename: enough to prove
the code works, quickly.
"""

from __future__ import annotations

import itertools
import os
import random
import string
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import stats
from bench.shop import ADDRESS, one_unit_checkout

CLIENTS = 8
PASSWORD = "Bench-Passw0rd!"
# The poller: one round (a listing of FULFILLED orders, newest first) starts every POLL_EVERY s.
POLL_EVERY = 0.15
# Pages of 20, not 100: the poller shares moto (and its 2 cores) with the pipeline it measures,
# and moto's cost of a page grows with its size. In trial runs, pages of 100 cost moto about 20 s
# more CPU over the load and drain (68 s against 48 s) and the pipeline took about a third longer
# to drain (p99 55 s against 35 s); a round rarely needs a second page of 20.
PAGE = 20


@dataclass
class Placed:
    """One order placed during the run."""

    order_id: str
    created_at: str
    answered: float
    fulfilled: float | None = None


@dataclass
class Run:
    """What the clients and the poller saw."""

    placed: list[Placed] = field(default_factory=list)
    checkout_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    rounds_ms: list[float] = field(default_factory=list)
    resolution_ms: list[float] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: float = 0.0

    def error(self, what: str) -> None:
        """Count one failed request by its kind."""
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1


def _login(api: str, session: Any, email: str, password: str) -> str:
    answer = session.post(f"{api}/auth/login", json={"email": email, "password": password})
    answer.raise_for_status()
    return str(answer.json()["idToken"])


def _arrange(api: str, admin: Any, clients: int) -> tuple[str, list[str], list[str]]:
    """The admin's ID token, products with plenty of stock, and `clients` new shoppers' tokens."""
    import requests

    session = requests.Session()
    admin_token = _login(api, session, admin.email, admin.password)
    products = []
    for n in range(clients):
        answer = session.post(
            f"{api}/products",
            json={"name": f"Bench {n}", "priceCents": 500, "category": "bench", "stock": 1_000_000},
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        answer.raise_for_status()
        products.append(answer.json()["productId"])
    tokens = []
    for _ in range(clients):
        email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
        body = {"email": email, "password": PASSWORD, "name": "Bench Shopper"}
        session.post(f"{api}/auth/register", json=body).raise_for_status()
        tokens.append(_login(api, session, email, PASSWORD))
    return admin_token, products, tokens


def _shopper(api: str, token: str, products: list[str], until: float, run: Run) -> None:
    import requests

    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    while time.monotonic() < until:
        body = {
            "items": [{"productId": random.choice(products), "quantity": 1}],
            "shippingAddress": ADDRESS,
            "paymentToken": "tok_visa",
        }
        key = {**headers, "Idempotency-Key": uuid.uuid4().hex}
        started = time.monotonic()
        try:
            answer = session.post(f"{api}/orders", json=body, headers=key, timeout=30)
        except requests.RequestException as exc:
            run.error(type(exc).__name__)
            continue
        answered = time.monotonic()
        if answer.status_code != 201:
            run.error(f"POST /orders {answer.status_code}")
            continue
        with run.lock:
            run.checkout_ms.append((answered - started) * 1000)
            order = answer.json()
            run.placed.append(Placed(order["orderId"], order["createdAt"], answered))


def _listing_round(
    api: str, session: Any, headers: dict[str, str], pending: dict[str, Placed], run: Run
) -> int:
    """One round: FULFILLED orders, newest first, page by page down to the oldest still pending.

    Each pending order the listing shows is marked at the arrival of that page; returns the
    number of pages read.
    """
    import requests

    pages, cursor = 0, None
    while pending:
        oldest = min(order.created_at for order in pending.values())
        params = {"status": "FULFILLED", "limit": str(PAGE)}
        if cursor:
            params["cursor"] = cursor
        try:
            answer = session.get(f"{api}/admin/orders", params=params, headers=headers, timeout=30)
        except requests.RequestException as exc:
            run.error(f"poll {type(exc).__name__}")
            break
        arrived = time.monotonic()
        if answer.status_code != 200:
            run.error(f"GET /admin/orders {answer.status_code}")
            break
        pages += 1
        page = answer.json()
        for item in page["items"]:
            order = pending.pop(item["orderId"], None)
            if order is not None:
                order.fulfilled = arrived
        cursor = page["nextCursor"]
        # createdAt is to the second and the listing is newest first: once a page ends before
        # the oldest pending order's second, the pages after it hold no order still pending.
        if not cursor or not page["items"] or page["items"][-1]["createdAt"] < oldest:
            break
    return pages


def _poller(api: str, admin_token: str, run: Run, stop: threading.Event, deadline: float) -> None:
    import requests

    session = requests.Session()
    headers = {"Authorization": f"Bearer {admin_token}"}
    previous: float | None = None
    while time.monotonic() < deadline:
        with run.lock:
            pending = {p.order_id: p for p in run.placed if p.fulfilled is None}
        if not pending:
            if stop.is_set():
                return
            previous = None
            time.sleep(POLL_EVERY)
            continue
        started = time.monotonic()
        pages = _listing_round(api, session, headers, pending, run)
        ended = time.monotonic()
        run.rounds_ms.append((ended - started) * 1000)
        run.pages.append(pages)
        if previous is not None:
            # An order first shown in this round became FULFILLED after the previous round's
            # listing was read, and before this round's page arrived.
            run.resolution_ms.append((ended - previous) * 1000)
        previous = started
        time.sleep(max(0.0, started + POLL_EVERY - time.monotonic()))


def _drive(
    api: str, admin_token: str, products: list[str], tokens: list[str], window: tuple[float, float]
) -> Run:
    """Shoppers order for `window`'s seconds while the poller watches, then until its drain."""
    seconds, drain = window
    run = Run(started=time.monotonic())
    stop = threading.Event()
    until = run.started + seconds
    poller = threading.Thread(target=_poller, args=(api, admin_token, run, stop, until + drain))
    shoppers = [
        threading.Thread(target=_shopper, args=(api, token, products, until, run))
        for token in tokens
    ]
    for thread in itertools.chain([poller], shoppers):
        thread.start()
    for thread in shoppers:
        thread.join()
    stop.set()
    poller.join()
    return run


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_at_a_time(api: str, product: str, token: str, orders: int) -> list[float]:
    """201 to FULFILLED (ms) of single orders on the idle stack, each polled every 50 ms."""

    session, headers, body = one_unit_checkout(token, product)
    waits = []
    for _ in range(orders):
        answer = session.post(f"{api}/orders", json=body, headers=headers, timeout=30)
        answer.raise_for_status()
        answered, order_id = time.monotonic(), answer.json()["orderId"]
        while time.monotonic() - answered < 60:
            status = session.get(f"{api}/orders/{order_id}", headers=headers, timeout=30).json()
            if status["status"] == "FULFILLED":
                waits.append((time.monotonic() - answered) * 1000)
                break
            time.sleep(0.05)
    return waits


def search_freshness(api: str, admin_token: str, product: str, renames: int) -> list[float]:
    """Rename to a new word, then ms until `GET /products?q=<word>` finds it, polled every 50 ms."""
    import requests

    session = requests.Session()
    headers = {"Authorization": f"Bearer {admin_token}"}
    waits = []
    for _ in range(renames):
        word = "".join(random.choices(string.ascii_lowercase, k=10))
        answer = session.patch(
            f"{api}/products/{product}", json={"name": f"Bench {word}"}, headers=headers, timeout=30
        )
        answer.raise_for_status()
        answered = time.monotonic()
        while time.monotonic() - answered < 60:
            found = session.get(f"{api}/products", params={"q": word}, timeout=30).json()
            if any(item["productId"] == product for item in found["items"]):
                waits.append((time.monotonic() - answered) * 1000)
                break
            time.sleep(0.05)
    return waits


def _report(run: Run, clients: int, seconds: float, startup: float) -> dict[str, Any]:
    waits = [(p.fulfilled - p.answered) * 1000 for p in run.placed if p.fulfilled is not None]
    # When the pipeline had taken every order to FULFILLED, from the start of the load.
    last = max((p.fulfilled for p in run.placed if p.fulfilled is not None), default=None)
    drained = None if last is None else round(last - run.started, 1)
    return {
        "clients": clients,
        "load_seconds": seconds,
        "stack_startup_seconds": round(startup, 1),
        "orders_placed": len(run.placed),
        "orders_per_second": round(len(run.placed) / seconds, 2),
        "checkout_ms": stats.summary(run.checkout_ms),
        "to_fulfilled_ms": stats.summary(waits),
        "fulfilled": len(waits),
        "never_fulfilled": len(run.placed) - len(waits),
        "all_fulfilled_after_seconds": drained,
        "fulfilled_per_second": round(len(waits) / drained, 2) if drained else None,
        "poll_every_ms": POLL_EVERY * 1000,
        "poll_round_ms": stats.summary(run.rounds_ms),
        "poll_resolution_ms": stats.summary(run.resolution_ms),
        "poll_pages_max": max(run.pages, default=0),
        "errors": run.errors,
    }


def run(smoke: bool = False) -> dict[str, Any]:
    """Start the stack, load it, measure, stop it."""
    from harness.stack import start_stack, stop_stack

    # The smoke run only proves the code works: 2 shoppers for a second, one order when idle.
    clients, seconds, drain, idle_orders = (2, 1.0, 30.0, 1) if smoke else (CLIENTS, 25.0, 60.0, 8)
    renames = 1 if smoke else 8
    seconds = float(os.environ.get("BENCH_E2E_SECONDS", seconds))
    with tempfile.TemporaryDirectory() as state:
        stack = start_stack(Path(state))
        try:
            admin_token, products, tokens = _arrange(stack.api_url, stack.admin, clients)
            # The devstack process itself holds moto; its children are the API and the pump.
            pids = {"moto (devstack)": stack.pids["devstack"], **stack.pids}
            pids.pop("devstack")
            before = {name: cpu_seconds(pid) for name, pid in pids.items()}
            load = _drive(stack.api_url, admin_token, products, tokens, (seconds, drain))
            cpu = {name: round(cpu_seconds(pid) - before[name], 1) for name, pid in pids.items()}
            idle = one_at_a_time(stack.api_url, products[0], tokens[0], idle_orders)
            fresh = search_freshness(stack.api_url, admin_token, products[1], renames)
        finally:
            stop_stack(stack.process)
    return {
        **_report(load, clients, seconds, stack.startup_seconds),
        "cpu_seconds": cpu,
        "one_at_a_time_to_fulfilled_ms": stats.summary(idle),
        "search_freshness_ms": stats.summary(fresh),
        "search_renames": renames,
    }


if __name__ == "__main__":
    from bench.cli import section_main

    section_main(run)
