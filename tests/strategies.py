"""Hypothesis strategies shared by the core's property tests."""
import hypothesis.strategies as st

import rnnviz as rv


@st.composite
def network_specs(draw):
    """Keyword arguments for the ``case`` factory: B 1..4, T 0..7, I 1..3, H 1..4, O 1..3, lengths in [0, T]."""
    B, T = draw(st.integers(1, 4)), draw(st.integers(0, 7))
    return dict(B=B, T=T, I=draw(st.integers(1, 3)), H=draw(st.integers(1, 4)), O=draw(st.integers(1, 3)),
                f_s=draw(st.sampled_from(rv.STATE_ACTIVATIONS)), f_o=draw(st.sampled_from(rv.OUTPUT_ACTIVATIONS)),
                lengths=draw(st.lists(st.integers(0, T), min_size=B, max_size=B)),
                seed=draw(st.integers(0, 2**16)))
