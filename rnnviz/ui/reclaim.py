"""Give a long-running server's memory back to the machine after students leave.

Streamlit forgets a closed session server.disconnectedSessionTTL seconds after its browser left. Two things
then keep the memory: with runner.postScriptGC = false (a full collection after every rerun costs ~60 ms
with 50 sessions open), objects that the session left in reference cycles wait for Python's occasional
automatic collection; and glibc keeps the freed heap pages for later. One daemon thread per server process
does both jobs every half TTL (at most every MAX_EVERY seconds): a full collection, then malloc_trim(0).
The objects that exist when the thread starts (modules, Streamlit itself) are frozen out of collection
(gc.freeze), so a collection only walks what sessions made.
"""
import ctypes
import gc
import threading
import time

import streamlit as st

MAX_EVERY = 30.0            # seconds between reclaims at most
THREAD_NAME = "rnnviz-reclaim"
_starting = threading.Lock()  # two sessions' first runs never start two threads


def _malloc_trim():
    """glibc's malloc_trim(0) (returns free heap pages to the OS), or None where libc has no such call."""
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def reclaim(trim=_malloc_trim()) -> None:
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
        gc.collect()
        gc.freeze()                                  # startup objects live as long as the server
        thread = threading.Thread(target=_loop, args=(_every(),), name=THREAD_NAME, daemon=True)
        thread.start()
        return thread
