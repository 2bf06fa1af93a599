"""rnnviz.batching (padded batches, masked vs unmasked vs alone) and rnnviz.batch_figures."""
import numpy as np
import pytest

import rnnviz as rv
from rnnviz import batch_figures, batching
from figdata import decode


def model(I=2, H=3, O=2, f_s="tanh", f_o="identity", seed=0, bias=0.4):
    p = rv.init_params(I, H, O, f_s=f_s, f_o=f_o, seed=seed)
    return batching.add_bias(p, bias)


# --- making a batch -----------------------------------------------------------------------------------------

def test_random_batch_shapes_and_prefix_stability():
    seqs = batching.random_batch([4, 0, 7], I=3, seed=5)
    assert [s.shape for s in seqs] == [(4, 3), (0, 3), (7, 3)]
    assert all(np.abs(s).max(initial=0) <= 1 for s in seqs)
    longer = batching.random_batch([6, 2, 7], I=3, seed=5)
    np.testing.assert_array_equal(longer[0][:4], seqs[0])            # lengthening appends steps only
    np.testing.assert_array_equal(longer[2], seqs[2])                # other sequences unchanged
    other_seed = batching.random_batch([4, 0, 7], I=3, seed=6)
    assert not np.array_equal(other_seed[0], seqs[0])


@pytest.mark.parametrize("lengths, message", [([batching.MAX_LEN + 1], "between 0 and"), ([-1], "between 0 and"),
                                              ([], "non-empty"), ([1.5], "whole numbers")])
def test_random_batch_refuses_bad_lengths(lengths, message):
    with pytest.raises(ValueError, match=message):
        batching.random_batch(np.array(lengths), I=2)


def test_random_batch_refuses_bad_input_size():
    with pytest.raises(ValueError, match="I must be"):
        batching.random_batch([2], I=0)


def test_sentence_batch_one_hot_over_shared_characters():
    sb = batching.sentence_batch("the cat\n\nhat\n\n\n")
    assert sb.sentences == ("the cat", "", "hat")                    # trailing empty lines dropped
    assert sb.vocab.tokens == tuple(sorted(set("the cathat")))
    assert [s.shape for s in sb.seqs] == [(7, sb.vocab.size), (0, sb.vocab.size), (3, sb.vocab.size)]
    assert sb.vocab.decode(sb.seqs[2]) == "hat"
    assert sb.notes == ()


def test_sentence_batch_cuts_long_lines_and_many_lines_with_notes():
    text = "\n".join(["x" * (batching.MAX_LEN + 5)] + ["ab"] * (batching.MAX_B + 2))
    sb = batching.sentence_batch(text)
    assert len(sb.seqs) == batching.MAX_B
    assert sb.seqs[0].shape[0] == batching.MAX_LEN
    assert any("first 8 lines" in n for n in sb.notes) and any("line 1 has 25 characters" in n for n in sb.notes)


@pytest.mark.parametrize("text", ["", "\n\n", 3])
def test_sentence_batch_without_characters_says_what_to_type(text):
    with pytest.raises(ValueError, match="sentence"):
        batching.sentence_batch(text)


def test_cell_labels_and_padding():
    cells = batching.cell_labels(["ab", "", "c"], 3)
    assert cells.tolist() == [["a", "b", ""], ["", "", ""], ["c", "", ""]]
    x, n = batching.padded([np.ones((2, 1)), np.ones((0, 1))], extra_pads=2)
    assert x.shape == (2, 4, 1) and n.tolist() == [2, 0]
    assert (x[0, 2:] == 0).all() and (x[1] == 0).all()               # the lesson text's pad: the zero vector


def test_add_bias_leaves_the_original_unchanged():
    p = rv.init_params(2, 3, 1)
    q = batching.add_bias(p, 0.7)
    np.testing.assert_array_equal(p.b_s, np.zeros(3))
    np.testing.assert_array_equal(q.b_s, np.full(3, 0.7))
    np.testing.assert_array_equal(q.W_s, p.W_s)


def test_max_abs_diff_and_identical():
    assert batching.max_abs_diff([1.0, np.inf], [1.0, np.inf]) == 0.0
    assert batching.max_abs_diff([np.nan], [np.nan]) == 0.0
    assert batching.max_abs_diff([1.0, 2.0], [1.5, 2.0]) == 0.5
    assert batching.max_abs_diff([np.inf], [1.0]) == np.inf
    assert np.isnan(batching.max_abs_diff([np.nan], [1.0]))
    assert batching.max_abs_diff(np.zeros(0), np.zeros(0)) == 0.0
    assert batching.identical([1.0, np.nan], [1.0, np.nan])
    assert not batching.identical([1.0], [1.0 + 1e-16 * 3])
    assert not batching.identical([1.0], [1.0, 1.0])


# --- masked, unmasked, alone ----------------------------------------------------------------------------------

@pytest.mark.parametrize("f_s, f_o", [("tanh", "identity"), ("relu", "softmax"), ("sigmoid", "tanh"),
                                      ("identity", "sigmoid")])
@pytest.mark.parametrize("lengths, extra", [([6, 3, 0, 1], 0), ([2], 0), ([0], 2), ([5, 5], 3), ([0, 0, 4], 1)])
def test_pad_demo_batch_equals_alone_bit_for_bit(f_s, f_o, lengths, extra):
    p = model(I=3, H=4, O=2, f_s=f_s, f_o=f_o, seed=len(lengths))
    x, n = batching.padded(batching.random_batch(lengths, 3, seed=1), extra)
    demo = batching.pad_demo(p, x, n)
    assert demo.alone_identical.all()
    for arr in (demo.alone_state_diff, demo.alone_output_diff, demo.alone_states_diff, demo.pad_delta,
                demo.pad_contrib):
        assert (arr == 0.0).all()
    for b, L in enumerate(n):                                          # and independently of pad_demo:
        alone = rv.forward(p, x[b:b + 1, :L], [L])
        assert np.array_equal(demo.masked.states[b, -1], alone.states[0, -1])
        assert np.array_equal(demo.masked.output[b], alone.output[0])
        pads = demo.masked.states[b, L:]                               # s^L .. s^T all equal s^L
        assert (pads == pads[0]).all()


def test_pad_demo_unmasked_drifts_only_where_there_are_pads():
    p = model(bias=0.5)
    x, n = batching.padded(batching.random_batch([5, 3, 0], 2, seed=0))
    demo = batching.pad_demo(p, x, n)
    np.testing.assert_array_equal(demo.unmasked.states, rv.forward(p, x).states)
    assert demo.unmasked_state_diff[0] == 0.0 and demo.unmasked_output_diff[0] == 0.0   # the longest: no pads
    assert (demo.unmasked_state_diff[1:] > 1e-3).all() and (demo.unmasked_output_diff[1:] > 0).all()
    assert (demo.unmasked_pad_contrib[1:] > 0).all()                   # pads fed in do get gradient
    T = demo.T
    for b in (1, 2):
        expected = np.abs(demo.masked.states[b, T] - demo.unmasked.states[b, T]).max()
        assert demo.unmasked_state_diff[b] == expected


def test_zero_bias_zero_state_zero_pads_do_not_drift_for_an_empty_sequence():
    p = model(bias=0.0)                                                # s0 = 0, b_s = 0: tanh(0 W) = 0
    x, n = batching.padded(batching.random_batch([4, 0], 2, seed=0))
    demo = batching.pad_demo(p, x, n)
    assert demo.unmasked_state_diff[1] == 0.0
    assert demo.unmasked_state_diff[0] == 0.0


def test_pad_step_contributions_match_grads_steps_for_one_sequence():
    p = model(bias=0.3)
    x, n = batching.padded(batching.random_batch([3], 2, seed=2), extra_pads=3)
    tr_un = rv.forward(p, x)                                           # unmasked: pads are real steps
    g = rv.backward(p, tr_un, np.ones_like(tr_un.output))
    got = batching.pad_step_contributions(g.deltas, g.xs, n)
    np.testing.assert_allclose(got[0], np.abs(g.steps("W_s")[3:]).max(), rtol=0, atol=0)
    tr = rv.forward(p, x, n)
    g = rv.backward(p, tr, np.ones_like(tr.output))
    assert (g.steps("W_s")[3:] == 0).all()
    assert batching.pad_step_contributions(g.deltas, g.xs, n)[0] == 0.0


def test_strategy_costs_and_bucket_outputs():
    seqs = batching.random_batch([4, 2, 4, 0, 1], 2, seed=0)
    c = batching.strategy_costs(seqs)
    assert (c.n_buckets, c.bucket_lengths, c.bucket_sizes) == (4, (0, 1, 2, 4), (1, 1, 1, 2))
    assert (c.real_cells, c.padded_cells, c.pad_cells) == (11, 20, 9)
    assert c.pad_fraction == rv.sequences.pad_fraction([4, 2, 4, 0, 1]) == 9 / 20
    c6 = batching.strategy_costs(seqs, T=6)
    assert (c6.padded_cells, c6.pad_cells) == (30, 19)
    p = model()
    x, n = batching.padded(seqs)
    diffs = batching.bucket_outputs_diff(p, seqs, rv.forward(p, x, n).output)
    assert diffs == {0: 0.0, 1: 0.0, 2: 0.0, 4: 0.0}


# --- figures ------------------------------------------------------------------------------------------------

def test_mask_figure_is_the_mask():
    fig = batch_figures.mask_figure([3, 0, 5], 6, cell_text=batching.cell_labels(["a b", "", "<b>x"], 6)).to_dict()
    z = decode(fig["data"][0]["z"])
    np.testing.assert_array_equal(z, (np.arange(1, 7)[None] <= np.array([3, 0, 5])[:, None]).astype(float))
    text = np.asarray(fig["data"][0]["text"])
    assert text[0].tolist() == ["a", "␣", "b", "pad", "pad", "pad"]
    assert text[2, 0] == "&lt;"                                        # typed text is shown, not interpreted
    assert list(fig["layout"]["yaxis"]["ticktext"]) == ["seq 0", "seq 1", "seq 2"]
    with pytest.raises(ValueError, match="between 0 and T"):
        batch_figures.mask_figure([7], 6)


def test_padded_inputs_figure_rows_and_pad_hatching():
    x, n = batching.padded(batching.random_batch([3, 1], 2, seed=0), extra_pads=1)
    fig = batch_figures.padded_inputs_figure(x, n).to_dict()
    np.testing.assert_array_equal(decode(fig["data"][0]["z"]), x.transpose(0, 2, 1).reshape(4, 4))
    rects = [s for s in fig["layout"]["shapes"] if s["type"] == "rect"]
    assert [(r["x0"], r["y0"], r["y1"]) for r in rects] == [(3.5, -0.5, 1.5), (1.5, 1.5, 3.5)]


def test_state_figures_show_the_states_with_pads_marked():
    p = model(bias=0.5)
    x, n = batching.padded(batching.random_batch([2, 5], 2, seed=0))
    demo = batching.pad_demo(p, x, n)
    masked = batch_figures.masked_states_figure(demo.masked.states[0], 2, colour_bar=False).to_dict()
    z = decode(masked["data"][0]["z"])
    np.testing.assert_array_equal(z, demo.masked.states[0].T)
    assert (z[:, 3:] == z[:, 2:3]).all()                               # flat after the length
    assert masked["data"][0]["showscale"] is False
    assert list(masked["layout"]["xaxis"]["ticktext"]) == ["0", "1", "2", "3<br>pad", "4<br>pad", "5<br>pad"]
    un = batch_figures.unmasked_states_figure(demo.unmasked.states[0], 2).to_dict()
    np.testing.assert_array_equal(decode(un["data"][0]["z"]), demo.unmasked.states[0].T)
    assert list(un["layout"]["xaxis"]["ticktext"])[3:] == ["3<br>0 in", "4<br>0 in", "5<br>0 in"]
    box = [s for s in un["layout"]["shapes"] if s["type"] == "rect"]
    assert box and box[0]["x0"] == 2.5 and box[0]["line"]["dash"] == "dash"
    no_pads = batch_figures.unmasked_states_figure(demo.unmasked.states[1], 5).to_dict()
    assert not no_pads["layout"].get("shapes")


def test_plain_escapes_markup():
    assert batch_figures.plain("<a href='x'>&") == "&lt;a href='x'&gt;&amp;"


def test_pad_demo_computes_each_comparison_when_first_read():
    p = model(bias=0.5)
    x, n = batching.padded(batching.random_batch([5, 3, 0], 2, seed=0))
    demo = batching.pad_demo(p, x, n)
    assert not {"alone", "_grads", "alone_identical", "pad_delta"} & set(vars(demo))   # only the two runs so far
    np.testing.assert_array_equal(demo.inputs, x)
    np.testing.assert_array_equal(demo.lengths, n)
    demo.unmasked_state_diff
    assert "alone" not in vars(demo) and "_grads" not in vars(demo)      # the states view needs no other run
    assert demo.alone_identical.all() and demo.alone is demo.alone       # computed once, then kept


def test_grid_figure_lines_up_the_panels_of_every_sequence():
    p = model(bias=0.5)
    x, n = batching.padded(batching.random_batch([2, 5, 0], 2, seed=0))
    demo = batching.pad_demo(p, x, n)
    zmax = 2.0
    panels = [fig for b, L in enumerate(n)
              for fig in (batch_figures.masked_states_figure(demo.masked.states[b], L, zmax=zmax, title=f"m{b}"),
                          batch_figures.unmasked_states_figure(demo.unmasked.states[b], L, zmax=zmax, title=f"u{b}"))]
    grid = batch_figures.grid_figure(panels, columns=2, column_titles=("with", "without"), title="states",
                                     panel_height=100)
    fig = grid.to_dict()
    layout = fig["layout"]
    axes = [("x", "y")] + [(f"x{k}", f"y{k}") for k in range(2, 7)]
    assert [(t["xaxis"], t["yaxis"]) for t in fig["data"]] == axes      # one trace per panel, each on its axes
    for k, (panel, trace) in enumerate(zip(panels, fig["data"])):       # the panel's numbers, unchanged
        np.testing.assert_array_equal(decode(trace["z"]), decode(panel.to_dict()["data"][0]["z"]))
        assert (trace["zmin"], trace["zmax"], trace["showscale"]) == (-zmax, zmax, k == 0)
    def name(axis, k):                                                  # plotly's xaxis, xaxis2, ...
        return f"{axis}axis{k + 1 if k else ''}"
    for b in range(3):                                                  # the two runs of a sequence side by side
        assert layout[name("y", 2 * b)]["domain"] == layout[name("y", 2 * b + 1)]["domain"]
        assert layout[name("x", 2 * b)]["domain"][1] < layout[name("x", 2 * b + 1)]["domain"][0]
    tops = [layout[name("y", 2 * b)]["domain"][1] for b in range(3)]
    assert tops == sorted(tops, reverse=True) and tops[0] == 1          # rows top to bottom
    assert [bool(layout[name("x", k)]["title"]["text"]) for k in range(6)] == [False] * 4 + [True] * 2
    assert [bool(layout[name("y", k)]["title"]["text"]) for k in range(6)] == [True, False] * 3
    hatched = [s for s in layout["shapes"] if s.get("fillcolor") == batch_figures.PAD_FILL]
    assert {(s["xref"], s["yref"]) for s in hatched} == {("x", "y domain"), ("x5", "y5 domain")}   # pads of b = 0, 2
    drift = [s for s in layout["shapes"] if s.get("line", {}).get("dash") == "dash"]
    assert {(s["xref"], s["yref"]) for s in drift} == {("x2", "y2"), ("x6", "y6")}
    assert [a["text"] for a in layout["annotations"]] == ["m0", "u0", "m1", "u1", "m2", "u2", "with", "without"]
    assert layout["title"]["text"] == "states"


def test_grid_figure_is_what_validation_would_send():
    from test_figspec import same
    panels = [batch_figures.masked_states_figure(np.tanh(np.arange(12.0).reshape(4, 3)), 2, title="a"),
              batch_figures.unmasked_states_figure(np.full((4, 3), np.inf), 2)]       # an overflow trace too
    grid = batch_figures.grid_figure(panels, columns=2, column_titles=("x", "y"))
    validated = grid.validated().to_dict()
    validated["layout"].pop("template")
    same(grid.to_dict(), validated)
