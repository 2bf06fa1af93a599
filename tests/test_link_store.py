"""Links that reopen any model (AppTest): a model too large for inline weights is named by its id in the model
store (m=), a fresh session reopens it exactly, and every failure of the store is a message."""
import numpy as np
from streamlit.testing.v1 import AppTest

import rnnviz as rv
from apptest_util import APP, open_page, open_weights
from figdata import stepper
from rnnviz import model_io
from rnnviz.ui import PAGES
from serving import model_store


def edited_large_model(H=16):
    at = open_page("step")
    at.number_input(key="model_I").set_value(32).run()
    at.number_input(key="model_H").set_value(H).run()
    open_weights(at)
    at.text_input(key="one_weight_value").set_value("3.0").run()
    at.run()                                                           # the address is written at a run's start
    return at


def reopen(query: dict, page: str = "step") -> AppTest:
    """A fresh session opening the link; other.link_warnings: what its first run said about the link."""
    other = AppTest.from_file(APP, default_timeout=60)
    other.query_params.update(query)
    other.run()
    other.link_warnings = [w.value for w in other.warning]
    other.switch_page(PAGES[page].file).run()
    assert not other.exception, other.exception
    return other


def test_a_large_edited_model_travels_by_its_id_and_reopens_exactly():
    at = edited_large_model()
    p = at.session_state["params"]
    query = dict(at.query_params)
    assert "m" in query and "w" not in query
    assert query["m"] == model_store.model_id(p)                      # the id is the exact bytes' hash
    other = reopen(query)
    assert other.session_state["params"].equals(p)
    np.testing.assert_array_equal(stepper(other)["states"], stepper(at)["states"])
    assert not any("not fully understood" in w for w in other.link_warnings)


def test_small_models_keep_their_inline_weights():
    at = open_page("step")
    open_weights(at)
    at.text_input(key="one_weight_value").set_value("0.5").run()
    at.run()
    query = dict(at.query_params)
    assert "w" in query and "m" not in query


def test_an_unknown_or_forged_id_is_a_message_and_the_page_works():
    for forged in ("AAAAAAAAAAAAAAAAAAAAAA", "x' OR '1'='1", "", "a" * 500):
        other = reopen({"I": "32", "H": "16", "m": forged})
        assert any("could not be opened" in w for w in other.link_warnings), forged
        assert other.session_state["params"].equals(rv.init_params(32, 16, 1, seed=0))


def open_file_box(at):
    """Open the sidebar's 'Open a model file' box (its uploader is built only while it is open)."""
    assert not at.sidebar.get("file_uploader")
    at.session_state["open_file_open"] = True
    at.run()


def test_a_model_file_of_any_shape_opens_on_every_page():
    p = rv.init_params(7, 11, 5, f_s="relu", f_o="softmax", seed=3)
    for page in ("home", "step", "padding", "bptt", "train"):
        at = open_page(page if page != "home" else None)
        open_file_box(at)
        at.sidebar.file_uploader(key="open_upload").upload("mine.npz", model_io.to_npz(p),
                                                          "application/octet-stream").run()
        assert not at.exception
        assert at.session_state["params"].equals(p), page
        assert any("Opened ` mine.npz `" in s.value for s in at.success), page


def test_a_damaged_or_too_large_model_file_is_a_message_and_nothing_changes():
    at = open_page("step")
    open_file_box(at)
    before = at.session_state["params"]
    too_large = rv.init_params(40, 3, 1)
    for name, data in (("cut.npz", model_io.to_npz(before)[:100]), ("big.npz", model_io.to_npz(too_large))):
        at.sidebar.file_uploader(key="open_upload").upload(name, data, "application/octet-stream").run()
        assert not at.exception
        assert any(f"` {name} ` was not opened, and nothing changed" in e.value for e in at.error), name
        assert at.session_state["params"] is before


def test_the_link_says_what_it_does_not_carry_when_the_store_refuses(monkeypatch):
    def refuse(*args, **kwargs):
        raise model_store.RateLimited("this session made too many new models in the last minute")
    monkeypatch.setattr(model_store.ModelStore, "put", refuse)
    at = edited_large_model()
    assert "m" not in dict(at.query_params)
    at.session_state["share_open"] = True                               # the 'Share this view' box, opened
    at.run()
    captions = " ".join(c.value for c in at.sidebar.get("caption"))
    assert "This link does not carry" in captions and "too many new models" in captions
