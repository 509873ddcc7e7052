"""Sign-up, login and token checks: local verification refuses what API Gateway would refuse."""

from __future__ import annotations

import pytest

from tests.support.cognito import PASSWORD
from tests.tokens import BAD_AUTHORIZATIONS, bad_authorizations, resign


def test_a_new_user_registers_logs_in_and_reads_their_profile(api):
    registered = api.post(
        "/auth/register", {"email": "New@Example.com", "password": PASSWORD, "name": "Nina"}
    )
    assert registered.status == 201
    assert registered.json["email"] == "new@example.com"
    assert registered.json["confirmed"] is True

    tokens = api.post("/auth/login", {"email": "new@example.com", "password": PASSWORD}).json
    assert set(tokens) == {"idToken", "accessToken", "refreshToken", "expiresIn"}

    me = api.get("/me", headers={"Authorization": f"Bearer {tokens['idToken']}"})
    assert me.status == 200
    assert me.json["userId"] == registered.json["userId"]
    assert (me.json["email"], me.json["name"], me.json["isAdmin"]) == (
        "new@example.com",
        "Nina",
        False,
    )


def test_a_taken_email_is_a_409(api, shopper):
    answer = api.post(
        "/auth/register", {"email": shopper.email, "password": PASSWORD, "name": "Again"}
    )
    assert answer.error() == (409, "ConflictError")


def test_a_weak_password_is_a_400(api):
    answer = api.post(
        "/auth/register", {"email": "w@example.com", "password": "short", "name": "W"}
    )
    assert answer.error() == (400, "BadRequestError")
    assert "password" in answer.json["Message"].lower()


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": PASSWORD, "name": "X"},
        {"email": "a@example.com", "password": PASSWORD},
        {"email": "a@example.com", "password": PASSWORD, "name": "X", "isAdmin": True},
    ],
)
def test_a_bad_registration_body_is_a_400(api, body):
    assert api.post("/auth/register", body).error() == (400, "BadRequestError")


def test_a_wrong_password_or_unknown_email_is_a_401(api, shopper):
    wrong = api.post("/auth/login", {"email": shopper.email, "password": "Wrong-Passw0rd"})
    unknown = api.post("/auth/login", {"email": "ghost@example.com", "password": PASSWORD})
    assert wrong.error() == (401, "UnauthorizedError")
    assert unknown.error() == (401, "UnauthorizedError")


def test_a_refresh_token_gives_a_working_id_token(api, shopper):
    answer = api.post("/auth/refresh", {"refreshToken": shopper.refresh_token})

    assert answer.status == 200
    assert set(answer.json) == {"idToken", "accessToken", "expiresIn"}
    me = api.get("/me", headers={"Authorization": f"Bearer {answer.json['idToken']}"})
    assert me.json["userId"] == shopper.user_id


def test_an_invalid_refresh_token_is_a_401(api):
    answer = api.post("/auth/refresh", {"refreshToken": "not-a-token"})
    assert answer.error() == (401, "UnauthorizedError")


def test_a_bare_token_is_accepted_too(api, shopper):
    answer = api.get("/me", headers={"Authorization": shopper.id_token})
    assert answer.status == 200


@pytest.mark.parametrize("case", BAD_AUTHORIZATIONS)
def test_every_bad_token_is_a_401_with_the_contract_body(api, shopper, case):
    authorization = bad_authorizations(shopper.id_token, shopper.access_token)[case]
    headers = {} if authorization is None else {"Authorization": authorization}

    answer = api.get("/me", headers=headers)

    assert answer.status == 401
    assert answer.json["Code"] == "UnauthorizedError"
    assert answer.json["Message"]


def test_a_re_signed_token_with_good_claims_is_accepted(api, shopper):
    """The negative cases above fail for their claim, not because re-signing breaks the token."""
    answer = api.get("/me", headers={"Authorization": "Bearer " + resign(shopper.id_token)})
    assert answer.status == 200


def test_a_user_changes_their_own_profile(api, shopper):
    address = {"line1": "1 Main St", "city": "Springfield", "postalCode": "12345", "country": "US"}

    answer = api.patch(
        "/me", {"name": "Sam S.", "phone": "+1 555 0100", "address": address}, user=shopper
    )

    assert answer.status == 200
    assert answer.json["name"] == "Sam S."
    assert answer.json["address"] == {**address, "line2": None}
    assert api.get("/me", user=shopper).json["phone"] == "+1 555 0100"
    cleared = api.patch("/me", {"phone": None, "address": None}, user=shopper).json
    assert (cleared["phone"], cleared["address"]) == (None, None)


@pytest.mark.parametrize(
    "body",
    [
        {"email": "me@evil.test"},
        {"isAdmin": True},
        {"userId": "someone-else"},
        {"name": ""},
        {"address": {"line1": "x", "city": "y", "postalCode": "z", "country": "usa"}},
        {},
    ],
)
def test_read_only_and_bad_profile_fields_are_400(api, shopper, body):
    answer = api.patch("/me", body, user=shopper)
    assert answer.error() == (400, "BadRequestError")
    assert api.get("/me", user=shopper).json["email"] == shopper.email


def test_a_shopper_only_ever_sees_their_own_profile(api, shopper, other_shopper):
    api.patch("/me", {"name": "Private Name"}, user=other_shopper)

    mine = api.get("/me", user=shopper).json

    assert mine["userId"] == shopper.user_id
    assert mine["name"] != "Private Name"


def test_admins_are_members_of_the_admin_group(api, admin, shopper):
    assert api.get("/me", user=admin).json["isAdmin"] is True
    assert api.get("/me", user=shopper).json["isAdmin"] is False
