"""The caller is read from the authorizer's claims, however API Gateway formats them."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import Forbidden, Unauthenticated
from chalicelib.domain.identity import caller_from_context, parse_groups, require_admin
from chalicelib.web.local_auth import bearer_token


@pytest.mark.parametrize(
    ("claim", "groups"),
    [
        (None, set()),
        ("admin", {"admin"}),
        ("[admin]", {"admin"}),
        ("[admin shoppers]", {"admin", "shoppers"}),
        ("[admin, shoppers]", {"admin", "shoppers"}),
        ('["admin","shoppers"]', {"admin", "shoppers"}),
        ("admin,shoppers", {"admin", "shoppers"}),
        (["admin"], {"admin"}),
        ("[administrators]", {"administrators"}),
        ("[", set()),
    ],
)
def test_the_groups_claim_is_parsed_defensively(claim, groups):
    assert parse_groups(claim) == groups


def test_a_lookalike_group_does_not_make_an_admin():
    caller = caller_from_context({"authorizer": {"claims": {"sub": "u1", "cognito:groups": "[x]"}}})
    with pytest.raises(Forbidden):
        require_admin(caller)


def test_a_context_without_claims_is_unauthenticated():
    with pytest.raises(Unauthenticated):
        caller_from_context({})


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer a b", "Token a b c"])
def test_a_missing_or_malformed_header_is_unauthenticated(header):
    with pytest.raises(Unauthenticated):
        bearer_token(header)


def test_bearer_and_bare_tokens_are_read():
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("bearer abc") == "abc"
    assert bearer_token("abc") == "abc"
