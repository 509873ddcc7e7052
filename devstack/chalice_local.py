"""`chalice local`, with a listen backlog fit for concurrent clients.

Chalice's local server keeps socketserver's default backlog of 5 connections: a burst of
concurrent clients (24 checkouts at once, the storefront's parallel fetches) gets connections reset
before any code runs. API Gateway has no such limit, so the local stack raises it. Everything else
is the `chalice` command itself:

    python -m devstack.chalice_local local --stage local --port 8000 --no-autoreload
"""

from __future__ import annotations

import sys

from chalice import local
from chalice.cli import main

LISTEN_BACKLOG = 128

local.ThreadedHTTPServer.request_queue_size = LISTEN_BACKLOG

if __name__ == "__main__":
    sys.exit(main())
