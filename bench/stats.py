"""Percentiles and timing loops: every number in the report is a summary of many samples."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(samples_ms: list[float]) -> dict[str, Any]:
    """n, min, p10, p50, p90, p99 and mean of samples in milliseconds, rounded for the report."""
    return {
        "n": len(samples_ms),
        "min": round(min(samples_ms), 2) if samples_ms else float("nan"),
        "p10": round(percentile(samples_ms, 10), 2),
        "p50": round(percentile(samples_ms, 50), 2),
        "p90": round(percentile(samples_ms, 90), 2),
        "p99": round(percentile(samples_ms, 99), 2),
        "mean": round(statistics.fmean(samples_ms), 2) if samples_ms else float("nan"),
    }


def time_ms(action: Callable[[], Any]) -> float:
    """How long one call of `action` takes, in milliseconds."""
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def side_by_side(
    ours: Callable[[], Any],
    baseline: Callable[[], Any],
    *,
    runs: int,
    warmup: int = 5,
    sample: Callable[[Callable[[], Any]], Any] = time_ms,
) -> tuple[list[Any], list[Any]]:
    """Sample two actions alternately (ours, baseline, ours, ...) so drift hits both alike."""
    for _ in range(warmup):
        ours()
        baseline()
    ours_samples: list[Any] = []
    base_samples: list[Any] = []
    for i in range(runs):
        # Alternate who goes first too: neither side always runs on a warm cache.
        if i % 2:
            base_samples.append(sample(baseline))
            ours_samples.append(sample(ours))
        else:
            ours_samples.append(sample(ours))
            base_samples.append(sample(baseline))
    return ours_samples, base_samples


def runs_within(seconds: float, *actions: Callable[[], Any], low: int, high: int) -> int:
    """How many rounds of `actions` fit in `seconds` (low..high), judged from one timed round."""
    one_round = sum(time_ms(action) for action in actions) / 1000
    return max(low, min(high, int(seconds / max(one_round, 1e-6))))


def ratio(ours: float, baseline: float) -> float:
    """ours / baseline, rounded to two places."""
    return round(ours / baseline, 2) if baseline else float("inf")
