"""What the app declares, read the way Chalice reads it: its functions and their event sources.

`read()` runs this module in a child process (`python -m deploy.app_facts <project> <stage>`):
importing app.py with a stage's environment must not leave that environment, or that stage's
modules, behind in the caller.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from deploy import DeployError

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class AppFacts:
    """The app's Lambda functions and where their events come from."""

    functions: list[str]
    queues: dict[str, str] = field(default_factory=dict)  # function -> queue name
    streams: dict[str, str] = field(default_factory=dict)  # function -> stream ARN
    cognito_authorizers: list[str] = field(default_factory=list)


def _facts_of(app: Any) -> AppFacts:
    from chalice.app import CognitoUserPoolAuthorizer, DynamoDBEventConfig, SQSEventConfig

    functions = ["api_handler"] if app.routes else []
    queues: dict[str, str] = {}
    streams: dict[str, str] = {}
    for source in app.event_sources:
        functions.append(source.name)
        if isinstance(source, SQSEventConfig):
            queues[source.name] = source.queue or str(source.queue_arn).rsplit(":", 1)[-1]
        elif isinstance(source, DynamoDBEventConfig):
            streams[source.name] = source.stream_arn
    authorizers = {
        entry.authorizer.name
        for methods in app.routes.values()
        for entry in methods.values()
        if isinstance(entry.authorizer, CognitoUserPoolAuthorizer)
    }
    return AppFacts(sorted(functions), queues, streams, sorted(authorizers))


def read(project_dir: Path, stage: str, env: dict[str, str]) -> AppFacts:
    """The facts of the app in `project_dir`, imported with `stage`'s config, in a child process."""
    argv = [sys.executable, "-m", "deploy.app_facts", str(project_dir), stage]
    done = subprocess.run(  # noqa: S603 (our own interpreter and module)
        argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise DeployError(f"could not import the app for stage {stage}:\n{done.stderr}")
    data = json.loads(done.stdout)
    return AppFacts(**data)


def main(argv: list[str] | None = None) -> int:
    """Print the facts of the app in argv[0] for stage argv[1] as JSON."""
    from chalice.cli.factory import CLIFactory

    project_dir, stage = argv if argv is not None else sys.argv[1:3]
    # As the chalice CLI does: the stage's variables go into os.environ before app.py is imported.
    config = CLIFactory(project_dir, environ=os.environ).create_config_obj(stage)
    json.dump(asdict(_facts_of(config.chalice_app)), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
