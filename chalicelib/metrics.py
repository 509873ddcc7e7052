"""The shop's own CloudWatch metrics: their names, units and dimensions, in one place.

The app emits them in CloudWatch's embedded metric format (EMF) from its log lines; the
infrastructure template's dashboard and alarms (infra/operations.py) read the same names here, so
a rename cannot leave an alarm watching nothing. Every metric carries the `Stage` dimension, so
that two stages in one account never mix; a metric with a finer breakdown (payment failures by
`Reason`) is emitted with both dimension sets, so that alarms can watch the stage's total.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from chalicelib.config import settings
from chalicelib.log import logger

NAMESPACE = "Shop"
STAGE = "Stage"  # dimension: the Chalice stage, e.g. prod
REASON = "Reason"  # dimension of PaymentFailures: declined, error, timeout, ...
CURRENCY = "Currency"  # dimension of RevenueCents: cents of different currencies never add up
STEP = "Step"  # dimension of SagaFailures: payment, shipment, refund


@dataclass(frozen=True)
class Metric:
    """One metric: its name, its EMF unit and the dimension sets it is emitted with."""

    name: str
    unit: str
    dimension_sets: tuple[tuple[str, ...], ...] = ((STAGE,),)


ORDERS_PLACED = Metric("OrdersPlaced", "Count")
# Integer minor units; the Stage-only series adds currencies up, which is right for a one-currency
# shop, and the (Stage, Currency) series is right for any.
REVENUE_CENTS = Metric("RevenueCents", "None", ((STAGE,), (STAGE, CURRENCY)))
PAYMENT_FAILURES = Metric("PaymentFailures", "Count", ((STAGE,), (STAGE, REASON)))
REFUNDS = Metric("Refunds", "Count")
PIPELINE_LAG_SECONDS = Metric("PipelineLagSeconds", "Seconds")  # placed to FULFILLED
# A saga step that failed for good (its message reached the dead-letter queue, whose consumer
# compensates at once): the DLQ's depth alarm never sees it, this metric's alarm does.
SAGA_FAILURES = Metric("SagaFailures", "Count", ((STAGE,), (STAGE, STEP)))

ALL: tuple[Metric, ...] = (
    ORDERS_PLACED,
    REVENUE_CENTS,
    PAYMENT_FAILURES,
    REFUNDS,
    PIPELINE_LAG_SECONDS,
    SAGA_FAILURES,
)


_log = logger("metrics")


def emit(metric: Metric, value: float, **dimensions: str) -> None:
    """Write one metric point as an EMF log line (CloudWatch makes it a metric; no API call)."""
    names = {name for names in metric.dimension_sets for name in names}
    values = {STAGE: settings().stage, **dimensions}
    if set(values) != names:
        raise ValueError(
            f"{metric.name} takes the dimensions {sorted(names)}, not {sorted(values)}"
        )
    document = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [list(names) for names in metric.dimension_sets],
                    "Metrics": [{"Name": metric.name, "Unit": metric.unit}],
                }
            ],
        },
        **values,
        metric.name: value,
    }
    # The log line's context (orderId, correlationId, ...) rides along as EMF properties:
    # searchable in Logs Insights, never dimensions (which would multiply the metric's cost).
    _log.info(metric.name, extra={"fields": document})
