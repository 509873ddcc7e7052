"""Search on the running local stack: a created, changed or archived product shows in search within
the contract's 5 s, through the products stream, the event pump, the S3 snapshot and the API's
refresh (SEARCH_REFRESH_SECONDS), with no hand in between."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
import requests

from harness.stack import RunningStack
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack
# The contract's bound on a change reaching search (API.md, Search); a knob for slower machines.
FRESHNESS_SECONDS = float(os.environ.get("SEARCH_FRESHNESS_SECONDS", "5"))


def _search(stack: RunningStack, q: str) -> list[str]:
    answer = requests.get(f"{stack.api_url}/products", params={"q": q}, timeout=10)
    assert answer.status_code == 200, answer.text
    return [item["productId"] for item in answer.json()["items"]]


def _facets(stack: RunningStack, q: str) -> Any:
    answer = requests.get(f"{stack.api_url}/products", params={"q": q}, timeout=10)
    return answer.json().get("facets")


def _admin(stack: RunningStack) -> dict[str, str]:
    return stack.bearer(stack.admin.email, stack.admin.password)


def test_a_created_changed_and_archived_product_shows_in_search_within_5_s(
    stack: RunningStack,
) -> None:
    admin: dict[str, Any] = _admin(stack)
    word, renamed = f"quokka{uuid.uuid4().hex[:6]}", f"wombat{uuid.uuid4().hex[:6]}"
    created = requests.post(
        f"{stack.api_url}/products",
        json={"name": f"Lantern {word}", "priceCents": 1500, "category": "garden", "stock": 3},
        headers=admin,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    pid = created.json()["productId"]

    wait_for(lambda: pid in _search(stack, word), FRESHNESS_SECONDS, "the new product in search")

    patched = requests.patch(
        f"{stack.api_url}/products/{pid}",
        json={"name": f"Lantern {renamed}"},
        headers=admin,
        timeout=10,
    )
    assert patched.status_code == 200, patched.text
    wait_for(
        lambda: pid in _search(stack, renamed) and pid not in _search(stack, word),
        FRESHNESS_SECONDS,
        "the renamed product under its new name only",
    )

    assert requests.delete(f"{stack.api_url}/products/{pid}", headers=admin, timeout=10).ok
    wait_for(
        lambda: pid not in _search(stack, renamed), FRESHNESS_SECONDS, "the archived product gone"
    )
    # Out of the index itself, not only dropped by the read: the facets no longer count it.
    wait_for(
        lambda: _facets(stack, renamed) == {"category": []},
        FRESHNESS_SECONDS,
        "the archived product out of the index",
    )


def test_the_seeded_catalog_is_searchable_with_a_typo(stack: RunningStack) -> None:
    listed = requests.get(f"{stack.api_url}/products", params={"limit": 100}, timeout=10).json()
    long_words = [
        word
        for item in listed["items"]
        for word in item["name"].split()
        if word.isalpha() and len(word) >= 6
    ]
    assert long_words, "the demo catalog has a product name with a word of 6+ letters"
    word = long_words[0]
    typo = word[0] + word[2:]  # one letter dropped

    found = wait_for(lambda: _search(stack, typo), FRESHNESS_SECONDS, f"{typo!r} finding {word!r}")

    names = {item["productId"]: item["name"] for item in listed["items"]}
    assert any(word in names.get(pid, "") for pid in found)
