"""The deploy's small decisions: the Python, the region, the stage, and CloudFormation's moods."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from deploy import DeployError, runtime, stack
from deploy.stages import STAGES, check_payment_provider, extra_env, stage_settings

NAME = "shop-dev"
TEMPLATE: dict[str, Any] = {"Resources": {}}


@pytest.fixture
def cfn() -> Any:
    """A CloudFormation client whose answers the test scripts."""
    return boto3.client("cloudformation", region_name="us-east-1")


def _stack(status: str, outputs: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "Stacks": [
            {
                "StackName": NAME,
                "CreationTime": "2026-01-01T00:00:00Z",
                "StackStatus": status,
                "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in (outputs or {}).items()],
            }
        ]
    }


def test_an_update_with_nothing_to_change_is_a_success(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", _stack("UPDATE_COMPLETE"))
        stub.add_client_error(
            "update_stack",
            service_error_code="ValidationError",
            service_message="No updates are to be performed.",
        )
        stub.add_response("describe_stacks", _stack("UPDATE_COMPLETE", {"WebUrl": "http://w"}))
        assert stack.deploy_stack(cfn, NAME, TEMPLATE, {"Stage": "dev"}) == {"WebUrl": "http://w"}


def test_any_other_update_error_is_raised(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", _stack("CREATE_COMPLETE"))
        stub.add_client_error(
            "update_stack", service_error_code="ValidationError", service_message="Bad template"
        )
        with pytest.raises(Exception, match="Bad template"):
            stack.deploy_stack(cfn, NAME, TEMPLATE, {})


def test_a_stack_whose_first_create_failed_is_deleted_and_created_again(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", _stack("ROLLBACK_COMPLETE"))
        stub.add_response("describe_stacks", _stack("ROLLBACK_COMPLETE"))  # delete_stack looks
        stub.add_response("delete_stack", {})
        stub.add_client_error(
            "describe_stacks",
            service_error_code="ValidationError",
            service_message=f"Stack with id {NAME} does not exist",
        )  # the delete waiter
        stub.add_response("create_stack", {"StackId": "arn:aws:cloudformation:::stack/x"})
        stub.add_response("describe_stacks", _stack("CREATE_COMPLETE"))  # the create waiter
        stub.add_response("describe_stacks", _stack("CREATE_COMPLETE", {"A": "1"}))
        assert stack.deploy_stack(cfn, NAME, TEMPLATE, {}, delay=1) == {"A": "1"}


def test_a_busy_stack_is_left_alone(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", _stack("UPDATE_IN_PROGRESS"))
        with pytest.raises(DeployError, match="busy"):
            stack.deploy_stack(cfn, NAME, TEMPLATE, {})


def test_deleting_a_stack_that_is_not_there_is_fine(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_client_error("describe_stacks", service_message="Stack with id x does not exist")
        assert stack.delete_stack(cfn, NAME) is False


def test_only_python_3_11_may_deploy_because_it_is_the_lambda_runtime() -> None:
    runtime.require_python((3, 11))
    with pytest.raises(DeployError, match=r"Python 3\.11 .*python3\.11.*this is Python 3\.12"):
        runtime.require_python((3, 12))


def test_the_region_must_be_set() -> None:
    assert runtime.require_region({"AWS_DEFAULT_REGION": "eu-west-1"}) == "eu-west-1"
    with pytest.raises(DeployError, match="AWS_DEFAULT_REGION"):
        runtime.require_region({})


def test_only_dev_and_prod_deploy() -> None:
    assert set(STAGES) == {"dev", "prod"}
    with pytest.raises(DeployError, match="local"):
        stage_settings("local")


def test_prod_needs_a_mail_sender_and_dev_needs_nothing() -> None:
    assert extra_env(stage_settings("dev"), {}) == {}
    assert extra_env(stage_settings("prod"), {"MAIL_SENDER": "a@b.c"}) == {"MAIL_SENDER": "a@b.c"}
    with pytest.raises(DeployError, match="MAIL_SENDER"):
        extra_env(stage_settings("prod"), {})


def test_prod_refuses_the_simulated_payment_provider_unless_told_on_purpose() -> None:
    prod, dev = stage_settings("prod"), stage_settings("dev")
    with pytest.raises(DeployError, match="ALLOW_SIMULATED_PAYMENTS=yes"):
        check_payment_provider(prod, {})
    with pytest.raises(DeployError, match="simulated payment provider"):
        check_payment_provider(prod, {"PAYMENT_PROVIDER": "simulated"})
    assert check_payment_provider(prod, {}, allow_simulated=True) == "simulated"
    assert check_payment_provider(prod, {"PAYMENT_PROVIDER": "stripe"}) == "stripe"
    assert check_payment_provider(dev, {}) == "simulated"
