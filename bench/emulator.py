"""Time spent inside moto itself, so that moto's own costs can be told apart from ours.

In-process moto answers every botocore request from a `before-send` hook (BotocoreStubber). Timing
that hook gives, per request, the emulator's share; what remains is the client side: the app, or
the raw baseline, plus botocore's own request building and response parsing. moto is far slower
than DynamoDB at some things (its Query walks and sorts the whole table, its response serializer
is slow), so the client-side time is the part that says something about our code.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any


class Emulator:
    """Milliseconds spent in moto's in-process backend since this was installed."""

    def __init__(self) -> None:
        self.ms = 0.0

    @contextlib.contextmanager
    def timed(self) -> Iterator[Emulator]:
        """Count moto's time for as long as the block runs."""
        from moto.core.botocore_stubber import BotocoreStubber

        original = BotocoreStubber.__call__

        def timed_call(stubber: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(stubber, *args, **kwargs)
            finally:
                self.ms += (time.perf_counter() - started) * 1000

        BotocoreStubber.__call__ = timed_call  # type: ignore[method-assign,assignment]
        try:
            yield self
        finally:
            BotocoreStubber.__call__ = original  # type: ignore[method-assign]

    def sample(self, action: Callable[[], Any]) -> tuple[float, float]:
        """(total ms, moto's ms) of one call of `action`."""
        before = self.ms
        started = time.perf_counter()
        action()
        return (time.perf_counter() - started) * 1000, self.ms - before


def settle_heap() -> None:
    """Take moto's items out of the garbage collector's sight.

    In-process, the emulated tables live in our heap, and every full collection walks them: with
    100k items that alone made both sides' client time grow with the table. `gc.freeze()` moves
    every object alive now to a generation the collector never scans.
    """
    import gc

    gc.collect()
    gc.freeze()
