"""Persistence of the local stack: a snapshot of moto's backends and, each second, what changed.

docs/decisions/0200-local-stack-persistence-by-snapshots.md says why snapshots (and not moto's
recorder or a replay of our own writes); docs/decisions/0203-incremental-store.md why they are
incremental. In short:

- the store is a base snapshot (`moto.pickle`: every backend moto holds, pickled in one go, so
  references between them survive; SQS's locks and Cognito's keys, which do not pickle, are rebuilt
  on load) and numbered deltas beside it (`moto.pickle.delta-<n>`), applied in order on load;
- once a second, if anything changed, the emulator pauses while a delta of just what changed is
  pickled: DynamoDB item by item (with the table's stream), S3 object by object, every other
  service as its whole backend (they are small). The pause and the file grow with the changes of
  that second, not with the store. The delta is written beside its final name, flushed and renamed,
  so a crash (even `kill -9` of everything) leaves whole files only;
- when the deltas add up to half the base (or many of them), a new base is written by a forked
  child (the emulator pauses only for the fork) while deltas go on; once it is on disk the deltas
  it covers are deleted. A start-up therefore loads at most about 1.5 times the store;
- a clean stop writes a last delta after the children have stopped, so nothing is lost;
- a base that cannot be read (cut short, written by another moto, not a snapshot at all) is moved
  aside with a one-line message and the stack starts clean; a delta that cannot be read is moved
  aside with the ones after it, with a one-line message, and the stack keeps everything before it.

What counts as a change: a DynamoDB item that moto's table put, updated or deleted (whoever asked),
a stream that its reader moved, an S3 object that a bucket stored or dropped (SNS's deliveries to
Firehose included), and otherwise each request that may write, by the backend that served it.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import io
import os
import pickle
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

# Imported here, not when first needed: the snapshot's forked child must not have to import.
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict

from devstack.processes import exit_with_parent

FORMAT = 2
SNAPSHOT_NAME = "moto.pickle"
SAVE_EVERY_SECONDS = 1.0
# Services whose state is rebuilt by its readers: stream iterators (the pump asks for new ones)
# and STS's answers; and Step Functions, whose executions are threads that die with moto and whose
# two backends share one service name (devstack/workflows.py brings the returns workflow back).
EPHEMERAL = frozenset({"dynamodbstreams", "sts", "stepfunctions"})
# Operations (from X-Amz-Target) that change nothing worth keeping. ReceiveMessage does change a
# message's receive count and visibility; a snapshot without it makes the message visible again
# after a restart, which is what a restarted consumer wants anyway.
READ_ONLY = frozenset(
    {
        "GetItem",
        "BatchGetItem",
        "Query",
        "Scan",
        "DescribeTable",
        "ListTables",
        "DescribeTimeToLive",
        "DescribeContinuousBackups",
        "ReceiveMessage",
        "GetQueueAttributes",
        "GetQueueUrl",
        "ListQueues",
        "DescribeStream",
        "GetRecords",
        "GetShardIterator",
        "ListStreams",
        "GetSecretValue",
        "GetCallerIdentity",
    }
)
# Services a delta holds item by item (tracked by the hooks in `track_changes`), not whole.
BY_ITEM = frozenset({"dynamodb", "s3"})
# A write to these changes other backends inside moto: SNS delivers to SQS and to Firehose.
ALSO_CHANGES = {"sns": ("sqs", "firehose")}
# DynamoDB operations whose changes the item hooks see; any other write is the whole backend's.
ITEM_OPERATIONS = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
)
DELTA_PREFIX = f"{SNAPSHOT_NAME}.delta-"
# A new base is written once the deltas since the last one hold this share of its size (or more
# than COMPACT_MIN_BYTES, for a small base), or there are COMPACT_AFTER_DELTAS of them.
COMPACT_SHARE = 0.5
COMPACT_MIN_BYTES = 8 * 2**20
COMPACT_AFTER_DELTAS = 600
SERVICE_KEY = "devstack.service"  # where devstack.moto_server notes the backend of a request
_S3_MULTI = ("uploads", "uploadId", "delete")  # S3 writes that touch more than the named object

# (account, region, table name); for S3 (account, partition, bucket name)
TableKey = tuple[str, str, str]


class CorruptSnapshot(Exception):
    """A snapshot that cannot be loaded."""


class StaleSnapshot(Exception):
    """A snapshot this stack should not load (another template wrote it)."""


@dataclass
class Snapshot:
    """What a snapshot holds: the stack's own facts and every backend of moto."""

    meta: dict[str, Any]
    backends: dict[tuple[str, str, str], Any]
    skipped: str = ""  # why deltas were left out, for one line at start-up


@dataclass
class Changes:
    """What changed in moto since the last delta."""

    everything: bool = False  # something no delta can say: the next save writes a new base
    services: set[str] = field(default_factory=set)  # backends saved whole
    items: dict[TableKey, set[tuple[Any, Any]]] = field(default_factory=dict)
    streams: set[TableKey] = field(default_factory=set)  # streams a reader moved
    objects: dict[int, set[str]] = field(default_factory=dict)  # id(bucket.keys) -> key names
    object_names: set[tuple[str, str]] = field(default_factory=set)  # (bucket, key) by request

    def __bool__(self) -> bool:
        return bool(
            self.everything
            or self.services
            or self.items
            or self.streams
            or self.objects
            or self.object_names
        )

    def merge(self, other: Changes) -> None:
        """Add `other`'s changes to these."""
        self.everything |= other.everything
        self.services |= other.services
        for key, keys in other.items.items():
            self.items.setdefault(key, set()).update(keys)
        self.streams |= other.streams
        for store, names in other.objects.items():
            self.objects.setdefault(store, set()).update(names)
        self.object_names |= other.object_names


_changes = Changes()
_changes_lock = threading.Lock()
_tracking = False


def take_changes() -> Changes:
    """What changed since the last call, and start counting again."""
    global _changes
    with _changes_lock:
        taken, _changes = _changes, Changes()
    return taken


def put_back(changes: Changes) -> None:
    """Changes that were taken but not written: they go into the next delta."""
    with _changes_lock:
        _changes.merge(changes)


def has_changes() -> bool:
    """Whether anything changed since the last delta."""
    return bool(_changes)


def mark_service(service: str) -> None:
    """A backend changed in a way only its whole state says (or we cannot tell how)."""
    if service in EPHEMERAL:
        return
    with _changes_lock:
        _changes.services.add(service)
        _changes.services.update(ALSO_CHANGES.get(service, ()))


def mark_everything() -> None:
    """Something changed that no delta can say: the next save writes a new base."""
    with _changes_lock:
        _changes.everything = True


def _mark_item(table: Any, key: dict[str, Any]) -> None:
    with contextlib.suppress(Exception):  # a key moto refused: nothing was written
        hash_key = DynamoType(key[table.hash_key_attr])
        range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        with _changes_lock:
            where = (table.account_id, table.region_name, table.name)
            _changes.items.setdefault(where, set()).add((hash_key, range_key))


def _mark_stream(table: Any) -> None:
    with _changes_lock:
        _changes.streams.add((table.account_id, table.region_name, table.name))


def _mark_object(store: Any, name: Any) -> None:
    with _changes_lock:
        _changes.objects.setdefault(id(store), set()).add(name)


def track_changes() -> None:
    """Hook moto (once per process) so that every item and object written is noted.

    Applies devstack.moto_memory first: its stream trim must run inside the hook that notices it.
    """
    global _tracking
    if _tracking:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.dynamodbstreams.models import ShardIterator
    from moto.s3.utils import _VersionedKeyStore

    from devstack import moto_memory

    moto_memory.apply()
    put, delete, update = Table.put_item, Table.delete_item, DynamoDBBackend.update_item
    get_records = ShardIterator.get

    @functools.wraps(put)
    def put_item(self: Any, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return put(self, item_attrs, *args, **kwargs)
        finally:
            _mark_item(self, item_attrs)

    @functools.wraps(delete)
    def delete_item(self: Any, hash_key: Any, range_key: Any = None) -> Any:
        try:
            return delete(self, hash_key, range_key)
        finally:
            with _changes_lock:
                where = (self.account_id, self.region_name, self.name)
                _changes.items.setdefault(where, set()).add((hash_key, range_key))

    @functools.wraps(update)
    def update_item(self: Any, table_name: str, key: dict[str, Any], *a: Any, **kw: Any) -> Any:
        try:
            return update(self, table_name, key, *a, **kw)
        finally:
            table = self.tables.get(table_name)
            if table is not None:
                _mark_item(table, key)

    @functools.wraps(get_records)
    def get(self: Any, *args: Any, **kwargs: Any) -> Any:
        shard = self.stream_shard
        first = shard.starting_sequence_number
        try:
            return get_records(self, *args, **kwargs)
        finally:
            if shard.starting_sequence_number != first:
                _mark_stream(shard.table)

    Table.put_item = put_item  # type: ignore[method-assign]
    Table.delete_item = delete_item  # type: ignore[method-assign]
    DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]
    ShardIterator.get = get  # type: ignore[method-assign]
    for name in ("__setitem__", "setlist", "pop"):
        setattr(_VersionedKeyStore, name, _noting(getattr(_VersionedKeyStore, name)))
    _tracking = True


def _noting(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def noted(self: Any, key: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, key, *args, **kwargs)
        finally:
            _mark_object(self, key)

    return noted


def note_request(environ: dict[str, Any]) -> None:
    """Note what a request that may write changed, beyond what the item hooks saw."""
    service = environ.get(SERVICE_KEY)
    if not service:
        mark_everything()
    elif service == "dynamodb":
        if operation(environ) not in ITEM_OPERATIONS:
            mark_service("dynamodb")  # a table created, changed or dropped
    elif service == "s3":
        bucket, _, key = _path(environ).lstrip("/").partition("/")
        query = environ.get("QUERY_STRING", "")
        if bucket and key and not any(word in query for word in _S3_MULTI):
            with _changes_lock:  # an object's tags or ACL change it in place
                _changes.object_names.add((bucket, key))
        else:
            mark_service("s3")  # a bucket's settings, or several objects
    else:
        mark_service(service)


def _path(environ: dict[str, Any]) -> str:
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return unquote(str(raw).partition("?")[0])
    return str(environ.get("PATH_INFO", "")).encode("latin-1").decode("utf-8", "replace")


class _Pickler(pickle.Pickler):
    """A pickler for moto's backends: locks become new locks, RSA keys travel as PEM.

    A thread (a Step Functions execution's worker) does not run on after a restart: it is stored
    as None, and the execution it ran keeps its status and history for a resume to start from.
    """

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if kind in _LOCK_TYPES:
            return _LOCK_TYPES[kind], ()
        if isinstance(obj, threading.Condition):
            return threading.Condition, ()
        if isinstance(obj, threading.Event):
            return threading.Event, ()
        if isinstance(obj, threading.Thread):
            return _no_thread, ()
        if kind is LimitedSizeDict:
            return _item_attributes, (dict(obj),)
        return _key_reduction(obj)


class _PatchPickler(_Pickler):
    """Items and streams of tables that stay where they are: a table is named, not copied."""

    def persistent_id(self, obj: Any) -> Any:
        from moto.dynamodb.models.table import Table

        if isinstance(obj, Table):
            return ("table", obj.account_id, obj.region_name, obj.name)
        return None


class _PatchUnpickler(pickle.Unpickler):
    def persistent_load(self, pid: Any) -> Any:
        from moto.backends import get_backend

        kind, account, region, name = pid
        if kind != "table":
            raise pickle.UnpicklingError(f"unknown reference {kind}")
        return get_backend("dynamodb")[account][region].tables[name]


_LOCK_TYPES: dict[type, Callable[[], Any]] = {
    type(threading.Lock()): threading.Lock,
    type(threading.RLock()): threading.RLock,
}


def _key_reduction(obj: Any) -> Any:
    """Private and public keys of `cryptography` as (loader, PEM); NotImplemented for the rest."""
    if isinstance(obj, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        pem = obj.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return _private_key, (pem,)
    if isinstance(obj, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        pem = obj.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return _public_key, (pem,)
    return NotImplemented


def _item_attributes(attributes: dict[str, Any]) -> Any:
    """A DynamoDB item's attributes as loaded: checked for size when written, not again here.

    LimitedSizeDict re-measures the whole item on every key set, which made loading a store of
    10,000 orders take most of a minute.
    """
    loaded = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.update(loaded, attributes)
    return loaded


def _no_thread() -> None:
    return None


def _private_key(pem: bytes) -> Any:
    return serialization.load_pem_private_key(pem, None)


def _public_key(pem: bytes) -> Any:
    return serialization.load_pem_public_key(pem)


def moto_backends() -> dict[tuple[str, str, str], Any]:
    """Every backend moto holds now, by (service, account, region), but the ephemeral ones."""
    from moto.core.base_backend import BackendDict

    found = {}
    for backend_dict in list(BackendDict._instances):  # type: ignore[misc]
        if backend_dict.service_name in EPHEMERAL:
            continue
        for account, region, backend in backend_dict.iter_backends():
            found[(backend_dict.service_name, account, region)] = backend
    return found


def install_backends(backends: dict[tuple[str, str, str], Any]) -> None:
    """Put loaded backends in moto's place, as if they had been created by requests."""
    from moto.backends import get_backend

    for (service, account, region), backend in backends.items():
        account_backends = get_backend(service)[account]  # type: ignore[call-overload]
        dict.__setitem__(account_backends, region, backend)


def _header(**more: Any) -> dict[str, Any]:
    import moto

    return {"format": FORMAT, "moto": moto.__version__, "python": sys.version_info[:2], **more}


def _pickled(obj: Any, pickler: type[pickle.Pickler] = _Pickler) -> bytes:
    buffer = io.BytesIO()
    pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buffer.getvalue()


def dumps(snapshot: Snapshot, seq: int = 0, lineage: str = "") -> bytes:
    """A base snapshot as bytes: it covers the deltas up to `seq` of its `lineage`."""
    return _pickled((_header(seq=seq, lineage=lineage), snapshot.meta, snapshot.backends))


def _check_header(header: Any) -> dict[str, Any]:
    import moto

    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CorruptSnapshot("not a snapshot of this format")
    if header.get("moto") != moto.__version__:
        raise CorruptSnapshot(f"written by moto {header.get('moto')}, this is {moto.__version__}")
    return header


def loads(data: bytes) -> tuple[dict[str, Any], Snapshot]:
    """(header, snapshot) from a base's bytes; CorruptSnapshot if this moto cannot use them."""
    try:
        # Only ever a file this stack wrote into its own (git-ignored) directory.
        header, meta, backends = pickle.loads(data)  # noqa: S301
    except Exception as exc:
        raise CorruptSnapshot(f"unreadable ({type(exc).__name__}: {exc})") from None
    return _check_header(header), Snapshot(meta, backends)


def delta_bytes(changes: Changes, meta: dict[str, Any], seq: int, lineage: str) -> bytes:
    """What changed, as bytes of delta `seq`: whole backends, items of tables, objects of buckets.

    Call it while nothing else runs in moto (under the snapshot lock): it is the consistent cut.
    """
    backends = moto_backends()
    known = {service for service, _, _ in backends} | EPHEMERAL
    whole = {
        key: backend
        for key, backend in backends.items()
        if key[0] in changes.services or (changes.services - known and key[0] not in BY_ITEM)
    }
    tables: dict[TableKey, tuple[Any, list[tuple[Any, Any, Any]]]] = {}
    objects: dict[TableKey, list[tuple[str, Any]]] = {}
    for (service, account, region), backend in backends.items():
        if service == "dynamodb" and (service, account, region) not in whole:
            for name, table in backend.tables.items():
                where = (account, region, name)
                keys = changes.items.get(where, set())
                if keys or where in changes.streams:
                    found = [(h, r, _item(table, h, r)) for h, r in keys]
                    tables[where] = (table.stream_shard, found)
        if service == "s3" and (service, account, region) not in whole:
            for bucket_name, bucket in backend.buckets.items():
                names = set(changes.objects.get(id(bucket.keys), ()))
                names |= {key for b, key in changes.object_names if b == bucket_name}
                if names:
                    objects[(account, region, bucket_name)] = [
                        (name, dict.get(bucket.keys, name)) for name in names
                    ]
    parts = (_pickled(whole), _pickled((tables, objects), _PatchPickler))
    return _pickled((_header(seq=seq, lineage=lineage), meta, parts), pickle.Pickler)


def _item(table: Any, hash_key: Any, range_key: Any) -> Any:
    """The item stored under a key now, or None."""
    found = dict.get(table.items, hash_key)
    if table.range_key_attr is None or found is None:
        return found
    return found.get(range_key)


def apply_delta(data: bytes, lineage: str) -> tuple[int, dict[str, Any]]:
    """Apply a delta's bytes to the backends installed; answer its (seq, meta).

    Nothing is changed unless the whole delta reads: CorruptSnapshot otherwise.
    """
    from moto.backends import get_backend

    try:
        header, meta, (whole_bytes, patch_bytes) = pickle.loads(data)  # noqa: S301
        _check_header(header)
        if header.get("lineage") != lineage:
            raise CorruptSnapshot("it belongs to another store")
        whole = pickle.loads(whole_bytes)  # noqa: S301
        tables, objects = _PatchUnpickler(io.BytesIO(patch_bytes)).load()
        targets = [get_backend("dynamodb")[a][r].tables[n] for a, r, n in tables]
        buckets = [get_backend("s3")[a][p].buckets[b] for a, p, b in objects]
    except CorruptSnapshot:
        raise
    except Exception as exc:
        raise CorruptSnapshot(f"unreadable ({type(exc).__name__}: {exc})") from None
    install_backends(whole)
    for table, (shard, items) in zip(targets, tables.values(), strict=True):
        table.stream_shard = shard
        for hash_key, range_key, item in items:
            _put_item(table, hash_key, range_key, item)
    for bucket, names in zip(buckets, objects.values(), strict=True):
        for name, versions in names:
            if versions is None:
                dict.pop(bucket.keys, name, None)
            else:
                dict.__setitem__(bucket.keys, name, versions)
    return int(header["seq"]), meta


def _put_item(table: Any, hash_key: Any, range_key: Any, item: Any) -> None:
    """Set (or with None, remove) one item of a table, without a stream record."""
    if table.range_key_attr is None:
        if item is None:
            dict.pop(table.items, hash_key, None)
        else:
            table.items[hash_key] = item
    elif item is None:
        dict.get(table.items, hash_key, {}).pop(range_key, None)
    else:
        table.items[hash_key][range_key] = item


def write_atomically(path: Path, data: bytes) -> None:
    """Write beside `path`, flush to disk, then rename over it."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with partial.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    partial.replace(path)


class Store:
    """The directory that holds a stack's base snapshot and the deltas since."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.path = directory / SNAPSHOT_NAME
        self.lineage = ""  # the base's id; its deltas carry it
        self.seq = 0  # the last delta written or loaded
        self.base_seq = 0  # the last delta the base covers
        self.base_bytes = 0
        self.delta_bytes = 0  # deltas since the base

    def exists(self) -> bool:
        """Whether there is a snapshot to load."""
        return self.path.is_file()

    def deltas(self) -> list[tuple[int, Path]]:
        """The delta files, by number."""
        found = []
        for path in self.directory.glob(f"{DELTA_PREFIX}*"):
            number = path.name.removeprefix(DELTA_PREFIX)
            if number.isdigit():
                found.append((int(number), path))
        return sorted(found)

    def delta_path(self, seq: int) -> Path:
        """Where delta `seq` lives."""
        return self.directory / f"{DELTA_PREFIX}{seq:09d}"

    def load(self, check: Callable[[dict[str, Any]], None] | None = None) -> Snapshot:
        """The base installed in moto with every readable delta applied in order.

        CorruptSnapshot if the base cannot be used, or whatever `check(meta)` raises (before
        anything is installed). A delta that cannot be used is moved aside with every one after
        it; `skipped` on the answer says so.
        """
        for partial in self.directory.glob(f".{SNAPSHOT_NAME}*.partial"):
            partial.unlink(missing_ok=True)  # a write that a crash cut short
        # Unpickling makes millions of objects: the cyclic collector, walking all of them again and
        # again, took most of the time (10,000 orders: 8.7 s with it, 2.4 s without). Once loaded,
        # they live as long as the stack: frozen, the collector never walks them again (a full
        # collection of that store took 1.4 s, a pause in whatever request triggered it).
        gc.disable()
        try:
            snapshot = self._load(check)
        finally:
            gc.enable()
        gc.freeze()
        return snapshot

    def _load(self, check: Callable[[dict[str, Any]], None] | None) -> Snapshot:
        data = self.path.read_bytes()
        header, snapshot = loads(data)
        if check is not None:
            check(snapshot.meta)
        install_backends(snapshot.backends)
        self.lineage, self.base_seq = str(header.get("lineage", "")), int(header.get("seq", 0))
        self.seq, self.base_bytes, self.delta_bytes = self.base_seq, len(data), 0
        pending = [(seq, path) for seq, path in self.deltas() if seq > self.base_seq]
        for stale_seq, stale in self.deltas():
            if stale_seq <= self.base_seq:
                stale.unlink(missing_ok=True)  # covered by the base; a crash kept them
        for index, (seq, path) in enumerate(pending):
            try:
                if seq != self.seq + 1:
                    raise CorruptSnapshot(f"delta {self.seq + 1} is missing")
                data = path.read_bytes()
                self.seq, meta = apply_delta(data, self.lineage)
            except (CorruptSnapshot, OSError) as exc:
                for _, later in pending[index:]:
                    self.set_aside(later, "corrupt")
                snapshot.skipped = (
                    f"the store's changes from {path.name} on could not be read ({exc}); "
                    f"{len(pending) - index} file(s) were moved aside and the stack keeps what "
                    f"was stored before them"
                )
                break
            snapshot.meta = meta
            self.delta_bytes += len(data)
        snapshot.backends = moto_backends()
        take_changes()  # loading is not a change
        return snapshot

    def set_aside(self, path: Path | None = None, reason: str = "corrupt") -> Path:
        """Move a file of the store out of the way (kept for a look); the base by default.

        Moving the base aside moves its deltas too, so the stack starts clean.
        """
        stamp = time.strftime("%Y%m%d-%H%M%S")
        if path is None:
            for _, delta in self.deltas():
                delta.replace(delta.with_name(f"{delta.name}.{stamp}.{reason}"))
            path = self.path
        aside = path.with_name(f"{path.name}.{stamp}.{reason}")
        path.replace(aside)
        return aside

    def reset(self) -> None:
        """Forget everything stored."""
        for path in self.directory.glob(f"{SNAPSHOT_NAME}*"):
            path.unlink()

    def write_delta(self, seq: int, data: bytes) -> None:
        """Write delta `seq` (after the one before it)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        write_atomically(self.delta_path(seq), data)
        self.seq = seq
        self.delta_bytes += len(data)

    def save(self, meta: dict[str, Any], new_lineage: bool = False) -> int:
        """Write a base of moto as it is now, in this process; answer its size in bytes.

        It covers every delta written so far, which are then deleted.
        """
        if new_lineage or not self.lineage:
            self.lineage, self.seq = secrets.token_hex(8), 0
        data = dumps(Snapshot(meta, moto_backends()), self.seq, self.lineage)
        self.directory.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, data)
        self.based(self.seq, len(data))
        return len(data)

    def based(self, seq: int, size: int) -> None:
        """A base covering the deltas up to `seq` is on disk: drop those deltas."""
        for number, path in self.deltas():
            if number <= seq:
                path.unlink(missing_ok=True)
        self.base_seq, self.base_bytes = seq, size
        self.delta_bytes = sum(path.stat().st_size for _, path in self.deltas())

    def wants_base(self, pending: int) -> bool:
        """Whether the deltas since the base, with one of `pending` bytes, are worth a new base."""
        enough = max(COMPACT_MIN_BYTES, int(self.base_bytes * COMPACT_SHARE))
        count = self.seq + 1 - self.base_seq
        return self.delta_bytes + pending > enough or count >= COMPACT_AFTER_DELTAS


class ReadWriteLock:
    """Many readers (requests) at once, or one writer (the snapshot), writers first."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._waiting_writers = 0

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the lock shared."""
        with self._cond:
            while self._writing or self._waiting_writers:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the lock alone."""
        with self._cond:
            self._waiting_writers += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._waiting_writers -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


def operation(environ: dict[str, Any]) -> str:
    """The AWS operation of a request when its X-Amz-Target names it (JSON protocols), else ''."""
    return str(environ.get("HTTP_X_AMZ_TARGET", "")).rpartition(".")[2]


def may_write(environ: dict[str, Any]) -> bool:
    """Whether a request may change moto's state (reads by method or operation do not)."""
    if environ.get("REQUEST_METHOD") in ("GET", "HEAD", "OPTIONS"):
        return False
    return operation(environ) not in READ_ONLY


def waits_long(environ: dict[str, Any]) -> bool:
    """A request that may block for a while before it changes anything (SQS long polls)."""
    return operation(environ) == "ReceiveMessage"


@dataclass
class _Base:
    """A base being written by a forked child."""

    pid: int
    seq: int
    started: float


class Snapshotter:
    """Writes a delta once a second while moto changes, and a new base now and then."""

    def __init__(self, store: Store, meta: Callable[[], dict[str, Any]], lock: ReadWriteLock):
        self.store = store
        self.meta = meta
        self.lock = lock
        self.last_error = ""
        self.pauses: list[float] = []  # seconds the emulator paused, per delta
        self.writes: list[float] = []  # seconds each delta took to write, after the pause
        self.sizes: list[int] = []  # bytes of each delta
        self.bases: list[float] = []  # seconds each base took, from its fork to its rename
        self.base_size = 0
        self._base: _Base | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="snapshots", daemon=True)

    @property
    def saves(self) -> int:
        """Deltas written so far."""
        return len(self.sizes)

    def start(self) -> None:
        """Start writing in the background."""
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(SAVE_EVERY_SECONDS):
            try:
                self._reap()
                if has_changes():
                    self.snapshot()
            except Exception as exc:  # a full disk, say: say so once, keep serving
                if str(exc) != self.last_error:
                    self.last_error = str(exc)
                    print(f"devstack: the store could not be written: {exc}", flush=True)

    def write_base(self) -> None:
        """A new base of everything now, in this process (the seed, on a first start)."""
        with self.lock.writing():
            take_changes()
            self.store.save(self.meta(), new_lineage=True)

    def snapshot(self, final: bool = False) -> None:
        """Write what changed since the last delta; fork a new base when one is due."""
        meta = self.meta()
        with self.lock.writing():
            started = time.perf_counter()
            changes = take_changes()
            seq = self.store.seq + 1
            try:
                data = delta_bytes(changes, meta, seq, self.store.lineage)
            except BaseException:
                put_back(changes)
                raise
            if not final and (changes.everything or self.store.wants_base(len(data))):
                self._fork_base(meta, seq, changes)
            self.pauses.append(time.perf_counter() - started)
        begun = time.perf_counter()
        try:
            self.store.write_delta(seq, data)
        except BaseException:
            self._abandon_base()
            put_back(changes)
            raise
        self.writes.append(time.perf_counter() - begun)
        self.sizes.append(len(data))
        for samples in (self.pauses, self.writes, self.sizes):
            del samples[:-1000]

    def _fork_base(self, meta: dict[str, Any], seq: int, changes: Changes) -> None:
        """Start writing a base covering delta `seq` (the cut taken now), unless one is on its way.

        Called under the lock: the forked child holds moto as it is at this cut.
        """
        if self._base is not None:
            if changes.everything:
                mark_everything()  # the next base, once this one is done
            return
        if not hasattr(os, "fork"):
            self.store.save(meta)
            return
        pid = os.fork()
        if pid == 0:  # the child: a frozen copy of moto, alone, with nothing else running
            code = 1
            try:
                gc.disable()  # the child only pickles and exits
                exit_with_parent(signal.SIGKILL)  # a stack killed by -9 leaves no writer behind
                _close_sockets()  # the ports are the stack's, even if it dies meanwhile
                data = dumps(Snapshot(meta, moto_backends()), seq, self.store.lineage)
                write_atomically(self.store.path, data)
                code = 0
            finally:
                os._exit(code)
        self._base = _Base(pid, seq, time.perf_counter())

    def _reap(self, wait: bool = False) -> None:
        """Take note of a base that is done: drop the deltas it covers."""
        if self._base is None:
            return
        pid, status = os.waitpid(self._base.pid, 0 if wait else os.WNOHANG)
        if pid == 0:
            return
        base, self._base = self._base, None
        if os.waitstatus_to_exitcode(status) != 0:
            raise OSError(f"the snapshot process failed ({os.waitstatus_to_exitcode(status)})")
        self.base_size = self.store.path.stat().st_size
        self.store.based(base.seq, self.base_size)
        self.bases.append(time.perf_counter() - base.started)

    def _abandon_base(self) -> None:
        """Stop a base being written (the deltas before it stay until another one is done)."""
        if self._base is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._base.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self._base.pid, 0)
        partial = self.store.path.with_name(f".{SNAPSHOT_NAME}.{self._base.pid}.partial")
        partial.unlink(missing_ok=True)
        self._base = None

    def summary(self) -> str:
        """One line on what was written so far, for the way out."""
        if not self.sizes and not self.bases:
            return ""
        pauses = sorted(self.pauses) or [0.0]
        writes = sorted(self.writes) or [0.0]
        sizes = sorted(self.sizes) or [0]
        line = (
            f"devstack: {self.saves} deltas written, pausing the emulator "
            f"{pauses[len(pauses) // 2] * 1000:.1f} ms p50, {pauses[-1] * 1000:.1f} ms max, "
            f"writing {writes[len(writes) // 2] * 1000:.1f} ms p50, "
            f"{writes[-1] * 1000:.1f} ms max, "
            f"{sizes[len(sizes) // 2] / 1024:.1f} KB p50, {sizes[-1] / 1024:.1f} KB max"
        )
        if self.bases:
            line += (
                f"; {len(self.bases)} new base(s), the last took {self.bases[-1]:.2f} s "
                f"and holds {self.base_size / 2**20:.1f} MB"
            )
        return line

    def stop(self) -> None:
        """Stop the background writes; a base on its way is abandoned (a final `snapshot()`,
        which is the caller's, keeps everything)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        with contextlib.suppress(Exception):
            self._reap()
        self._abandon_base()


def _close_sockets() -> None:
    """Close every socket this process holds (Linux; elsewhere nothing)."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        return
    for entry in list(fds.iterdir()):
        with contextlib.suppress(OSError, ValueError):
            if os.readlink(entry).startswith("socket:"):
                os.close(int(entry.name))


class PersistentMoto:
    """WSGI middleware: requests hold the lock shared; those that may write note what changed."""

    def __init__(self, app: Any, snapshotter: Snapshotter):
        self.app = app
        self.snapshotter = snapshotter

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Serve the request; a long poll is left outside the lock, so a snapshot never waits."""
        if waits_long(environ):
            return self.app(environ, start_response)
        with self.snapshotter.lock.reading():
            try:
                return _drained(self.app(environ, start_response))
            finally:
                if may_write(environ):
                    note_request(environ)


def _drained(body: Iterable[bytes]) -> list[bytes]:
    """The whole answer, read while the lock is held (the app may stream it lazily)."""
    try:
        return [b"".join(body)]
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
