"""A local HTTP stand-in for the part of Stripe's API the shop uses: no network reaches Stripe here.

It answers the shapes of Stripe's API reference for PaymentIntents (create, retrieve, confirm) and
Refunds (create): form-encoded requests, JSON objects with `object`, `id`, `status`, and Stripe's
error envelope with the HTTP status that makes the `stripe` library raise the matching exception
(402 card_error, 400 invalid_request_error or idempotency_error, 500 api_error). Idempotency keys
behave as Stripe documents them: the same key with the same parameters replays the first answer,
errors included, and with other parameters is an idempotency_error.

Test payment methods, as in Stripe's test mode, plus the shop's own contract tokens:
- tok_visa, pm_card_visa: the payment succeeds;
- tok_chargeDeclined, pm_card_chargeDeclined, tok_decline: declined (card_declined);
- tok_error: Stripe fails with a 500 (transient); tok_pending: the intent stays `processing`;
- anything else: no such token (400).
What was and was not tried against Stripe itself: docs/payments.md.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

APPROVE = {"tok_visa", "pm_card_visa"}
DECLINE = {"tok_chargeDeclined", "pm_card_chargeDeclined", "tok_decline"}
Json = dict[str, Any]


def form_to_nested(body: str) -> Json:
    """Stripe's form encoding (`metadata[orderId]=x`, `types[0]=card`) as nested values."""
    nested: Json = {}
    for raw_key, value in parse_qsl(body, keep_blank_values=True):
        parts = raw_key.replace("]", "").split("[")
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return nested


@dataclass
class Answer:
    """An HTTP answer: status and JSON body."""

    status: int
    body: Json


@dataclass
class StripeStandIn:
    """The stand-in's state: intents, refunds, and the answers kept per idempotency key."""

    intents: dict[str, Json] = field(default_factory=dict)
    refunds: dict[str, Json] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    _keys: dict[str, tuple[str, Answer]] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, method: str, path: str, params: Json, key: str | None) -> Answer:
        """Answer one request, replaying the first answer of an idempotency key seen before."""
        with self._lock:
            self.requests.append((method, path))
            fingerprint = json.dumps([method, path, params], sort_keys=True)
            if key is not None and key in self._keys:
                seen, answer = self._keys[key]
                if seen != fingerprint:
                    return _error(
                        400,
                        "idempotency_error",
                        None,
                        "Keys for idempotent requests "
                        "can only be used with the same parameters they were first used with.",
                    )
                return answer
            answer = self._route(method, path.rstrip("/").split("/")[2:], params)
            if key is not None and method == "POST":
                self._keys[key] = (fingerprint, answer)
            return answer

    def _route(self, method: str, parts: list[str], params: Json) -> Answer:
        match method, parts:
            case "POST", ["payment_intents"]:
                return self._create(params)
            case "GET", ["payment_intents", intent_id]:
                return self._existing(intent_id) or Answer(200, self.intents[intent_id])
            case "POST", ["payment_intents", intent_id, "confirm"]:
                return self._existing(intent_id) or self._confirm(self.intents[intent_id], params)
            case "POST", ["refunds"]:
                return self._refund(params)
        return _error(404, "invalid_request_error", "resource_missing", "Unrecognized request URL")

    def _existing(self, intent_id: str) -> Answer | None:
        if intent_id in self.intents:
            return None
        return _error(
            404,
            "invalid_request_error",
            "resource_missing",
            f"No such payment_intent: '{intent_id}'",
        )

    def _create(self, params: Json) -> Answer:
        intent_id = f"pi_standin{next(self._ids):06d}"
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(params["amount"]),
            "amount_received": 0,
            "currency": params["currency"],
            "status": "requires_payment_method",
            "created": int(time.time()),
            "metadata": params.get("metadata", {}),
            "livemode": False,
            "last_payment_error": None,
            "payment_method": None,
            "client_secret": f"{intent_id}_secret_standin",
        }
        self.intents[intent_id] = intent
        return Answer(200, intent)

    def _confirm(self, intent: Json, params: Json) -> Answer:
        token = params.get("payment_method") or params.get("payment_method_data", {}).get(
            "card", {}
        ).get("token", "")
        if intent["status"] == "succeeded":
            return _error(
                400,
                "invalid_request_error",
                "payment_intent_unexpected_state",
                "This PaymentIntent has already succeeded.",
            )
        if token == "tok_error":
            return _error(500, "api_error", None, "An unknown error occurred")
        if token in APPROVE:
            intent.update(
                status="succeeded", amount_received=intent["amount"], payment_method=token
            )
            return Answer(200, intent)
        if token == "tok_pending":
            intent.update(status="processing", payment_method=token)
            return Answer(200, intent)
        if token in DECLINE:
            error = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "generic_decline",
                "message": "Your card was declined.",
            }
            intent.update(status="requires_payment_method", last_payment_error=error)
            return _error(
                402,
                "card_error",
                "card_declined",
                "Your card was declined.",
                payment_intent=intent,
                decline_code="generic_decline",
            )
        return _error(400, "invalid_request_error", "resource_missing", f"No such token: '{token}'")

    def _refund(self, params: Json) -> Answer:
        intent = self.intents.get(params.get("payment_intent", ""))
        if intent is None or intent["status"] != "succeeded":
            return _error(
                400,
                "invalid_request_error",
                "charge_not_refundable" if intent else "resource_missing",
                "This PaymentIntent has no successful charge to refund.",
            )
        already = sum(
            r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"]
        )
        amount = int(params.get("amount", intent["amount_received"] - already))
        if already + amount > intent["amount_received"]:
            return _error(
                400,
                "invalid_request_error",
                "charge_already_refunded",
                "Refund amount is greater than unrefunded amount on charge",
            )
        refund_id = f"re_standin{next(self._ids):06d}"
        refund = {
            "id": refund_id,
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "status": "succeeded",
            "created": int(time.time()),
        }
        self.refunds[refund_id] = refund
        return Answer(200, refund)


def _error(status: int, kind: str, code: str | None, message: str, **more: Any) -> Answer:
    error: Json = {"type": kind, "message": message, **more}
    if code is not None:
        error["code"] = code
    return Answer(status, {"error": error})


def serve(stand_in: StripeStandIn | None = None) -> tuple[str, StripeStandIn, ThreadingHTTPServer]:
    """Serve a stand-in on a free localhost port: its base URL, its state and the server."""
    state = stand_in or StripeStandIn()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            path, _, query = self.path.partition("?")
            params = form_to_nested(body or query)
            answer = state.handle(method, path, params, self.headers.get("Idempotency-Key"))
            payload = json.dumps(answer.body).encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Request-Id", f"req_standin{len(state.requests)}")
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def log_message(self, *args: Any) -> None:
            """Quiet: tests read the state, not the log."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", state, server
