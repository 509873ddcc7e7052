"""Read the template as a reviewer would: one stage's values, references kept as names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from infra.intrinsics import Context, bind_parameters, evaluate_conditions, resolve
from infra.template import build_template


class SymbolicContext(Context):
    """Resolves parameters and conditions; a resource reference stays `ref:X` or `att:X.Attr`."""

    def ref(self, name: str) -> Any:
        """The parameter's value, or `ref:<LogicalId>` for a resource."""
        if name in self.parameters or name == "AWS::NoValue":
            return super().ref(name)
        return f"ref:{name}"

    def get_att(self, resource: str, attribute: str) -> str:
        """`att:<LogicalId>.<Attribute>`."""
        return f"att:{resource}.{attribute}"


def resources(stage: str = "local", **parameters: Any) -> dict[str, Any]:
    """The template's resources for one stage, with every property resolved but references."""
    template = build_template(stage)
    ctx = SymbolicContext(
        parameters=bind_parameters(template["Parameters"], {"Stage": stage, **parameters}),
        pseudo={},
    )
    ctx.conditions = evaluate_conditions(template["Conditions"], ctx)
    return {
        name: {**body, "Properties": resolve(body.get("Properties", {}), ctx)}
        for name, body in template["Resources"].items()
    }


def of_type(kind: str, stage: str = "local", **parameters: Any) -> dict[str, dict[str, Any]]:
    """The properties of every resource of one type, by logical id."""
    return {
        name: body["Properties"]
        for name, body in resources(stage, **parameters).items()
        if body["Type"] == kind
    }


def key_schema(schema: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """A key schema as {"HASH": name, "RANGE": name}, whatever order it was written in."""
    return {str(key["KeyType"]): str(key["AttributeName"]) for key in schema}
