"""A class of 100 simulated students against one rnnviz server process (loopback only).

    python benchmarks/bench_class_load.py                      # 100 students, 60 s, all phases
    python benchmarks/bench_class_load.py --students 30 --seconds 20 --skip-memory
    python benchmarks/bench_class_load.py --costs [ROOT]       # server CPU of each kind of rerun, one at a time

Phases, on one `streamlit run app.py` started here with the class settings (runner.postScriptGC = false,
server.disconnectedSessionTTL = 10 s for the memory phase):

1. warm-up: one session opens every page (imports, first figures).
2. pauses only: S sessions on "Step through time" step in the (simulated) browser and pause, back to
   back; each pause is one fragment rerun carrying the stepper's new step (the steps themselves cost the
   server nothing). The server's CPU time (utime + stime from /proc/<pid>/stat) divided by the pauses is
   the CPU one pause costs. The same for a full rerun (changing the sidebar seed).
3. memory, twice: N sessions open a page each; RSS with them open, then after they close, the
   disconnected-session TTL passes (one more session connects to let the server evict expired ones) and the
   server's reclaimer (serving.reclaim) runs. The second round shows whether memory is reused.
4. the class: N students, each acting every `mean_gap` s on average (Poisson), for `seconds` after a
   ramp: p50 / p95 latency (send -> script_finished), errors, reruns per second sustained, server CPU.

Targets (issue 13): one process holds 100 students acting every 2 s at p95 <= 300 ms of their own actions,
0 errors. Nothing here is asserted: it prints.
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


async def pauses(srv: Server, n_sessions: int, clicks_each: int) -> dict:
    """CPU per pause (the stepper's fragment rerun after steps in the browser) and per full rerun, with
    n_sessions sending them back to back."""
    sessions = [Session(srv.url) for _ in range(n_sessions)]
    for s in sessions:
        it = await s.open("Step_through_time")
        assert it.ok, it

    async def clicker(s: Session, n: int, out: list):
        for i in range(n):
            tr = s.stepper("step_stepper")
            tr.t = (tr.t + 3) % (tr.T + 1)               # three steps in the browser (or back to the start)
            out.append(await s.pause("step_stepper"))

    async def seeds(s: Session, n: int, out: list, offset: int):
        for i in range(n):
            out.append(await s.set("model_seed", offset + i))

    result = {}
    for name, job, n in (("pause", clicker, clicks_each), ("full_rerun", seeds, max(clicks_each // 4, 5))):
        done: list = []
        c0, t0 = srv.cpu_seconds(), time.perf_counter()
        if name == "pause":
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
            samples.append((time.perf_counter(), srv.cpu_seconds(), srv.rss_bytes(), machine_busy_cores(),
                            srv.cpu_seconds_tree()))
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
    span = (in_steady[-1][0] - in_steady[0][0]) if len(in_steady) > 1 else None
    cpu_share = (in_steady[-1][1] - in_steady[0][1]) / span if span else None
    machine = (in_steady[-1][3] - in_steady[0][3]) / span if span else None
    tree = (in_steady[-1][4] - in_steady[0][4]) / span if span else None
    return {"students": n, "wall_s": t1 - t0, "all": summary, "steady": steady_summary, "server_cpu_share_steady": cpu_share,
            "server_and_workers_cpu_share_steady": tree, "machine_busy_cores_steady": machine,
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
    pool     k threads that each send BUDGET-second shares (rnnviz.ui.train_run) to training_pool's workers

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
        for action in ("pause", "full_rerun", "bptt", "bptt_pause", "bptt_contrib", "bptt_vanish", "bptt_trunc",
                       "padding"):
            c0 = srv.cpu_seconds()
            if action == "pause":
                s.stepper("step_stepper").t = 500
                it = await s.pause("step_stepper")
            elif action == "bptt_pause":
                s.stepper("bptt_stepper").t = 500
                it = await s.pause("bptt_stepper")
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


async def action_costs(srv: Server, n: int = 30) -> list:
    """Server CPU per rerun of each kind a student sends (one session, one at a time, the default model):
    [(what, cpu ms each, client latency p50 ms, messages each, KiB each, fragment reruns of n)]."""
    s = Session(srv.url, timeout=120)
    await s.open(None)
    for page in PAGES:
        await s.switch_page(page)
    rows = []

    async def cost(name, fn, k=n):
        done = []
        c0 = srv.cpu_seconds()
        for i in range(k):
            try:
                it = await fn(i)
            except KeyError:                                     # the control is not on the page (a changed copy)
                print(f"  {name:42s} not on the page", flush=True)
                return
            assert it is not None and it.ok, (name, it)
            done.append(it)
        cpu = 1000 * (srv.cpu_seconds() - c0) / k
        rows.append((name, cpu, percentile([it.latency * 1000 for it in done], 50),
                     statistics.mean(it.messages for it in done), statistics.mean(it.bytes for it in done) / 1024,
                     sum(it.fragment for it in done)))
        print(f"  {name:42s} {cpu:6.1f} ms CPU", flush=True)

    def pause(key):
        async def go(i):
            tr = s.stepper(key)
            tr.t = (tr.t + 3) % (tr.T + 1)
            return await s.pause(key)
        return go

    await s.switch_page("Step_through_time")
    await cost("step page: pause (stepper fragment)", pause("step_stepper"))
    await cost("step page: 'show not yet computed' toggle", lambda i: s.set("step_reveal", i % 2 == 0))
    await cost("step page: sidebar weight seed (full rerun)", lambda i: s.set("model_seed", i + 1))
    await cost("step page: sidebar T (full rerun)", lambda i: s.set("sequence_T", 3 + i % 5))
    await cost("switch to the step page", lambda i: s.switch_page("Step_through_time"))
    await s.switch_page("Back-propagation_through_time")
    await cost("BPTT page: pause (stepper fragment)", pause("bptt_stepper"))
    tabs = ["Contributions and the proof", "Step backward", "Truncation and clipping", "Step backward",
            "Vanishing and exploding", "Step backward", "The derivation", "Step backward"]
    await cost("BPTT page: tab change", lambda i: s.set("bptt_tab", tabs[i % len(tabs)]), k=max(n, 40))
    await cost("BPTT page: sidebar weight seed", lambda i: s.set("model_seed", 100 + i))
    await cost("switch to the BPTT page", lambda i: s.switch_page("Back-propagation_through_time"))
    await s.switch_page("Padding_and_batches")
    await cost("padding page: a length", lambda i: s.set("padding_lengths_0", 1 + i % 6))
    await cost("switch to the padding page", lambda i: s.switch_page("Padding_and_batches"))
    await s.switch_page("Train_and_generalise")
    await cost("training page: one update", lambda i: s.click("train_one"))
    await s.set("train_run_updates", 30000)                      # a run that outlasts the ticks measured
    await s.click("train_start_pause")                           # Start; its run only draws
    await cost("training page: a live-view timer tick", lambda i: s.tick())
    await s.click("train_start_pause")                           # Pause
    await cost("switch to the training page", lambda i: s.switch_page("Train_and_generalise"))
    await cost("switch to the home page", lambda i: s.switch_page("The RNN"))
    await s.close()
    return rows


def machine_busy_cores() -> float:
    """Busy CPU seconds of the whole machine so far (every process: user + nice + system + irq + softirq +
    steal), from /proc/stat: differences over a run say how busy the machine was."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    import os
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


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
        out["clicks"] = await pauses(srv, args.click_sessions, args.clicks)
        print(json.dumps(out["clicks"], indent=1), flush=True)
        if not args.skip_memory:                    # twice: the first class also leaves one-time growth
            out["memory"] = [await memory(srv, args.students, args.ttl) for _ in range(2)]
            print(json.dumps(out["memory"], indent=1), flush=True)
        out["class"] = await the_class(srv, args.students, args.seconds, args.mean_gap, args.ramp, args.seed)
        print("class (all interactions, ramp included):\n" + format_summary(out["class"]["all"]))
        print("class (steady state, after the ramp):\n" + format_summary(out["class"]["steady"]))
        print(f"server CPU share in steady state: {out['class']['server_cpu_share_steady']:.2f} cores "
              f"(with its training workers {out['class']['server_and_workers_cpu_share_steady']:.2f}; the whole machine "
              f"{out['class']['machine_busy_cores_steady']:.2f} of {__import__('os').cpu_count()} busy); "
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
    ap.add_argument("--clicks", type=int, default=40, help="pauses per session in the pause phase")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", metavar="FILE", help="also write every figure to FILE")
    ap.add_argument("--largest", action="store_true",
                    help="only measure the core and every page at the largest model the sidebar allows")
    ap.add_argument("--costs", nargs="?", const=str(pathlib.Path(__file__).resolve().parents[1]), metavar="ROOT",
                    help="only measure the server CPU of each kind of rerun, one at a time (of the checkout ROOT: "
                         "default this one; give a copy to measure a change)")
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
    if args.costs:
        async def _costs():
            with Server(cwd=pathlib.Path(args.costs), options={"runner.postScriptGC": "false"}) as srv:
                await warm_up(srv.url)
                return await action_costs(srv)
        print(f"Server CPU per rerun, one session at a time, default model ({args.costs}):")
        print("| rerun | server CPU | latency p50 | messages | KiB sent | fragment |\n|---|---|---|---|---|---|")
        for name, cpu, p50, messages, kib, frag in asyncio.run(_costs()):
            print(f"| {name} | {cpu:.1f} ms | {p50:.0f} ms | {messages:.0f} | {kib:.1f} | {frag > 0} |")
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
