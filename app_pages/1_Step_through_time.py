"""Lesson 1: step an unrolled RNN through a sequence and watch every state vector."""
import streamlit as st

import rnnviz as rv
from rnnviz import core, diagrams, figures, latex, ui

p = ui.model_sidebar()
st.title("Step through time")
st.markdown("The RNN reads one input vector per step. Each step uses **the same** weights W_s to turn the previous "
            "state and the new input into the next state. Step through the sequence and watch the state fill in.")
seq = ui.sequence_controls(p.input_size)
if seq is None:
    st.stop()
p = ui.weight_editors(p)
tr = rv.forward(p, seq.inputs, seq.lengths)
T = seq.n_steps
pads = ~tr.mask[0]
zmax = figures.symmetric_range(tr.states[0])                    # one colour range for every step, so colours compare
if seq.note:
    st.caption(f"Inputs: {seq.note}.")                          # its typed characters are quoted (ui.sequence)
st.plotly_chart(figures.inputs_figure(seq.inputs[0], tr.mask[0]), key="step_inputs", width="stretch")
interval = ui.play_controls("step_t", 0, T)
reveal = ui.widget("step_reveal")


@st.fragment(run_every=interval)
def stepped_view():                                             # a step reruns only this: keep it cheap
    t = ui.stepper("step_t", 0, T)
    st.plotly_chart(figures.states_figure(tr.states[0], tr.mask[0], current=t, zmax=zmax, reveal=reveal), key="step_states",
                    width="stretch")
    ui.step_arithmetic(p, tr, t)
    st.graphviz_chart(diagrams.unrolled_dot(pads, current=t, labels=seq.labels), width="stretch")


stepped_view()
st.subheader("The output after the last step")
st.latex(r"o = f_o(s^T W_o + b_o) = \mathrm{" + p.f_o + "}(" + latex.row_vector(tr.output_pre[0]) + ") = "
         + latex.row_vector(tr.output[0]))
bad = tr.first_nonfinite_step()
if bad is not None:
    st.error(f"Overflow: the {bad[1]} became inf or NaN at step {bad[0]} (marked × in the heatmap). "
             "Lower the weight scale or choose a saturating f_s such as tanh.")
ui.export_panel(p, tr)
ui.show_source(core.forward, label="The code that computed every step (rnnviz.core.forward)")
