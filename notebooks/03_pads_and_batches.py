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
# # 3. Pads and batches: sequences of different lengths
#
# A minibatch is one array (B, T, I), but the sequences in a training set have different lengths.
# The lesson text gives two ways out:
#
# 1. **Group by length** (bucketing): every minibatch holds sequences of one length, so nothing needs padding.
# 2. **Pad and mask**: append pad vectors to every shorter sequence, and make the RNN leave its state alone
#    at a pad, s^t = s^{t−1}. The state after the last real step then survives untouched to step T, as if
#    the pads were not there.
#
# In rnnviz a pad is marked by the sequence's length, not by the pad's value: `rv.forward(p, inputs, lengths)`
# treats every step at or past `lengths[b]` as a pad and never reads it. This notebook checks what that buys,
# bit for bit, and what goes wrong without the mask.

# %%
# From a checkout of the repository: make its rnnviz importable (not needed when rnnviz is installed).
import pathlib
import sys

_root = pathlib.Path.cwd().resolve().parent
if (_root / "rnnviz").is_dir() and str(_root) not in sys.path:
    sys.path.insert(0, str(_root))

import numpy as np

import rnnviz as rv
from rnnviz import batch_figures, batching, sequences

from rnnviz.figspec import show      # draws a figure builder's figure inline, themed as in the app

# %% [markdown]
# ## A batch of four sequences
#
# Lengths 7, 3, 5 and 1, with I = 2 random inputs per step, padded with zero vectors to T = 7.

# %%
p = rv.init_params(input_size=2, state_size=3, output_size=1, f_s="tanh", seed=0)
p = p.replace(b_s=np.array([0.3, -0.2, 0.1]))                       # a bias, so that a zero input still moves s
seqs = batching.random_batch([7, 3, 5, 1], I=2, seed=0)           # list of (T_b, I) arrays
inputs, lengths = batching.padded(seqs)                            # (B, T, I), (B,)
B, T, _ = inputs.shape
print("inputs", inputs.shape, " lengths", lengths)

assert (B, T) == (4, 7) and lengths.tolist() == [7, 3, 5, 1]
for b, L in enumerate(lengths):
    assert np.array_equal(inputs[b, :L], seqs[b]) and not inputs[b, L:].any()   # real steps, then zero pads

# %%
show(batch_figures.mask_figure(lengths, T))
show(batch_figures.padded_inputs_figure(inputs, lengths))

# %% [markdown]
# ## At a pad the state is copied
#
# With the mask, s^t = s^{t−1} exactly at every pad step, so the last real state reaches s^T unchanged.

# %%
tr = rv.forward(p, inputs, lengths)
for b, L in enumerate(lengths):
    for t in range(L + 1, T + 1):
        assert np.array_equal(tr.states[b, t], tr.states[b, t - 1])
    assert np.array_equal(tr.states[b, T], tr.states[b, L])

# %% [markdown]
# ## Pad invariance, bit for bit
#
# Three claims, each checked with `np.array_equal` (identical float64 numbers, not merely close):
#
# * appending more pads changes no state and no output;
# * what a pad vector holds does not matter (it is never read);
# * each sequence gives the same states and output inside the padded batch as it does alone, with no pads.

# %%
more, _ = batching.padded(seqs, extra_pads=5)                       # T = 12
tr_more = rv.forward(p, more, lengths)
assert np.array_equal(tr_more.states[:, : T + 1], tr.states) and np.array_equal(tr_more.output, tr.output)

garbage, _ = sequences.pad_sequences(seqs, pad_value=123.0)         # pads of 123s instead of 0s
assert np.array_equal(rv.forward(p, garbage, lengths).output, tr.output)

demo = batching.pad_demo(p, inputs, lengths)                        # masked, unmasked and alone runs
assert demo.alone_identical.all()                                   # batch == alone, bit for bit
assert np.all(demo.alone_states_diff == 0) and np.all(demo.alone_output_diff == 0)

# %% [markdown]
# Back-propagation respects the pads too: at a pad δ^t = 0, the gradient passes through unchanged
# (dL/ds^{t−1} = dL/ds^t), and the pad step's copy of W_s contributes exactly 0. So the batch's gradient is
# the sum of the sequences' gradients taken alone.

# %%
g = rv.backward(p, tr, np.ones((B, 1)))                              # L = sum of the outputs
for b, L in enumerate(lengths):
    assert not g.deltas[b, L:].any()
    for t in range(L + 1, T + 1):
        assert np.array_equal(g.d_states[b, t - 1], g.d_states[b, t])
assert np.all(demo.pad_delta == 0) and np.all(demo.pad_contrib == 0)

alone = [rv.backward(p, run, np.ones((1, 1))) for run in demo.alone]
summed = sum(a.W_s for a in alone)
assert rv.gradcheck.relative_error(summed, g.W_s) < 1e-12

# %% [markdown]
# ## Without the mask
#
# Run the same padded batch as if every sequence had T real steps: the zero pad vectors now go through
# f_s like ordinary inputs. A zero input is not "nothing": z^t = s^{t−1} W_ss + b_s still moves the state,
# so the states drift after the real end of each shorter sequence, and its output is wrong. Only the full-length
# sequence is unaffected.

# %%
print("max |masked − unmasked| in o, per sequence:", demo.unmasked_output_diff)
assert demo.unmasked_output_diff[0] == 0                            # length 7 = T: no pads
assert np.all(demo.unmasked_output_diff[1:] > 1e-3)                 # every padded sequence drifts
assert np.all(demo.unmasked_pad_contrib[1:] > 0)                    # and its pads leak into dL/dW_s

b = 1                                                               # the sequence of length 3
zmax = float(np.abs(np.concatenate([demo.masked.states[b], demo.unmasked.states[b]])).max())
show(batch_figures.masked_states_figure(demo.masked.states[b], int(lengths[b]), zmax=zmax,
                                        title="Sequence 1 (length 3) with the mask: copied at the pads"))
show(batch_figures.unmasked_states_figure(demo.unmasked.states[b], int(lengths[b]), zmax=zmax,
                                          title="The same sequence without the mask: the pads move the state"))

# %% [markdown]
# ## Group by length, or pad?
#
# Bucketing runs one batch per distinct length and computes only real steps, but needs as many batches as
# there are lengths; padding runs one batch of B × T cells, and the pad cells are stored and stepped
# through while carrying nothing. Both give the same outputs, bit for bit.

# %%
many = sequences.random_sequences(32, I=2, lengths=range(1, 11), seed=1)
costs = batching.strategy_costs(many)
print(costs)
x_pad, n_pad = batching.padded(many)
assert costs.padded_cells == x_pad.shape[0] * x_pad.shape[1]
assert costs.real_cells == n_pad.sum() and costs.pad_cells == costs.padded_cells - costs.real_cells
assert costs.n_buckets == len(sequences.bucket_by_length(many)) == len(np.unique(n_pad))

o_pad = rv.forward(p, x_pad, n_pad).output
diffs = batching.bucket_outputs_diff(p, many, o_pad)                 # {length: max |o_bucket - o_padded|}
assert all(d == 0.0 for d in diffs.values())
print(f"{costs.n_buckets} buckets, or one padded batch with {costs.pad_fraction:.0%} pads; outputs identical")

# %% [markdown]
# ## Typed sentences
#
# The same holds for text: one sequence per line, one character per step, one-hot over the characters used.

# %%
sb = batching.sentence_batch("the cat sat\na dog\nhi")
x_s, n_s = batching.padded(sb.seqs)
p_text = rv.init_params(input_size=sb.vocab.size, state_size=4, output_size=1, seed=0)
demo_s = batching.pad_demo(p_text, x_s, n_s)
assert demo_s.alone_identical.all()
show(batch_figures.mask_figure(n_s, x_s.shape[1], row_names=sb.sentences,
                               cell_text=batching.cell_labels(sb.sentences, x_s.shape[1]),
                               title="Sentences as a padded batch"))
