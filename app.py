"""rnnviz: start with `streamlit run app.py`.

This is the home page: the seed's RNN in equations and the states it computes for a default sequence.
The lessons are the files in pages/, which Streamlit lists in the sidebar in the order of their numbers.
Every page calls ui.page_setup() and ui.model_sidebar() first, so any page works as the first one opened.
"""
import numpy as np
import streamlit as st

import rnnviz as rv
from rnnviz import figures, ui

ui.page_setup()
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
inputs = np.random.default_rng(st.session_state["model_settings"].seed).uniform(-1, 1, (1, T, p.input_size))
tr = rv.forward(p, inputs)
left, right = st.columns(2)
with left:
    st.plotly_chart(figures.inputs_figure(inputs[0], title=f"A random sequence of T = {T} inputs"),
                    key="home_inputs", width="stretch")
with right:
    st.plotly_chart(figures.states_figure(tr.states[0], title="The states it produces, s<sup>0</sup> … s<sup>T</sup>"),
                    key="home_states", width="stretch")
st.markdown(f"Output after the last step: $o$ = `{np.array2string(tr.output[0], precision=6)}`. "
            "Every column of the state heatmap depends on all the inputs before it: that is the network's memory. "
            "Change the model in the sidebar and watch the states change.")

st.subheader("The lessons")
st.page_link("pages/1_Step_through_time.py", label="Step through time: watch every state being computed",
             icon=":material/play_circle:")
st.page_link("pages/2_Padding_and_batches.py", label="Padding and batches: why pads leave the state unchanged",
             icon=":material/view_week:")
st.page_link("pages/3_Back-propagation_through_time.py",
             label="Back-propagation through time: every step's copy of W_s, and why their gradients add up",
             icon=":material/undo:")
st.page_link("pages/4_Train_and_generalise.py", label="Train and generalise: sequences longer than any seen",
             icon=":material/model_training:")
st.caption("Teachers: each lesson opens with a guided setup as ?lesson=unrolled, pads, masking, bptt, vanishing, "
           "exploding or learned-s0; the sidebar's 'Share this view' gives a link to exactly what you see.")
