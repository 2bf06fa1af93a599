"""serving.model_store on both databases: every test runs on SQLite and on a real PostgreSQL server.

PostgreSQL: RNNVIZ_TEST_POSTGRES_URL if set (a server where this user may CREATE DATABASE), else a throwaway
cluster started once for this module from Debian's postgresql package (initdb + pg_ctl from
/usr/lib/postgresql/<version>/bin, trust auth, 127.0.0.1 on a free port, fsync off), run as the `postgres`
user when the tests run as root, and removed afterwards. Each test gets a database of its own. Without the
binaries the PostgreSQL cases skip; under CI=true (where .ci/run installs the package) they fail instead.
"""
import contextlib
import glob
import multiprocessing
import os
import pwd
import shutil
import socket
import sqlite3
import struct
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path

import numpy as np
import pytest

import rnnviz as rv
from serving import model_store as ms


class Clock:
    """An injectable clock: seconds since the epoch that move only when the test says so."""

    def __init__(self, t=1_000_000.0):
        self.t = t

    def __call__(self):
        return self.t

    def tick(self, dt=1.0):
        self.t += dt


def model(seed=0, I=2, H=3, O=2, f_s="tanh", f_o="identity"):
    """A random model with non-zero biases and s0 (so that every array matters)."""
    rng = np.random.default_rng(seed + 1000)
    p = rv.init_params(I, H, O, f_s=f_s, f_o=f_o, seed=seed)
    return p.replace(b_s=rng.standard_normal(H), b_o=rng.standard_normal(O), s0=rng.standard_normal(H))


def execute(store, sql, args=()):
    """Raw SQL on the store's database ("?" placeholders), bypassing the store: for damaging rows and counting."""
    with store._connection() as conn:
        cur = conn.cursor()
        cur.execute(store.dialect.sql(sql), args)
        return cur.fetchall() if cur.description else None


def n_models(store):
    return execute(store, "SELECT COUNT(*) FROM rnnviz_models")[0][0]


# --------------------------------------------------------------------------------------------------
# A throwaway PostgreSQL cluster
# --------------------------------------------------------------------------------------------------

def _pg_bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _unavailable(reason):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL tests must run in CI: {reason}")
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


@pytest.fixture(scope="module")
def postgres_admin_url():
    """A URL of a PostgreSQL server where this process may create databases."""
    if os.environ.get("RNNVIZ_TEST_POSTGRES_URL"):
        yield os.environ["RNNVIZ_TEST_POSTGRES_URL"]
        return
    pytest.importorskip("psycopg", reason="psycopg is in requirements.txt")
    bindir = _pg_bindir()
    if bindir is None:
        _unavailable("no /usr/lib/postgresql/*/bin/initdb (apt-get install -y postgresql)")
    as_user = []
    if os.geteuid() == 0:                                # the server refuses to run as root
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root and there is no `postgres` user to run the server as")
        as_user = ["runuser", "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="rnnviz-pg-"))   # under /tmp: the server's user can reach it
    if as_user:
        os.chown(root, user.pw_uid, user.pw_gid)
    data, log = root / "data", root / "server.log"
    try:
        subprocess.run(as_user + [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                                  "-E", "UTF8", "--no-sync"], check=True, capture_output=True, text=True)
        port = _free_port()
        subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60",
                                  "-o", f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off", "start"],
                       check=True, capture_output=True, text=True)
    except (subprocess.CalledProcessError, OSError) as e:
        detail = getattr(e, "stderr", "") or str(e)
        server_log = log.read_text() if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        _unavailable(f"the throwaway cluster did not start: {detail.strip()[-500:]} {server_log[-500:]}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def _postgres_database(admin_url):
    """A fresh database on the server, dropped afterwards; yields its URL."""
    import psycopg
    name = "rnnviz_test_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    base, _, query = admin_url.partition("?")
    try:
        yield base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    """A store URL where no store has been opened yet: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'models.sqlite3'}"
    else:
        with _postgres_database(request.getfixturevalue("postgres_admin_url")) as db_url:
            yield db_url


@pytest.fixture
def make_store(url):
    """make_store(**limits) -> a ModelStore on this test's database (closed afterwards); clock: a Clock."""
    stores = []

    def make(**limits):
        limits.setdefault("clock", Clock())
        stores.append(ms.open_store(url, **limits))
        return stores[-1]
    yield make
    for store in stores:
        store.close()


# --------------------------------------------------------------------------------------------------
# Ids and exact round trips
# --------------------------------------------------------------------------------------------------

def test_round_trip_is_exact(make_store):
    store = make_store()
    cases = [model(0), model(1, I=1, H=1, O=1, f_s="relu", f_o="softmax"), model(2, I=32, H=64, O=32, f_s="sigmoid"),
             model(3).replace(b_s=np.array([-0.0, 5e-324, 1.7976931348623157e308]))]   # -0, subnormal, max
    for p in cases:
        back = store.get(store.put(p))
        assert back.equals(p)
        assert all(a.tobytes() == b.tobytes() for a, b in zip(back.arrays().values(), p.arrays().values()))


def test_same_model_gets_the_same_id_on_every_replica(make_store, url):
    p = model(0)
    first, replica = make_store(), make_store()
    mid = first.put(p)
    assert first.put(model(0)) == mid == ms.model_id(p)
    assert replica.get(mid).equals(p)
    assert len(mid) == 22 and ms.ID_PATTERN.fullmatch(mid)
    assert n_models(first) == 1


def test_id_is_pinned():
    """The canonical bytes and the hash are a contract: every link ever made names a model through them."""
    p = rv.Params(W_s=[[0.5, -1.0], [0.25, 2.0], [1.0, -0.125]], b_s=[0.1, -0.2], W_o=[[1.0], [-1.0]],
                  b_o=[0.3], s0=[0.0, 0.5], f_s="tanh", f_o="sigmoid")
    numbers = [0.5, -1.0, 0.25, 2.0, 1.0, -0.125, 0.1, -0.2, 1.0, -1.0, 0.3, 0.0, 0.5]   # W_s b_s W_o b_o s0
    assert ms.encode(p) == (b"rnnviz-model/1\n" + b"\x04tanh" + b"\x07sigmoid" + struct.pack("<3I", 1, 2, 1)
                            + struct.pack("<13d", *numbers))
    assert ms.model_id(p) == "NZCmWDMEu2RttZG-aSjq3Y"
    assert ms.decode(ms.encode(p)).equals(p)


def test_one_ulp_gives_another_id(make_store):
    store = make_store()
    p = model(0)
    W_s = p.W_s.copy()
    W_s[1, 2] = np.nextafter(W_s[1, 2], np.inf)
    q = p.replace(W_s=W_s)
    a, b = store.put(p), store.put(q)
    assert a != b
    assert store.get(a).equals(p) and store.get(b).equals(q) and not store.get(b).equals(p)
    assert store.put(p.replace(f_o="tanh")) not in (a, b)                     # the activations count too


# --------------------------------------------------------------------------------------------------
# Damaged rows and bad ids
# --------------------------------------------------------------------------------------------------

def test_damaged_row_is_refused_never_returned(make_store):
    store = make_store()
    p, other = model(0), model(1)
    mid, other_id = store.put(p), store.put(other)
    data = bytearray(execute(store, "SELECT data FROM rnnviz_models WHERE id = ?", (mid,))[0][0])
    data[-3] ^= 0x01                                                         # one bit of one weight
    execute(store, "UPDATE rnnviz_models SET data = ? WHERE id = ?", (bytes(data), mid))
    with pytest.raises(ms.DamagedModel, match="damaged.*share it again"):
        store.get(mid)
    execute(store, "UPDATE rnnviz_models SET data = ? WHERE id = ?", (ms.encode(other), mid))   # another model's bytes
    with pytest.raises(ms.DamagedModel, match="damaged"):
        store.get(mid)
    junk = b"\x80\x04not a model, maybe a pickle"                            # bytes that do hash to their id
    execute(store, "INSERT INTO rnnviz_models (id, data, n_bytes, created, opened) VALUES (?, ?, ?, 0, 0)",
            (ms.digest_id(junk), junk, len(junk)))
    with pytest.raises(ms.DamagedModel, match="damaged"):
        store.get(ms.digest_id(junk))
    assert store.put(p) == mid and store.get(mid).equals(p)                  # sharing it again mends the row
    assert store.get(other_id).equals(other)


def test_unknown_id_says_what_to_do(make_store):
    store = make_store()
    store.put(model(0))
    with pytest.raises(ms.UnknownModel, match="no model has the id `AAAAAAAAAAAAAAAAAAAAAA`.*new link"):
        store.get("A" * 22)
    mid = store.put(model(1))
    assert store.remove(mid) and not store.remove(mid)
    with pytest.raises(ms.UnknownModel, match=f"no model has the id `{mid}`"):
        store.get(mid)


@pytest.mark.parametrize("bad", ["", "x' OR '1'='1", "x' OR '1'='1' --AAAAAAAAA", "A" * 21, "A" * 23, "A" * 100_000,
                                 "AAAAAAAAAAAAAAAAAAAA+/", "AAAAAAAAAAAAAAAAAAAA==", "é" * 22, "AAAAAAAAAAAAAAAAAAAAA\n",
                                 "'; DROP TABLE rnnviz_models; --", None, 12345, b"AAAAAAAAAAAAAAAAAAAAAA"])
def test_malformed_id_is_refused_before_the_database(make_store, bad):
    store = make_store()
    mid = store.put(model(0))
    store.close()
    real_connect, store._connect = store._connect, lambda: pytest.fail("a malformed id reached the database")
    with pytest.raises(ms.UnknownModel, match="is not a model id") as e:
        store.get(bad)
    assert len(str(e.value)) < 300 and (not isinstance(bad, str) or len(bad) < 3 or bad not in str(e.value))
    store._connect = real_connect
    assert n_models(store) == 1 and store.get(mid).equals(model(0))


# --------------------------------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------------------------------

def test_quota_evicts_the_least_recently_opened(make_store):
    clock = Clock()
    store = make_store(max_models=3, clock=clock)
    ids = {}
    for name, seed in (("A", 0), ("B", 1), ("C", 2)):
        ids[name] = store.put(model(seed))
        clock.tick(100)                                                      # more than touch_every (60 s) apart
    store.get(ids["A"])                                                      # A opened last: B is now the oldest
    clock.tick(100)
    ids["D"] = store.put(model(3))
    with pytest.raises(ms.UnknownModel, match="removed to make room"):
        store.get(ids["B"])
    for name, seed in (("A", 0), ("C", 2), ("D", 3)):
        assert store.get(ids[name]).equals(model(seed))
    assert n_models(store) == 3


def test_opening_is_recorded_at_most_once_a_minute(make_store):
    clock = Clock()
    store = make_store(clock=clock)
    mid = store.put(model(0))
    opened = lambda: execute(store, "SELECT opened FROM rnnviz_models WHERE id = ?", (mid,))[0][0]   # noqa: E731
    clock.tick(59)
    store.get(mid)
    assert opened() == clock.t - 59                                          # a read within the minute: no write
    clock.tick(1)
    store.get(mid)
    assert opened() == clock.t


def test_byte_quota_evicts_too(make_store):
    clock = Clock()
    size = len(ms.encode(model(0)))
    store = make_store(max_bytes=3 * size, clock=clock)
    ids = []
    for seed in range(5):
        ids.append(store.put(model(seed)))
        clock.tick()
    assert n_models(store) == 3 and all(store.get(i) for i in ids[2:])
    with pytest.raises(ms.ModelTooLarge, match="quota"):
        make_store(max_bytes=size - 1).put(model(0))


def test_new_models_per_session_per_minute(make_store):
    clock = Clock()
    store = make_store(max_new_per_minute=3, clock=clock)
    ids = [store.put(model(seed), session="tab-1") for seed in range(3)]
    with pytest.raises(ms.RateLimited, match="3 new models in the last minute.*wait a minute"):
        store.put(model(3), session="tab-1")
    assert store.put(model(0), session="tab-1") == ids[0]                   # a stored model is not new
    assert store.put(model(4), session="tab-2")                               # another session has its own cap
    assert store.put(model(5))                                                # no session (a notebook): no cap
    clock.tick(61)
    assert store.get(store.put(model(3), session="tab-1")).equals(model(3))  # a minute later: allowed again
    with pytest.raises(ms.UnknownModel):
        store.get(ms.model_id(model(6)))


@pytest.mark.parametrize("size", [dict(I=33), dict(H=65), dict(O=33)])
def test_too_large_model_is_refused(make_store, size):
    store = make_store()
    dims = dict(I=2, H=3, O=2) | size
    with pytest.raises(ms.ModelTooLarge, match=r"too large to share.*at most (32|64)"):
        store.put(model(0, **dims))
    assert n_models(store) == 0
    assert store.get(store.put(model(0, I=32, H=64, O=32))).equals(model(0, I=32, H=64, O=32))
    with pytest.raises(ms.ModelStoreError, match="only an rnnviz model"):
        store.put({"W_s": [[1.0]]})


# --------------------------------------------------------------------------------------------------
# Concurrency
# --------------------------------------------------------------------------------------------------

PROCESSES, PUTS = 4, 50


def _writer(args):
    """One replica: PUTS puts of models drawn from a shared pool (so replicas store the same ones), each read back."""
    url, worker = args
    store = ms.open_store(url, max_new_per_minute=10**6)
    ids = []
    for k in range(PUTS):
        seed = (worker * 17 + k * 7) % 60
        mid = store.put(model(seed), session=f"replica-{worker}")
        assert store.get(mid).equals(model(seed))
        ids.append((seed, mid))
    store.close()
    return ids


def test_concurrent_writers_in_several_processes(url):
    with multiprocessing.get_context("fork").Pool(PROCESSES) as pool:        # each opens the fresh store itself
        results = pool.map(_writer, [(url, w) for w in range(PROCESSES)])
    seen = dict(pair for ids in results for pair in ids)
    assert len(seen) < PROCESSES * PUTS                                      # some models were put by several
    with contextlib.closing(ms.open_store(url)) as store:
        for seed, mid in seen.items():
            assert mid == ms.model_id(model(seed)) and store.get(mid).equals(model(seed))
        assert n_models(store) == len(seen)


def test_a_replica_waits_while_another_sets_up_a_new_sqlite_file(tmp_path):
    """Switching to WAL fails at once ("database is locked"), not after the busy timeout, while another
    process writes to a file still in its first (rollback journal) mode: as when replicas start together."""
    path = tmp_path / "new.sqlite3"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE first_replica (x)")
    other.execute("BEGIN IMMEDIATE")
    timer = threading.Timer(0.3, other.execute, ["COMMIT"])
    timer.start()
    try:
        store = ms.open_store(f"sqlite:///{path}", timeout=5)
    finally:
        timer.join()
        other.close()
    assert store.get(store.put(model(0))).equals(model(0))
    assert execute(store, "PRAGMA journal_mode")[0][0] == "wal"


def test_threads_share_one_store(make_store):
    store = make_store(max_new_per_minute=10**6)
    errors = []

    def work(k):
        try:
            for seed in range(k, k + 20):
                assert store.get(store.put(model(seed % 25), session=str(k))).equals(model(seed % 25))
        except Exception as e:                                               # reported by the main thread
            errors.append(e)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and n_models(store) == 25


def test_sqlite_uses_wal(tmp_path):
    store = ms.open_store(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    assert execute(store, "PRAGMA journal_mode")[0][0] == "wal"
    assert execute(store, "PRAGMA busy_timeout")[0][0] == 10_000


# --------------------------------------------------------------------------------------------------
# Opening a store
# --------------------------------------------------------------------------------------------------

def test_default_url_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(ms.ENV_URL, raising=False)
    monkeypatch.setenv(ms.ENV_DATA_DIR, str(tmp_path / "data"))
    mid = ms.open_store().put(model(0))
    assert (tmp_path / "data" / "models.sqlite3").is_file()
    monkeypatch.setenv(ms.ENV_URL, f"sqlite:///{tmp_path / 'other.sqlite3'}")
    with pytest.raises(ms.UnknownModel):
        ms.open_store().get(mid)
    assert (tmp_path / "other.sqlite3").is_file()
    monkeypatch.delenv(ms.ENV_DATA_DIR)
    monkeypatch.delenv(ms.ENV_URL)
    assert ms.default_url() == "sqlite:///" + str(Path.home() / ".rnnviz" / "models.sqlite3")


def test_unavailable_store_is_a_clear_error(tmp_path):
    not_a_db = tmp_path / "garbage.sqlite3"
    not_a_db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ms.StoreUnavailable, match="cannot be used right now.*try again"):
        ms.open_store(f"sqlite:///{not_a_db}")
    with pytest.raises(ms.StoreUnavailable, match="unknown model store URL scheme 'mysql'"):
        ms.open_store("mysql://localhost/x")
    pytest.importorskip("psycopg")
    with pytest.raises(ms.StoreUnavailable, match="cannot be used right now.*try again") as e:
        ms.open_store("postgresql://student:secret@127.0.0.1:1/models", timeout=2)
    assert "secret" not in str(e.value)


def test_store_going_away_is_a_clear_error(tmp_path):
    path = tmp_path / "m.sqlite3"
    store = ms.open_store(f"sqlite:///{path}", timeout=0.2)
    mid = store.put(model(0))
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")                                       # another process holds the lock
    try:
        store.close()
        with pytest.raises(ms.StoreUnavailable, match="try again in a minute"):
            store.put(model(1))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert store.get(mid).equals(model(0))
