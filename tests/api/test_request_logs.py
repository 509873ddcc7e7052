"""Request logs say what happened without carrying secrets or personal data."""

from __future__ import annotations

import json
import uuid

ADDRESS = {"line1": "221B Baker Street", "city": "London", "postalCode": "NW16XE", "country": "GB"}


def test_request_logs_carry_no_token_password_or_address(api, shopper, product_factory, capsys):
    mug = product_factory()
    password = "Sup3r-Secret-Pw"
    email = f"log-{uuid.uuid4().hex[:8]}@example.com"
    assert (
        api.post("/auth/register", {"email": email, "password": password, "name": "L"}).status
        == 201
    )
    assert api.post("/auth/login", {"email": email, "password": password}).status == 200
    api.patch("/me", {"address": ADDRESS}, user=shopper)
    order = {
        "items": [{"productId": mug["productId"], "quantity": 1}],
        "shippingAddress": ADDRESS,
        "paymentToken": "tok_visa",
    }
    api.post("/orders", order, user=shopper)

    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("logger") == "shop.http"]

    assert {(r["method"], r["route"], r["status"]) for r in requests} >= {
        ("POST", "/auth/login", 200),
        ("PATCH", "/me", 200),
        ("POST", "/orders", 201),
    }
    assert any(r["userId"] == shopper.user_id for r in requests)
    for secret in (password, shopper.id_token, "Baker Street", "NW16XE"):
        assert secret not in out
