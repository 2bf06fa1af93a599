"""AppTest of the "Back-propagation through time" page: the figures' numbers against the core and oracles."""
import numpy as np
import pytest

import rnnviz as rv
from rnnviz import bptt, dynamics, influence, presets
from apptest_util import make_it_overflow, open_page, set_model
from figdata import chart_spec, decode, stepper

PAGE = "bptt"


def page_sequence(at):
    """The sequence the page shows: the sidebar's preset, its length and pads (read from session state)."""
    p = at.session_state["params"]
    seq = presets.make_sequence("random vectors", p.input_size, at.session_state["sequence"]["T"],
                                seed=at.session_state["sequence"]["seed"])
    pads = at.session_state["sequence"]["pads"]
    x = np.concatenate([seq.inputs, np.zeros((pads, p.input_size))])[None]
    return x, np.array([seq.inputs.shape[0]])


def open_tab(at, label):
    at.session_state["bptt"]["tab"] = label               # what a click on the tab stores (only the open tab is drawn)
    return at.run()


def bars(at, key):
    return decode(chart_spec(at, key)["data"][0]["y"]).astype(float)


@pytest.fixture
def at():
    return open_page(PAGE)


def test_the_backward_stepper_is_sent_backwards_numbers(at):
    p = at.session_state["params"]
    x, lengths = page_sequence(at)
    tr = rv.forward(p, x, lengths)
    g = rv.backward(p, tr, bptt.Objective("output component", k=0)(tr.output)[1])
    data = stepper(at, "bptt_stepper")
    np.testing.assert_array_equal(data["deltas"], g.deltas[0])             # bit for bit: the browser draws these
    np.testing.assert_array_equal(data["d_states"], g.d_states[0])
    np.testing.assert_array_equal(data["contrib_norms"], g.step_norms("W_s"))
    assert data["kind"] == "backward" and data["step"] == 0 and data["show_all"] is False
    assert data["pads"] == (~tr.mask[0]).tolist()                         # default: the last 2 steps are pads
    at.session_state["bptt"]["n"] = 3                                     # what the browser reports on a pause
    at.run()
    assert stepper(at, "bptt_stepper")["step"] == 3 and dict(at.query_params)["n"] == "3"
    at.toggle(key="bptt_reveal").set_value(True).run()
    assert stepper(at, "bptt_stepper")["show_all"] is True
    assert not at.exception


def test_contributions_sum_to_the_total_and_the_finite_difference(at):
    p = at.session_state["params"]
    x, lengths = page_sequence(at)
    open_tab(at, "Contributions and the proof")
    for name, (row, col) in [("W_s00", (0, 0)), ("W_i12", (4, 2))]:
        at.selectbox(key="bptt_element").set_value(name).run()
        per_step = bars(at, "bptt_element_bars")
        tr = rv.forward(p, x, lengths)
        g = rv.backward(p, tr, np.eye(p.output_size)[[0]])
        fd = bptt.element_finite_difference(p, x, lengths, bptt.Objective("output component", k=0), "W_s", (row, col))
        assert rv.gradcheck.relative_error(per_step.sum(), g.W_s[row, col]) < 1e-12
        assert rv.gradcheck.relative_error(per_step.sum(), fd) < 1e-6
        assert (per_step[~tr.mask[0]] == 0).all()                       # pad steps have no copy
        totals = decode(chart_spec(at, "bptt_elements")["data"][1]["z"]).ravel()
        names = chart_spec(at, "bptt_elements")["data"][1]["y"]
        assert totals[names.index(name)] == g.W_s[row, col]


def test_mse_objective_and_truncation(at):
    at.selectbox(key="bptt_objective").set_value("mean squared error").run()
    at.text_input(key="bptt_target").set_value("0.7").run()
    assert not at.exception
    p = at.session_state["params"]
    x, lengths = page_sequence(at)
    tr = rv.forward(p, x, lengths)
    obj = bptt.Objective("mean squared error", target=(0.7,))
    g = rv.backward(p, tr, obj(tr.output)[1])
    open_tab(at, "Contributions and the proof")
    per_step = bars(at, "bptt_element_bars")
    assert rv.gradcheck.relative_error(per_step.sum(), g.W_s[0, 0]) < 1e-12
    open_tab(at, "Truncation and clipping")
    at.slider(key="bptt_trunc_k").set_value(2).run()
    colours = chart_spec(at, "bptt_trunc_bars")["data"][0]["marker"]["color"]
    L = lengths[0]
    kept = [c == "#1f77b4" for c in colours]
    assert kept == [L - 2 <= t < L for t in range(x.shape[1])]
    assert any(m.value == "2 of 6" for m in at.metric)


def test_cross_entropy_needs_softmax_then_works(at):
    at.selectbox(key="bptt_objective").set_value("cross-entropy").run()
    assert any("softmax" in w.value for w in at.warning)
    at = set_model(at, f_o="softmax", O=3)
    at.number_input(key="bptt_label").set_value(2).run()
    assert not at.exception and not at.warning
    assert at.session_state["params"].f_o == "softmax"


def test_rescaling_the_recurrent_block(at):
    open_tab(at, "Vanishing and exploding")
    at.toggle(key="bptt_rescale").set_value(True).run()
    at.slider(key="bptt_rho").set_value(2.5).run()
    assert not at.exception
    assert any("ρ = 2.5000" in m.value for m in at.markdown)
    assert dynamics.spectral_radius(at.session_state["params"]) != pytest.approx(2.5)   # the session's own model is untouched


def test_clipping_controls(at):
    open_tab(at, "Truncation and clipping")
    at.radio(key="bptt_clip_mode").set_value("global norm").run()
    at.number_input(key="bptt_clip_c").set_value(0.01).run()
    assert not at.exception
    assert any("scaled by" in c.value for c in at.caption)
    at.radio(key="bptt_clip_mode").set_value("element-wise").run()
    assert any("cut to ±c" in c.value for c in at.caption)


def test_overflow_is_a_message(at):
    at = make_it_overflow(at)
    assert not at.exception
    assert any("verflow" in e.value for e in at.error)


@pytest.mark.parametrize("typed, says", [("1, 2", "got 2"), ("nan", "finite"), ("abc", "separated by commas")])
def test_a_bad_target_says_what_to_fix(at, typed, says):
    at.selectbox(key="bptt_objective").set_value("mean squared error").run()
    at.text_input(key="bptt_target").set_value(typed).run()
    assert not at.exception
    assert any(says in w.value for w in at.warning)


def page_grads(at, objective=bptt.Objective("output component", k=0)):
    p = at.session_state["params"]
    x, lengths = page_sequence(at)
    tr = rv.forward(p, x, lengths)
    return p, x, lengths, tr, rv.backward(p, tr, objective(tr.output)[1])


def frame(at, column):
    """The table the page shows with this column (a st.dataframe without selection carries no key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_every_parameter_has_its_proof_and_b_s_its_bars(at):
    open_tab(at, "Contributions and the proof")
    at.selectbox(key="bptt_element").set_value("W_i11").run()
    p, x, lengths, tr, g = page_grads(at)
    np.testing.assert_array_equal(bars(at, "bptt_bias_bars"), g.step_element("b_s", 1))   # b_s1 per step
    proof = frame(at, "total from backward()")
    assert list(proof.index) == ["W_i11", "b_s1", "W_o10", "b_o0", "s01"]
    obj = bptt.Objective("output component", k=0)
    for name, (param, index) in [(n, rv.params.element_names(p)[n]) for n in proof.index]:
        fd = bptt.element_finite_difference(p, x, lengths, obj, param, index)
        assert proof.loc[name, "total from backward()"] == getattr(g, param)[index]
        assert rv.gradcheck.relative_error(proof.loc[name, "total from backward()"], fd) < 1e-6
        assert proof.loc[name, "central finite difference (ε = 1e-6)"] == fd
        copies = proof.loc[name, "sum of the per-step copies"]
        if param in ("W_s", "b_s"):
            assert rv.gradcheck.relative_error(copies, fd) < 1e-6
        else:
            assert np.isnan(copies)                                   # used once: no per-step copies
    assert any(r"\frac{dL}{ds0} = \frac{dL}{ds^0}" in l.value for l in at.latex)


def test_the_derivation_unfolds_one_step_per_click_until_backward(at):
    open_tab(at, "The derivation")
    at.selectbox(key="bptt_element").set_value("W_s01").run()
    p, x, lengths, tr, g = page_grads(at)
    T = x.shape[1]
    at.number_input(key="bptt_unfold").set_value(0).run()
    u = bptt.unfold_element(p, tr, g, 0, 1)
    for n in range(1, T + 1):
        at.number_input(key="bptt_unfold").increment().run()
        assert not at.exception
        terms = frame(at, "term = factor × δ")
        assert list(terms.index) == list(range(T, T - n, -1))          # one more step per click
        np.testing.assert_array_equal(terms["term = factor × δ"], u["term"][::-1][:n])
        np.testing.assert_array_equal(terms["not unfolded after this step"], u["rest"][1:n + 1])
        np.testing.assert_allclose(terms["term = factor × δ"].sum() + u["rest"][n], g.W_s[0, 1], rtol=1e-12)
    assert any(f"{g.W_s[0, 1]:.15g}" in s.value and "Fully unfolded" in s.value for s in at.success)


def test_how_far_back_the_network_looks_is_the_output_jacobian(at):
    open_tab(at, "Vanishing and exploding")
    p, x, lengths, tr, g = page_grads(at)
    shown = decode(chart_spec(at, "bptt_influence")["data"][0]["y"]).astype(float)
    n = influence.influence_norms(p, tr)
    real = n > 0
    np.testing.assert_array_equal(shown[real], n[real])
    assert np.isnan(shown[~real]).all() and (~real == ~tr.mask[0]).all()   # pads: 0, left out of the log axis
    eps, t = 1e-6, 2
    for j in range(p.input_size):                                      # one step's Jacobian by finite differences
        plus, minus = x.copy(), x.copy()
        plus[0, t, j] += eps
        minus[0, t, j] -= eps
        slope = (rv.forward(p, plus, lengths).output[0] - rv.forward(p, minus, lengths).output[0]) / (2 * eps)
        np.testing.assert_allclose(influence.input_jacobians(p, tr)[t, :, j], slope, rtol=1e-6, atol=1e-10)


def test_global_norm_clipping_keeps_the_direction(at):
    open_tab(at, "Truncation and clipping")
    at.radio(key="bptt_clip_mode").set_value("global norm").run()
    at.number_input(key="bptt_clip_c").set_value(0.01).run()
    cosine = next(m.value for m in at.metric if m.label == "after clipping vs full: cosine")
    assert cosine == "1.000000"
    assert any("direction is kept" in c.value for c in at.caption)
    at.radio(key="bptt_clip_mode").set_value("element-wise").run()
    p, x, lengths, tr, g = page_grads(at)
    full = bptt.grads_dict(g)
    shown = next(m.value for m in at.metric if m.label == "after clipping vs full: cosine")
    assert shown == f"{bptt.cosine(bptt.clip_elementwise(full, 0.01), full):.6f}" and shown != "1.000000"
    at.radio(key="bptt_clip_mode").set_value("no clipping").run()
    assert at.number_input(key="bptt_clip_c").disabled
