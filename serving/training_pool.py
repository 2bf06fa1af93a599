"""Training in worker processes, so that one student's training never makes the other students wait.

Streamlit runs every session as a thread of one Python process, and numpy training holds the GIL for most
of an update: trainers on the server's threads take turns, and every other session's rerun waits behind
them. Here the work runs in a process-wide pool of worker processes; the session's thread waits on a
future, which releases the GIL. Measured on 2 cores (benchmarks/bench_class_load.py --training): 4 trainers
together make x0.69 the updates/s of one as threads, x2.47 through this pool (docs/serving.md).

    trainer = training_pool.run_for(trainer, seconds=0.15, max_updates=500)   # a trained copy
    chunk = training_pool.Chunk(trainer, 0.4, 500, test=(20, 48, 0))   # trains meanwhile, then tests the copy
    trainer, result = chunk.collect()                                   # (copy, its by_length), waiting if needed
    result = training_pool.compare_state_activations(task, updates=3000, config=config)

run_for returns a new Trainer (same run_id) and leaves the one passed unchanged. A Trainer made by
training.make_trainer travels without its data (~0.2 MB instead of ~40 MB for next_char): a worker draws
the data of a recipe once and keeps the last few (training.drawn_data, read-only), and the copy that comes
back takes the data of the one sent.

The pool is made on first use, with the "spawn" start method (forking a threaded server is unsafe) minus
its first step, running the parent's __main__ (under Streamlit: app.py; see _SpawnWithoutMain), and
RNNVIZ_TRAIN_WORKERS worker processes (default: os.cpu_count()). The workers run as Linux's idle-priority
class (SCHED_IDLE; elsewhere nice +19): they get a core only when no server process wants it, so a class's
clicks never wait behind training, and training takes every core left over.
If a worker dies (killed, out of memory), the pool is made again and the call tried once more; if that fails
too, TrainingPoolError says so. No streamlit here.
"""
import concurrent.futures as cf
import contextlib
import functools
import multiprocessing.context
import os
import pickle
import sys
import threading
import types
from concurrent.futures.process import BrokenProcessPool

from rnnviz import training
from rnnviz.tasks import Task

WORKERS_ENV = "RNNVIZ_TRAIN_WORKERS"

_pool_lock = threading.Lock()
_main_lock = threading.Lock()


class TrainingPoolError(RuntimeError):
    """The training worker processes stopped twice in a row; the training asked for did not run."""


def worker_count() -> int:
    """RNNVIZ_TRAIN_WORKERS if set (a whole number >= 1), else the machine's CPU count."""
    text = os.environ.get(WORKERS_ENV, "").strip()
    if not text:
        return os.cpu_count() or 1
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{WORKERS_ENV} must be a whole number of worker processes >= 1; got {text!r}")
    return int(text)


@contextlib.contextmanager
def _bare_main():
    """sys.modules["__main__"] is an empty module meanwhile (put back unless a script run replaced it meanwhile)."""
    with _main_lock:                                                     # one launch at a time
        real, bare = sys.modules["__main__"], types.ModuleType("__main__")
        sys.modules["__main__"] = bare
        try:
            yield
        finally:
            if sys.modules["__main__"] is bare:
                sys.modules["__main__"] = real


class _SpawnWithoutMain(multiprocessing.context.SpawnContext):
    """"spawn", except that a new worker does not run the parent's __main__ before it starts.

    A spawned child first runs the file of sys.modules["__main__"], and Streamlit makes that the app script:
    every worker would run app.py in bare mode (measured: +0.6 s to start, +110 MB, hundreds of "missing
    ScriptRunContext" lines in the server's log). The workers need only rnnviz, which they import to unpickle
    their work; the child gets an empty __main__ instead (only for the few milliseconds of its launch)."""

    class Process(multiprocessing.context.SpawnProcess):
        @staticmethod
        def _Popen(process_obj):
            with _bare_main():
                return multiprocessing.context.SpawnProcess._Popen(process_obj)


def _lower_priority() -> None:
    """In each new worker: let the server's threads have the CPU first."""
    if hasattr(os, "SCHED_IDLE"):                                        # Linux
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    elif hasattr(os, "nice"):                                            # other Unix
        os.nice(19)


@functools.lru_cache(maxsize=1)
def _the_pool() -> cf.ProcessPoolExecutor:
    """The process-wide pool (call it under _pool_lock, so that two sessions never make two)."""
    return cf.ProcessPoolExecutor(worker_count(), mp_context=_SpawnWithoutMain(), initializer=_lower_priority)


def _executor() -> cf.ProcessPoolExecutor:
    with _pool_lock:
        return _the_pool()


def _discard(pool: cf.ProcessPoolExecutor) -> None:
    """Forget a pool, so that the next call makes a fresh one (once, whichever session notices first)."""
    with _pool_lock:
        if _the_pool.cache_info().currsize and _the_pool() is pool:
            _the_pool.cache_clear()
    pool.shutdown(wait=False)


def shutdown() -> None:
    """Stop the worker processes (the next call starts new ones)."""
    _discard(_executor())


def _on_pool(work, attempts: int = 2):
    """work(pool) on the process pool; if a worker process died, again on a fresh pool (`attempts` in all)."""
    for attempt in range(1, attempts + 1):
        pool = _executor()
        try:
            return work(pool)
        except BrokenProcessPool as err:
            _discard(pool)
            if attempt == attempts:
                raise TrainingPoolError(
                    "Training stopped: the worker process that trains the networks quit unexpectedly, twice in a "
                    "row (the server may be short of memory), so nothing was trained.") from err


def _train_and_test(sent: bytes, seconds: float, max_updates: int, test: tuple | None) -> tuple:
    """In a worker: train the copy (unpickled from `sent`); test it on training.test_set(task, *test) unless test
    is None (the set drawn once per worker: the same read-only set the server draws from the same arguments);
    send both back."""
    trainer = pickle.loads(sent)
    trainer.run_for(seconds, max_updates)
    return trainer, None if test is None else trainer.by_length(training.test_set(trainer.task, *test))


class Chunk:
    """Training that goes on in a worker process while the session's thread goes on (the live view: one rerun
    starts it, draws and ends; the next collects it): Trainer.run_for(seconds, max_updates) of a copy of
    `source` as it is now (pickled here, not later by the pool's feeder thread), then its by_length test unless
    test is None. `source` is left unchanged."""

    def __init__(self, source: training.Trainer, seconds: float, max_updates: int, test: tuple | None = None):
        self.source = source
        self._args = (pickle.dumps(source), seconds, max_updates, test)
        self._pool = None
        self._future = _on_pool(self._submit)

    def _submit(self, pool: cf.ProcessPoolExecutor) -> cf.Future:
        self._pool = pool
        return pool.submit(_train_and_test, *self._args)

    def cancel(self) -> bool:
        """Drop the chunk: if no worker has started it yet it never runs (the workers are shared by every
        training student, and a class queues their chunks); returns whether it was stopped in time. One that a
        worker already trains finishes there (at most its `seconds`) and is thrown away."""
        return self._future.cancel()

    def collect(self) -> tuple:
        """(trained copy, by_length result or None), waiting for the worker if it is still training. If a worker
        process died meanwhile, the chunk is trained again on a fresh pool; TrainingPoolError if that fails too."""
        try:
            trained, result = self._future.result()
        except BrokenProcessPool:                                   # the first attempt; once more, on a fresh pool
            _discard(self._pool)
            trained, result = _on_pool(lambda pool: self._submit(pool).result(), attempts=1)
        trained.take_data_from(self.source)
        return trained, result


def run_for(trainer: training.Trainer, seconds: float, max_updates: int) -> training.Trainer:
    """A copy of trainer after Trainer.run_for(seconds, max_updates) in a worker process; trainer is unchanged.

    Exactly the updates trainer.run_for would make (the same minibatches, rng and optimizer state); only how
    many fit in `seconds` differs. The copy holds trainer's data. TrainingPoolError when the workers keep dying."""
    return Chunk(trainer, seconds, max_updates).collect()[0]


def compare_state_activations(task: Task, **options) -> dict:
    """training.compare_state_activations(task, **options) with its RNNs trained side by side in the workers."""
    return _on_pool(lambda pool: training.compare_state_activations(task, map_fn=pool.map, **options))
