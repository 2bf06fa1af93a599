"""Give a long-running server's memory back to the machine after students leave.

Streamlit forgets a closed session server.disconnectedSessionTTL seconds after its browser left. Two things
then keep the memory: with runner.postScriptGC = false (a full collection after every rerun costs ~60 ms
with 50 sessions open), objects that the session left in reference cycles wait for Python's occasional
automatic collection; and glibc keeps the freed heap pages for later. One daemon thread per server process
does both jobs every half TTL (at most every MAX_EVERY seconds): a full collection, then malloc_trim(0).
The objects that exist when the thread starts (modules, Streamlit itself) are frozen out of collection
(gc.freeze), so a collection only walks what sessions made.

Before that, the process is limited to ARENAS malloc arenas. glibc gives new threads heaps (arenas) of their
own, up to 8 per core, and Streamlit starts a thread for every rerun, so a class's memory ends up spread
over many arenas, where a few live blocks keep whole pages from going back. Measured with 100 simulated
students for 30 s (benchmarks/bench_class_load.py): peak RSS 401 MB, and 397 MB still held after they left;
with mallopt from the first page run on, 301 / 272 MB; with MALLOC_ARENA_MAX=2 in the server's environment
from its start (what serving/deploy/serve.py and serving.loadtest.server do), 244 / 192 MB.
"""
import ctypes
import gc
import threading
import time

import streamlit as st

MAX_EVERY = 30.0            # seconds between reclaims at most
ARENAS = 2                  # malloc arenas for the whole process
M_ARENA_MAX = -8            # glibc's mallopt() parameter number for it
THREAD_NAME = "rnnviz-reclaim"
_starting = threading.Lock()  # two sessions' first runs never start two threads


def _glibc(name: str):
    """A function of glibc, or None where the C library is not glibc."""
    try:
        return getattr(ctypes.CDLL("libc.so.6"), name)
    except (OSError, AttributeError):
        return None


def limit_arenas(mallopt=_glibc("mallopt")) -> bool:
    """At most ARENAS malloc arenas from now on; False where that cannot be set."""
    return mallopt is not None and mallopt(M_ARENA_MAX, ARENAS) == 1


def reclaim(trim=_glibc("malloc_trim")) -> None:
    """One full garbage collection, then hand glibc's free pages back to the OS."""
    gc.collect()
    if trim is not None:
        trim(0)


def _every() -> float:
    ttl = st.get_option("server.disconnectedSessionTTL")
    return min(MAX_EVERY, max(1.0, float(ttl) / 2))


def _loop(every: float) -> None:
    while True:
        time.sleep(every)
        reclaim()


def start() -> threading.Thread:
    """Start the process's reclaiming thread, once per server process; returns it."""
    with _starting:
        running = [t for t in threading.enumerate() if t.name == THREAD_NAME]
        if running:
            return running[0]
        limit_arenas()
        gc.collect()
        gc.freeze()                                  # startup objects live as long as the server
        thread = threading.Thread(target=_loop, args=(_every(),), name=THREAD_NAME, daemon=True)
        thread.start()
        return thread
