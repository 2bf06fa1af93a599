"""Start and stop a local Streamlit server for a measurement, and read its CPU time and memory.

    with Server(port=free_port(), options={"server.disconnectedSessionTTL": 10}) as srv:
        srv.cpu_seconds(), srv.rss_bytes()

The server listens on 127.0.0.1 only and runs ``python -m streamlit run app.py`` from the project root, so
the project's .streamlit/config.toml applies; ``options`` override it (``--section.option value``).
"""
from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
TICK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLASS_ENV = {"MALLOC_ARENA_MAX": "2"}       # few malloc arenas: memory comes back after a class (serving.reclaim)
CLASS_OPTIONS = {"runner.postScriptGC": "false", "server.headless": "true", "browser.gatherUsageStats": "false",
                 "server.fileWatcherType": "none"}


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    """Poll url + '/_stcore/health' until it answers 'ok' (bounded by timeout)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode} before it was healthy")
        try:
            with opener.open(url + "/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} was not healthy within {timeout:g} s")


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (seconds), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def children(pid: int) -> list:
    """The pids of a process's children (Linux: /proc/<pid>/task/*/children)."""
    out = []
    for task in pathlib.Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def proc_rss_bytes(pid: int) -> int:
    """Resident set size of a process (bytes), from /proc/<pid>/statm."""
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE_SIZE


class Server:
    """One `streamlit run app.py` on 127.0.0.1:port, started with the class settings plus options."""

    def __init__(self, port: int | None = None, options: dict | None = None, app: str = "app.py",
                 cwd: pathlib.Path = ROOT, log: str | os.PathLike | None = None, env: dict | None = None,
                 switch_interval: float | None = None):
        self.port = port or free_port()
        self.options = {**CLASS_OPTIONS, **(options or {})}
        self.app, self.cwd, self.log_path = app, pathlib.Path(cwd), log
        self.env = env
        self.switch_interval = switch_interval          # sys.setswitchinterval in the server (an experiment)
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def command(self) -> list:
        if self.switch_interval is None:
            cmd = [sys.executable, "-m", "streamlit", "run"]
        else:
            boot = (f"import sys; sys.setswitchinterval({float(self.switch_interval)!r}); "
                    "from streamlit.web.cli import main; sys.argv[0] = 'streamlit'; main()")
            cmd = [sys.executable, "-c", boot, "run"]
        cmd += [self.app, "--server.address", "127.0.0.1", "--server.port", str(self.port)]
        for name, value in self.options.items():
            cmd += [f"--{name}", str(value).lower() if isinstance(value, bool) else str(value)]
        return cmd

    def start(self, timeout: float = 60.0) -> "Server":
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        env = {**os.environ, **CLASS_ENV, **(self.env or {})}
        self.proc = subprocess.Popen(self.command(), cwd=self.cwd, stdout=out, stderr=subprocess.STDOUT, env=env)
        if out is not subprocess.DEVNULL:
            out.close()
        wait_healthy(self.url, timeout, self.proc)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout)

    def kill(self) -> None:
        """Stop at once (SIGKILL), as a crashed replica would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.pid)

    def cpu_seconds_tree(self) -> float:
        """CPU seconds of the server and its live child processes (the training pool's workers)."""
        total = self.cpu_seconds()
        for child in children(self.pid):
            try:
                total += proc_cpu_seconds(child)
            except OSError:                                  # it ended meanwhile
                pass
        return total

    def rss_bytes(self) -> int:
        return proc_rss_bytes(self.pid)

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
