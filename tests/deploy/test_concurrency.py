"""Provisioned concurrency through the alias `live`: the deploy step after `chalice deploy`, and the
packaged template's SAM alias. moto has no provisioned concurrency and cannot patch an API
integration, so the deploy step runs against recording stand-ins of the two clients, and the
packaged form is linted with cfn-lint (which runs SAM's own translator)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from deploy import concurrency, package
from deploy.stages import STAGES

ARN = "arn:aws:lambda:eu-west-1:111122223333:function:shop-prod-api_handler"
DEPLOYED = {
    "resources": [{"name": "api_handler", "resource_type": "lambda_function", "lambda_arn": ARN}]
}
URI = f"arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/{ARN}/invocations"


class Recorder:
    """A boto3 client stand-in: records each call, answers from `answers` or raises."""

    def __init__(self, answers: dict[str, Any]):
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        def call(**kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            answer = self.answers.get(name, {})
            if isinstance(answer, Exception):
                raise answer
            return answer(**kwargs) if callable(answer) else answer

        return call

    def get_paginator(self, name: str) -> Any:
        recorder = self

        class Paginator:
            def paginate(self, **kwargs: Any) -> list[Any]:
                recorder.calls.append((name, kwargs))
                return [recorder.answers[name]]

        return Paginator()

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


def _error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "op")


def _api() -> Recorder:
    resources = {
        "items": [
            {"id": "r1", "resourceMethods": {"GET": {}, "OPTIONS": {}}},
            {"id": "r2", "resourceMethods": {"POST": {}}},
            {"id": "root"},
        ]
    }

    def integration(httpMethod: str, **_: Any) -> dict[str, Any]:
        return {"type": "MOCK"} if httpMethod == "OPTIONS" else {"uri": URI}

    return Recorder({"get_resources": resources, "get_integration": integration})


def test_with_the_knob_up_the_api_calls_a_warm_alias() -> None:
    functions = Recorder(
        {
            "publish_version": {"Version": "7"},
            "update_alias": _error("ResourceNotFoundException"),
            "create_alias": {"AliasArn": f"{ARN}:live"},
        }
    )
    api = _api()

    done = concurrency.configure(functions, api, DEPLOYED, "abc123", 3)

    assert done == concurrency.Provisioned(f"{ARN}:live", "7", 3, integrations=2)
    assert functions.names() == [
        "publish_version",
        "update_alias",
        "create_alias",
        "put_provisioned_concurrency_config",
        "add_permission",
    ]
    calls = dict(functions.calls)
    assert calls["create_alias"] == {
        "FunctionName": "shop-prod-api_handler",
        "Name": "live",
        "FunctionVersion": "7",
    }
    assert calls["put_provisioned_concurrency_config"] == {
        "FunctionName": "shop-prod-api_handler",
        "Qualifier": "live",
        "ProvisionedConcurrentExecutions": 3,
    }
    assert calls["add_permission"]["Qualifier"] == "live"
    assert (
        calls["add_permission"]["SourceArn"]
        == "arn:aws:execute-api:eu-west-1:111122223333:abc123/*"
    )
    patched = [kwargs for name, kwargs in api.calls if name == "update_integration"]
    assert [(p["resourceId"], p["httpMethod"]) for p in patched] == [("r1", "GET"), ("r2", "POST")]
    for p in patched:
        (operation,) = p["patchOperations"]
        assert operation["value"] == URI.replace(ARN, f"{ARN}:live")


def test_a_second_deploy_moves_the_alias_and_keeps_the_permission() -> None:
    functions = Recorder(
        {
            "publish_version": {"Version": "8"},
            "update_alias": {"AliasArn": f"{ARN}:live"},
            "add_permission": _error("ResourceConflictException"),
        }
    )
    done = concurrency.configure(functions, _api(), DEPLOYED, "abc123", 1)
    assert done is not None
    assert done.version == "8"
    assert "create_alias" not in functions.names()


def test_with_the_knob_at_zero_nothing_is_provisioned_and_old_provisioning_is_removed() -> None:
    functions = Recorder(
        {"delete_provisioned_concurrency_config": _error("ResourceNotFoundException")}
    )
    api = _api()
    assert concurrency.configure(functions, api, DEPLOYED, "abc123", 0) is None
    assert functions.names() == ["delete_provisioned_concurrency_config"]
    assert api.calls == []


def test_the_knob_is_off_by_default_in_every_stage() -> None:
    assert {name: stage.provisioned_concurrency for name, stage in STAGES.items()} == {
        "dev": 0,
        "prod": 0,
    }


def test_the_packaged_api_calls_the_alias_when_the_knob_is_up() -> None:
    sam = {
        "Resources": {
            "APIHandler": {"Type": "AWS::Serverless::Function", "Properties": {}},
            "APIHandlerInvokePermission": {"Properties": {"FunctionName": {"Ref": "APIHandler"}}},
            "RestAPI": {
                "Properties": {
                    "DefinitionBody": {
                        "paths": {
                            "/x": {
                                "get": {
                                    "x-amazon-apigateway-integration": {
                                        "uri": {
                                            "Fn::Sub": "arn:${AWS::Partition}:apigateway:"
                                            "${AWS::Region}:lambda:path/2015-03-31/functions/"
                                            "${APIHandler.Arn}/invocations"
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            },
        }
    }
    pointed = package.point_api_at_alias(sam)
    uri = pointed["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]["/x"]["get"][
        "x-amazon-apigateway-integration"
    ]["uri"]["Fn::Sub"]
    assert "${APIHandlerAliaslive}" in uri
    assert "${APIHandler.Arn}" not in uri
    permission = pointed["Resources"]["APIHandlerInvokePermission"]["Properties"]
    assert permission["FunctionName"] == {"Ref": "APIHandlerAliaslive"}
