"""Make moto's SNS and Firehose deliver the event lake as AWS does (moto 5.2.5, from its source).

Two gaps, closed here and proved by tests/api/test_event_lake.py (docs/local-stack.md lists them):

- moto's SNS accepts a `firehose` subscription and never delivers to it. `apply()` delivers each
  message that passes the subscription's filter policy to the delivery stream, raw (the message
  itself) or in SNS's JSON envelope, as the subscription's RawMessageDelivery says.
- moto's Firehose uses an S3 prefix literally and appends `YYYY/MM/DD/HH/`; it does not evaluate
  `!{timestamp:...}` expressions. AWS evaluates them by the record's arrival time (UTC) and, when
  the prefix has any, appends nothing. `apply()` does the same for the expressions the template
  uses; any other expression is an error, so a new one cannot pass unnoticed.

What stays different: moto writes one object per PutRecord(Batch) at once, where AWS buffers up to
the stream's BufferingHints (60 s or 5 MB); both concatenate records as they are, which is why every
event's message ends with a newline (chalicelib/adapters/events.py).
"""

from __future__ import annotations

import functools
import json
import re
from datetime import datetime
from typing import Any

from moto.core.utils import utcnow
from moto.firehose.models import FirehoseBackend, firehose_backends
from moto.moto_api._internal import mock_random
from moto.sns.models import Subscription

_EXPRESSION = re.compile(r"!\{([^}]*)\}")
# Java DateTimeFormatter patterns Firehose accepts, as strftime directives.
_TIME_PATTERNS = {"yyyy": "%Y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}
_applied = False


def evaluate_prefix(prefix: str, arrival: datetime, error_type: str = "processing-failed") -> str:
    """A Firehose S3 prefix with its `!{timestamp:...}` and `!{firehose:...}` expressions done."""

    def value(match: re.Match[str]) -> str:
        namespace, _, argument = match.group(1).partition(":")
        if namespace == "timestamp" and argument in _TIME_PATTERNS:
            return arrival.strftime(_TIME_PATTERNS[argument])
        if namespace == "firehose" and argument == "error-output-type":
            return error_type
        if namespace == "firehose" and argument == "random-string":
            return mock_random.get_random_string(length=11)
        raise ValueError(f"the local Firehose does not evaluate !{{{match.group(1)}}}")

    return _EXPRESSION.sub(value, prefix)


def object_key(stream: str, version_id: str, prefix: str, arrival: datetime) -> str:
    """Where Firehose puts an object: the prefix evaluated, or with `YYYY/MM/DD/HH/` if plain."""
    if _EXPRESSION.search(prefix):
        folder = evaluate_prefix(prefix, arrival)
    else:
        folder = f"{prefix}{'' if prefix.endswith('/') or not prefix else '/'}"
        folder += arrival.strftime("%Y/%m/%d/%H/")
    stamp = arrival.strftime("%Y-%m-%d-%H-%M-%S")
    return f"{folder}{stream}-{version_id}-{stamp}-{mock_random.uuid4()}"


def _deliver_to_firehose(
    subscription: Any, message: str, message_id: str, subject: str | None, attributes: Any
) -> None:
    matcher = subscription._filter_policy_matcher
    if matcher is not None and not matcher.matches(attributes, message):
        return
    raw = str(subscription.attributes.get("RawMessageDelivery", "false")).lower() == "true"
    if raw:
        data = message
    else:
        envelope = subscription.get_post_data(
            message, message_id, subject, message_attributes=attributes
        )
        data = json.dumps(envelope)
    arn = subscription.endpoint  # arn:aws:firehose:<region>:<account>:deliverystream/<name>
    region, name = arn.split(":")[3], arn.rsplit("/", 1)[1]
    backend = firehose_backends[subscription.account_id][region]
    backend.put_record(name, {"Data": data.encode()})


def apply() -> None:
    """Patch moto (once per process): SNS delivers to Firehose, Firehose evaluates its prefix."""
    global _applied
    if _applied:
        return
    publish = Subscription.publish

    @functools.wraps(publish)
    def publish_to_any(
        self: Any,
        message: str,
        message_id: str,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        if self.protocol != "firehose":
            publish(self, message, message_id, subject, message_attributes, *args, **kwargs)
            return
        if kwargs.get("message_structure") == "json":
            message = self._parse_message_structure(message, self.protocol)
        _deliver_to_firehose(self, message, message_id, subject, message_attributes)

    def format_path(stream: str, version_id: str, prefix: str) -> str:
        return object_key(stream, version_id, prefix, utcnow())

    Subscription.publish = publish_to_any  # type: ignore[method-assign]
    FirehoseBackend._format_s3_object_path = staticmethod(format_path)  # type: ignore[method-assign,assignment]
    _applied = True
