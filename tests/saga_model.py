"""A model of the order saga for hypothesis' stateful testing (tests/api/test_saga_model.py).

The machine places, pays, cancels, ships and times orders out in random interleavings, delivers
each consumer's messages in any order, twice or not at all until the end, and crashes a step
before or after any AWS call it makes, or lets a cancel race into the middle of it. Crashes and
races are injected at botocore's seam, so none of our code is patched: the simulated payment
provider and carrier record their work in the ledger, which makes the ledger the bank's and the
carrier's books, the truth the invariants judge the shop against.

Messages travel as on AWS: the orders stream becomes events (the publisher's own function), which
go to the consumers whose SNS filter takes them (infra/messaging.py), and a message that fails
`MAX_RECEIVES` times moves to its queue's DLQ. The handlers are found from the app's event sources,
so a DLQ consumer or a scheduled sweep the app declares is used with no change here.
"""

from __future__ import annotations

import itertools
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import boto3
import botocore.client
from chalice.app import ScheduledEventConfig, SQSEventConfig
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from chalicelib import clock
from chalicelib.adapters import events
from chalicelib.config import settings
from chalicelib.domain.order_rules import MOVES
from chalicelib.storage.models import LedgerEntry, Order, PricingEntry, Product
from chalicelib.storage.pricing import PROMOTION, promotion_key
from devstack.lambda_events import dynamodb_record, sqs_record
from infra.messaging import CONSUMERS, MAX_RECEIVE_COUNT
from tests.support.data import ADDRESS

REGION = "us-east-1"
MAX_RECEIVES = MAX_RECEIVE_COUNT  # the queues' redrive policy
TOKENS = ("tok_visa", "tok_decline", "tok_error", "tok_pending")
# A race runs a cancel in the middle of the step; "race_cancel_handled" also lets the payments
# consumer handle the OrderCancelled it causes, before the step goes on.
KINDS = ("crash_before", "crash_after", "race_cancel", "race_cancel_handled")
# Up to two faults in one step: a race and then a crash is how a refund gets lost (issue 14).
FAULT = st.tuples(st.integers(1, 6), st.sampled_from(KINDS))
FAULTS = st.lists(FAULT, max_size=2)
SOME_FAULTS = st.lists(FAULT, min_size=1, max_size=2)
ACTIVE = {"PENDING", "CONFIRMED", "FULFILLING"}
SHIPPED = {"FULFILLED", "DELIVERED"}
REFUNDABLE = {"CANCELLED", "PAYMENT_FAILED"}
# SAGA_INVARIANTS=refunds,shipments,stock,pending,history,money_events checks only those (to
# record one counterexample after another); the default is every invariant.
_ALL = ("refunds", "shipments", "stock", "pending", "history", "money_events", "redemptions")
# Each example's promotion code is limited to this many redemptions, so "used up" happens too.
CODE_LIMIT = 3
CHECKS = frozenset(filter(None, os.environ.get("SAGA_INVARIANTS", ",".join(_ALL)).split(",")))


class Crash(BaseException):
    """A Lambda dying mid-step: BaseException, so no `except Exception` in our code catches it."""


@dataclass(eq=False)
class Message:
    """One message in a consumer's queue (or its DLQ)."""

    queue: str
    event: dict[str, Any]
    receives: int = 0
    ids: itertools.count[int] = field(default_factory=itertools.count)

    def as_sqs(self, queue_arn: str) -> dict[str, Any]:
        """The message as a Lambda SQS record."""
        n = next(self.ids)
        message = {
            "MessageId": f"{self.event['eventId']}-{n}",
            "ReceiptHandle": f"rh-{self.event['eventId']}-{n}",
            "Body": json.dumps(self.event),
            "Attributes": {"ApproximateReceiveCount": str(self.receives + 1)},
        }
        return sqs_record(message, queue_arn, REGION)


class Fault:
    """What the next step suffers at its n-th AWS call: a crash before or after it, or a race."""

    def __init__(self, at_call: int, kind: str):
        self.at_call = at_call
        self.kind = kind  # one of KINDS
        self.calls = 0
        self.fired = False


class Seam:
    """botocore's `_make_api_call`, wrapped: faults fire here and SNS publishes are recorded."""

    def __init__(self) -> None:
        self.original = botocore.client.BaseClient._make_api_call
        self.faults: list[Fault] = []
        self.race: Any = None  # what to run when a race fires: race(kind)
        self.published: list[dict[str, Any]] = []
        self._inside_race = False

    def install(self) -> None:
        """Route every AWS call through the seam."""
        seam = self

        def call(client: Any, name: str, params: Any) -> Any:
            return seam.call(client, name, params)

        botocore.client.BaseClient._make_api_call = call

    def uninstall(self) -> None:
        """Put botocore back."""
        botocore.client.BaseClient._make_api_call = self.original

    def call(self, client: Any, name: str, params: Any) -> Any:
        """One AWS call, perhaps failed or raced."""
        if self._inside_race:
            return self._record(client, name, params, self.original(client, name, params))
        crash_after = None
        for fault in self.faults:
            fault.calls += 1
            if fault.fired or fault.calls != fault.at_call:
                continue
            fault.fired = True
            if fault.kind == "crash_before":
                raise Crash(f"crash before {name}")
            if fault.kind.startswith("race_") and self.race is not None:
                self._inside_race = True
                try:
                    self.race(fault.kind)
                finally:
                    self._inside_race = False
            elif fault.kind == "crash_after":
                crash_after = f"crash after {name}"
        answer = self._record(client, name, params, self.original(client, name, params))
        if crash_after:
            raise Crash(crash_after)
        return answer

    def _record(self, client: Any, name: str, params: Any, answer: Any) -> Any:
        if name == "Publish" and client.meta.service_model.service_name == "sns":
            self.published.append(json.loads(params["Message"]))
        return answer


class Clock:
    """The shop's clock, moved by the model (the one seam that is our own: chalicelib.clock)."""

    def __init__(self) -> None:
        self.now = clock.now()
        self.real = clock.now

    def __call__(self) -> Any:
        return self.now


class SagaMachine(RuleBasedStateMachine):
    """Orders through the whole saga, under every interleaving hypothesis tries."""

    # Set by the test before running: the API client, the users, the seam, the app and the clock.
    api: Any = None
    lambdas: Any = None  # chalice.test.Client's lambda_ client
    app: Any = None
    shopper: Any = None
    admin: Any = None
    seam: Seam
    clock: Clock
    _stream: dict[str, str] = {}

    def __init__(self) -> None:
        super().__init__()
        self.products: dict[str, int] = {}  # id -> initial stock plus admin deltas
        self.orders: dict[str, str] = {}  # id -> payment token
        self.queue: list[Message] = []
        self.dlq: list[Message] = []
        self.armed: list[Fault] = []
        self.seam.faults = []
        self.seam.published.clear()
        self.timeout = timedelta(seconds=int(os.environ.get("PAYMENT_TIMEOUT_SECONDS", "900")))
        for stock in (4, 6):
            answer = self.api.post(
                "/products",
                {"name": "Model", "priceCents": 700, "category": "model", "stock": stock},
                user=self.admin,
            )
            assert answer.status == 201, answer.json
            self.products[answer.json["productId"]] = stock
        self.code = f"SAGA-{uuid.uuid4().hex[:12]}".upper()
        answer = self.api.post(
            "/admin/promotions",
            {"code": self.code, "kind": "percent", "percentOff": 10, "maxRedemptions": CODE_LIMIT},
            user=self.admin,
        )
        assert answer.status == 201, answer.json
        self._collect()  # skip the stream records of earlier examples

    # --- the shop's actors ----------------------------------------------------------------------

    @rule(
        product=st.integers(0, 1),
        quantity=st.integers(1, 3),
        token=st.sampled_from(TOKENS),
        with_code=st.booleans(),
    )
    def place(self, product: int, quantity: int, token: str, with_code: bool = False) -> None:
        """A shopper checks out one line, maybe with the example's limited promotion code."""
        pid = list(self.products)[product]
        body: dict[str, Any] = {
            "items": [{"productId": pid, "quantity": quantity}],
            "shippingAddress": ADDRESS,
            "paymentToken": token,
        }
        if with_code:
            body["promotionCode"] = self.code
        answer = self.api.post("/orders", body, user=self.shopper)
        assert answer.status in (201, 409), answer.json
        if answer.status == 201:
            self.orders[answer.json["orderId"]] = token
        self._collect()

    @precondition(lambda self: self.orders)
    @rule(which=st.integers(0, 50), by_admin=st.booleans())
    def cancel(self, which: int, by_admin: bool) -> None:
        """The shopper or an admin cancels an order (409 when its status forbids it)."""
        self._cancel(self._pick_order(which), by_admin)
        self._collect()

    @precondition(lambda self: self.orders)
    @rule(which=st.integers(0, 50))
    def mark_delivered(self, which: int) -> None:
        """An admin marks an order delivered (409 unless it was FULFILLED)."""
        order_id = self._pick_order(which)
        answer = self.api.patch(
            f"/admin/orders/{order_id}", {"status": "DELIVERED"}, user=self.admin
        )
        assert answer.status in (200, 409), answer.json
        self._collect()

    @rule(product=st.integers(0, 1), delta=st.sampled_from((-3, -1, 1, 3)))
    def adjust_stock(self, product: int, delta: int) -> None:
        """An admin adds or removes stock (409 below zero)."""
        pid = list(self.products)[product]
        answer = self.api.post(f"/products/{pid}/stock", {"delta": delta}, user=self.admin)
        assert answer.status in (200, 409), answer.json
        if answer.status == 200:
            self.products[pid] += delta

    # --- the pipeline ---------------------------------------------------------------------------

    @precondition(lambda self: self.queue)
    @rule(which=st.integers(0, 50), again=st.booleans(), faults=FAULTS)
    def deliver(self, which: int, again: bool, faults: list[tuple[int, str]]) -> None:
        """Deliver one waiting message (any of them: order is not guaranteed), maybe twice, maybe
        crashing or raced by a cancel at some of its AWS calls."""
        message = self.queue[which % len(self.queue)]
        self.armed = [Fault(at, kind) for at, kind in faults]
        if self._deliver(message) and not again and message in self.queue:
            self.queue.remove(message)
        self._collect()

    @precondition(lambda self: self.queue)
    @rule(which=st.integers(0, 50), faults=SOME_FAULTS)
    def deliver_with_faults(self, which: int, faults: list[tuple[int, str]]) -> None:
        """Deliver one waiting message with at least one crash or race (faults are the point)."""
        self.deliver(which, False, faults)

    @precondition(lambda self: self.dlq)
    @rule(which=st.integers(0, 50))
    def deliver_dead_letter(self, which: int) -> None:
        """Deliver one dead-lettered message to its DLQ's consumer, if the app has one."""
        message = self.dlq[which % len(self.dlq)]
        if self._deliver_dlq(message):
            self.dlq.remove(message)
        self._collect()

    @rule(seconds=st.sampled_from((1, 60, 600, 901)))
    def time_passes(self, seconds: int) -> None:
        """Time moves on (the payment timeout is 900 s)."""
        self.clock.now += timedelta(seconds=seconds)

    @rule(faults=FAULTS)
    def sweep(self, faults: list[tuple[int, str]]) -> None:
        """The scheduled sweep runs, if the app has one (and may crash or be raced too)."""
        self.armed = [Fault(at, kind) for at, kind in faults]
        self._sweep()
        self._collect()

    # --- invariants after every step ------------------------------------------------------------

    @invariant()
    def stock_is_conserved(self) -> None:
        """Initial stock plus deltas = on hand + reserved by active orders + taken by shipped."""
        if "stock" not in CHECKS or not self.products:
            return
        on_hand = {p.product_id: int(p.stock) for p in Product.batch_get(list(self.products))}
        held = dict.fromkeys(self.products, 0)
        for order in self._orders():
            if order.status in ACTIVE | SHIPPED:
                for line in order.items:
                    held[line.product_id] += int(line.quantity)
        for pid, expected in self.products.items():
            assert on_hand[pid] + held[pid] == expected, (pid, on_hand[pid], held[pid], expected)

    @invariant()
    def redemptions_are_given_back_exactly_once(self) -> None:
        """The code's count = its orders still active or shipped: an order that ends CANCELLED or
        PAYMENT_FAILED gave its redemption back once, with its stock; never past the limit."""
        if "redemptions" not in CHECKS:
            return
        entry = PricingEntry.get(promotion_key(self.code), PROMOTION)
        holding = [
            order.order_id
            for order in self._orders()
            if order.promotion_code == self.code and order.status in ACTIVE | SHIPPED
        ]
        assert int(entry.redemptions) == len(holding), (int(entry.redemptions), holding)
        assert int(entry.redemptions) <= CODE_LIMIT

    @invariant()
    def every_history_step_is_a_legal_move(self) -> None:
        """Each status in an order's history follows the one before by an allowed move."""
        if "history" not in CHECKS:
            return
        legal = {(a.value, b.value) for a, b in MOVES}
        for order in self._orders():
            statuses = [entry.status for entry in order.history]
            assert statuses[0] == "PENDING", statuses
            for move in itertools.pairwise(statuses):
                assert move in legal, (order.order_id, statuses)
            assert statuses[-1] == order.status, (order.order_id, statuses, order.status)

    @invariant()
    def nothing_is_booked_for_a_cancelled_order(self) -> None:
        """No shipment exists for an order that is CANCELLED."""
        if "shipments" not in CHECKS:
            return
        for order in self._orders():
            if order.status == "CANCELLED":
                assert _ledger(order.order_id, "shipment") is None, order.order_id

    def teardown(self) -> None:
        """Let everything settle with no more faults, then judge the money and the timeouts."""
        self.seam.faults, self.armed = [], []
        if not self.orders:
            return
        self._settle()
        self.clock.now += self.timeout + timedelta(seconds=61)
        self._sweep()
        self._settle()
        self.stock_is_conserved()
        self.redemptions_are_given_back_exactly_once()
        self.every_history_step_is_a_legal_move()
        self.nothing_is_booked_for_a_cancelled_order()
        final = self._orders()
        for check in ("pending", "refunds", "money_events"):
            if check in CHECKS:
                for order in final:
                    getattr(self, f"_judge_{check}")(order)

    def _judge_pending(self, order: Order) -> None:
        assert order.status != "PENDING", (order.order_id, self.orders[order.order_id])

    def _judge_refunds(self, order: Order) -> None:
        captured, refunded = (
            _captured(order.order_id),
            _ledger(order.order_id, "refund") is not None,
        )
        must_refund = captured and order.status in REFUNDABLE
        assert refunded == must_refund, (order.order_id, order.status, captured, refunded)

    def _judge_money_events(self, order: Order) -> None:
        captured, refunded = (
            _captured(order.order_id),
            _ledger(order.order_id, "refund") is not None,
        )
        mine = [e for e in self.seam.published if e.get("orderId") == order.order_id]
        captures = {e["eventId"] for e in mine if e["type"] == "PaymentCaptured"}
        refunds = {e["eventId"] for e in mine if e["type"] == "PaymentRefunded"}
        assert len(captures) == (1 if captured else 0), (order.order_id, captures)
        assert len(refunds) == (1 if refunded else 0), (order.order_id, refunds)

    # --- plumbing -------------------------------------------------------------------------------

    def _pick_order(self, which: int) -> str:
        return list(self.orders)[which % len(self.orders)]

    def _orders(self) -> list[Order]:
        return list(Order.batch_get(list(self.orders))) if self.orders else []

    def _cancel(self, order_id: str, by_admin: bool) -> None:
        who = self.admin if by_admin else self.shopper
        answer = self.api.post(f"/orders/{order_id}/cancel", user=who)
        assert answer.status in (200, 409), answer.json

    def _race(self, order_id: str, kind: str) -> None:
        """A shopper's cancel lands mid-step; maybe its OrderCancelled is handled at once too."""
        self._cancel(order_id, False)
        if kind != "race_cancel_handled":
            return
        waiting = list(self.queue)
        self._collect()
        for message in [m for m in self.queue if m not in waiting]:
            if message.event["type"] == "OrderCancelled":
                self.lambdas.invoke(
                    str(self._handler(message.queue)),
                    {"Records": [message.as_sqs(self._arn(message.queue))]},
                )
                self.queue.remove(message)

    def _arn(self, queue: str) -> str:
        return f"arn:aws:sqs:{REGION}:123456789012:{settings().queue_name(queue)}"

    def _collect(self) -> None:
        """Turn new stream records into messages for the consumers whose filter takes them."""
        for record in self._stream_records():
            image = record["dynamodb"]
            event = events.from_stream_record(
                record["eventName"], image.get("NewImage"), image.get("OldImage")
            )
            if event is None or event["orderId"] not in self.orders:
                continue
            for consumer in CONSUMERS:
                wanted = consumer.name in ("payments", "fulfillment")
                if wanted and event["type"] in consumer.event_types:
                    self.queue.append(Message(consumer.name, event))

    def _stream_records(self) -> list[dict[str, Any]]:
        streams = boto3.client(
            "dynamodbstreams", endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com"
        )
        arn = boto3.client("dynamodb").describe_table(TableName=settings().orders_table)["Table"][
            "LatestStreamArn"
        ]
        records: list[dict[str, Any]] = []
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            key = f"{arn}/{shard['ShardId']}"
            iterator = (
                self._stream.get(key)
                or streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            )
            answer = streams.get_records(ShardIterator=iterator)
            records += [dynamodb_record(r, arn) for r in answer["Records"]]
            self._stream[key] = answer["NextShardIterator"]
        return records

    def _handler(self, queue: str) -> str | None:
        name = settings().queue_name(queue)
        for source in self.app.event_sources:
            if isinstance(source, SQSEventConfig) and source.queue == name:
                return str(source.name)
        return None

    def _invoke(self, handler: str, event: dict[str, Any], order_id: str | None) -> bool:
        self.seam.race = (lambda kind: self._race(order_id, kind)) if order_id else None
        self.seam.faults, self.armed = self.armed, []
        try:
            self.lambdas.invoke(handler, event)
        except (Exception, Crash):
            return False
        finally:
            self.seam.faults = []
            self.seam.race = None
        return True

    def _deliver(self, message: Message) -> bool:
        handler = self._handler(message.queue)
        assert handler is not None, message.queue
        event = {"Records": [message.as_sqs(self._arn(message.queue))]}
        if self._invoke(handler, event, message.event["orderId"]):
            return True
        message.receives += 1
        if message.receives >= MAX_RECEIVES and message in self.queue:
            self.queue.remove(message)
            self.dlq.append(message)
        return False

    def _deliver_dlq(self, message: Message) -> bool:
        handler = self._handler(f"{message.queue}-dlq")
        if handler is None:
            return False  # no consumer: the message waits in the DLQ (an alarm fires)
        arn = f"arn:aws:sqs:{REGION}:123456789012:{settings().queue_name(message.queue)}-dlq"
        event = {"Records": [message.as_sqs(arn)]}
        return self._invoke(handler, event, message.event["orderId"])

    def _sweep(self) -> bool:
        for source in self.app.event_sources:
            if isinstance(source, ScheduledEventConfig):
                event = {
                    "version": "0",
                    "id": "saga-model",
                    "detail-type": "Scheduled Event",
                    "source": "aws.events",
                    "account": "123456789012",
                    "time": clock.iso(self.clock.now),
                    "region": REGION,
                    "resources": [],
                    "detail": {},
                }
                return self._invoke(str(source.name), event, None)
        return False

    def _settle(self, rounds: int = 30) -> None:
        for _ in range(rounds):
            self._collect()
            if not self.queue and not any(self._handler(f"{m.queue}-dlq") for m in self.dlq):
                return
            for message in list(self.queue):
                if message in self.queue and self._deliver(message) and message in self.queue:
                    self.queue.remove(message)
            for message in list(self.dlq):
                if self._deliver_dlq(message):
                    self.dlq.remove(message)
        raise AssertionError(f"the saga did not settle: {self.queue} {self.dlq}")


def _captured(order_id: str) -> bool:
    charge = _ledger(order_id, "charge")
    return charge is not None and charge.get("outcome") == "approved"


def _ledger(order_id: str, entry: str) -> dict[str, Any] | None:
    """A ledger entry's detail (the bank's or the carrier's record of one step), if it exists."""
    try:
        item = LedgerEntry.get(order_id, entry, consistent_read=True)
    except LedgerEntry.DoesNotExist:
        return None
    return dict(item.detail.as_dict()) if item.detail is not None else {}
