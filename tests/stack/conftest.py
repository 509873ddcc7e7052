"""Fixtures for tests of the local stack."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def tables() -> None:
    """These tests bring their own moto; they need none of the API tests' in-process tables."""
