"""Section 10: what an order costs to run on AWS, in US dollars per 1,000 orders.

One typical shopping session runs against the in-process shop on moto (browse 10 pages, put 3 items
in the cart, check out, and the order paid, shipped and delivered through the async pipeline). Every
AWS call is counted at the botocore seam (harness/aws_calls.py) with what it sent and received, and
every API request and handler invocation is timed. From those the section derives the billable
units (API requests, Lambda requests and GB-seconds, DynamoDB request units from item sizes, SNS,
SQS, Firehose and log bytes) and prices them at the public on-demand prices in PRICES.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.shop import ADDRESS, ROOT, Answer, Shop, User, running_shop, token_checks_skipped

PRICES_CHECKED = "2026-12-02"
REGION = "us-east-1"
GIB = 2**30
# An AWS call from a Lambda costs network time that moto in this process does not: a same-region
# DynamoDB, SNS or SQS round trip is a few milliseconds. Added per call to the measured duration.
ASSUMED_MS_PER_AWS_CALL = 5.0
# Lambda writes START, END and REPORT lines for every invocation (about 260 bytes together).
PLATFORM_LOG_BYTES = 260
FIREHOSE_RECORD_MINIMUM = 5 * 1024  # Firehose bills each record rounded up to 5 KB
SESSION = "browse 10 pages, cart 3 items, check out, paid, shipped, delivered"


@dataclass(frozen=True)
class Price:
    """One public on-demand price: USD for `per` units."""

    key: str
    what: str
    usd: float
    per: float
    unit: str
    label: str  # how the price is quoted, e.g. "per million"

    def cost(self, units: float) -> float:
        """What `units` cost in USD."""
        return units * self.usd / self.per


# us-east-1, on-demand, no free tier. Checked on the date above against AWS's pricing pages as
# quoted in public sources (this machine cannot reach aws.amazon.com): see docs/cost.md.
_PRICE_ROWS = (
    ("apigw", "API Gateway REST API requests", 3.50, 1e6, "request", "per million"),
    ("lambda_requests", "Lambda requests", 0.20, 1e6, "invocation", "per million"),
    ("lambda_gb_s", "Lambda duration, x86", 0.0000166667, 1, "GB-second", "per GB-second"),
    ("wru", "DynamoDB on-demand write request units", 0.625, 1e6, "WRU", "per million"),
    ("rru", "DynamoDB on-demand read request units", 0.125, 1e6, "RRU", "per million"),
    ("sns", "SNS publishes (deliveries to SQS are free)", 0.50, 1e6, "request", "per million"),
    ("sqs", "SQS standard requests", 0.40, 1e6, "request", "per million"),
    ("sfn", "Step Functions standard transitions", 0.025, 1e3, "transition", "per 1,000"),
    ("firehose", "Firehose ingestion (records rounded up to 5 KB)", 0.029, GIB, "byte", "per GB"),
    ("logs", "CloudWatch Logs ingestion", 0.50, GIB, "byte", "per GB"),
)
PRICES = {row[0]: Price(*row) for row in _PRICE_ROWS}


@dataclass
class Invocation:
    """One Lambda invocation: its function, measured time, AWS calls and log bytes."""

    function: str
    ms: float
    aws_calls: int
    log_bytes: int

    @property
    def billed_ms(self) -> int:
        """Estimated billed duration: measured, plus network time per call, rounded up to 1 ms."""
        return math.ceil(self.ms + ASSUMED_MS_PER_AWS_CALL * self.aws_calls)


@dataclass
class Tally:
    """Everything billable that one session did."""

    invocations: list[Invocation] = field(default_factory=list)
    calls: list[tuple[str, str, dict[str, Any], Any]] = field(default_factory=list)
    api_requests: int = 0
    sqs_messages: int = 0
    sqs_batches: int = 0

    def run(self, function: str, action: Callable[[], Any]) -> Any:
        """Run one invocation of `function`, timing it and counting its calls and log bytes."""
        from harness.aws_calls import count_aws_calls

        out = io.StringIO()
        with count_aws_calls() as log, contextlib.redirect_stdout(out):
            started = time.perf_counter()
            result = action()
            ms = (time.perf_counter() - started) * 1000
        self.calls += [(s, op, p, a) for (s, op, p), a in zip(log.sent, log.received, strict=True)]
        self.invocations.append(
            Invocation(function, ms, sum(log.values()), len(out.getvalue().encode()))
        )
        return result


class _TimedLambda:
    """chalice.test's lambda_ client, each handler invocation run under the current tally."""

    def __init__(self, client: Any):
        self.lambda_ = self
        self._client = client
        self._tally = Tally()

    def tally(self, tally: Tally) -> None:
        """Count the invocations from now on in `tally`."""
        self._tally = tally

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        """Invoke a handler with one event, as one billed invocation."""
        if name != "publish_order_events":  # a stream batch is not an SQS receive
            self._tally.sqs_batches += 1
            self._tally.sqs_messages += len(event["Records"])
        return self._tally.run(name, lambda: self._client.lambda_.invoke(name, event))


def _ok(answer: Answer, *statuses: int) -> Answer:
    if answer.status not in (statuses or (200,)):
        raise AssertionError(f"unexpected answer {answer.status}: {answer.body}")
    return answer


def _catalog(shop: Shop, admin: User) -> list[str]:
    """Twelve products in three categories (made before the session; not counted)."""
    ids = []
    for n in range(12):
        product = {
            "name": f"Item {n}",
            "description": "A thing a shop sells, described in a sentence or two.",
            "priceCents": 1000 + 250 * n,
            "category": ("kitchen", "garden", "books")[n % 3],
            "stock": 1000,
        }
        ids.append(_ok(shop.call("POST", "/products", user=admin, body=product), 201).body)
    return [p["productId"] for p in ids]


def _pipeline(shop: Shop) -> Any:
    """The async pipeline driven in this process, its handlers timed (one for every session: it
    reads the orders' stream from where it stopped)."""
    import os

    from harness.pipeline import Pipeline

    queues = ("payments", "fulfillment", "notifications", "reports")
    urls = {q: os.environ[f"{q.upper()}_QUEUE_URL"] for q in queues}
    return Pipeline(_TimedLambda(shop.client), shop.table("orders"), urls)


def _session(
    shop: Shop, pipeline: Any, tally: Tally, users: tuple[User, User], ids: list[str]
) -> str:
    """One shopper's visit and their order through the pipeline; answers the order id."""
    import os

    admin, shopper = users
    pipeline.client.tally(tally)

    def api(method: str, path: str, *ok: int, **kw: Any) -> Any:
        tally.api_requests += 1
        return tally.run("api_handler", lambda: _ok(shop.call(method, path, **kw), *ok)).body

    first = api("GET", "/products?limit=4")
    api("GET", f"/products?limit=4&cursor={first['nextCursor']}")
    for category in ("kitchen", "garden"):
        api("GET", f"/products?category={category}&limit=4")
    for product_id in ids[:6]:
        api("GET", f"/products/{product_id}")
    for product_id in ids[:3]:
        api("PUT", f"/cart/items/{product_id}", user=shopper, body={"quantity": 1})
    api("GET", "/cart", user=shopper)
    order = api(
        "POST",
        "/orders",
        201,
        user=shopper,
        body={"shippingAddress": ADDRESS, "paymentToken": "tok_visa"},
        headers={"Idempotency-Key": os.urandom(8).hex()},
    )
    order_id = str(order["orderId"])
    pipeline.run()
    api("PATCH", f"/admin/orders/{order_id}", user=admin, body={"status": "DELIVERED"})
    pipeline.run()
    api("GET", f"/orders/{order_id}", user=shopper)
    if pipeline.failures:
        raise AssertionError(f"handlers failed: {pipeline.failures}")
    return order_id


# --- DynamoDB request units from what was sent and received -------------------------------------


def _wire(value: Any) -> dict[str, Any]:
    """A value in DynamoDB's wire form ({"S": ...}), whether it came serialized or not."""
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _KINDS:
        return value
    from boto3.dynamodb.types import TypeSerializer

    return TypeSerializer().serialize(value)  # type: ignore[no-any-return]


_KINDS = {"S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"}


def _value_bytes(value: Any) -> int:
    """A value's size as DynamoDB counts it."""
    ((kind, v),) = _wire(value).items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        digits = str(v).lstrip("-").replace(".", "").strip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(_value_bytes({kind[0]: x}) for x in v)
    if kind == "L":
        return 3 + sum(_value_bytes(x) + 1 for x in v)
    return 3 + sum(len(k.encode()) + _value_bytes(x) + 1 for k, x in v.items())


def item_bytes(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB counts it: attribute names plus values."""
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


@dataclass
class Units:
    """DynamoDB request units, and the written items whose size is known only after the session."""

    rru: float = 0.0
    wru: float = 0.0
    later: list[tuple[str, dict[str, Any], int]] = field(default_factory=list)

    def read(self, size: int, consistent: bool) -> None:
        """One read of `size` bytes: 4 KB per unit, half for an eventually consistent read."""
        self.rru += max(1, math.ceil(size / 4096)) * (1.0 if consistent else 0.5)

    def write(self, size: int, factor: int = 1) -> None:
        """One write of `size` bytes: 1 KB per unit (two units per KB in a transaction)."""
        self.wru += max(1, math.ceil(size / 1024)) * factor

    def write_later(self, table: str, key: dict[str, Any], factor: int = 1) -> None:
        """An update's item: sized once the session is over (its final size: an upper bound)."""
        self.later.append((table, key, factor))


def _count_call(units: Units, op: str, sent: dict[str, Any], got: Any) -> None:
    """Add the request units of one DynamoDB call."""
    got = got or {}
    consistent = bool(sent.get("ConsistentRead"))
    if op == "GetItem":
        units.read(item_bytes(got.get("Item") or {}), consistent)
    elif op == "Query":
        units.read(sum(item_bytes(i) for i in got.get("Items", [])), consistent)
    elif op == "BatchGetItem":
        _count_batch_get(units, sent, got)
    elif op == "PutItem":
        units.write(item_bytes(sent["Item"]))
    elif op in ("UpdateItem", "DeleteItem"):
        units.write_later(sent["TableName"], sent["Key"])
    elif op == "TransactWriteItems":
        _count_transaction(units, sent)


def _count_batch_get(units: Units, sent: dict[str, Any], got: dict[str, Any]) -> None:
    for table, items in got.get("Responses", {}).items():
        strong = bool(sent["RequestItems"][table].get("ConsistentRead"))
        for item in items:
            units.read(item_bytes(item), strong)


def _count_transaction(units: Units, sent: dict[str, Any]) -> None:
    for entry in sent["TransactItems"]:
        ((kind, body),) = entry.items()
        if kind == "Put":
            units.write(item_bytes(body["Item"]), 2)
        else:  # Update, Delete and ConditionCheck: counted as writes of the item (upper bound)
            units.write_later(body["TableName"], body["Key"], 2)


def dynamodb_units(calls: list[tuple[str, str, dict[str, Any], Any]]) -> Units:
    """The request units of every DynamoDB call, updates sized by their items as they ended."""
    import boto3

    units = Units()
    for service, op, sent, got in calls:
        if service == "dynamodb":
            _count_call(units, op, sent, got)
    client = boto3.client("dynamodb")
    for table, key, factor in units.later:
        item = client.get_item(TableName=table, Key={k: _wire(v) for k, v in key.items()})
        units.write(item_bytes(item.get("Item") or {}), factor)  # gone (a deleted cart): 1 unit
    return units


# --- From usage to dollars ----------------------------------------------------------------------


def _memory_mb(function: str) -> int:
    """The memory a function is configured with in the prod stage (.chalice/config.json)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    stage = config["stages"]["prod"]
    own = stage.get("lambda_functions", {}).get(function, {})
    return int(
        own.get("lambda_memory_size", stage.get("lambda_memory_size", config["lambda_memory_size"]))
    )


def usage(tally: Tally) -> dict[str, float]:
    """The billable units of one session, by price key."""
    units = dynamodb_units(tally.calls)
    published = [sent for svc, op, sent, _ in tally.calls if (svc, op) == ("sns", "Publish")]
    streamed = [sent for svc, op, sent, _ in tally.calls if svc == "firehose"]
    records = [len(r["Data"]) for s in streamed for r in s.get("Records", [s.get("Record", {})])]
    if not records:  # the lake's records: one per event (what the publisher sends to SNS)
        records = [len(p["Message"].encode()) + 1 for p in published]
    gb_s = sum(i.billed_ms / 1000 * _memory_mb(i.function) / 1024 for i in tally.invocations)
    return {
        "apigw": tally.api_requests,
        "lambda_requests": len(tally.invocations),
        "lambda_gb_s": gb_s,
        "wru": units.wru,
        "rru": units.rru,
        "sns": len(published),
        # Each message is one send (SNS's delivery), and each batch one receive and one delete.
        "sqs": tally.sqs_messages + 2 * tally.sqs_batches,
        "sfn": sum(1 for svc, *_ in tally.calls if svc == "stepfunctions"),
        "firehose": sum(max(FIREHOSE_RECORD_MINIMUM, n) for n in records),
        "logs": sum(i.log_bytes + PLATFORM_LOG_BYTES for i in tally.invocations),
    }


def run(smoke: bool = False) -> dict[str, Any]:
    """Run sessions and price them: the mean units of one order, and USD per 1,000 orders."""
    sessions = 1 if smoke else 5
    per_session: list[dict[str, float]] = []
    functions: dict[str, list[int]] = {}
    with running_shop() as shop, token_checks_skipped():
        admin = shop.sign_up(admin=True)
        ids = _catalog(shop, admin)
        pipeline = _pipeline(shop)
        # A first session warms every handler up (lazy imports, first clients): cold starts are
        # section 1's subject, and a shop's containers serve many orders each.
        _session(shop, pipeline, Tally(), (admin, shop.sign_up()), ids)
        for _ in range(sessions):
            tally = Tally()
            _session(shop, pipeline, tally, (admin, shop.sign_up()), ids)
            per_session.append(usage(tally))
            for invocation in tally.invocations:
                functions.setdefault(invocation.function, []).append(invocation.billed_ms)
    mean = {k: sum(s[k] for s in per_session) / sessions for k in per_session[0]}
    rows = [
        {
            "key": k,
            "what": PRICES[k].what,
            "units": v,
            "unit": PRICES[k].unit,
            "usd_per_1000": PRICES[k].cost(v) * 1000,
        }
        for k, v in mean.items()
    ]
    return {
        "session": SESSION,
        "sessions": sessions,
        "region": REGION,
        "prices_checked": PRICES_CHECKED,
        "prices": [vars(p) for p in PRICES.values()],
        "assumed_ms_per_aws_call": ASSUMED_MS_PER_AWS_CALL,
        "rows": rows,
        "usd_per_1000": sum(r["usd_per_1000"] for r in rows),
        "functions": {
            name: {
                "invocations": len(ms) / sessions,
                "billed_ms_mean": sum(ms) / len(ms),
                "memory_mb": _memory_mb(name),
            }
            for name, ms in sorted(functions.items())
        },
    }


# --- The report ---------------------------------------------------------------------------------

FIXED = (
    "Not per order, so not in the table: the unpaid-order sweep runs every minute (43,200 "
    "invocations a month, about $0.02 with its duration); Lambda's SQS pollers long-poll each of "
    "the five queues while idle (about 650,000 requests a month per queue if five pollers each "
    "wait 20 s: about $1.30 a month for all five, an estimate); the dashboard ($3 a month) and "
    "each alarm ($0.10 a month); "
    "Cognito users (free up to 10,000 monthly active users on the Lite tier); CloudFront and data "
    "transfer for the storefront's files; S3 PUTs of the lake, one per Firehose buffer rather than "
    "per order; stored data (DynamoDB, S3); provisioned concurrency when a stage turns it on; "
    "X-Ray when a stage turns it on."
)


def _units(row: dict[str, Any]) -> str:
    if row["unit"] == "byte":
        return f"{row['units'] / 1024:,.1f} KB"
    return f"{row['units']:,.3g} {row['unit']}{'' if row['units'] == 1 else 's'}"


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def render(r: dict[str, Any]) -> str:
    """The section of BENCHMARKS.md."""
    from bench.report.markdown import grid

    usage_rows = [[row["what"], _units(row), f"${row['usd_per_1000']:.4f}"] for row in r["rows"]]
    usage_rows.append(["**all**", "", f"**${r['usd_per_1000']:.3f}**"])
    price_rows = [[p["what"], f"${p['usd']:g} {p['label']}"] for p in r["prices"]]
    function_rows = [
        [name, f"{f['invocations']:g}", f"{f['billed_ms_mean']:.1f}", f"{f['memory_mb']}"]
        for name, f in r["functions"].items()
    ]
    biggest = max(r["rows"], key=lambda row: row["usd_per_1000"])
    return "\n\n".join(
        [
            "## 10. Cost per 1,000 orders",
            f"One typical session ({r['session']}), run {_times(r['sessions'])} against the shop "
            "in this process after one warm-up session, every AWS call counted at the botocore "
            "seam with what it sent and received, every API request and handler invocation timed. "
            "DynamoDB request units come from the items' sizes (4 KB per read unit, half for an "
            "eventually consistent read; 1 KB per write unit, twice in a transaction; an update "
            "counted at its item's final size, a condition check as a write: both upper bounds). "
            "A Lambda's billed duration is its measured time plus "
            f"{r['assumed_ms_per_aws_call']:g} ms of network per AWS call (moto in this process "
            "answers without one), rounded up to the millisecond, at the prod stage's memory. "
            "The lake's records are one per published event, each billed as at least 5 KB.",
            grid(["what", "per order", "USD per 1,000 orders"], usage_rows),
            f"**About ${r['usd_per_1000']:.2f} per 1,000 orders** in {r['region']}, of which "
            f"{biggest['what']} is the largest part. {FIXED}",
            grid(
                ["function", "invocations per order", "billed ms (mean)", "memory MB"],
                function_rows,
            ),
            f"Prices used ({r['region']}, on-demand, no free tier; checked {r['prices_checked']}, "
            "sources in docs/cost.md):",
            grid(["what", "price"], price_rows),
        ]
    )


if __name__ == "__main__":
    from bench.cli import section_main

    section_main(run)
