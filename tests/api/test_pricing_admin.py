"""Admins manage promotion codes, shipping zones and tax rates (API.md: Promotions, Shipping)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.services import shop_config

PERCENT = {"code": "spring-10", "kind": "percent", "percentOff": 10}
UK: dict[str, Any] = {
    "name": "United Kingdom",
    "countries": ["GB"],
    "methods": [
        {"methodId": "standard", "name": "Standard", "rateCents": 0, "currency": "USD"},
        {"methodId": "express", "name": "Express", "rateCents": 1500, "currency": "USD"},
    ],
}


@pytest.fixture(autouse=True)
def fresh_config():
    shop_config.forget()
    yield
    shop_config.forget()


def test_a_promotion_is_created_read_listed_and_retired_never_deleted(api, admin):
    created = api.post("/admin/promotions", PERCENT, user=admin)
    assert created.status == 201
    body = created.json
    assert body["code"] == "SPRING-10"
    assert (body["kind"], body["percentOff"], body["redemptions"], body["active"]) == (
        "percent",
        10,
        0,
        True,
    )
    assert body["oncePerCustomer"] is False
    assert body["createdAt"]

    assert api.get("/admin/promotions/spring-10", user=admin).json == body
    listed = api.get("/admin/promotions", user=admin).json
    assert [p["code"] for p in listed["items"]] == ["SPRING-10"]
    assert listed["nextCursor"] is None

    retired = api.patch("/admin/promotions/Spring-10", {"active": False}, user=admin)
    assert retired.status == 200
    assert retired.json["active"] is False
    assert api.delete("/admin/promotions/SPRING-10", user=admin).status in (403, 405)
    assert api.get("/admin/promotions/SPRING-10", user=admin).json["active"] is False


def test_codes_are_unique_whatever_their_case(api, admin):
    assert api.post("/admin/promotions", PERCENT, user=admin).status == 201
    again = api.post("/admin/promotions", {**PERCENT, "code": "SPRING-10"}, user=admin)
    assert again.error() == (409, "ConflictError")


def test_a_promotion_patch_changes_only_active_ends_at_and_max_redemptions(api, admin):
    api.post("/admin/promotions", PERCENT, user=admin)
    changed = api.patch(
        "/admin/promotions/SPRING-10",
        {"endsAt": "2031-01-01T00:00:00Z", "maxRedemptions": 5},
        user=admin,
    ).json
    assert (changed["endsAt"], changed["maxRedemptions"]) == ("2031-01-01T00:00:00Z", 5)
    cleared = api.patch("/admin/promotions/SPRING-10", {"maxRedemptions": None}, user=admin).json
    assert "maxRedemptions" not in cleared
    for body in ({"percentOff": 20}, {"redemptions": 0}, {}, {"code": "X"}):
        assert api.patch("/admin/promotions/SPRING-10", body, user=admin).status == 400
    assert api.patch("/admin/promotions/NOPE-1", {"active": False}, user=admin).status == 404


@pytest.mark.parametrize(
    "body",
    [
        {"code": "ab", "kind": "percent", "percentOff": 10},
        {"code": "bad code", "kind": "percent", "percentOff": 10},
        {"code": "PCT-0", "kind": "percent", "percentOff": 0},
        {"code": "PCT-101", "kind": "percent", "percentOff": 101},
        {"code": "PCT-AMT", "kind": "percent", "percentOff": 10, "amountOffCents": 100,
         "currency": "USD"},
        {"code": "FIX-NOCUR", "kind": "fixed", "amountOffCents": 500},
        {"code": "FIX-NOAMT", "kind": "fixed", "currency": "USD"},
        {"code": "MIN-NOCUR", "kind": "percent", "percentOff": 5, "minSubtotalCents": 100},
        {"code": "FIX-FLOAT", "kind": "fixed", "amountOffCents": 5.5, "currency": "USD"},
        {"code": "DATES", "kind": "percent", "percentOff": 5, "startsAt": "2030-01-02T00:00:00Z",
         "endsAt": "2030-01-01T00:00:00Z"},
        {"code": "NO-TZ", "kind": "percent", "percentOff": 5, "endsAt": "2030-01-01T00:00:00"},
        {"code": "READ-ONLY", "kind": "percent", "percentOff": 5, "redemptions": 3},
        {"code": "OTHER", "kind": "bogo"},
    ],
)  # fmt: skip
def test_a_malformed_promotion_is_a_400_and_nothing_is_written(api, admin, body):
    assert api.post("/admin/promotions", body, user=admin).error() == (400, "BadRequestError")
    assert api.get("/admin/promotions", user=admin).json["items"] == []


def test_only_admins_manage_pricing(api, shopper):
    assert api.post("/admin/promotions", PERCENT, user=shopper).status == 403
    assert api.get("/admin/promotions", user=shopper).status == 403
    assert api.put("/admin/shipping/zones/uk", UK, user=shopper).status == 403
    assert api.put("/admin/tax/rates/GB", {"rateBasisPoints": 2000, "inclusive": True},
                   user=shopper).status == 403  # fmt: skip
    assert api.get("/admin/tax/rates").status == 401


def test_zones_are_put_listed_replaced_and_deleted(api, admin):
    answer = api.put("/admin/shipping/zones/uk", UK, user=admin)
    assert answer.status == 200
    assert (answer.json["zoneId"], answer.json["countries"]) == ("uk", ["GB"])
    assert api.get("/admin/shipping/zones", user=admin).json["items"] == [answer.json]

    replaced = api.put("/admin/shipping/zones/uk", {**UK, "countries": ["GB", "IE"]}, user=admin)
    assert replaced.json["countries"] == ["GB", "IE"]
    assert len(api.get("/admin/shipping/zones", user=admin).json["items"]) == 1

    assert api.delete("/admin/shipping/zones/uk", user=admin).status == 204
    assert api.get("/admin/shipping/zones", user=admin).json["items"] == []
    assert api.delete("/admin/shipping/zones/uk", user=admin).status == 404


def test_a_country_in_two_zones_and_a_second_star_zone_are_409s(api, admin):
    api.put("/admin/shipping/zones/uk", UK, user=admin)
    twice = api.put("/admin/shipping/zones/europe", {**UK, "countries": ["FR", "GB"]}, user=admin)
    assert twice.error() == (409, "ConflictError")
    assert "GB" in twice.json["Message"]
    world = {**UK, "countries": ["*"]}
    assert api.put("/admin/shipping/zones/world", world, user=admin).status == 200
    again = api.put("/admin/shipping/zones/world2", world, user=admin)
    assert again.error() == (409, "ConflictError")
    zones = api.get("/admin/shipping/zones", user=admin).json["items"]
    assert sorted(zone["zoneId"] for zone in zones) == ["uk", "world"]


def test_a_shop_has_at_most_50_zones(api, admin):
    for i in range(50):
        country = chr(65 + i // 26) + chr(65 + i % 26)
        zone = {**UK, "countries": [country]}
        assert api.put(f"/admin/shipping/zones/z{i}", zone, user=admin).status == 200
    one_more = api.put("/admin/shipping/zones/z50", {**UK, "countries": ["ZZ"]}, user=admin)
    assert one_more.status == 400


@pytest.mark.parametrize(
    "body",
    [
        {**UK, "countries": []},
        {**UK, "countries": ["gb"]},
        {**UK, "countries": ["*", "GB"]},
        {**UK, "methods": []},
        {**UK, "methods": [{**UK["methods"][0], "rateCents": -1}]},
        {**UK, "methods": [{**UK["methods"][0], "currency": "usd"}]},
        {**UK, "methods": [UK["methods"][0], UK["methods"][0]]},
        {"countries": ["GB"], "methods": UK["methods"]},
    ],
)
def test_a_malformed_zone_is_a_400_and_nothing_is_written(api, admin, body):
    assert api.put("/admin/shipping/zones/uk", body, user=admin).error() == (
        400,
        "BadRequestError",
    )
    assert api.get("/admin/shipping/zones", user=admin).json["items"] == []


def test_tax_rates_are_put_listed_and_deleted(api, admin):
    gb = api.put("/admin/tax/rates/GB", {"rateBasisPoints": 2000, "inclusive": True}, user=admin)
    assert gb.json == {"country": "GB", "rateBasisPoints": 2000, "inclusive": True}
    api.put("/admin/tax/rates/CA", {"rateBasisPoints": 500, "inclusive": False}, user=admin)
    listed = api.get("/admin/tax/rates", user=admin).json["items"]
    assert [rate["country"] for rate in listed] == ["CA", "GB"]
    assert api.delete("/admin/tax/rates/CA", user=admin).status == 204
    assert api.delete("/admin/tax/rates/CA", user=admin).status == 404
    for bad in ({"rateBasisPoints": 10001, "inclusive": True}, {"rateBasisPoints": 5},
                {"rateBasisPoints": 20.5, "inclusive": False}):  # fmt: skip
        assert api.put("/admin/tax/rates/FR", bad, user=admin).status == 400
    assert api.put("/admin/tax/rates/fr", {"rateBasisPoints": 5, "inclusive": True},
                   user=admin).status == 400  # fmt: skip
    assert [r["country"] for r in api.get("/admin/tax/rates", user=admin).json["items"]] == ["GB"]


def test_every_pricing_answer_fits_its_documented_schema(api, admin):
    from tests.api.test_openapi import Calls

    call = Calls(api, admin)
    fixed = {
        **{"code": "TENOFF", "kind": "fixed", "amountOffCents": 1000, "currency": "USD"},
        **{"minSubtotalCents": 5000, "startsAt": "2026-01-01T00:00:00Z", "maxRedemptions": 3},
    }
    call("POST", "/admin/promotions", "/admin/promotions", json_body=fixed, status=201)
    call("POST", "/admin/promotions", "/admin/promotions", json_body=fixed, status=409)
    call("GET", "/admin/promotions?limit=1", "/admin/promotions", status=200)
    one = "/admin/promotions/{code}"
    call("GET", "/admin/promotions/tenoff", one, status=200)
    call("GET", "/admin/promotions/NOPE-X", one, status=404)
    call("PATCH", "/admin/promotions/TENOFF", one, json_body={"endsAt": None}, status=200)
    zone, rate = "/admin/shipping/zones/{zoneId}", "/admin/tax/rates/{country}"
    call("PUT", "/admin/shipping/zones/uk", zone, json_body=UK, status=200)
    call("PUT", "/admin/shipping/zones/uk2", zone, json_body=UK, status=409)
    call("GET", "/admin/shipping/zones", "/admin/shipping/zones", status=200)
    call("DELETE", "/admin/shipping/zones/uk", zone, status=204)
    call("PUT", "/admin/tax/rates/GB", rate,
         json_body={"rateBasisPoints": 2000, "inclusive": True}, status=200)  # fmt: skip
    call("GET", "/admin/tax/rates", "/admin/tax/rates", status=200)
    call("DELETE", "/admin/tax/rates/GB", rate, status=204)
