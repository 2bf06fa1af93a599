"""Several replicas behind nginx (serving/deploy/serve.py): sticky sessions, a shared cookie secret, and a replica
stopped in the middle of a class loses only its own students, who reconnect to a live replica.

Skipped where nginx is not installed (Debian: apt-get install -y nginx). Everything runs on 127.0.0.1.
The checks count sessions and errors; nothing depends on how fast the machine is (every wait is a poll
with a generous bound).
"""
import asyncio
import collections
import pathlib
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "serving" / "deploy"))
sys.path.insert(0, str(ROOT))

import serve                                                          # noqa: E402
from serving.loadtest.protocol import Session                                 # noqa: E402
from serving.loadtest.students import fetch_cookies, run_class                # noqa: E402
from serving.training_pool import WORKERS_ENV                                   # noqa: E402


def test_the_template_renders_a_sticky_websocket_proxy():
    conf = serve.render(serve.TEMPLATE.read_text(), RUN_DIR="/tmp/x", PORT=8080, MAX_UPLOAD_MB=5,
                        UPSTREAM_SERVERS="        server 127.0.0.1:9001;\n        server 127.0.0.1:9002;")
    assert "hash $rnnviz_route consistent;" in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf and "proxy_http_version 1.1;" in conf
    assert "client_max_body_size 5m;" in conf
    assert "listen 127.0.0.1:8080;" in conf and "{{" not in conf
    with pytest.raises(ValueError):
        serve.render("{{MISSING}}")


def test_replicas_share_one_secret_and_class_settings(tmp_path):
    c = serve.Cluster(2, run_dir=tmp_path)
    tmp_path.mkdir(exist_ok=True)
    secret = c._secret()
    assert len(secret) >= 32 and c._secret() == secret                  # made once, then reused
    assert (tmp_path / "cookie_secret").stat().st_mode & 0o077 == 0     # readable by its owner only
    cmd = " ".join(c.replica_command(9000))
    for option in ("--server.enableXsrfProtection true", "--server.maxUploadSize 5", "--client.showErrorDetails type",
                   "--server.address 127.0.0.1", "--runner.postScriptGC false", "--server.allowedHosts 127.0.0.1"):
        assert option in cmd
    assert secret not in cmd                                             # the secret travels in the environment
    assert c.replica_env()["STREAMLIT_SERVER_COOKIE_SECRET"] == secret


def test_replicas_share_the_cores_for_training(tmp_path, monkeypatch):
    assert [serve.replica_workers(n, cores=2) for n in (1, 2, 3)] == [2, 1, 1]    # at least one each
    assert [serve.replica_workers(n, cores=8) for n in (1, 2, 3, 8, 9)] == [8, 4, 2, 1, 1]
    c = serve.Cluster(3, run_dir=tmp_path)
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    assert c.replica_env()[WORKERS_ENV] == str(serve.replica_workers(3))
    monkeypatch.setenv(WORKERS_ENV, " ")                                 # blank: as if unset (worker_count too)
    assert c.replica_env()[WORKERS_ENV] == str(serve.replica_workers(3))
    monkeypatch.setenv(WORKERS_ENV, "5")                                 # the teacher's own choice wins
    assert c.replica_env()[WORKERS_ENV] == "5"


needs_nginx = pytest.mark.skipif(serve.nginx_binary() is None, reason="nginx is not installed")


@needs_nginx
def test_a_stopped_replica_loses_only_its_own_sessions(tmp_path, monkeypatch):
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    with serve.Cluster(3, run_dir=tmp_path) as cluster:
        for proc in cluster.procs:                  # what each replica's training pool reads: its environment
            env = (pathlib.Path("/proc") / str(proc.pid) / "environ").read_bytes().split(b"\0")
            assert f"{WORKERS_ENV}={serve.replica_workers(3)}".encode() in env
        asyncio.run(_class_with_a_failure(cluster))


async def _class_with_a_failure(cluster):
    n_students = 12
    live = []
    killed = {}

    async def stop_the_busiest_replica():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:                              # everyone connected and acted once
            if len(live) == n_students and all(len(s.interactions) >= 2 for s in live):
                break
            await asyncio.sleep(0.2)
        else:
            raise AssertionError("the students did not all connect")
        served = collections.Counter(s.upstreams[0][1] for s in live)
        victim, count = served.most_common(1)[0]
        index = [f"127.0.0.1:{p}" for p in cluster.replica_ports].index(victim)
        killed.update(upstream=victim, at=time.perf_counter(), students=count)
        cluster.kill_replica(index)

    students = await run_class(cluster.url, n_students, 25, mean_gap=0.4, ramp=2, seed=1, cookies=True,
                               first_page="Step_through_time", on_start=stop_the_busiest_replica, live=live)

    assert killed, "no replica was stopped"
    ports = [f"127.0.0.1:{p}" for p in cluster.replica_ports]
    assert len({s.upstreams[0][1] for s in students}) >= 2, "sticky cookies spread the class over the replicas"
    assert all(s.upstreams[0][1] in ports for s in students)
    hit = [s for s in students if s.upstreams[0][1] == killed["upstream"]]
    spared = [s for s in students if s.upstreams[0][1] != killed["upstream"]]
    assert len(hit) == killed["students"] >= 4 and spared

    for s in spared:                                                    # other replicas' students: untouched
        assert s.reconnects == 0 and len(s.session_ids) == 1, s
        bad = [it for it in s.interactions if not it.ok]
        assert not bad, f"student {s.index} on a live replica had {bad}"

    for s in hit:                                                       # the stopped replica's students
        assert s.reconnects >= 1, f"student {s.index} never reconnected"
        assert s.gave_up is None, s.gave_up
        new_upstream = s.upstreams[-1][1]
        assert new_upstream != killed["upstream"] and new_upstream in ports
        assert s.session_ids[-1] != s.session_ids[0]                    # a new session on the live replica
        after = [it for it in s.interactions if it.start > killed["at"] and it.action != "reopen"]
        failures = [it for it in after if not it.ok]
        assert len(failures) <= 1, f"student {s.index}: more than the one interaction in flight failed: {failures}"
        recovered = [it for it in s.interactions if it.action == "reopen" and it.ok]
        assert recovered, f"student {s.index} did not reopen its page"
        later = [it for it in after if it.start > recovered[-1].start]
        assert later and all(it.ok for it in later), f"student {s.index} kept failing after reconnecting"
    assert not any(it.exceptions for s in students for it in s.interactions)
    assert any(it.action == "pause:step_stepper" and it.ok for s in students for it in s.interactions), \
        "the students stepped in the browser and reported their steps"


@needs_nginx
def test_uploads_and_the_websocket_stay_on_one_replica(tmp_path):
    """The same cookie always reaches the same replica (the condition for uploads to find their session)."""
    async def check(cluster):
        seen = collections.defaultdict(set)
        for _ in range(6):
            cookie = fetch_cookies(cluster.url)
            assert cookie and "rnnviz_route=" in cookie
            for _ in range(3):
                s = Session(cluster.url, cookie=cookie)
                await s.connect()
                it = await s.open(None)
                assert it.ok, it
                seen[cookie].add(s.upstream)
                await s.close()
        assert all(len(u) == 1 for u in seen.values()), seen
    with serve.Cluster(2, run_dir=tmp_path) as cluster:
        asyncio.run(check(cluster))
