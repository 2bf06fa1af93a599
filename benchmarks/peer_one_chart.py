"""The peer for rnnviz's browser benchmarks: a plain Streamlit app with one plotly heatmap and one button.

    streamlit run benchmarks/peer_one_chart.py

benchmarks/bench_cold_load.py times a new browser context to this chart drawn, beside each rnnviz page;
benchmarks/bench_browser_latency.py times a click on "Next" to the number redrawn (a plain Streamlit
rerun), beside the stepper's key N. The heatmap is the size of the step page's states heatmap at the
default model (3 state units by 9 columns), built with go.Figure as a Streamlit user would.
"""
import numpy as np
import plotly.graph_objects as go
import streamlit as st

st.title("One chart")
z = np.random.default_rng(0).uniform(-1, 1, (3, 9))
fig = go.Figure(go.Heatmap(z=z, colorscale="RdBu", zmin=-1, zmax=1))
fig.update_layout(height=260, margin=dict(l=40, r=10, t=10, b=30))
st.plotly_chart(fig, key="peer_chart", width="stretch")
st.session_state.clicks = st.session_state.get("clicks", 0)
if st.button("Next", key="plain_next"):
    st.session_state.clicks += 1
with st.container(key="plain_out"):
    st.text(f"clicks {st.session_state.clicks}")
