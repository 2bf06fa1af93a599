"""A content-addressed model store: a share link names any model by a short id that every replica can open.

    store = open_store()                      # RNNVIZ_MODEL_STORE, else <RNNVIZ_DATA_DIR or ~/.rnnviz>/models.sqlite3
    model_id = store.put(params, session=sid) # 22 characters of base64url, the same for the same model, always
    params = store.get(model_id)              # the exact float64 weights; ModelStoreError saying what to do otherwise

URLs: ``sqlite:///relative/path.sqlite3`` or ``sqlite:////absolute/path.sqlite3`` (SQLAlchemy's spelling:
three slashes, then the path), ``postgresql://user@host:port/db`` (or ``postgres://``; any libpq URL).

The id. A model is written as one canonical byte string (``encode``): a format tag, f_s and f_o, the shape
(I, H, O) and then W_s, b_s, W_o, b_o, s0 as little-endian float64, in that order. Its id is the first 22
characters of the base64url SHA-256 of those bytes: 132 bits. So the same weights (bit for bit) and
activations always get the same id, on any replica and either database, and a one-ULP change in one weight
gives another. Those bytes are also what is stored, so every read checks them against the id: a row whose
bytes do not hash to its id is "damaged" and is never turned into numbers. No pickles anywhere; decoding
checks the length against the shape before reading a number.
Why the id gives nothing away: SHA-256 is one-way, so an id says nothing about the weights or even the
sizes; and ids cannot be enumerated, since finding any stored model by guessing takes about 2^132 / N tries
for N stored models. The one thing an id does allow is confirming a model one can already compute exactly
(e.g. an untrained preset): hashing it gives its id. That reveals only that someone shared a model that is
public anyway.

Limits (constructor arguments; ``ModelStoreError`` subclasses when exceeded):
- size: I <= max_inputs (32), H <= max_state (64), O <= max_outputs (32): the app's own caps, given here as
  numbers because serving code does not import the app. The largest model is then 67 KB.
- quota: at most max_models (10,000) models and max_bytes (256 MB) in all. When a new model does not fit,
  the least recently opened models (by get, or put again; to within touch_every, 60 s) are removed until it
  does: an old link then says the model was removed, and whoever still has the weights can share them again.
- rate: at most max_new_per_minute (30) new models per session per 60 s. session is any opaque string
  (the app passes its session id); putting a model that is already stored does not count; session=None
  (a notebook, an admin script) has no cap. The cap keeps one tab from flushing everyone's models out.

Library choice: the standard library's sqlite3 for one machine, psycopg 3 (``psycopg[binary]``, the
maintained PostgreSQL driver; imported only when a postgresql:// URL is opened) for replicas on several
machines. SQLAlchemy Core would hide the few differences, but they are five: the placeholder (? / %s), the
binary and float column types, and how a writer takes the one write lock (SQLite's BEGIN IMMEDIATE,
PostgreSQL's pg_advisory_xact_lock). Those are the ``_Dialect`` fields below, and the SQL itself is
identical, with ON CONFLICT upserts both understand. That is smaller than a dependency of SQLAlchemy's size.

Concurrency. SQLite runs in WAL mode with a busy timeout, so readers never wait and writers queue for up to
``timeout`` seconds: safe for the replicas of serving/deploy/serve.py on one machine. Every new model is
written in one transaction that holds the store's write lock (the rate check, the eviction and the insert
together), on both databases, so two replicas can never both squeeze into the last free place. A
ModelStore is thread-safe (Streamlit runs sessions as threads): it keeps a few idle connections and hands
each call one of its own; after a fork the child opens new connections. Database errors (server down,
lock timeout, a file that is not a database) become StoreUnavailable, never a traceback; a connection that
failed is closed, so after a PostgreSQL restart one call fails and the next connects again.
"""
import base64
import contextlib
import dataclasses
import functools
import hashlib
import math
import os
import re
import sqlite3
import struct
import threading
import time
from pathlib import Path

import numpy as np

from rnnviz.params import PARAM_NAMES, Params

ENV_URL, ENV_DATA_DIR = "RNNVIZ_MODEL_STORE", "RNNVIZ_DATA_DIR"
SQLITE_FILE = "models.sqlite3"
ID_LENGTH = 22                                     # base64url characters: 132 bits of SHA-256
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{%d}" % ID_LENGTH)
FORMAT_TAG = b"rnnviz-model/1\n"                   # first bytes of every stored model (domain separation)
SHAPE = struct.Struct("<3I")                       # I, H, O
RATE_WINDOW = 60.0                                 # seconds: the rate cap counts new models in this window
MAX_IDLE_CONNECTIONS = 4


class ModelStoreError(ValueError):
    """A model could not be stored or opened; the message says what the student can do about it."""


class UnknownModel(ModelStoreError):
    """No model has this id (mistyped, cut short, or removed to make room)."""


class DamagedModel(ModelStoreError):
    """The stored bytes do not match their id: never returned as numbers."""


class ModelTooLarge(ModelStoreError):
    """The model is above the store's size limits."""


class RateLimited(ModelStoreError):
    """This session stored too many new models in the last minute."""


class StoreUnavailable(ModelStoreError):
    """The database cannot be reached or is not a model store."""


# --------------------------------------------------------------------------------------------------
# The canonical bytes and the id
# --------------------------------------------------------------------------------------------------

def _name_bytes(name: str) -> bytes:
    raw = name.encode("ascii")
    return bytes([len(raw)]) + raw


def encode(p: Params) -> bytes:
    """The model as canonical bytes: tag, f_s, f_o (length-prefixed ASCII), (I, H, O), five float64 arrays."""
    arrays = b"".join(np.ascontiguousarray(a, dtype="<f8").tobytes() for a in p.arrays().values())
    shape = SHAPE.pack(p.input_size, p.state_size, p.output_size)
    return FORMAT_TAG + _name_bytes(p.f_s) + _name_bytes(p.f_o) + shape + arrays


def _shapes(I: int, H: int, O: int) -> dict:
    return {"W_s": (H + I, H), "b_s": (H,), "W_o": (H, O), "b_o": (O,), "s0": (H,)}


def decode(data: bytes) -> Params:
    """Params from ``encode``'s bytes; ValueError if they are not exactly such bytes (no pickles: numbers only)."""
    data = bytes(data)
    if not data.startswith(FORMAT_TAG):
        raise ValueError("not an rnnviz model record")
    pos, names = len(FORMAT_TAG), []
    for _ in range(2):
        n = data[pos] if pos < len(data) else 0
        names.append(data[pos + 1: pos + 1 + n].decode("ascii"))
        pos += 1 + n
    if pos + SHAPE.size > len(data):
        raise ValueError("the record ends before its shape")
    shapes = _shapes(*SHAPE.unpack_from(data, pos))
    pos += SHAPE.size
    sizes = [math.prod(s) for s in shapes.values()]
    if len(data) - pos != 8 * sum(sizes):
        raise ValueError(f"the record holds {len(data) - pos} bytes of numbers where its shape needs {8 * sum(sizes)}")
    flat = np.frombuffer(data, dtype="<f8", offset=pos)
    parts = np.split(flat, np.cumsum(sizes)[:-1])
    arrays = {name: part.reshape(shape) for name, part, shape in zip(PARAM_NAMES, parts, shapes.values())}
    return Params(**arrays, f_s=names[0], f_o=names[1])        # validates activations, NaN/inf


def digest_id(data: bytes) -> str:
    """The id of a model's canonical bytes: the first 22 characters of base64url(SHA-256)."""
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode("ascii")[:ID_LENGTH]


def model_id(p: Params) -> str:
    """The id ``put`` gives this model (computed without a store)."""
    return digest_id(encode(p))


def check_id(value) -> str:
    """The id itself if it looks like one; ModelStoreError otherwise (nothing is looked up for a malformed id).

    The message never repeats the text it was given: it may be shown in Markdown, where a link's text could
    become a link or an image."""
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        shown = f"{len(value):,} characters" if isinstance(value, str) else f"a {type(value).__name__}"
        raise UnknownModel(f"the link's model id ({shown}) is not a model id: an id is {ID_LENGTH} letters, digits, "
                           "'-' or '_'. Copy the whole link again (it may have been cut short)")
    return value


# --------------------------------------------------------------------------------------------------
# The two databases
# --------------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class _Dialect:
    name: str
    blob: str              # column type of the model bytes
    real: str              # column type of a time in seconds
    placeholder: str       # what "?" becomes
    lock: tuple            # the statements that start a transaction holding the store's write lock
    errors: tuple          # the driver's exceptions, turned into StoreUnavailable

    def sql(self, text: str) -> str:
        return text.replace("?", self.placeholder)


def _schema(d: _Dialect) -> list:
    return [
        f"CREATE TABLE IF NOT EXISTS rnnviz_models (id TEXT PRIMARY KEY, data {d.blob} NOT NULL, "
        f"n_bytes INTEGER NOT NULL, created {d.real} NOT NULL, opened {d.real} NOT NULL)",
        "CREATE INDEX IF NOT EXISTS rnnviz_models_opened ON rnnviz_models (opened)",
        f"CREATE TABLE IF NOT EXISTS rnnviz_model_puts (session TEXT NOT NULL, at {d.real} NOT NULL)",
        "CREATE INDEX IF NOT EXISTS rnnviz_model_puts_session ON rnnviz_model_puts (session, at)",
    ]


def _set_wal(conn, deadline: float) -> str:
    """Switch the file to WAL (kept in the file: later a no-op) and return the journal mode it reports.

    While another process is switching a new file, the pragma fails at once with "database is locked"
    instead of waiting for the busy timeout: it is tried again until the deadline."""
    while True:
        try:
            return conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _sqlite_connect(path: str, timeout: float):
    def connect():
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        mode = _set_wal(conn, time.monotonic() + timeout)
        if str(mode).lower() != "wal":
            conn.close()
            raise StoreUnavailable(f"the model store {path} cannot use SQLite's WAL mode (it reports {mode!r}); "
                                   "put the file on a local disk")
        return conn
    return connect


def _postgres_connect(url: str, timeout: float):
    import psycopg                                       # only needed for a postgresql:// store

    def connect():
        conn = psycopg.connect(url, autocommit=True, connect_timeout=max(1, round(timeout)))
        conn.execute(f"SET lock_timeout = {int(timeout * 1000)}")
        return conn
    return connect


def _postgres_errors() -> tuple:
    import psycopg
    return (psycopg.Error,)


SQLITE = _Dialect("SQLite", "BLOB", "REAL", "?", ("BEGIN IMMEDIATE",), (sqlite3.Error,))
POSTGRES_LOCK_KEY = 0x726E6E76                           # "rnnv": the advisory lock every writer takes


def _postgres_dialect() -> _Dialect:
    return _Dialect("PostgreSQL", "BYTEA", "DOUBLE PRECISION", "%s",
                    ("BEGIN", f"SELECT pg_advisory_xact_lock({POSTGRES_LOCK_KEY})"), _postgres_errors())


# --------------------------------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------------------------------

class ModelStore:
    """Models by id in one database table; see the module docstring for ids, limits and concurrency.

    connect: a function returning a new DB-API connection in autocommit mode; dialect: SQLITE or PostgreSQL's.
    max_inputs / max_state / max_outputs: the largest I, H, O stored (the app's caps: 32, 64, 32).
    max_models / max_bytes: the quota; the least recently opened models are removed to make room.
    max_new_per_minute: new models one session may store per 60 s (re-putting a stored model is free).
    touch_every: get records the opening time only when the recorded one is this many seconds old, so that
      reading a model is one SELECT, not a write and a disk flush (eviction order is exact to this many seconds).
    clock: seconds since the epoch (time.time; shared by replicas, so wall time, not a monotonic clock).
    """

    def __init__(self, connect, dialect: _Dialect, *,
                 max_inputs: int = 32, max_state: int = 64, max_outputs: int = 32,
                 max_models: int = 10_000, max_bytes: int = 256 * 1024 * 1024,
                 max_new_per_minute: int = 30, touch_every: float = 60.0, clock=time.time):
        self._connect, self.dialect = connect, dialect
        self.max_inputs, self.max_state, self.max_outputs = max_inputs, max_state, max_outputs
        self.max_models, self.max_bytes, self.max_new_per_minute = max_models, max_bytes, max_new_per_minute
        self.touch_every, self.clock = touch_every, clock
        if min(max_models, max_bytes, max_new_per_minute) < 1:
            raise ValueError("max_models, max_bytes and max_new_per_minute must be at least 1")
        self._idle, self._idle_lock, self._pid = [], threading.Lock(), os.getpid()
        with self._transaction() as cur:
            for statement in _schema(dialect):
                cur.execute(statement)

    # connections ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _connection(self):
        """One connection for this call alone; database errors become StoreUnavailable."""
        with self._idle_lock:
            if self._pid != os.getpid():                 # forked: the parent's connections are not ours
                self._idle, self._pid = [], os.getpid()
            conn = self._idle.pop() if self._idle else None
        try:
            if conn is None:
                conn = self._connect()
            yield conn
        except self.dialect.errors as e:
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()
            raise StoreUnavailable(f"the model store cannot be used right now ({self.dialect.name}: "
                                   f"{str(e).strip().splitlines()[0][:120] if str(e).strip() else type(e).__name__})"
                                   "; try again in a minute, and tell the teacher if it keeps failing") from None
        except ModelStoreError:                          # refused, but the connection is fine
            self._release(conn)
            raise
        except BaseException:
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()
            raise
        else:
            self._release(conn)

    def _release(self, conn) -> None:
        """Keep the connection for the next call, or close it when enough are idle."""
        with self._idle_lock:
            if conn is not None and len(self._idle) < MAX_IDLE_CONNECTIONS and self._pid == os.getpid():
                self._idle.append(conn)
                return
        if conn is not None:
            conn.close()

    @contextlib.contextmanager
    def _transaction(self):
        """A cursor inside one transaction that holds the store's write lock; rolled back on any error."""
        with self._connection() as conn:
            cur = conn.cursor()
            for statement in self.dialect.lock:
                cur.execute(statement)
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def _run(self, cur, text: str, args=()):
        cur.execute(self.dialect.sql(text), args)
        return cur

    def close(self) -> None:
        """Close the idle connections (calls still running close theirs when they finish)."""
        with self._idle_lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            with contextlib.suppress(Exception):
                conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # the API ---------------------------------------------------------------------------------------

    def check_size(self, p: Params) -> None:
        """ModelTooLarge if the model is above this store's limits on I, H or O."""
        sizes = [("inputs I", p.input_size, self.max_inputs), ("state units H", p.state_size, self.max_state),
                 ("outputs O", p.output_size, self.max_outputs)]
        over = [f"{n} {what} (at most {cap})" for what, n, cap in sizes if n > cap]
        if over:
            raise ModelTooLarge(f"this model is too large to share: it has {', '.join(over)}; make it smaller "
                                "or download it as a file instead")

    def put(self, params: Params, session: str = None) -> str:
        """Store the model (if it is not stored yet) and return its id; ModelStoreError if refused.

        session: an opaque string naming who stores it, for the per-session rate cap (None: no cap)."""
        if not isinstance(params, Params):
            raise ModelStoreError(f"only an rnnviz model (Params) can be stored, not a {type(params).__name__}")
        self.check_size(params)
        data = encode(params)
        mid, now = digest_id(data), float(self.clock())
        if len(data) > self.max_bytes:
            raise ModelTooLarge(f"this model ({len(data):,} bytes) is larger than the whole store's quota "
                                f"({self.max_bytes:,} bytes); download it as a file instead")
        with self._transaction() as cur:
            # Stored already: the bytes are rewritten too, which mends a damaged row of the same model.
            if self._run(cur, "UPDATE rnnviz_models SET data = ?, opened = ? WHERE id = ?",
                         (data, now, mid)).rowcount:
                return mid
            if session is not None:
                self._check_rate(cur, str(session), now)
            self._make_room(cur, len(data))
            self._run(cur, "INSERT INTO rnnviz_models (id, data, n_bytes, created, opened) VALUES (?, ?, ?, ?, ?) "
                           "ON CONFLICT (id) DO NOTHING", (mid, data, len(data), now, now))
            if session is not None:
                self._run(cur, "INSERT INTO rnnviz_model_puts (session, at) VALUES (?, ?)", (str(session), now))
        return mid

    def _check_rate(self, cur, session: str, now: float) -> None:
        self._run(cur, "DELETE FROM rnnviz_model_puts WHERE at <= ?", (now - RATE_WINDOW,))
        n = self._run(cur, "SELECT COUNT(*) FROM rnnviz_model_puts WHERE session = ? AND at > ?",
                      (session, now - RATE_WINDOW)).fetchone()[0]
        if n >= self.max_new_per_minute:
            raise RateLimited(f"you have shared {n} new models in the last minute, the most allowed; wait a "
                              "minute and share this one again (links you already made keep working)")

    def _make_room(self, cur, n_bytes: int) -> None:
        """Remove the least recently opened models until one more of n_bytes fits the quota."""
        count, total = self._run(cur, "SELECT COUNT(*), COALESCE(SUM(n_bytes), 0) FROM rnnviz_models").fetchone()
        while count > 0 and (count + 1 > self.max_models or total + n_bytes > self.max_bytes):
            oldest = self._run(cur, "SELECT id, n_bytes FROM rnnviz_models ORDER BY opened, id LIMIT 1").fetchone()
            self._run(cur, "DELETE FROM rnnviz_models WHERE id = ?", (oldest[0],))
            count, total = count - 1, total - oldest[1]

    def get(self, model_id: str) -> Params:
        """The model with this id, checked against its id; ModelStoreError if unknown, damaged or unreachable."""
        mid = check_id(model_id)
        with self._connection() as conn:
            row = self._run(conn.cursor(), "SELECT data, opened FROM rnnviz_models WHERE id = ?", (mid,)).fetchone()
            if row is None:
                raise UnknownModel(f"no model has the id `{mid}`: the link may be mistyped, or the model was "
                                   "removed to make room for newer ones (the store keeps the most recently "
                                   "opened). Ask whoever shared it for a new link")
            data = bytes(row[0])
            try:
                if digest_id(data) != mid:
                    raise ValueError("the bytes do not hash to the id")
                params = decode(data)
            except (ValueError, IndexError, struct.error):
                raise DamagedModel(f"the stored model `{mid}` is damaged (its bytes no longer match its id), so "
                                   "it is not opened; ask whoever shared it to share it again") from None
            now = float(self.clock())
            if now - row[1] >= self.touch_every:          # a read stays read-only most of the time
                self._run(conn.cursor(), "UPDATE rnnviz_models SET opened = ? WHERE id = ?", (now, mid))
        return params

    def remove(self, model_id: str) -> bool:
        """Remove a model (a teacher taking one down); True if it was stored. Its links then say it is gone."""
        mid = check_id(model_id)
        with self._transaction() as cur:
            return self._run(cur, "DELETE FROM rnnviz_models WHERE id = ?", (mid,)).rowcount > 0


# --------------------------------------------------------------------------------------------------
# Opening a store by URL
# --------------------------------------------------------------------------------------------------

def default_url() -> str:
    """RNNVIZ_MODEL_STORE, else a SQLite file models.sqlite3 in RNNVIZ_DATA_DIR (default ~/.rnnviz)."""
    url = os.environ.get(ENV_URL, "").strip()
    if url:
        return url
    folder = Path(os.environ.get(ENV_DATA_DIR, "").strip() or Path.home() / ".rnnviz")
    return "sqlite:///" + str(folder.expanduser() / SQLITE_FILE)


def open_store(url: str = None, *, timeout: float = 10.0, **limits) -> ModelStore:
    """A ModelStore for ``url`` (default: ``default_url()``); limits: ModelStore's keyword arguments.

    timeout: seconds a call waits for the write lock or a connection before StoreUnavailable."""
    url = default_url() if url is None else url
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if not path:
            raise StoreUnavailable("a sqlite:/// model store URL needs a file path after the three slashes")
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreUnavailable(f"the model store's folder {Path(path).parent} cannot be made ({e.strerror})") \
                from None
        return ModelStore(_sqlite_connect(path, timeout), SQLITE, **limits)
    if url.startswith(("postgresql://", "postgres://")):
        try:
            dialect = _postgres_dialect()
        except ImportError:
            raise StoreUnavailable("a PostgreSQL model store needs psycopg: pip install 'psycopg[binary]'") from None
        return ModelStore(_postgres_connect(url, timeout), dialect, **limits)
    scheme = url.split(":", 1)[0][:20]
    raise StoreUnavailable(f"unknown model store URL scheme {scheme!r}: use sqlite:///path or postgresql://...")


@functools.lru_cache(maxsize=4)
def _shared(url: str) -> ModelStore:
    return open_store(url)


def shared_store() -> ModelStore:
    """The server process's store for default_url(), opened on first use and shared by every session (a
    ModelStore is safe to share between threads). A failure to open it is not remembered: the next call tries
    again."""
    return _shared(default_url())
