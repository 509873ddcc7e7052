"""What each Lambda function of the app can reach, read from the source: tables and AWS services.

A small call graph over app.py and chalicelib/: from a handler, follow every name that leads to a
function or class of chalicelib (a class brings all its methods), and note

- each PynamoDB model used for I/O: any use of the class except reading one of its attributes
  (`Order.status == ...` builds a condition) or `from_raw_data` (decodes a stream image);
- each `aws.client("<service>")`.

It over-approximates (a branch a stage never takes still counts), never under-approximates for
the code as written: no dynamic dispatch beyond the classes it reaches.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_IO = {"from_raw_data"}
Node = tuple[str, str]  # (module, qualified name)


@dataclass
class Module:
    """One parsed module: its top-level definitions and what its names import."""

    name: str
    tree: ast.Module
    defs: dict[str, ast.AST] = field(default_factory=dict)
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)


@dataclass
class Reach:
    """What a function can touch."""

    tables: set[str] = field(default_factory=set)
    services: set[str] = field(default_factory=set)


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


@cache
def modules() -> dict[str, Module]:
    """app.py and every chalicelib module, parsed."""
    paths = [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]
    found = {}
    for path in paths:
        module = Module(_module_name(path), ast.parse(path.read_text()))
        for node in module.tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                module.defs[node.name] = node
        for any_node in ast.walk(module.tree):  # imports inside functions count too
            if isinstance(any_node, ast.ImportFrom) and any_node.module:
                for alias in any_node.names:
                    module.imports[alias.asname or alias.name] = (any_node.module, alias.name)
        found[module.name] = module
    return found


@cache
def models() -> dict[str, str]:
    """Each PynamoDB model's class name and the base name of its table (`Order` -> `orders`)."""
    from chalicelib.storage.models import ALL_MODELS

    return {
        model.__name__: re.sub(r"^shop-[a-z0-9]+-", "", str(model.Meta.table_name))
        for model in ALL_MODELS
    }


def _is_attribute(model: str, attr: str) -> bool:
    from pynamodb.attributes import Attribute

    import chalicelib.storage.models

    return isinstance(getattr(getattr(chalicelib.storage.models, model), attr, None), Attribute)


def _resolve(module: Module, name: str) -> tuple[str, str] | None:
    """What a bare name means in a module: ("def", node), ("module", name) or ("model", class)."""
    if name in module.defs:
        return "def", f"{module.name}:{name}"
    if name not in module.imports:
        return None
    source, attr = module.imports[name]
    if f"{source}.{attr}" in modules():
        return "module", f"{source}.{attr}"
    if source == "chalicelib.storage.models" and attr in models():
        return "model", str(attr)
    if source in modules() and attr in modules()[source].defs:
        return "def", f"{source}:{attr}"
    return None


def _definition(node_id: str) -> ast.AST:
    module_name, qualname = node_id.split(":", 1)
    return modules()[module_name].defs[qualname]


def reach(entries: list[str]) -> Reach:
    """Tables and services reachable from `module:function` entry points."""
    found = Reach()
    seen: set[str] = set()
    pending = list(entries)
    while pending:
        node_id = pending.pop()
        if node_id in seen:
            continue
        seen.add(node_id)
        module = modules()[node_id.split(":", 1)[0]]
        pending.extend(_visit(module, _definition(node_id), found))
    return found


def _visit(module: Module, tree: ast.AST, found: Reach) -> list[str]:
    targets: list[str] = []
    handled: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            handled.add(id(node.value))
            targets.extend(_visit_attribute(module, node, node.value.id, found))
        elif isinstance(node, ast.Call) and _is_aws_client(module, node):
            found.services.add(node.args[0].value)  # type: ignore[attr-defined]
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and id(node) not in handled:
            targets.extend(_visit_name(module, node.id, found))
    return targets


def _visit_attribute(module: Module, node: ast.Attribute, name: str, found: Reach) -> list[str]:
    """`name.attr`: a function of a module, a model used for I/O, or a function's attribute."""
    meaning = _resolve(module, name)
    if meaning is None:
        return []
    kind, target = meaning
    if kind == "module" and node.attr in modules()[target].defs:
        return [f"{target}:{node.attr}"]
    if kind == "model" and not (node.attr in NOT_IO or _is_attribute(target, node.attr)):
        found.tables.add(models()[target])
    return [target] if kind == "def" else []


def _visit_name(module: Module, name: str, found: Reach) -> list[str]:
    """A bare name: a function to follow, or a model used as a whole."""
    meaning = _resolve(module, name)
    if meaning is None:
        return []
    kind, target = meaning
    if kind == "model":
        found.tables.add(models()[target])
    return [target] if kind == "def" else []


def _is_aws_client(module: Module, node: ast.Call) -> bool:
    func = node.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "client"
        and isinstance(func.value, ast.Name)
        and _resolve(module, func.value.id) == ("module", "chalicelib.adapters.aws")
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
    )


def _decorator_names(node: ast.FunctionDef) -> set[str]:
    names = set()
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        names.add(ast.unparse(target))
    return names


def entry_points() -> dict[str, list[str]]:
    """Each Lambda function of app.py and the app.py functions it starts from."""
    app = modules()["app"]
    functions: dict[str, list[str]] = {"api_handler": []}
    for node in ast.walk(app.tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        decorators = _decorator_names(node)
        if decorators & {"app.on_sqs_message", "app.on_dynamodb_record", "app.schedule"}:
            functions[node.name] = [f"app:{node.name}"]
        elif decorators & {"route", "app.middleware"}:
            app.defs.setdefault(node.name, node)  # middleware may sit under an `if`
            functions["api_handler"].append(f"app:{node.name}")
    return functions
