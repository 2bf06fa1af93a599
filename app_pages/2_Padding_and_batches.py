"""Lesson 2: pad sequences of different lengths into one batch; the mask keeps every sequence exact."""
import numpy as np
import streamlit as st

from rnnviz import batch_figures, batching, core, figures, ui
from rnnviz.ui.settings import BY_NAME


def _num(x: float) -> str:
    """A number to full precision (repr of the float64)."""
    return repr(float(x))


def _exact(d: float, same: bool) -> str:
    return f"{_num(d)} (bit-for-bit identical)" if same else _num(d)


def _table(columns, rows) -> str:
    """A Markdown table of words and numbers this app makes (never user text: Markdown would render it). Lighter
    than st.dataframe: no data grid for the browser to load, no Arrow table to build."""
    def line(cells):
        return "| " + " | ".join(str(c).replace("|", r"\|") for c in cells) + " |"    # a bare | would end the cell
    return "\n".join([line(columns), "|---" * len(columns) + "|"] + [line(row) for row in rows])


def _next(tab: int, why: str) -> str:
    """The line that ends a tab: the next tab's title (from the settings table) and why to open it."""
    return f"Next, **{BY_NAME['padding_tab'].choices[tab]}**: {why}"


def _at_pads(values, has_pads) -> list:
    """Per sequence: its value at its pads, or "no pads"."""
    return [_num(d) if h else "no pads" for d, h in zip(values, has_pads)]


p = ui.model_sidebar()
st.title("Padding and batches")
ui.intro("A minibatch is one array of shape B × T × I, so every sequence in it must have the same number of steps "
         "T. Real sequences have different lengths. The lesson text's answer: **pad** each sequence with pad vectors "
         "(all zeros) up to T, and make the RNN **return its state unchanged at a pad** (sᵗ = sᵗ⁻¹). The state then "
         "stops moving after the sequence's own length, as if the pads were not there.")


@ui.rerun_alone
def lesson():                  # a control of the batch, a tab or a control in one reruns only this
    batch = ui.batch_controls(p)
    if batch is None:
        return
    p_page = batching.add_bias(p, batch.bias)                           # b_s + c, for this page only
    inputs, lengths = batching.padded(batch.seqs, batch.extra)          # zero pad vectors up to T
    B, T, I = inputs.shape
    demo = batching.pad_demo(p_page, inputs, lengths)                   # with and without the mask
    st.caption(f"This page runs the sidebar's model with b_s = the model's b_s {'−' if batch.bias < 0 else '+'} "
               f"{abs(batch.bias):.1f} "
               f"= `{np.array2string(p_page.b_s, precision=3, max_line_width=200)}`. "
               "The sidebar's model and the other pages keep their own b_s.")
    for name, tr in (("with the mask", demo.masked), ("without the mask", demo.unmasked)):
        bad = tr.first_nonfinite_step()
        if bad is not None:
            st.error(f"Overflow {name}: the {bad[1]} became inf or NaN at step {bad[0]} (× in the heatmaps). "
                     "Lower the weight scale or the bias, or choose a saturating f_s such as tanh.")

    seq_names = [f"seq {b}" for b in range(B)]                          # tables name sequences by number only
    has_pads = lengths < T
    batch_tab, states_tab, proof_tab, ways_tab = ui.tabs("padding_tab")  # only the open tab is computed

    # --- 1. The padded batch -------------------------------------------------------------------------------
    if batch_tab.open:
        with batch_tab:
            n_pads = int(B * T - lengths.sum())
            longest = f" (the longest, {int(lengths.max())}, plus {batch.extra} extra)" if batch.extra else " (the longest)"
            st.markdown(
                f"One batch of T = {T} steps. The {B} sequence{'s' if B > 1 else ''} ({batch.note}) have lengths "
                f"{', '.join(map(str, lengths))}. Each is padded with zero vectors to T = {T}{longest}: {n_pads} of the "
                f"{B * T} cells are pads. The **mask** records which steps are real; the core reads the lengths, never "
                "the pad values.")
            left, right = st.columns(2)
            cells = None if batch.texts is None else batching.cell_labels(batch.texts, T)
            ui.chart(batch_figures.mask_figure(lengths, T, row_names=batch.names, cell_text=cells,
                                               title="The mask: real steps (blue) and pads (grey)"),
                     key="pad_mask", where=left)
            ui.chart(batch_figures.padded_inputs_figure(inputs, lengths, title="The padded inputs i<sup>t</sup>"),
                     key="pad_inputs", where=right)
            st.caption(("A sequence of length 0 is all pads: its state stays s⁰ for the whole batch and its output is "
                        "f_o(s⁰ W_o + b_o). " if (lengths == 0).any() else "")
                       + _next(1, "what the pads do to each sequence's state."))

    # --- 2. States with and without the mask ---------------------------------------------------------------
    if states_tab.open:
        with states_tab:
            zmax = figures.symmetric_range(demo.masked.states, demo.unmasked.states)   # one colour scale for all
            st.markdown(
                "**Left**, the RNN as the lesson text defines it: after its length, each sequence's state is copied, so "
                "the shaded pad columns repeat the last real state exactly. **Right**, the same batch with no mask: every "
                "pad goes through f_s as an ordinary zero input, and the bias and the recurrent weights keep moving the "
                f"state (inside the red box). Colours: blue negative, white 0, red positive, on one scale from −{zmax:.3g} "
                f"to {zmax:.3g} in every panel, so they compare across sequences; hover a cell for its value.")
            st.latex(r"s^t = \begin{cases} f_s\big([s^{t-1}\; i^t]\, W_s + b_s\big) & \text{if } i^t \text{ is not a pad}"
                     r"\\ s^{t-1} & \text{otherwise (the mask)} \end{cases} \qquad "
                     r"\text{no mask, at a pad: } z^t = [s^{t-1}\; \mathbf{0}]\, W_s + b_s = s^{t-1} W_{ss} + b_s")
            panels = []
            for b in range(B):
                L = int(lengths[b])
                name = batch_figures.plain(batch.names[b] if batch.texts is None else f"seq {batch.names[b]}")
                flat = f"flat from step {L}" if L < T else "no pads"
                drift = (f"s<sup>T</sup> off by {demo.unmasked_state_diff[b]:.3g}, o by {demo.unmasked_output_diff[b]:.3g}"
                         if L < T else "no pads, same as with the mask")
                panels += [batch_figures.masked_states_figure(demo.masked.states[b], L, zmax=zmax, colour_bar=False,
                                                              title=f"{name} — length {L}, {flat}"),
                           batch_figures.unmasked_states_figure(demo.unmasked.states[b], L, zmax=zmax, colour_bar=False,
                                                                title=f"{name} — {drift}")]
            ui.chart(batch_figures.grid_figure(
                panels, columns=2, panel_height=min(max(100, 24 * p.state_size + 40), 560),   # 24 px a unit, capped
                title="The states s<sup>0</sup> … s<sup>T</sup> of every sequence",
                column_titles=("With the mask: s<sup>t</sup> = s<sup>t−1</sup> at a pad",
                               "Without the mask: pads fed through f<sub>s</sub> as zeros")), key="pad_states")
            st.markdown(
                "**How much the missing mask changes each sequence** (max |masked − unmasked| over the H units):\n\n"
                + _table(("sequence", "length", "pads", "final state sᵀ: max |difference|", "output o: max |difference|"),
                         zip(seq_names, lengths, T - lengths, map(_num, demo.unmasked_state_diff),
                             map(_num, demo.unmasked_output_diff)))
                + "\n\n" + _next(2, "with the mask, each sequence of the batch computes exactly what it computes alone."))

    # --- 3. The proof ------------------------------------------------------------------------------------------
    if proof_tab.open:
        with proof_tab:
            st.markdown(
                "**In the batch, each sequence computes what it computes alone.** Run each sequence **alone, without any "
                "pads** — `forward(p, x[b:b+1, :L_b], [L_b])` — and compare it with its row of the padded batch. The core "
                "multiplies one row at a time and never reads a pad, so the numbers are not merely close: they are the "
                "same float64 numbers, bit for bit.\n\n"
                + _table(("sequence", "length", "final state: max |batch − alone|", "output: max |batch − alone|",
                          "all states s⁰..sᴸ: max |batch − alone|"),
                         zip(seq_names, lengths, map(_exact, demo.alone_state_diff, demo.alone_identical),
                             map(_exact, demo.alone_output_diff, demo.alone_identical), map(_num, demo.alone_states_diff))))
            if demo.alone_identical.all():
                st.success(f"All {B} sequences: max |batch − alone| = 0.0 in every state and output — bit-for-bit "
                           "identical.")
            else:
                st.error("Some sequence differs from its run alone: this should never happen; please report it.")
            st.markdown(
                "**The gradient ignores the pads too.** Back-propagate L = the sum of the outputs (dL/do = 1). At a pad "
                "the state is a copy, so the pre-activation's gradient is exactly zero and so is that step's copy of the "
                "weight gradient; dL/ds passes back through the pad unchanged.")
            st.latex(r"\text{at a pad: } \delta^t = \frac{\partial L}{\partial z^t} = 0, \qquad "
                     r"\frac{\partial L}{\partial W_s^t} = [s^{t-1}\; i^t]^{\mathsf T} \delta^t = 0")
            st.markdown(
                _table(("sequence", "pad steps", "with the mask: max |δᵗ| at its pads",
                        "with the mask: max |∂L/∂W_sᵗ| at its pads", "without the mask: max |∂L/∂W_sᵗ| there"),
                       zip(seq_names, T - lengths, _at_pads(demo.pad_delta, has_pads), _at_pads(demo.pad_contrib, has_pads),
                           _at_pads(demo.unmasked_pad_contrib, has_pads)))
                + ("\n\nNo sequence has pads yet: shorten one, or add extra pad steps." if not has_pads.any() else "")
                + "\n\n" + _next(3, "padding is one of the lesson text's two ways."))

    # --- 4. Two strategies -------------------------------------------------------------------------------------
    if ways_tab.open:
        with ways_tab:
            costs = batching.strategy_costs(batch.seqs, T)
            diffs = batching.bucket_outputs_diff(p_page, batch.seqs, demo.masked.output)
            groups = "s" if costs.n_buckets > 1 else ""
            st.markdown(
                "The lesson text first **groups sequences by length**, so no minibatch needs pads, and then pads **with "
                "a mask** so that any sequences can share one batch. Both give the same outputs; they differ in the work "
                "done.\n\n"
                + _table(("work", "group by length (rv.sequences.bucket_by_length)",
                          "pad and mask (rv.sequences.pad_fraction)"),
                         [("batches = forward calls", costs.n_buckets, 1),
                          ("cells computed", f"{costs.real_cells} (all real steps)",
                           f"{costs.padded_cells} (B × T = {B} × {T})"),
                          ("pad cells (computed, then thrown away)", 0, f"{costs.pad_cells} ({costs.pad_fraction:.0%})")])
                + "\n\n"
                + _table(("length group", "sequences in it", "outputs: max |group batch − padded batch|"),
                         [(L, ", ".join(seq_names[b] for b in np.flatnonzero(lengths == L)), _num(diffs[L]))
                          for L in costs.bucket_lengths])
                + f"\n\n{costs.n_buckets} length group{groups} → {costs.n_buckets} small forward call{groups} with no "
                  f"waste, against one call in which {costs.pad_fraction:.0%} of the cells are pads. Many distinct lengths "
                  "favour padding (grouping would make many tiny batches); a few long and many short sequences favour "
                  "grouping (padding would waste most cells).")

    ui.padding_export(p_page, inputs, lengths, demo.masked, demo.unmasked)


lesson()
ui.show_source(core.forward, batching.PadDemo, label="The code that computed this (rnnviz.core.forward, "
                                                     "rnnviz.batching.PadDemo)")
