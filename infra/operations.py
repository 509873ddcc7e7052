"""Operations you can see: one dashboard, the alarms, and the API's access logs.

Alarms (each tells the optional AlarmTopicArn, as the dead-letter alarms do):
- the API answers more than 5% 5xx over two 5-minute periods;
- the API's p99 latency is over 3 s in two of three 5-minute periods;
- more than a quarter of the orders placed in 15 minutes (at least 5) failed their payment;
- a saga step failed for good (a payment, shipment or refund whose message reached its dead-letter
  queue: the DLQ consumer compensates at once, so the queue's depth alarm would never see it);
- a dead-letter queue or the stream's on-failure queue holds a message (infra/messaging.py,
  infra/streams.py), and the orders stream falls behind (IteratorAge, infra/streams.py).

The shop's own metrics (namespace `Shop`) are named in chalicelib/metrics.py, which the app emits
in CloudWatch's embedded metric format. API Gateway writes one JSON access-log line per request,
including those it refuses before any Lambda runs, to the stage's log group.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib import metrics
from infra.cfn import Json, deleted_with_stack, get_att, ref, stage_name, sub
from infra.messaging import CONSUMERS, alarm_actions
from infra.streams import MAPPINGS

# What Chalice deploys (app_name "shop"; the REST API is named after the app, its stage "api").
API_NAME = "shop"
API_STAGE = "api"
FUNCTIONS = (
    "api_handler",
    "publish_order_events",
    "index_products",
    "take_payments",
    "ship_orders",
    "notify_shoppers",
    "count_sales",
    "fail_dead_payments",
    "return_unbooked_orders",
    "expire_unpaid_orders",
    "publish_return_events",
    "work_return_steps",
)
API_5XX_RATE = 0.05
API_P99_MS = 3000
PAYMENT_FAILURE_RATE = 0.25
PAYMENT_MIN_ORDERS = 5
ACCESS_LOG_RETENTION_DAYS = 90
# One line per request; $context.error.* says why API Gateway itself refused one.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "user": "$context.authorizer.claims.sub",
        "time": "$context.requestTime",
        "method": "$context.httpMethod",
        "path": "$context.resourcePath",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "length": "$context.responseLength",
        "latencyMs": "$context.responseLatency",
        "integrationMs": "$context.integrationLatency",
        "error": "$context.error.message",
        "authorizerError": "$context.authorizer.error",
        "xrayTraceId": "$context.xrayTraceId",
    },
    separators=(",", ":"),
)


def _api_dimensions() -> list[Json]:
    return [{"Name": "ApiName", "Value": API_NAME}, {"Name": "Stage", "Value": API_STAGE}]


def _alarm(name: str, description: str, props: Json) -> Json:
    actions = alarm_actions()
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": stage_name(name),
            "AlarmDescription": description,
            **props,
            "TreatMissingData": "notBreaching",
            "AlarmActions": actions,
            "OKActions": actions,
        },
    }


def _api_5xx_alarm() -> Json:
    return _alarm(
        "api-5xx-rate",
        f"Over {API_5XX_RATE:.0%} of the API's answers were 5xx in two 5-minute periods.",
        {
            "Namespace": "AWS/ApiGateway",
            "MetricName": "5XXError",  # its average is the share of 5xx answers
            "Dimensions": _api_dimensions(),
            "Statistic": "Average",
            "Period": 300,
            "EvaluationPeriods": 2,
            "DatapointsToAlarm": 2,
            "Threshold": API_5XX_RATE,
            "ComparisonOperator": "GreaterThanThreshold",
        },
    )


def _api_latency_alarm() -> Json:
    return _alarm(
        "api-p99-latency",
        f"The API's p99 latency was over {API_P99_MS} ms in two of three 5-minute periods.",
        {
            "Namespace": "AWS/ApiGateway",
            "MetricName": "Latency",
            "Dimensions": _api_dimensions(),
            "ExtendedStatistic": "p99",
            "Period": 300,
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 2,
            "Threshold": API_P99_MS,
            "ComparisonOperator": "GreaterThanThreshold",
        },
    )


def _shop_metric(metric_id: str, metric: metrics.Metric) -> Json:
    return {
        "Id": metric_id,
        "ReturnData": False,
        "MetricStat": {
            "Metric": {
                "Namespace": metrics.NAMESPACE,
                "MetricName": metric.name,
                "Dimensions": [{"Name": metrics.STAGE, "Value": ref("Stage")}],
            },
            "Period": 900,
            "Stat": "Sum",
        },
    }


def _payment_failure_alarm() -> Json:
    return _alarm(
        "payment-failure-rate",
        f"Over {PAYMENT_FAILURE_RATE:.0%} of the orders placed in 15 minutes (at least "
        f"{PAYMENT_MIN_ORDERS}) failed their payment.",
        {
            "Metrics": [
                _shop_metric("failures", metrics.PAYMENT_FAILURES),
                _shop_metric("placed", metrics.ORDERS_PLACED),
                {
                    "Id": "rate",
                    "Label": "payment failures per order placed",
                    "Expression": f"IF(placed >= {PAYMENT_MIN_ORDERS}, failures / placed, 0)",
                    "ReturnData": True,
                },
            ],
            "EvaluationPeriods": 1,
            "Threshold": PAYMENT_FAILURE_RATE,
            "ComparisonOperator": "GreaterThanThreshold",
        },
    )


def _saga_failure_alarm() -> Json:
    return _alarm(
        "saga-failures",
        "A payment, shipment or refund failed for good; the order was compensated (see the "
        "function's log lines with alarm=saga).",
        {
            "Namespace": metrics.NAMESPACE,
            "MetricName": metrics.SAGA_FAILURES.name,
            "Dimensions": [{"Name": metrics.STAGE, "Value": ref("Stage")}],
            "Statistic": "Sum",
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        },
    )


def _widget(title: str, metric_lines: list[Any], x: int, y: int, **extra: Any) -> Json:
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": 12,
        "height": 6,
        "properties": {
            "title": title,
            "region": "${AWS::Region}",
            "metrics": metric_lines,
            "period": 300,
            "view": "timeSeries",
            **extra,
        },
    }


def _shop(metric: metrics.Metric, stat: str, **options: Any) -> list[Any]:
    return [metrics.NAMESPACE, metric.name, metrics.STAGE, "${Stage}", {"stat": stat, **options}]


def dashboard_body() -> Json:
    """The dashboard's widgets, with `${Stage}` and `${AWS::Region}` left for Fn::Sub."""
    api = ["AWS/ApiGateway", "{}", "ApiName", API_NAME, "Stage", API_STAGE]
    search = (
        f"SEARCH('{{{metrics.NAMESPACE},{metrics.STAGE},{metrics.REASON}}} "
        f'MetricName="{metrics.PAYMENT_FAILURES.name}" {metrics.STAGE}="${{Stage}}"\', '
        "'Sum', 300)"
    )
    function = "shop-${Stage}-"
    queues = [f"shop-${{Stage}}-{c.name}-dlq" for c in CONSUMERS]
    queues += [f"shop-${{Stage}}-{m.on_failure_queue}" for m in MAPPINGS]
    widgets = [
        _widget(
            "Orders placed and revenue (minor units)",
            [
                _shop(metrics.ORDERS_PLACED, "Sum"),
                _shop(metrics.REVENUE_CENTS, "Sum", yAxis="right"),
            ],
            0,
            0,
        ),
        _widget(
            "Payment failures by reason, refunds, saga steps failed for good",
            [
                [{"expression": search, "id": "byReason", "label": "failures:"}],
                _shop(metrics.REFUNDS, "Sum"),
                _shop(metrics.SAGA_FAILURES, "Sum"),
            ],
            12,
            0,
        ),
        _widget(
            "Pipeline lag, placed to FULFILLED (s)",
            [
                _shop(metrics.PIPELINE_LAG_SECONDS, "p50", label="p50"),
                _shop(metrics.PIPELINE_LAG_SECONDS, "p99", label="p99"),
            ],
            0,
            6,
        ),
        _widget(
            "API requests, 4xx and 5xx",
            [
                [*(api[:1]), "Count", *api[2:], {"stat": "Sum"}],
                [*(api[:1]), "4XXError", *api[2:], {"stat": "Sum"}],
                [*(api[:1]), "5XXError", *api[2:], {"stat": "Sum"}],
            ],
            12,
            6,
        ),
        _widget(
            "API latency (ms)",
            [
                [*(api[:1]), "Latency", *api[2:], {"stat": "p50"}],
                [*(api[:1]), "Latency", *api[2:], {"stat": "p99"}],
                [*(api[:1]), "IntegrationLatency", *api[2:], {"stat": "p99"}],
            ],
            0,
            12,
        ),
        _widget(
            "Lambda errors and throttles",
            [
                ["AWS/Lambda", kind, "FunctionName", f"{function}{name}", {"stat": "Sum"}]
                for name in FUNCTIONS
                for kind in ("Errors", "Throttles")
            ],
            12,
            12,
        ),
        _widget(
            "Lambda p99 duration (ms)",
            [
                ["AWS/Lambda", "Duration", "FunctionName", f"{function}{name}", {"stat": "p99"}]
                for name in FUNCTIONS
            ],
            0,
            18,
        ),
        _widget(
            "Stream ages (ms), dead-letter and failure queues",
            [
                [
                    "AWS/Lambda",
                    "IteratorAge",
                    "FunctionName",
                    f"{function}{m.function}",
                    {"stat": "Maximum"},
                ]
                for m in MAPPINGS
            ]
            + [
                [
                    "AWS/SQS",
                    "ApproximateNumberOfMessagesVisible",
                    "QueueName",
                    queue,
                    {"stat": "Maximum", "yAxis": "right"},
                ]
                for queue in queues
            ],
            12,
            18,
        ),
    ]
    return {"widgets": widgets}


def _dashboard() -> Json:
    return {
        "Type": "AWS::CloudWatch::Dashboard",
        "Properties": {
            "DashboardName": stage_name("operations"),
            "DashboardBody": sub(json.dumps(dashboard_body(), separators=(",", ":"))),
        },
    }


def _access_logs() -> Json:
    return {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {
            "LogGroupName": sub("/aws/apigateway/shop-${Stage}-access"),
            "RetentionInDays": ACCESS_LOG_RETENTION_DAYS,
        },
    }


def _gateway_logging_role() -> Json:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "apigateway.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    # What AWS's AmazonAPIGatewayPushToCloudWatchLogs grants, on this account's log groups only.
    writes = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:DescribeLogGroups",
                    "logs:DescribeLogStreams",
                    "logs:PutLogEvents",
                    "logs:GetLogEvents",
                    "logs:FilterLogEvents",
                ],
                "Resource": sub(
                    "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"
                ),
            }
        ],
    }
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": trust,
            "Policies": [{"PolicyName": "write-api-gateway-logs", "PolicyDocument": writes}],
        },
    }


def access_log_destination() -> Json:
    """The access log group's ARN as API Gateway wants it (without the trailing `:*`)."""
    return sub(
        "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${ApiAccessLogs}"
    )


def resources() -> Json:
    """The dashboard, the API and payment alarms, the access log group and its writer role."""
    return {
        "OperationsDashboard": _dashboard(),
        "Api5xxRateAlarm": _api_5xx_alarm(),
        "ApiLatencyAlarm": _api_latency_alarm(),
        "PaymentFailureRateAlarm": _payment_failure_alarm(),
        "SagaFailureAlarm": _saga_failure_alarm(),
        "ApiAccessLogs": deleted_with_stack(_access_logs()),
        # API Gateway writes logs with one role per account and region; this stack sets it.
        "ApiGatewayLoggingRole": _gateway_logging_role(),
        "ApiGatewayAccount": {
            "Type": "AWS::ApiGateway::Account",
            "Properties": {"CloudWatchRoleArn": get_att("ApiGatewayLoggingRole", "Arn")},
        },
    }


def outputs() -> Json:
    """API_ACCESS_LOGS_ARN: where the deploy points the API stage's access logs."""
    return {
        "ApiAccessLogsArn": {
            "Description": "the API stage's access log group (API Gateway's form of its ARN)",
            "Value": access_log_destination(),
        },
        "DashboardName": {
            "Description": "the operations dashboard",
            "Value": ref("OperationsDashboard"),
        },
    }
