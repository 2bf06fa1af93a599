"""Lesson 1: step an unrolled RNN through a sequence and watch every state vector."""
import streamlit as st

import rnnviz as rv
from rnnviz import core, figures, latex, ui

p = ui.model_sidebar()
st.title("Step through time")
ui.intro("The RNN reads one input vector per step. Each step uses **the same** weights W_s to turn the previous "
            "state and the new input into the next state. Step through the sequence and watch the state fill in.")
seq = ui.sequence_controls(p.input_size)
if seq is None:
    st.stop()
p = ui.weight_editors(p)
tr = rv.forward(p, seq.inputs, seq.lengths)
if not ui.presenting():                                         # a class looks at the stepper only
    if seq.note:
        st.caption(f"Inputs: {seq.note}.")                      # its typed characters are quoted (ui.sequence)
    box = st.expander("All the input vectors iᵗ as one heatmap", key="step_inputs_open", on_change="rerun")
    if box.open:                                                # the stepper shows each input as it is read
        with box:
            ui.chart(figures.inputs_figure(seq.inputs[0], tr.mask[0]), key="step_inputs")


@ui.rerun_alone
def stepped_view():                                             # a pause reruns only this; steps rerun nothing
    ui.stepper("step_t", p, tr, labels=seq.labels)


stepped_view()
if ui.presenting():
    st.stop()
st.subheader("The output after the last step")
st.latex(r"o = f_o(s^T W_o + b_o) = \mathrm{" + p.f_o + "}(" + latex.row_vector(tr.output_pre[0]) + ") = "
         + latex.row_vector(tr.output[0]))
bad = tr.first_nonfinite_step()
if bad is not None:
    st.error(f"Overflow: the {bad[1]} became inf or NaN at step {bad[0]} (marked × in the heatmap). "
             "Lower the weight scale or choose a saturating f_s such as tanh.")
ui.export_panel(p, tr, step=ui.session.value("step_t"))
ui.show_source(core.forward, label="The code that computed every step (rnnviz.core.forward)")
