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
# # 1. The RNN and its states
#
# A feed-forward net maps one input vector of a fixed size to one output. A recurrent net reads a
# *sequence* of input vectors, one per time step, and carries a **state** vector from each step to the
# next: a short-term memory that ends up summarising the whole sequence. The output is computed from
# the last state only.
#
# In rnnviz's notation (row vectors, steps t = 1..T, as in the lesson text):
#
# $$s^0 = \mathbf{0} \quad (\text{or a learned } s_0), \qquad
#   s^t = f_s([s^{t-1}\ i^t]\, W_s + b_s), \qquad
#   o = f_o(s^T W_o + b_o)$$
#
# The previous state and the current input are **concatenated** into one row and multiplied by one
# weight matrix W_s of shape (H+I, H): its first H rows act on the state, its last I rows on the input.
#
# Every claim below is checked by an `assert`; the notebook runs in CI, so a failing claim fails the build.

# %%
# From a checkout of the repository: make its rnnviz importable (not needed when rnnviz is installed).
import pathlib
import sys

_root = pathlib.Path.cwd().resolve().parent
if (_root / "rnnviz").is_dir() and str(_root) not in sys.path:
    sys.path.insert(0, str(_root))

import numpy as np

import rnnviz as rv
from rnnviz import figures

from rnnviz.figspec import show      # draws a figure builder's figure inline, themed as in the app

assert "streamlit" not in sys.modules         # the library is numpy (and plotly for figures), never the app

# %% [markdown]
# ## A small network
#
# I = 2 inputs, H = 3 state units, O = 1 output, f_s = tanh, f_o = identity. `seed` is the random seed of
# the initial weights.

# %%
I, H, O = 2, 3, 1
p = rv.init_params(input_size=I, state_size=H, output_size=O, f_s="tanh", f_o="identity", seed=0)
print({name: a.shape for name, a in p.arrays().items()})

assert p.W_s.shape == (H + I, H) and p.b_s.shape == (H,)
assert p.W_o.shape == (H, O) and p.b_o.shape == (O,)
assert np.array_equal(p.s0, np.zeros(H))          # s^0 = 0 unless a learned s0 is given

# %% [markdown]
# ## Running it over a sequence
#
# `rv.forward` takes a batch of sequences, shaped (B, T, I). Here B = 1 sequence of T = 8 steps.
# The trace holds every state s^0 … s^T, shaped (B, T+1, H), and the output o, shaped (B, O).

# %%
T = 8
x = np.random.default_rng(1).uniform(-1, 1, size=(1, T, I))     # i^1 .. i^T
tr = rv.forward(p, x)
print("states", tr.states.shape, " output", tr.output)

assert tr.states.shape == (1, T + 1, H) and tr.output.shape == (1, O)
assert np.array_equal(tr.states[0, 0], p.s0)

# %% [markdown]
# The inputs and the states, step by step, as the app draws them (steps left to right, units top to
# bottom; blue negative, red positive). tanh keeps every state unit between −1 and 1.

# %%
show(figures.inputs_figure(x[0]))
show(figures.states_figure(tr.states[0]))

# %% [markdown]
# ## The recurrence, written out by hand
#
# Claim: the library computes nothing more than the three equations above. The loop below rebuilds
# every state from `p` alone and agrees with the trace to rounding.

# %%
s = p.s0
hand = [s]
for t in range(1, T + 1):
    z = np.concatenate([s, x[0, t - 1]]) @ p.W_s + p.b_s      # z^t = [s^{t-1} i^t] W_s + b_s
    s = np.tanh(z)                                            # s^t = f_s(z^t)
    hand.append(s)
hand = np.array(hand)
o_hand = hand[T] @ p.W_o + p.b_o                              # o = f_o(s^T W_o + b_o), f_o = identity

assert np.abs(hand - tr.states[0]).max() < 1e-12
assert np.abs(o_hand - tr.output[0]).max() < 1e-12

# %% [markdown]
# Concatenating and multiplying by one matrix is the same as two matrices, one per block of rows:
# $[s^{t-1}\ i^t]\,W_s = s^{t-1} W_{ss} + i^t W_{is}$, with W_ss = W_s[:H] (the lesson text's W_s·· elements)
# and W_is = W_s[H:] (its W_i·· elements).

# %%
s_prev, i_t = tr.states[0, 2], x[0, 2]                        # s^2 and i^3
both = np.concatenate([s_prev, i_t]) @ p.W_s
split = s_prev @ p.W_s[:H] + i_t @ p.W_s[H:]
assert np.abs(both - split).max() < 1e-12

# %% [markdown]
# ## One set of weights for every step, so any length
#
# The same W_s and b_s are used at every step, so the same network reads a sequence of any length: nothing
# in `p` depends on T. A state depends only on the inputs up to its step: running the first 3 steps alone
# gives exactly (bit for bit) the first states of the longer run.

# %%
for T_other in (1, 3, 20):
    x_other = np.random.default_rng(T_other).uniform(-1, 1, size=(1, T_other, I))
    assert rv.forward(p, x_other).states.shape == (1, T_other + 1, H)

prefix = rv.forward(p, x[:, :3])
assert np.array_equal(prefix.states, tr.states[:, :4])

# %% [markdown]
# ## A learned initial state
#
# The first step needs a previous state. It is usually the zero vector; it can instead be a vector s0
# that training adjusts like any other weight. It changes s^0, and through it every later state.

# %%
p_s0 = p.replace(s0=np.array([0.5, -0.5, 0.25]))
tr_s0 = rv.forward(p_s0, x)
assert np.array_equal(tr_s0.states[0, 0], p_s0.s0)
assert not np.allclose(tr_s0.states[0, 1:], tr.states[0, 1:])
show(figures.states_figure(tr_s0.states[0], title="States with s<sup>0</sup> = s0 = [0.5, −0.5, 0.25]"))

# %% [markdown]
# ## Many sequences at once
#
# A batch of B sequences runs through the same equations row by row. Each sequence gives bit-for-bit
# the same states inside a batch as alone (notebook 3 does this for sequences of different lengths).

# %%
xb = np.random.default_rng(2).uniform(-1, 1, size=(4, T, I))
trb = rv.forward(p, xb)
for b in range(4):
    alone = rv.forward(p, xb[b:b + 1])
    assert np.array_equal(trb.states[b], alone.states[0]) and np.array_equal(trb.output[b], alone.output[0])
print("outputs of the batch:", trb.output.ravel())

# %% [markdown]
# ## Step through it
#
# The app's stepper, in the notebook: the same drawing code as the step page (an anywidget). Click into it
# and press N / B, or use the buttons; hover a cell for its exact value. `stepper.step` is the step it shows.

# %%
from rnnviz.notebook_stepper import Stepper

stepper = Stepper(p, tr, step=2)
assert stepper.payload["T"] == T and stepper.step == 2
stepper
