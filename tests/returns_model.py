"""A model of returns for hypothesis' stateful testing (tests/api/test_returns_model.py).

One delivered order of two products; the machine opens returns of random units, makes random
admin moves, and delivers the workflow's steps (the messages the state machine sends) to random
returns in any order, twice, or where the state machine would never send them. Every step and move
must be safe in any state: the invariants are the contract's, judged against the order, the
products and the payment ledger (the simulated provider's books).
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from chalicelib import clock
from chalicelib.adapters.payments import SimulatedPaymentProvider
from chalicelib.services import return_steps
from chalicelib.storage.models import HistoryEntry, LedgerEntry, Order, Product, Return
from tests.support.data import ADDRESS

LIVE = {"REQUESTED", "APPROVED", "RECEIVED", "REFUNDED", "REFUND_FAILED"}
STEPS = (
    tuple(return_steps.WAITS)
    + tuple(return_steps.TIMEOUTS)
    + (
        "restock",
        "refund",
        "refundFailed",
    )
)
MOVES = ("approve", "reject", "receive", "refund")
_tokens = itertools.count(1)


class ReturnsMachine(RuleBasedStateMachine):
    """Returns of one delivered order, moved and stepped at random."""

    api: Any
    shopper: Any
    admin: Any
    card: str  # the order's payment token: how its refunds behave

    def __init__(self) -> None:
        super().__init__()
        self.returns: list[str] = []
        self.order: dict[str, Any] = {}
        self.lines: dict[str, dict[str, Any]] = {}
        self.stock_before: dict[str, int] = {}  # each product's stock once the order was placed

    @initialize()
    def a_delivered_order(self) -> None:
        """A fresh order of 3 and 2 units, paid with the card and delivered (no pipeline)."""
        products: list[dict[str, Any]] = []
        for name in ("Mug", "Lamp"):
            body = {"name": name, "priceCents": 999, "category": "model", "stock": 10}
            products.append(self.api.post("/products", body, user=self.admin).json)
        items = [
            {"productId": products[0]["productId"], "quantity": 3},
            {"productId": products[1]["productId"], "quantity": 2},
        ]
        checkout = {"shippingAddress": ADDRESS, "paymentToken": self.card, "items": items}
        placed = self.api.post("/orders", checkout, user=self.shopper).json
        SimulatedPaymentProvider().charge(
            placed["orderId"], placed["totalCents"], placed["currency"], self.card
        )
        stamp = clock.iso(clock.now())
        Order(placed["orderId"]).update(
            actions=[
                Order.status.set("DELIVERED"),
                Order.history.set([HistoryEntry(status="DELIVERED", at=stamp)]),
            ]
        )
        self.order = self.api.get(f"/orders/{placed['orderId']}", user=self.shopper).json
        self.lines = {line["variantId"]: line for line in self.order["items"]}
        self.stock_before = {
            p["productId"]: 10 - i["quantity"] for p, i in zip(products, items, strict=True)
        }

    @rule(variant=st.integers(0, 1), quantity=st.integers(1, 4))
    def open_return(self, variant: int, quantity: int) -> None:
        """The shopper asks to return units of one line (perhaps more than are left)."""
        variant_id = list(self.lines)[variant]
        body = {"items": [{"variantId": variant_id, "quantity": quantity}], "reason": "model"}
        answer = self.api.post(f"/orders/{self.order['orderId']}/returns", body, user=self.shopper)
        assert answer.status in (201, 409), answer.json
        if answer.status == 201:
            self.returns.append(answer.json["returnId"])

    @precondition(lambda self: self.returns)
    @rule(which=st.integers(0, 5), move=st.sampled_from(MOVES))
    def admin_moves(self, which: int, move: str) -> None:
        """An admin approves, rejects, receives or retries a refund: 200, or 409 if not allowed."""
        return_id = self.returns[which % len(self.returns)]
        body = {"note": "model"} if move == "reject" else None
        answer = self.api.post(f"/admin/returns/{return_id}/{move}", body, user=self.admin)
        assert answer.status in (200, 409), answer.json

    @precondition(lambda self: self.returns)
    @rule(which=st.integers(0, 5), step=st.sampled_from(STEPS), twice=st.booleans())
    def workflow_step(self, which: int, step: str, twice: bool) -> None:
        """A step of the workflow arrives (perhaps again, perhaps out of turn)."""
        return_id = self.returns[which % len(self.returns)]
        for _ in range(2 if twice else 1):
            message = {"step": step, "returnId": return_id, "taskToken": f"t-{next(_tokens)}"}
            return_steps.on_step(message)

    @precondition(lambda self: self.returns)
    @rule(which=st.integers(0, 5), admin_first=st.booleans())
    def the_workflow_moves_on(self, which: int, admin_first: bool) -> None:
        """What the state machine does next for the stored status, or what an admin does."""
        return_id = self.returns[which % len(self.returns)]
        status = Return.get(return_id, consistent_read=True).status

        def step(name: str) -> None:
            token = f"t-{next(_tokens)}"
            return_steps.on_step({"step": name, "returnId": return_id, "taskToken": token})

        def admin(move: str) -> None:
            body = {"note": "model"} if move == "reject" else None
            self.api.post(f"/admin/returns/{return_id}/{move}", body, user=self.admin)

        if status == "REQUESTED":
            if admin_first:
                admin("approve")
            else:
                step("approvalTimeout")
        elif status == "APPROVED":
            if not admin_first:
                step("parcelTimeout")
                return
            admin("receive")
            status = "RECEIVED"
        if status == "REFUND_FAILED":
            admin("refund")
            status = "RECEIVED"
        if status == "RECEIVED":
            step("restock")
            step("refund")
            if Return.get(return_id, consistent_read=True).status == "RECEIVED":
                step("refund" if admin_first else "refundFailed")

    @invariant()
    def units_are_never_claimed_twice(self) -> None:
        order = Order.get(self.order["orderId"], consistent_read=True)
        claims = order.return_claims.as_dict() if order.return_claims is not None else {}
        for variant_id, line in self.lines.items():
            live = sum(
                int(item.quantity)
                for ret in self._returns()
                if ret.status in LIVE
                for item in ret.items
                if item.variant_id == variant_id
            )
            assert int(claims.get(variant_id, 0)) == live
            assert live <= line["quantity"]

    @invariant()
    def refunds_never_exceed_what_was_paid(self) -> None:
        refunds = [
            entry
            for entry in LedgerEntry.query(self.order["orderId"], consistent_read=True)
            if entry.entry.startswith("refund#")
        ]
        by_return: dict[str, int] = {}
        for entry in refunds:
            return_id = entry.entry.removeprefix("refund#").split(":", 1)[0]
            by_return[return_id] = by_return.get(return_id, 0) + 1
        assert all(count == 1 for count in by_return.values()), by_return
        refunded = sum(int(entry.detail.as_dict()["amountCents"]) for entry in refunds)
        order = Order.get(self.order["orderId"], consistent_read=True)
        assert refunded == int(order.refunded_cents or 0)
        assert refunded <= int(order.total_cents)
        done = {ret.return_id for ret in self._returns() if ret.status == "REFUNDED"}
        assert set(by_return) == done

    @invariant()
    def restocked_units_are_conserved(self) -> None:
        back: dict[str, int] = {}
        for ret in self._returns():
            if ret.restocked_at is not None:
                assert ret.status in {"RECEIVED", "REFUNDED", "REFUND_FAILED"}, ret.status
                for item in ret.items:
                    back[item.product_id] = back.get(item.product_id, 0) + int(item.quantity)
            elif ret.status == "REFUNDED":
                raise AssertionError(f"{ret.return_id} was refunded without being restocked")
        for product_id, before in self.stock_before.items():
            stock = int(Product.get(product_id, consistent_read=True).stock)
            assert stock == before + back.get(product_id, 0)

    def _returns(self) -> list[Return]:
        return [Return.get(return_id, consistent_read=True) for return_id in self.returns]

    def teardown(self) -> None:
        """Say what the run reached (hypothesis shows it with --hypothesis-show-statistics)."""
        from hypothesis import event

        for ret in self._returns():
            event(f"a return ended {ret.status}")
