"""Sales reports (issue 19): every capture and refund counted once, on its UTC date.

Orders are placed, paid, cancelled and refunded across two dates through the real pipeline; the
reports queue's messages are then delivered duplicated and out of order, and the report must equal
the figures computed from the orders themselves.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime

import boto3
import pytest

from chalicelib import clock
from harness.aws_calls import count_aws_calls
from tests.api.test_saga import invoke
from tests.support.data import ADDRESS

DAY_ONE, DAY_TWO = "2026-03-01", "2026-03-02"
RANGE = f"/admin/reports/sales?from={DAY_ONE}&to={DAY_TWO}"


@pytest.fixture
def on_day(monkeypatch):
    """Set the shop's clock to a time of a given UTC date."""

    def move_to(day, hour=12):
        moment = datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=UTC)
        monkeypatch.setattr(clock, "now", lambda: moment)

    return move_to


def place(api, user, lines, token="tok_visa"):
    body = {
        "items": [{"productId": p["productId"], "quantity": q} for p, q in lines],
        "shippingAddress": ADDRESS,
        "paymentToken": token,
    }
    answer = api.post("/orders", body, user=user)
    assert answer.status == 201, answer.json
    return answer.json


def held_messages(pipeline, expected):
    """Every message waiting in the reports queue (at least `expected` of them)."""
    sqs, url = boto3.client("sqs"), pipeline.queue_urls["reports"]
    found = {}
    for _ in range(50):
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            found[message["MessageId"]] = message
        if len(found) >= expected:
            break
    return list(found.values())


def deliver(pipeline, messages, batch=3):
    for start in range(0, len(messages), batch):
        assert invoke(pipeline, "count_sales", "reports", messages[start : start + batch])


def expected_report(api, admin, orders):
    """The figures of DAY_ONE and DAY_TWO, computed from the orders' own history and lines."""
    days: dict[str, Counter[str]] = {day: Counter() for day in (DAY_ONE, DAY_TWO)}
    products: dict[str, Counter[str]] = {}
    for placed in orders:
        order = api.get(f"/orders/{placed['orderId']}", user=admin).json
        statuses = {entry["status"]: entry["at"][:10] for entry in order["history"]}
        if "CONFIRMED" not in statuses:
            continue  # never captured
        captured = days[statuses["CONFIRMED"]]
        captured["orders"] += 1
        captured["units"] += sum(line["quantity"] for line in order["items"])
        captured["revenueCents"] += order["totalCents"]
        for line in order["items"]:
            product = products.setdefault(line["productId"], Counter(name=line["name"]))
            product["units"] += line["quantity"]
            product["revenueCents"] += line["lineTotalCents"]
        if "CANCELLED" in statuses:
            days[statuses["CANCELLED"]]["refundsCents"] += order["totalCents"]
    return days, products


def test_the_report_equals_the_orders_however_the_events_are_delivered(
    api, admin, shopper, product_factory, pipeline, on_day
):
    mug = product_factory(name="Mug", priceCents=1250, stock=50)
    lamp = product_factory(name="Lamp", priceCents=4000, stock=50)
    on_day(DAY_ONE, hour=23)
    paid = place(api, shopper, [(mug, 2), (lamp, 1)])
    refunded = place(api, shopper, [(lamp, 2)])
    declined = place(api, shopper, [(mug, 1)], token="tok_decline")
    pipeline.run(hold=("reports", "fulfillment"))  # captured on day one, not shipped
    on_day(DAY_TWO, hour=0)
    assert api.post(f"/orders/{refunded['orderId']}/cancel", user=shopper).status == 200
    later = place(api, shopper, [(mug, 3)])
    pipeline.run(hold=("reports",))
    # 3 captures, a refund, and the refunded order's capture announced again before its refund
    messages = held_messages(pipeline, expected=5)

    shuffled = random.Random(19).sample(messages, len(messages))
    deliver(pipeline, shuffled)
    deliver(pipeline, shuffled[::-1] + shuffled[:2])

    days, products = expected_report(api, admin, [paid, refunded, declined, later])
    report = api.get(RANGE, user=admin).json
    assert len(messages) == 5
    assert [{k: v for k, v in day.items() if k != "date"} for day in report["days"]] == [
        {key: days[day][key] for key in ("orders", "units", "revenueCents", "refundsCents")}
        for day in (DAY_ONE, DAY_TWO)
    ]
    assert [day["date"] for day in report["days"]] == [DAY_ONE, DAY_TWO]
    assert report["totals"] == {
        "orders": 3,
        "units": 8,
        "revenueCents": 2 * 1250 + 4000 + 2 * 4000 + 3 * 1250,
        "refundsCents": 2 * 4000,
        "netCents": 2 * 1250 + 4000 + 3 * 1250,
    }
    assert {p["productId"]: p for p in report["topProducts"]} == {
        pid: {"productId": pid, **figures} for pid, figures in products.items()
    }
    assert [p["name"] for p in report["topProducts"]] == ["Lamp", "Mug"]


def test_replaying_the_whole_queue_twice_changes_no_figure(
    api, admin, shopper, product_factory, pipeline, on_day
):
    mug = product_factory(name="Mug", priceCents=1250, stock=50)
    on_day(DAY_ONE)
    orders = [place(api, shopper, [(mug, n)]) for n in (1, 2, 3)]
    pipeline.run(hold=("reports", "fulfillment"))
    api.post(f"/orders/{orders[0]['orderId']}/cancel", user=shopper)
    pipeline.run(hold=("reports",))
    messages = held_messages(pipeline, expected=5)
    deliver(pipeline, messages)
    first = api.get(RANGE, user=admin).json

    deliver(pipeline, messages)
    deliver(pipeline, messages[::-1])

    assert api.get(RANGE, user=admin).json == first
    assert first["totals"]["orders"] == 3
    assert first["totals"]["refundsCents"] == 1250


def test_a_refund_counts_by_its_event_id_whatever_caused_it(api, admin, pipeline):
    refunds = [
        {"eventId": "ord_1:refund", "amountCents": 500},
        {"eventId": "ret_9:refund", "amountCents": 300, "returnId": "ret_9"},
        {"eventId": "ret_9:refund", "amountCents": 300, "returnId": "ret_9"},
    ]
    messages = [
        {
            "MessageId": f"m-{n}",
            "ReceiptHandle": f"r-{n}",
            "Body": json.dumps(
                {
                    "type": "PaymentRefunded",
                    "orderId": "ord_1",
                    "userId": "u-1",
                    "occurredAt": f"{DAY_TWO}T08:00:00Z",
                    "currency": "USD",
                    **refund,
                }
            ),
        }
        for n, refund in enumerate(refunds)
    ]

    deliver(pipeline, messages)

    report = api.get(RANGE, user=admin).json
    assert report["days"][1]["refundsCents"] == 800
    assert report["totals"]["netCents"] == -800


def test_every_date_appears_and_currencies_stay_apart(api, admin, pipeline):
    capture = {
        "type": "PaymentCaptured",
        "eventId": "ord_e:capture",
        "orderId": "ord_e",
        "userId": "u-1",
        "occurredAt": "2026-03-03T10:00:00Z",
        "amountCents": 900,
        "currency": "EUR",
        "items": [{"productId": "p1", "name": "Cup", "quantity": 3, "lineTotalCents": 900}],
    }
    message = {"MessageId": "m-1", "ReceiptHandle": "r-1", "Body": json.dumps(capture)}
    deliver(pipeline, [message])

    euros = api.get("/admin/reports/sales?from=2026-03-01&to=2026-03-05&currency=EUR", user=admin)
    dollars = api.get("/admin/reports/sales?from=2026-03-01&to=2026-03-05", user=admin)

    assert [d["date"] for d in euros.json["days"]] == [f"2026-03-0{n}" for n in range(1, 6)]
    assert [d["revenueCents"] for d in euros.json["days"]] == [0, 0, 900, 0, 0]
    assert euros.json["topProducts"] == [
        {"productId": "p1", "name": "Cup", "units": 3, "revenueCents": 900}
    ]
    assert dollars.json["currency"] == "USD"
    assert dollars.json["totals"]["revenueCents"] == 0


def test_a_report_is_two_queries_whatever_the_range(api, admin, pipeline):
    with count_aws_calls() as year:
        answer = api.get("/admin/reports/sales?from=2025-03-03&to=2026-03-03", user=admin)
    with count_aws_calls() as default:
        api.get("/admin/reports/sales", user=admin)

    assert len(answer.json["days"]) == 366
    assert year.service("dynamodb") == {"Query": 2}
    assert default.service("dynamodb") == {"Query": 2}


def test_the_default_range_is_the_30_days_ending_today(api, admin, on_day):
    on_day("2026-03-30")

    report = api.get("/admin/reports/sales", user=admin).json

    assert (report["from"], report["to"], len(report["days"])) == ("2026-03-01", "2026-03-30", 30)


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-03-02&to=2026-03-01",
        "from=2026-02-30",
        "from=03/01/2026",
        "from=2025-01-01&to=2026-01-02",
        "currency=usd",
    ],
)
def test_a_bad_range_or_currency_is_a_400(api, admin, query):
    answer = api.get(f"/admin/reports/sales?{query}", user=admin)

    assert answer.error() == (400, "BadRequestError")


def test_only_admins_see_the_report(api, shopper):
    assert api.get("/admin/reports/sales").status == 401
    assert api.get("/admin/reports/sales", user=shopper).status == 403


def test_a_malformed_money_event_goes_back_to_the_queue(pipeline):
    bad = {"type": "PaymentCaptured", "eventId": "x", "orderId": "o", "userId": "u"}
    message = {"MessageId": "m-1", "ReceiptHandle": "r-1", "Body": json.dumps(bad)}

    assert not invoke(pipeline, "count_sales", "reports", [message])
