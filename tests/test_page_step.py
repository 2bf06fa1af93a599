"""AppTest of the "Step through time" page, driven through its widgets by key."""
import numpy as np
import pytest

import rnnviz as rv
from apptest_util import make_it_overflow, open_page, open_weights, reveal
from figdata import chart_spec, decode, heatmap_z, outlined_step

PAGE = "step"


def shown_sequence(at):
    """(inputs (1,T,I), lengths) as the page shows them, read back from the inputs heatmap."""
    inputs_fig = chart_spec(at, "step_inputs")
    x = heatmap_z(inputs_fig).T                                           # (T, I)
    ticks = inputs_fig["layout"]["xaxis"]["ticktext"]
    real = sum(not t.endswith("pad") for t in ticks)
    return np.nan_to_num(x)[None], np.array([real])


@pytest.fixture
def at():
    return open_page(PAGE)


def test_states_plotted_are_the_cores(at):
    reveal(at)                                                            # every state, computed or not yet
    p = at.session_state["params"]
    inputs, lengths = shown_sequence(at)
    tr = rv.forward(p, inputs, lengths)
    np.testing.assert_array_equal(heatmap_z(chart_spec(at, "step_states")), tr.states[0].T)


def test_step_forward_back_first_last(at):
    T = len(decode(chart_spec(at, "step_states")["data"][0]["x"])) - 1
    for _ in range(3):
        at.button(key="step_t_forward").click().run()
    assert at.slider(key="step_t").value == 3
    assert outlined_step(chart_spec(at, "step_states")) == 3
    at.button(key="step_t_back").click().run()
    assert at.slider(key="step_t").value == 2
    at.button(key="step_t_last").click().run()
    assert at.slider(key="step_t").value == T
    at.button(key="step_t_first").click().run()
    assert at.slider(key="step_t").value == 0
    at.slider(key="step_t").set_value(4).run()
    assert outlined_step(chart_spec(at, "step_states")) == 4
    assert not at.exception


def test_step_survives_unrelated_changes(at):
    at.slider(key="step_t").set_value(3).run()
    at.select_slider(key="step_speed").set_value(4).run()
    assert at.slider(key="step_t").value == 3


def test_pads_copy_the_state(at):
    at.number_input(key="sequence_pads").set_value(4).run()
    states = heatmap_z(chart_spec(at, "step_states"))                     # (H, T+1)
    inputs, lengths = shown_sequence(at)
    T = lengths[0]
    assert states.shape[1] == inputs.shape[1] + 1 and inputs.shape[1] == T + 4
    for t in range(T + 1, T + 5):
        np.testing.assert_array_equal(states[:, t], states[:, t - 1])    # a pad column equals the one before
    at.slider(key="step_t").set_value(T + 2).run()
    assert any("is a pad" in m.value for m in at.markdown)


def test_play_advances_and_pause_stops(at):
    at.button(key="step_t_play").click().run()
    assert at.session_state["step_t_playing"]
    t1 = at.slider(key="step_t").value
    at.run()                                                              # what the fragment timer does
    assert at.slider(key="step_t").value == t1 + 1
    at.button(key="step_t_play").click().run()                            # pause
    assert not at.session_state["step_t_playing"]
    t2 = at.slider(key="step_t").value
    at.run()
    assert at.slider(key="step_t").value == t2


def test_editing_one_weight_recomputes(at):
    reveal(at)
    at.slider(key="step_t").set_value(2).run()
    open_weights(at)
    at.selectbox(key="one_weight_name").set_value("W_s00").run()
    at.text_input(key="one_weight_value").set_value("1.5").run()
    p = at.session_state["params"]
    assert p.W_s[0, 0] == 1.5
    inputs, lengths = shown_sequence(at)
    np.testing.assert_array_equal(heatmap_z(chart_spec(at, "step_states")), rv.forward(p, inputs, lengths).states[0].T)
    assert at.slider(key="step_t").value == 2                             # the step survives an edit


def test_text_preset_sets_the_input_size(at):
    at.selectbox(key="sequence_preset").set_value("typed text").run()
    at.text_input(key="sequence_text").set_value("abcab").run()
    assert not at.exception
    assert at.session_state["params"].input_size == 3                    # one-hot over a, b, c
    inputs, lengths = shown_sequence(at)
    assert lengths[0] == 5 and inputs.shape[2] == 3


def test_empty_text_says_what_to_do(at):
    at.selectbox(key="sequence_preset").set_value("typed text").run()
    at.text_input(key="sequence_text").set_value("").run()
    assert not at.exception
    assert any("type some text" in w.value for w in at.warning)


def test_relu_overflow_is_reported_not_crashed(at):
    at = make_it_overflow(at)
    assert not at.exception
    assert any("Overflow" in e.value for e in at.error)


@pytest.mark.parametrize("typed", ["nan", "inf", "-inf", "abc", ""])
def test_a_weight_that_is_not_a_finite_number_is_refused_and_changes_nothing(at, typed):
    open_weights(at)
    before = at.session_state["params"]
    at.text_input(key="one_weight_value").set_value(typed).run()
    assert not at.exception
    assert at.session_state["params"].equals(before)
    assert any("Not applied" in e.value for e in at.error)


def test_states_fill_in_as_they_are_computed_and_the_toggle_shows_them_all(at):
    at.slider(key="step_t").set_value(2).run()
    z = heatmap_z(chart_spec(at, "step_states")).T                       # (T+1, H)
    tr = rv.forward(at.session_state["params"], *shown_sequence(at))
    np.testing.assert_array_equal(z[:3], tr.states[0, :3])
    assert np.isnan(z[3:]).all()
    at.toggle(key="step_reveal").set_value(True).run()
    np.testing.assert_array_equal(heatmap_z(chart_spec(at, "step_states")).T, tr.states[0])
