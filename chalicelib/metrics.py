"""The shop's own CloudWatch metrics: their names, units and dimensions, in one place.

The app emits them in CloudWatch's embedded metric format (EMF) from its log lines; the
infrastructure template's dashboard and alarms (infra/operations.py) read the same names here, so
a rename cannot leave an alarm watching nothing. Every metric carries the `Stage` dimension, so
that two stages in one account never mix; a metric with a finer breakdown (payment failures by
`Reason`) is emitted with both dimension sets, so that alarms can watch the stage's total.
"""

from __future__ import annotations

from dataclasses import dataclass

NAMESPACE = "Shop"
STAGE = "Stage"  # dimension: the Chalice stage, e.g. prod
REASON = "Reason"  # dimension of PaymentFailures: declined, error, timeout, ...


@dataclass(frozen=True)
class Metric:
    """One metric: its name, its EMF unit and the dimension sets it is emitted with."""

    name: str
    unit: str
    dimension_sets: tuple[tuple[str, ...], ...] = ((STAGE,),)


ORDERS_PLACED = Metric("OrdersPlaced", "Count")
REVENUE_CENTS = Metric("RevenueCents", "None")  # integer minor units of the order's currency
PAYMENT_FAILURES = Metric("PaymentFailures", "Count", ((STAGE,), (STAGE, REASON)))
REFUNDS = Metric("Refunds", "Count")
PIPELINE_LAG_SECONDS = Metric("PipelineLagSeconds", "Seconds")  # placed to FULFILLED

ALL: tuple[Metric, ...] = (
    ORDERS_PLACED,
    REVENUE_CENTS,
    PAYMENT_FAILURES,
    REFUNDS,
    PIPELINE_LAG_SECONDS,
)
