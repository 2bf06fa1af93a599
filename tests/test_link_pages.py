"""Links against the running pages (AppTest), generated from the settings table: every page opened with bad
values of each kind shows a message per refused field and no exception, and keeps the defaults; every
hideable control and section disappears when a link hides it, and its value still applies."""
import re

import pytest
from streamlit.testing.v1 import AppTest

from apptest_util import APP
from figdata import stepper
from rnnviz.ui import PAGES
from rnnviz.ui import settings as table
from test_settings import LINKED, bad_values

KINDS = ("wrong type", "above", "below", "empty", "huge", "junk", "not a choice", "too long", "control character",
         "too few", "fraction", "not finite")


def bad_query(kind: str) -> dict:
    """{field: text} of every linked setting that has a bad value of this kind."""
    return {row.field: text for row in LINKED for (_, what, text) in bad_values(row) if what == kind}


def open_link(query: dict, page: str = "home", box: str | None = None) -> AppTest:
    """A new browser opening the link on page; box: the key of a box to open there (its controls are built only
    while it is open)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query)
    at.run()
    if page != "home":
        at.switch_page(PAGES[page].file).run()
    if box is not None:
        at.session_state[box] = True
        at.run()
    return at


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("kind", KINDS)
def test_every_page_opened_with_bad_values_names_each_and_keeps_the_defaults(kind, page):
    query = bad_query(kind)
    assert query, kind
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    shown = " ".join(w.value for w in at.warning)                    # the first run shows the link's problems
    for field in query:
        assert f"{field}=" in shown, f"{field}={query[field]!r} was not named"
    if page != "home":
        at.switch_page(PAGES[page].file).run()
        assert not at.exception, at.exception
    for field in query:
        row = table.BY_FIELD[field]
        values = at.session_state[row.group] if row.group in at.session_state else {}
        assert values.get(row.key, row.default) == row.default, field
    for message in at.warning:                                       # user text never reaches Markdown
        outside = re.sub(r"(`+) .*? \1", "", message.value)
        assert "](" not in outside and "<" not in outside and "**" not in outside, message.value


# What a link must also set for a control to be drawn at all (its page, its tab, its mode).
NEEDS = {"text": {"seq": "typed text"}, "digits": {"seq": "digits"}, "T": {"seq": "random vectors"},
         "label": {"obj": "cross-entropy", "f_o": "softmax", "O": "2"}, "target": {"obj": "mean squared error"},
         "el": {"tab": "Contributions and the proof"}, "tfirst": {"tab": "Contributions and the proof", "T": "60"}, "tc": {"tab": "Contributions and the proof"},
         "unfold": {"tab": "The derivation"}, "iseed": {"seq": "random vectors"},
         "trunc": {"tab": "Truncation and clipping"}, "clip": {"tab": "Truncation and clipping"},
         "c": {"tab": "Truncation and clipping", "clip": "global norm"}, "rho": {"rescale": "1"},
         "pb_text": {"pb_source": "sentences"}, "pb_lengths": {"pb_source": "random"},
         "tr_mod": {"tr_task": "parity"}, "tr_mom": {"tr_opt": "sgd"},
         "wr_prompt": {"tr_task": "next_char"}, "wr_temp": {"tr_task": "next_char"},
         "in_bits": {"in_task": "parity"}, "in_words": {"in_task": "sentiment"}, "in_chars": {"in_task": "next_char"},
         "in_k": {"in_task": "next_char"}, "in_temp": {"in_task": "next_char"}}


def widget_keys(at) -> set:
    return {getattr(w, "key", None) for kind in ("number_input", "slider", "select_slider", "selectbox", "radio",
                                                 "checkbox", "toggle", "text_input", "text_area")
            for w in at.get(kind)}


HIDE_SETTINGS = [table.BY_FIELD[f] for f in table.HIDEABLE if f in table.BY_FIELD]
BOXES = {f: "train_more_open" for f in ("tr_half", "tr_mom", "tr_batch", "tr_clip", "tr_strat")}  # the finer box


@pytest.mark.parametrize("row", HIDE_SETTINGS, ids=lambda r: r.field)
def test_a_hidden_setting_is_not_drawn_and_its_linked_value_still_applies(row):
    page = row.page or "step"
    key = f"{row.name}_0" if row.kind == "ints" and row.widget != "slider" else row.name
    value = table.to_query({row.name: row.default})[row.field]
    box = BOXES.get(row.field)
    shown = open_link({**NEEDS.get(row.field, {}), row.field: value}, page, box)
    assert not shown.exception and key in widget_keys(shown), f"{key} is not drawn even without hide"
    hidden = open_link({**NEEDS.get(row.field, {}), row.field: value, "hide": row.field}, page, box)
    assert not hidden.exception
    assert key not in widget_keys(hidden)
    assert hidden.session_state[row.group][row.key] == shown.session_state[row.group][row.key]


def expander_labels(at) -> list:
    return [e.label for e in at.get("expander")] + [getattr(e, "label", "") for e in at.sidebar]


PANEL_CHECKS = {
    "model": ("step", lambda at: "model_H" in widget_keys(at)),
    "sequence": ("step", lambda at: "sequence_preset" in widget_keys(at)),
    "weights": ("step", lambda at: any(label.startswith("Edit the weights") for label in expander_labels(at))),
    "inputs": ("step", lambda at: any(label.startswith("Edit the input") for label in expander_labels(at))),
    "step_link": ("step", lambda at: len(at.get("popover")) > 0),
    "share": ("step", lambda at: "Share this view" in expander_labels(at)),
    "export": ("bptt", lambda at: "Export" in expander_labels(at)),
    "source": ("padding", lambda at: any(label.startswith("The code") for label in expander_labels(at))),
    "open": ("bptt", lambda at: "Open a model file" in expander_labels(at)),
    "pictures": ("train", lambda at: "Pictures for your notes" in expander_labels(at)),
    "intro": ("step", lambda at: any("reads one input vector per step" in m.value for m in at.markdown)),
}


def test_every_panel_has_a_check():
    assert set(PANEL_CHECKS) == set(table.PANELS)


@pytest.mark.parametrize("name", list(table.PANELS))
def test_a_hidden_panel_is_not_drawn(name):
    page, drawn = PANEL_CHECKS[name]
    assert drawn(open_link({}, page))
    hidden = open_link({"hide": name}, page)
    assert not hidden.exception and not drawn(hidden)


def test_a_reshared_lesson_view_keeps_its_lesson_and_hidden_controls():
    at = open_link({"lesson": "vanishing", "hide": "seed,weights"})
    at.run()                                                         # the address is written at a run's start
    query = dict(at.query_params)
    assert query["lesson"] == "vanishing" and query["hide"] == "seed,weights"
    again = open_link(query)
    assert not again.exception
    assert any("Vanishing gradients" in i.value for i in again.info)
    assert "model_seed" not in widget_keys(again)
    assert not any(w.value.startswith("The link was not fully understood") for w in again.warning)


def test_a_link_value_past_the_sequence_is_named_where_it_is_used():
    at = open_link({"T": "5", "pads": "0", "t": "99"}, "step")
    assert any("t=` 99 `" in w.value and "` 5 `" in w.value for w in at.warning)
    assert stepper(at)["step"] == 5
