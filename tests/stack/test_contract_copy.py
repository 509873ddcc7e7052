"""docs/api.md is the contract, verbatim; its routes and the extensions' are the served ones."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from chalicelib.web import openapi

ROOT = Path(__file__).resolve().parents[2]
# The contract lives beside the project's checkouts (../shared/API.md from the main checkout).
CONTRACT_CANDIDATES = [
    Path(os.environ["SHOP_CONTRACT"]) if os.environ.get("SHOP_CONTRACT") else None,
    ROOT.parent / "shared" / "API.md",
    ROOT.parent.parent / "shared" / "API.md",
]
ROUTE = re.compile(r"(?:^\|\s*|`)(GET|POST|PUT|PATCH|DELETE) (/[^\s?`|]*)", re.MULTILINE)
# Routes the contract names that this round's other work has not served yet, by contract section.
# Serving one makes this test fail until it leaves this list: the list only ever shrinks.
NOT_YET_SERVED: dict[str, set[tuple[str, str]]] = {}


def _shape(path: str) -> str:
    """A path with its parameters unnamed: /cart/items/{productId} and {variantId} are one route."""
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/") or "/")


def _documented(text: str) -> set[tuple[str, str]]:
    return {(method, _shape(path)) for method, path in ROUTE.findall(text)}


def _served() -> set[tuple[str, str]]:
    paths = openapi.document()["paths"]
    return {(method.upper(), _shape(path)) for path, item in paths.items() for method in item}


def test_docs_api_md_is_the_contract_verbatim() -> None:
    contract = next((path for path in CONTRACT_CANDIDATES if path and path.is_file()), None)
    if contract is None:
        pytest.skip("no ../shared/API.md beside this checkout (set SHOP_CONTRACT to its path)")
    assert (ROOT / "docs" / "api.md").read_text() == contract.read_text(), (
        f"docs/api.md differs from {contract}: copy it over (cp {contract} docs/api.md)"
    )


def test_the_documented_routes_are_the_served_routes() -> None:
    documented = _documented((ROOT / "docs" / "api.md").read_text())
    documented |= _documented((ROOT / "docs" / "api-extensions.md").read_text())
    pending = set().union(*NOT_YET_SERVED.values())

    assert _served() - documented == set()
    assert documented - _served() == pending


def test_the_readme_links_the_contract_inside_the_repository() -> None:
    for doc in (ROOT / "README.md", ROOT / "docs" / "api-extensions.md"):
        text = doc.read_text()
        assert "../shared/API.md" not in text, doc
        for target in re.findall(r"\]\(([^)#]+)\)", text):
            if "://" not in target:
                assert (doc.parent / target).exists(), f"{doc.name}: {target} is missing"
