"""What Streamlit itself costs the server per rerun, to read rnnviz's costs against (issue 13's class).

    python benchmarks/bench_streamlit_floor.py [--reruns 200]

For each case, one `streamlit run benchmarks/peer_elements.py` (the load generator's server settings:
runner.postScriptGC = false, serving.loadtest.server) and one session that changes a number input back to
back: server CPU per rerun (utime + stime of the process over the reruns) and the rerun's latency (send ->
script_finished; the peer keeps Nagle's delay, so ~45 ms is its floor, not its work). The cases: a full
rerun with 0 / 40 / 80 markdown lines, 20 / 40 number inputs, 40 empty containers; a fragment rerun with
nothing else in it and with 40 markdown lines. Compare with `python benchmarks/bench_class_load.py --costs`
(rnnviz's reruns, one session at a time) in the same minutes: this VM's speed moves. Prints; asserts nothing.
"""
import argparse
import asyncio
import pathlib
import statistics
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from serving.loadtest.protocol import Session  # noqa: E402
from serving.loadtest.server import Server  # noqa: E402

CASES = [("full", "markdown", 0), ("full", "markdown", 40), ("full", "markdown", 80), ("full", "number_input", 20),
         ("full", "number_input", 40), ("full", "container", 40), ("fragment", "markdown", 0),
         ("fragment", "markdown", 40)]


async def one(scope: str, kind: str, n: int, reruns: int) -> dict:
    env = {"KIND": kind, "N": str(n), "FRAGMENT": "1" if scope == "fragment" else "0"}
    key = "fx" if scope == "fragment" else "x"
    with Server(app="peer_elements.py", cwd=HERE, env=env) as srv:
        s = Session(srv.url)
        it = await s.open(None)
        assert it.ok, it
        for i in range(20):                                    # warm
            await s.set(key, i)
        c0 = srv.cpu_seconds()
        latencies = []
        for i in range(reruns):
            it = await s.set(key, 1000 + i)
            assert it.ok and it.fragment == (scope == "fragment"), it
            latencies.append(1000 * it.latency)
        c1 = srv.cpu_seconds()
        await s.close()
    return {"cpu_ms": 1000 * (c1 - c0) / reruns, "p50_ms": statistics.median(latencies)}


async def main(reruns: int) -> None:
    print("| rerun | elements after the first number input | server CPU per rerun | latency p50 |")
    print("|---|---|---|---|")
    for scope, kind, n in CASES:
        r = await one(scope, kind, n, reruns)
        print(f"| {scope} | {n} × {kind} | {r['cpu_ms']:.2f} ms | {r['p50_ms']:.0f} ms |", flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reruns", type=int, default=200)
    asyncio.run(main(ap.parse_args().reruns))
