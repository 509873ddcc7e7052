"""Small builders for CloudFormation intrinsic functions, so the template reads like YAML."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]

NO_VALUE: Json = {"Ref": "AWS::NoValue"}


def ref(name: str) -> Json:
    """A `Ref` to a parameter, resource or pseudo parameter."""
    return {"Ref": name}


def get_att(resource: str, attribute: str) -> Json:
    """An `Fn::GetAtt` of one of a resource's attributes."""
    return {"Fn::GetAtt": [resource, attribute]}


def sub(text: str) -> Json:
    """An `Fn::Sub` of `${Name}` and `${Resource.Attribute}` placeholders in `text`."""
    return {"Fn::Sub": text}


def if_(condition: str, then: Any, otherwise: Any) -> Json:
    """An `Fn::If` choosing a value by one of the template's conditions."""
    return {"Fn::If": [condition, then, otherwise]}


def equals(left: Any, right: Any) -> Json:
    """An `Fn::Equals` condition."""
    return {"Fn::Equals": [left, right]}


def not_(condition: Json) -> Json:
    """An `Fn::Not` condition."""
    return {"Fn::Not": [condition]}


def stage_name(name: str) -> Json:
    """The stage-scoped physical name `shop-<stage>-<name>` of a resource."""
    return sub(f"shop-${{Stage}}-{name}")


def logical_id(name: str, suffix: str) -> str:
    """A logical id from a kebab-case name: ("dead-letter", "Queue") -> "DeadLetterQueue"."""
    return "".join(part.capitalize() for part in name.split("-")) + suffix


def deleted_with_stack(resource: Json) -> Json:
    """Say outright that a stateful resource goes with its stack.

    The policies cannot depend on a condition without a transform, so prod's template replaces them
    with Retain where the data matters (infra.template.RETAINED_IN_PROD).
    """
    return {**resource, "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"}
