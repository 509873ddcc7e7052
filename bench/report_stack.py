"""Sections 8 and 9 of BENCHMARKS.md: the local stack's soak and what its persistence costs."""

from __future__ import annotations

from typing import Any

from bench.soak import DRAIN_TIMEOUT

Result = dict[str, Any]


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _ms(summary: dict[str, Any]) -> str:
    return f"{summary['p50']:.0f} / {summary['p90']:.0f} / {summary['p99']:.0f}"


def _errors(soak: Result) -> str:
    if not soak["errors"]:
        return "0"
    return ", ".join(f"{count} x {kind}" for kind, count in sorted(soak["errors"].items()))


def soak(r: Result) -> str:
    """Two soaks of the local stack: orders, errors, drain, redeliveries, memory per order."""
    first, second = r["soaks"]
    rows = [
        [
            f"soak {n}",
            f"{s['seconds']:.0f} s x {s['threads']} threads",
            s["orders"],
            s["orders_per_second"],
            _ms(s["checkout_ms"]),
            _errors(s),
            f"not within {DRAIN_TIMEOUT:.0f} s"
            if s["drain_seconds"] is None
            else f"{s['drain_seconds']} s",
            f"{s['redelivered']} of {s['messages_handled']} "
            f"({s.get('failed_deliveries', 0)} in failed batches)",
        ]
        for n, s in ((1, first), (2, second))
    ]
    names = list(r["rss_mb"]["after warm-up"])
    memory = [
        [
            name,
            *(f"{r['rss_mb'][when][name]:.0f}" for when in r["rss_mb"]),
            *(f"{per[name]:.3f}" for per in r["mb_per_order"]),
        ]
        for name in names
    ]
    examples = [
        f"- `{kind}`: `{text}`"
        for s in (first, second)
        for kind, text in s["error_examples"].items()
    ]
    return "\n\n".join(
        [
            "## 8. Soak of the local stack",
            "`bench/soak.py`: `python -m devstack` with an empty temporary store (persistence on), "
            "4 shoppers placing one-line tok_visa orders (a product with a million in stock each, "
            "a fresh Idempotency-Key per order) for the time below, twice, after a 5 s warm-up. "
            "Every answer but a 201 is an error. Drain: from the end of the load until every "
            "order placed reads FULFILLED. Redelivered: SQS messages the pump received more than "
            "once (goal: only those of failed batches; the queues keep AWS's 60 s visibility, "
            "and a failed batch comes back after `PUMP_RETRY_SECONDS`). Goals: 0 errors, at most "
            "0.2 MB kept per order by the emulator, flat from one soak to the next.",
            _table(
                [
                    "",
                    "load",
                    "orders",
                    "orders/s",
                    "checkout ms p50 / p90 / p99",
                    "errors",
                    "drained after",
                    "redelivered",
                ],
                rows,
            ),
            "Resident memory (MB) of each process, and what it kept per order (MB):",
            _table(
                ["process", *r["rss_mb"], "per order, soak 1", "per order, soak 2"],
                memory,
            ),
            *(["Errors seen (the first of each kind):", "\n".join(examples)] * bool(examples)),
        ]
    )


def persistence(r: Result) -> str:
    """Start-up with and without a store, snapshot size and pause, checkout latency on and off."""
    stored = f"{r['stored_orders']:,}"
    snap = r.get("snapshots") or {}
    startup = [
        ["empty store (provision and seed)", f"{r['startup_empty_store']:.1f}"],
        ["the seeded store", f"{r['startup_seeded_store']:.1f}"],
        [
            f"{stored} orders stored (load {r['startup_stored_orders_phases']['load']} s)",
            f"{r['startup_stored_orders']:.1f}",
        ],
    ]
    checkouts = [[name, summary["n"], _ms(summary)] for name, summary in r["checkout_ms"].items()]
    return "\n\n".join(
        [
            "## 9. What persistence costs",
            "`bench/persistence.py`: start-up is from `python -m devstack` to its READY line. "
            f"The {stored} orders are one real FULFILLED order cloned in the stopped stack's "
            "snapshot with every item that names it (its ledger entries and notifications: "
            f"{sum(r['cloned_items'].values()):,} items), as orders placed through the API leave "
            "them. Checkouts: one shopper, one order after another.",
            _table(["start-up", "seconds"], startup),
            _table(["checkout", "n", "ms p50 / p90 / p99"], checkouts),
            "While the stack runs, a delta of what changed is written at most once a second "
            "(devstack/store.py): the emulator pauses while it is pickled, then it is written "
            "beside the store. Over each stack's whole run (start, the shoppers set up, the "
            "checkouts, the pipeline):",
            _table(
                ["store", "deltas", "pause ms p50 / max", "write ms p50 / max", "KB p50 / max"],
                [
                    _delta_row("0 orders stored (a fresh stack)", r.get("snapshots_empty") or {}),
                    _delta_row(f"{stored} orders stored", snap),
                ],
            ),
            f"The base snapshot of {stored} orders holds {r['snapshot_mb']} MB; a new base is "
            "written by a forked child only when the deltas since the last add up to half of it.",
        ]
    )


def _delta_row(name: str, d: dict[str, float]) -> list[Any]:
    return [
        name,
        f"{d.get('count', 0):.0f}",
        f"{d.get('pause_p50_ms', 0):.1f} / {d.get('pause_max_ms', 0):.1f}",
        f"{d.get('write_p50_ms', 0):.1f} / {d.get('write_max_ms', 0):.1f}",
        f"{d.get('kb_p50', 0):.0f} / {d.get('kb_max', 0):.0f}",
    ]
