"""AppTest of the "Back-propagation through time" page: the figures' numbers against the core and oracles."""
import numpy as np
import pytest

import rnnviz as rv
from rnnviz import bptt, dynamics, presets
from apptest_util import make_it_overflow, open_page, reveal, set_model
from figdata import chart_spec, decode, heatmap_z, outlined_step

PAGE = "bptt"


def page_sequence(at):
    """The sequence the page shows: the sidebar's preset, its length and pads (read from session state)."""
    p = at.session_state["params"]
    seq = presets.make_sequence("random vectors", p.input_size, at.session_state["sequence"]["T"],
                                seed=at.session_state["model"]["seed"])
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


def test_deltas_fill_from_the_right_and_equal_backward(at):
    assert np.isnan(heatmap_z(chart_spec(at, "bptt_deltas"))).all()      # at the output no δ is computed yet
    reveal(at, "bptt_reveal")
    p = at.session_state["params"]
    x, lengths = page_sequence(at)
    tr = rv.forward(p, x, lengths)
    g = rv.backward(p, tr, bptt.Objective("output component", k=0)(tr.output)[1])
    np.testing.assert_array_equal(heatmap_z(chart_spec(at, "bptt_deltas")), g.deltas[0].T)
    T = x.shape[1]
    for n in range(1, 4):
        at.button(key="bptt_n_forward").click().run()
        assert outlined_step(chart_spec(at, "bptt_deltas")) == T + 1 - n   # the current step walks right to left
        is_pad = not tr.mask[0, T - n]
        assert any("is a pad" in m.value for m in at.markdown) == is_pad  # default: the last 2 steps are pads
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
