"""Problems the benchmarks found: for each fixed one, this run's check that the fix holds; for
each open one, this run's numbers and the plan.

The story of each fix, and its numbers before the fix, are in docs/benchmark-findings.md; the
report shows only this run's numbers beside the limit a fix set, and says when one has regressed.
"""

from __future__ import annotations

from typing import Any

from bench.report import notes, tables
from bench.report.markdown import Result, mb, met, ms, paragraphs, ratio, table

FINDINGS = "docs/benchmark-findings.md"
# GetItem calls of the order moves in the last run before the fix (BENCHMARKS.md at fff310c9),
# and how many the fix saves: `move()` reuses the caller's read and no longer refreshes.
MOVES_BEFORE = {
    "take_payments (OrderPlaced)": (3, 1),
    "ship_orders (OrderConfirmed)": (2, 1),
    "POST /orders/{id}/cancel": (3, 2),
    "PATCH /admin/orders/{id} (CANCELLED)": (2, 1),
}


def _moves(r: Result) -> list[dict[str, Any]]:
    """Each fixed move measured in this run: its row, GetItem calls now and the fix's limit."""
    rows = {row["operation"]: row for row in r["rows"]}
    return [
        {
            "operation": operation,
            "row": rows[operation],
            "now": rows[operation]["dynamodb"].get("GetItem", 0),
            "at_most": before - saved,
        }
        for operation, (before, saved) in MOVES_BEFORE.items()
        if operation in rows
    ]


def moves_note(r: Result) -> str:
    """The fixed order moves: this run's GetItem calls against the limit the fix set."""
    moves = _moves(r)
    held = all(move["now"] <= move["at_most"] for move in moves)
    verdict = (
        "The saving holds in this run:"
        if held
        else "**In this run a move reads the order more than the fix allows: it has regressed.**"
    )
    return paragraphs(
        "**Found and fixed: order status moves read the order more often than they needed "
        "to.** `orders.move()` takes the order its caller has just read (`current=`) and, after "
        "a transaction, applies the new status to it instead of reading it back: one GetItem "
        "fewer per payment and per shipment, two per shopper's cancel and one per admin status "
        f"change (the story and the counts before the fix: {FINDINGS}). {verdict}",
        table(tables.MOVES, moves),
    )


def checkout_note(r: Result) -> str:
    """The fixed transaction connection, and checkout's row as measured with the fix."""
    row = next((row for row in r["rows"] if row["route"].startswith("POST /orders")), None)
    measured = ""
    if row is not None:
        measured = (
            f" The checkout row above is measured with the fix: {ms(row['ours_client']['p50'])} "
            f"ms client side against {ms(row['raw_client']['p50'])} ms for the raw calls "
            f"({ratio(row['client_ratio_p50'])}), {ratio(row['ratio_p50'])} raw end to end, "
            f"target {met(row['met'])}."
        )
    return (
        "**Found and fixed: checkout built a new botocore client on every order.** Every "
        "TransactWriteItems (checkout, and the order moves that release stock) built a new "
        "PynamoDB `Connection`, so a new botocore session and client, with PynamoDB's default "
        "timeouts; they now share one connection per container, built with the tables' "
        f"timeouts (the story and the numbers before the fix: {FINDINGS})." + measured
    )


def _fixed(results: dict[str, Result]) -> list[str]:
    """The fixed problems' lines of the findings, with this run's numbers."""
    lines = []
    latency = results.get("latency", {})
    checkout = next((r for r in latency.get("rows", []) if r["route"].startswith("POST")), None)
    if checkout:
        lines.append(
            "1. **Fixed: a new botocore client per transaction.** Checkout and the "
            "stock-releasing order moves built a new PynamoDB `Connection` (a new botocore "
            "session and client) for every TransactWriteItems, with PynamoDB's default timeouts. "
            "They now share one cached connection per container with the tables' timeouts "
            "(3 s connect, 5 s read, 2 retries). Checkout in this run: "
            f"{ms(checkout['ours_client']['p50'])} ms client side against "
            f"{ms(checkout['raw_client']['p50'])} ms for the raw calls, "
            f"{ratio(checkout['ratio_p50'])} raw end to end, target {met(checkout['met'])}. "
            "Section 3."
        )
    calls = {row["operation"]: row for row in results.get("calls", {}).get("rows", [])}
    moved = [op for op in MOVES_BEFORE if op in calls]
    if moved:
        counts = "; ".join(
            f"{op.split(' (')[0]} {calls[op]['dynamodb'].get('GetItem', 0)}" for op in moved
        )
        lines.append(
            "2. **Fixed: order moves re-read the order they were handed.** `orders.move()` "
            "takes the caller's already-loaded order (`current=`) and no longer refreshes after "
            "its transaction: one GetItem fewer per payment and per shipment, two per cancel. "
            f"GetItem calls in this run: {counts}. Section 2."
        )
    return lines


def _open(results: dict[str, Result]) -> list[str]:
    """The open problems' lines of the findings, each judged by this run's numbers."""
    lines = []
    latency = results.get("latency", {})
    lists = [r for r in latency.get("rows", []) if r["route"] in ("GET /products", "GET /orders")]
    if lists:
        costs = "; ".join(
            f"`{r['route']}` {ms(r['ours_client']['p50'])} ms against "
            f"{ms(r['raw_client']['p50'])} ms"
            for r in lists
        )
        lines.append(
            "3. *Open, if list latency ever matters*: list pages build one PynamoDB model per "
            f"item and render it back to a dict, client side {costs} for the raw calls. Within "
            "the target today (moto's own time dominates); plan: render list pages from the raw "
            "items with a small attribute-value decoder, keep models for writes (section 3)."
        )
    if results.get("scaling", {}).get("cases"):
        lines.append(
            "4. *Open, moto's and not ours*: end to end, the list pages grow with the table on "
            "moto because its Query walks and sorts every item before it applies `Limit`; our "
            "code sends one bounded Query and its client-side time stays flat. Plan: run "
            "section 4 against DynamoDB Local or a sandbox table for an end-to-end number "
            "(section 4)."
        )
    package = results.get("package", {})
    botocore = next((p for p in package.get("by_package", []) if p["package"] == "botocore"), None)
    if botocore:
        lines.append(
            f"5. *Open, by choice*: the zip is {mb(package['zipped_bytes'])}, "
            f"{botocore['share']:.0%} of it botocore, vendored because requirements.txt pins "
            "it. Well inside Lambda's limits; if it must shrink, a layer holding boto3/botocore "
            "(section 6)."
        )
    return lines


def _poller(e2e: Result) -> list[str]:
    """The benchmark's own fixed poller, with this run's resolution."""
    if e2e.get("poll_resolution_ms"):
        waits = e2e["to_fulfilled_ms"]
        idle = e2e.get("one_at_a_time_to_fulfilled_ms") or {}
        return [
            "6. **Fixed, in the benchmark itself: section 5's poller read every pending order "
            "one by one** (`GET /orders/{id}`) through the busy API, so its rounds grew with the "
            "backlog. It now "
            "reads one admin listing `GET /admin/orders?status=FULFILLED` per round: resolution "
            f"{ms(e2e['poll_resolution_ms']['p50'])} ms p50 in this run, where the time to "
            f"FULFILLED under load was {ms(waits['p50'])} / {ms(waits['p99'])} ms p50 / p99 "
            f"against {ms(idle.get('p50'))} ms for one order on the idle stack"
            + (
                ": the local pipeline's backlog, not the poller (section 5)."
                if notes.backlog_shown(e2e)
                else " (section 5)."
            )
        ]
    if "poll_round_ms" in e2e:
        return [
            "6. *Open, in the benchmark itself*: section 5's time to FULFILLED under load is only "
            f"as fine as its poller's rounds ({ms(e2e['poll_round_ms']['p50'])} ms p50 in this "
            "run), which read every pending order one by one through the busy API. Plan: poll "
            "one `GET /admin/orders?status=FULFILLED` listing per round (section 5)."
        ]
    return []


def problems(results: dict[str, Result]) -> str:
    """The report's list of performance problems: fixed ones still holding, and open ones."""
    lines = ["## Performance problems found: fixed, and still open"]
    lines += _fixed(results) + _open(results) + _poller(results.get("e2e", {}))
    cold = results.get("coldstart", {})
    cold_text = (
        f", the cold start is {ratio(cold['ratio_vs_boto3'])} the boto3 baseline's"
        if cold.get("met")
        else ""
    )
    lines.append(
        "Nothing else measured here needs a change: every read route with a target is one "
        "DynamoDB call, "
        "checkout is its two calls plus the two idempotency writes, no Scan anywhere"
        f"{cold_text}, and the list routes send one bounded Query whatever the table's size. "
        f"What was found and fixed before, with the numbers before each fix: {FINDINGS}."
    )
    return "\n\n".join(lines)
