"""Lesson 3: back-propagation through time — every step's copy's contribution, and the proof they add up."""
import numpy as np
import pandas as pd
import streamlit as st

import rnnviz as rv
from rnnviz import bptt, core, dynamics, influence, latex, ui
from rnnviz import bptt_figures as bf
from rnnviz.params import element_names
from rnnviz.ui.bptt_panel import derivation

p = ui.model_sidebar()
st.title("Back-propagation through time")
ui.intro("Unroll the RNN and give every step its **own copy** $W_s^t$ of the weights. Now it is a feed-forward "
            "net: back-propagate as usual, get each copy's gradient, and **add them up**. The sum is exactly the "
            "gradient of the shared W_s — the chain rule adds the paths through every step. This page shows each "
            "copy's share, and checks the sum against a finite difference.")
seq = ui.sequence_controls(p.input_size)
if seq is None:
    st.stop()
p = ui.weight_editors(p)
with st.expander("What is differentiated, and ρ") if ui.presenting() else st.container():   # a class: folded
    c1, c2 = st.columns([3, 2])
    with c1:
        objective = ui.objective_controls(p)
    with c2:
        rho_now = dynamics.spectral_radius(p)
        if ui.widget("bptt_rescale", disabled=rho_now <= 0):
            rho = ui.widget("bptt_rho")
            p = dynamics.scale_to_spectral_radius(p, rho) if rho_now > 0 else p
        st.caption(f"The model's own ρ = {rho_now:.4g}" if rho_now > 0 else
                   "The state rows of W_s have ρ = 0: there is nothing to rescale.")
if objective is None:
    st.stop()
tr = rv.forward(p, seq.inputs, seq.lengths)
bad = tr.first_nonfinite_step()
if bad is not None:
    st.error(f"Overflow: the {bad[1]} became inf or NaN at step {bad[0]}, so there is no gradient to show. "
             "Lower the weight scale or ρ, or choose f_s = tanh.")
    st.stop()
L, d_output = objective(tr.output)
g = rv.backward(p, tr, d_output)
T, H, pads = seq.n_steps, p.state_size, ~tr.mask[0]
if not ui.presenting():
    st.markdown(f"Differentiating ${objective.symbol()}$ = {L:.10g}.")
if not all(np.isfinite(v).all() for v in bptt.grads_dict(g).values()):
    st.error("The gradient overflowed (inf or NaN): lower ρ or the weight scale to see it.")
    st.stop()

def agreement(total: float, fd: float) -> str:
    """The relative error of backward() against the finite difference, or why there is none to speak of."""
    if max(abs(total), abs(fd)) < FD_RESOLUTION:
        return f"both below {FD_RESOLUTION:g}: under the finite difference's resolution"
    return f"{rv.gradcheck.relative_error(total, fd):.2e}"


FD_RESOLUTION = 1e-9          # about what a central difference with eps = 1e-6 resolves in float64


def step_section():
    """The backward stepper: δ filling in from the output, one step per press."""
    if not ui.presenting():
        st.caption("Step backward from the output (buttons, or the keys N and B; Play runs it): each step "
                   "shows the gradient arriving at sᵗ, the slope of f_s, δᵗ and what is handed back to sᵗ⁻¹, "
                   "with their numbers. Hover a cell of δ for its exact value.")

    @ui.rerun_alone
    def backward_view():                                       # a pause reruns only this
        ui.stepper("bptt_n", p, tr, g, seq.labels)             # n = 0 is the output; then t = T, T-1, ..., 1

    backward_view()


def contributions_section():
    """Each step's copy's contribution to W_s and b_s, and the proof table."""
    names = {name: idx for name, (param, idx) in element_names(p).items() if param == "W_s"}
    t_sel = ui.widget("bptt_contrib_t", lo=1, hi=max(T, 1))
    if T:
        C = np.einsum("bi,bh->ih", g.xs[:, t_sel - 1], g.deltas[:, t_sel - 1])   # [s^{t-1} i^t]^T delta^t
        ui.chart(bf.contribution_matrix_figure(C, H, t_sel), key="bptt_contrib_matrix")
    name = ui.widget("bptt_element", choices=tuple(names))
    row, col = names[name]
    per_step = g.step_element("W_s", row, col)
    c1, c2 = st.columns(2)
    ui.chart(bf.step_bars_figure(per_step, pads, title=f"{bf.html_name(name)}: dL/d{bf.html_name(name)}"
                                        "<sup>t</sup>, one bar per step's copy", y_title="contribution"),
                    key="bptt_element_bars", where=c1)
    ui.chart(bf.step_bars_figure(g.step_element("b_s", col), pads,
                                        title=f"b<sub>s{col}</sub>: dL/db<sub>s{col}</sub><sup>t</sup> = "
                                              f"δ<sub>{col}</sub><sup>t</sup>, one bar per step's copy",
                                        y_title="contribution"), key="bptt_bias_bars", where=c2)
    st.markdown(f"**The proof, for an element of every parameter** (those feeding state unit {col}, the column "
                f"of {name}):")
    k_out = objective.k if objective.kind == "output component" else 0
    rows = bptt.proof_elements(p, name, (row, col), k_out)
    proof = pd.DataFrame([{
        "element": label,
        "sum of the per-step copies": (g.step_element(param, *index).sum() if param in ("W_s", "b_s") else None),
        "total from backward()": getattr(g, param)[index],
        "central finite difference (ε = 1e-6)": (fd := bptt.element_finite_difference(
            p, seq.inputs, seq.lengths, objective, param, index)),
        "backward() vs finite difference": agreement(getattr(g, param)[index], fd)}
        for label, param, index in rows]).set_index("element")
    st.dataframe(proof, width="stretch", key="bptt_proof", column_config={
        **{c: st.column_config.NumberColumn(format="%.12g") for c in proof.columns[:3]},
        "backward() vs finite difference": st.column_config.TextColumn(
            help="relative error; a gradient below 1e-9 is under what a finite difference with ε = 1e-6 "
                 "resolves (its rounding error), so its relative error says nothing")})
    st.caption("Why they agree: the copies W_s¹ … W_sᵀ are separate weights of a feed-forward net, and W_s "
               "feeds every one of them. Nudging W_s nudges all copies at once, so dL/dW_s is the sum of the "
               "copies' gradients — the chain rule adding one path per step; the same holds for b_s. W_o, b_o "
               "and s0 are used once, so they have no per-step copies. Pad steps have no copy: their bars are 0.")
    st.latex(r"\frac{dL}{ds0} = \frac{dL}{ds^0} = " + latex.row_vector(g.s0))
    st.caption("The gradient of the initial state: what back-propagation hands to step 0. "
               + ("This model learns s0, so training follows it." if np.any(p.s0) else
                  "Here s⁰ = 0 is fixed and the gradient goes unused; choose a learned s⁰ in the sidebar to "
                  "train it."))
    first = ui.widget("bptt_first", lo=1, hi=T - 49) if T > 50 else 1    # 50 steps at a time
    if T:
        shown = list(names.items())[:48] if len(names) > 48 else list(names.items())
        steps = np.arange(first, min(first + 49, T) + 1)
        values = np.array([g.step_element("W_s", r, c)[steps - 1] for _, (r, c) in shown])
        totals = np.array([g.W_s[r, c] for _, (r, c) in shown])
        ui.chart(bf.element_steps_figure(values, [n for n, _ in shown], steps, totals), key="bptt_elements")
        if len(names) > 48:
            st.caption(f"The first 48 of {len(names)} weights; pick any single weight above.")
    ui.chart(bf.lines_figure(np.arange(1, T + 1), {"‖dL/dW<sub>s</sub><sup>t</sup>‖ (Frobenius)":
                                                          g.step_norms("W_s"),
                                                          "‖dL/db<sub>s</sub><sup>t</sup>‖": g.step_norms("b_s")},
                                    "Size of each step's copy's gradient", "norm"), key="bptt_step_norms")


def derivation_section():
    """The product rule unfolded, with this model's numbers."""
    st.markdown("The lesson first differentiates a non-recurrent output weight, then a weight of W_s, where the "
                "product rule unfolds through every step. With this model's numbers:")
    if p.f_o != "softmax" and objective.kind == "output component":
        k = objective.k
        d = bptt.output_weight_derivation(p, tr, 0, k)
        factors = [latex.number(v, 6) for v in (d["slope"], d["state"])]
        st.latex(rf"\frac{{do_{{{k}}}}}{{dW_{{o0{k}}}}} = f_o'(\ldots)\, s_0^{{{T}}} = {factors[0]} \times "
                 + (f"({factors[1]})" if factors[1].startswith("-") else factors[1])
                 + f" = {latex.number(d['product'], 8)}")
        st.caption(f"backward() gives dL/dW_o0{k} = {g.W_o[0, k]:.10g}.")
    else:
        st.caption("The one-line derivative of an output weight holds for an element-wise f_o differentiated through "
                   "one output component; choose that objective and a non-softmax f_o to see it.")
    names = {name: idx for name, (param, idx) in element_names(p).items() if param == "W_s"}
    c1, c2 = st.columns(2)
    with c1:
        name = ui.widget("bptt_element", choices=tuple(names))
    with c2:
        n = ui.widget("bptt_unfold", lo=0, hi=T)
    row, col = names[name]
    derivation(p, tr, g, objective, name, row, col, n)


def vanishing_section():
    """How much gradient reaches each step back: norms, singular values, saturation."""
    products = dynamics.jacobian_products(p, tr, 0)                 # ds^T/ds^t, t = 0..T
    sv = dynamics.product_singular_values(products)
    t_axis = np.arange(T + 1)
    st.markdown(f"Spectral radius of the state rows of W_s: **ρ = {dynamics.spectral_radius(p):.4f}**. "
                "Each step back multiplies the gradient by f_s'(zᵗ) ⊙ W_s's state rows; over many steps it shrinks "
                "(vanishes) when ρ and the slopes are small, and can grow (explode) when ρ > 1.")
    c1, c2 = st.columns(2)
    ui.chart(bf.lines_figure(t_axis, {"‖dL/ds<sup>t</sup>‖": dynamics.gradient_norms_over_time(g)},
                                    "How much gradient reaches each state: ‖dL/ds<sup>t</sup>‖", "norm"),
                    key="bptt_grad_norms", where=c1)
    ui.chart(bf.lines_figure(t_axis, {f"σ<sub>{j}</sub>": sv[:, j] for j in range(min(H, 6))},
                                    "Singular values σ<sub>j</sub> of ds<sup>T</sup>/ds<sup>t</sup>",
                                    "singular value"), key="bptt_singular", where=c2)
    c1, c2 = st.columns(2)
    ui.chart(bf.lines_figure(np.arange(1, T + 1), {"‖do/di<sup>t</sup>‖": influence.influence_norms(p, tr)},
                                    "How far back the network looks: ‖do/di<sup>t</sup>‖", "norm"),
                    key="bptt_influence", where=c1)
    ui.chart(bf.lines_figure(np.arange(1, T + 1), {"saturated share": dynamics.saturation(tr)},
                                    "Share of saturated state units (slope near 0)", "share", log_y=False,
                                    y_range=(0, 1)),
                    key="bptt_saturation", where=c2)
    st.caption("‖do/diᵗ‖ is the size of the Jacobian of the output o with respect to the input iᵗ, exact from "
               "back-propagation (do_k/diᵗ = δᵗ W_iᵀ for each output component k, W_i the input rows of W_s): how "
               "much step t's input still moves the output. Pads are never read: 0 there (left out of the log "
               "axis).")


def truncation_section():
    """Truncated BPTT and gradient clipping against the full gradient."""
    longest = int(tr.lengths.max())
    k = ui.widget("bptt_trunc_k", lo=0, hi=max(longest, 1))
    full = bptt.grads_dict(g)
    cut = bptt.truncated(g, tr, k)
    keep = bptt.truncation_mask(tr, k)[0]
    c1, c2 = st.columns(2)
    ui.chart(bf.step_bars_figure(g.step_norms("W_s"), pads, kept=keep,
                                        title="‖dL/dW<sub>s</sub><sup>t</sup>‖ per step: blue kept, grey dropped",
                                        y_title="norm"), key="bptt_trunc_bars", where=c1)
    ui.chart(bf.lines_figure(np.arange(T + 1), {"‖dL/ds<sup>t</sup>‖": dynamics.gradient_norms_over_time(g)},
                                    "How much gradient reaches each state: ‖dL/ds<sup>t</sup>‖", "norm"),
                    key="bptt_trunc_state_norms", where=c2)
    mode = ui.widget("bptt_clip_mode", horizontal=True)
    c = ui.widget("bptt_clip_c", format="%.4g", disabled=mode == "no clipping",
                  help="no clipping: c does nothing" if mode == "no clipping" else None)
    clipped, note = cut, ""
    if mode == "element-wise":
        clipped = bptt.clip_elementwise(cut, c)
        n_cut = sum(int((np.abs(v) > c).sum()) for v in cut.values())
        note = (f"{n_cut} elements were larger than c and were cut to ±c. Each element is cut on its own, so the "
                "direction can change: the cosine with the full gradient drops below 1 when elements are cut.")
    elif mode == "global norm":
        clipped, scale = bptt.clip_global_norm(cut, c)
        note = (f"The global norm {bptt.global_norm(cut):.4g} was "
                f"{'scaled by ' + format(scale, '.4g') if scale < 1 else 'already ≤ c'}. Global-norm clipping "
                "multiplies every element by one number: the length is capped at c and the direction is kept "
                f"(cosine {bptt.cosine(clipped, cut):.6f} with the gradient before clipping), even when the "
                "distance from it is large.")
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("steps kept", f"{int(keep.sum())} of {int(tr.lengths[0])}")
    m2.metric("truncated vs full gradient", f"{bptt.relative_distance(cut, full):.3e}", help="‖truncated − full‖ / ‖full‖")
    m3.metric("after clipping vs full: distance", f"{bptt.relative_distance(clipped, full):.3e}",
              help="‖clipped − full‖ / ‖full‖")
    m4.metric("after clipping vs full: cosine", f"{bptt.cosine(clipped, full):.6f}",
              help="cos of the angle between the clipped and the full gradient: 1 = the same direction")
    if note:
        st.caption(note)


@ui.rerun_alone
def sections():                          # a tab, or a control of the open tab, reruns only this
    for tab, section in zip(ui.tabs("bptt_tab"), (step_section, contributions_section, derivation_section,
                                                  vanishing_section, truncation_section)):
        if tab.open:                     # only the open tab is computed
            with tab:
                section()


sections()

ui.export_panel(p, tr, g, objective)
ui.show_source(core.backward, label="The code that computed every δ and contribution (rnnviz.core.backward)")
