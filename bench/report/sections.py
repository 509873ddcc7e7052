"""The report's sections, one function each: what was measured, its table, its verdict.

Only numbers come from the run; the explanations around them are in `bench/report/notes.py`,
chosen by whether this run met its target, and each fixed problem's check in
`bench/report/findings.py`.
"""

from __future__ import annotations

from collections.abc import Callable

from bench import cost, report_stack, search
from bench.report import findings, notes, tables
from bench.report.markdown import Result, mb, met, ms, paragraphs, ratio, table


def cold_start(r: Result) -> str:
    """Section 1."""
    variants = [{"app": name, **values} for name, values in r["variants"].items()]
    profile = r["import_profile"]
    verdict = (
        f"**Target: at most 1.3x the boto3 GetItem baseline — {met(r['met'])}** "
        f"({ratio(r['ratio_vs_boto3'])}; {ratio(r['ratio_vs_hello'])} the hello world)."
    )
    return paragraphs(
        "## 1. Cold start",
        f"A fresh `python -c` per run ({r['runs']} runs of each, interleaved) imports the app "
        "and answers `GET /products/{id}` (one GetItem) through Chalice's `LocalGateway`, "
        "against one moto server started for the section. Wall time is the whole process, "
        "interpreter start-up included; import and request are timed inside it.",
        table(tables.COLD_START, variants),
        verdict,
        notes.import_gap(r),
        notes.COLD_START_MET if r["met"] else notes.COLD_START_MISSED,
        "Where `import app` spends its time (`python -X importtime`, median of runs). "
        "Cumulative times nest (a package includes what it imports):",
        table(tables.IMPORT_CUMULATIVE, profile["top_cumulative"]),
        "Self time by top-level package (these add up to the whole import):",
        table(tables.IMPORT_SELF, profile["self_by_package"]),
    )


def calls(r: Result) -> str:
    """Section 2."""
    scans = "none" if not r["scans"] else ", ".join(r["scans"])
    return paragraphs(
        "## 2. DynamoDB calls per operation",
        f"Counted at `{r['seam']}`: every botocore client goes through it (boto3's, "
        "PynamoDB's, and any client a request builds on the fly), so no call escapes. Each "
        "operation ran once on its success path; the async handlers ran one tok_visa order "
        "through the pipeline, one stream record or SQS message per invocation.",
        table(tables.CALLS, r["rows"]),
        f"**Scan: {scans}** (the section fails if any operation makes one). "
        f"**Targets: {'all met' if r['all_targets_met'] else 'some missed'}.**",
        findings.moves_note(r),
        notes.CALLS_NOTES,
    )


def latency(r: Result) -> str:
    """Section 3."""
    tokens = r["token_check"]
    floor = r["gateway_floor"]
    return paragraphs(
        "## 3. Latency per request",
        "In one process on in-process moto (`mock_aws`), the same items for both sides, "
        "sampled alternately (up to "
        f"{r['runs']} pairs per route). *Ours* is the whole app through "
        "`chalice.test.Client`; *raw* is the same DynamoDB calls with one plain boto3 client "
        "(`bench/raw.py`). *Client side* takes moto's own time out of each sample (timed at "
        "moto's botocore hook): moto is much slower than DynamoDB at some things (its Query "
        "sorts the whole table, its response serializer is slow), which drowns our code's "
        "cost in the end-to-end ratio; the client-side ratio is the stricter view of it. "
        "Protected routes are measured **without the local ID-token check** (verified once, "
        "then trusted): deployed, API Gateway does it before the Lambda runs.",
        table(tables.LATENCY, r["rows"]),
        notes.latency_verdict(r),
        f"For scale: `GET /health`, which touches nothing, takes {ms(floor['p50'])} ms "
        "(p50) through the same test client: Chalice's local gateway and our middleware. "
        f"The local ID-token check alone (`verify_id_token`, RS256, keys cached) costs "
        f"{ms(tokens['verify_id_token']['p50'])} ms p50; `GET /cart` takes "
        f"{ms(tokens['GET /cart with the check']['p50'])} ms with it and "
        f"{ms(tokens['GET /cart without it']['p50'])} ms without.",
        findings.checkout_note(r),
        notes.LATENCY_NOTES,
    )


def scaling(r: Result) -> str:
    """Section 4."""
    met_here = all(case["met_client_side"] and case["one_bounded_query"] for case in r["cases"])
    return paragraphs(
        "## 4. Scaling with the table",
        "The items are written straight to moto with BatchWriteItem (`bench/data.py`, built "
        "by the app's own PynamoDB models), then the page is measured as in section 3 at the "
        "small size and again at the large one. The heap is frozen after each load "
        "(`gc.freeze()`): in-process, moto's items live in our heap and every full garbage "
        "collection walked them, which made even the raw baseline's client time grow.",
        table(tables.SCALING, r["cases"]),
        f"**Target: at most {r['target']}x from the small to the large size — "
        f"{'met for our code' if met_here else 'missed'}** (client side, and one bounded Query "
        "at both sizes); end to end on moto it is missed, by moto itself: see below.",
        notes.SCALING_NOTES,
    )


def _e2e_measures(r: Result) -> list[tuple[str, str]]:
    return [
        ("orders placed", f"{r['orders_placed']} in {r['load_seconds']:.0f} s"),
        ("orders per second", f"{r['orders_per_second']:.2f}"),
        ("checkout p50 / p99", f"{ms(r['checkout_ms']['p50'])} / {ms(r['checkout_ms']['p99'])} ms"),
        (
            "201 → FULFILLED p50 / p99",
            f"{ms(r['to_fulfilled_ms']['p50'])} / {ms(r['to_fulfilled_ms']['p99'])} ms",
        ),
        ("fulfilled / never fulfilled", f"{r['fulfilled']} / {r['never_fulfilled']}"),
        ("every order FULFILLED, from the start of the load", _drained(r)),
        (
            "one order at a time, idle stack: 201 → FULFILLED p50 / p99 (polled every 50 ms)",
            _idle(r),
        ),
        (
            "search freshness, idle: a rename → found by `?q=` p50 / p99 (polled every 50 ms)",
            _freshness(r),
        ),
        ("poll round p50 / p99", _poll_rounds(r)),
        (
            "poll resolution p50 / p99 (previous round's start to this round's end)",
            _resolution(r),
        ),
        ("errors", ", ".join(f"{k}: {v}" for k, v in r["errors"].items()) or "none"),
        ("stack start-up", f"{r['stack_startup_seconds']} s"),
        (
            "CPU seconds during load and drain",
            ", ".join(f"{k} {v}" for k, v in r.get("cpu_seconds", {}).items()),
        ),
    ]


def e2e(r: Result) -> str:
    """Section 5."""
    return paragraphs(
        "## 5. The local stack, end to end",
        "`python -m devstack` on free ports (harness/stack.py's `start_stack`); "
        f"{r['clients']} shoppers registered and logged in through the API, then "
        f"{r['clients']} threads placed one-line tok_visa orders (products with a million in "
        "stock, a fresh Idempotency-Key each) while one poller, as the stack's admin, read "
        "the listing `GET /admin/orders?status=FULFILLED` about every "
        f"{r.get('poll_every_ms', 150):.0f} ms (newest first, in pages of 20, following "
        "`nextCursor` only down to the oldest order still on its way). The time to FULFILLED "
        "is from the 201 to the arrival of the first page that showed it: late by at most "
        "the resolution below.",
        table(tables.MEASURE, _e2e_measures(r)),
        "No target was set for this section.",
        notes.e2e_notes(r),
    )


def _drained(r: Result) -> str:
    after = r.get("all_fulfilled_after_seconds")
    if after is None:
        return "-"
    return f"after {after} s: {r['fulfilled_per_second']:.2f} orders a second through the pipeline"


def _poll_rounds(r: Result) -> str:
    rounds = r["poll_round_ms"]
    pages = r.get("poll_pages_max")
    most = "" if pages is None else f" (at most {pages} page{'s' * (pages != 1)} a round)"
    return f"{ms(rounds['p50'])} / {ms(rounds['p99'])} ms{most}"


def _resolution(r: Result) -> str:
    resolution = r.get("poll_resolution_ms")
    if not resolution:
        return "-"
    return f"{ms(resolution['p50'])} / {ms(resolution['p99'])} ms"


def _freshness(r: Result) -> str:
    fresh = r.get("search_freshness_ms")
    if not fresh:
        return "-"
    found = f"{fresh['n']} of {r.get('search_renames', fresh['n'])} renames found"
    return f"{ms(fresh['p50'])} / {ms(fresh['p99'])} ms ({found}; the contract: within 5 s)"


def _idle(r: Result) -> str:
    idle = r.get("one_at_a_time_to_fulfilled_ms")
    if not idle:
        return "-"
    return f"{ms(idle['p50'])} / {ms(idle['p99'])} ms ({idle['n']} orders)"


def package(r: Result) -> str:
    """Section 6."""
    built = f" (built in {r['build_seconds']} s)" if r.get("build_seconds") else ""
    return paragraphs(
        "## 6. The deployment package",
        f"From {r['source']}{built}: **{mb(r['zipped_bytes'])} zipped, "
        f"{mb(r['unzipped_bytes'])} unzipped**, {r['files']:,} files "
        "(Lambda's limits: 50 MB zipped, 250 MB unzipped). No target was set.",
        "The 10 largest members (bytes):",
        table(tables.PACKAGE_LARGEST, r["largest"]),
        "Room by top-level package:",
        table(tables.PACKAGE_BY_PACKAGE, r["by_package"]),
        notes.PACKAGE_NOTES,
    )


SECTIONS: dict[str, tuple[str, Callable[[Result], str]]] = {
    "coldstart": ("1. Cold start", cold_start),
    "calls": ("2. DynamoDB calls", calls),
    "latency": ("3. Latency", latency),
    "scaling": ("4. Scaling", scaling),
    "e2e": ("5. Local stack", e2e),
    "package": ("6. Package", package),
    # These render themselves, beside their measurements (bench/search.py, bench/report_stack.py).
    "search": ("7. Search", search.render),
    "soak": ("8. Soak", report_stack.soak),
    "persistence": ("9. Persistence", report_stack.persistence),
    "cost": ("10. Cost per order", cost.render),
}
