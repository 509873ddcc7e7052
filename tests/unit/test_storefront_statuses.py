"""The storefront names every order status the domain has, in the domain's order.

`static/js/format.js` lists the API's statuses (ORDER_STATUSES, used by the admin's filter) and the
words people read for them (STATUS_LABELS); static/README.md has the table of both.
"""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib.domain.order_rules import Status

FORMAT_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "format.js"


def _source() -> str:
    return FORMAT_JS.read_text()


def test_the_storefront_lists_the_domains_statuses_in_order() -> None:
    listed = re.search(r"export const ORDER_STATUSES = \[([^\]]*)\]", _source())

    assert listed is not None
    assert re.findall(r'"(\w+)"', listed[1]) == [status.value for status in Status]


def test_every_status_has_a_word_for_people() -> None:
    labels = re.search(r"const STATUS_LABELS = \{([^}]*)\}", _source())

    assert labels is not None
    assert set(re.findall(r"^\s*(\w+):", labels[1], re.MULTILINE)) == {s.value for s in Status}
