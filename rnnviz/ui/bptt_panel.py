"""Controls and explanations of the BPTT lesson: what is differentiated, and the product-rule derivation of
one weight's gradient with its numbers."""
import numpy as np
import pandas as pd
import streamlit as st

from .. import latex
from ..bptt import Objective, unfold_element
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
            return Objective(kind, k=int(session.widget("bptt_k", lo=0, hi=O - 1, disabled=O == 1,
                                                        help="o has one component (O = 1): k = 0" if O == 1 else None)))
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


def derivation(p: Params, tr: Trace, g: Grads, objective: Objective, name: str, row: int, col: int, n: int) -> None:
    """dL/dw for w = W_s[row, col] (named `name`: W_s·· state rows, W_i·· input rows) unfolded n levels by the
    product rule, as the lesson text does it: each level expands s^{t-1} into the step before and leaves one
    per-step term x^t_row δ^t_col; the part not unfolded yet is carried along. After T levels it is 0 and the
    terms add up to backward()'s total."""
    T = tr.z.shape[1]
    u = unfold_element(p, tr, g, row, col)
    total = g.W_s[row, col]
    n = min(max(int(n), 0), T)
    factor = (rf"s_{{{row}}}^{{t-1}}" if row < p.state_size else rf"i_{{{row - p.state_size}}}^{{t}}")
    w = rf"W_{{s{row}{col}}}" if row < p.state_size else rf"W_{{i{row - p.state_size}{col}}}"
    L = objective.symbol()
    st.latex(rf"\frac{{d{L}}}{{d{w}}} = \sum_{{t=1}}^{{T}} \frac{{d{L}}}{{d{w}^{{t}}}} = \sum_t {factor}\, \delta_{{{col}}}^{{t}}"
             r"\qquad\text{each step's copy: the factor it multiplies, times } \delta^t = dL/dz^t")
    steps = list(range(T, T - n, -1))                                  # unfolded from the output back
    shown = steps[:6] + (["…"] if n > 7 else []) + (steps[-1:] if n > 6 else [])
    parts = [rf"\underbrace{{{latex.number(u['term'][t - 1], 6)}}}_{{t={t}}}" if t != "…" else r"\cdots" for t in shown]
    rest = rf"\underbrace{{{latex.number(u['rest'][n], 6)}}}_{{\text{{not unfolded yet}}}}"
    st.latex(rf"\frac{{d{L}}}{{d{w}}} = " + " + ".join(parts + [rest]) if n < T else
             rf"\frac{{d{L}}}{{d{w}}} = " + " + ".join(parts) + rf" = {latex.number(u['term'].sum(), 10)}")
    if n:
        frame = pd.DataFrame({"factor": [u["x"][:, t - 1].sum() for t in steps],
                              "δ": [u["delta"][:, t - 1].sum() for t in steps],
                              "term = factor × δ": [u["term"][t - 1] for t in steps],
                              "not unfolded after this step": [u["rest"][k + 1] for k in range(n)]},
                             index=pd.Index(steps, name="t"))
        st.dataframe(frame, width="stretch", column_config={
            c: st.column_config.NumberColumn(format="%.10g") for c in frame.columns})
    if n < T:
        st.caption(f"Unfolded {n} of {T} steps: press + to expand the state s^{T - n} by the product rule into the "
                   "step before. The part not unfolded yet is dL/ds · ds/dw at that state, computed forward.")
    else:
        st.success(f"Fully unfolded: the {T} per-step terms add up to {u['term'].sum():.15g}; backward() gives "
                   f"{total:.15g} — the gradient of {name} is the sum of its copies' gradients.")
