"""The current step's arithmetic with its live numbers: [s^{t-1} i^t], W_s, b_s, z^t and s^t = f_s(z^t)."""
import numpy as np
import pandas as pd
import streamlit as st

from .. import latex
from ..core import Trace
from ..params import Params

MAX_LATEX = 8          # beyond this many rows or columns a matrix is shown as a table instead


def step_arithmetic(p: Params, tr: Trace, t: int, b: int = 0) -> None:
    """Explain step t (0..T) of sequence b: the lesson text's equation with the numbers it computes."""
    H = p.state_size
    s_prev, s_t = tr.states[b, max(t - 1, 0)], tr.states[b, t]
    if t == 0:
        st.markdown("**Step t = 0**: nothing has been read yet. The state starts as the initial state "
                    + ("s⁰ = 0." if not np.any(p.s0) else "s⁰ = s0, a learned vector."))
        st.latex(r"s^0 = " + latex.row_vector(s_t))
        return
    if not tr.mask[b, t - 1]:
        st.markdown(f"**Step t = {t} is a pad.** Nothing is computed: the RNN returns its state unchanged, "
                    "so the state keeps summarising only the real inputs.")
        st.latex(rf"s^{{{t}}} = s^{{{t - 1}}} = " + latex.row_vector(s_t))
        return
    x = np.concatenate([s_prev, tr.inputs[b, t - 1]])
    st.markdown(f"**Step t = {t}.** Join the previous state (blue) and the input (orange) into one row vector, "
                "multiply by W_s — its blue rows meet the state, its orange rows the input — and add b_s:")
    lines = [rf"[s^{{{t - 1}}}\; i^{{{t}}}] &= " + latex.row_vector(x, split=H)]
    if max(p.W_s.shape) <= MAX_LATEX:
        lines.append(r"W_s &= " + latex.matrix(p.W_s, split=H) + r"\qquad b_s = " + latex.row_vector(p.b_s))
    lines.append(rf"z^{{{t}}} = [s^{{{t - 1}}}\; i^{{{t}}}]\,W_s + b_s &= " + latex.row_vector(tr.z[b, t - 1]))
    lines.append(rf"s^{{{t}}} = \mathrm{{{p.f_s}}}(z^{{{t}}}) &= " + latex.row_vector(s_t))
    st.latex(r"\begin{aligned}" + r" \\[6pt] ".join(lines) + r"\end{aligned}")   # one element: a step stays cheap
    if max(p.W_s.shape) > MAX_LATEX:
        st.caption(f"W_s is {p.W_s.shape[0]} × {p.W_s.shape[1]}: too large to typeset here; see the weight tables.")
    if len(x) > 12:
        st.caption("Long vectors show their first and last entries (⋯ stands for the rest); every entry is "
                   "in the table below.")
    tables = st.expander("These numbers to full precision", key="step_full_open", on_change="rerun")
    if not tables.open:                                    # built only when opened: a step stays cheap
        return
    with tables:
        full = pd.DataFrame({"[s^{t-1} i^t]": x}).T, pd.DataFrame({"z^t": tr.z[b, t - 1], "s^t": s_t}).T
        for frame in full:
            st.dataframe(frame, width="stretch",
                         column_config={c: st.column_config.NumberColumn(format="%.17g") for c in frame.columns})
