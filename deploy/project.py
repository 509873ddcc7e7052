"""The build directory Chalice runs in: the project as committed, plus what the deploy knows.

build/deploy-<stage>/ holds app.py, chalicelib/ and requirements.txt as they are, and a
.chalice/ whose config.json has the stack's values merged into the stage's environment and whose
policy files are rendered with the stack's ARNs. Nothing generated is ever written into the working
tree. Chalice's record of what it deployed (.chalice/deployed/<stage>.json, which makes the next
`chalice deploy` an update and `chalice delete` possible) and its cache of built dependencies
(.chalice/deployments/) live in the project's own .chalice/, gitignored, linked from the build
directory, so cleaning build/ loses nothing.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploy import DeployError, policies

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("app.py", "requirements.txt")
PACKAGES = ("chalicelib",)
# Chalice's state: kept in the project, linked into each build directory.
KEPT = ("deployed", "deployments")


def chalice_config(project: Path) -> dict[str, Any]:
    """The committed .chalice/config.json."""
    data: dict[str, Any] = json.loads((project / ".chalice" / "config.json").read_text())
    return data


def stage_config(config: dict[str, Any], stage: str) -> dict[str, Any]:
    """One stage's section of the Chalice config; DeployError if there is none."""
    try:
        section: dict[str, Any] = config["stages"][stage]
    except KeyError:
        raise DeployError(f".chalice/config.json has no stage {stage!r}") from None
    return section


def stage_environment(config: dict[str, Any], stage: str) -> dict[str, str]:
    """The stage's environment variables as committed (top level, then the stage's)."""
    env = dict(config.get("environment_variables", {}))
    env.update(stage_config(config, stage).get("environment_variables", {}))
    return env


def xray_enabled(config: dict[str, Any], stage: str) -> bool:
    """Whether the stage traces with X-Ray (Chalice's `xray`, the stage's over the top level's)."""
    return bool(stage_config(config, stage).get("xray", config.get("xray", False)))


def policy_environment(config: dict[str, Any], stage: str) -> dict[str, str]:
    """What a policy's `OnlyIf` may ask besides the stage's variables: CHALICE_XRAY."""
    return {"CHALICE_XRAY": str(xray_enabled(config, stage)).lower()}


def merged_config(config: dict[str, Any], stage: str, env: dict[str, str]) -> dict[str, Any]:
    """The config with `env` added to the stage's environment_variables."""
    merged = copy.deepcopy(config)
    section = stage_config(merged, stage)
    section["environment_variables"] = {**section.get("environment_variables", {}), **env}
    return merged


def check_policy_files(config: dict[str, Any], stage: str) -> dict[str, str]:
    """Each function's iam_policy_file; DeployError unless config and deploy/policies agree."""
    section = stage_config(config, stage)
    if section.get("autogen_policy", config.get("autogen_policy", True)):
        raise DeployError(f"stage {stage} must set autogen_policy: false in .chalice/config.json")
    files = {
        name: function.get("iam_policy_file")
        for name, function in section.get("lambda_functions", {}).items()
    }
    expected = {name: policies.file_name(stage, name) for name in policies.functions()}
    if files != expected:
        raise DeployError(
            f"stage {stage}'s lambda_functions in .chalice/config.json must name exactly these "
            f"iam_policy_file values: {expected}; they name {files}"
        )
    return expected


def _copy_sources(project: Path, build: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SOURCES:
        shutil.copy2(project / name, build / name)
    for name in PACKAGES:
        shutil.copytree(project / name, build / name, ignore=ignore)


def state_dir(project: Path) -> Path:
    """Where Chalice's deployed records and dependency cache are kept: the project's .chalice/."""
    return project / ".chalice"


def _link_state(state: Path, build: Path) -> None:
    for name in KEPT:
        kept = state / name
        kept.mkdir(parents=True, exist_ok=True)
        os.symlink(kept, build / ".chalice" / name, target_is_directory=True)


@dataclass(frozen=True)
class StageBuild:
    """What a build directory holds for one stage: its name, the environment its functions get
    beside the committed one, and its rendered policies (function -> policy document)."""

    stage: str
    env: dict[str, str] = field(default_factory=dict)
    rendered: dict[str, dict[str, Any]] = field(default_factory=dict)


def prepare(project: Path, build: Path, state: Path, what: StageBuild) -> Path:
    """Write the build directory for one stage afresh; answer its path."""
    stage, env, rendered = what.stage, what.env, what.rendered
    if build.is_symlink() or build.is_file():
        build.unlink()
    elif build.exists():
        shutil.rmtree(build)
    (build / ".chalice").mkdir(parents=True)
    _copy_sources(project, build)
    config = chalice_config(project)
    files = check_policy_files(config, stage) if rendered else {}
    (build / ".chalice" / "config.json").write_text(
        json.dumps(merged_config(config, stage, env), indent=2) + "\n"
    )
    for function, policy in rendered.items():
        (build / ".chalice" / files[function]).write_text(json.dumps(policy, indent=2) + "\n")
    _link_state(state, build)
    return build


def deployed_state(state: Path, stage: str) -> dict[str, Any] | None:
    """What Chalice recorded as deployed for the stage, or None before the first deploy."""
    path = state / "deployed" / f"{stage}.json"
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data
