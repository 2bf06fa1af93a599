"""AppTest: a link reopens the same view; lessons and hidden controls; bad links explain themselves."""
import numpy as np
from streamlit.testing.v1 import AppTest

import rnnviz as rv
from apptest_util import APP, open_page, open_weights
from figdata import stepper
from rnnviz.ui.pages import PAGES


def open_link(query: dict, page: str | None = None) -> AppTest:
    """A fresh session (a new browser) opening the app with these query parameters."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(query)
    at.run()
    if page is not None:
        at.switch_page(PAGES[page].file).run()
    assert not at.exception, at.exception
    return at


def test_a_link_reopens_the_same_step_view_with_edited_weights():
    at = open_page("step")
    from apptest_util import set_model
    set_model(at, H=4, f_s="relu", seed=3)
    at.number_input(key="sequence_pads").set_value(3).run()
    at.session_state["step"]["t"] = 5                                   # the stepper reports step 5
    at.run()
    open_weights(at)
    at.selectbox(key="one_weight_name").set_value("W_s01").run()
    at.text_input(key="one_weight_value").set_value("0.123456789").run()
    at.run()                                                           # the URL is written at the start of a run
    query = dict(at.query_params)
    assert query["H"] == "4" and query["t"] == "5" and "w" in query
    other = AppTest.from_file(APP, default_timeout=30)
    other.query_params.update(query)
    other.run()
    other.switch_page(PAGES["step"].file).run()
    assert not other.exception
    assert other.session_state["params"].equals(at.session_state["params"])
    assert stepper(other)["step"] == 5
    np.testing.assert_array_equal(stepper(other)["states"], stepper(at)["states"])


def test_a_link_without_weights_rebuilds_them_from_the_seed():
    at = open_link({"H": "5", "f_s": "sigmoid", "seed": "11"})
    p = at.session_state["params"]
    assert p.equals(rv.init_params(2, 5, 1, f_s="sigmoid", seed=11))


def test_a_bad_link_says_what_it_ignored_and_the_app_works():
    at = open_link({"H": "999", "f_s": "swish", "T": "-4", "w": "garbage", "scale": "x"})
    texts = " ".join(w.value for w in at.warning)
    for word in ("H=` 999 `", "f_s=` swish `", "T=` -4 `", "weights in the link", "scale="):
        assert word in texts
    p = at.session_state["params"]
    assert (p.state_size, p.f_s) == (3, "tanh")


def test_a_lesson_opens_its_page_with_its_caption():
    at = open_link({"lesson": "vanishing"})
    assert any("Vanishing gradients" in i.value for i in at.info)
    assert at.session_state["bptt_tab"] == "Vanishing and exploding"
    assert at.session_state["params"].state_size == 8
    assert any("ρ = 0.5000" in m.value for m in at.markdown)


def test_unknown_lesson_is_named():
    at = open_link({"lesson": "nope"})
    assert any("no lesson ` nope `" in w.value for w in at.warning)


def test_hidden_controls_are_not_drawn_but_still_apply():
    at = open_link({"H": "4", "hide": "seed,scale,share"})
    keys = {getattr(w, "key", None) for w in at.sidebar}
    assert "model_seed" not in keys and "model_scale" not in keys and "model_H" in keys
    assert at.session_state["params"].state_size == 4
    assert not any(getattr(e, "label", "") == "Share this view" for e in at.sidebar)


def test_a_link_carries_the_training_settings_and_refuses_junk_ones():
    at = open_link({"tr_task": "parity", "tr_H": "12", "tr_lr": "0.003", "tr_lengths": "2,9", "tr_strat": "pad"},
                   page="train")
    s = at.session_state["train"]
    assert (s["task"], s["H"], s["lr"], s["lengths"], s["strategy"]) == ("parity", 12, 0.003, (2, 9), "pad")
    bad = open_link({"tr_task": "chess", "tr_lr": "0.123", "tr_lengths": "9,2", "tr_batch": "7"})
    texts = " ".join(w.value for w in bad.warning)
    for word in ("tr_task=` chess `", "tr_lr=` 0.123 `", "tr_lengths=", "tr_batch=` 7 `"):
        assert word in texts
    bad.switch_page(PAGES["train"].file).run()
    assert not bad.exception
    assert bad.session_state["train"]["task"] == "sum"
