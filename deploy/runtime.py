"""The Python the deploy runs on, which is also the Lambda runtime: Chalice picks one by the other.

`chalice deploy` and `chalice package` choose the Lambda runtime from the interpreter running them
(chalice/config.py, `lambda_python_version`). The shop pins python3.11 on purpose: it is the
interpreter the project is developed and tested with (pyproject.toml, Makefile), so the code that
runs in Lambda is the code the tests ran.
"""

from __future__ import annotations

import os
import sys

from deploy import DeployError

PYTHON = (3, 11)
LAMBDA_RUNTIME = f"python{PYTHON[0]}.{PYTHON[1]}"


def require_python(version: tuple[int, int] | None = None) -> None:
    """Stop unless this is the documented Python, so Chalice cannot pick another runtime."""
    running = version or (sys.version_info[0], sys.version_info[1])
    if running != PYTHON:
        raise DeployError(
            f"The deploy runs on Python {PYTHON[0]}.{PYTHON[1]} (Lambda runtime {LAMBDA_RUNTIME}), "
            f"but this is Python {running[0]}.{running[1]}: Chalice would deploy "
            f"python{running[0]}.{running[1]}. Use the project's venv: make deploy "
            "(or .venv/bin/python -m deploy)."
        )


def require_region(environ: dict[str, str] | None = None) -> str:
    """The AWS region to deploy to, from AWS_DEFAULT_REGION (Chalice needs that variable)."""
    env = os.environ if environ is None else environ
    region = env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION")
    if not region:
        raise DeployError(
            "Set AWS_DEFAULT_REGION (for example: export AWS_DEFAULT_REGION=eu-west-1); "
            "chalice deploy and chalice package both need it."
        )
    return region
