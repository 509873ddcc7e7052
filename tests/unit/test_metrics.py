"""The shop's metrics are EMF log lines that CloudWatch can read: one JSON object per point."""

from __future__ import annotations

import json

import pytest

from chalicelib import log, metrics


def _points(captured: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def test_a_point_names_its_namespace_dimensions_and_value(  # the stage is the test stage
    capsys: pytest.CaptureFixture[str],
) -> None:
    metrics.emit(metrics.PAYMENT_FAILURES, 1, Reason="declined")
    (point,) = _points(capsys.readouterr().out)
    (directive,) = point["_aws"]["CloudWatchMetrics"]  # type: ignore[index]
    assert directive["Namespace"] == "Shop"
    assert directive["Dimensions"] == [["Stage"], ["Stage", "Reason"]]
    assert directive["Metrics"] == [{"Name": "PaymentFailures", "Unit": "Count"}]
    assert (point["Stage"], point["Reason"], point["PaymentFailures"]) == ("test", "declined", 1)
    assert isinstance(point["_aws"]["Timestamp"], int)  # type: ignore[index]


def test_every_dimension_a_directive_names_is_on_the_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """CloudWatch drops a point whose dimension values are missing from the document."""
    for metric in metrics.ALL:
        extra = {name: "x" for names in metric.dimension_sets for name in names if name != "Stage"}
        metrics.emit(metric, 2, **extra)
    for point in _points(capsys.readouterr().out):
        (directive,) = point["_aws"]["CloudWatchMetrics"]  # type: ignore[index]
        for names in directive["Dimensions"]:
            assert all(name in point for name in names)
        assert all(m["Name"] in point for m in directive["Metrics"])


def test_the_log_context_rides_along_as_properties(capsys: pytest.CaptureFixture[str]) -> None:
    with log.context(orderId="o-1", correlationId="c-1"):
        metrics.emit(metrics.ORDERS_PLACED, 1)
    (point,) = _points(capsys.readouterr().out)
    assert (point["orderId"], point["correlationId"]) == ("o-1", "c-1")
    (directive,) = point["_aws"]["CloudWatchMetrics"]  # type: ignore[index]
    assert directive["Dimensions"] == [["Stage"]]  # ids are properties, never dimensions


def test_a_point_with_the_wrong_dimensions_is_refused() -> None:
    with pytest.raises(ValueError, match="Reason"):
        metrics.emit(metrics.PAYMENT_FAILURES, 1)
    with pytest.raises(ValueError, match="Currency"):
        metrics.emit(metrics.ORDERS_PLACED, 1, Currency="USD")
