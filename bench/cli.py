"""How each section runs as its own process: `python -m bench.<section> [--smoke] [--out F]`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any


def section_main(run: Callable[..., dict[str, Any]]) -> None:
    """Run one section and write its results as JSON (to --out, or stdout)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: prove the code works")
    parser.add_argument("--out", help="write the JSON here instead of stdout")
    args = parser.parse_args()
    started = time.perf_counter()
    result = run(smoke=args.smoke)
    result["seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(result, indent=2, default=str)
    if args.out:
        with open(args.out, "w") as out:
            out.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")
