"""Random widget values, junk text, junk uploads and junk share links: no exception escapes to a page.

Hypothesis drives each page through a few random interactions, picking among the keyed widgets the page
drew (discovered with ``at.get(...)``, with their own min / max / step / options) the way a student could
set them in a browser: numbers within a widget's range, any option, any text up to ``max_chars`` (NaN-like
and non-numeric text included), cells of the editable tables (empty, NaN, inf, huge, not a number), clicks
on enabled buttons, expanders and tabs. After every run ``at.exception`` must be empty. Share links get
random and junk query parameters.

Examples are derandomized (the same every run, so CI is deterministic); set RNNVIZ_FUZZ=N to explore N
random examples per test instead.
"""
import json
import math
import os
import string

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.proto.Slider_pb2 import Slider as SliderProto
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Widget

from apptest_util import APP, open_page
from rnnviz.ui.pages import PAGES

EXPLORE = int(os.environ.get("RNNVIZ_FUZZ", "0"))
STEP, PAD, BPTT, TRAIN = ("step", "padding",
                          "bptt", "train")
SKIP_KEYS = {"train_compare"}              # trains three RNNs for seconds: covered by test_page_train
EXPANDERS = ("seq_table_open", "weights_open", "export_open")
WIDGET_KINDS = ("number_input", "slider", "select_slider", "selectbox", "radio", "checkbox", "toggle",
                "text_input", "text_area", "button")


def fuzz_settings(examples: int):
    return settings(max_examples=EXPLORE or examples, deadline=None, derandomize=not EXPLORE, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


NAN_LIKE = ["", " ", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e309", "-1e309", "1e-320", "0x1p3",
            "None", "null", "1,,2", ",", ";", "1;2;3", "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17",
            "∞", "½", "٣", "0,nan", "１２", "\x00", "\n\n\n", "a\u0301", "😀😀", "<script>alert(1)</script>",
            "$x$ **b**", "the cat sat\n\n\n" * 3, "0123456789" * 30]
junk_text = st.one_of(st.sampled_from(NAN_LIKE), st.text(max_size=60),
                      st.text(alphabet=string.digits + ",.-e ", max_size=30))
cell_values = st.one_of(st.floats(-10, 10), st.sampled_from([None, 1e308, -1e308, 5e-324, 0.0, -0.0]),
                        st.sampled_from(["NaN", "Infinity", "-Infinity", "abc", "", "1e400"]))


def force_state(node, ws: WidgetState) -> None:
    """Make the next run send ws for this element, as a browser would (also for data editors, which
    AppTest cannot edit)."""
    base = type(node)
    bases = (base,) if isinstance(node, Widget) else (base, Widget)
    node.__class__ = type(f"Forced{base.__name__}", bases, {"_widget_state": property(lambda self: ws)})


def keyed_widgets(at):
    """(kind, element) of every enabled, keyed widget the last run drew."""
    out = []
    for kind in WIDGET_KINDS:
        for w in at.get(kind):
            if w.key and w.key not in SKIP_KEYS and not getattr(w.proto, "disabled", False):
                out.append((kind, w))
    for ed in at.get("dataframe"):
        if ed.key and (ed.key.startswith("edit_") or ed.key.startswith("seq_table_")):
            out.append(("data_editor", ed))
    for up in at.get("file_uploader"):
        if up.key and not up.proto.disabled:
            out.append(("file_uploader", up))
    return out


def grid(lo, hi, step, draw, integer):
    """A value a slider or number box can take: on its step grid, edges likely."""
    if step and step > 0:
        n = int(math.floor((hi - lo) / step + 1e-9))
        k = draw(st.one_of(st.sampled_from([0, n]), st.integers(0, max(n, 0))))
        v = lo + k * step
        v = min(max(v, lo), hi)
        return int(round(v)) if integer else float(round(v, 12))
    return draw(st.integers(int(lo), int(hi))) if integer else draw(st.floats(lo, hi))


def junk_upload(draw):
    """(name, bytes): not a model, a truncated one, a pickle, a compressed bomb, JSON that is not a model."""
    import io
    import zipfile
    kind = draw(st.sampled_from(["random", "empty", "json", "bomb", "pickle", "npz_wrong_keys"]))
    if kind == "random":
        return "x.npz", draw(st.binary(max_size=200))
    if kind == "empty":
        return "x.json", b""
    if kind == "json":
        return "x.json", draw(st.sampled_from([b"{}", b"[]", b"null", b'{"W_s": "a"}', b'{"W_s": [[NaN]]}',
                                               b'{"W_s": [[1e999]]}', b"\xff\xfe"]))
    buf = io.BytesIO()
    if kind == "bomb":                                     # a member that claims 64 MiB of zeros, 60 KiB on disk
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            header = np.lib.format.header_data_from_array_1_0(np.zeros(1))
            header["shape"] = (8 * 1024 * 1024,)
            raw = io.BytesIO()
            np.lib.format.write_array_header_1_0(raw, header)
            z.writestr("W_s.npy", raw.getvalue() + b"\0" * (64 * 1024 * 1024))
        return "bomb.npz", buf.getvalue()
    if kind == "pickle":
        np.savez(buf, W_s=np.array([{"a": 1}], dtype=object))
        return "pickle.npz", buf.getvalue()
    np.savez(buf, wrong=np.zeros(3))
    return "wrong.npz", buf.getvalue()


def act(at, data) -> str:
    """Draw one interaction, apply it and run; returns a description for the failure message."""
    choices = keyed_widgets(at)
    extra = [("expander", k) for k in EXPANDERS if any((b.proto.id or "").endswith(k) for b in at.get("expander")
                                                     if hasattr(b, "proto"))]
    if "bptt_tab" in at.session_state:
        extra.append(("tabs", "bptt_tab"))
    kind, w = data.draw(st.sampled_from(choices + extra))
    draw = data.draw
    if kind == "expander":
        value = draw(st.booleans())
        at.session_state[w] = value
        desc = f"expander {w} = {value}"
    elif kind == "tabs":
        value = draw(st.sampled_from(["Step backward", "Contributions and the proof", "The derivation",
                                      "Vanishing and exploding", "Truncation and clipping", "no such tab"]))
        at.session_state["bptt"]["tab"] = value         # what a click stores (a forged one included)
        desc = f"tab {value!r}"
    elif kind == "number_input":
        p = w.proto
        integer = p.data_type == p.INT
        if p.has_min and p.has_max:
            value = grid(p.min, p.max, p.step if integer else 0, draw, integer)
        elif integer:
            value = draw(st.integers(int(p.min) if p.has_min else -10, int(p.min if p.has_min else 0) + 10**6))
        else:                                                  # an unbounded float box: any finite double
            lo = p.min if p.has_min else -1e308
            value = draw(st.one_of(st.floats(max(lo, -10), 10), st.sampled_from([lo, 1e300, 1e308]),
                                   st.floats(lo, 1e308)))
        w.set_value(value)
        desc = f"number {w.key} = {value!r}"
    elif kind == "slider":
        p = w.proto
        integer = p.data_type == SliderProto.INT
        values = [grid(p.min, p.max, p.step, draw, integer) for _ in range(len(p.default))]
        value = tuple(sorted(values)) if len(values) == 2 else values[0]
        w.set_value(value)
        desc = f"slider {w.key} = {value!r}"
    elif kind in ("select_slider", "selectbox", "radio"):
        opts = list(w.proto.options)
        if not opts:
            return "no options"
        ws = WidgetState(id=w.id)
        if kind == "select_slider":
            picks = [draw(st.sampled_from(opts)) for _ in range(max(1, len(w.proto.default)))]
            picks = sorted(picks, key=opts.index)
            ws.string_array_value.data.extend(picks)
            desc = f"{kind} {w.key} = {picks}"
        else:
            pick = draw(st.sampled_from(opts))
            ws.string_value = pick
            desc = f"{kind} {w.key} = {pick!r}"
        force_state(w, ws)
    elif kind in ("checkbox", "toggle"):
        value = draw(st.booleans())
        w.set_value(value)
        desc = f"{kind} {w.key} = {value}"
    elif kind in ("text_input", "text_area"):
        text = draw(junk_text)
        if w.proto.max_chars:
            text = text[: w.proto.max_chars]                       # the browser enforces max_chars
        w.input(text)
        desc = f"{kind} {w.key} = {text!r}"
    elif kind == "button":
        w.click()
        desc = f"click {w.key}"
    elif kind == "data_editor":
        frame = w.value
        r = draw(st.integers(0, len(frame.index) - 1)) if len(frame.index) else 0
        c = draw(st.sampled_from(list(frame.columns))) if len(frame.columns) else None
        if c is None:
            return "empty table"
        cell = draw(cell_values)
        payload = '{"edited_rows": {"%d": {%s: %s}}, "added_rows": [], "deleted_rows": []}' % (
            r, json.dumps(str(c)), cell if isinstance(cell, str) and cell in ("NaN", "Infinity", "-Infinity")
            else json.dumps(cell))
        force_state(w, WidgetState(id=w.proto.id, string_value=payload))
        desc = f"edit {w.key}: {payload}"
    elif kind == "file_uploader":
        name, content = junk_upload(draw)
        w.set_value((name, content, "application/octet-stream"))
        desc = f"upload {w.key}: {name} ({len(content)} bytes)"
    else:
        raise AssertionError(kind)
    at.run()
    return desc


def check(at, history):
    assert not at.exception, f"after {history}: {[e.message for e in at.exception]}"


def tour(page, data, n_actions=(1, 5)):
    at = open_page(page)
    history = []
    for _ in range(data.draw(st.integers(*n_actions), label="actions")):
        history.append(act(at, data))
        check(at, history)
    return at


@fuzz_settings(10)
@given(data=st.data())
def test_step_page_survives_random_input(data):
    tour(STEP, data)


@fuzz_settings(10)
@given(data=st.data())
def test_step_page_tables_survive_junk_cells(data):
    at = open_page(STEP)
    at.session_state["weights_open"] = True
    at.session_state["seq_table_open"] = True
    at.run()
    history = []
    for _ in range(data.draw(st.integers(1, 3))):
        history.append(act(at, data))
        check(at, history)
    p = at.session_state["params"]
    assert all(np.isfinite(a).all() for a in p.arrays().values())      # a bad cell never becomes a weight


@fuzz_settings(8)
@given(data=st.data())
def test_padding_page_survives_random_input(data):
    tour(PAD, data)


@fuzz_settings(10)
@given(data=st.data())
def test_bptt_page_survives_random_input(data):
    tour(BPTT, data)


@fuzz_settings(6)
@given(data=st.data())
def test_train_page_survives_random_input_and_junk_uploads(data):
    at = tour(TRAIN, data, n_actions=(1, 3))
    if at.session_state.get("train_running"):                          # leave nothing running
        at.session_state["train_running"] = False


@fuzz_settings(6)
@given(data=st.data())
def test_switching_pages_keeps_working(data):
    at = open_page(None)
    history = []
    for _ in range(data.draw(st.integers(2, 4))):
        page = data.draw(st.sampled_from([STEP, PAD, BPTT, TRAIN]))
        at.switch_page(PAGES[page].file).run()
        history.append(f"switch {page}")
        check(at, history)
        history.append(act(at, data))
        check(at, history)


# ---- share links with junk ----------------------------------------------------------------------------------

LINK_FIELDS = ["I", "H", "O", "f_s", "f_o", "seed", "scale", "s0", "seq", "T", "text", "digits", "pads", "t", "n",
               "obj", "k", "label", "target", "tab", "el", "tc", "trunc", "clip", "c", "rescale", "rho",
               "pb_source", "pb_B", "pb_lengths", "pb_text", "pb_extra", "pb_bias", "hide", "w", "lesson"]
link_values = st.one_of(
    st.sampled_from(["", "0", "-1", "1", "3", "64", "65", "1000", "1001", "99999999999999999999", "1e3", "nan",
                     "inf", "-inf", "tanh", "relu", "softmax", "bogus", "learned", "digits", "typed text",
                     "1,2,3", ",,,", "-5,30", "AAAA", "AAAAAAAAAAA", "%%%", "model,seed,scale,weights,sequence",
                     "0" * 600, "😀"]),
    st.text(max_size=20), st.integers(-10**6, 10**6).map(str))


@fuzz_settings(12)
@given(query=st.dictionaries(st.sampled_from(LINK_FIELDS + ["junk", "x" * 40]), link_values, max_size=8),
       page=st.sampled_from([None, STEP, PAD, BPTT, TRAIN]))
def test_share_links_with_junk_open_every_page(query, page):
    at = AppTest.from_file(APP, default_timeout=30)
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, f"{query}: {[e.message for e in at.exception]}"
    if page is not None:
        at.switch_page(PAGES[page].file).run()
        assert not at.exception, f"{query} on {page}: {[e.message for e in at.exception]}"


# ---- junk a browser cannot send, but a crafted websocket message can --------------------------------------------

def test_weight_table_edit_naming_an_unknown_column_is_refused():
    at = open_page(STEP)
    at.session_state["weights_open"] = True
    at.run()
    ed = next(d for d in at.get("dataframe") if d.key.startswith("edit_W_s"))
    force_state(ed, WidgetState(id=ed.proto.id, string_value=json.dumps(
        {"edited_rows": {"0": {"to s_99": 1.0}}, "added_rows": [], "deleted_rows": []})))
    at.run()
    assert not at.exception, [e.message for e in at.exception]
def test_weight_table_edit_that_deletes_a_row_is_refused():
    at = open_page(STEP)
    at.session_state["weights_open"] = True
    at.run()
    shape = at.session_state["params"].W_s.shape
    ed = next(d for d in at.get("dataframe") if d.key.startswith("edit_W_s"))
    force_state(ed, WidgetState(id=ed.proto.id, string_value=json.dumps(
        {"edited_rows": {}, "added_rows": [], "deleted_rows": [0]})))
    at.run()
    assert not at.exception
    assert at.session_state["params"].W_s.shape == shape


def test_non_finite_weight_typed_by_name_never_becomes_a_weight():
    at = open_page(STEP)
    at.session_state["weights_open"] = True
    at.run()
    for value in (float("nan"), float("inf"), -float("inf")):
        at.text_input(key="one_weight_value").set_value(repr(value)).run()
        assert not at.exception
        assert all(np.isfinite(a).all() for a in at.session_state["params"].arrays().values())
def test_non_finite_weight_typed_by_name_is_refused_and_changes_nothing():
    at = open_page(STEP)
    at.session_state["weights_open"] = True
    at.run()
    before = at.session_state["params"]
    at.text_input(key="one_weight_value").set_value("inf").run()
    assert at.session_state["params"].equals(before)
