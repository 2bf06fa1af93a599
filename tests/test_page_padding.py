"""AppTest for the "Padding and batches" page, driven through its widgets; figures and tables checked against the
core (each sequence run alone, with and without the mask), tab by tab: only the open tab is built."""
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import rnnviz as rv
from rnnviz import batching
from apptest_util import make_it_overflow, open_page
from figdata import chart_spec, heatmap_z

from rnnviz.ui import settings
from rnnviz.ui.pages import PAGES
APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = PAGES["padding"].file
PADDING = settings.defaults("padding")
DEFAULT_LENGTHS = list(PADDING["lengths"][: PADDING["B"]])
EXACT = "0.0 (bit-for-bit identical)"
BATCH, STATES, PROOF, WAYS = settings.BY_NAME["padding_tab"].choices


@pytest.fixture
def at():
    at = AppTest.from_file(APP, default_timeout=30).run()
    return at.switch_page(PAGE).run()


def open_tab(at, label):
    at.session_state["padding"]["tab"] = label            # what a click on the tab stores
    at.run()
    assert not at.exception
    return at


def tables(at) -> list:
    """Every Markdown table the run drew, each {column: [cells]} (escaped pipes read back as |)."""
    found = []
    for md in at.markdown:
        for block in md.value.split("\n\n"):
            lines = block.splitlines()
            if len(lines) < 2 or not all(line.startswith("|") for line in lines) or not lines[1].startswith("|---"):
                continue
            rows = [[cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
                    for line in lines]
            found.append({name: [row[k] for row in rows[2:]] for k, name in enumerate(rows[0])})
    return found


def texts(at) -> list:
    """The Markdown of every markdown element and caption the run drew."""
    return [m.value for m in at.markdown] + [c.value for c in at.caption]


def table(at, column):
    """The table that has the given column."""
    for t in tables(at):
        if column in t:
            return t
    raise KeyError(f"no table with column {column!r}")


GROUP, PAD = "group by length (rv.sequences.bucket_by_length)", "pad and mask (rv.sequences.pad_fraction)"


def strategies(at) -> dict:
    """{row: (group by length, pad and mask)} of the strategy table (the open tab must be WAYS)."""
    t = table(at, GROUP)
    return {row: (g, p) for row, g, p in zip(t["work"], t[GROUP], t[PAD])}


def expected_batch(at, lengths, extra=0, bias=0.5):
    """(page params, inputs, lengths) as the page builds them for random vectors."""
    p = batching.add_bias(at.session_state["params"], bias)
    seqs = batching.random_batch(np.array(lengths), p.input_size, seed=at.session_state["sequence"]["seed"])
    x, n = batching.padded(seqs, extra)
    return p, x, n


def state_panels(at) -> list:
    """The z (H, T+1) of every panel of the states chart, in order: seq 0 masked, seq 0 unmasked, seq 1 masked, ..."""
    spec = chart_spec(at, "pad_states")
    return [heatmap_z(spec, k) for k, trace in enumerate(spec["data"]) if trace.get("name") != "overflow"]


def assert_page_matches_core(at, p, x, n):
    """Every chart of the page (the batch tab, then the states tab) equals what rv.forward computes."""
    B, T, I = x.shape
    open_tab(at, BATCH)
    mask = (np.arange(T)[None] < n[:, None]).astype(float)
    np.testing.assert_array_equal(heatmap_z(chart_spec(at, "pad_mask")), mask)
    np.testing.assert_array_equal(heatmap_z(chart_spec(at, "pad_inputs")), x.transpose(0, 2, 1).reshape(B * I, T))
    open_tab(at, STATES)
    masked, unmasked = rv.forward(p, x, n), rv.forward(p, x)
    panels = state_panels(at)
    assert len(panels) == 2 * B                                         # one row per sequence, none more
    for b in range(B):
        z = panels[2 * b]                                               # (H, T+1): s^0..s^T
        np.testing.assert_array_equal(z, masked.states[b].T)
        for t in range(n[b] + 1, T + 1):                                # a pad column repeats the one before
            np.testing.assert_array_equal(z[:, t], z[:, t - 1])
        np.testing.assert_array_equal(panels[2 * b + 1], unmasked.states[b].T)


def assert_proof_is_exact(at, B):
    """The proof tab: every sequence of the batch equals its run alone, bit for bit."""
    open_tab(at, PROOF)
    proof = table(at, "final state: max |batch − alone|")
    assert proof["final state: max |batch − alone|"] == [EXACT] * B
    assert proof["output: max |batch − alone|"] == [EXACT] * B
    assert proof["all states s⁰..sᴸ: max |batch − alone|"] == ["0.0"] * B
    assert any("bit-for-bit identical" in s.value for s in at.success)


def test_default_page_draws_what_the_core_computes(at):
    assert not at.exception
    p, x, n = expected_batch(at, DEFAULT_LENGTHS)
    assert_page_matches_core(at, p, x, n)
    for b, L in enumerate(n):                                           # the oracle: each sequence alone, no pads
        alone = rv.forward(p, x[b:b + 1, :L], [L])
        np.testing.assert_array_equal(state_panels(at)[2 * b][:, : L + 1], alone.states[0].T)
    assert_proof_is_exact(at, len(n))


def test_only_the_open_tab_is_built_and_no_data_grid_is_loaded(at):
    assert at.session_state["padding"]["tab"] == BATCH                  # the first view: the batch
    shown = {BATCH: {"pad_mask", "pad_inputs"}, STATES: {"pad_states"}, PROOF: set(), WAYS: set()}
    columns = {BATCH: set(), STATES: {"final state sᵀ: max |difference|"},
               PROOF: {"final state: max |batch − alone|", "with the mask: max |δᵗ| at its pads"}, WAYS: {GROUP}}
    for label in (BATCH, STATES, PROOF, WAYS):
        open_tab(at, label)
        assert {el.proto.id.rsplit("-", 1)[-1] for el in at.get("plotly_chart")} == shown[label], label
        assert {c for t in tables(at) for c in t} & set().union(*columns.values()) == columns[label], label
        assert not at.dataframe and not at.get("arrow_data_frame")     # light tables: no data grid, no Arrow
    labels = [t.label for t in at.tabs]
    assert labels == list(settings.BY_NAME["padding_tab"].choices)
    for label, following in zip((BATCH, STATES, PROOF, WAYS), (STATES, PROOF, WAYS, None)):
        open_tab(at, label)                                             # each tab points to the next one
        pointers = re.findall(r"Next, \*\*(.+?)\*\*", " ".join(texts(at)))
        assert pointers == ([following] if following else []), label


def test_the_states_chart_has_one_colour_scale_and_its_rows_line_up(at):
    p, x, n = expected_batch(at, DEFAULT_LENGTHS)
    open_tab(at, STATES)
    spec = chart_spec(at, "pad_states")
    heat = [t for t in spec["data"] if t.get("name") != "overflow"]
    masked, unmasked = rv.forward(p, x, n), rv.forward(p, x)
    zmax = max(np.abs(masked.states).max(), np.abs(unmasked.states).max())
    assert {(t["zmin"], t["zmax"]) for t in heat} == {(-zmax, zmax)}    # every panel on one scale
    assert [t["showscale"] for t in heat] == [True] + [False] * (len(heat) - 1)   # shown once
    layout = spec["layout"]
    for b in range(len(n)):                                             # masked and unmasked side by side
        left, right = heat[2 * b]["yaxis"].replace("y", "yaxis"), heat[2 * b + 1]["yaxis"].replace("y", "yaxis")
        assert layout[left]["domain"] == layout[right]["domain"]
    assert f"−{zmax:.3g} to {zmax:.3g}" in " ".join(m.value for m in at.markdown)


def test_masked_against_unmasked_table_reports_the_drift(at):
    p, x, n = expected_batch(at, DEFAULT_LENGTHS)
    masked, unmasked = rv.forward(p, x, n), rv.forward(p, x)
    open_tab(at, STATES)
    drift = table(at, "final state sᵀ: max |difference|")
    T = x.shape[1]
    for b in range(len(n)):
        expected = np.abs(masked.states[b, T] - unmasked.states[b, T]).max()
        assert float(drift["final state sᵀ: max |difference|"][b]) == expected
        assert float(drift["output o: max |difference|"][b]) == np.abs(masked.output[b] - unmasked.output[b]).max()
        assert (expected == 0.0) == (n[b] == T)                         # drift exactly where there are pads
        assert drift["pads"][b] == str(T - n[b])


def test_gradient_at_pads_is_exactly_zero(at):
    p, x, n = expected_batch(at, DEFAULT_LENGTHS)
    open_tab(at, PROOF)
    grads = table(at, "with the mask: max |δᵗ| at its pads")
    has_pads = np.array(DEFAULT_LENGTHS) < max(DEFAULT_LENGTHS)
    for col in ("with the mask: max |δᵗ| at its pads", "with the mask: max |∂L/∂W_sᵗ| at its pads"):
        assert grads[col] == ["0.0" if h else "no pads" for h in has_pads]
    unmasked = grads["without the mask: max |∂L/∂W_sᵗ| there"]
    for b, L in enumerate(n):                          # the oracle: sequence b alone through rv.backward, no mask
        if has_pads[b]:
            alone = rv.forward(p, x[b:b + 1])
            g = rv.backward(p, alone, np.ones((1, p.output_size)))
            expected = np.abs(g.steps("W_s")[L:]).max()                # its copies dL/dW_s^t at the pad steps
            np.testing.assert_allclose(float(unmasked[b]), expected, rtol=1e-12)
            assert expected > 0
        else:
            assert unmasked[b] == "no pads"


def test_changing_lengths_redraws_everything(at):
    at.number_input(key="padding_lengths_0").set_value(12).run()
    at.number_input(key="padding_lengths_2").set_value(0).run()             # an all-pad sequence
    assert not at.exception
    lengths = [12] + DEFAULT_LENGTHS[1:2] + [0] + DEFAULT_LENGTHS[3:]
    p, x, n = expected_batch(at, lengths)
    assert x.shape[1] == 12
    assert_page_matches_core(at, p, x, n)
    z = state_panels(at)[2 * 2]
    assert (z == z[:, :1]).all()                                        # length 0: the state stays s^0 throughout
    open_tab(at, PROOF)
    assert table(at, "final state: max |batch − alone|")["final state: max |batch − alone|"][2] == EXACT
    open_tab(at, BATCH)
    assert any("length 0 is all pads" in c.value for c in at.caption)


def test_changing_the_number_of_sequences_keeps_the_lengths(at):
    at.number_input(key="padding_lengths_3").set_value(9).run()
    at.number_input(key="padding_B").set_value(1).run()                     # B = 1: a batch of one
    assert not at.exception
    p, x, n = expected_batch(at, DEFAULT_LENGTHS[:1])
    assert_page_matches_core(at, p, x, n)
    open_tab(at, WAYS)
    assert strategies(at)["batches = forward calls"] == ("1", "1")
    at.number_input(key="padding_B").set_value(8).run()
    assert not at.exception
    lengths = tuple(DEFAULT_LENGTHS[:3]) + (9,) + PADDING["lengths"][4:]
    assert at.session_state["padding"]["lengths"] == lengths           # the length typed before B = 1 survived
    p, x, n = expected_batch(at, lengths)
    assert_page_matches_core(at, p, x, n)
    assert_proof_is_exact(at, 8)


def test_lengths_beyond_the_limit_are_refused(at):
    at.number_input(key="padding_lengths_0").set_value(batching.MAX_LEN + 30).run()
    assert not at.exception
    assert at.number_input(key="padding_lengths_0").value <= batching.MAX_LEN
    assert heatmap_z(chart_spec(at, "pad_mask")).shape[1] <= batching.MAX_LEN


def test_extra_pads_make_even_the_longest_drift(at):
    at.number_input(key="padding_extra").set_value(3).run()
    assert not at.exception
    p, x, n = expected_batch(at, DEFAULT_LENGTHS, extra=3)
    assert x.shape[1] == max(DEFAULT_LENGTHS) + 3
    assert_page_matches_core(at, p, x, n)
    drift = table(at, "final state sᵀ: max |difference|")["final state sᵀ: max |difference|"]
    assert all(float(v) > 0 for v in drift)
    open_tab(at, WAYS)
    cells = len(n) * x.shape[1]
    wasted = strategies(at)["pad cells (computed, then thrown away)"][1]
    assert wasted == f"{cells - sum(n)} ({(cells - sum(n)) / cells:.0%})"


def test_bias_slider_changes_only_this_page(at):
    at.slider(key="padding_bias").set_value(0.0).run()
    assert not at.exception
    np.testing.assert_array_equal(at.session_state["params"].b_s, np.zeros(3))
    p, x, n = expected_batch(at, DEFAULT_LENGTHS, bias=0.0)
    assert_page_matches_core(at, p, x, n)
    at.slider(key="padding_bias").set_value(-0.8).run()
    np.testing.assert_array_equal(at.session_state["params"].b_s, np.zeros(3))   # the session's model is untouched
    p, x, n = expected_batch(at, DEFAULT_LENGTHS, bias=-0.8)
    assert_page_matches_core(at, p, x, n)
    at.switch_page(PAGES["step"].file).run()
    assert not at.exception
    np.testing.assert_array_equal(at.session_state["params"].b_s, np.zeros(3))


def test_strategy_tiles_count_buckets_and_pads(at):
    at.number_input(key="padding_lengths_1").set_value(DEFAULT_LENGTHS[0]).run()   # two sequences share a length
    lengths = [DEFAULT_LENGTHS[0]] * 2 + DEFAULT_LENGTHS[2:]
    open_tab(at, WAYS)
    shown = strategies(at)
    T, B = max(lengths), len(lengths)
    frac = rv.sequences.pad_fraction(lengths)
    assert shown == {"batches = forward calls": (str(len(set(lengths))), "1"),
                     "cells computed": (f"{sum(lengths)} (all real steps)", f"{B * T} (B × T = {B} × {T})"),
                     "pad cells (computed, then thrown away)": ("0", f"{B * T - sum(lengths)} ({frac:.0%})")}
    groups = table(at, "outputs: max |group batch − padded batch|")
    assert groups["length group"] == [str(L) for L in sorted(set(lengths))]
    assert groups["outputs: max |group batch − padded batch|"] == ["0.0"] * len(set(lengths))


def sentences_expected(at, text, bias=0.5):
    sb = batching.sentence_batch(text)
    p = batching.add_bias(at.session_state["params"], bias)
    x, n = batching.padded(sb.seqs)
    return sb, p, x, n


def test_typed_sentences_set_the_input_size_and_are_one_hot(at):
    at.radio(key="padding_source").set_value("sentences").run()
    assert not at.exception
    sb, p, x, n = sentences_expected(at, PADDING["text"])
    assert at.session_state["params"].input_size == sb.vocab.size == 7  # the callback gave the model I = V
    assert_page_matches_core(at, p, x, n)
    open_tab(at, BATCH)
    text = np.asarray(chart_spec(at, "pad_mask")["data"][0]["text"])
    assert "".join(text[0]).replace("␣", " ") == "the cat sat"
    at.text_area(key="padding_text").input("dog\n\ngod is good\nno").run()  # new characters, an empty line
    assert not at.exception
    sb, p, x, n = sentences_expected(at, "dog\n\ngod is good\nno")
    assert at.session_state["params"].input_size == sb.vocab.size
    assert n.tolist() == [3, 0, 11, 2]
    assert_page_matches_core(at, p, x, n)
    assert_proof_is_exact(at, 4)


def test_typed_sentences_never_reach_markdown(at):
    at.radio(key="padding_source").set_value("sentences").run()
    typed = "[a](x.y)\n**b**\n|"                                       # a link, bold, a table's pipe
    at.text_area(key="padding_text").input(typed).run()
    assert not at.exception and at.session_state["params"].input_size == batching.sentence_batch(typed).vocab.size
    for label in (BATCH, STATES, PROOF, WAYS):
        open_tab(at, label)
        for shown in texts(at):                                        # the app's own text has ** of its own:
            outside = re.sub(r"(`+) .*? \1", "", shown)               # look for the typed link and bold
            assert "](x" not in outside and "**b**" not in outside, (label, shown)
        if label != BATCH:
            assert tables(at) and all(row.startswith("seq ") for t in tables(at) for row in t.get("sequence", []))


def test_sentences_too_long_or_too_many_are_cut_with_a_message(at):
    at.radio(key="padding_source").set_value("sentences").run()
    text = "\n".join(["a" * 30] + ["ab"] * 9)
    at.text_area(key="padding_text").input(text).run()
    assert not at.exception
    infos = " ".join(i.value for i in at.info)
    assert "first 8 lines" in infos and f"first {batching.MAX_LEN} are used" in infos
    assert heatmap_z(chart_spec(at, "pad_mask")).shape == (8, batching.MAX_LEN)


def test_sentences_need_text_and_a_matching_input_size(at):
    at.radio(key="padding_source").set_value("sentences").run()
    at.text_area(key="padding_text").input("\n\n").run()
    assert not at.exception
    assert any("type at least one sentence" in w.value for w in at.warning)
    assert not at.get("plotly_chart")
    at.text_area(key="padding_text").input("ab\nba").run()
    assert at.session_state["params"].input_size == 2
    at.number_input(key="model_I").set_value(5).run()                  # the student changes I afterwards
    assert not at.exception
    assert any("needs I = 2" in w.value for w in at.warning)
    at.button(key="padding_fix_I").click().run()
    assert not at.exception
    assert at.session_state["params"].input_size == 2
    sb, p, x, n = sentences_expected(at, "ab\nba")
    assert_page_matches_core(at, p, x, n)


def test_too_many_distinct_characters_are_refused(at):
    at.radio(key="padding_source").set_value("sentences").run()
    at.text_area(key="padding_text").input("abcdefghijklmnopqrst\nuvwxyzABCDEFGHIJKLMN").run()
    assert not at.exception
    assert any("40 distinct characters" in e.value for e in at.error)
    at.radio(key="padding_source").set_value("random").run()               # back to random vectors: works again
    assert not at.exception
    assert chart_spec(at, "pad_mask")


def test_page_shows_the_core_source(at):
    assert not any("def forward(" in c.value for c in at.code)            # built only when opened
    at.session_state["source_open"] = True
    at.run()
    assert any("def forward(p: Params, inputs, lengths=None)" in c.value for c in at.code)
    assert any("class PadDemo:" in c.value for c in at.code)


def test_the_default_batch_groups_into_two_lengths_of_two(at):
    open_tab(at, WAYS)
    groups = table(at, "outputs: max |group batch − padded batch|")
    assert len(groups["length group"]) == 2
    assert groups["sequences in it"] == ["seq 1, seq 3", "seq 0, seq 2"]      # lengths 3 and 6
    assert strategies(at)["batches = forward calls"] == ("2", "1")


def test_a_new_input_seed_draws_new_sequences_with_the_same_weights(at):
    p = at.session_state["params"]
    before = heatmap_z(chart_spec(at, "pad_inputs"))
    at.button(key="padding_new").click().run()
    assert not at.exception
    assert at.session_state["sequence"]["seed"] == 1 and at.session_state["params"].equals(p)   # weights kept
    after = heatmap_z(chart_spec(at, "pad_inputs"))
    x, _ = batching.padded(batching.random_batch(np.array(DEFAULT_LENGTHS), p.input_size, seed=1))
    assert not np.array_equal(np.nan_to_num(before), np.nan_to_num(after))
    p2, x2, n2 = expected_batch(at, DEFAULT_LENGTHS)
    np.testing.assert_array_equal(x2, x)


def test_the_masking_lesson_opens_the_tab_its_claim_is_about():
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update({"lesson": "masking"})
    at.run()
    assert not at.exception
    assert any("Why masking matters" in i.value for i in at.info)
    assert at.session_state["padding"]["tab"] == STATES
    p, x, n = expected_batch(at, [6, 3, 6, 3])
    assert_page_matches_core(at, p, x, n)                               # its Left and Right charts are there
    open_tab(at, PROOF)
    assert dict(at.query_params)["pb_tab"] == PROOF                    # a shared link keeps the open tab


@pytest.mark.parametrize("label", [BATCH, STATES, PROOF, WAYS])
def test_every_tab_survives_the_edge_cases(label):
    at = open_page("step")
    make_it_overflow(at)                                                # inf and NaN states
    at.switch_page(PAGE).run()
    open_tab(at, label)
    assert any("Overflow" in e.value for e in at.error)                 # said above the tabs, on every tab
    for b in range(4):                                                  # then an all-pad batch
        at.number_input(key=f"padding_lengths_{b}").set_value(0).run()
        assert not at.exception
    at.number_input(key="padding_B").set_value(1).run()
    at.number_input(key="padding_extra").set_value(8).run()
    assert not at.exception
    at.radio(key="padding_source").set_value("sentences").run()
    at.text_area(key="padding_text").input("\nab\n\n").run()            # an empty line: a sequence of length 0
    assert not at.exception and at.session_state["padding"]["tab"] == label
