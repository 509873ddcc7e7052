"""Each Lambda function's IAM policy grants what its code uses, on its stage's resources only."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from deploy import policies, project
from deploy.stages import STAGES
from infra.template import build_template
from tests.deploy import fakes, reach

ROOT = Path(__file__).resolve().parents[2]
STAGE_NAMES = sorted(STAGES)
IAM_STATEMENT_KEYS = {"Sid", "Effect", "Action", "Resource", "Condition"}
Env = dict[str, str]

# What the code can reach but the policy rightly leaves out: when (given the stage's env) and why.
NOT_AT_RUNTIME: dict[tuple[str, str], tuple[Callable[[Env], bool], str]] = {
    ("ship_orders", "products"): (
        lambda env: True,
        "ship() only moves CONFIRMED to FULFILLED, which never releases stock",
    ),
    ("return_unbooked_orders", "products"): (
        lambda env: True,
        "a failed booking moves FULFILLING back to CONFIRMED (or on to FULFILLED): no release",
    ),
    ("return_unbooked_orders", "pricing"): (
        lambda env: True,
        "a redemption comes back only with released stock, which a failed booking never releases",
    ),
    ("ship_orders", "pricing"): (
        lambda env: True,
        "a redemption is given back only with released stock, which ship() never releases",
    ),
    ("notify_shoppers", "ledger"): (
        lambda env: env.get("MAILER") != "ses",
        "only the SES mailer records sent mail in the ledger",
    ),
    ("notify_shoppers", "ses"): (
        lambda env: env.get("MAILER") != "ses",
        "only MAILER=ses sends mail",
    ),
    **{
        (function, "secretsmanager"): (
            lambda env: env.get("PAYMENT_PROVIDER") != "stripe",
            "only PAYMENT_PROVIDER=stripe reads the provider's keys from Secrets Manager",
        )
        for function in ("take_payments", "fail_dead_payments", "api_handler", "work_return_steps")
    },
    ("api_handler", "sqs"): (
        lambda env: env.get("PAYMENT_PROVIDER") != "stripe",
        "only Stripe's webhook puts a payment nudge on the payments queue",
    ),
    ("api_handler", "cognito-idp"): (
        lambda env: env.get("AUTO_CONFIRM") != "true",
        "SignUp, ConfirmSignUp and InitiateAuth are unsigned public APIs that IAM never sees; "
        "AdminConfirmSignUp runs only with AUTO_CONFIRM=true",
    ),
}


# What a policy grants that no code of the function calls: the Lambda service uses the role.
FOR_THE_SERVICE: dict[tuple[str, str], str] = {
    ("work_return_steps", "sqs"): (
        "the queue's event source mapping receives and deletes with the function's role; the "
        "handler takes one message per call and never deletes itself"
    ),
    ("publish_order_events", "sqs"): (
        "the stream mapping sends a record of each given-up batch to its on-failure queue "
        "with the function's role (infra/streams.py)"
    ),
    ("index_products", "sqs"): (
        "the products stream's mapping records each given-up batch the same way (infra/streams.py)"
    ),
}


def _stage_env(stage: str) -> Env:
    config = project.chalice_config(ROOT)
    env = project.stage_environment(config, stage)
    return {**env, **project.policy_environment(config, stage), "MAIL_SENDER": "shop@example.org"}


def _rendered(stage: str) -> dict[str, dict[str, Any]]:
    outputs = fakes.stack_outputs(stage)
    return policies.render_for_deploy(
        stage, _stage_env(stage), fakes.REGION, fakes.ACCOUNT, outputs
    )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _granted(policy: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (action, resource)
        for statement in policy["Statement"]
        for action in _as_list(statement["Action"])
        for resource in _as_list(statement["Resource"])
    ]


def _tables(policy: dict[str, Any], stage: str) -> set[str]:
    """The tables whose items (or indexes) a policy lets a function read or write."""
    found = set()
    for action, resource in _granted(policy):
        match = re.search(r":table/shop-" + stage + r"-([a-z]+)", resource)
        if action.startswith("dynamodb:") and match and "/stream/" not in resource:
            found.add(match.group(1))
    return found


def _services(policy: dict[str, Any]) -> set[str]:
    prefixes = {action.split(":", 1)[0] for action, _ in _granted(policy)} - {"logs", "dynamodb"}
    # IAM's prefix for Step Functions is `states`; boto3's client is `stepfunctions`.
    return {"stepfunctions" if prefix == "states" else prefix for prefix in prefixes}


def _needed(function: str, thing: str, env: Env) -> bool:
    rule = NOT_AT_RUNTIME.get((function, thing))
    return rule is None or not rule[0](env)


def test_every_function_of_the_app_has_a_policy_template() -> None:
    assert set(reach.entry_points()) == set(policies.functions())


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_each_deployed_stage_names_one_policy_file_per_function(stage: str) -> None:
    config = project.chalice_config(ROOT)
    assert project.check_policy_files(config, stage) == {
        function: f"policy-{stage}-{function}.json" for function in policies.functions()
    }


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_each_function_may_use_exactly_the_tables_its_code_reaches(stage: str) -> None:
    env = _stage_env(stage)
    rendered = _rendered(stage)
    for function, entries in reach.entry_points().items():
        reached = reach.reach(entries).tables
        expected = {table for table in reached if _needed(function, table, env)}
        assert _tables(rendered[function], stage) == expected, function


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_each_function_may_call_exactly_the_services_its_code_calls(stage: str) -> None:
    env = _stage_env(stage)
    rendered = _rendered(stage)
    for function, entries in reach.entry_points().items():
        reached = reach.reach(entries).services
        expected = {service for service in reached if _needed(function, service, env)}
        expected |= {service for (name, service) in FOR_THE_SERVICE if name == function}
        if env["CHALICE_XRAY"] == "true":
            expected.add("xray")  # Lambda sends the function's traces with its role
        assert _services(rendered[function]) == expected, function


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_rendered_policies_are_plain_iam_on_the_stages_own_resources(stage: str) -> None:
    for function, policy in _rendered(stage).items():
        text = json.dumps(policy)
        assert "${" not in text, function
        assert "OnlyIf" not in text, function
        assert policy["Version"] == "2012-10-17"
        for statement in policy["Statement"]:
            assert set(statement) <= IAM_STATEMENT_KEYS, function
            assert statement["Effect"] == "Allow"
            if statement.get("Sid") == "SendTraces":
                # X-Ray's two write actions have no resource to name (IAM: "*" only).
                assert statement["Action"] == ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
                assert statement["Resource"] == "*"
                continue
            if statement.get("Sid") == "AnswerTaskTokens":
                # A service integration's task token has no resource IAM can scope ("*" only).
                assert set(statement["Action"]) <= {
                    "states:SendTaskSuccess",
                    "states:SendTaskFailure",
                }
                assert statement["Resource"] == "*"
                continue
            for action, resource in _granted({"Statement": [statement]}):
                assert "*" not in action, (function, action)
                assert resource != "*", (function, action)
                if resource.startswith("arn:aws:") and ":s3:::" not in resource:
                    assert f":{fakes.REGION}:{fakes.ACCOUNT}:" in resource, resource
                assert f"shop-{stage}-" in resource or ":identity/" in resource, resource


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_each_function_writes_only_its_own_log_group(stage: str) -> None:
    for function, policy in _rendered(stage).items():
        logs = {resource for action, resource in _granted(policy) if action.startswith("logs:")}
        assert logs == {
            f"arn:aws:logs:{fakes.REGION}:{fakes.ACCOUNT}:log-group:"
            f"/aws/lambda/shop-{stage}-{function}:*"
        }


@pytest.mark.parametrize(
    ("function", "consumer"),
    [
        ("take_payments", "payments"),
        ("ship_orders", "fulfillment"),
        ("notify_shoppers", "notifications"),
        ("count_sales", "reports"),
    ],
)
def test_a_queue_handler_may_poll_and_delete_from_its_own_queue_only(
    function: str, consumer: str
) -> None:
    policy = _rendered("dev")[function]
    queue = f"arn:aws:sqs:{fakes.REGION}:{fakes.ACCOUNT}:shop-dev-{consumer}"
    sqs = {(action, resource) for action, resource in _granted(policy) if action.startswith("sqs:")}
    # Lambda's event source mapping needs the first three; sqs_batch the last two.
    assert sqs == {
        (action, queue)
        for action in (
            "sqs:ReceiveMessage",
            "sqs:GetQueueAttributes",
            "sqs:DeleteMessage",
            "sqs:GetQueueUrl",
        )
    }


def test_the_stream_handler_may_read_the_orders_stream_and_publish_to_the_topic_only() -> None:
    granted = set(_granted(_rendered("dev")["publish_order_events"]))
    stream = f"arn:aws:dynamodb:{fakes.REGION}:{fakes.ACCOUNT}:table/shop-dev-orders/stream/*"
    topic = f"arn:aws:sns:{fakes.REGION}:{fakes.ACCOUNT}:shop-dev-events"
    failures = f"arn:aws:sqs:{fakes.REGION}:{fakes.ACCOUNT}:shop-dev-orders-stream-failures"
    reads = ("DescribeStream", "GetRecords", "GetShardIterator", "ListStreams")
    assert {grant for grant in granted if not grant[0].startswith("logs:")} == {
        *((f"dynamodb:{action}", stream) for action in reads),
        ("sns:Publish", topic),
        ("sqs:SendMessage", failures),
    }


def test_prod_may_send_mail_only_from_its_configured_sender() -> None:
    (statement,) = [
        s
        for s in _rendered("prod")["notify_shoppers"]["Statement"]
        if s["Action"] == ["ses:SendEmail"]
    ]
    assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": "shop@example.org"}}
    assert all("ses:" not in json.dumps(policy) for policy in _rendered("dev").values())


def test_every_placeholder_of_the_templates_is_a_stack_output_or_a_pseudo_parameter() -> None:
    outputs = build_template()["Outputs"]
    exported = {
        ".".join(value["Fn::GetAtt"]) if "Fn::GetAtt" in value else value.get("Ref")
        for value in (output["Value"] for output in outputs.values())
    }
    known = exported | {"Stage", "AWS::Region", "AWS::AccountId", "AWS::Partition"}
    for function in policies.functions():
        text = json.dumps(policies.load(function))
        used = set(re.findall(r"\$\{([^}]+)\}", text)) - {"Env:MAIL_SENDER"}
        assert used <= known, (function, used - known)


def test_only_a_stage_paying_with_stripe_may_read_its_stripe_secret() -> None:
    env = {**_stage_env("prod"), "PAYMENT_PROVIDER": "stripe"}
    stripe = policies.render_for_deploy(
        "prod", env, fakes.REGION, fakes.ACCOUNT, fakes.stack_outputs("prod")
    )
    for function in ("take_payments", "fail_dead_payments", "work_return_steps"):
        (statement,) = [
            s
            for s in stripe[function]["Statement"]
            if s["Action"] == ["secretsmanager:GetSecretValue"]
        ]
        assert statement["Resource"].endswith(":secret:shop-prod-stripe-*")
    webhook = {s["Sid"]: s for s in stripe["api_handler"]["Statement"]}
    assert webhook["ReadStripeWebhookSecret"]["Resource"].endswith(":secret:shop-prod-stripe-*")
    assert webhook["NudgePaymentsFromWebhooks"]["Action"] == ["sqs:GetQueueUrl", "sqs:SendMessage"]
    assert all("secretsmanager" not in json.dumps(p) for p in _rendered("prod").values())


def test_only_stages_that_trace_may_send_traces() -> None:
    assert project.xray_enabled(project.chalice_config(ROOT), "prod") is True
    assert project.xray_enabled(project.chalice_config(ROOT), "dev") is False
    for function in policies.functions():
        assert "xray:PutTraceSegments" in json.dumps(_rendered("prod")[function]), function
        assert "xray:" not in json.dumps(_rendered("dev")[function]), function
