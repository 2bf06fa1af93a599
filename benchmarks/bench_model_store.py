"""Time to store and to open a model in serving.model_store, beside model_io's .npz alone as the peer.

    python benchmarks/bench_model_store.py                                  # SQLite (a temporary file)
    python benchmarks/bench_model_store.py --postgres postgresql://user@host/db   # and PostgreSQL too

For a small model (I=2, H=8, O=1) and the largest the store takes (I=32, H=64, O=32): the median time of
put (a new model each time: hash, check the quota and rate, insert, commit) and get (select, check the hash,
decode, record the opening), beside to_npz / from_npz of the same model in the same loop, and the ratios of
the medians. Samples alternate store and peer. The PostgreSQL run writes to the given database and removes
its own models afterwards.
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # run from a checkout without installing

import rnnviz as rv                                                # noqa: E402
from rnnviz import model_io                                        # noqa: E402
from serving import model_store                                    # noqa: E402

SIZES = {"small (2, 8, 1)": (2, 8, 1), "large (32, 64, 32)": (32, 64, 32)}


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def measure(store, dims, repeat, seed0):
    """{column: [seconds]} for put, get, to_npz, from_npz over `repeat` distinct models."""
    times = {"put": [], "get": [], "to_npz": [], "from_npz": []}
    ids = []
    for k in range(repeat):
        p = rv.init_params(*dims, seed=seed0 + k)
        dt, data = timed(model_io.to_npz, p)
        times["to_npz"].append(dt)
        dt, mid = timed(store.put, p)
        times["put"].append(dt)
        dt, q = timed(model_io.from_npz, data)
        times["from_npz"].append(dt)
        dt, r = timed(store.get, mid)
        times["get"].append(dt)
        assert q.equals(p) and r.equals(p)
        ids.append(mid)
    return times, ids


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--postgres", help="a postgresql:// URL to measure as well")
    ap.add_argument("--repeat", type=int, default=200, help="models per size and backend (default 200)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        backends = [("SQLite", f"sqlite:///{tmp}/models.sqlite3")]
        if args.postgres:
            backends.append(("PostgreSQL", args.postgres))
        print(f"median of {args.repeat} models each; times in microseconds; ratio = store / npz peer\n")
        print("| backend | model | bytes | put | to_npz | put/to_npz | get | from_npz | get/from_npz |")
        print("|---|---|---|---|---|---|---|---|---|")
        seed0 = int(time.time())                                   # new models on every run (put of a new model)
        for name, url in backends:
            with model_store.open_store(url) as store:
                for label, dims in SIZES.items():
                    times, ids = measure(store, dims, args.repeat, seed0)
                    med = {k: statistics.median(v) * 1e6 for k, v in times.items()}
                    n_bytes = len(model_store.encode(rv.init_params(*dims, seed=0)))
                    print(f"| {name} | {label} | {n_bytes:,} | {med['put']:.0f} | {med['to_npz']:.0f} | "
                          f"{med['put'] / med['to_npz']:.1f} | {med['get']:.0f} | {med['from_npz']:.0f} | "
                          f"{med['get'] / med['from_npz']:.1f} |")
                    for mid in ids:
                        store.remove(mid)
                    seed0 += args.repeat
    print(f"\nnumpy {np.__version__}, sqlite {model_store.sqlite3.sqlite_version}")


if __name__ == "__main__":
    main()
