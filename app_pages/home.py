"""The home page: the RNN in equations and the states it computes for a random sequence; the lessons."""
import numpy as np
import streamlit as st

import rnnviz as rv
from rnnviz import figures, ui
from rnnviz.ui.sequence import new_sequence_controls

p = ui.model_sidebar()
st.title("How a recurrent neural network remembers")
st.markdown(
    "An RNN reads a sequence one vector at a time and keeps a **state** vector that summarises what it has "
    "read so far. Each step joins the previous state and the new input into one row vector, multiplies it "
    "by the same weight matrix, and squashes the result. After the last step, the state gives the output.")
st.latex(r"s^0 = \mathbf{0} \qquad s^t = f_s\big([s^{t-1}\; i^t]\, W_s + b_s\big), \; t = 1..T"
         r"\qquad o = f_o\big(s^T W_o + b_o\big)")
st.markdown(
    f"With the model in the sidebar: inputs $i^t$ have I = {p.input_size} numbers, the state $s^t$ has "
    f"H = {p.state_size}, the output $o$ has O = {p.output_size}. $W_s$ is ({p.state_size}+{p.input_size}) × "
    f"{p.state_size}: its first {p.state_size} rows multiply $s^{{t-1}}$, its last {p.input_size} rows multiply $i^t$.")

T = 8
inputs = np.random.default_rng(ui.session.value("sequence_seed")).uniform(-1, 1, (1, T, p.input_size))   # the input seed
tr = rv.forward(p, inputs)
left, right = st.columns(2)
with left:
    ui.chart(figures.inputs_figure(inputs[0], title=f"A random sequence of T = {T} inputs"),
                    key="home_inputs")
with right:
    ui.chart(figures.states_figure(tr.states[0], title="The states it produces, s<sup>0</sup> … s<sup>T</sup>"),
                    key="home_states")
with st.columns([1, 3])[0]:
    new_sequence_controls(key="home_new")                       # new inputs for the same weights
st.markdown(f"Output after the last step: $o$ = `{np.array2string(tr.output[0], precision=6)}`. "
            "Every column of the state heatmap depends on all the inputs before it: that is the network's memory. "
            "Change the model in the sidebar and watch the states change.")

st.subheader("The lessons")
for key, page in ui.PAGES.items():
    if key != ui.HOME:
        st.page_link(page.file, label=f"{page.title}: {page.blurb}", icon=page.icon)
st.caption("Teachers: each lesson opens with a guided setup as ?lesson=" + ", ".join(ui.LESSONS) + "; the "
           "sidebar's 'Share this view' gives a link to exactly what you see.")
