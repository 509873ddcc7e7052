"""A model of the order saga for hypothesis' stateful testing (tests/api/test_saga_model.py).

The machine places, pays, cancels, ships and times orders out in random interleavings, delivers
each consumer's messages in any order, twice or not at all until the end, and crashes a step
before or after any AWS call it makes, or lets a cancel race into the middle of it. Crashes and
races are injected at botocore's seam (tests/saga_seam.py), so none of our code is patched: the
simulated payment provider and carrier record their work in the ledger, which makes the ledger the
bank's and the carrier's books, the truth the invariants judge the shop against.

Orders have one to three lines on the variants of tests/saga_catalog.py (a plain product and a
T-shirt in sizes, each size with its own stock), which an admin restocks, extends with new sizes
and archives while orders are under way; stock is conserved per variant.

Messages travel as on AWS: the orders stream becomes events (the publisher's own function), which
go to the consumers whose SNS filter takes them (infra/messaging.py), and a message that fails
`MAX_RECEIVES` times moves to its queue's DLQ. The handlers are found from the app's event sources,
so a DLQ consumer or a scheduled sweep the app declares is used with no change here.

Every run starts on empty tables (re-created: cheaper than growing them, since moto copies every
table a transaction touches), and the invariants re-read the tables only after a step that wrote.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from chalice.app import ScheduledEventConfig, SQSEventConfig
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from chalicelib import clock
from chalicelib.adapters import events
from chalicelib.config import settings
from chalicelib.domain.order_rules import MOVES
from chalicelib.services import shop_config
from chalicelib.storage.models import IdempotencyRecord, LedgerEntry, Order, PricingEntry, Product
from chalicelib.storage.pricing import PROMOTION, promotion_key
from infra.messaging import CONSUMERS, MAX_RECEIVE_COUNT
from tests.saga_catalog import SIZES, Catalog
from tests.saga_seam import REGION, Clock, Crash, Fault, Message, Seam, StreamReader, batch_get
from tests.support.data import ADDRESS

MAX_RECEIVES = MAX_RECEIVE_COUNT  # the queues' redrive policy
TOKENS = ("tok_visa", "tok_decline", "tok_error", "tok_pending")
# A race runs a cancel in the middle of the step; "race_cancel_handled" also lets the payments
# consumer handle the OrderCancelled it causes, before the step goes on.
KINDS = ("crash_before", "crash_after", "race_cancel", "race_cancel_handled")
# Up to two faults in one step: a race and then a crash is how a refund gets lost (issue 14).
FAULT = st.tuples(st.integers(1, 6), st.sampled_from(KINDS))
FAULTS = st.lists(FAULT, max_size=2)
SOME_FAULTS = st.lists(FAULT, min_size=1, max_size=2)
# An order's lines: (which variant on sale, how many); the same variant twice is merged by the
# model. One order in eight also names a variant off sale (a 400 that must write nothing).
LINES = st.lists(st.tuples(st.integers(0, 50), st.integers(1, 3)), min_size=1, max_size=3)
OFF_SALE_LINE = st.sampled_from((None,) * 7 + (0,))
ACTIVE = {"PENDING", "CONFIRMED", "FULFILLING"}
SHIPPED = {"FULFILLED", "DELIVERED"}
REFUNDABLE = {"CANCELLED", "PAYMENT_FAILED"}
# SAGA_INVARIANTS=refunds,shipments,stock,pending,history,money_events checks only those (to
# record one counterexample after another); the default is every invariant.
_ALL = ("refunds", "shipments", "stock", "pending", "history", "money_events", "redemptions")
# Each example's promotion code is limited to this many redemptions, so "used up" happens too.
CODE_LIMIT = 3
CHECKS = frozenset(filter(None, os.environ.get("SAGA_INVARIANTS", ",".join(_ALL)).split(",")))


@dataclass
class Books:
    """The stored state the invariants judge. The orders are the stream's latest image of each
    (the teardown checks them against the table)."""

    orders: list[Order]
    on_hand: dict[str, int]  # variant id -> stock on hand
    redemptions: int  # the example's promotion code's count
    shipments: set[str]  # order ids the carrier booked


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
    runs = 0  # examples run (the test reports them, and the steps)
    checks = 0  # invariant checks: one as a run starts and one after every step

    def __init__(self) -> None:
        super().__init__()
        SagaMachine.runs += 1
        _fresh_tables()
        self.orders: dict[str, str] = {}  # id -> payment token
        self.queue: list[Message] = []
        self.dlq: list[Message] = []
        self.armed: list[Fault] = []
        self.seam.faults = []
        self.seam.published.clear()
        self._parts: dict[str, tuple[Any, Any]] = {}  # part of the books -> (stamp, value)
        self.mirror: dict[str, Order] = {}  # every order, as the orders stream last showed it
        self._collected = -1  # the orders table's write count at the last read of its stream
        self.timeout = timedelta(seconds=int(os.environ.get("PAYMENT_TIMEOUT_SECONDS", "900")))
        self.stream = StreamReader(settings().orders_table)
        self.catalog = Catalog(self.api, self.admin)
        self.catalog.stock_up()
        self.code = f"SAGA-{uuid.uuid4().hex[:12]}".upper()
        answer = self.api.post(
            "/admin/promotions",
            {"code": self.code, "kind": "percent", "percentOff": 10, "maxRedemptions": CODE_LIMIT},
            user=self.admin,
        )
        assert answer.status == 201, answer.json

    # --- the shop's actors ----------------------------------------------------------------------

    @rule(
        lines=LINES,
        token=st.sampled_from(TOKENS),
        with_code=st.booleans(),
        bare=st.booleans(),
        off_sale=OFF_SALE_LINE,
    )
    def place(
        self,
        lines: list[tuple[int, int]],
        token: str,
        with_code: bool,
        bare: bool = False,
        off_sale: int | None = None,
    ) -> None:
        """A shopper checks out lines on one or more variants on sale (plus one off sale, if
        `off_sale` picks one), maybe with the example's limited promotion code, naming a plain
        product's own variant by its product id if `bare`."""
        on_sale = self.catalog.on_sale or self.catalog.variants
        wanted = {on_sale[which % len(on_sale)]: quantity for which, quantity in lines}
        gone = [v for v in self.catalog.variants if v in self.catalog.off_sale]
        if off_sale is not None and gone:
            wanted[gone[off_sale % len(gone)]] = 1
        body: dict[str, Any] = {
            "items": [self.catalog.line(vid, q, bare) for vid, q in wanted.items()],
            "shippingAddress": ADDRESS,
            "paymentToken": token,
        }
        if with_code:
            body["promotionCode"] = self.code
        answer = self.api.post("/orders", body, user=self.shopper)
        refused = self.catalog.off_sale.intersection(wanted)
        assert answer.status in ((400,) if refused else (201, 409)), (refused, answer.json)
        if answer.status == 201:
            self.orders[answer.json["orderId"]] = token
        self._collect()

    @initialize(lines=LINES, token=st.sampled_from(TOKENS), with_code=st.booleans())
    def first_order(self, lines: list[tuple[int, int]], token: str, with_code: bool) -> None:
        """Every run starts with an order (swarm testing may switch `place` off for a run)."""
        self.place(lines, token, with_code)

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

    @rule(variant=st.integers(0, 50), delta=st.sampled_from((-3, -1, 1, 3)))
    def adjust_stock(self, variant: int, delta: int) -> None:
        """An admin adds or removes a variant's stock (409 below zero)."""
        variants = self.catalog.variants
        self.catalog.adjust(variants[variant % len(variants)], delta)

    @rule(
        add=st.booleans(),
        product=st.integers(0, 1),
        size=st.sampled_from(SIZES),
        stock=st.integers(0, 4),
        which=st.integers(0, 50),
    )
    def change_the_range(self, add: bool, product: int, size: str, stock: int, which: int) -> None:
        """An admin adds a size to a product (the plain one's first takes it off sale bare), or
        archives one (orders already placed on it keep, and give back, its stock)."""
        if add:
            self.catalog.add_variant(self.catalog.products[product], size, stock)
            return
        sizes = [v for v in self.catalog.variants if v not in self.catalog.products]
        self.catalog.archive(sizes[which % len(sizes)])

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
        """Per variant: initial stock plus accepted deltas = on hand + reserved by active orders +
        taken by shipped ones (a line placed before variants is its product's own variant)."""
        SagaMachine.checks += 1  # the first invariant: once as a run starts, once after each step
        self._judge_stock()

    def _judge_stock(self) -> None:
        if "stock" not in CHECKS:
            return
        books = self._read()
        held = dict.fromkeys(self.catalog.expected, 0)
        for order in books.orders:
            if order.status in ACTIVE | SHIPPED:
                for line in order.items:
                    held[line.variant_id or line.product_id] += int(line.quantity)
        for vid, expected in self.catalog.expected.items():
            assert books.on_hand[vid] + held[vid] == expected, (
                vid,
                books.on_hand[vid],
                held[vid],
                expected,
            )

    @invariant()
    def redemptions_are_given_back_exactly_once(self) -> None:
        """The code's count = its orders still active or shipped: an order that ends CANCELLED or
        PAYMENT_FAILED gave its redemption back once, with its stock; never past the limit."""
        if "redemptions" not in CHECKS:
            return
        books = self._read()
        holding = [
            order.order_id
            for order in books.orders
            if order.promotion_code == self.code and order.status in ACTIVE | SHIPPED
        ]
        assert books.redemptions == len(holding), (books.redemptions, holding)
        assert books.redemptions <= CODE_LIMIT

    @invariant()
    def every_history_step_is_a_legal_move(self) -> None:
        """Each status in an order's history follows the one before by an allowed move."""
        if "history" not in CHECKS:
            return
        legal = {(a.value, b.value) for a, b in MOVES}
        for order in self._read().orders:
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
        books = self._read()
        for order in books.orders:
            if order.status == "CANCELLED":
                assert order.order_id not in books.shipments, order.order_id

    def teardown(self) -> None:
        """Let everything settle with no more faults, then judge the money and the timeouts."""
        self.seam.faults, self.armed = [], []
        if not self.orders:
            return
        self._settle()
        self.clock.now += self.timeout + timedelta(seconds=61)
        self._sweep()
        self._settle()
        self._judge_stock()
        self.redemptions_are_given_back_exactly_once()
        self.every_history_step_is_a_legal_move()
        self.nothing_is_booked_for_a_cancelled_order()
        final = self._read().orders
        self._judge_the_mirror(final)
        money = _money(list(self.orders))
        for order in final:
            if "pending" in CHECKS:
                assert order.status != "PENDING", (order.order_id, self.orders[order.order_id])
            captured, refunded = money[order.order_id]
            if "refunds" in CHECKS:
                must_refund = captured and order.status in REFUNDABLE
                assert refunded == must_refund, (order.order_id, order.status, captured, refunded)
            if "money_events" in CHECKS:
                self._judge_money_events(order.order_id, captured, refunded)

    def _judge_the_mirror(self, final: list[Order]) -> None:
        """The stream's images the invariants judged are the table's orders, and every order
        written is one a shopper was told of (a refused checkout writes none)."""
        assert set(self.mirror) == set(self.orders), set(self.mirror) ^ set(self.orders)
        stored = {o.order_id: o for o in Order.batch_get(list(self.orders), consistent_read=True)}
        for order in final:
            table = stored[order.order_id]
            seen = (order.status, [h.status for h in order.history])
            assert seen == (table.status, [h.status for h in table.history]), order.order_id

    def _judge_money_events(self, order_id: str, captured: bool, refunded: bool) -> None:
        mine = [e for e in self.seam.published if e.get("orderId") == order_id]
        captures = {e["eventId"] for e in mine if e["type"] == "PaymentCaptured"}
        refunds = {e["eventId"] for e in mine if e["type"] == "PaymentRefunded"}
        assert len(captures) == (1 if captured else 0), (order_id, captures)
        assert len(refunds) == (1 if refunded else 0), (order_id, refunds)

    # --- plumbing -------------------------------------------------------------------------------

    def _read(self) -> Books:
        """The books: the orders from the stream's new records, and each other part re-read only
        after a write to its table."""
        self._collect()
        orders = list(self.mirror.values())
        cancelled = frozenset(o.order_id for o in orders if o.status == "CANCELLED")
        tables, writes = settings(), self.seam.writes
        return Books(
            orders=orders,
            on_hand=self._part("stock", writes[tables.products_table], self.catalog.read_on_hand),
            redemptions=self._part(
                "redemptions", writes[tables.pricing_table], lambda: _redemptions(self.code)
            ),
            shipments=self._part(
                "shipments", (writes[tables.ledger_table], cancelled), lambda: _booked(cancelled)
            ),
        )

    def _part(self, name: str, stamp: Any, load: Callable[[], Any]) -> Any:
        """One part of the books, loaded again only when its stamp (its table's write count)
        changed since it was last loaded."""
        cached = self._parts.get(name)
        if cached is None or cached[0] != stamp:
            cached = self._parts[name] = (stamp, load())
        return cached[1]

    def _pick_order(self, which: int) -> str:
        return list(self.orders)[which % len(self.orders)]

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
        """Turn new stream records into messages for the consumers whose filter takes them (no
        write since the last read: no new record)."""
        writes = self.seam.writes[settings().orders_table]
        if self._collected == writes:
            return
        self._collected = writes
        for record in self.stream.read():
            image = record["dynamodb"]
            if image.get("NewImage"):
                order = Order.from_raw_data(image["NewImage"])
                self.mirror[order.order_id] = order
            event = events.from_stream_record(
                record["eventName"], image.get("NewImage"), image.get("OldImage")
            )
            if event is None or event["orderId"] not in self.orders:
                continue
            for consumer in CONSUMERS:
                wanted = consumer.name in ("payments", "fulfillment")
                if wanted and event["type"] in consumer.event_types:
                    self.queue.append(Message(consumer.name, event))

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


# The tables the saga writes: empty again for every run (moto copies a whole table, its stream
# records included, for every transaction that touches it, so a table that grew over the earlier
# runs makes every later step slower).
SAGA_TABLES = (Product, Order, PricingEntry, LedgerEntry, IdempotencyRecord)


def _fresh_tables() -> None:
    """Empty tables for a new run: the previous run's items and stream records are dropped."""
    for model in SAGA_TABLES:
        model.delete_table()
    for model in SAGA_TABLES:
        model.create_table(wait=False)
    shop_config.forget()  # fresh tables: no zones or rates cached from an earlier run's


def _redemptions(code: str) -> int:
    """The promotion code's count of redemptions."""
    (entry,) = batch_get(
        {
            PricingEntry: (
                [{"pk": {"S": promotion_key(code)}, "sk": {"S": PROMOTION}}],
                "pk, sk, redemptions",
                {},
            )
        }
    )[PricingEntry]
    return int(entry.redemptions)


def _booked(order_ids: frozenset[str]) -> set[str]:
    """Those of the orders the carrier booked a shipment for."""
    keys = [{"orderId": {"S": oid}, "entry": {"S": "shipment"}} for oid in sorted(order_ids)]
    found = set()
    for start in range(0, len(keys), 100):
        chunk = keys[start : start + 100]
        found |= {
            e.order_id for e in batch_get({LedgerEntry: (chunk, "orderId, entry", {})})[LedgerEntry]
        }
    return found


def _money(order_ids: list[str]) -> dict[str, tuple[bool, bool]]:
    """Per order, from the bank's books (the ledger): (a charge was captured, a refund was made)."""
    keys = [
        {"orderId": {"S": oid}, "entry": {"S": entry}}
        for oid in order_ids
        for entry in ("charge", "refund")
    ]
    found: dict[tuple[str, str], LedgerEntry] = {}
    for start in range(0, len(keys), 100):
        chunk = keys[start : start + 100]
        entries = batch_get({LedgerEntry: (chunk, "orderId, entry, detail", {})})
        found.update({(e.order_id, e.entry): e for e in entries[LedgerEntry]})
    money = {}
    for oid in order_ids:
        charge = found.get((oid, "charge"))
        detail = dict(charge.detail.as_dict()) if charge and charge.detail is not None else {}
        captured = charge is not None and detail.get("outcome") == "approved"
        money[oid] = (captured, (oid, "refund") in found)
    return money
