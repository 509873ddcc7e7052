"""Section 6: the deployment zip, zipped and unzipped, and what takes the room in it.

Reuses build/package/deployment.zip when `make package` has made one newer than the sources;
otherwise runs `chalice
package` on a copy of the app in a temporary directory (the copy turns off Chalice's policy
generator, whose source analyzer cannot read app.py's annotations, and gives it an empty policy:
the IAM policy does not change the zip).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

from bench.shop import ROOT

BUILT = ROOT / "build" / "package" / "deployment.zip"
STAGE = "dev"
_SOURCES = ("app.py", "chalicelib", "requirements.txt", ".chalice/config.json")


def _policy_files(config: Any) -> set[str]:
    """Every iam_policy_file the config names, at any depth."""
    if isinstance(config, dict):
        found = {config["iam_policy_file"]} if "iam_policy_file" in config else set()
        return found.union(*(_policy_files(value) for value in config.values()))
    return set()


def _copy_project(into: Path) -> None:
    for name in _SOURCES:
        source, target = ROOT / name, into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    config_path = into / ".chalice" / "config.json"
    config = json.loads(config_path.read_text())
    config["autogen_policy"] = False
    config["stages"][STAGE]["autogen_policy"] = False
    config_path.write_text(json.dumps(config))
    empty = json.dumps({"Version": "2012-10-17", "Statement": []})
    for name in _policy_files(config) | {f"policy-{STAGE}.json"}:
        (into / ".chalice" / name).write_text(empty)


def build(into: Path) -> tuple[Path, float]:
    """`chalice package` of a copy of the app, normalized as `make package` does (sorted entries,
    unused botocore models left out); answer the zip and how long it took."""
    from deploy.package import normalize_zip

    project = into / "project"
    _copy_project(project)
    chalice = Path(sys.executable).with_name("chalice")
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    started = time.perf_counter()
    done = subprocess.run(
        [str(chalice), "package", "--stage", STAGE, str(into / "out")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"chalice package failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    normalize_zip(into / "out" / "deployment.zip")
    return into / "out" / "deployment.zip", time.perf_counter() - started


def _top_level(name: str) -> str:
    first = name.split("/")[0]
    return first.split("-")[0] if first.endswith((".dist-info", ".egg-info")) else first


def inspect(zip_path: Path) -> dict[str, Any]:
    """Sizes of the zip, its 10 largest members and the room each top-level package takes."""
    with zipfile.ZipFile(zip_path) as archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
    by_package: Counter[str] = Counter()
    for member in members:
        by_package[_top_level(member.filename)] += member.file_size
    largest = sorted(members, key=lambda m: -m.file_size)[:10]
    unzipped = sum(m.file_size for m in members)
    return {
        "zipped_bytes": zip_path.stat().st_size,
        "unzipped_bytes": unzipped,
        "files": len(members),
        "largest": [
            {"name": m.filename, "bytes": m.file_size, "zipped": m.compress_size} for m in largest
        ],
        "by_package": [
            {"package": name, "bytes": size, "share": round(size / unzipped, 3)}
            for name, size in by_package.most_common(8)
        ],
    }


def _fresh(zip_path: Path) -> bool:
    """Whether `make package` left a zip newer than every source it packages."""
    if not zip_path.exists():
        return False
    sources = [ROOT / "app.py", ROOT / "requirements.txt", *(ROOT / "chalicelib").rglob("*.py")]
    return zip_path.stat().st_mtime > max(path.stat().st_mtime for path in sources)


def run(smoke: bool = False) -> dict[str, Any]:
    """Inspect the deployment zip (built here unless `make package` left a fresh one)."""
    if _fresh(BUILT):
        return {"source": str(BUILT.relative_to(ROOT)), "build_seconds": None, **inspect(BUILT)}
    with tempfile.TemporaryDirectory() as temp:
        zip_path, seconds = build(Path(temp))
        return {
            "source": "chalice package (temporary copy)",
            "build_seconds": round(seconds, 1),
            **inspect(zip_path),
        }


if __name__ == "__main__":
    from bench.cli import section_main

    section_main(run)
