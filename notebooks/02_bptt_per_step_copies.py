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
# # 2. Back-propagation through time: one copy of the weights per step
#
# Unrolled over T steps, an RNN is a feed-forward net of T layers with one restriction: every layer uses
# the **same** W_s and b_s. Differentiating through that shared weight directly needs the product rule again
# and again, one level per step, because every state depends on W_s both directly and through the state
# before it.
#
# The way out (the lesson text's trick, called back-propagation through time): pretend each step t has its
# own copy W_s^t, all holding the same numbers. Then the unrolled net is an ordinary feed-forward net,
# back-propagation gives one gradient per copy, and the gradient of the shared weight is their sum —
# exactly, not as an approximation. With δ^t = dL/dz^t:
#
# $$\frac{dL}{dW_s^t} = [s^{t-1}\ i^t]^\top \delta^t, \qquad
#   \frac{dL}{db_s^t} = \delta^t, \qquad
#   \frac{dL}{dW_s} = \sum_{t=1}^{T} \frac{dL}{dW_s^t}$$
#
# This notebook checks that claim three independent ways: against `rv.backward`, against finite
# differences, and against a feed-forward net built with truly separate copies (`rnnviz.gradcheck`).

# %%
# From a checkout of the repository: make its rnnviz importable (not needed when rnnviz is installed).
import pathlib
import sys

_root = pathlib.Path.cwd().resolve().parent
if (_root / "rnnviz").is_dir() and str(_root) not in sys.path:
    sys.path.insert(0, str(_root))

import numpy as np

import rnnviz as rv
from rnnviz import bptt, bptt_figures, dynamics, gradcheck, losses
from rnnviz.params import element_names

from rnnviz.figspec import show      # draws a figure builder's figure inline, themed as in the app

# %% [markdown]
# ## The lesson text's example: three steps, one output
#
# I = 2, H = 3, O = 1, f_s = tanh, a sequence of T = 3 steps. The quantity differentiated is the output
# itself, L = o_0 (`losses.output_component`), as in the lesson text's do_0/dW.

# %%
I, H, O, T = 2, 3, 1, 3
p = rv.init_params(I, H, O, f_s="tanh", f_o="identity", seed=0).replace(b_s=np.array([0.1, -0.2, 0.05]))
x = np.random.default_rng(1).uniform(-1, 1, size=(1, T, I))

tr = rv.forward(p, x)
L, d_output = losses.output_component(tr.output, 0)          # L = o_0, dL/do = [1]
g = rv.backward(p, tr, d_output)
print("o_0 =", L)

# %% [markdown]
# **An output weight first.** W_o00 is used once, so no copies are needed: with f_o = identity,
# do_0/dW_o00 = s_0^3, the first unit of the last state.

# %%
assert np.isclose(g.W_o[0, 0], tr.states[0, T, 0], rtol=0, atol=1e-15)

# %% [markdown]
# **A recurrent weight.** W_s00 (state unit 0 → state unit 0) is used at all three steps. Its gradient
# is the sum of three per-step terms, one for each copy W_s00^1, W_s00^2, W_s00^3. Each term is the
# entry [s^{t-1} i^t]_0 · δ^t_0 of that step's outer product. The first copy's term is 0 here: W_s00^1
# multiplies s_0^0, and s^0 = 0.

# %%
per_step = g.step_element("W_s", 0, 0)                        # dL/dW_s00^t, t = 1..3
fd = bptt.element_finite_difference(p, x, None, lambda o: losses.output_component(o, 0), "W_s", (0, 0))
print("per step:", per_step, " sum:", per_step.sum(), " backward():", g.W_s[0, 0], " finite difference:", fd)

assert abs(per_step.sum() - g.W_s[0, 0]) < 1e-15
assert abs(fd - g.W_s[0, 0]) / abs(g.W_s[0, 0]) < 1e-6
for t in range(1, T + 1):
    assert per_step[t - 1] == g.xs[0, t - 1, 0] * g.deltas[0, t - 1, 0]     # [s^{t-1} i^t]_0 * delta^t_0
assert per_step[0] == 0.0                                                    # s^0 = 0

# %%
show(bptt_figures.step_bars_figure(per_step, pads=np.zeros(T, bool),
                                   title="W<sub>s00</sub>: dL/dW<sub>s00</sub><sup>t</sup>, one bar per step's copy",
                                   y_title="contribution"))

# %% [markdown]
# ## A longer sequence, a loss, and every weight
#
# Now T = 8 steps, a batch of B = 2 sequences and a mean-squared-error loss against a target.
# δ^t fills from the last step backwards; each step's copy then gets the rank-one matrix
# [s^{t-1} i^t]^⊤ δ^t (summed over the batch).

# %%
T, B = 8, 2
x = np.random.default_rng(2).uniform(-1, 1, size=(B, T, I))
target = np.array([[0.5], [-0.25]])


def mse(o):
    return losses.mse(o, target)


tr = rv.forward(p, x)
L, d_output = mse(tr.output)
g = rv.backward(p, tr, d_output)
C = g.steps("W_s")                                              # (T, H+I, H): dL/dW_s^t, t = 1..T
print("L =", L, " per-step copies:", C.shape)

assert C.shape == (T, H + I, H)
for t in range(1, T + 1):
    outer = sum(np.outer(g.xs[b, t - 1], g.deltas[b, t - 1]) for b in range(B))   # [s^{t-1} i^t]^T delta^t
    assert np.abs(C[t - 1] - outer).max() < 1e-15
assert gradcheck.relative_error(C.sum(axis=0), g.W_s) < 1e-12          # sum of the copies = dL/dW_s
assert gradcheck.relative_error(g.steps("b_s").sum(axis=0), g.b_s) < 1e-12

# %%
show(bptt_figures.deltas_figure(g.deltas[0], pads=np.zeros(T, bool)))
show(bptt_figures.contribution_matrix_figure(C[T - 1], H, T))

# %% [markdown]
# Every element of W_s, step by step, with the total beside: each row of the left panel adds up to the
# right panel's cell. The upper H rows are the state weights W_s·· , the lower I rows the input weights W_i··.

# %%
names = {name: idx for name, (param, idx) in element_names(p).items() if param == "W_s"}
values = np.array([g.step_element("W_s", r, c) for r, c in names.values()])
totals = np.array([g.W_s[r, c] for r, c in names.values()])
assert gradcheck.relative_error(values.sum(axis=1), totals) < 1e-12
show(bptt_figures.element_steps_figure(values, list(names), np.arange(1, T + 1), totals))

# %% [markdown]
# ## The proof, two independent ways
#
# **Untied copies.** `gradcheck.untied_copies` builds the feed-forward net with a separate array
# W_s^t for every layer, runs it forward and back-propagates through it layer by layer, one sequence at a
# time. It shares no code with `rv.forward`/`rv.backward`. Its per-copy gradients are the per-step
# contributions above, and their sum is backward()'s dL/dW_s.

# %%
u = gradcheck.untied_copies(p, x, None, d_output)
assert np.abs(u.states - tr.states).max() < 1e-12                     # same network, same states
for t in range(T):
    assert gradcheck.relative_error(u.W_s[t], C[t]) < 1e-12             # copy t's gradient
    assert gradcheck.relative_error(u.b_s[t], g.steps("b_s")[t]) < 1e-12
assert gradcheck.relative_error(u.W_s.sum(axis=0), g.W_s) < 1e-12
for name in ("W_o", "b_o", "s0"):                                       # used once: no copies
    assert gradcheck.relative_error(getattr(u, name), getattr(g, name)) < 1e-12

# %% [markdown]
# **Finite differences.** Nudge every weight by ±ε, rerun the forward pass, and take the slope
# (L(w+ε) − L(w−ε)) / 2ε. This knows nothing of copies or back-propagation, and it agrees to a relative
# error far below 10⁻⁶ for every parameter.

# %%
fd = gradcheck.finite_differences(p, x, None, mse)
rel = {name: gradcheck.relative_error(fd[name], getattr(g, name)) for name in fd}
print({name: f"{e:.1e}" for name, e in rel.items()})
assert max(rel.values()) < 1e-6

# %% [markdown]
# **PyTorch, if installed.** The same network written in torch, differentiated by autograd through the
# shared weight itself (no copies), agrees too. Skipped when torch is not installed.

# %%
try:
    import torch
except ImportError:
    torch = None
    print("PyTorch is not installed: skipping this check")

if torch is not None:
    W_s = torch.tensor(p.W_s, requires_grad=True)
    b_s = torch.tensor(p.b_s, requires_grad=True)
    W_o, b_o = torch.tensor(p.W_o, requires_grad=True), torch.tensor(p.b_o, requires_grad=True)
    s = torch.tensor(np.tile(p.s0, (B, 1)))
    for t in range(T):
        s = torch.tanh(torch.cat([s, torch.tensor(x[:, t])], dim=1) @ W_s + b_s)
    o = s @ W_o + b_o
    ((o - torch.tensor(target)) ** 2).mean().backward()
    for name, w in (("W_s", W_s), ("b_s", b_s), ("W_o", W_o), ("b_o", b_o)):
        assert gradcheck.relative_error(w.grad.numpy(), getattr(g, name)) < 1e-12, name
    print("PyTorch autograd agrees with backward()")

# %% [markdown]
# ## Why early steps get little gradient (or far too much)
#
# dL/ds^t is dL/ds^T multiplied by one Jacobian per step between t and T. With f_s = identity each
# Jacobian is W_ss^⊤, so the gradient reaching step t scales roughly like ρ^{T−t}, with ρ the spectral
# radius of W_ss = W_s[:H]: it vanishes for ρ < 1 and explodes for ρ > 1. The copies of early steps then
# contribute almost nothing (or almost everything) to the sum.

# %%
T = 20
x = np.random.default_rng(3).uniform(-1, 1, size=(1, T, I))
linear = p.replace(f_s="identity", b_s=np.zeros(H))
reach = {}
for rho in (0.5, 1.0, 1.5):
    q = dynamics.scale_to_spectral_radius(linear, rho)
    assert abs(dynamics.spectral_radius(q) - rho) < 1e-12
    gq = rv.backward(q, rv.forward(q, x), np.ones((1, O)))
    reach[f"ρ = {rho}"] = dynamics.gradient_norms_over_time(gq)        # ||dL/ds^t||, t = 0..T

shrink = {k: v[0] / v[-1] for k, v in reach.items()}                    # ||dL/ds^0|| / ||dL/ds^T||
print({k: f"{v:.2e}" for k, v in shrink.items()})
assert shrink["ρ = 0.5"] < 1e-4 and shrink["ρ = 1.5"] > 1e2
assert np.all(np.diff(reach["ρ = 0.5"]) > 0)         # for ρ = 0.5 it shrinks at every step back in time
show(bptt_figures.lines_figure(np.arange(T + 1), reach, "How much gradient reaches each state: ‖dL/ds<sup>t</sup>‖",
                               "norm"))
