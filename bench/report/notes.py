"""What the numbers mean: the report's explanations, each chosen by this run's numbers.

They are written here once; a section shows the one its target's verdict calls for, so the report
never claims what the numbers do not show. What was found and fixed in earlier runs, with the
numbers before each fix, is in docs/benchmark-findings.md.
"""

from __future__ import annotations

from bench.report.markdown import Result, ms, ratio

COLD_START_MET = (
    "The shop pays about what any DynamoDB-backed Chalice app pays. Most of `import app` is "
    "botocore and urllib3, reached through PynamoDB (`pynamodb.connection.base` imports "
    "`botocore.session`), exactly as the baseline reaches them through boto3; our own modules "
    "(`chalicelib`, self time in the last table) are a small share, and the first request's cost "
    "is building the botocore DynamoDB client, as in the baseline. Kept that way by: boto3 "
    "imported only where a route needs it (`chalicelib/aws.py`), PyJWT only for local token "
    "checks, the OpenAPI document and the validators built on first use."
)
COLD_START_MISSED = (
    "Why: the import profile below shows where the time goes beyond the baseline's boto3 import; "
    "other work on this machine shares the two cores and widens every spread (see the load "
    "average above), so check the p10-p90 ranges before trusting a small gap. Plan: rerun on an "
    "idle machine; if the gap holds, import the use cases per route lazily (`accounts` and its "
    "Cognito client only for `/auth/*`, `fulfillment` only in the SQS handlers, which are "
    "separate Lambda functions anyway) and recheck with the import profile."
)

CALLS_NOTES = """Beyond the targets, as they stand (none has a target; all are small):

- `take_payments` reads the order and the payment ledger (the charge is made once, however
  often the message comes), records the charge and moves the order: 2 GetItem + PutItem +
  UpdateItem. `ship_orders` reads the order, records the shipment once and moves the order.
- `PUT /cart/items/{id}` on an empty cart takes 5 calls (the conditional UpdateItem fails, then
  GetItem + PutItem); later lines take 3. Only the first line pays it; not worth more code.
- `GET /me` creates the profile on first use (GetItem + PutItem), then 1 call.
- The publisher makes no DynamoDB call (it decodes the stream image); each notification is one
  PutItem (the recording mailer's inbox)."""

LATENCY_NOTES = """How to read it: in-process moto answers a GetItem in about a millisecond but a
Query of 20 orders in tens of milliseconds (its serializer), so end-to-end ratios near 1 on the
list routes say more about moto than about us; the client-side columns are the fair comparison
of what each side adds around the same DynamoDB calls. Against real DynamoDB (single-digit
milliseconds a call, over the network) every end-to-end ratio would sit closer to 1 than here.

- On the single-item routes ours adds one to two milliseconds client side (Chalice's gateway
  builds the Lambda event, our middleware binds and logs the request, PynamoDB builds a model,
  the view renders it): a large ratio of a small number, and small next to a DynamoDB round trip.
- **Still open: list pages cost PynamoDB time per item.** Every list route builds a PynamoDB
  model per item (`Model.from_raw_data`: defaults first, then each attribute through its
  descriptor, nested maps and lists of maps for orders) and renders it back to a dict: client
  side, a page costs more than what the raw client pays to parse the same response (the client
  ratios in the table above). The end-to-end target holds, but against DynamoDB, whose Query takes
  single-digit milliseconds rather than moto's tens, this is the share that would show. Plan, if
  it matters: render list pages from the raw items (`Product._get_connection().query(...)`
  answers them) with a small attribute-value decoder, and keep models for the writes.
- Checkout's p99 is moto's on both sides: its TransactWriteItems deep-copies every table it
  touches before it runs, and the orders table grows with every checkout of the run.
- The local ID-token check is small next to these, and deployed it is API Gateway's."""

SCALING_NOTES = """Why the end-to-end numbers grow: moto's Query on an index (and even on a table's
hash key) walks every item of the table, keeps the matches and sorts them, before it applies
`Limit` (moto/dynamodb/models/table.py, `Table.query`). Its time is linear in the table, and the
raw baseline grows just as much. DynamoDB reads only the page: a Query with `Limit=21` reads 21
items from the partition whatever the table holds.

What shows that our code scales: (1) at both sizes the route sends exactly one Query with
`Limit` = page + 1 (captured from the request, column "one Query"); (2) the client-side time,
everything but moto's own work, stays flat. It is compared on the fastest sample: it is
deterministic work that other load only ever slows down, and at the large size only a few
samples fit, so their median moves with whatever else the machine is doing (the p50s are shown
in brackets; in trial runs they swung both ways by 2x while the fastest samples agreed within a
few percent). The page is built from that one response, the cursor
from its last item, and nothing is read or computed per table item.

Plan for a true end-to-end number: run this section against DynamoDB Local or a real table in
a sandbox account, where Query cost depends on the page, not the table; the code needs only
`AWS_ENDPOINT_URL`. Loading takes most of this section's time (last column: the writes and the
small-size run). The large-size samples are few, since each Query walks every item in moto, so
their p99 is close to the maximum of a handful of runs, and other work on the machine moves a
small client-side median more than it would with many samples."""

PACKAGE_NOTES = """botocore is almost all of it: requirements.txt pins boto3 and botocore (and
PynamoDB needs botocore), so Chalice vendors them although the Lambda runtime ships its own. That
is a deliberate trade: a pinned, tested botocore instead of whatever the runtime has that week.
The size costs little at run time: Lambda unpacks the zip once per container, botocore's service
models are gzipped and only the DynamoDB ones are loaded, and the import time in section 1 is the
same code either way. If the zip must shrink, the plan is a layer holding boto3/botocore (the
function's own zip drops to well under 1 MB), not dropping the pin."""


def import_gap(r: Result) -> str:
    """The cold start's gap to the baseline: import and first request, and our modules' share."""
    shop, base = (r["variants"][v] for v in ("shop", "boto3 GetItem"))
    own = {p["package"]: p["ms"] for p in r["import_profile"]["self_by_package"]}
    return (
        f"The gap to the baseline: import {ms(shop['import_ms']['p50'])} against "
        f"{ms(base['import_ms']['p50'])} ms, first request {ms(shop['request_ms']['p50'])} "
        f"against {ms(base['request_ms']['p50'])} ms. Our own modules' import time is "
        f"{ms(own.get('chalicelib'))} ms (self time of `chalicelib`, below) and PynamoDB's "
        f"{ms(own.get('pynamodb'))} ms; botocore and urllib3, the bulk, are the baseline's too."
    )


def latency_verdict(r: Result) -> str:
    """Section 3's verdict: met on every route, or which missed and why, from this run's numbers."""
    missed = [row for row in r["rows"] if not row["met"]]
    head = f"**Target: ours at most {r['target']}x raw (p50, end to end) — "
    if not missed:
        return head + "met on every route.**"
    names = ", ".join(f"`{row['route']}` ({ratio(row['ratio_p50'])})" for row in missed)
    reasons = " ".join(f"`{row['route']}`: {latency_miss(row, r['target'])}" for row in missed)
    return head + f"missed on {names}.** " + reasons


def latency_miss(row: Result, target: float, *, short: bool = False) -> str:
    """Why a route missed its latency target in this run, and what to do, from its numbers."""
    if row["client_ratio_p50"] is not None and row["client_ratio_p50"] <= target:
        if short:
            return "client side within target, so moto's time; rerun idle, compare the calls"
        return (
            "client side it is within the target "
            f"({ratio(row['client_ratio_p50'])}), so the gap is "
            "moto's own time, which differs between the two sides only by noise or by the calls "
            "made (section 2). Plan: rerun on an idle machine; if it holds, compare the two "
            "sides' calls."
        )
    if short:
        return f"our code adds {ms(row['overhead_ms_p50'])} ms p50; profile the route"
    return (
        f"our code adds {ms(row['overhead_ms_p50'])} ms p50 "
        f"({ms(row['ours_client']['p50'])} against {ms(row['raw_client']['p50'])} ms client "
        "side). Plan: profile the route in process (`python -m cProfile` around "
        "`bench.latency.cases`) and remove what the raw client does not do."
    )


def backlog_shown(r: Result) -> bool:
    """Whether the time to FULFILLED under load dwarfs what the poller can add to it."""
    resolution = r.get("poll_resolution_ms") or {}
    return bool(resolution) and r["to_fulfilled_ms"]["p50"] > 5 * resolution["p99"]


def e2e_notes(r: Result) -> str:
    """What limits the local stack in this run, from its CPU and poll numbers."""
    cpu = r.get("cpu_seconds", {})
    orders = r["orders_placed"] or 1
    busiest = max(cpu, key=cpu.get) if cpu else None
    share = (
        f"In this run {busiest} used the most CPU ({cpu[busiest]} s of "
        f"{round(sum(cpu.values()), 1)} s); the API used {cpu.get('api', 0)} s, "
        f"{ms(cpu.get('api', 0) * 1000 / orders)} ms per order placed. "
        if busiest
        else ""
    )
    return (
        "What limits it: everything (moto with DynamoDB serialized, the API, the event pump) "
        "shares the 2 cores, and moto's TransactWriteItems deep-copies each table it touches "
        "before it runs (moto/dynamodb/models/__init__.py), so checkouts get dearer as the "
        f"orders table grows. {share}The API's share used to be the largest, until checkout "
        "stopped building a botocore client per transaction (section 3; the numbers before the "
        "fix are in docs/benchmark-findings.md).\n\n" + poller_note(r)
    )


def poller_note(r: Result) -> str:
    """The fixed poller, and what the time to FULFILLED shows in this run."""
    before = (
        "**Found and fixed, in the benchmark: the poller read every pending order one by one** "
        "(`GET /orders/{id}` for each order not yet FULFILLED, through the same busy API, so a "
        "round grew with the backlog; the numbers before the fix are in "
        "docs/benchmark-findings.md). "
    )
    resolution = r.get("poll_resolution_ms")
    if not resolution:
        return before + "**This run still used that poller.**"
    waits, idle = r["to_fulfilled_ms"], r.get("one_at_a_time_to_fulfilled_ms") or {}
    after = (
        "Now it reads, as the admin, one listing `GET /admin/orders?status=FULFILLED` per round "
        "(newest first, pages of 20, and a next page only while the page ends after the oldest "
        f"order still pending: at most {r.get('poll_pages_max', '-')} a round in this run). "
        f"Its rounds took {ms(r['poll_round_ms']['p50'])} ms p50 and its resolution was "
        f"{ms(resolution['p50'])} / {ms(resolution['p99'])} ms p50 / p99: a round no longer "
        "grows with the number of orders waiting. The pages are of 20, not 100, because the "
        "poller shares moto and the two cores with the pipeline it measures.\n\n"
    )
    if backlog_shown(r):
        rate = r.get("fulfilled_per_second")
        rates = (
            f"checkout let in {r['orders_per_second']:.2f} orders a second for "
            f"{r['load_seconds']:.0f} s and the pipeline took them to FULFILLED at "
            f"{rate:.2f} a second (the last one {r['all_fulfilled_after_seconds']} s after the "
            "load began), so each order waited behind those placed before it, and the wait "
            "grows with the length of the run"
            if rate
            else "each order waited behind those placed before it"
        )
        verdict = (
            "So the time to FULFILLED under load in this run, "
            f"{ms(waits['p50'])} / {ms(waits['p99'])} ms p50 / p99 against "
            f"{ms(idle.get('p50'))} ms p50 for one order on the idle stack, is the pipeline's "
            f"backlog, not the poller's (its resolution: {ms(resolution['p99'])} ms p99): "
            f"{rates}. Behind it are the pipeline's hops, all in the same moto as the "
            "checkouts: the pump's stream poll, SNS to SQS, the payment handler, the stream "
            "again, the fulfillment handler. "
        )
    else:
        verdict = (
            f"The time to FULFILLED under load in this run, {ms(waits['p50'])} / "
            f"{ms(waits['p99'])} ms p50 / p99, is not large next to the poller's resolution, "
            "so it is an upper bound that may be late by up to a resolution. "
        )
    return (
        before
        + after
        + verdict
        + "These are local numbers: on AWS each hop is Lambda's own polling, with its own "
        "concurrency."
    )
