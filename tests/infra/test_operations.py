"""Operations in the template: one dashboard, the alarms the issue names, and API access logs;
the shop's metrics are named once, in chalicelib/metrics.py, for the template and the app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib import metrics
from deploy import policies
from infra import operations
from infra.template import build_template
from tests.infra import views

ROOT = Path(__file__).resolve().parents[2]


def _alarms() -> dict[str, dict[str, Any]]:
    return views.of_type("AWS::CloudWatch::Alarm", stage="prod")


def test_the_shops_metrics_are_the_ones_the_issue_names_in_namespace_shop() -> None:
    assert metrics.NAMESPACE == "Shop"
    assert {metric.name for metric in metrics.ALL} == {
        "OrdersPlaced",
        "RevenueCents",
        "PaymentFailures",
        "Refunds",
        "PipelineLagSeconds",
        "SagaFailures",
    }
    assert ("Stage", "Reason") in metrics.PAYMENT_FAILURES.dimension_sets
    for metric in metrics.ALL:
        assert ("Stage",) in metric.dimension_sets, metric.name


def test_an_alarm_watches_each_risk_the_issue_names_and_tells_the_alarm_topic() -> None:
    alarms = _alarms()
    by_metric = {
        props.get("MetricName") or props["Metrics"][-1]["Expression"]: props
        for props in alarms.values()
    }
    assert by_metric["5XXError"]["Statistic"] == "Average"
    assert by_metric["5XXError"]["Threshold"] == operations.API_5XX_RATE
    assert by_metric["Latency"]["ExtendedStatistic"] == "p99"
    assert by_metric["IteratorAge"]["Threshold"] == 60_000
    sqs = [p for p in alarms.values() if p.get("Namespace") == "AWS/SQS"]
    assert len(sqs) == 7  # five dead-letter queues (reports, return steps), two on-failure queues
    payment = alarms["PaymentFailureRateAlarm"]["Metrics"]
    names = {m["Id"]: m["MetricStat"]["Metric"]["MetricName"] for m in payment if "MetricStat" in m}
    assert names == {"failures": "PaymentFailures", "placed": "OrdersPlaced"}
    for metric in payment:
        if "MetricStat" in metric:
            assert metric["MetricStat"]["Metric"]["Namespace"] == "Shop"
            assert metric["MetricStat"]["Metric"]["Dimensions"] == [
                {"Name": "Stage", "Value": "prod"}
            ]
    saga = alarms["SagaFailureAlarm"]
    assert (saga["Namespace"], saga["MetricName"], saga["Threshold"]) == ("Shop", "SagaFailures", 1)
    assert saga["Dimensions"] == [{"Name": "Stage", "Value": "prod"}]
    for props in alarms.values():
        assert "AlarmActions" not in props  # no topic, no action
    with_topic = views.of_type("AWS::CloudWatch::Alarm", stage="prod", AlarmTopicArn="arn:t")
    for props in with_topic.values():
        assert props["AlarmActions"] == props["OKActions"] == ["arn:t"]


def test_one_dashboard_shows_the_shops_metrics_the_api_the_functions_and_the_queues() -> None:
    (dashboard,) = views.of_type("AWS::CloudWatch::Dashboard", stage="prod").values()
    assert dashboard["DashboardName"] == "shop-prod-operations"
    body = json.loads(dashboard["DashboardBody"].replace("ref:AWS::Region", "us-east-1"))
    text = json.dumps(body)
    for metric in metrics.ALL:
        assert metric.name in text, metric.name
    for function in policies.functions():
        assert f"shop-prod-{function}" in text, function
    for name in ("5XXError", "Latency", "IteratorAge", "shop-prod-payments-dlq"):
        assert name in text
    assert "${" not in text


def test_the_functions_the_dashboard_shows_are_the_apps() -> None:
    assert set(operations.FUNCTIONS) == set(policies.functions())
    config = json.loads((ROOT / ".chalice/config.json").read_text())
    assert config["app_name"] == operations.API_NAME


def test_api_gateway_writes_access_logs_to_the_stages_group_with_a_role_of_its_own() -> None:
    resources = build_template("prod")["Resources"]
    group = views.of_type("AWS::Logs::LogGroup", stage="prod")["ApiAccessLogs"]
    assert group["LogGroupName"] == "/aws/apigateway/shop-prod-access"
    assert group["RetentionInDays"] == operations.ACCESS_LOG_RETENTION_DAYS
    account = resources["ApiGatewayAccount"]["Properties"]
    assert account["CloudWatchRoleArn"] == {"Fn::GetAtt": ["ApiGatewayLoggingRole", "Arn"]}
    fields = json.loads(operations.ACCESS_LOG_FORMAT)
    assert {"requestId", "status", "error", "authorizerError", "ip"} <= set(fields)
