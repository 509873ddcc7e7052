"""The storefront's web server: static/ as S3 website hosting would serve it.

`/config.js` is generated in memory with the running API's URL, so the committed static/config.js
(which names the default port) is never rewritten and the working tree stays clean.
"""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

STOP_POLL_SECONDS = 0.05  # how often the server looks for a stop (socketserver's default: 0.5 s)


def config_js(api_base_url: str) -> bytes:
    """The storefront's configuration module for an API at `api_base_url`."""
    return f'export const API_BASE_URL = "{api_base_url}";\n'.encode()


class StorefrontHandler(SimpleHTTPRequestHandler):
    """Files from the storefront directory; config.js from memory; nothing cached."""

    config: bytes = b""

    def do_GET(self) -> None:
        """Serve /config.js from memory and anything else from disk."""
        if self.path.split("?", 1)[0] == "/config.js":
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript; charset=utf-8")
            self.send_header("Content-Length", str(len(self.config)))
            self.end_headers()
            self.wfile.write(self.config)
            return
        super().do_GET()

    def end_headers(self) -> None:
        """Add no-store, so an edited file shows on the next reload."""
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the API's log is the interesting one."""


StorefrontHandler.extensions_map = {
    **SimpleHTTPRequestHandler.extensions_map,
    ".js": "text/javascript",
    ".mjs": "text/javascript",
}


def serve_storefront(
    directory: Path, host: str, port: int, api_base_url: str
) -> ThreadingHTTPServer:
    """Start serving `directory` on host:port in a daemon thread; answer the server."""
    handler = type("Handler", (StorefrontHandler,), {"config": config_js(api_base_url)})
    server = ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(directory)))
    server.daemon_threads = True
    serve = functools.partial(server.serve_forever, poll_interval=STOP_POLL_SECONDS)
    threading.Thread(target=serve, name="storefront", daemon=True).start()
    return server
