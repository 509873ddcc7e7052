"""`python -m deploy deploy|destroy|package|backup|restore --stage dev`: the deploy tools."""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path

from deploy import DeployError, commands, package, restore, runtime
from deploy.aws import Aws


def _parameters(items: list[str]) -> dict[str, str]:
    pairs = [item.split("=", 1) for item in items if item]
    if any(len(pair) != 2 for pair in pairs):
        raise DeployError("stack parameters are Name=Value, e.g. AlarmTopicArn=arn:aws:sns:...")
    return dict((name, value) for name, value in pairs)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deploy", description=__doc__)
    parser.add_argument("command", choices=["deploy", "destroy", "package", "backup", "restore"])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--out", default="build/package", help="package: where sam.json goes")
    parser.add_argument("--build-root", help="where build directories go (default: build/)")
    parser.add_argument("--confirm", default="", help="destroy prod: must be the stage's name")
    parser.add_argument(
        "--allow-simulated-payments",
        action="store_true",
        help="prod: deploy with the simulated payment provider on purpose (it captures no money)",
    )
    parser.add_argument("--table", help="backup, restore: the table's name, e.g. orders")
    parser.add_argument("--backup-arn", help="restore: from this backup (else point in time)")
    parser.add_argument("--at", help="restore: the UTC moment, e.g. 2026-12-01T10:00:00Z")
    parser.add_argument(
        "--copy-back",
        action="store_true",
        help="restore: put the items the live table lost back into it",
    )
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
        built = package.build_package(
            args.stage,
            out,
            environ=environ,
            workspace=package.Workspace(build_root=build_root),
            allow_simulated_payments=args.allow_simulated_payments,
        )
        print(f"template: {built.template}")
        print(
            f"zip:      {built.zip_file} ({built.zipped_bytes / 1e6:.1f} MB zipped, "
            f"{built.unzipped_bytes / 1e6:.1f} MB unzipped; runtime {runtime.LAMBDA_RUNTIME})"
        )
        return 0
    if args.command in {"backup", "restore"}:
        return _drill(args, Aws(region))
    options = commands.Options(
        build_root=build_root,
        environ=environ,
        parameters=_parameters(args.parameter),
        allow_simulated_payments=args.allow_simulated_payments,
    )
    aws = Aws(region)
    if args.command == "deploy":
        commands.deploy(args.stage, aws, options)
    else:
        commands.destroy(args.stage, aws, options, confirm=args.confirm)
    return 0


def _drill(args: argparse.Namespace, aws: Aws) -> int:
    if not args.table:
        raise DeployError(f"{args.command} needs --table, e.g. --table orders")
    ddb = aws.client("dynamodb")
    if args.command == "backup":
        print(f"backup: {restore.backup(ddb, args.stage, args.table)}")
        return 0
    moment = datetime.datetime.fromisoformat(args.at.replace("Z", "+00:00")) if args.at else None
    side = restore.restore(
        ddb,
        args.stage,
        args.table,
        restore.Source(backup_arn=args.backup_arn, point_in_time=moment),
    )
    found = restore.compare(ddb, args.stage, args.table, side)
    print(f"restored into {side}: {found.restored_items} items; live has {found.live_items}")
    print(f"{len(found.missing_in_live)} restored items are missing from the live table")
    if args.copy_back:
        copied = restore.copy_back(ddb, args.stage, args.table, side, found.missing_in_live)
        print(f"copied back {copied} items")
    print(f"when done: aws dynamodb delete-table --table-name {side}")
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
