"""`python -m deploy deploy|destroy|package --stage dev`: what the make targets run."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from deploy import DeployError, commands, package, runtime
from deploy.aws import Aws


def _parameters(items: list[str]) -> dict[str, str]:
    pairs = [item.split("=", 1) for item in items if item]
    if any(len(pair) != 2 for pair in pairs):
        raise DeployError("stack parameters are Name=Value, e.g. AlarmTopicArn=arn:aws:sns:...")
    return dict((name, value) for name, value in pairs)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deploy", description=__doc__)
    parser.add_argument("command", choices=["deploy", "destroy", "package"])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--out", default="build/package", help="package: where sam.json goes")
    parser.add_argument("--build-root", help="where build directories go (default: build/)")
    parser.add_argument("--confirm", default="", help="destroy prod: must be the stage's name")
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        help="an extra stack parameter, Name=Value (CorsOrigin, AlarmTopicArn)",
    )
    return parser


def run(argv: list[str]) -> int:
    """Run one command; raise DeployError for anything the user must fix."""
    args = _parser().parse_args(argv)
    runtime.require_python()
    region = runtime.require_region()
    environ = {**os.environ, "AWS_DEFAULT_REGION": region}
    build_root = Path(args.build_root).resolve() if args.build_root else None
    if args.command == "package":
        out = Path(args.out).resolve()
        built = package.build_package(args.stage, out, build_root=build_root, environ=environ)
        print(f"template: {built.template}")
        print(
            f"zip:      {built.zip_file} ({built.zipped_bytes / 1e6:.1f} MB zipped, "
            f"{built.unzipped_bytes / 1e6:.1f} MB unzipped; runtime {runtime.LAMBDA_RUNTIME})"
        )
        return 0
    options = commands.Options(
        build_root=build_root, environ=environ, parameters=_parameters(args.parameter)
    )
    aws = Aws(region)
    if args.command == "deploy":
        commands.deploy(args.stage, aws, options)
    else:
        commands.destroy(args.stage, aws, options, confirm=args.confirm)
    return 0


def main(argv: list[str] | None = None) -> int:
    """The command line: a DeployError is one clear line and exit status 2."""
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except DeployError as exc:
        print(f"deploy: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
