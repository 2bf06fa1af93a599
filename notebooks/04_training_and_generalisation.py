# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 4. Training, and generalising across length
#
# The lesson text's motivating example: a feed-forward net trained to add 4-digit numbers cannot add
# 3- or 5-digit ones, because its input has a fixed size and every position has weights of its own.
# An RNN applies the same W_s at every step, so whatever it learns about one step it can repeat for any
# number of steps.
#
# Here an RNN learns to **add a sequence of digits** from sequences of 1 to 10 digits, and is then tested
# on sequences of 1 to 20 digits, beside a feed-forward net with about as many weights that reads exactly
# 10 steps and was trained on the same minibatches. A short run: 600 updates, well under a few seconds.

# %%
# From a checkout of the repository: make its rnnviz importable (not needed when rnnviz is installed).
import pathlib
import sys

_root = pathlib.Path.cwd().resolve().parent
if (_root / "rnnviz").is_dir() and str(_root) not in sys.path:
    sys.path.insert(0, str(_root))

import time

import numpy as np

from rnnviz import baseline, tasks, train_figures, training

from rnnviz.figspec import show      # draws a figure builder's figure inline, themed as in the app

# %% [markdown]
# ## The task
#
# Each step's input is one number, i^t = d_t / 9 for a digit d_t, and the target is (d_1 + … + d_T) / 9.
# One exact answer is a running total, s^t = s^{t−1} + i^t and o = s^T, which f_s = relu can hold
# (the task's default); training has to find something close to it.

# %%
task = tasks.make_task("sum")
lo, hi = task.lengths                                           # trained lengths 1..10
config = training.default_config(task, seed=0, lr_halflife=200)  # the rate halves every 200 updates
trainer = training.make_trainer(task, config=config)            # RNN and feed-forward baseline, data from the seed
for text, y in zip(trainer.train.texts[:3], trainer.train.targets[:3]):
    print(f"{text:>22}  ->  {9 * y[0]:.0f}")

p0 = trainer.params
n_rnn, n_ff = baseline.rnn_param_count(p0), trainer.ff.n_params
print(f"RNN: I={p0.input_size}, H={p0.state_size}, f_s={p0.f_s}: {n_rnn} weights;"
      f" feed-forward: reads {trainer.ff.T_ff} steps, {n_ff} weights")
assert (lo, hi) == (1, 10) and p0.f_s == "relu" and trainer.ff.T_ff == hi
assert abs(n_ff - n_rnn) / n_rnn < 0.1                          # a fair comparison: about as many weights

# %% [markdown]
# ## Train
#
# Each update: forward over a minibatch of sequences of one length (bucketing), mean squared error,
# back-propagation through time, gradient clipping, an Adam step. The baseline takes a step on the same minibatch.

# %%
val_before = trainer.loss_on(trainer.val)
start = time.perf_counter()
train_losses = trainer.step(600)
print(f"{trainer.updates} updates in {time.perf_counter() - start:.2f} s;"
      f" validation loss {val_before:.3g} -> {trainer.val_points[-1][1]:.3g}")

assert trainer.stopped is None and trainer.updates == 600
assert trainer.val_points[-1][1] < 0.01 * val_before            # the loss falls by more than 100 times
show(train_figures.loss_figure(trainer.train_losses, trainer.val_points,
                               title="Loss: training minibatches and validation set"))

# %% [markdown]
# ## Test on lengths up to twice as long
#
# 48 fresh sequences of every length from 1 to 20. The score is the relative error,
# Σ|o − y| / Σ|y|: the mean error as a share of the mean answer.

# %%
test = training.test_set(task, 2 * hi, n_per_length=48, seed=0)
result = trainer.by_length(test)                                # {"lengths", "rnn", "ff", "u"}
Ls, rnn, ff = result["lengths"], result["rnn"], result["ff"]
longer = Ls > hi
print("RNN, trained lengths:", rnn[~longer].round(3), "\nRNN, longer:        ", rnn[longer].round(3))
print("FF,  trained lengths:", ff[~longer].round(3), "\nFF,  longer:        ", ff[longer].round(3))

assert Ls.tolist() == list(range(1, 2 * hi + 1))
assert rnn[~longer].max() < 0.1 and ff[~longer].max() < 0.1     # both learned the lengths they saw
assert rnn[longer].max() < 0.1                                  # the RNN also adds 11 to 20 digits
assert np.all(rnn[longer] < ff[longer])                         # better than the baseline at every longer length

show(train_figures.generalisation_figure(
    Ls, {"RNN": rnn, f"feed-forward (reads {trainer.ff.T_ff} steps)": ff}, (lo, hi), task.metric_name,
    task.higher_is_better, task.chance, title=f"Relative error against length, 1 to {2 * hi}"))

# %% [markdown]
# **Why the baseline fails the way it does.** A longer sequence is fitted to its 10 inputs by keeping the
# last 10 steps (`baseline.fixed_length`), so it answers with the sum of the last 10 digits and misses
# the rest: about (L − 10) / L of the answer, 1/11 at length 11 and 1/2 at length 20.

# %%
missed = (Ls[longer] - hi) / Ls[longer]
assert np.abs(ff[longer] - missed).max() < 0.05

show(train_figures.prediction_figure(test.targets, result["u"], test.lengths, (lo, hi), unit=9.0,
                                     title="The RNN's sums against the true sums"))

# %% [markdown]
# ## Why relu, not tanh, for a running total
#
# The total grows with the length, and tanh never exceeds 1: a tanh RNN has to keep a shrunken total in
# tanh's nearly straight middle, and sequences longer than any it trained on push it into the bend, where
# its sums come out too small. Two runs with the same data, seed and optimizer, only f_s differs.

# %%
compared = training.compare_state_activations(task, choices=("relu", "tanh"), updates=600, config=config)
m = compared["metric"]
print({f: f"{v[-1]:.3f}" for f, v in m.items()}, "(relative error at length 20)")
assert m["tanh"][-1] > 0.2 and m["tanh"][-1] > 5 * m["relu"][-1]
show(train_figures.generalisation_figure(compared["lengths"], {f"f_s = {f}": v for f, v in m.items()}, (lo, hi),
                                         task.metric_name, False, title="One RNN per f_s, 600 updates each"))
