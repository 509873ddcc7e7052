"""Returns through the API: every rule of the contract's Returns section, on moto.

The workflow's engine is the local stack's business (tests/stack/test_returns_on_stack.py); here
moto's Step Functions records executions without running them, and the workflow's steps are
driven by hand through the step handler, as the state machine would send them.
"""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest

from chalicelib import clock
from chalicelib.services import return_steps
from chalicelib.storage.models import HistoryEntry, LedgerEntry, Order, Return
from tests.support.data import ADDRESS


@pytest.fixture
def delivered(api, admin, shopper, product_factory, pipeline):
    """Place, pay, ship and deliver an order of the given products, as the shopper."""

    def deliver(*lines, token="tok_visa"):
        body = {
            "shippingAddress": ADDRESS,
            "paymentToken": token,
            "items": [{"productId": p["productId"], "quantity": q} for p, q in lines],
        }
        order = api.post("/orders", body, user=shopper).json
        pipeline.run()
        moved = api.patch(f"/admin/orders/{order['orderId']}", {"status": "DELIVERED"}, user=admin)
        assert moved.status == 200, moved.json
        return moved.json

    return deliver


def ask(api, user, order, *lines, reason="Too small"):
    items = [{"variantId": v, "quantity": q} for v, q in lines]
    return api.post(
        f"/orders/{order['orderId']}/returns", {"items": items, "reason": reason}, user=user
    )


def step(name, return_id, token="token-1"):
    return_steps.on_step({"step": name, "returnId": return_id, "taskToken": token})


def test_a_shopper_returns_units_of_a_delivered_order_and_the_workflow_starts(
    api, shopper, product_factory, delivered
):
    mug = product_factory(priceCents=1000, stock=5)
    order = delivered((mug, 3))

    answer = ask(api, shopper, order, (mug["productId"], 2))

    assert answer.status == 201, answer.json
    ret = answer.json
    assert ret["status"] == "REQUESTED"
    assert (ret["orderId"], ret["userId"], ret["reason"]) == (
        order["orderId"],
        shopper.user_id,
        "Too small",
    )
    assert ret["items"] == [
        {
            "variantId": mug["productId"],
            "productId": mug["productId"],
            "name": "Mug",
            "quantity": 2,
            "refundCents": 2000,
        }
    ]
    assert ret["refundCents"] == 2000
    assert [h["status"] for h in ret["history"]] == ["REQUESTED"]
    assert "executionArn" not in ret
    execution = Return.get(ret["returnId"]).execution_arn
    assert execution.endswith(f":execution:shop-test-returns:{ret['returnId']}")
    described = boto3.client("stepfunctions").describe_execution(executionArn=execution)
    assert described["name"] == ret["returnId"]


def test_the_last_unit_of_a_line_takes_its_leftover_cents(api, shopper, product_factory, delivered):
    mug = product_factory(priceCents=333, stock=5)
    order = delivered((mug, 3))
    # 999 cents over 3 units, with a discount share of 100 and a tax share of 2: 901 paid.
    boto3.client("dynamodb").update_item(
        TableName=Order.Meta.table_name,
        Key={"orderId": {"S": order["orderId"]}},
        UpdateExpression="SET #i[0].discountCents = :d, #i[0].taxCents = :t",
        ExpressionAttributeNames={"#i": "items"},
        ExpressionAttributeValues={":d": {"N": "100"}, ":t": {"N": "2"}},
    )

    first = ask(api, shopper, order, (mug["productId"], 1)).json
    last = ask(api, shopper, order, (mug["productId"], 2)).json

    assert (first["refundCents"], last["refundCents"]) == (300, 601)


@pytest.mark.parametrize("token", ["tok_visa"])
def test_an_order_not_yet_delivered_cannot_be_returned(
    api, shopper, product_factory, pipeline, token
):
    mug = product_factory(stock=5)
    body = {
        "shippingAddress": ADDRESS,
        "paymentToken": token,
        "items": [{"productId": mug["productId"], "quantity": 1}],
    }
    order = api.post("/orders", body, user=shopper).json
    pipeline.run()

    assert ask(api, shopper, order, (mug["productId"], 1)).error() == (409, "ConflictError")


def test_a_return_past_thirty_days_after_delivery_is_refused(
    api, shopper, product_factory, delivered
):
    mug = product_factory(stock=5)
    order = delivered((mug, 1))
    long_ago = clock.iso(clock.now() - timedelta(days=30, minutes=1))
    stored = Order.get(order["orderId"])
    stored.update(actions=[Order.history.set([HistoryEntry(status="DELIVERED", at=long_ago)])])

    assert ask(api, shopper, order, (mug["productId"], 1)).error() == (409, "ConflictError")
    assert list(Return.user_index.query(shopper.user_id)) == []


def test_quantities_beyond_what_is_left_are_refused_and_rejected_returns_give_units_back(
    api, admin, shopper, product_factory, delivered
):
    mug = product_factory(stock=5)
    order = delivered((mug, 3))

    first = ask(api, shopper, order, (mug["productId"], 2)).json
    too_many = ask(api, shopper, order, (mug["productId"], 2))
    rejected = api.post(f"/admin/returns/{first['returnId']}/reject", {"note": "Worn"}, user=admin)
    again = ask(api, shopper, order, (mug["productId"], 3))

    assert too_many.error() == (409, "ConflictError")
    assert rejected.json["status"] == "REJECTED"
    assert rejected.json["history"][-1] == {
        "status": "REJECTED",
        "at": rejected.json["updatedAt"],
        "note": "Worn",
    }
    assert again.status == 201
    assert ask(api, shopper, order, (mug["productId"], 1)).error() == (409, "ConflictError")


def test_two_returns_judged_on_the_same_read_cannot_both_claim_the_last_unit(
    api, shopper, product_factory, delivered
):
    from chalicelib.domain import returns as rules
    from chalicelib.domain.identity import Caller
    from chalicelib.services.returns import _lines, _new_return
    from chalicelib.storage import returns as door

    mug = product_factory(stock=10)
    order = delivered((mug, 2))
    ask(api, shopper, order, (mug["productId"], 1))
    stored = Order.get(order["orderId"], consistent_read=True)
    who = Caller(shopper.user_id, shopper.email, False)
    plans = [
        rules.plan(_lines(stored), door.claims_of(stored), [rules.Asked(mug["productId"], 1)])
        for _ in range(2)
    ]

    door.create(_new_return(who, stored, "ret_a", plans[0], "r"), stored, plans[0])
    with pytest.raises(door.ClaimRefused) as refused:
        door.create(_new_return(who, stored, "ret_b", plans[1], "r"), stored, plans[1])

    assert refused.value.order_changed
    assert not refused.value.exists
    assert Order.get(order["orderId"]).return_claims.as_dict() == {mug["productId"]: 2}
    assert Return.count() == 2  # the first request's return and ret_a; ret_b wrote nothing


@pytest.mark.parametrize(
    "body",
    [
        {"items": [], "reason": "x"},
        {"items": [{"variantId": "v", "quantity": 0}], "reason": "x"},
        {"items": [{"variantId": "v", "quantity": 1}]},
        {"items": [{"variantId": "v", "quantity": 1}], "reason": " "},
        {"items": [{"variantId": "v", "quantity": 1}], "reason": "x", "status": "REFUNDED"},
        {"items": [{"variantId": "v", "quantity": 1, "refundCents": 5}], "reason": "x"},
    ],
)
def test_a_malformed_return_is_a_400_and_writes_nothing(api, shopper, body):
    answer = api.post("/orders/ord_x/returns", body, user=shopper)

    assert answer.error() == (400, "BadRequestError")


def test_a_variant_the_order_does_not_have_is_a_400(api, shopper, product_factory, delivered):
    mug = product_factory(stock=5)
    order = delivered((mug, 1))

    assert ask(api, shopper, order, ("prd_other", 1)).error() == (400, "BadRequestError")


def test_nobody_sees_or_returns_another_shoppers_order_or_return(
    api, shopper, other_shopper, product_factory, delivered
):
    mug = product_factory(stock=5)
    order = delivered((mug, 2))
    mine = ask(api, shopper, order, (mug["productId"], 1)).json

    assert ask(api, other_shopper, order, (mug["productId"], 1)).error() == (404, "NotFoundError")
    assert api.get(f"/returns/{mine['returnId']}", user=other_shopper).status == 404
    assert api.get("/returns", user=other_shopper).json["items"] == []
    assert api.get("/returns/ret_nope", user=shopper).status == 404


def test_only_admins_move_returns_and_see_the_queue(
    api, admin, shopper, product_factory, delivered
):
    mug = product_factory(stock=5)
    order = delivered((mug, 2))
    ret = ask(api, shopper, order, (mug["productId"], 1)).json
    rid = ret["returnId"]

    for move in ("approve", "receive", "refund"):
        assert api.post(f"/admin/returns/{rid}/{move}", user=shopper).status == 403
    assert api.post(f"/admin/returns/{rid}/reject", {"note": "n"}, user=shopper).status == 403
    assert api.get("/admin/returns?status=REQUESTED", user=shopper).status == 403
    assert api.post(f"/admin/returns/{rid}/approve").status == 401

    queue = api.get("/admin/returns?status=REQUESTED", user=admin).json
    assert [r["returnId"] for r in queue["items"]] == [rid]
    assert queue["items"][0]["executionArn"].endswith(rid)
    assert api.get(f"/returns/{rid}", user=admin).json["executionArn"].endswith(rid)
    assert api.get("/admin/returns", user=admin).json == queue  # the queue is the default
    assert api.get("/admin/returns?status=LOST", user=admin).error() == (400, "BadRequestError")


def test_illegal_moves_are_409s(api, admin, shopper, product_factory, delivered):
    mug = product_factory(stock=5)
    order = delivered((mug, 2))
    rid = ask(api, shopper, order, (mug["productId"], 1)).json["returnId"]

    assert api.post(f"/admin/returns/{rid}/receive", user=admin).error() == (409, "ConflictError")
    assert api.post(f"/admin/returns/{rid}/refund", user=admin).error() == (409, "ConflictError")
    assert api.post(f"/admin/returns/{rid}/approve", user=admin).json["status"] == "APPROVED"
    assert api.post(f"/admin/returns/{rid}/approve", user=admin).error() == (409, "ConflictError")
    rejected = api.post(f"/admin/returns/{rid}/reject", {"note": "late"}, user=admin)
    assert rejected.error() == (409, "ConflictError")
    assert api.post("/admin/returns/ret_nope/approve", user=admin).status == 404


def test_the_shoppers_list_is_newest_first_with_a_cursor(api, shopper, product_factory, delivered):
    mug = product_factory(stock=9)
    order = delivered((mug, 3))
    ids = [ask(api, shopper, order, (mug["productId"], 1)).json["returnId"] for _ in range(3)]

    first = api.get("/returns?limit=2", user=shopper).json
    second = api.get(f"/returns?limit=2&cursor={first['nextCursor']}", user=shopper).json

    assert [r["returnId"] for r in first["items"] + second["items"]] == ids[::-1]
    assert second["nextCursor"] is None


def test_a_received_return_restocks_once_and_refunds_once_into_the_order(
    api, admin, shopper, product_factory, delivered
):
    mug = product_factory(priceCents=1000, stock=5)
    order = delivered((mug, 2))
    rid = ask(api, shopper, order, (mug["productId"], 2)).json["returnId"]
    api.post(f"/admin/returns/{rid}/approve", user=admin)
    api.post(f"/admin/returns/{rid}/receive", user=admin)

    for _ in range(2):  # each step delivered twice, as SQS may
        step("restock", rid)
        step("restock", rid)
        step("refund", rid)
        step("refund", rid)

    ret = api.get(f"/returns/{rid}", user=shopper).json
    assert ret["status"] == "REFUNDED"
    assert api.get(f"/products/{mug['productId']}").json["stock"] == 5
    refunds = [e for e in LedgerEntry.query(order["orderId"]) if e.entry.startswith("refund#")]
    assert [int(e.detail.as_dict()["amountCents"]) for e in refunds] == [2000]
    assert api.get(f"/orders/{order['orderId']}", user=shopper).json["refundedCents"] == 2000


def test_an_approval_timeout_rejects_and_gives_the_units_back_unless_the_admin_won(
    api, admin, shopper, product_factory, delivered
):
    mug = product_factory(stock=5)
    order = delivered((mug, 2))
    timed_out = ask(api, shopper, order, (mug["productId"], 1)).json["returnId"]
    decided = ask(api, shopper, order, (mug["productId"], 1)).json["returnId"]
    api.post(f"/admin/returns/{decided}/approve", user=admin)

    step("approvalTimeout", timed_out)
    step("approvalTimeout", decided)  # the admin's write came first: the timeout changes nothing

    assert api.get(f"/returns/{timed_out}", user=shopper).json["status"] == "REJECTED"
    assert api.get(f"/returns/{decided}", user=shopper).json["status"] == "APPROVED"
    assert Order.get(order["orderId"]).return_claims.as_dict() == {mug["productId"]: 1}


def test_a_parcel_timeout_expires_an_approved_return(
    api, admin, shopper, product_factory, delivered
):
    mug = product_factory(stock=5)
    order = delivered((mug, 1))
    rid = ask(api, shopper, order, (mug["productId"], 1)).json["returnId"]
    api.post(f"/admin/returns/{rid}/approve", user=admin)

    step("parcelTimeout", rid)

    assert api.get(f"/returns/{rid}", user=shopper).json["status"] == "EXPIRED"
    assert ask(api, shopper, order, (mug["productId"], 1)).status == 201


def test_the_admin_hands_the_stored_token_back_and_a_late_token_resumes_at_once(
    api, admin, shopper, product_factory, delivered, monkeypatch
):
    from chalicelib.adapters import workflow

    resumed: list[str] = []

    def resume(token: str) -> bool:
        resumed.append(token)
        return True

    monkeypatch.setattr(workflow, "resume", resume)
    mug = product_factory(stock=5)
    order = delivered((mug, 2))
    early = ask(api, shopper, order, (mug["productId"], 1)).json["returnId"]
    late = ask(api, shopper, order, (mug["productId"], 1)).json["returnId"]

    step("decision", early, token="early-token")  # the workflow waits before the admin acts
    api.post(f"/admin/returns/{early}/approve", user=admin)
    api.post(f"/admin/returns/{late}/approve", user=admin)  # the admin acts before it waits
    step("decision", late, token="late-token")

    assert resumed == ["early-token", "late-token"]
    assert Return.get(early).wait_token is None


def test_a_refund_refused_for_good_fails_and_an_admin_retry_refunds_with_a_new_key(
    api, admin, shopper, product_factory, delivered
):
    mug = product_factory(priceCents=500, stock=5)
    order = delivered((mug, 1), token="tok_refund_refused")
    rid = ask(api, shopper, order, (mug["productId"], 1)).json["returnId"]
    api.post(f"/admin/returns/{rid}/approve", user=admin)
    api.post(f"/admin/returns/{rid}/receive", user=admin)

    step("restock", rid)
    step("refund", rid)
    step("refundFailed", rid)
    failed = api.get(f"/returns/{rid}", user=admin).json
    retried = api.post(f"/admin/returns/{rid}/refund", user=admin)
    step("restock", rid)
    step("refund", rid)

    assert failed["status"] == "REFUND_FAILED"
    assert "cannot take refunds" in failed["refundFailure"]
    assert retried.json["status"] == "RECEIVED"
    assert api.get(f"/returns/{rid}", user=shopper).json["status"] == "REFUNDED"
    assert api.get(f"/products/{mug['productId']}").json["stock"] == 5  # restocked once
    refunds = [
        e.entry for e in LedgerEntry.query(order["orderId"]) if e.entry.startswith("refund#")
    ]
    assert refunds == [f"refund#{rid}:refund:1"]


def test_an_idempotency_key_replays_the_first_return_and_refuses_another_body(
    api, shopper, product_factory, delivered
):
    mug = product_factory(stock=5)
    order = delivered((mug, 2))
    path = f"/orders/{order['orderId']}/returns"
    body = {"items": [{"variantId": mug["productId"], "quantity": 1}], "reason": "Too small"}
    key = {"Idempotency-Key": "return-once"}

    first = api.post(path, body, user=shopper, headers=key)
    again = api.post(path, body, user=shopper, headers=key)
    other = api.post(path, {**body, "reason": "Too big"}, user=shopper, headers=key)

    assert first.status == again.status == 201
    assert again.json == first.json
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert other.error() == (422, "UnprocessableEntityError")
    assert Order.get(order["orderId"]).return_claims.as_dict() == {mug["productId"]: 1}


def test_a_refused_return_leaves_the_key_free_for_a_corrected_retry(
    api, shopper, product_factory, delivered
):
    mug = product_factory(stock=5)
    order = delivered((mug, 1))
    path = f"/orders/{order['orderId']}/returns"
    key = {"Idempotency-Key": "return-fix"}
    body = {"items": [{"variantId": mug["productId"], "quantity": 1}], "reason": "Broken"}
    Order(order["orderId"]).update(actions=[Order.return_claims.set({mug["productId"]: 1})])

    refused = api.post(path, body, user=shopper, headers=key)
    Order(order["orderId"]).update(actions=[Order.return_claims.set({mug["productId"]: 0})])
    retried = api.post(path, body, user=shopper, headers=key)

    assert refused.error() == (409, "ConflictError")
    assert refused.json["reason"] == "nothing_left_to_return"
    assert retried.status == 201
