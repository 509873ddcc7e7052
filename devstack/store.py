"""Persistence of the local stack: snapshots of moto's backends, at most a second old.

docs/decisions/0001-local-stack-persistence.md says why snapshots (and not moto's recorder or a
replay of our own writes). In short:

- every backend moto holds (DynamoDB with its streams' records, SQS with messages in flight, SNS,
  S3 objects, Cognito users with their passwords, Secrets Manager, CloudWatch, and whatever a later
  template adds, Step Functions included) is pickled in one go, so references between them survive;
  SQS's locks and Cognito's RSA key, which do not pickle, are rebuilt on load;
- a request that may write marks the store dirty; once a second a dirty store is written. The
  emulator pauses only while it forks: the child process pickles a frozen copy of the memory and
  writes it, beside the old file, then renames it over the old one, so a crash (even `kill -9` of
  everything) leaves either the previous snapshot or the new one, never a mix;
- a clean stop writes a last snapshot after the children have stopped, so nothing is lost;
- a snapshot that cannot be read (cut short, written by another moto, not a snapshot at all) is
  moved aside with a one-line message and the stack starts clean.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Imported here, not when first needed: the snapshot's forked child must not have to import.
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from moto.dynamodb.models.dynamo_type import LimitedSizeDict

FORMAT = 1
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


class CorruptSnapshot(Exception):
    """A snapshot that cannot be loaded."""


@dataclass
class Snapshot:
    """What a snapshot holds: the stack's own facts and every backend of moto."""

    meta: dict[str, Any]
    backends: dict[tuple[str, str, str], Any]


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


def dumps(snapshot: Snapshot) -> bytes:
    """The snapshot as bytes."""
    import moto

    buffer = io.BytesIO()
    header = {"format": FORMAT, "moto": moto.__version__, "python": sys.version_info[:2]}
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(
        (header, snapshot.meta, snapshot.backends)
    )
    return buffer.getvalue()


def loads(data: bytes) -> Snapshot:
    """A snapshot from bytes; CorruptSnapshot if they are not one this moto can use."""
    import moto

    try:
        # Only ever a file this stack wrote into its own (git-ignored) directory.
        header, meta, backends = pickle.loads(data)  # noqa: S301
    except Exception as exc:
        raise CorruptSnapshot(f"unreadable ({type(exc).__name__}: {exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CorruptSnapshot("not a snapshot of this format")
    if header.get("moto") != moto.__version__:
        raise CorruptSnapshot(f"written by moto {header.get('moto')}, this is {moto.__version__}")
    return Snapshot(meta, backends)


def write_atomically(path: Path, data: bytes) -> None:
    """Write beside `path`, flush to disk, then rename over it."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with partial.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    partial.replace(path)


class Store:
    """The directory that holds a stack's snapshot."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.path = directory / SNAPSHOT_NAME

    def exists(self) -> bool:
        """Whether there is a snapshot to load."""
        return self.path.is_file()

    def load(self) -> Snapshot:
        """The stored snapshot; CorruptSnapshot if it cannot be used."""
        return loads(self.path.read_bytes())

    def set_aside(self, reason: str) -> Path:
        """Move the snapshot out of the way (kept for a look), so the stack starts clean."""
        aside = self.path.with_name(f"{SNAPSHOT_NAME}.{time.strftime('%Y%m%d-%H%M%S')}.{reason}")
        self.path.replace(aside)
        return aside

    def reset(self) -> None:
        """Forget everything stored."""
        for path in self.directory.glob(f"{SNAPSHOT_NAME}*"):
            path.unlink()

    def save(self, meta: dict[str, Any]) -> int:
        """Write a snapshot of moto as it is now, in this process; answer its size in bytes."""
        data = dumps(Snapshot(meta, moto_backends()))
        self.directory.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, data)
        return len(data)


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


class Snapshotter:
    """Writes the store once a second while moto changes; pauses requests only while it forks."""

    def __init__(self, store: Store, meta: Callable[[], dict[str, Any]], lock: ReadWriteLock):
        self.store = store
        self.meta = meta
        self.lock = lock
        self.changes = 0  # requests that may have written, counted by the middleware
        self.saved_changes = 0
        self.saves = 0
        self.last_error = ""
        self.pauses: list[float] = []  # seconds the emulator paused, per snapshot
        self.last_write = 0.0  # seconds the last snapshot took to write
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="snapshots", daemon=True)

    def start(self) -> None:
        """Start writing snapshots in the background."""
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(SAVE_EVERY_SECONDS):
            if self.changes != self.saved_changes:
                try:
                    self.snapshot()
                except Exception as exc:  # a full disk, say: say so once, keep serving
                    if str(exc) != self.last_error:
                        self.last_error = str(exc)
                        print(f"devstack: the store could not be written: {exc}", flush=True)

    def snapshot(self) -> None:
        """Write one snapshot now: forked where possible, in this process otherwise."""
        if not hasattr(os, "fork"):
            with self.lock.writing():
                changes = self.changes
                self.store.save(self.meta())
            self.saved_changes, self.saves = changes, self.saves + 1
            return
        meta = self.meta()
        begun = time.perf_counter()
        with self.lock.writing():
            started = time.perf_counter()
            changes = self.changes
            pid = os.fork()
            if pid == 0:  # the child: a frozen copy of moto, alone, with nothing else running
                code = 1
                try:
                    _close_sockets()  # the ports are the stack's, even if it dies meanwhile
                    self.store.save(meta)
                    code = 0
                finally:
                    os._exit(code)
            self.pauses.append(time.perf_counter() - started)
            del self.pauses[:-1000]
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise OSError(f"the snapshot process failed ({os.waitstatus_to_exitcode(status)})")
        self.saved_changes, self.saves = changes, self.saves + 1
        self.last_write = time.perf_counter() - begun

    def summary(self) -> str:
        """One line on the snapshots written so far, for the way out."""
        if not self.pauses:
            return ""
        pauses = sorted(self.pauses)
        size = self.store.path.stat().st_size / 2**20 if self.store.exists() else 0.0
        return (
            f"devstack: {self.saves} snapshots written, pausing the emulator "
            f"{pauses[len(pauses) // 2] * 1000:.1f} ms p50, {pauses[-1] * 1000:.1f} ms max; "
            f"the last took {self.last_write:.2f} s and holds {size:.1f} MB"
        )

    def stop(self) -> None:
        """Stop the background writes (a final `snapshot()` is the caller's)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


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
    """WSGI middleware: requests hold the lock shared and count as changes when they may write."""

    def __init__(self, app: Any, snapshotter: Snapshotter):
        self.app = app
        self.snapshotter = snapshotter

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Serve the request; a long poll is left outside the lock, so a snapshot never waits."""
        if waits_long(environ):
            return self.app(environ, start_response)
        with self.snapshotter.lock.reading():
            if may_write(environ):
                self.snapshotter.changes += 1
            return _drained(self.app(environ, start_response))


def _drained(body: Iterable[bytes]) -> list[bytes]:
    """The whole answer, read while the lock is held (the app may stream it lazily)."""
    try:
        return [b"".join(body)]
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
