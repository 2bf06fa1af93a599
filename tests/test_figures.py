"""Figures are pure functions: check what they would draw through fig.to_dict()."""
import numpy as np
import pytest

import rnnviz as rv
from rnnviz import bptt_figures as bf
from rnnviz import figures, train_figures
from figdata import decode, heatmap_z


def test_states_figure_shows_every_state_and_marks_pads():
    p = rv.init_params(2, 3, 1, seed=1)
    x = np.random.default_rng(0).normal(size=(1, 6, 2))
    tr = rv.forward(p, x, lengths=[4])
    fig = figures.states_figure(tr.states[0], tr.mask[0], current=3).to_dict()
    np.testing.assert_array_equal(heatmap_z(fig), tr.states[0].T)        # units x steps, exactly
    np.testing.assert_array_equal(decode(fig["data"][0]["x"]), np.arange(7))
    pad_rects = [s for s in fig["layout"]["shapes"] if s.get("fillcolor") == figures.PAD_FILL]
    assert [(s["x0"], s["x1"]) for s in pad_rects] == [(4.5, 6.5)]     # steps 5 and 6 are pads: one band
    ticks = fig["layout"]["xaxis"]["ticktext"]
    assert ticks[5].endswith("pad") and not ticks[4].endswith("pad")


def test_colour_range_is_symmetric_and_fixed_by_caller():
    v = np.array([[0.2, -0.5], [0.1, 0.3]])
    fig = figures.step_heatmap(v).to_dict()
    assert fig["data"][0]["zmin"] == -0.5 and fig["data"][0]["zmax"] == 0.5
    fig = figures.step_heatmap(v, zmax=1.0).to_dict()
    assert fig["data"][0]["zmin"] == -1.0 and fig["data"][0]["zmax"] == 1.0


def test_overflow_is_marked_not_blank():
    v = np.array([[0.5, 1.0], [np.inf, np.nan]])
    fig = figures.step_heatmap(v, first_step=1).to_dict()
    z = heatmap_z(fig)
    assert np.isnan(z[0, 1]) and np.isnan(z[1, 1])                        # no colour for non-finite cells ...
    marks = fig["data"][1]                                                # ... but a cross labelled overflow
    assert marks["name"] == "overflow"
    assert list(decode(marks["x"])) == [2, 2] and list(marks["y"]) == ["0", "1"]
    assert marks["text"] == ["inf", "nan"]


def test_long_sequences_stay_readable():
    v = np.random.default_rng(0).normal(size=(1000, 64))
    pads = np.zeros(1000, bool)
    pads[900:] = True
    fig = figures.step_heatmap(v, first_step=1, pads=pads).to_dict()
    ticks = decode(fig["layout"]["xaxis"]["tickvals"])
    assert len(ticks) <= 16 and all(t % 100 == 0 for t in ticks)
    assert fig["data"][0]["xgap"] == 0 and fig["data"][0]["ygap"] == 0     # gaps would hide 1-pixel cells
    assert fig["layout"]["height"] <= 640
    assert len(fig["layout"]["shapes"]) == 1                               # 100 pads, one band


def test_a_long_loss_curve_is_drawn_as_exact_bin_means():
    rng = np.random.default_rng(0)
    losses = rng.uniform(0, 1, 1234)
    x, y = train_figures.binned(losses, max_points=100)
    assert x.size == y.size == 100
    edges = [int(k * 1234 / 100) for k in range(101)]                   # the same equal bins, one by one
    for b in range(100):
        chunk = losses[edges[b]: edges[b + 1]]
        assert y[b] == pytest.approx(chunk.mean(), rel=1e-12)
        assert x[b] == (edges[b] + 1 + edges[b + 1]) / 2                 # the middle update of the bin (1-based)
    short_x, short_y = train_figures.binned(losses[:50], max_points=100)
    assert np.array_equal(short_x, np.arange(1, 51)) and np.array_equal(short_y, losses[:50])


def test_states_appear_only_once_computed_unless_revealed():
    states = np.arange(12.0).reshape(4, 3) - 5                          # s^0..s^3
    hidden = figures.states_figure(states, current=1, reveal=False).to_dict()["data"][0]
    z = decode(hidden["z"]).T                                            # (steps, units)
    assert np.array_equal(z[:2], states[:2]) and np.isnan(z[2:]).all()   # s^2, s^3 not computed yet: empty
    assert hidden["hoverongaps"] is False                                # and no hover value for them
    shown = figures.states_figure(states, current=1, reveal=True).to_dict()
    assert np.array_equal(decode(shown["data"][0]["z"]).T, states)
    assert any(s.get("fillcolor") == figures.FUTURE_FILL for s in shown["layout"]["shapes"])


def test_deltas_appear_from_the_end_backward():
    deltas = np.arange(8.0).reshape(4, 2) + 1                            # delta^1..delta^4
    z = decode(bf.deltas_figure(deltas, np.zeros(4, bool), current=3, reveal=False).to_dict()["data"][0]["z"]).T
    assert np.isnan(z[:2]).all() and np.array_equal(z[2:], deltas[2:])  # delta^4, delta^3 computed so far
