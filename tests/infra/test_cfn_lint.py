"""cfn-lint, AWS's template linter, finds nothing in the templates, informational rules too."""

from __future__ import annotations

import pytest

from infra.template import build_template, to_json

cfnlint_api = pytest.importorskip("cfnlint.api", reason="cfn-lint is in requirements-dev.txt")


@pytest.mark.parametrize("stage", [None, "prod"], ids=["shared", "prod"])
def test_cfn_lint_finds_nothing_in_the_template(stage: str | None) -> None:
    config = cfnlint_api.ManualArgs(regions=["us-east-1"], include_checks=["I"])
    matches = cfnlint_api.lint(to_json(build_template(stage)), config=config)
    assert [str(match) for match in matches] == []
