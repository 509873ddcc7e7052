"""The local stack, start to finish: moto, the resources, demo data, API, pump and storefront.

moto (this process) <- infra.provision (Stage=local) <- seed
chalice local  (child: the API)          } the same environment,
devstack.pump  (child: event handlers)   } pointed at moto
storefront     (this process: static/ and a generated config.js)
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from http.server import ThreadingHTTPServer
from typing import Any

import boto3

from devstack.chalice_config import ChaliceConfig
from devstack.moto_server import LockedMotoServer, start_moto
from devstack.processes import Child, answers_http, wait_until
from devstack.pump import READY
from devstack.seed import create_account, seed_catalog
from devstack.settings import HOST, REGION, DevSettings
from devstack.web import serve_storefront
from infra.provision import provision

READY_PREFIX = "DEVSTACK READY "
STAGE = "local"
STARTUP_TIMEOUT = 60.0
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
}


class LocalStack:
    """One running local stack; `start()` brings it up, `stop()` takes all of it down."""

    def __init__(self, settings: DevSettings):
        self.settings = settings
        self.moto: LockedMotoServer | None = None
        self.children: list[Child] = []
        self.web: ThreadingHTTPServer | None = None
        self.env: dict[str, str] = {}  # what the stack sets; children also inherit the rest
        self.timings: dict[str, float] = {}

    def _phase(self, name: str, started: float) -> float:
        now = time.monotonic()
        self.timings[name] = round(now - started, 2)
        return now

    def start(self) -> dict[str, Any]:
        """Bring everything up; answer what `ready_info()` answers."""
        s = self.settings
        t0 = t = time.monotonic()
        self.moto = start_moto(port=s.moto_port, host=HOST)
        t = self._phase("moto", t)
        self.env = self._app_env(self.moto.endpoint_url)
        for key in [key for key in os.environ if key.startswith("AWS_")]:
            del os.environ[key]  # no real AWS profile, token or endpoint may leak in
        os.environ.update(self.env)
        t = self._phase("provision", t)
        self._seed()
        t = self._phase("seed", t)
        self._start_children()
        t = self._phase("api and pump", t)
        self.web = serve_storefront(s.project_dir / "static", HOST, s.web_port, s.api_url)
        self.timings["total"] = round(time.monotonic() - t0, 2)
        info = self.ready_info()
        s.state_file.parent.mkdir(parents=True, exist_ok=True)
        s.state_file.write_text(json.dumps(info, indent=2) + "\n")
        return info

    def _app_env(self, moto_url: str) -> dict[str, str]:
        s = self.settings
        os.environ.update(FAKE_CREDENTIALS)  # provisioning runs in this process
        parameters = {
            "Stage": STAGE,
            "QueueVisibilityTimeout": s.queue_visibility_timeout,
            "CorsOrigin": s.web_url,
        }
        outputs = provision(parameters, endpoint_url=moto_url, region=REGION)
        env = {
            **FAKE_CREDENTIALS,
            "AWS_ENDPOINT_URL": moto_url,
            "PYTHONUNBUFFERED": "1",
            **outputs,
            # moto serves path-style S3 and Cognito's keys on its own address.
            "IMAGES_BASE_URL": f"{moto_url}/{outputs['IMAGES_BUCKET']}",
            "JWKS_URL": f"{moto_url}/{outputs['USER_POOL_ID']}/.well-known/jwks.json",
            "WEB_URL": s.web_url,
            "CORS_ORIGIN": s.web_url,
            # As the deploy does: the value of the template's generated secret (new every run).
            "CURSOR_SECRET": self._secret_value(moto_url, outputs["CURSOR_SECRET_ARN"]),
            "SHOP_STAGE": STAGE,
        }
        env.update(ChaliceConfig.load(s.project_dir, STAGE).environment())
        return env

    def _secret_value(self, moto_url: str, arn: str) -> str:
        manager = boto3.client("secretsmanager", region_name=REGION, endpoint_url=moto_url)
        return str(manager.get_secret_value(SecretId=arn)["SecretString"])

    def _seed(self) -> None:
        s = self.settings
        sys.path.insert(0, str(s.project_dir))
        session = boto3.session.Session(region_name=REGION)
        endpoint = self.env["AWS_ENDPOINT_URL"]
        seed_catalog(
            session.client("s3", endpoint_url=endpoint),
            self.env["IMAGES_BUCKET"],
            self.env["IMAGES_BASE_URL"],
        )
        idp = session.client("cognito-idp", endpoint_url=endpoint)
        for account in (s.admin, s.shopper):
            create_account(idp, self.env["USER_POOL_ID"], account)

    def _start_children(self) -> None:
        s = self.settings
        # `chalice local`, with a bigger listen backlog (devstack/chalice_local.py says why).
        api_argv = [sys.executable, "-m", "devstack.chalice_local"]
        api_argv += ["local", "--stage", STAGE, "--host", HOST]
        api_argv += ["--port", str(s.api_port), "--no-autoreload"]
        pump_argv = [sys.executable, "-m", "devstack.pump", "--project-dir", str(s.project_dir)]
        pump_argv += ["--stage", STAGE, "--sqs-pollers", str(s.sqs_pollers)]
        env = dict(os.environ)  # this process's, now pointed at moto
        pump = Child("pump", pump_argv, env, s.project_dir, ready=READY)
        api = Child("api", api_argv, env, s.project_dir)
        self.children += [pump, api]
        wait_until(pump.ready.is_set, STARTUP_TIMEOUT, "the event pump", pump)
        wait_until(answers_http(HOST, s.api_port, "/health"), STARTUP_TIMEOUT, "the API", api)

    def ready_info(self) -> dict[str, Any]:
        """URLs, demo credentials, child pids and startup timings, as tests and tools read them."""
        s = self.settings
        return {
            "apiUrl": s.api_url,
            "webUrl": s.web_url,
            "motoUrl": self.env.get("AWS_ENDPOINT_URL"),
            "admin": {"email": s.admin.email, "password": s.admin.password},
            "shopper": {"email": s.shopper.email, "password": s.shopper.password},
            "pids": {child.name: child.pid for child in self.children},
            "timings": self.timings,
            "env": dict(sorted(self.env.items())),
        }

    def failed_child(self) -> Child | None:
        """A child that has exited, if any has."""
        return next((child for child in self.children if not child.alive()), None)

    def stop(self) -> None:
        """Stop the storefront, every child's process group and moto; forget the state file."""
        if self.web is not None:
            self.web.shutdown()
        for child in reversed(self.children):
            child.stop()
        if self.moto is not None:
            self.moto.stop()
        with contextlib.suppress(FileNotFoundError):
            self.settings.state_file.unlink()
