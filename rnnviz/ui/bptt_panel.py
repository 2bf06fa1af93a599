"""Controls and explanations of the BPTT lesson: what is differentiated, and one backward step's numbers."""
import numpy as np
import streamlit as st

from .. import activations, latex
from ..bptt import OBJECTIVES, Objective
from ..core import Grads, Trace
from ..params import Params
from . import session


def _target(text: str, O: int) -> tuple:
    """The MSE target from its text: O numbers separated by commas (empty: all zeros); ValueError saying what
    to type otherwise."""
    if not text.strip():
        return (0.0,) * O
    try:
        target = tuple(float(v) for v in text.replace(";", ",").split(","))
    except ValueError:
        raise ValueError(f"The target must be {O} numbers separated by commas, e.g. {', '.join(['0.5'] * O)}") from None
    if len(target) != O:
        raise ValueError(f"The target must be {O} numbers, one per output; got {len(target)}")
    if not np.isfinite(target).all():
        raise ValueError("The target must be finite numbers: replace nan or inf by a number")
    return target


def objective_controls(p: Params) -> Objective | None:
    """Choose what is differentiated; None (after saying what to change) when it does not fit the model."""
    O = p.output_size
    c1, c2 = st.columns([2, 3])
    with c1:
        kind = session.widget("bptt_objective")
    with c2:
        if kind == "output component":
            return Objective(kind, k=int(session.widget("bptt_k", lo=0, hi=O - 1)))
        if kind == "mean squared error":
            try:
                return Objective(kind, target=_target(session.widget("bptt_target"), O))
            except ValueError as err:
                st.warning(f"{err}.")
                return None
        label = session.widget("bptt_label", lo=0, hi=O - 1)
        if p.f_o != "softmax" or O < 2:
            st.warning("Cross-entropy compares probabilities with a label: choose f_o = softmax and O ≥ 2 in the sidebar.")
            return None
        return Objective(kind, label=int(label))


def backward_step(p: Params, tr: Trace, g: Grads, t: int, b: int = 0) -> None:
    """The equations of back-propagation at step t (1..T) with their numbers; t = T + 1 is the output."""
    T = tr.mask.shape[1]
    f_s = activations.get(p.f_s)
    if t == T + 1:
        st.markdown("**Start at the output.** The loss gives dL/do; through f_o and W_o it gives the gradient "
                    "of the last state, where back-propagation through time begins.")
        st.latex(rf"\frac{{dL}}{{ds^{{{T}}}}} = " + latex.row_vector(g.d_states[b, T]))
        return
    ds = g.d_states[b, t]
    if not tr.mask[b, t - 1]:
        st.markdown(f"**Step t = {t} is a pad.** It computed nothing, so it has no copy of W_s to differentiate: "
                    "δ is 0 and the gradient passes through unchanged.")
        st.latex(rf"\delta^{{{t}}} = 0 \qquad \frac{{dL}}{{ds^{{{t - 1}}}}} = \frac{{dL}}{{ds^{{{t}}}}} = "
                 + latex.row_vector(ds))
        return
    slope = f_s.backward(tr.z[b, t - 1], tr.states[b, t], np.ones_like(ds))       # f_s'(z^t)
    st.markdown(f"**Step t = {t}.** The gradient reaching s^{t} is multiplied by the slope of f_s at z^{t}, "
                f"giving δ^{t}; δ^{t} times the state rows of W_s (transposed) is the gradient handed to s^{t - 1}.")
    st.latex(rf"\frac{{dL}}{{ds^{{{t}}}}} = " + latex.row_vector(ds) + rf"\qquad f_s'(z^{{{t}}}) = "
             + latex.row_vector(slope))
    st.latex(rf"\delta^{{{t}}} = \frac{{dL}}{{ds^{{{t}}}}} \odot f_s'(z^{{{t}}}) = " + latex.row_vector(g.deltas[b, t - 1]))
    st.latex(rf"\frac{{dL}}{{ds^{{{t - 1}}}}} = \delta^{{{t}}}\, W_{{s,\,1..H}}^{{\top}} = "
             + latex.row_vector(g.d_states[b, t - 1]))
