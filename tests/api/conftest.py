"""API tests run against fresh, empty tables, whether or not they ask for `api`."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_tables(tables: None) -> None:
    """Fresh tables for each API test (the root `tables` fixture, asked for on its behalf)."""
