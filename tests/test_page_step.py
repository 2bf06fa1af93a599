"""AppTest of the "Step through time" page, driven through its widgets by key."""
import numpy as np
import pytest

import rnnviz as rv
from apptest_util import make_it_overflow, open_page, open_weights
from figdata import stepper

PAGE = "step"


def shown_sequence(at):
    """(inputs (1, T, I), lengths) as the page sent them to its stepper (pads are zero vectors)."""
    data = stepper(at)
    return data["inputs"][None], np.array([data["length"]])


@pytest.fixture
def at():
    return open_page(PAGE)


def test_the_stepper_is_sent_the_cores_numbers(at):
    p = at.session_state["params"]
    inputs, lengths = shown_sequence(at)
    tr = rv.forward(p, inputs, lengths)
    data = stepper(at)
    np.testing.assert_array_equal(data["states"], tr.states[0])          # bit for bit: the browser draws these
    np.testing.assert_array_equal(data["z"], tr.z[0])
    np.testing.assert_array_equal(data["output"], tr.output[0])
    assert data["pads"] == (~tr.mask[0]).tolist() and data["step"] == 0


def set_step(at, t):
    """What the browser does when stepping pauses: report the step (the component's callback stores it)."""
    at.session_state["step"]["t"] = t
    return at.run()


def test_a_reported_step_is_kept_sent_back_and_linked(at):
    T = stepper(at)["T"]
    for t in (3, T, 0):
        set_step(at, t)
        assert stepper(at)["step"] == t and dict(at.query_params)["t"] == str(t)
    set_step(at, T + 5)                                                   # past the end (the sequence shrank)
    assert stepper(at)["step"] == T
    assert not at.exception


def test_step_survives_unrelated_changes(at):
    set_step(at, 3)
    at.toggle(key="step_reveal").set_value(True).run()
    assert stepper(at)["step"] == 3


def test_pads_copy_the_state(at):
    at.number_input(key="sequence_pads").set_value(4).run()
    data = stepper(at)
    states, T = data["states"], data["length"]                            # (T+1+4, H)
    assert states.shape[0] == T + 4 + 1 and data["pads"] == [False] * T + [True] * 4
    for t in range(T + 1, T + 5):
        np.testing.assert_array_equal(states[t], states[t - 1])          # a pad state equals the one before


def test_editing_one_weight_recomputes(at):
    set_step(at, 2)
    open_weights(at)
    at.selectbox(key="one_weight_name").set_value("W_s00").run()
    at.text_input(key="one_weight_value").set_value("1.5").run()
    p = at.session_state["params"]
    assert p.W_s[0, 0] == 1.5
    inputs, lengths = shown_sequence(at)
    np.testing.assert_array_equal(stepper(at)["states"], rv.forward(p, inputs, lengths).states[0])
    assert stepper(at)["step"] == 2                                       # the step survives an edit


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


def test_the_toggle_shows_the_states_not_computed_yet(at):
    assert stepper(at)["show_all"] is False                               # a state appears when computed
    at.toggle(key="step_reveal").set_value(True).run()
    assert stepper(at)["show_all"] is True


def test_new_sequence_keeps_the_weights_and_reset_weights_drops_edits(at):
    from rnnviz import presets
    p = at.session_state["params"]
    assert at.button(key="model_reset").disabled                        # nothing to reset yet
    at.button(key="sequence_new").click().run()
    assert not at.exception and at.session_state["sequence"]["seed"] == 1
    assert at.session_state["params"].equals(p)                          # the same weights ...
    inputs, lengths = shown_sequence(at)
    T = at.session_state["sequence"]["T"]
    np.testing.assert_array_equal(inputs[0, :T], presets.make_sequence("random vectors", p.input_size, T, seed=1).inputs)
    open_weights(at)                                                      # ... until a weight is edited
    at.selectbox(key="one_weight_name").set_value("W_s00").run()
    at.text_input(key="one_weight_value").set_value("0.75").run()
    assert at.session_state["params"].W_s[0, 0] == 0.75
    assert not at.button(key="model_reset").disabled
    at.button(key="model_reset").click().run()
    assert not at.exception and at.session_state["params"].equals(p)     # drawn again from the weight seed
    assert at.session_state["sequence"]["seed"] == 1                      # the inputs stay
