"""CloudFormation's template language, as much as infra/template.py uses of it.

Parameters (defaults, AllowedValues, Min/MaxValue), Conditions, `Ref`, `Fn::GetAtt`, `Fn::Sub`,
`Fn::Join`, `Fn::If`, `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`, `AWS::NoValue`, and the order in
which resources can be created. Anything else raises, so the template cannot outgrow the
interpreter silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]

_SUB_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


class TemplateError(Exception):
    """The template uses something this interpreter does not support, or is inconsistent."""


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


@dataclass
class Context:
    """What intrinsic functions resolve against: parameters, conditions and created resources."""

    parameters: dict[str, str]
    pseudo: dict[str, str]
    conditions: dict[str, bool] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)

    def ref(self, name: str) -> Any:
        """The value of `Ref name`."""
        if name == "AWS::NoValue":
            return NO_VALUE
        for table in (self.parameters, self.pseudo, self.refs):
            if name in table:
                return table[name]
        raise TemplateError(f"Ref to {name}, which is not a parameter or a created resource")

    def get_att(self, resource: str, attribute: str) -> str:
        """The value of `Fn::GetAtt [resource, attribute]`."""
        try:
            return self.attributes[resource][attribute]
        except KeyError:
            raise TemplateError(f"Fn::GetAtt {resource}.{attribute} is not known") from None


def bind_parameters(declared: Json, given: dict[str, Any]) -> dict[str, str]:
    """The parameters' values as `Ref` sees them (strings), checked against the template."""
    unknown = set(given) - set(declared)
    if unknown:
        raise TemplateError(f"unknown parameters: {sorted(unknown)}")
    values: dict[str, str] = {}
    for name, spec in declared.items():
        if name not in given and "Default" not in spec:
            raise TemplateError(f"parameter {name} has no value and no default")
        value = str(given.get(name, spec.get("Default")))
        allowed = spec.get("AllowedValues")
        if allowed is not None and value not in [str(v) for v in allowed]:
            raise TemplateError(f"parameter {name}={value!r} is not one of {allowed}")
        if spec.get("Type") == "Number":
            number = float(value)
            if not spec.get("MinValue", number) <= number <= spec.get("MaxValue", number):
                raise TemplateError(f"parameter {name}={value} is out of range")
        values[name] = value
    return values


def evaluate_conditions(conditions: Json, ctx: Context) -> dict[str, bool]:
    """Every named condition's truth value."""
    results: dict[str, bool] = {}

    def evaluate(name: str) -> bool:
        if name not in results:
            results[name] = bool(_condition(conditions[name], ctx, evaluate))
        return results[name]

    for name in conditions:
        evaluate(name)
    return results


def _condition(value: Any, ctx: Context, named: Callable[[str], bool]) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Condition":
            return named(arg)
        if key == "Fn::Equals":
            left, right = (_condition(v, ctx, named) for v in arg)
            return str(left) == str(right)
        if key == "Fn::Not":
            return not _condition(arg[0], ctx, named)
        if key == "Fn::And":
            return all(_condition(v, ctx, named) for v in arg)
        if key == "Fn::Or":
            return any(_condition(v, ctx, named) for v in arg)
    return resolve(value, ctx)


def resolve(value: Any, ctx: Context) -> Any:
    """`value` with every intrinsic function in it evaluated; `NO_VALUE` entries dropped."""
    if isinstance(value, list):
        items = (resolve(item, ctx) for item in value)
        return [item for item in items if item is not NO_VALUE]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            return ctx.ref(arg)
        if key.startswith("Fn::"):
            function = _FUNCTIONS.get(key)
            if function is None:
                raise TemplateError(f"{key} is not supported by infra.intrinsics")
            return function(arg, ctx)
    resolved = {key: resolve(item, ctx) for key, item in value.items()}
    return {key: item for key, item in resolved.items() if item is not NO_VALUE}


def _get_att(arg: Any, ctx: Context) -> str:
    resource, attribute = arg.split(".", 1) if isinstance(arg, str) else arg
    return ctx.get_att(resource, attribute)


def _sub(arg: Any, ctx: Context) -> str:
    text, variables = (arg, {}) if isinstance(arg, str) else arg
    bound = {name: resolve(item, ctx) for name, item in variables.items()}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in bound:
            return str(bound[name])
        if "." in name:
            return _get_att(name, ctx)
        return str(ctx.ref(name))

    return _SUB_PLACEHOLDER.sub(replace, text)


def _join(arg: Any, ctx: Context) -> str:
    delimiter, items = arg
    return str(delimiter).join(str(item) for item in resolve(items, ctx))


def _if(arg: Any, ctx: Context) -> Any:
    name, then, otherwise = arg
    if name not in ctx.conditions:
        raise TemplateError(f"Fn::If on unknown condition {name}")
    return resolve(then if ctx.conditions[name] else otherwise, ctx)


_FUNCTIONS: dict[str, Callable[[Any, Context], Any]] = {
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::If": _if,
}


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from _references(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                yield item
            elif key == "Fn::GetAtt":
                yield item.split(".", 1)[0] if isinstance(item, str) else item[0]
            elif key == "Fn::Sub":
                text = item if isinstance(item, str) else item[0]
                for name in _SUB_PLACEHOLDER.findall(text):
                    yield name.split(".", 1)[0]
                yield from _references(item if isinstance(item, str) else item[1])
            else:
                yield from _references(item)


def dependencies(resource: Json, resources: Json) -> set[str]:
    """The logical ids of the other resources that `resource` refers to or DependsOn."""
    depends_on = resource.get("DependsOn", [])
    names = set([depends_on] if isinstance(depends_on, str) else depends_on)
    names.update(_references(resource.get("Properties", {})))
    return {name for name in names if name in resources}


def creation_order(resources: Json) -> list[str]:
    """The resources' logical ids, each after everything it depends on, else in template order."""
    pending = {name: dependencies(body, resources) for name, body in resources.items()}
    ordered: list[str] = []
    while pending:
        ready = [name for name, needs in pending.items() if needs <= set(ordered)]
        if not ready:
            raise TemplateError(f"circular dependency among {sorted(pending)}")
        for name in ready:
            ordered.append(name)
            del pending[name]
    return ordered
