"""One order's correlation id follows it through every log line of the pipeline (issue 15)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.client import Api
from tests.support.cognito import User
from tests.support.data import ADDRESS


def _lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def _metric_names(line: dict[str, Any]) -> set[str]:
    directives = line.get("_aws", {}).get("CloudWatchMetrics", [])
    return {metric["Name"] for directive in directives for metric in directive["Metrics"]}


def test_one_orders_correlation_id_is_on_every_line_from_checkout_to_the_last_mail(
    api: Api,
    shopper: User,
    product_factory: Any,
    pipeline: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mug = product_factory()
    capsys.readouterr()
    order = {
        "items": [{"productId": mug["productId"], "quantity": 1}],
        "shippingAddress": ADDRESS,
        "paymentToken": "tok_visa",
    }
    placed = api.post("/orders", order, user=shopper, headers={"X-Correlation-Id": "chk-7f3a"})
    assert placed.status == 201
    assert placed.headers["X-Correlation-Id"] == "chk-7f3a"
    order_id = placed.json["orderId"]
    pipeline.run()
    assert pipeline.failures == []

    lines = _lines(capsys.readouterr().out)
    about_the_order = [line for line in lines if line.get("orderId") == order_id]
    assert about_the_order, "nothing was logged about the order"
    assert {line.get("correlationId") for line in about_the_order} == {"chk-7f3a"}
    (request,) = [line for line in lines if line.get("route") == "/orders"]
    assert request["correlationId"] == "chk-7f3a"
    handlers = {line["handler"] for line in about_the_order if line.get("message") == "handled"}
    assert handlers == {"payments", "fulfillment", "notifications", "reports"}
    published = {line["type"] for line in about_the_order if line.get("message") == "published"}
    assert {"OrderPlaced", "OrderConfirmed", "OrderFulfilled", "PaymentCaptured"} <= published
    placed_metric = [line for line in lines if "OrdersPlaced" in _metric_names(line)]
    assert [line["correlationId"] for line in placed_metric] == ["chk-7f3a"]


def test_a_request_without_a_sane_correlation_id_gets_one_of_its_own(api: Api) -> None:
    plain = api.get("/health")
    assert plain.headers["X-Correlation-Id"]
    odd = api.get("/health", headers={"X-Correlation-Id": "has spaces and\nnewlines"})
    assert odd.status == 200
    assert odd.headers["X-Correlation-Id"] not in ("has spaces and\nnewlines", "")
    assert odd.headers["X-Correlation-Id"] != plain.headers["X-Correlation-Id"]
