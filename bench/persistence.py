"""Section 9: what the local stack's persistence costs (devstack/store.py).

- Start-up, from `python -m devstack` to its READY line: with an empty store (provision and seed),
  with the seeded store, and with 10,000 orders stored. The 10,000 orders are one real order (placed
  through the API and FULFILLED), cloned in the stopped stack's snapshot with every item of every
  table that names it (its ledger entries, its notifications, its idempotency record), as 10,000
  orders placed through the API would leave them; making them through the API would take an hour.
- What persistence costs while the stack runs, from the line the stack prints when it stops: the
  deltas written (at most one a second), how long the emulator paused for each (its pickling) and
  how long each took to write, at 0 and at 10,000 orders stored; and the base's size.
- Checkout latency: one shopper placing one-line orders one after another on a fresh stack with
  persistence on and with it off (`DEVSTACK_PERSIST=0`), and on the stack with 10,000 orders.
"""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench import stats
from bench.cli import section_main
from bench.shop import one_unit_checkout
from bench.soak import ADDRESS, arrange

STORED_ORDERS = 10_000
CHECKOUTS = 60
STOP_GRACE = 300.0  # the last snapshot of a big store is written on the way out


def _checkouts(api: str, token: str, product: str, count: int) -> list[float]:
    session, headers, body = one_unit_checkout(token, product)
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        answer = session.post(
            f"{api}/orders",
            json=body,
            headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
            timeout=60,
        )
        answer.raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _fulfilled_order(stack: Any) -> str:
    import requests

    _, products, tokens = arrange(stack.api_url, stack.admin, 1)
    headers = {"Authorization": f"Bearer {tokens[0]}"}
    answer = requests.post(
        f"{stack.api_url}/orders",
        json={
            "items": [{"productId": products[0], "quantity": 1}],
            "shippingAddress": ADDRESS,
            "paymentToken": "tok_visa",
        },
        headers=headers,
        timeout=60,
    )
    answer.raise_for_status()
    order_id = str(answer.json()["orderId"])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = requests.get(f"{stack.api_url}/orders/{order_id}", headers=headers, timeout=30)
        if status.json().get("status") == "FULFILLED":
            return order_id
        time.sleep(0.3)
    raise TimeoutError(f"order {order_id} was not FULFILLED")


def clone_order(store_dir: Path, order_id: str, copies: int) -> dict[str, int]:
    """Copy every item naming `order_id`, `copies` times, into the stored snapshot."""
    from devstack import moto_memory
    from devstack.store import Store, install_backends, moto_backends

    moto_memory.apply()
    store = Store(store_dir)
    snapshot = store.load()
    install_backends(snapshot.backends)
    dynamodb = next(b for (service, _, _), b in moto_backends().items() if service == "dynamodb")
    cloned: dict[str, int] = {}
    for name, table in dynamodb.tables.items():
        originals = [item.to_json()["Attributes"] for item in table.all_items()]
        originals = [attrs for attrs in originals if order_id in json.dumps(attrs)]
        for attrs in originals:
            text = json.dumps(attrs)
            for _ in range(copies):
                table.put_item(json.loads(text.replace(order_id, f"ord_{uuid.uuid4().hex}")))
        if table.stream_shard is not None:  # as if the pump had read them all
            shard = table.stream_shard
            shard.starting_sequence_number += len(shard.items)
            shard.items.clear()
        cloned[name] = len(originals) * copies
    store.save(snapshot.meta)
    return cloned


def _snapshot_line(log: str) -> dict[str, float]:
    """The figures of the stack's `devstack: N deltas written ...` line on its way out."""
    import re

    found = re.search(
        r"devstack: (\d+) deltas written, pausing the emulator ([\d.]+) ms p50, ([\d.]+) ms max, "
        r"writing ([\d.]+) ms p50, ([\d.]+) ms max, ([\d.]+) KB p50, ([\d.]+) KB max"
        r"(?:; (\d+) new base\(s\), the last took ([\d.]+) s and holds ([\d.]+) MB)?",
        log,
    )
    if found is None:
        return {}
    keys = ["count", "pause_p50_ms", "pause_max_ms", "write_p50_ms", "write_max_ms"]
    keys += ["kb_p50", "kb_max", "bases", "base_seconds", "base_mb"]
    return {
        key: float(value)
        for key, value in zip(keys, found.groups(), strict=True)
        if value is not None
    }


def _stack_file(state: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((state / "stack.json").read_text())
    return data


def run(smoke: bool = False) -> dict[str, Any]:
    """Start, restart and load stacks; measure start-up, snapshots and checkouts."""
    from devstack.settings import free_port
    from harness.stack import start_stack, stop_stack

    copies, checkouts = (200, 5) if smoke else (STORED_ORDERS, CHECKOUTS)
    result: dict[str, Any] = {"stored_orders": copies, "checkouts": checkouts}
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "store-on"
        ports = {"MOTO_PORT": str(free_port())}
        stack = start_stack(state, **ports)
        try:
            result["startup_empty_store"] = stack.startup_seconds
            result["startup_empty_store_phases"] = _stack_file(state)["timings"]
            _, products, tokens = arrange(stack.api_url, stack.admin, 1)
            on = _checkouts(stack.api_url, tokens[0], products[0], checkouts)
            order_id = _fulfilled_order(stack)
        finally:
            stop_stack(stack.process)
        result["snapshots_empty"] = _snapshot_line(stack.log())
        stack = start_stack(state, **ports)
        stop_stack(stack.process)
        result["startup_seeded_store"] = stack.startup_seconds
        result["cloned_items"] = clone_order(state / "store", order_id, copies)
        result["snapshot_mb"] = round((state / "store" / "moto.pickle").stat().st_size / 2**20, 1)
        stack = start_stack(state, **ports)
        try:
            result["startup_stored_orders"] = stack.startup_seconds
            result["startup_stored_orders_phases"] = _stack_file(state)["timings"]
            _, products, tokens = arrange(stack.api_url, stack.admin, 1)
            big = _checkouts(stack.api_url, tokens[0], products[0], checkouts)
        finally:
            stop_stack(stack.process, grace=STOP_GRACE)
        result["snapshots"] = _snapshot_line(stack.log())
        stack = start_stack(Path(tmp) / "store-off", DEVSTACK_PERSIST="0")
        try:
            _, products, tokens = arrange(stack.api_url, stack.admin, 1)
            off = _checkouts(stack.api_url, tokens[0], products[0], checkouts)
        finally:
            stop_stack(stack.process)
    result["checkout_ms"] = {
        "persistence on": stats.summary(on),
        "persistence off": stats.summary(off),
        f"on, {copies:,} orders stored": stats.summary(big),
    }
    return result


if __name__ == "__main__":
    section_main(run)
