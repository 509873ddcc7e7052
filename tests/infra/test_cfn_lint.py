"""cfn-lint, AWS's template linter, finds nothing in the template, informational rules too."""

from __future__ import annotations

import pytest

from infra.template import build_template, to_json

cfnlint_api = pytest.importorskip("cfnlint.api", reason="cfn-lint is in requirements-dev.txt")


def test_cfn_lint_finds_nothing_in_the_template() -> None:
    config = cfnlint_api.ManualArgs(regions=["us-east-1"], include_checks=["I"])
    matches = cfnlint_api.lint(to_json(build_template()), config=config)
    assert [str(match) for match in matches] == []
