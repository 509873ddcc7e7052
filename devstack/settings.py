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
PORT_KNOBS = (
    ("MOTO_PORT", DEFAULT_MOTO_PORT),
    ("API_PORT", DEFAULT_API_PORT),
    ("WEB_PORT", DEFAULT_WEB_PORT),
)


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
    retry_after: int
    sqs_pollers: int
    state_dir: Path
    state_file: Path
    verbose: bool
    persist: bool = True
    reset: bool = False
    ports_asked: tuple[tuple[str, int], ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> DevSettings:
        """The settings the environment asks for, with the documented defaults."""
        project_dir = Path(env.get("DEVSTACK_PROJECT_DIR", Path.cwd())).resolve()
        state_dir = Path(env.get("DEVSTACK_DIR", project_dir / ".devstack")).resolve()
        asked = tuple(
            (name, int(env.get(name, default)))
            for name, default in PORT_KNOBS
            if int(env.get(name, default)) != 0
        )
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
            queue_visibility_timeout=int(env.get("QUEUE_VISIBILITY_TIMEOUT", 60)),
            retry_after=int(env.get("PUMP_RETRY_SECONDS", 2)),
            sqs_pollers=int(env.get("PUMP_POLLERS", 2)),
            state_dir=state_dir,
            state_file=Path(env.get("DEVSTACK_STATE_FILE", state_dir / "stack.json")),
            verbose=env.get("V", env.get("DEVSTACK_VERBOSE", "0")) not in ("", "0"),
            ports_asked=asked,
            persist=env.get("DEVSTACK_PERSIST", "1") != "0",
            reset=env.get("DEVSTACK_RESET", "0") not in ("", "0"),
        )

    @property
    def api_url(self) -> str:
        """The API's base URL."""
        return f"http://{HOST}:{self.api_port}"

    @property
    def web_url(self) -> str:
        """The storefront's URL (also the API's CORS origin)."""
        return f"http://{HOST}:{self.web_port}"

    @property
    def web_origins(self) -> tuple[str, ...]:
        """The storefront's origins a browser may send: 127.0.0.1 and localhost, on its port."""
        return (self.web_url, f"http://localhost:{self.web_port}")
