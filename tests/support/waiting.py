"""Waiting for something another process does: a knob in seconds, never a bare sleep."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_for(check: Callable[[], Any], within: float, what: str = "the condition") -> Any:
    """The first truthy answer of `check`, asked every 0.1 s; AssertionError after `within` s."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {within} s")
