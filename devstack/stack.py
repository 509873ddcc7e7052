"""The local stack, start to finish: moto, the resources, demo data, API, pump and storefront.

moto (this process) <- infra.provision (Stage=local) <- seed
chalice local  (child: the API)          } the same environment,
devstack.pump  (child: event handlers)   } pointed at moto
storefront     (this process: static/ and a generated config.js)
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

import boto3

from devstack import moto_fixes, moto_memory, workflows
from devstack.chalice_config import ChaliceConfig
from devstack.moto_server import LockedMotoServer, run_state_machines, start_moto
from devstack.ports import PortBusy, check_ports
from devstack.processes import Child, Command, Stopping, answers_http, wait_until
from devstack.pump import READY
from devstack.seed import create_account, seed_catalog, seed_pricing
from devstack.settings import HOST, REGION, DevSettings
from devstack.store import (
    CorruptSnapshot,
    PersistentMoto,
    ReadWriteLock,
    Snapshot,
    Snapshotter,
    StaleSnapshot,
    Store,
    has_changes,
    mark_service,
    track_changes,
)
from devstack.watch import AppWatcher
from devstack.web import serve_storefront
from infra.provision import provision
from infra.template import build_template, to_json

READY_PREFIX = "DEVSTACK READY "
STAGE = "local"
STARTUP_TIMEOUT = 60.0
DEVSTACK_ROOT = Path(__file__).resolve().parents[1]
API_READY = "Serving on http://"  # what `chalice local` prints once its port is bound
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
}


class LocalStack:
    """One running local stack; `start()` brings it up, `stop()` takes all of it down."""

    def __init__(self, settings: DevSettings, stop_requested: threading.Event | None = None):
        self.settings = settings
        self.stop_requested = stop_requested or threading.Event()
        self.moto: LockedMotoServer | None = None
        self.children: list[Child] = []
        self.web: ThreadingHTTPServer | None = None
        self.env: dict[str, str] = {}  # what the stack sets; children also inherit the rest
        self.timings: dict[str, float] = {}
        self.watcher: AppWatcher | None = None
        self._lock: IO[str] | None = None
        self._wrote_state = False
        self.gate = settings.state_dir / "pump.ready"
        self.meta: dict[str, Any] = {}  # what the store keeps beside moto: outputs, port, template
        self.store: Store | None = None
        self.snapshotter: Snapshotter | None = None
        self._persistence: Any = None
        self.restored = False

    def _phase(self, name: str, started: float) -> float:
        now = time.monotonic()
        self.timings[name] = round(now - started, 2)
        return now

    def _take_directory(self) -> None:
        """Hold the stack's directory (stack.json, the store) for as long as this stack runs."""
        s = self.settings
        s.state_dir.mkdir(parents=True, exist_ok=True)
        lock = (s.state_dir / "lock").open("a+")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.seek(0)
            owner = lock.read().strip() or "?"
            lock.close()
            raise PortBusy(
                f"another stack (pid {owner}) runs from {s.state_dir}: stop it first, "
                "or give this one a directory of its own with DEVSTACK_DIR=<dir>"
            ) from None
        lock.truncate(0)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        self._lock = lock

    def _check(self) -> None:
        if self.stop_requested.is_set():
            raise Stopping("asked to stop")

    def start(self) -> dict[str, Any]:
        """Bring everything up; answer what `ready_info()` answers."""
        s = self.settings
        t0 = t = time.monotonic()
        self._take_directory()
        check_ports(HOST, s.ports_asked)
        self.gate.unlink(missing_ok=True)
        moto_memory.apply()  # before moto_fixes (in _load_store and start_moto)
        snapshot = self._load_store()
        t = self._phase("load", t)
        port = s.moto_port or (snapshot.meta["moto_port"] if snapshot else 0)
        self.moto = start_moto(
            port=port, host=HOST, quiet=not s.verbose, middleware=self._persistence
        )
        run_state_machines(self.moto.get_host_and_port()[1])
        t = self._phase("moto", t)
        os.environ.update(FAKE_CREDENTIALS)  # provisioning and seeding run in this process
        for key in [key for key in os.environ if key.startswith("AWS_")]:
            del os.environ[key]  # no real AWS profile, token or endpoint may leak in
        os.environ.update(FAKE_CREDENTIALS)
        if snapshot is not None:
            self.meta = self._restored_meta(snapshot.meta)
            self.env = self._app_env(self.moto.endpoint_url, self.meta["outputs"])
            os.environ.update(self.env)
            resumed = workflows.restore(self.moto.endpoint_url, self.env)
            if resumed:
                print(f"devstack: {resumed} return(s) in flight resumed", flush=True)
        else:
            outputs = provision(
                self._parameters(), endpoint_url=self.moto.endpoint_url, region=REGION
            )
            self.meta = {"template": self._template_id(), "outputs": outputs}
            self.meta["moto_port"] = self.moto.get_host_and_port()[1]
            self.env = self._app_env(self.moto.endpoint_url, outputs)
            os.environ.update(self.env)
            t = self._phase("provision", t)
            self._check()
            self._seed()
            t = self._phase("seed", t)
            if self.snapshotter is not None:
                self.snapshotter.write_base()  # the seed at once: ids stay the first start's
        self._check()
        if self.snapshotter is not None:
            self.snapshotter.start()
        self.web = serve_storefront(s.project_dir / "static", HOST, s.web_port, s.api_url)
        self.watcher = AppWatcher(s.project_dir)
        self._start_children()
        t = self._phase("api and pump", t)
        self.timings["total"] = round(time.monotonic() - t0, 2)
        info = self.ready_info()
        self._write_state(info)
        return info

    def _write_state(self, info: dict[str, Any]) -> None:
        state_file = self.settings.state_file
        state_file.parent.mkdir(parents=True, exist_ok=True)
        partial = state_file.with_suffix(".tmp")
        partial.write_text(json.dumps(info, indent=2) + "\n")
        partial.replace(state_file)
        self._wrote_state = True

    def _parameters(self) -> dict[str, Any]:
        return {
            "Stage": STAGE,
            "QueueVisibilityTimeout": self.settings.queue_visibility_timeout,
            "CorsOrigin": self.settings.web_url,
        }

    def _template_id(self) -> str:
        """What the store was provisioned from: the template and its parameters but the origin.

        A store provisioned from another template lacks (or has stale) resources, so it is set
        aside; the origin only changes the images bucket's CORS rule, which is not worth the data.
        """
        parameters = {k: v for k, v in self._parameters().items() if k != "CorsOrigin"}
        text = to_json(build_template()) + json.dumps(parameters, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def _load_store(self) -> Snapshot | None:
        """The stored snapshot, installed in moto; None for a clean start (and why, printed)."""
        s = self.settings
        if not s.persist:
            return None
        store = Store(s.state_dir / "store")
        self.store = store
        lock = ReadWriteLock()
        self.snapshotter = Snapshotter(store, lambda: self.meta, lock)
        self._persistence = lambda app: PersistentMoto(app, self.snapshotter)
        track_changes()
        if s.reset:
            store.reset()
            print(f"devstack: the store in {store.directory} was reset", flush=True)
            return None
        if not store.exists():
            return None
        try:
            snapshot = store.load(self._check_template)
        except CorruptSnapshot as exc:
            aside = store.set_aside(reason="corrupt")
            print(
                f"devstack: the store could not be read ({exc}); it was moved to {aside} "
                "and the stack starts clean",
                flush=True,
            )
            return None
        except StaleSnapshot:
            aside = store.set_aside(reason="stale")
            print(
                f"devstack: the infrastructure changed since the store was written; it was "
                f"moved to {aside} and the stack starts clean",
                flush=True,
            )
            return None
        if snapshot.skipped:
            print(f"devstack: {snapshot.skipped}", flush=True)
        moto_fixes.apply()
        self.restored = True
        return snapshot

    def _check_template(self, meta: dict[str, Any]) -> None:
        if meta.get("template") != self._template_id():
            raise StaleSnapshot("another template")

    def _restored_meta(self, meta: dict[str, Any]) -> dict[str, Any]:
        """The stored facts, with URLs moved to this run's moto port if it changed."""
        assert self.moto is not None
        port = self.moto.get_host_and_port()[1]
        if meta["moto_port"] == port:
            return meta
        old, new = f"{HOST}:{meta['moto_port']}", f"{HOST}:{port}"
        outputs = {k: v.replace(old, new) for k, v in meta["outputs"].items()}
        return {**meta, "outputs": outputs, "moto_port": port}

    def _app_env(self, moto_url: str, outputs: dict[str, str]) -> dict[str, str]:
        s = self.settings
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
            "DEVSTACK_CORS_ORIGINS": ",".join(s.web_origins),
            "DEVSTACK_API_GATE": str(self.gate),
            "DEVSTACK_VERBOSE": "1" if s.verbose else "0",
            # As the deploy does: the value of the template's generated secret (new every run).
            "CURSOR_SECRET": self._secret_value(moto_url, outputs["CURSOR_SECRET_ARN"]),
            "SHOP_STAGE": STAGE,
            # The children import devstack from here, whatever project directory they run in.
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(DEVSTACK_ROOT), os.environ.get("PYTHONPATH")])
            ),
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
        seed_pricing()
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
        pump_argv += ["--retry-after", str(s.retry_after)]
        env = dict(os.environ)  # this process's, now pointed at moto
        pump = Child(
            "pump",
            Command(pump_argv, env, s.project_dir),
            ready=READY,
            before_start=self._release_in_flight,
        )
        api = Child("api", Command(api_argv, env, s.project_dir), ready=API_READY)
        self.children += [pump, api]
        stop = self.stop_requested
        wait_until(pump.ready.is_set, STARTUP_TIMEOUT, "the event pump", pump, stop)
        self.gate.touch()  # the API may now bind its port: an answer there means all is up
        # Our own API bound the port (it says so), and it answers.
        wait_until(api.ready.is_set, STARTUP_TIMEOUT, "the API", api, stop)
        health = answers_http(HOST, s.api_port, "/health")
        wait_until(health, STARTUP_TIMEOUT, "the API's /health", api, stop)

    def _final_snapshot(self, snapshotter: Snapshotter) -> None:
        """Everything up to the stop, written once no request can come any more."""
        if not has_changes():
            return
        try:
            snapshotter.snapshot(final=True)
        except Exception as exc:
            print(f"devstack: the store could not be written on the way out: {exc}", flush=True)

    def _release_in_flight(self) -> None:
        """Make the messages a previous pump held (it died, or the stack did) visible again.

        The queues keep AWS's 60 s visibility, so they would come back by themselves, a minute
        later; the pump is their only consumer, so whatever is in flight when it starts is ours.
        """
        from moto.sqs.models import sqs_backends

        released = 0
        for _, _, backend in sqs_backends.iter_backends():
            for queue in list(backend.queues.values()):  # type: ignore[attr-defined]
                for message in list(queue._messages):
                    if not message.visible:
                        message.change_visibility(0)
                        released += 1
        if released:
            mark_service("sqs")
            print(f"devstack: {released} message(s) in flight handed to the new pump", flush=True)

    def ready_info(self) -> dict[str, Any]:
        """URLs, demo credentials, child pids and startup timings, as tests and tools read them."""
        s = self.settings
        return {
            "apiUrl": s.api_url,
            "webUrl": s.web_url,
            "motoUrl": self.env.get("AWS_ENDPOINT_URL"),
            "admin": {"email": s.admin.email, "password": s.admin.password},
            "shopper": {"email": s.shopper.email, "password": s.shopper.password},
            "pid": os.getpid(),
            "pids": {child.name: child.pid for child in self.children},
            "timings": self.timings,
            "store": str(self.store.directory) if self.store else None,
            "restored": self.restored,
            "env": dict(sorted(self.env.items())),
        }

    def supervise(self) -> list[str]:
        """Restart children that died (with backoff), and both children when the app changed.

        Answers the lines to print. Only the emulator's death stops the stack, and it lives in
        this process.
        """
        lines = []
        now = time.monotonic()
        pids = [child.pid for child in self.children]
        for child in self.children:
            line = child.supervise(now)
            if line:
                lines.append(line)
        changed = self.watcher.changed() if self.watcher is not None else []
        if changed:
            shown = ", ".join(changed[:3])
            shown += f" and {len(changed) - 3} more" if changed[3:] else ""
            lines.append(f"devstack: {shown} changed; restarting the api and the pump")
            for child in self.children:
                child.stop()
                child.restarts += 1
                child.start()
        if pids != [child.pid for child in self.children]:
            self._write_state(self.ready_info())
        return lines

    def stop(self) -> None:
        """Stop the storefront, every child's process group and moto; forget the state file."""
        for child in self.children:
            child.terminate()  # all at once; then each is waited for
        if self.web is not None:
            self.web.shutdown()
        for child in reversed(self.children):
            child.stop()
        if self.snapshotter is not None:
            self.snapshotter.stop()
        if self.moto is not None:
            self.moto.stop()
            if self.snapshotter is not None and self.meta:
                self._final_snapshot(self.snapshotter)
                if self.snapshotter.summary():
                    print(self.snapshotter.summary(), flush=True)
        if self._lock is None:
            return  # another stack owns the directory: nothing in it is ours
        if self._wrote_state:
            with contextlib.suppress(FileNotFoundError):
                self.settings.state_file.unlink()
        self.gate.unlink(missing_ok=True)
        self._lock.close()
