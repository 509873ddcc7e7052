"""Serve moto's Cognito signing keys over HTTP, for in-process runs that have no moto server.

moto signs every pool's tokens with one key pair, shipped in its package; its server publishes the
public half at /<poolId>/.well-known/jwks.json. Tests and benchmarks that run moto in-process
(`mock_aws`) serve the same keys here, so the app fetches them over HTTP exactly as it does locally.
"""

from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def moto_public_keys() -> bytes:
    """moto's public JWKS document."""
    import moto

    source = Path(moto.__file__).parent / "cognitoidp/resources/jwks-public.json.gz"
    return gzip.decompress(source.read_bytes())


def serve_moto_jwks() -> tuple[str, ThreadingHTTPServer]:
    """Start a local server of moto's public keys; answer its JWKS URL and the server."""
    keys = moto_public_keys()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(keys)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json", server
