"""A class of 100 simulated students against one rnnviz server process (loopback only).

    python benchmarks/bench_class_load.py                      # 100 students, 60 s, all phases
    python benchmarks/bench_class_load.py --students 30 --seconds 20 --quick

Phases, on one `streamlit run app.py` started here with the class settings (runner.postScriptGC = false,
server.disconnectedSessionTTL = 10 s for the memory phase):

1. warm-up: one session opens every page (imports, first figures).
2. step clicks only: S sessions on "Step through time" click step forward / back in turn; the server's
   CPU time (utime + stime from /proc/<pid>/stat) divided by the clicks is the CPU one step click costs.
   The same for a full rerun (changing the sidebar seed).
3. memory, twice: N sessions open a page each; RSS with them open, then after they close, the
   disconnected-session TTL passes (one more session connects to let the server evict expired ones) and the
   server's reclaimer (serving.reclaim) runs. The second round shows whether memory is reused.
4. the class: N students, each acting every `mean_gap` s on average (Poisson), for `seconds` after a
   ramp: p50 / p95 latency (send -> script_finished), errors, reruns per second sustained, server CPU.

Targets (issue 7): 0 errors, p95 <= 300 ms, step click CPU <= 10 ms. Nothing here is asserted: it prints.
"""
import argparse
import asyncio
import json
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from serving.loadtest.protocol import Session                                   # noqa: E402
from serving.loadtest.server import Server, proc_cpu_seconds                     # noqa: E402
from serving.loadtest.stats import format_summary, percentile, summarise        # noqa: E402
from serving.loadtest.students import PAGES, run_class                          # noqa: E402

MB = 1024 * 1024


async def warm_up(url: str) -> None:
    s = Session(url)
    await s.open(None)
    for page in PAGES:
        it = await s.switch_page(page)
        assert it.ok, it
    await s.close()


async def step_clicks(srv: Server, n_sessions: int, clicks_each: int) -> dict:
    """CPU per step click (fragment rerun) and per full rerun, with n_sessions clicking concurrently."""
    sessions = [Session(srv.url) for _ in range(n_sessions)]
    for s in sessions:
        it = await s.open("Step_through_time")
        assert it.ok, it

    async def clicker(s: Session, n: int, out: list):
        for i in range(n):
            out.append(await s.click("step_t_forward" if (i // 4) % 2 == 0 else "step_t_back"))

    async def seeds(s: Session, n: int, out: list, offset: int):
        for i in range(n):
            out.append(await s.set("model_seed", offset + i))

    result = {}
    for name, job, n in (("step_click", clicker, clicks_each), ("full_rerun", seeds, max(clicks_each // 4, 5))):
        done: list = []
        c0, t0 = srv.cpu_seconds(), time.perf_counter()
        if name == "step_click":
            await asyncio.gather(*(job(s, n, done) for s in sessions))
        else:
            await asyncio.gather(*(job(s, n, done, 1000 * k) for k, s in enumerate(sessions)))
        c1, t1 = srv.cpu_seconds(), time.perf_counter()
        lat = [it.latency * 1000 for it in done if it.latency is not None]
        result[name] = {"n": len(done), "errors": sum(not it.ok for it in done),
                        "cpu_ms_each": 1000 * (c1 - c0) / len(done), "per_s": len(done) / (t1 - t0),
                        "p50_ms": percentile(lat, 50), "p95_ms": percentile(lat, 95),
                        "kib_each": statistics.mean(it.bytes for it in done) / 1024,
                        "fragment": all(it.fragment for it in done)}
    for s in sessions:
        await s.close()
    return result


async def after_ttl(srv: Server, ttl: float) -> None:
    """Wait until sessions closed now have expired, been evicted and their memory reclaimed."""
    await asyncio.sleep(ttl + 5)
    probe = Session(srv.url)                      # the session store evicts expired sessions when it is used
    await probe.open(None)
    await probe.close()
    await asyncio.sleep(min(30, ttl / 2) + 2)     # the server's reclaimer (serving.reclaim) runs every TTL/2


async def memory(srv: Server, n: int, ttl: float) -> dict:
    """RSS before, with n sessions open, and after they close and the disconnected-session TTL passes."""
    await asyncio.sleep(1)
    rss0 = srv.rss_bytes()
    sessions = [Session(srv.url) for _ in range(n)]
    pages = list(PAGES)
    for i, s in enumerate(sessions):
        it = await s.open(pages[i % len(pages)])
        assert it.ok, it
    await asyncio.sleep(1)
    rss_open = srv.rss_bytes()
    for s in sessions:
        await s.close()
    await after_ttl(srv, ttl)
    rss_after = srv.rss_bytes()
    return {"sessions": n, "rss_before_mb": rss0 / MB, "rss_open_mb": rss_open / MB, "rss_after_ttl_mb": rss_after / MB,
            "per_session_mb": (rss_open - rss0) / n / MB,
            "returned_fraction": (rss_open - rss_after) / (rss_open - rss0) if rss_open > rss0 else None}


async def the_class(srv: Server, n: int, seconds: float, mean_gap: float, ramp: float, seed: int) -> dict:
    samples = []

    async def sampler():
        end = time.perf_counter() + ramp + seconds
        while time.perf_counter() < end:
            samples.append((time.perf_counter(), srv.cpu_seconds(), srv.rss_bytes()))
            await asyncio.sleep(1.0)

    me0, t0 = proc_cpu_seconds(_self_pid()), time.perf_counter()
    students = await run_class(srv.url, n, seconds, mean_gap=mean_gap, ramp=ramp, seed=seed, on_start=sampler)
    me1, t1 = proc_cpu_seconds(_self_pid()), time.perf_counter()
    steady_start = t0 + ramp
    steady = [it for s in students for it in s.interactions if it.start >= steady_start]
    everything = [it for s in students for it in s.interactions]
    summary = summarise(everything, seconds=t1 - t0)
    steady_summary = summarise(steady, seconds=t1 - steady_start)
    in_steady = [x for x in samples if x[0] >= samples[0][0] + ramp]
    cpu_share = ((in_steady[-1][1] - in_steady[0][1]) / (in_steady[-1][0] - in_steady[0][0])
                 if len(in_steady) > 1 else None)
    return {"students": n, "wall_s": t1 - t0, "all": summary, "steady": steady_summary, "server_cpu_share_steady": cpu_share,
            "server_rss_peak_mb": max(x[2] for x in samples) / MB, "loadgen_cpu_s": me1 - me0,
            "reconnects": sum(s.reconnects for s in students)}


def _train_for(seconds: float, seed: int) -> int:
    """Updates one Trainer (the train page's defaults: the sum task, baseline on) makes in `seconds`."""
    from rnnviz import tasks, training
    task = tasks.make_task("sum")
    trainer = training.make_trainer(task, config=training.default_config(task, seed=seed))
    trainer.step(20)                                                     # warm
    start, end = trainer.updates, time.perf_counter() + seconds
    while time.perf_counter() < end:
        trainer.step(8)
    return trainer.updates - start


def training_concurrency(seconds: float = 6.0, counts=(1, 2, 4), probe_ms=(1, 10), probe_every: float = 0.02) -> dict:
    """Issue 7: do students who train make the others wait? For k = 0 and each k in counts, k trainers (the
    train page's defaults) run for `seconds` in one of two ways:

    threads  k threads of this process training in place: how the page trained before (numpy holds the GIL)
    pool     k threads that each send 0.15 s shares to training_pool's worker processes, as the page does now

    Meanwhile a probe thread runs tasks of many small numpy calls that take probe_ms milliseconds alone (in
    turn; 10 ms is about a step click's server CPU), each probe_every seconds after the last. A task's latency,
    from when it was due until it is done, is how long another student's rerun takes meanwhile.
    Returns {k: {way: {"updates_per_s", "probe": {ms: (p50, p95) latency in ms}}}, "info": {...}}.
    """
    import concurrent.futures as cf
    import itertools
    import threading
    import numpy as np
    from rnnviz import tasks, training
    from serving import training_pool
    from rnnviz.ui.train_run import BUDGET

    def small_calls(n: int) -> None:
        x = np.full((8, 8), 0.1)
        for _ in range(n):
            x = np.tanh(x @ x)

    def alone(n: int) -> float:
        t0 = time.perf_counter()
        small_calls(n)
        return time.perf_counter() - t0

    per_ms = round(1 / min(alone(1000) for _ in range(5)))                  # 1000 calls in t s: 1/t per ms

    def probe(stop: threading.Event) -> dict:
        latencies = {ms: [] for ms in probe_ms}
        for ms in itertools.cycle(probe_ms):
            if stop.is_set():
                return latencies
            due = time.perf_counter() + probe_every
            time.sleep(probe_every)                                          # waking up needs the GIL back
            small_calls(per_ms * ms)
            latencies[ms].append(1e3 * (time.perf_counter() - due))

    def via_pool(seed: int) -> int:
        task = tasks.make_task("sum")
        trainer = training.make_trainer(task, config=training.default_config(task, seed=seed))
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            trainer = training_pool.run_for(trainer, BUDGET, 10**9)
        return trainer.updates

    ways = {"threads": lambda seed: _train_for(seconds, seed), "pool": via_pool}

    def measure(k: int, way: str) -> dict:
        stop = threading.Event()
        with cf.ThreadPoolExecutor(k + 1) as pool:
            probing = pool.submit(probe, stop)
            t0 = time.perf_counter()
            updates = sum(pool.map(ways[way], range(k)))
            time.sleep(max(0.0, t0 + seconds - time.perf_counter()))         # k = 0: the probe alone
            wall = time.perf_counter() - t0
            stop.set()
        return {"updates_per_s": updates / wall,
                "probe": {ms: (percentile(v, 50), percentile(v, 95)) for ms, v in probing.result().items()}}

    workers = training_pool.worker_count()
    with cf.ThreadPoolExecutor(workers) as warm:                             # start the workers and import first
        list(warm.map(lambda _: training_pool.run_for(training.make_trainer(tasks.make_task("sum")), 0.3, 10**9),
                      range(workers)))
    out = {k: {way: measure(k, way) for way in ways} for k in (0, *counts)}
    training_pool.shutdown()
    out["info"] = {"workers": workers, "calls_per_ms": per_ms, "seconds": seconds, "probe_every_s": probe_every}
    return out


def core_largest(T: int = 1000, pads: int = 50, H: int = 64, I: int = 32, O: int = 16) -> dict:
    """Time and peak memory of forward + backward (and every per-step contribution) at the sidebar's limits."""
    import tracemalloc
    import numpy as np
    import rnnviz as rv
    p = rv.init_params(I, H, O, seed=0)
    x = np.random.default_rng(0).uniform(-1, 1, (1, T + pads, I))
    lengths = np.array([T])
    tracemalloc.start()
    t0 = time.perf_counter()
    tr = rv.forward(p, x, lengths)
    t1 = time.perf_counter()
    g = rv.backward(p, tr, np.ones((1, O)))
    t2 = time.perf_counter()
    _, peak = tracemalloc.get_traced_memory()
    steps = g.steps("W_s")                                               # (T, H+I, H): what the BPTT page can ask for
    t3 = time.perf_counter()
    _, peak_steps = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"shape": f"B=1 T={T}+{pads} pads H={H} I={I} O={O}", "forward_ms": 1000 * (t1 - t0),
            "backward_ms": 1000 * (t2 - t1), "peak_mb_forward_backward": peak / MB,
            "steps_W_s_ms": 1000 * (t3 - t2), "steps_W_s_mb": steps.nbytes / MB, "peak_mb_with_steps": peak_steps / MB}


async def pages_largest(srv: Server, sessions: int = 3) -> dict:
    """Each page rerun with the largest model the sidebar allows (H=64, I=32, O=16, T=1000 + 50 pads):
    latency, server CPU, bytes sent, and RSS added per session."""
    out = {}
    rss0 = srv.rss_bytes()
    opened = []
    for k in range(sessions):
        s = Session(srv.url, timeout=120)
        await s.open("Step_through_time")
        for key, value in (("model_I", 32), ("model_H", 64), ("model_O", 16), ("sequence_T", 1000),
                           ("sequence_pads", 50)):
            it = await s.set(key, value)
            assert it.ok, it
        rows = []
        for action in ("step_click", "full_rerun", "bptt", "bptt_contrib", "bptt_vanish", "bptt_trunc", "padding"):
            c0 = srv.cpu_seconds()
            if action == "step_click":
                it = await s.click("step_t_forward")
            elif action == "full_rerun":
                it = await s.switch_page("Step_through_time")
            elif action == "bptt":
                it = await s.switch_page("Back-propagation_through_time")
            elif action == "bptt_contrib":
                it = await s.set("bptt_tab", "Contributions and the proof")
            elif action == "bptt_vanish":
                it = await s.set("bptt_tab", "Vanishing and exploding")
            elif action == "bptt_trunc":
                it = await s.set("bptt_tab", "Truncation and clipping")
            else:
                it = await s.switch_page("Padding_and_batches")
            c1 = srv.cpu_seconds()
            rows.append((action, it))
            if k == 0:
                out[action] = {"ok": it.ok, "latency_ms": 1000 * (it.latency or float("nan")),
                               "server_cpu_ms": 1000 * (c1 - c0), "mb_sent": it.bytes / MB,
                               "error": it.error, "exceptions": it.exceptions}
        await s.switch_page("Step_through_time")
        opened.append(s)
    await asyncio.sleep(1)
    out["rss_per_session_mb"] = (srv.rss_bytes() - rss0) / sessions / MB
    for s in opened:
        await s.close()
    return out


def _self_pid() -> int:
    import os
    return os.getpid()


async def main(args) -> dict:
    options = {"server.disconnectedSessionTTL": args.ttl, "runner.postScriptGC": "false"}
    out = {"settings": vars(args)}
    log = pathlib.Path("/tmp/bench_class_load_server.log")
    with Server(options=options, log=log) as srv:
        out["server"] = {"pid": srv.pid, "command": " ".join(srv.command()[1:])}
        await warm_up(srv.url)
        print("warm", flush=True)
        out["clicks"] = await step_clicks(srv, args.click_sessions, args.clicks)
        print(json.dumps(out["clicks"], indent=1), flush=True)
        if not args.skip_memory:                    # twice: the first class also leaves one-time growth
            out["memory"] = [await memory(srv, args.students, args.ttl) for _ in range(2)]
            print(json.dumps(out["memory"], indent=1), flush=True)
        out["class"] = await the_class(srv, args.students, args.seconds, args.mean_gap, args.ramp, args.seed)
        print("class (all interactions, ramp included):\n" + format_summary(out["class"]["all"]))
        print("class (steady state, after the ramp):\n" + format_summary(out["class"]["steady"]))
        print(f"server CPU share in steady state: {out['class']['server_cpu_share_steady']:.2f} cores; "
              f"peak RSS {out['class']['server_rss_peak_mb']:.0f} MB; load generator CPU "
              f"{out['class']['loadgen_cpu_s']:.1f} s", flush=True)
        await after_ttl(srv, args.ttl)
        out["class"]["rss_after_ttl_mb"] = srv.rss_bytes() / MB
        print(f"RSS after the class closed and the TTL passed: {out['class']['rss_after_ttl_mb']:.0f} MB")
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--ramp", type=float, default=10.0)
    ap.add_argument("--mean-gap", type=float, default=2.0)
    ap.add_argument("--ttl", type=int, default=10, help="server.disconnectedSessionTTL for the run (s)")
    ap.add_argument("--click-sessions", type=int, default=10)
    ap.add_argument("--clicks", type=int, default=40, help="step clicks per session in the click phase")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", metavar="FILE", help="also write every figure to FILE")
    ap.add_argument("--largest", action="store_true",
                    help="only measure the core and every page at the largest model the sidebar allows")
    ap.add_argument("--training", action="store_true",
                    help="only measure training updates/s with 1, 2, 4 trainers, and how long other work waits meanwhile: "
                         "threads of one process (the old way) vs the training pool")
    args = ap.parse_args()
    if args.largest:
        print(json.dumps(core_largest(), indent=1))

        async def _largest():
            with Server(options={"runner.postScriptGC": "false"}) as srv:
                await warm_up(srv.url)
                return await pages_largest(srv)
        print(json.dumps(asyncio.run(_largest()), indent=1, default=str))
        sys.exit(0)
    if args.training:
        rows = training_concurrency()
        info = rows.pop("info")
        one = rows[1]["threads"]["updates_per_s"]
        print(f"{info['workers']} pool workers; probe tasks of {info['calls_per_ms']} small numpy calls per ms, one "
              f"every {1e3 * info['probe_every_s']:.0f} ms; x one = total updates/s / one trainer on a thread")
        print("trainers  way       updates/s  x one   1 ms task p50 / p95 ms   10 ms task p50 / p95 ms")
        for k, r in rows.items():
            for way, m in r.items():
                print(f"{k:8d}  {way:8s}  {m['updates_per_s']:9.0f}  x{m['updates_per_s'] / one:.2f}  "
                      + "  ".join(f"{p50:13.1f} / {p95:6.1f}   " for p50, p95 in m["probe"].values()))
        sys.exit(0)
    if not (1 <= args.students <= 500 and 0 < args.seconds <= 600):
        ap.error("students 1..500, seconds 0..600")
    result = asyncio.run(main(args))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(result, indent=1, default=str))
