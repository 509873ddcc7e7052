"""moto's server, in this process, with DynamoDB made atomic.

moto's threaded server runs requests side by side, and its DynamoDB backend does not lock: two
conditional updates can both pass their condition, and a TransactWriteItems that fails restores a
copy of the tables taken before it, undoing whatever ran meanwhile. DynamoDB itself makes each of
those atomic, and the shop's stock and order rules depend on it, so every DynamoDB and DynamoDB
Streams request here runs under one lock (tests/stack/test_moto_atomicity.py proves the difference).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from devstack import moto_fixes
from devstack.store import SERVICE_KEY

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# How often the server looks for a stop request (socketserver's default, 0.5 s, is what a stop
# waited for).
STOP_POLL_SECONDS = 0.05


class SerializedDynamoDB:
    """WSGI middleware running one DynamoDB request at a time, each to its last byte."""

    def __init__(self, app: WsgiApp, lock: threading.Lock | None = None):
        self.app = app
        self.lock = lock or threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Pass the request on; under the lock if its X-Amz-Target is a DynamoDB operation."""
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            return self.app(environ, start_response)
        with self.lock:
            body = self.app(environ, start_response)
            try:
                return [b"".join(body)]
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()


class NamingDispatcher(DomainDispatcherApplication):
    """moto's dispatcher, noting in the environ which backend served a request (for the store)."""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        """Dispatch as moto does; environ[SERVICE_KEY] names the backend chosen."""
        app = self.get_application(environ)
        environ[SERVICE_KEY] = next(
            (name for name, known in list(self.app_instances.items()) if known is app), None
        )
        return app(environ, start_response)


class LockedMotoServer(ThreadedMotoServer):
    """ThreadedMotoServer whose DynamoDB requests are serialized; `serialize=False` turns it off."""

    def __init__(
        self,
        ip_address: str = "127.0.0.1",
        port: int = 0,
        serialize: bool = True,
        middleware: Callable[[WsgiApp], WsgiApp] | None = None,
    ):
        super().__init__(ip_address=ip_address, port=port, verbose=False)
        self.serialize = serialize
        self.middleware = middleware
        self.startup_error: BaseException | None = None

    def _server_entry(self) -> None:
        # Same as ThreadedMotoServer._server_entry, with the middleware around the app.
        app: WsgiApp = NamingDispatcher(create_backend_app)
        if self.serialize:
            app = SerializedDynamoDB(app)
        if self.middleware is not None:
            app = self.middleware(app)
        try:
            self._server = make_server(
                self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
            )
        except (OSError, SystemExit) as exc:
            # The port is taken (werkzeug prints a hint and raises SystemExit): let start() return.
            self.startup_error = exc
            self._server_ready_event.set()
            return
        self._server_ready_event.set()
        self._server.serve_forever(poll_interval=STOP_POLL_SECONDS)

    @property
    def endpoint_url(self) -> str:
        """The server's base URL, e.g. http://127.0.0.1:5001."""
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"

    def client(self, service: str) -> Any:
        """A boto3 client of this server, with the local stack's fake credentials."""
        return local_client(self.endpoint_url, service)


def local_client(endpoint_url: str, service: str) -> Any:
    """A boto3 client of a moto endpoint, with the local stack's fake credentials."""
    import boto3

    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def run_state_machines(port: int) -> None:
    """Make moto's Step Functions execute Amazon States Language, calling back to `port`.

    Without the setting, executions do nothing. moto keeps two Step Functions backends and the
    setting picks one, so it must be on before any state machine is created (or restored); its
    interpreter sends service integrations (SQS, DynamoDB) over HTTP to localhost:$MOTO_PORT,
    which must be the port moto is bound to (docs/research/step-functions-on-moto).
    """
    from moto.core.config import default_user_config

    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    os.environ["MOTO_PORT"] = str(port)


def start_moto(
    port: int = 0,
    host: str = "127.0.0.1",
    quiet: bool = True,
    middleware: Callable[[WsgiApp], WsgiApp] | None = None,
) -> LockedMotoServer:
    """Start moto on `port` (0: any free port) and answer the running server."""
    moto_fixes.apply()
    if quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = LockedMotoServer(ip_address=host, port=port, middleware=middleware)
    server.start()
    if server.startup_error is not None:
        raise OSError(f"moto cannot listen on {host}:{port} (MOTO_PORT): it is in use")
    return server
