"""What `.chalice/config.json` says about a stage: its environment and each function's limits.

Chalice's precedence is kept: a function's own setting, else the stage's, else the top level's,
else Chalice's default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHALICE_DEFAULT_TIMEOUT = 60
CHALICE_DEFAULT_MEMORY = 128


@dataclass(frozen=True)
class ChaliceConfig:
    """The parsed config of one project and stage."""

    app_name: str
    stage: str
    data: dict[str, Any]

    @classmethod
    def load(cls, project_dir: Path, stage: str) -> ChaliceConfig:
        """Read `<project_dir>/.chalice/config.json`; an absent file is an empty config."""
        path = project_dir / ".chalice" / "config.json"
        data = json.loads(path.read_text()) if path.exists() else {}
        return cls(data.get("app_name", project_dir.name), stage, data)

    def _levels(self, function: str | None) -> list[dict[str, Any]]:
        stage = self.data.get("stages", {}).get(self.stage, {})
        levels = [self.data, stage]
        if function is not None:
            levels.append(stage.get("lambda_functions", {}).get(function, {}))
        return levels

    def _setting(self, key: str, function: str | None, default: Any) -> Any:
        value = default
        for level in self._levels(function):
            value = level.get(key, value)
        return value

    def environment(self) -> dict[str, str]:
        """The stage's environment variables (top level, then the stage's own)."""
        env: dict[str, str] = {}
        for level in self._levels(None):
            env.update(level.get("environment_variables", {}))
        return env

    def timeout(self, function: str) -> int:
        """The function's Lambda timeout in seconds."""
        return int(self._setting("lambda_timeout", function, CHALICE_DEFAULT_TIMEOUT))

    def memory(self, function: str) -> int:
        """The function's memory size in MB."""
        return int(self._setting("lambda_memory_size", function, CHALICE_DEFAULT_MEMORY))

    def function_name(self, handler: str) -> str:
        """The deployed Lambda's name, as Chalice forms it: <app>-<stage>-<handler>."""
        return f"{self.app_name}-{self.stage}-{handler}"
