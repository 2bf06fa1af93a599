"""serving.reclaim: the server's memory reclaimer."""
import gc
import weakref

from serving import reclaim


class Node:
    pass


def test_reclaim_collects_cycles_and_trims():
    a, b = Node(), Node()
    a.other, b.other = b, a                               # a reference cycle: only a collection frees it
    gone = weakref.ref(a)
    del a, b
    calls = []
    was_enabled = gc.isenabled()
    gc.disable()                                          # no automatic collection may free it first
    try:
        reclaim.reclaim(trim=calls.append)
    finally:
        if was_enabled:
            gc.enable()
    assert gone() is None
    assert calls == [0]


def test_one_thread_per_process():
    first, second = reclaim.start(), reclaim.start()
    assert first is second and first.is_alive() and first.daemon


def test_glibc_calls_are_found():
    assert reclaim._glibc("malloc_trim") is not None      # this machine is Debian (glibc)
    assert reclaim._glibc("no_such_call") is None
    assert reclaim.limit_arenas() is True                 # mallopt accepted M_ARENA_MAX


def test_limit_arenas_asks_glibc_for_two():
    calls = []
    assert reclaim.limit_arenas(mallopt=lambda *a: calls.append(a) or 1)
    assert calls == [(reclaim.M_ARENA_MAX, reclaim.ARENAS)]
    assert not reclaim.limit_arenas(mallopt=None)
