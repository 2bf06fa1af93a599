"""Serve rnnviz to a class: N Streamlit replicas behind nginx, sticky sessions, one shared cookie secret.

    python serving/deploy/serve.py start [--replicas 3] [--port 8080] [--run-dir /tmp/rnnviz-serve]
    python serving/deploy/serve.py status
    python serving/deploy/serve.py stop

`start` writes RUN_DIR/nginx.conf from deploy/nginx.conf.template, a random server.cookieSecret
(RUN_DIR/cookie_secret, mode 0600, handed to every replica in the environment, not on the command line),
starts the replicas on free loopback ports (the class settings of .streamlit/config.toml plus
server.allowedHosts and the secret), waits until each answers /_stcore/health, starts nginx in front,
and records every process id in RUN_DIR/pids.json. `stop` ends exactly those processes.

The replicas share the machine's cores for training: each gets RNNVIZ_TRAIN_WORKERS = cores // replicas
(at least 1; a value set in the environment wins), so N replicas start as many training workers in all as
one process does (serving.training_pool).

Everything listens on 127.0.0.1. For a class on a real network, bind nginx to the public address (and
TLS), set allowedHosts to the name the students type, and keep the replicas on loopback or a private
network. The same Cluster class is what tests/test_deploy.py drives.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import secrets
import shutil
import signal
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))                                      # run as `python serving/deploy/serve.py`
from serving.loadtest.server import CLASS_ENV, free_port, wait_healthy  # noqa: E402  (the same waiting as the load generator's)
from serving.training_pool import WORKERS_ENV                             # noqa: E402
TEMPLATE = pathlib.Path(__file__).with_name("nginx.conf.template")
DEFAULT_RUN_DIR = pathlib.Path("/tmp/rnnviz-serve")
MAX_UPLOAD_MB = 5
REPLICA_OPTIONS = {                     # on top of .streamlit/config.toml (which the replicas read too)
    "server.headless": "true",
    "server.fileWatcherType": "none",
    "server.enableXsrfProtection": "true",
    "server.maxUploadSize": str(MAX_UPLOAD_MB),
    "client.showErrorDetails": "type",
    "client.toolbarMode": "viewer",
    "browser.gatherUsageStats": "false",
    "runner.postScriptGC": "false",
}


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)


def render(template: str, **values) -> str:
    for name, value in values.items():
        template = template.replace("{{" + name + "}}", str(value))
    if "{{" in template:
        raise ValueError("unfilled placeholder in the nginx template")
    return template


def replica_workers(replicas: int, cores: int | None = None) -> int:
    """Training workers for each of `replicas` replicas on one machine: its cores shared out, at least one each.
    More workers than cores train no faster. A chunk is a slice of wall-clock time (rnnviz.ui.train_run.BUDGET),
    so more workers at once only finish more, smaller chunks, and each is one more live-view rerun for a
    server. Measured with 2 replicas and 100 students (docs/serving.md section 4): p95 153-188 ms with one
    worker each, 255-353 ms with two each."""
    return max(1, (cores or os.cpu_count() or 1) // replicas)


class Cluster:
    """N replicas + nginx on 127.0.0.1. start() / stop(); replica_urls; kill_replica(i) for fault tests."""

    def __init__(self, replicas: int = 3, port: int | None = None, run_dir: pathlib.Path = DEFAULT_RUN_DIR,
                 ttl: int | None = None, detach: bool = False, extra_options: dict | None = None):
        if not 1 <= replicas <= 32:
            raise ValueError("replicas must be 1..32")
        self.n, self.port = replicas, port or free_port()
        self.run_dir = pathlib.Path(run_dir)
        self.ttl, self.detach = ttl, detach
        self.extra_options = extra_options or {}
        self.replica_ports: list[int] = []
        self.procs: list[subprocess.Popen] = []
        self.nginx: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def replica_urls(self) -> list:
        return [f"http://127.0.0.1:{p}" for p in self.replica_ports]

    def _secret(self) -> str:
        path = self.run_dir / "cookie_secret"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    def replica_env(self) -> dict:
        """The replicas' environment: this one, the class's, the shared secret, and their share of the cores for
        training (unless RNNVIZ_TRAIN_WORKERS is set here)."""
        env = {**os.environ, **CLASS_ENV, "STREAMLIT_SERVER_COOKIE_SECRET": self._secret()}
        if not env.get(WORKERS_ENV, "").strip():
            env[WORKERS_ENV] = str(replica_workers(self.n))
        return env

    def replica_command(self, port: int) -> list:
        options = {**REPLICA_OPTIONS, "server.address": "127.0.0.1", "server.port": str(port),
                   "server.allowedHosts": "127.0.0.1", **self.extra_options}
        if self.ttl is not None:
            options["server.disconnectedSessionTTL"] = str(self.ttl)
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py"]
        for name, value in options.items():
            cmd += [f"--{name}", str(value)]
        return cmd

    def start(self) -> "Cluster":
        nginx = nginx_binary()
        if nginx is None:
            raise FileNotFoundError("nginx is not installed (Debian: apt-get install -y nginx)")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.run_dir / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(self.run_dir, 0o755)
        env = self.replica_env()
        try:
            for i in range(self.n):
                port = free_port()
                log = open(self.run_dir / f"replica-{i}.log", "ab")
                proc = subprocess.Popen(self.replica_command(port), cwd=ROOT, env=env, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=self.detach)
                log.close()
                self.replica_ports.append(port)
                self.procs.append(proc)
            for url, proc in zip(self.replica_urls, self.procs):
                wait_healthy(url, timeout=60, proc=proc)
            servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in self.replica_ports)
            conf = render(TEMPLATE.read_text(), RUN_DIR=self.run_dir, PORT=self.port, UPSTREAM_SERVERS=servers,
                          MAX_UPLOAD_MB=MAX_UPLOAD_MB)
            (self.run_dir / "nginx.conf").write_text(conf)
            check = subprocess.run([nginx, "-t", "-q", "-p", str(self.run_dir), "-c", str(self.run_dir / "nginx.conf")],
                                   capture_output=True, text=True)
            if check.returncode:
                raise RuntimeError(f"nginx -t failed: {check.stderr}")
            self.nginx = subprocess.Popen([nginx, "-p", str(self.run_dir), "-c", str(self.run_dir / "nginx.conf"),
                                           "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                          start_new_session=self.detach)
            wait_healthy(self.url, timeout=60, proc=self.nginx)
        except BaseException:
            self.stop()
            raise
        self._write_pids()
        return self

    def _write_pids(self) -> None:
        info = {"url": self.url, "nginx": self.nginx.pid if self.nginx else None,
                "replicas": [{"pid": p.pid, "port": port} for p, port in zip(self.procs, self.replica_ports)]}
        (self.run_dir / "pids.json").write_text(json.dumps(info, indent=1))

    def kill_replica(self, i: int, sig: int = signal.SIGKILL) -> None:
        """Stop replica i at once (SIGKILL: as a crash or a pulled plug)."""
        proc = self.procs[i]
        if proc.poll() is None:
            proc.send_signal(sig)
            proc.wait(10)

    def stop(self) -> None:
        for proc in ([self.nginx] if self.nginx else []) + self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in ([self.nginx] if self.nginx else []) + self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        pids = self.run_dir / "pids.json"
        if pids.exists():
            pids.unlink()

    def __enter__(self) -> "Cluster":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def stop_recorded(run_dir: pathlib.Path) -> None:
    """`serve.py stop`: end the processes that `serve.py start` recorded (by their ids, nothing else)."""
    path = run_dir / "pids.json"
    if not path.exists():
        print(f"nothing recorded in {path}")
        return
    info = json.loads(path.read_text())
    pids = ([info["nginx"]] if info.get("nginx") else []) + [r["pid"] for r in info["replicas"]]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    for pid in pids:
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.1)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    path.unlink()
    print(f"stopped {len(pids)} processes")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:                                                   # a zombie of ours is not alive
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["start", "stop", "status"])
    ap.add_argument("--replicas", type=int, default=3)
    ap.add_argument("--port", type=int, default=8080, help="nginx's port on 127.0.0.1")
    ap.add_argument("--run-dir", type=pathlib.Path, default=DEFAULT_RUN_DIR)
    args = ap.parse_args(argv)
    if args.command == "stop":
        stop_recorded(args.run_dir)
        return 0
    if args.command == "status":
        path = args.run_dir / "pids.json"
        if not path.exists():
            print("not running")
            return 1
        info = json.loads(path.read_text())
        for r in info["replicas"]:
            print(f"replica pid {r['pid']} port {r['port']}: {'up' if _alive(r['pid']) else 'down'}")
        print(f"nginx pid {info['nginx']}: {'up' if _alive(info['nginx']) else 'down'} at {info['url']}")
        return 0
    if (args.run_dir / "pids.json").exists():
        print(f"already running (see {args.run_dir / 'pids.json'}); stop it first")
        return 1
    cluster = Cluster(args.replicas, args.port, args.run_dir, detach=True).start()
    print(f"rnnviz: {cluster.url} -> {', '.join(cluster.replica_urls)} (pids in {args.run_dir / 'pids.json'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
