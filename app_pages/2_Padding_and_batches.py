"""Lesson 2: pad sequences of different lengths into one batch; the mask keeps every sequence exact."""
import numpy as np
import pandas as pd
import streamlit as st

from rnnviz import batch_figures, batching, core, figures, ui

p = ui.model_sidebar()
st.title("Padding and batches")
st.markdown(
    "A minibatch is one array of shape B × T × I, so every sequence in it must have the same number of steps T. "
    "Real sequences have different lengths. The lesson text's answer: **pad** each sequence with pad vectors (all zeros) "
    "up to T, and make the RNN **return its state unchanged at a pad**. The state then stops moving after the "
    "sequence's own length, as if the pads were not there.")
st.latex(r"s^t = \begin{cases} f_s\big([s^{t-1}\; i^t]\, W_s + b_s\big) & \text{if } i^t \text{ is not a pad}\\"
         r" s^{t-1} & \text{otherwise} \end{cases}")

batch = ui.batch_controls(p)
if batch is None:
    st.stop()
p_page = batching.add_bias(p, batch.bias)                           # b_s + c, for this page only
inputs, lengths = batching.padded(batch.seqs, batch.extra)          # zero pad vectors up to T
B, T, I = inputs.shape
demo = batching.pad_demo(p_page, inputs, lengths)
st.caption(f"This page runs the sidebar's model with b_s = the model's b_s {'−' if batch.bias < 0 else '+'} "
           f"{abs(batch.bias):.1f} "
           f"= `{np.array2string(p_page.b_s, precision=3, max_line_width=200)}`. "
           "The sidebar's model and the other pages keep their own b_s.")
for name, tr in (("with the mask", demo.masked), ("without the mask", demo.unmasked)):
    bad = tr.first_nonfinite_step()
    if bad is not None:
        st.error(f"Overflow {name}: the {bad[1]} became inf or NaN at step {bad[0]} (× in the heatmaps). "
                 "Lower the weight scale or the bias, or choose a saturating f_s such as tanh.")

# --- 1. The padded batch -------------------------------------------------------------------------------
st.header(f"1 · One batch, T = {T} steps")
n_pads = int(B * T - lengths.sum())
st.markdown(
    f"The {B} sequence{'s' if B > 1 else ''} ({batch.note}) have lengths {', '.join(map(str, lengths))}. "
    f"Each is padded with zero vectors to T = {T}" + (f" (the longest, {int(lengths.max())}, plus {batch.extra} extra)"
                                                      if batch.extra else " (the longest)")
    + f": {n_pads} of the {B * T} cells are pads. The **mask** records which steps are real; the core reads "
      "the lengths, never the pad values.")
left, right = st.columns(2)
with left:
    cells = None if batch.texts is None else batching.cell_labels(batch.texts, T)
    ui.chart(batch_figures.mask_figure(lengths, T, row_names=batch.names, cell_text=cells,
                                              title="The mask: real steps (blue) and pads (grey)"),
                    key="pad_mask")
with right:
    ui.chart(batch_figures.padded_inputs_figure(inputs, lengths, title="The padded inputs i<sup>t</sup>"),
                    key="pad_inputs")
if (lengths == 0).any():
    st.caption("A sequence of length 0 is all pads: its state stays s⁰ for the whole batch and its output is "
               "f_o(s⁰ W_o + b_o).")

# --- 2. States with and without the mask ---------------------------------------------------------------
st.header("2 · The states, with the mask and without it")
st.markdown(
    "**Left**, the RNN as the lesson text defines it: after its length, each sequence's state is copied, so the shaded pad columns repeat "
    "the last real state exactly. **Right**, the same batch with no mask: every pad goes through f_s as an "
    "ordinary zero input, and the bias and the recurrent weights keep moving the state (inside the red box):")
st.latex(r"z^t = [s^{t-1}\; \mathbf{0}]\, W_s + b_s = s^{t-1} W_{ss} + b_s")
zmax = figures.symmetric_range(demo.masked.states, demo.unmasked.states)   # one colour scale for every chart
height = max(190, 90 + 24 * p.state_size)
st.caption(f"Colours: blue negative, white 0, red positive, on one scale from −{zmax:.3g} to {zmax:.3g} in every "
           "chart below, so colours compare across sequences; hover a cell for its value.")
col_l, col_r = st.columns(2)                                   # charts of equal height: the rows line up
col_l.markdown("##### With the mask: s<sup>t</sup> = s<sup>t−1</sup> at a pad", unsafe_allow_html=True)
col_r.markdown("##### Without the mask: pads fed through f<sub>s</sub> as zeros", unsafe_allow_html=True)
for b in range(B):
    L = int(lengths[b])
    name = batch_figures.plain(batch.names[b] if batch.texts is None else f"seq {batch.names[b]}")
    flat = f"flat from step {L}" if L < T else "no pads"
    ui.chart(batch_figures.masked_states_figure(demo.masked.states[b], L, zmax=zmax, height=height,
                                                          colour_bar=False, title=f"{name} — length {L}, {flat}"),
                       key=f"pad_states_masked_{b}", where=col_l)
    drift = (f"s<sup>T</sup> off by {demo.unmasked_state_diff[b]:.3g}, o by {demo.unmasked_output_diff[b]:.3g}"
             if L < T else "no pads, same as with the mask")
    ui.chart(batch_figures.unmasked_states_figure(demo.unmasked.states[b], L, zmax=zmax, height=height,
                                                            colour_bar=False, title=f"{name} — {drift}"),
                       key=f"pad_states_unmasked_{b}", where=col_r)

def _num(x: float) -> str:
    """A difference to full precision (repr of the float64)."""
    return repr(float(x))


st.markdown("**How much the missing mask changes each sequence** (max |masked − unmasked| over the H units):")
st.dataframe(pd.DataFrame({
    "sequence": batch.names, "length": lengths, "pads": T - lengths,
    "final state sᵀ: max |difference|": [_num(d) for d in demo.unmasked_state_diff],
    "output o: max |difference|": [_num(d) for d in demo.unmasked_output_diff],
}), hide_index=True, width="stretch")

# --- 3. The proof ------------------------------------------------------------------------------------------
st.header("3 · The proof: in the batch, each sequence computes what it computes alone")
st.markdown(
    "Run each sequence **alone, without any pads** — `forward(p, x[b:b+1, :L_b], [L_b])` — and compare it with "
    "its row of the padded batch. The core multiplies one row at a time and never reads a pad, so the numbers "
    "are not merely close: they are the same float64 numbers, bit for bit.")


def _exact(d: float, same: bool) -> str:
    return f"{_num(d)} (bit-for-bit identical)" if same else _num(d)


st.dataframe(pd.DataFrame({
    "sequence": batch.names, "length": lengths,
    "final state: max |batch − alone|": [_exact(d, s) for d, s in zip(demo.alone_state_diff, demo.alone_identical)],
    "output: max |batch − alone|": [_exact(d, s) for d, s in zip(demo.alone_output_diff, demo.alone_identical)],
    "all states s^0..s^L: max |batch − alone|": [_num(d) for d in demo.alone_states_diff],
}), hide_index=True, width="stretch")
if demo.alone_identical.all():
    st.success(f"All {B} sequences: max |batch − alone| = 0.0 in every state and output — bit-for-bit identical.")
else:
    st.error("Some sequence differs from its run alone: this should never happen; please report it.")

st.markdown(
    "**The gradient ignores the pads too.** Back-propagate L = the sum of the outputs (dL/do = 1). At a pad the "
    "state is a copy, so the pre-activation's gradient is exactly zero and so is that step's copy of the weight "
    "gradient; dL/ds passes back through the pad unchanged.")
st.latex(r"\text{at a pad: } \delta^t = \frac{\partial L}{\partial z^t} = 0, \qquad "
         r"\frac{\partial L}{\partial W_s^t} = [s^{t-1}\; i^t]^{\mathsf T} \delta^t = 0")
has_pads = lengths < T
st.dataframe(pd.DataFrame({
    "sequence": batch.names, "pad steps": T - lengths,
    "with the mask: max |δᵗ| at its pads": [_num(d) if h else "no pads" for d, h in zip(demo.pad_delta, has_pads)],
    "with the mask: max |∂L/∂W_sᵗ| at its pads": [_num(d) if h else "no pads"
                                                  for d, h in zip(demo.pad_contrib, has_pads)],
    "without the mask: max |∂L/∂W_sᵗ| there": [_num(d) if h else "no pads"
                                                for d, h in zip(demo.unmasked_pad_contrib, has_pads)],
}), hide_index=True, width="stretch")
if not has_pads.any():
    st.caption("No sequence has pads yet: shorten one, or add extra pad steps.")

# --- 4. Two strategies -------------------------------------------------------------------------------------
st.header("4 · Two ways to make minibatches")
costs = batching.strategy_costs(batch.seqs, T)
st.markdown(
    "The lesson text first **groups sequences by length**, so no minibatch needs pads, and then pads **with a mask** so "
    "that any sequences can share one batch. Both give the same outputs; they differ in the work done.")
st.dataframe(pd.DataFrame({
    "work": ["batches = forward calls", "cells computed", "pad cells (computed, then thrown away)"],
    "group by length (rv.sequences.bucket_by_length)": [str(costs.n_buckets), f"{costs.real_cells} (all real steps)",
                                                        "0"],
    "pad and mask (rv.sequences.pad_fraction)": ["1", f"{costs.padded_cells} (B × T = {B} × {T})",
                                                 f"{costs.pad_cells} ({costs.pad_fraction:.0%})"],
}), hide_index=True, width="stretch")
diffs = batching.bucket_outputs_diff(p_page, batch.seqs, demo.masked.output)
st.dataframe(pd.DataFrame({
    "length group": list(costs.bucket_lengths), "sequences in it": [
        ", ".join(batch.names[b] for b in np.flatnonzero(lengths == L)) for L in costs.bucket_lengths],
    "outputs: max |group batch − padded batch|": [_num(diffs[L]) for L in costs.bucket_lengths],
}), hide_index=True, width="stretch")
st.caption(f"{costs.n_buckets} length group{'s' if costs.n_buckets > 1 else ''} → {costs.n_buckets} small forward "
           f"call{'s' if costs.n_buckets > 1 else ''} with no waste, against one call in which "
           f"{costs.pad_fraction:.0%} of the cells are pads. Many distinct lengths favour padding (grouping would "
           "make many tiny batches); a few long and many short sequences favour grouping (padding would waste most "
           "cells).")

ui.padding_export(p_page, inputs, lengths, demo.masked, demo.unmasked)
ui.show_source(core.forward, batching.pad_demo, label="The code that computed this (rnnviz.core.forward, "
                                                      "rnnviz.batching.pad_demo)")
