"""The Lambdas' environment: the stack's outputs the app reads, and the cursor-signing secret.

Chalice sets a function's environment only from the stage's `environment_variables`, and imports
app.py at deploy time with those variables set (chalice/cli/factory.py), so everything the app
reads at import (USER_POOL_ARN for the authorizer, ORDERS_STREAM_ARN, CORS_ORIGIN for the CORS
preflights, the stage's queue names) must be in the stage config that `chalice deploy` sees.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from deploy import DeployError
from infra.template import build_template, env_from_outputs

# Where the app reads its environment: chalicelib/config.py (settings) and app.py (at import).
APP_SOURCES = ("chalicelib/config.py", "app.py")
_READS = re.compile(r'(?:_env|os\.environ\.get|os\.getenv)\(\s*"([A-Z][A-Z0-9_]*)"')
SECRET_OUTPUT = "CursorSecretArn"
SECRET_VARIABLE = "CURSOR_SECRET"


def variables_the_app_reads(project: Path) -> set[str]:
    """Every environment variable app.py and chalicelib/config.py read."""
    names: set[str] = set()
    for source in APP_SOURCES:
        names.update(_READS.findall((project / source).read_text()))
    return names


def from_stack(stack_outputs: dict[str, str], reads: set[str]) -> dict[str, str]:
    """The outputs the app reads, as its variables; DeployError if the stack lacks one."""
    declared = set(env_from_outputs(dict.fromkeys(build_template()["Outputs"], "")))
    missing = (declared & reads) - set(env_from_outputs(stack_outputs))
    if missing:
        raise DeployError(f"the stack has no output for {sorted(missing)}; redeploy the stack")
    return {name: value for name, value in env_from_outputs(stack_outputs).items() if name in reads}


def cursor_secret(secretsmanager: Any, stack_outputs: dict[str, str]) -> str:
    """The cursor-signing key CloudFormation generated for the stage."""
    arn = stack_outputs.get(SECRET_OUTPUT)
    if not arn:
        raise DeployError(f"the stack has no {SECRET_OUTPUT} output; redeploy the stack")
    return str(secretsmanager.get_secret_value(SecretId=arn)["SecretString"])


def app_environment(
    project: Path, stack_outputs: dict[str, str], secret: str, extra: dict[str, str]
) -> dict[str, str]:
    """What the deploy adds to the stage's environment_variables."""
    reads = variables_the_app_reads(project)
    env = from_stack(stack_outputs, reads)
    env[SECRET_VARIABLE] = secret
    env.update(extra)
    return env


def without_app_variables(environ: dict[str, str], project: Path) -> dict[str, str]:
    """`environ` minus the app's own variables (AWS_* stay), so only the stage config sets them.

    Chalice imports app.py with the deploying shell's environment plus the stage's variables; a
    stray AUTH_MODE=local or PRODUCTS_TABLE=... exported in that shell must not reach the import.
    """
    reads = {name for name in variables_the_app_reads(project) if not name.startswith("AWS_")}
    return {name: value for name, value in environ.items() if name not in reads}
