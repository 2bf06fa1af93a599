"""Training in worker processes (serving.training_pool): the same updates as in-process, bit for bit; a Trainer
travels without its data; a worker that dies is replaced, and one that keeps dying gives a clear error."""
import concurrent.futures
import os
import pickle
import sys
import time
import types

import numpy as np
import pytest

from rnnviz import tasks, training
from serving import training_pool as tp


@pytest.fixture(scope="module", autouse=True)
def stop_the_workers():
    yield
    tp.shutdown()


def small_trainer(name, **changes):
    """A trainer with 300 training sequences (several epochs in a few dozen updates), validated every 10."""
    task = tasks.make_task(name)
    return training.make_trainer(task, n_train=300, n_val=50,
                                 config=training.default_config(task, eval_every=10, **changes))


def state_arrays(tr) -> list:
    """Every array that training changes: weights, optimizer moments, the baseline's and its optimizer's."""
    opt = tr._opt.m + (tr._opt.v or [])
    ff = tr.ff.arrays() + tr._ff_opt.m + (tr._ff_opt.v or []) if tr.ff is not None else []
    return tr._arrays + opt + ff


def assert_same_training(a, b):
    """Two trainers at the same point: equal arrays, losses, validation points, epoch and next minibatch."""
    assert (a.updates, a.epoch, a.stopped, a.ff_stopped) == (b.updates, b.epoch, b.stopped, b.ff_stopped)
    assert len(state_arrays(a)) == len(state_arrays(b))
    for x, y in zip(state_arrays(a), state_arrays(b)):
        assert np.array_equal(x, y)
    assert a.train_losses == b.train_losses and a.val_points == b.val_points
    for x, y in zip(a.next_batch(), b.next_batch()):
        assert (x is None and y is None) or np.array_equal(x, y)


def train_in_chunks(trainer, updates, chunk):
    """trainer trained `updates` times through the pool, at most `chunk` updates per call."""
    while trainer.updates < updates:
        trainer = tp.run_for(trainer, seconds=60, max_updates=min(chunk, updates - trainer.updates))
    return trainer


@pytest.mark.parametrize("strategy", training.STRATEGIES)
@pytest.mark.parametrize("name", tasks.TASKS)
def test_the_pool_makes_exactly_the_in_process_updates(name, strategy):
    here, sent = small_trainer(name, strategy=strategy), small_trainer(name, strategy=strategy)
    here.step(61)
    back = train_in_chunks(sent, 61, chunk=13)                             # 5 calls, 4 pickles each way
    assert sent.updates == 0 and back is not sent and back.run_id == sent.run_id
    assert back._data is sent._data                                        # the session's data, not a new draw
    assert back.epoch > 1 and len(back.val_points) == 7                    # epochs and validations crossed
    assert back.compute_seconds > 0
    assert_same_training(here, back)


@pytest.mark.parametrize("name", tasks.TASKS)
def test_a_worker_tests_the_trained_copy_as_the_server_would(name):
    """A Chunk with a test: the same updates as run_for, and the by-length test of the trained copy on the test set that
    the same arguments draw here, equal bit for bit to testing it in this process."""
    here, sent = small_trainer(name), small_trainer(name)
    here.step(9)
    back, result = tp.Chunk(sent, seconds=60, max_updates=9, test=(6, 5, 3)).collect()
    assert sent.updates == 0 and back._data is sent._data
    assert_same_training(here, back)
    expected = here.by_length(training.test_set(here.task, 6, 5, 3))
    assert result.keys() == expected.keys()
    for key, value in expected.items():
        assert (value is None and result[key] is None) or np.array_equal(value, result[key], equal_nan=True), key


def test_a_learned_initial_state_and_sgd_train_the_same_way():
    here, sent = (small_trainer("parity", learn_s0=True, optimizer="sgd", lr=0.1) for _ in range(2))
    here.step(30)
    assert_same_training(here, train_in_chunks(sent, 30, chunk=7))


def test_a_trainer_pickles_without_its_data():
    task = tasks.make_task("next_char")
    tr = training.make_trainer(task, config=training.default_config(task))
    tr.step(50)
    size = len(pickle.dumps(tr))
    with_data = len(pickle.dumps(tr._data))
    print(f"pickled next_char Trainer: {size / 1e3:.0f} kB; its data alone: {with_data / 1e6:.1f} MB")
    assert size < 2e6 < with_data
    copy = pickle.loads(pickle.dumps(tr))
    assert "_data" not in vars(copy)                                       # drawn when first needed
    assert_same_training(tr, copy)
    for x, y in zip(tr._data.arrays(), copy._data.arrays(), strict=True):
        assert np.array_equal(x, y)


def test_a_worker_draws_each_sessions_data_once_read_only():
    tr = small_trainer("sum")
    a, b = (pickle.loads(pickle.dumps(tr)) for _ in range(2))
    assert a._data is b._data is training.drawn_data(tr._recipe, "bucket")
    with pytest.raises(ValueError, match="read-only"):
        a.train.inputs[0, 0, 0] = 1.0


def test_sessions_share_only_read_only_data_and_train_apart():
    """Two sessions with the same settings read one copy of the data, which neither can change; their
    weights, optimizers and histories stay their own."""
    a, b = small_trainer("sum"), small_trainer("sum")
    assert a._data is b._data
    for array in a._data.arrays():
        with pytest.raises(ValueError, match="read-only"):
            array.flat[0] = 1.0
    before = [np.array(x) for x in b._arrays]
    a.step(5)
    assert b.updates == 0 and b.train_losses == []
    assert all(np.array_equal(x, y) for x, y in zip(before, b._arrays, strict=True))
    with pytest.raises(ValueError, match="same run"):
        a.take_data_from(b)


def test_the_test_set_is_shared_read_only():
    task = tasks.make_task("sum")
    first, again = training.test_set(task, 6, 4, seed=1), training.test_set(task, 6, 4, seed=1)
    assert first is again
    with pytest.raises(ValueError, match="read-only"):
        first.inputs[0, 0, 0] = 1.0


def test_data_are_drawn_again_bit_for_bit():
    """In a fresh process (a worker) the recipe draws what make_trainer drew."""
    tr = small_trainer("sentiment", strategy="pad")
    drawn = training.TrainingData(*tr._recipe.draw(), "pad")
    for x, y in zip(tr._data.arrays(), drawn.arrays(), strict=True):
        assert np.array_equal(x, y)
    assert drawn.train.texts == tr.train.texts


def test_a_trainer_made_from_explicit_data_carries_them():
    task = tasks.make_task("parity")
    train, val = task.make(200, (1, 6), seed=7), task.make(40, (1, 6), seed=8)
    p0 = training.initial_params(task, seed=1)
    here, sent = (training.Trainer(task, p0, train, val, training.default_config(task)) for _ in range(2))
    assert "_data" in sent.__getstate__()
    here.step(20)
    back = train_in_chunks(sent, 20, chunk=9)
    assert_same_training(here, back)
    assert np.array_equal(back.train.inputs, train.inputs)


def test_the_comparison_of_state_activations_is_the_same_in_the_pool():
    task = tasks.make_task("sum")
    options = {"choices": ("relu", "tanh"), "updates": 60, "config": training.default_config(task),
               "lengths": (1, 5), "n_train": 200, "n_per_length": 8}
    here, pooled = training.compare_state_activations(task, **options), tp.compare_state_activations(task, **options)
    assert list(pooled["metric"]) == ["relu", "tanh"] and np.array_equal(here["lengths"], pooled["lengths"])
    for f in ("relu", "tanh"):
        assert np.array_equal(here["metric"][f], pooled["metric"][f])
        assert here["stopped"][f] == pooled["stopped"][f]


class DiesInItsWorker:
    """Unpickled in a worker, it ends that process at once, as if it had been killed."""

    def __reduce__(self):
        return os._exit, (1,)


def appear_once(marker: str, trainer):
    """In a worker: the first time (no marker file yet) end the process abruptly; after that, the trainer."""
    if not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)
    return trainer


class DiesOnce:
    """A trainer (its run_id, its data) that kills the first worker it is sent to."""

    def __init__(self, marker, trainer):
        self.marker, self.trainer = str(marker), trainer

    def __getattr__(self, name):
        return getattr(self.trainer, name)

    def __reduce__(self):
        return appear_once, (self.marker, self.trainer)


def test_a_chunk_trains_the_weights_as_they_were_when_it_started():
    """Chunk: the live view starts it and draws on; what comes back is the training of the trainer as it was
    when the chunk started, whatever happens to the session's trainer meanwhile, and no test unless asked."""
    here, sent = small_trainer("sum"), small_trainer("sum")
    chunk = tp.Chunk(sent, seconds=60, max_updates=11)
    sent.step(3)                                                           # changed after the chunk started
    back, result = chunk.collect()
    here.step(11)
    assert result is None and back._data is sent._data
    assert_same_training(here, back)


def busy_workers(seconds: float = 0.5) -> list:
    """Chunks that keep every worker busy for `seconds` and fill the executor's queue of calls handed to the
    workers (as long as the workers, plus one): a chunk started next waits, not yet started by any worker."""
    return [tp.Chunk(small_trainer("sum"), seconds=seconds, max_updates=10**9)
            for _ in range(2 * tp.worker_count() + 2)]      # the workers', the queue's (workers + 1) and one more


def test_a_chunk_dropped_before_a_worker_starts_it_never_runs():
    """Pause (and a rebuilt trainer) cancel the chunk under way: one still waiting for a worker never takes one
    from the other students; one already training finishes and can still be collected."""
    fillers = busy_workers()
    waiting = tp.Chunk(small_trainer("sum"), seconds=60, max_updates=5)
    assert waiting.cancel() is True
    deadline = time.monotonic() + 30
    while not fillers[0]._future.running() and time.monotonic() < deadline:  # handed to a worker
        time.sleep(0.01)
    assert not fillers[0].cancel()                                         # a worker already trains it
    for chunk in fillers[1:]:
        chunk.cancel()
    back, _ = fillers[0].collect()
    assert back.updates > 0
    with pytest.raises(concurrent.futures.CancelledError):
        waiting.collect()


def test_a_worker_that_died_is_replaced(tmp_path):
    here, sent = small_trainer("sum"), small_trainer("sum")
    back = tp.run_for(DiesOnce(tmp_path / "died", sent), seconds=60, max_updates=12)
    assert (tmp_path / "died").exists()                                    # the first pool broke
    here.step(12)
    assert_same_training(here, back)


def test_workers_that_keep_dying_give_a_clear_error_and_a_fresh_pool_works():
    with pytest.raises(tp.TrainingPoolError, match="quit unexpectedly, twice in a row"):
        tp.run_for(DiesInItsWorker(), seconds=1, max_updates=1)
    here, sent = small_trainer("parity"), small_trainer("parity")
    here.step(5)
    assert_same_training(here, tp.run_for(sent, seconds=60, max_updates=5))


def test_a_new_worker_does_not_run_the_parents_main(tmp_path, monkeypatch):
    """Under Streamlit, __main__ is app.py: a plainly spawned worker would run the whole app first."""
    ran = tmp_path / "ran"
    script = tmp_path / "fake_app.py"
    script.write_text(f"open({str(ran)!r}, 'w').close()\n")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    tp.shutdown()                                                          # new workers, launched now
    here, sent = small_trainer("sum"), small_trainer("sum")
    here.step(3)
    assert_same_training(here, tp.run_for(sent, seconds=60, max_updates=3))
    assert not ran.exists() and sys.modules["__main__"] is fake_main


@pytest.mark.parametrize("value, expected", [("3", 3), ("", os.cpu_count()), (None, os.cpu_count())])
def test_the_worker_count_comes_from_the_environment(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv(tp.WORKERS_ENV, raising=False)
    else:
        monkeypatch.setenv(tp.WORKERS_ENV, value)
    assert tp.worker_count() == expected


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_bad_worker_count_says_what_to_fix(monkeypatch, value):
    monkeypatch.setenv(tp.WORKERS_ENV, value)
    with pytest.raises(ValueError, match="whole number of worker processes"):
        tp.worker_count()


def test_workers_train_only_on_idle_cpu():
    """The workers are in Linux's idle scheduling class: a server thread that wants a core always gets it."""
    policy = tp._executor().submit(os.sched_getscheduler, 0).result()
    assert policy == os.SCHED_IDLE
    assert os.sched_getscheduler(0) != os.SCHED_IDLE                       # the server itself is not lowered
