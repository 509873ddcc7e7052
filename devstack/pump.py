"""The event pump: Lambda's event source mappings for the Chalice app, on the local stack.

It reads every `@app.on_sqs_message` and `@app.on_dynamodb_record` the app declares from
`app.event_sources`, and calls the handler Chalice registered for it (`app.handler_map[name]`) with
the event and context Lambda would pass. A new handler therefore works locally with no wiring.

The devstack runs it as its own process (`python -m devstack.pump`), with exactly the environment
`chalice local` gets, so that the handlers import the app as Lambda does, in a process of their own:
a handler that crashes or hangs its interpreter cannot take moto, which holds all local state, down
with it. Tests run the same `Pump` in threads.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from chalice.app import Chalice, DynamoDBEventConfig, ScheduledEventConfig, SQSEventConfig

from devstack.chalice_config import ChaliceConfig
from devstack.mappings import (
    Function,
    Mapping,
    Queue,
    ScheduleMapping,
    SqsMapping,
    Stream,
    StreamMapping,
)
from devstack.stream_failures import StreamFailurePolicy
from infra import streams

log = logging.getLogger("devstack.pump")
READY = "pump ready"


def load_app(project_dir: Path, module_name: str = "app") -> Chalice:
    """Import `<project_dir>/app.py` as Lambda does (its directory first on sys.path); its `app`."""
    sys.path.insert(0, str(project_dir))
    spec = importlib.util.spec_from_file_location(module_name, project_dir / "app.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"no app.py in {project_dir}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    app: Chalice = module.app
    return app


@dataclass(frozen=True)
class PumpOptions:
    """Where the pump reads (moto's endpoint, the region) and its knobs: SQS pollers per queue,
    seconds before a failed SQS batch comes back, and the stream handlers' failure handling."""

    endpoint_url: str | None = None
    region: str = "us-east-1"
    sqs_pollers: int = 1
    retry_after: int | None = None
    stream_settings: dict[str, streams.StreamMappingSettings] | None = None
    stream_retry_seconds: float = 0.5


class Pump:
    """Every SQS and DynamoDB Streams event source of one app, delivered by threads."""

    def __init__(self, app: Chalice, config: ChaliceConfig, options: PumpOptions | None = None):
        self.options = options = options or PumpOptions()
        endpoint_url = options.endpoint_url
        session = boto3.session.Session(region_name=options.region)
        self.sqs = session.client("sqs", endpoint_url=endpoint_url)
        self.dynamodb = session.client("dynamodb", endpoint_url=endpoint_url)
        self.streams = session.client("dynamodbstreams", endpoint_url=endpoint_url)
        self.account = session.client("sts", endpoint_url=endpoint_url).get_caller_identity()[
            "Account"
        ]
        self.app = app
        self.config = config
        self.region = options.region
        self.mappings: list[Mapping] = []
        # Each stream handler's failure handling, as deployed (infra/streams.py) unless given.
        self.stream_settings = (
            {m.function: m for m in streams.MAPPINGS}
            if options.stream_settings is None
            else options.stream_settings
        )
        self.stream_retry_seconds = options.stream_retry_seconds

    def _failure_policy(self, handler: str) -> tuple[Any, StreamFailurePolicy] | None:
        settings = self.stream_settings.get(handler)
        if settings is None:
            return None
        url = self.sqs.get_queue_url(QueueName=settings.queue_name(self.config.stage))["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        policy = StreamFailurePolicy(
            settings.maximum_retry_attempts,
            settings.bisect_batch_on_function_error,
            url,
            arn["Attributes"]["QueueArn"],
            self.stream_retry_seconds,
        )
        return self.sqs, policy

    def _function(self, name: str) -> Function:
        return Function(
            name=self.config.function_name(name),
            handler=self.app.handler_map[name],
            timeout=self.config.timeout(name),
            memory=self.config.memory(name),
            region=self.region,
            account=self.account,
        )

    def _sqs(self, source: SQSEventConfig) -> list[Mapping]:
        name = source.queue or str(source.queue_arn).rsplit(":", 1)[-1]
        url = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        function = self._function(source.name)
        return [
            SqsMapping(
                function,
                Queue(self.sqs, url, arn["Attributes"]["QueueArn"]),
                source.batch_size,
                self.options.retry_after,
            )
            for _ in range(self.options.sqs_pollers)
        ]

    def _stream(self, source: DynamoDBEventConfig) -> Mapping:
        # The configured ARN may be a placeholder: the table named in it is what counts.
        table = source.stream_arn.split(":table/", 1)[1].split("/", 1)[0]
        description = self.dynamodb.describe_table(TableName=table)["Table"]
        if "LatestStreamArn" not in description:
            raise ValueError(f"{source.name}: table {table} has no stream")
        return StreamMapping(
            self._function(source.name),
            Stream(self.streams, description["LatestStreamArn"]),
            source.batch_size,
            source.starting_position,
            self._failure_policy(source.name),
        )

    def start(self) -> None:
        """Resolve every source, position the stream readers, and start the threads."""
        for source in self.app.event_sources:
            if isinstance(source, SQSEventConfig):
                self.mappings.extend(self._sqs(source))
            elif isinstance(source, DynamoDBEventConfig):
                self.mappings.append(self._stream(source))
            elif isinstance(source, ScheduledEventConfig):
                # Every schedule runs at the local knob's pace (seconds), not its rate expression.
                interval = float(os.environ.get("SWEEP_INTERVAL_SECONDS", "60"))
                self.mappings.append(ScheduleMapping(self._function(source.name), interval))
            else:
                log.warning("%s: %s is not pumped locally", source.name, type(source).__name__)
        for mapping in self.mappings:
            mapping.start()

    def describe(self) -> list[str]:
        """One line per distinct mapping: handler <- source."""
        return sorted({f"{m.function.name} <- {m.source}" for m in self.mappings})

    def stop(self, timeout: float = 5.0) -> None:
        """Stop every thread after its current poll or invocation."""
        for mapping in self.mappings:
            mapping.stop()
        for mapping in self.mappings:
            mapping.join(timeout)


def main(argv: list[str] | None = None) -> int:
    """Run the pump for a project until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(description="Lambda's event source mappings, locally.")
    parser.add_argument("--project-dir", type=Path, default=Path.cwd())
    parser.add_argument("--stage", default="local")
    parser.add_argument("--sqs-pollers", type=int, default=int(os.environ.get("PUMP_POLLERS", 2)))
    parser.add_argument(
        "--retry-after",
        type=int,
        default=None,
        help="seconds before a failed SQS batch comes back (default: the queue's visibility)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    if os.environ.get("DEVSTACK_VERBOSE", "0") != "1":
        for noisy in ("botocore", "pynamodb"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    project_dir = args.project_dir.resolve()
    config = ChaliceConfig.load(project_dir, args.stage)
    os.environ.update(config.environment())  # as `chalice local` does for the stage
    options = PumpOptions(
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL"),
        region=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        sqs_pollers=args.sqs_pollers,
        retry_after=args.retry_after,
    )
    pump = Pump(load_app(project_dir), config, options)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    pump.start()
    for line in pump.describe():
        log.info("  %s", line)
    log.info("%s: %d event source(s)", READY, len(pump.describe()))
    stop.wait()
    pump.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
