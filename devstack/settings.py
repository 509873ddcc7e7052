"""The local stack's knobs, read from the environment (docs/local-stack.md lists them)."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from devstack.seed import DEMO_ADDRESS, Account

HOST = "127.0.0.1"
REGION = "us-east-1"
DEFAULT_API_PORT = 8000
DEFAULT_WEB_PORT = 8080
# Not moto's own 5000, which macOS gives to AirPlay.
DEFAULT_MOTO_PORT = 5001


def free_port(host: str = HOST) -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    """The port a knob asks for; 0 means any free port."""
    port = int(env.get(name, default))
    return port or free_port()


@dataclass(frozen=True)
class DevSettings:
    """Ports, accounts and tuning of one local stack."""

    project_dir: Path
    api_port: int
    web_port: int
    moto_port: int
    admin: Account
    shopper: Account
    queue_visibility_timeout: int
    sqs_pollers: int
    state_file: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> DevSettings:
        """The settings the environment asks for, with the documented defaults."""
        project_dir = Path(env.get("DEVSTACK_PROJECT_DIR", Path.cwd())).resolve()
        return cls(
            project_dir=project_dir,
            api_port=_port(env, "API_PORT", DEFAULT_API_PORT),
            web_port=_port(env, "WEB_PORT", DEFAULT_WEB_PORT),
            moto_port=int(env.get("MOTO_PORT", DEFAULT_MOTO_PORT)),
            admin=Account(
                email=env.get("LOCAL_ADMIN_EMAIL", "admin@shop.local"),
                password=env.get("LOCAL_ADMIN_PASSWORD", "Admin-Passw0rd!"),
                name="Ada Admin",
                groups=("admin",),
            ),
            shopper=Account(
                email=env.get("LOCAL_SHOPPER_EMAIL", "shopper@shop.local"),
                password=env.get("LOCAL_SHOPPER_PASSWORD", "Shopper-Passw0rd!"),
                name="Sam Shopper",
                address=DEMO_ADDRESS,
            ),
            queue_visibility_timeout=int(env.get("QUEUE_VISIBILITY_TIMEOUT", 2)),
            sqs_pollers=int(env.get("PUMP_POLLERS", 2)),
            state_file=Path(env.get("DEVSTACK_STATE_FILE", project_dir / ".devstack/stack.json")),
        )

    @property
    def api_url(self) -> str:
        """The API's base URL."""
        return f"http://{HOST}:{self.api_port}"

    @property
    def web_url(self) -> str:
        """The storefront's URL (also the API's CORS origin)."""
        return f"http://{HOST}:{self.web_port}"
