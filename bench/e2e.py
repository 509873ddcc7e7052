"""Section 5: the real local stack, 8 shoppers checking out at once, and the wait for FULFILLED.

`python -m devstack` is started on free ports (tests/stack/conftest.py's start_stack), 8 shoppers
register and log in, and 8 threads place tok_visa orders for a fixed time. One poller thread reads
GET /orders/{id} of each order still on its way, round-robin, until it is FULFILLED: the time from
the 201 to the poll that first saw FULFILLED is an upper bound, late by at most one poll round
(reported as the resolution). Then, with the stack idle again, single orders one at a time,
each polled every 50 ms: the pipeline's own latency, without a backlog. `--smoke` runs 2 shoppers
for a second and one idle order: enough to prove the code works, quickly.
"""

from __future__ import annotations

import itertools
import os
import random
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import stats
from bench.shop import ADDRESS

CLIENTS = 8
PASSWORD = "Bench-Passw0rd!"


@dataclass
class Placed:
    """One order placed during the run."""

    order_id: str
    token: str
    answered: float
    fulfilled: float | None = None


@dataclass
class Run:
    """What the clients and the poller saw."""

    placed: list[Placed] = field(default_factory=list)
    checkout_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    rounds_ms: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, what: str) -> None:
        """Count one failed request by its kind."""
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1


def _login(api: str, session: Any, email: str, password: str) -> str:
    answer = session.post(f"{api}/auth/login", json={"email": email, "password": password})
    answer.raise_for_status()
    return str(answer.json()["idToken"])


def _arrange(api: str, admin: Any, clients: int) -> tuple[list[str], list[str]]:
    """Products with plenty of stock, and the ID tokens of `clients` new shoppers."""
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
    return products, tokens


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
            run.placed.append(Placed(answer.json()["orderId"], token, answered))


def _poller(api: str, run: Run, stop: threading.Event, deadline: float) -> None:
    import requests

    session = requests.Session()
    while time.monotonic() < deadline:
        with run.lock:
            pending = [p for p in run.placed if p.fulfilled is None]
        if not pending:
            if stop.is_set():
                return
            time.sleep(0.05)
            continue
        started = time.monotonic()
        for order in pending:
            headers = {"Authorization": f"Bearer {order.token}"}
            try:
                answer = session.get(f"{api}/orders/{order.order_id}", headers=headers, timeout=30)
            except requests.RequestException as exc:
                run.error(f"poll {type(exc).__name__}")
                continue
            if answer.status_code == 200 and answer.json()["status"] == "FULFILLED":
                order.fulfilled = time.monotonic()
            elif answer.status_code != 200:
                run.error(f"GET /orders/{{id}} {answer.status_code}")
        run.rounds_ms.append((time.monotonic() - started) * 1000)


def _drive(api: str, products: list[str], tokens: list[str], seconds: float, drain: float) -> Run:
    run = Run()
    stop = threading.Event()
    started = time.monotonic()
    until = started + seconds
    poller = threading.Thread(target=_poller, args=(api, run, stop, until + drain))
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
    import requests

    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "items": [{"productId": product, "quantity": 1}],
        "shippingAddress": ADDRESS,
        "paymentToken": "tok_visa",
    }
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


def _report(run: Run, clients: int, seconds: float, startup: float) -> dict[str, Any]:
    waits = [(p.fulfilled - p.answered) * 1000 for p in run.placed if p.fulfilled is not None]
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
        "poll_round_ms": stats.summary(run.rounds_ms),
        "errors": run.errors,
    }


def run(smoke: bool = False) -> dict[str, Any]:
    """Start the stack, load it, measure, stop it."""
    from tests.stack.conftest import start_stack, stop_stack

    # The smoke run only proves the code works: 2 shoppers for a second, one order when idle.
    clients, seconds, drain, idle_orders = (2, 1.0, 30.0, 1) if smoke else (CLIENTS, 25.0, 60.0, 8)
    seconds = float(os.environ.get("BENCH_E2E_SECONDS", seconds))
    with tempfile.TemporaryDirectory() as state:
        stack = start_stack(Path(state))
        try:
            products, tokens = _arrange(stack.api_url, stack.admin, clients)
            # The devstack process itself holds moto; its children are the API and the pump.
            pids = {"moto (devstack)": stack.pids["devstack"], **stack.pids}
            pids.pop("devstack")
            before = {name: cpu_seconds(pid) for name, pid in pids.items()}
            load = _drive(stack.api_url, products, tokens, seconds, drain)
            cpu = {name: round(cpu_seconds(pid) - before[name], 1) for name, pid in pids.items()}
            idle = one_at_a_time(stack.api_url, products[0], tokens[0], idle_orders)
        finally:
            stop_stack(stack.process)
    return {
        **_report(load, clients, seconds, stack.startup_seconds),
        "cpu_seconds": cpu,
        "one_at_a_time_to_fulfilled_ms": stats.summary(idle),
    }


if __name__ == "__main__":
    from bench.cli import section_main

    section_main(run)
