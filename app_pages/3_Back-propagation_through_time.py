"""Lesson 3: back-propagation through time — every step's copy's contribution, and the proof they add up."""
import numpy as np
import pandas as pd
import streamlit as st

import rnnviz as rv
from rnnviz import bptt, core, dynamics, ui
from rnnviz import bptt_figures as bf
from rnnviz.params import element_names

p = ui.model_sidebar()
st.title("Back-propagation through time")
st.markdown("Unroll the RNN and give every step its **own copy** W_s^t of the weights. Now it is a feed-forward "
            "net: back-propagate as usual, get each copy's gradient, and **add them up**. The sum is exactly the "
            "gradient of the shared W_s — the chain rule adds the paths through every step. This page shows each "
            "copy's share, and checks the sum against a finite difference.")
seq = ui.sequence_controls(p.input_size)
if seq is None:
    st.stop()
p = ui.weight_editors(p)
c1, c2 = st.columns([3, 2])
with c1:
    objective = ui.objective_controls(p)
with c2:
    rho_now = dynamics.spectral_radius(p)
    if ui.widget("bptt_rescale", label=f"rescale the recurrent block (the model's own ρ = {rho_now:.3f})"):
        rho = ui.widget("bptt_rho")
        p = dynamics.scale_to_spectral_radius(p, rho) if rho_now > 0 else p
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
st.markdown(f"Differentiating ${objective.symbol()}$ = {L:.10g}.")
if not all(np.isfinite(v).all() for v in bptt.grads_dict(g).values()):
    st.error("The gradient overflowed (inf or NaN): lower ρ or the weight scale to see it.")
    st.stop()

step_tab, contrib_tab, derivation_tab, vanish_tab, trunc_tab = ui.tabs("bptt_tab")   # only the open tab is computed

if step_tab.open:
    with step_tab:
        interval = ui.play_controls("bptt_n", 0, T)
        reveal = ui.widget("bptt_reveal")

        @st.fragment(run_every=interval)
        def backward_view():
            n = ui.stepper("bptt_n", 0, T)
            t = T + 1 - n                                              # n = 0 is the output; then t = T, T-1, ..., 1
            st.plotly_chart(bf.deltas_figure(g.deltas[0], pads, current=t if n else T + 1, reveal=reveal), key="bptt_deltas",
                            width="stretch")
            ui.backward_step(p, tr, g, t)

        backward_view()

if contrib_tab.open:
    with contrib_tab:
        names = {name: idx for name, (param, idx) in element_names(p).items() if param == "W_s"}
        t_sel = ui.widget("bptt_contrib_t", lo=1, hi=max(T, 1))
        if T:
            C = np.einsum("bi,bh->ih", g.xs[:, t_sel - 1], g.deltas[:, t_sel - 1])   # [s^{t-1} i^t]^T delta^t
            st.plotly_chart(bf.contribution_matrix_figure(C, H, t_sel), key="bptt_contrib_matrix", width="stretch")
        name = ui.widget("bptt_element", choices=tuple(names))
        row, col = names[name]
        per_step = g.step_element("W_s", row, col)
        st.plotly_chart(bf.step_bars_figure(per_step, pads, title=f"dL/d{name}<sup>t</sup>: one bar per step's copy",
                                            y_title="contribution"), key="bptt_element_bars", width="stretch")
        fd = bptt.element_finite_difference(p, seq.inputs, seq.lengths, objective, "W_s", (row, col))
        total = g.W_s[row, col]
        proof = pd.DataFrame({"value": [per_step.sum(), total, fd],
                              "relative error vs finite difference": [rv.gradcheck.relative_error(per_step.sum(), fd),
                                                                      rv.gradcheck.relative_error(total, fd), 0.0]},
                             index=["sum of the per-step contributions", "total from backward()",
                                    "central finite difference (ε = 1e-6)"])
        st.dataframe(proof, width="stretch", key="bptt_proof", column_config={
            "value": st.column_config.NumberColumn(format="%.15g"),
            "relative error vs finite difference": st.column_config.NumberColumn(format="%.2e")})
        st.caption("Why they agree: the copies W_s^1 … W_s^T are separate weights of a feed-forward net, and W_s "
                   "feeds every one of them. Nudging W_s nudges all copies at once, so dL/dW_s is the sum of the copies' "
                   "gradients — the chain rule adding one path per step. Pad steps have no copy: their bars are 0.")
        window = st.slider("steps shown", 1, max(T, 1), (max(1, T - 49), max(T, 1)), key=f"bptt_window_{T}") if T > 50 else (1, T)
        if T:
            shown = list(names.items())[:48] if len(names) > 48 else list(names.items())
            steps = np.arange(window[0], window[1] + 1)
            values = np.array([g.step_element("W_s", r, c)[steps - 1] for _, (r, c) in shown])
            totals = np.array([g.W_s[r, c] for _, (r, c) in shown])
            st.plotly_chart(bf.element_steps_figure(values, [n for n, _ in shown], steps, totals), key="bptt_elements",
                            width="stretch")
            if len(names) > 48:
                st.caption(f"The first 48 of {len(names)} weights; pick any single weight above.")
        st.plotly_chart(bf.lines_figure(np.arange(1, T + 1), {"‖dL/dW_s^t‖ (Frobenius)": g.step_norms("W_s")},
                                        "Size of each step's copy's gradient", "norm"), key="bptt_step_norms",
                        width="stretch")

if derivation_tab.open:
    with derivation_tab:
        st.markdown("The lesson first differentiates a non-recurrent output weight, then W_s00, where the product rule "
                    "unfolds through every step. With this model's numbers:")
        if p.f_o != "softmax" and objective.kind == "output component":
            k = objective.k
            d = bptt.output_weight_derivation(p, tr, 0, k)
            st.latex(rf"\frac{{do_{{{k}}}}}{{dW_{{o0{k}}}}} = f_o'(\ldots)\, s_0^{{{T}}} = {d['slope']:.6g} \times "
                     rf"{d['state']:.6g} = {d['product']:.10g}")
            st.caption(f"backward() gives dL/dW_o0{k} = {g.W_o[0, k]:.10g}.")
        else:
            st.caption("The one-line derivative of an output weight holds for an element-wise f_o differentiated through one "
                       "output component; choose that objective and a non-softmax f_o to see it.")
        terms = bptt.product_rule_terms(g, 0, 0)
        st.latex(r"\frac{dL}{dW_{s00}} = \sum_{t=1}^{T} \frac{dL}{dW_{s00}^{t}} = \sum_t s_0^{t-1}\, \delta_0^{t}")
        table = pd.DataFrame({"s_0^{t-1}": terms["x"], "δ_0^t": terms["delta"], "term s_0^{t-1} δ_0^t": terms["term"],
                              "pad": pads}, index=pd.Index(np.arange(1, T + 1), name="t"))
        st.dataframe(table, width="stretch", key="bptt_terms",
                     column_config={c: st.column_config.NumberColumn(format="%.10g") for c in table.columns[:3]})
        st.markdown(f"Sum of the terms: **{terms['term'].sum():.15g}**; backward() total: **{g.W_s[0, 0]:.15g}**. "
                    "Each term is what the product rule produces when it unfolds the state into the step before, and "
                    "it is exactly the gradient of that step's copy of W_s00.")

if vanish_tab.open:
    with vanish_tab:
        products = dynamics.jacobian_products(p, tr, 0)                 # ds^T/ds^t, t = 0..T
        sv = dynamics.product_singular_values(products)
        t_axis = np.arange(T + 1)
        st.markdown(f"Spectral radius of the state rows of W_s: **ρ = {dynamics.spectral_radius(p):.4f}**. "
                    "Each step multiplies the gradient by f_s'(z^t) ⊙ W_s's state rows; over many steps it shrinks "
                    "(vanishes) when ρ and the slopes are small, and can grow (explode) when ρ > 1.")
        c1, c2 = st.columns(2)
        c1.plotly_chart(bf.lines_figure(t_axis, {"‖dL/ds^t‖": dynamics.gradient_norms_over_time(g)},
                                        "How much gradient reaches each state: ‖dL/ds<sup>t</sup>‖", "norm"), key="bptt_grad_norms", width="stretch")
        c2.plotly_chart(bf.lines_figure(t_axis, {f"σ_{j}(ds^T/ds^t)": sv[:, j] for j in range(min(H, 6))},
                                        "Singular values of ds<sup>T</sup>/ds<sup>t</sup>", "singular value"), key="bptt_singular", width="stretch")
        st.plotly_chart(bf.lines_figure(np.arange(1, T + 1), {"saturated share": dynamics.saturation(tr)},
                                        "Share of saturated state units (slope near 0)", "share", log_y=False,
                                        y_range=(0, 1)),
                        key="bptt_saturation", width="stretch")

if trunc_tab.open:
    with trunc_tab:
        longest = int(tr.lengths.max())
        k = ui.widget("bptt_trunc_k", lo=0, hi=max(longest, 1))
        full = bptt.grads_dict(g)
        cut = bptt.truncated(g, tr, k)
        keep = bptt.truncation_mask(tr, k)[0]
        st.plotly_chart(bf.step_bars_figure(g.step_norms("W_s"), pads, kept=keep,
                                            title="‖dL/dW_s^t‖ per step: blue kept, grey dropped", y_title="norm"),
                        key="bptt_trunc_bars", width="stretch")
        mode = ui.widget("bptt_clip_mode", horizontal=True)
        c = ui.widget("bptt_clip_c", format="%.4g", disabled=mode == "no clipping",
                      help="no clipping: c does nothing" if mode == "no clipping" else None)
        clipped, note = cut, ""
        if mode == "element-wise":
            clipped = bptt.clip_elementwise(cut, c)
            n_cut = sum(int((np.abs(v) > c).sum()) for v in cut.values())
            note = f"{n_cut} elements were larger than c and were cut to ±c."
        elif mode == "global norm":
            clipped, scale = bptt.clip_global_norm(cut, c)
            note = f"The global norm {bptt.global_norm(cut):.4g} was {'scaled by ' + format(scale, '.4g') if scale < 1 else 'already ≤ c'}."
        m1, m2, m3 = st.columns(3)
        m1.metric("steps kept", f"{int(keep.sum())} of {int(tr.lengths[0])}")
        m2.metric("truncated vs full gradient", f"{bptt.relative_distance(cut, full):.3e}", help="‖truncated − full‖ / ‖full‖")
        m3.metric("after clipping vs full", f"{bptt.relative_distance(clipped, full):.3e}", help="‖clipped − full‖ / ‖full‖")
        if note:
            st.caption(note)

ui.export_panel(p, tr, g, objective)
ui.show_source(core.backward, label="The code that computed every δ and contribution (rnnviz.core.backward)")
