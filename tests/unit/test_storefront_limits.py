"""The storefront checks the contract's limits with the numbers of chalicelib/domain/limits.py."""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib.domain import limits

LIMITS_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "limits.js"


def test_the_storefronts_limits_are_the_domains() -> None:
    found = dict(re.findall(r"^export const (\w+) = (\d+);", LIMITS_JS.read_text(), re.MULTILINE))

    assert found == {
        "MAX_QUANTITY": str(limits.MAX_QUANTITY),
        "MAX_STOCK": str(limits.MAX_STOCK),
        "MAX_PRICE_CENTS": str(limits.MAX_PRICE_CENTS),
    }
