"""Experiments made of several training runs: one RNN per state activation f_s, scored against length.

compare_state_activations shows, for the sum task, why tanh is the wrong choice: its state cannot hold a
growing total. Each run is a module-level function, so that a process pool (training_pool) can run it.
"""
import functools

import numpy as np

from ..tasks import Task
from .config import TrainConfig
from .data import test_set
from .trainer import make_trainer


def state_activation_run(f_s: str, task: Task, updates: int, config: TrainConfig, lengths, n_train: int | None,
                         n_per_length: int) -> tuple:
    """(metric (K,) at lengths 1..2*longest, stopped message or None) of one RNN with state activation f_s:
    one run of compare_state_activations (a module-level function, so that a process pool can run it)."""
    longest = (lengths or task.lengths)[1]
    tr = make_trainer(task, lengths, n_train, f_s=f_s, config=config, with_baseline=False)
    tr.step(updates)
    return tr.by_length(test_set(task, 2 * longest, n_per_length, seed=config.seed))["rnn"], tr.stopped


def compare_state_activations(task: Task, choices=("relu", "identity", "tanh"), updates: int = 1500,
                              config: TrainConfig = TrainConfig(), lengths=None, n_train: int | None = None,
                              n_per_length: int = 32, map_fn=map) -> dict:
    """Train one RNN per state activation f_s (same data, seed and optimizer) and score each against length.

    Returns {"lengths": (K,) 1..2*longest, "metric": {f_s: (K,)}, "stopped": {f_s: message or None}}.
    For the sum task this shows why tanh is the wrong choice: its state cannot hold a growing total.
    map_fn runs state_activation_run over the choices: the builtin map (one after the other, here) or a process
    pool's map (training_pool).
    """
    longest = (lengths or task.lengths)[1]
    run = functools.partial(state_activation_run, task=task, updates=updates, config=config, lengths=lengths,
                            n_train=n_train, n_per_length=n_per_length)
    runs = dict(zip(choices, map_fn(run, choices)))
    return {"lengths": np.arange(1, 2 * longest + 1), "metric": {f: m for f, (m, _) in runs.items()},
            "stopped": {f: stopped for f, (_, stopped) in runs.items()}}
