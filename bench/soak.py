"""Section 8: a soak of the real local stack, twice, and what each process keeps per order.

`python -m devstack` is started on free ports with an empty temporary store (persistence on, as a
developer runs it). Four shoppers then place one-line tok_visa orders (products with a million in
stock, a fresh Idempotency-Key each) for SOAK_SECONDS; every answer but a 201 is an error, kept with
its body. After the load the pipeline drains: every order placed is read back until it is
FULFILLED. The pump's log says how many messages it received more than once (`redelivered=`). The
resident memory of each process (the devstack, which holds moto; the API; the pump) is read after a
warm-up, after the first soak and after a second one: growth divided by orders is what each keeps
per order, and the second soak shows whether that is flat.

tests/stack/test_soak.py runs the same soak for a few seconds and expects zero errors.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import stats
from bench.cli import section_main
from bench.shop import one_unit_checkout

THREADS = 4
SOAK_SECONDS = 90.0
DRAIN_TIMEOUT = 300.0
ADDRESS = {"line1": "1 Main St", "city": "Springfield", "postalCode": "12345", "country": "US"}
PASSWORD = "Soak-Passw0rd!"
DELIVERY = re.compile(r"source=sqs:\S+ count=(\d+)(?: redelivered=(\d+))? outcome=(\S+)")


@dataclass
class Load:
    """What one soak did."""

    seconds: float
    placed: list[str] = field(default_factory=list)
    checkout_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, kind: str, example: str) -> None:
        """Count one failed checkout by its kind; keep the first example of each."""
        with self.lock:
            self.errors[kind] += 1
            self.examples.setdefault(kind, example[:300])


def rss_mb(pid: int) -> float:
    """A process's resident memory in MB (Linux; 0 elsewhere)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def arrange(api: str, admin: Any, shoppers: int) -> tuple[str, list[str], list[str]]:
    """The admin's token, one product with a million in stock per shopper, and shoppers' tokens."""
    import requests

    session = requests.Session()

    def login(email: str, password: str) -> str:
        answer = session.post(f"{api}/auth/login", json={"email": email, "password": password})
        answer.raise_for_status()
        return str(answer.json()["idToken"])

    admin_token = login(admin.email, admin.password)
    products, tokens = [], []
    for n in range(shoppers):
        answer = session.post(
            f"{api}/products",
            json={"name": f"Soak {n}", "priceCents": 500, "category": "soak", "stock": 1_000_000},
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        answer.raise_for_status()
        products.append(answer.json()["productId"])
        email = f"soak-{uuid.uuid4().hex[:10]}@example.com"
        body = {"email": email, "password": PASSWORD, "name": "Soak Shopper"}
        session.post(f"{api}/auth/register", json=body).raise_for_status()
        tokens.append(login(email, PASSWORD))
    return admin_token, products, tokens


def _shopper(api: str, token: str, product: str, until: float, load: Load) -> None:
    import requests

    session, headers, body = one_unit_checkout(token, product)
    while time.monotonic() < until:
        started = time.monotonic()
        try:
            answer = session.post(
                f"{api}/orders",
                json=body,
                headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
                timeout=60,
            )
        except requests.RequestException as exc:
            load.error(type(exc).__name__, str(exc))
            continue
        if answer.status_code != 201:
            load.error(f"{answer.status_code}", answer.text)
            continue
        with load.lock:
            load.checkout_ms.append((time.monotonic() - started) * 1000)
            load.placed.append(answer.json()["orderId"])


def soak(api: str, tokens: list[str], products: list[str], seconds: float) -> Load:
    """`len(tokens)` shoppers checking out for `seconds`."""
    load = Load(seconds)
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_shopper, args=(api, token, product, until, load))
        for token, product in zip(tokens, products, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return load


def drain(api: str, admin_token: str, orders: list[str], timeout: float) -> float | None:
    """Seconds until every order is FULFILLED, or None past `timeout`.

    Orders are read back in the order they were placed, each until it is FULFILLED: about one
    read per order, so the reading does not slow the pipeline it waits for.
    """
    import requests

    session = requests.Session()
    headers = {"Authorization": f"Bearer {admin_token}"}
    started = time.monotonic()
    pending = deque(orders)
    while pending and time.monotonic() - started < timeout:
        try:
            answer = session.get(f"{api}/orders/{pending[0]}", headers=headers, timeout=30)
        except requests.ConnectionError:  # the API restarting (an edit to the app, say)
            time.sleep(0.5)
            continue
        if answer.status_code == 200 and answer.json().get("status") == "FULFILLED":
            pending.popleft()
        else:
            time.sleep(0.5)
    return None if pending else round(time.monotonic() - started, 1)


def deliveries(log: str) -> tuple[int, int, int]:
    """(messages handled, of which delivered again, in batches whose handler failed) in `log`."""
    handled = again = failed = 0
    for count, redelivered, outcome in DELIVERY.findall(log):
        handled += int(count)
        again += int(redelivered or 0)
        failed += int(count) if outcome != "ok" else 0
    return handled, again, failed


def memory(pids: dict[str, int]) -> dict[str, float]:
    """Resident MB of each named process."""
    return {name: rss_mb(pid) for name, pid in pids.items()}


def round_of(
    stack: Any, admin_token: str, tokens: list[str], products: list[str], seconds: float
) -> dict[str, Any]:
    """One soak and its drain, with the pump's deliveries during both."""
    log_from = len(stack.log())
    load = soak(stack.api_url, tokens, products, seconds)
    drained = drain(stack.api_url, admin_token, load.placed, DRAIN_TIMEOUT)
    time.sleep(1.0)  # the last deliveries' log lines
    handled, again, failed = deliveries(stack.log()[log_from:])
    return {
        "seconds": seconds,
        "threads": len(tokens),
        "orders": len(load.placed),
        "orders_per_second": round(len(load.placed) / seconds, 2),
        "checkout_ms": stats.summary(load.checkout_ms),
        "errors": dict(load.errors),
        "error_examples": load.examples,
        "drain_seconds": drained,
        "messages_handled": handled,
        "redelivered": again,
        "failed_deliveries": failed,
    }


def per_order(before: dict[str, float], after: dict[str, float], orders: int) -> dict[str, float]:
    """MB kept per order by each process between two readings."""
    return {name: round((after[name] - before[name]) / max(orders, 1), 3) for name in before}


def run(smoke: bool = False) -> dict[str, Any]:
    """Start a stack, warm it up, soak it twice, measure."""
    from harness.stack import start_stack, stop_stack

    seconds = 3.0 if smoke else float(os.environ.get("BENCH_SOAK_SECONDS", SOAK_SECONDS))
    with tempfile.TemporaryDirectory() as state:
        stack = start_stack(Path(state))
        try:
            pids = {"devstack (moto)": stack.pids["devstack"]}
            pids.update({name: pid for name, pid in stack.pids.items() if name != "devstack"})
            admin_token, products, tokens = arrange(stack.api_url, stack.admin, THREADS)
            warm = round_of(stack, admin_token, tokens, products, min(seconds, 5.0))
            start = memory(pids)
            first = round_of(stack, admin_token, tokens, products, seconds)
            middle = memory(pids)
            second = round_of(stack, admin_token, tokens, products, seconds)
            end = memory(pids)
        finally:
            stop_stack(stack.process)
    return {
        "warm_up": warm,
        "soaks": [first, second],
        "rss_mb": {"after warm-up": start, "after soak 1": middle, "after soak 2": end},
        "mb_per_order": [
            per_order(start, middle, first["orders"]),
            per_order(middle, end, second["orders"]),
        ],
    }


if __name__ == "__main__":
    section_main(run)
