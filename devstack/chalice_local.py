"""`chalice local`, fit for a browser, concurrent clients and a quiet terminal.

    python -m devstack.chalice_local local --stage local --port 8000 --no-autoreload

Everything is the `chalice` command itself, with these changes to its local server:
- a listen backlog of 128: socketserver's default of 5 resets the connections of a burst of
  concurrent clients (24 checkouts at once, the storefront's parallel fetches) before any code runs,
  where API Gateway has no such limit;
- it binds its port only once the file named by DEVSTACK_API_GATE exists (the devstack creates it
  when the event pump is ready), so an answer on the API's port means the whole stack is up;
- a browser may open the storefront as 127.0.0.1 or as localhost: a request whose `Origin` is one of
  DEVSTACK_CORS_ORIGINS gets that origin back in `Access-Control-Allow-Origin` (with `Vary: Origin`)
  instead of the app's one configured origin; any other origin is answered as the app says;
- quiet unless DEVSTACK_VERBOSE=1: the app's JSON line is the one line per request (the server's
  access line is dropped), library chatter (PynamoDB's settings, botocore's credentials) is not
  shown, and a client that goes away mid-answer is not a traceback.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from chalice import local
from chalice.cli import main

LISTEN_BACKLOG = 128
GATE_POLL_SECONDS = 0.05
QUIET_LOGGERS = ("botocore", "boto3", "urllib3", "pynamodb")


class _Server(local.ThreadedHTTPServer):
    request_queue_size = LISTEN_BACKLOG

    def server_bind(self) -> None:
        gate = os.environ.get("DEVSTACK_API_GATE")
        while gate and not Path(gate).exists():
            time.sleep(GATE_POLL_SECONDS)
        super().server_bind()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError) and not VERBOSE:
            return  # the client went away (a browser navigating on): nothing went wrong here
        super().handle_error(request, client_address)


class _Handler(local.ChaliceRequestHandler):
    def _send_headers(self, headers: Any) -> None:
        origin = self.headers.get("Origin")
        if origin in CORS_ORIGINS and "Access-Control-Allow-Origin" in headers:
            headers["Access-Control-Allow-Origin"] = origin
            headers["Vary"] = "Origin"
        super()._send_headers(headers)

    def log_message(self, format: str, *args: Any) -> None:
        if VERBOSE:
            super().log_message(format, *args)


VERBOSE = os.environ.get("DEVSTACK_VERBOSE", "0") == "1"
CORS_ORIGINS = frozenset(filter(None, os.environ.get("DEVSTACK_CORS_ORIGINS", "").split(",")))
local.ThreadedHTTPServer = _Server  # type: ignore[misc]
local.ChaliceRequestHandler = _Handler  # type: ignore[misc]
local.LocalDevServer.__init__.__defaults__ = (_Handler, _Server)
if not VERBOSE:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def _unsupported_method(handler: local.ChaliceRequestHandler) -> None:
    """A method no route has (TRACE, CONNECT...): API Gateway's JSON 403, not http.server's 501."""
    handler._send_error_response(
        local.ForbiddenError({}, b'{"message": "Missing Authentication Token"}')
    )


# http.server answers any method without a do_<METHOD> with an HTML 501 page.
for _method in ("TRACE", "CONNECT", "PROPFIND", "PURGE", "LINK", "UNLINK"):
    setattr(local.ChaliceRequestHandler, f"do_{_method}", _unsupported_method)

if __name__ == "__main__":
    sys.exit(main())
