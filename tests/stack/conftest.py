"""Fixtures for tests of the local stack.

`stack` starts `python -m devstack` once per session, on free ports, and yields where it runs and
how to sign in; any stack test (orders journey, browser tests) can take it:

    @pytest.mark.stack
    def test_something(stack):
        requests.get(f"{stack.api_url}/products")
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.stack import RunningStack, start_stack, stop_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The local stack, started once for the session."""
    running = start_stack(tmp_path_factory.mktemp("devstack"))
    yield running
    stop_stack(running.process)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, once for every browser test; the screenshots folder emptied first."""
    from tests.stack.browser import fresh_screenshot_dir, launch_chromium

    fresh_screenshot_dir()
    with launch_chromium() as chromium:
        yield chromium
