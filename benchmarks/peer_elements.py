"""A plain Streamlit app for benchmarks/bench_streamlit_floor.py: one number input ("x"), then N elements of
one kind (env KIND: markdown, number_input or container; N), optionally inside a fragment (FRAGMENT=1), whose
own number input ("fx") then reruns only the fragment. No rnnviz here: what Streamlit itself costs per run.

    KIND=number_input N=20 streamlit run benchmarks/peer_elements.py
"""
import os

import streamlit as st

KIND, N, FRAGMENT = os.environ.get("KIND", "markdown"), int(os.environ.get("N", "0")), os.environ.get("FRAGMENT") == "1"


def elements():
    for i in range(N):
        if KIND == "markdown":
            st.markdown(f"line {i}")
        elif KIND == "number_input":
            st.number_input(f"n{i}", key=f"n{i}", value=i)
        else:
            st.container(key=f"c{i}")


st.number_input("x", key="x", value=0)
if FRAGMENT:
    @st.fragment
    def part():
        st.number_input("fx", key="fx", value=0)
        elements()
    part()
else:
    elements()
