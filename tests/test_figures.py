"""Figures are pure functions: check what they would draw through fig.to_dict()."""
import numpy as np
import pytest

import rnnviz as rv
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
    marks = fig["data"][1]                                                # ... but a black cell labelled overflow
    assert marks["name"] == "overflow" and marks["type"] == "heatmap"
    filled = ~np.isnan(heatmap_z(fig, trace=1))
    np.testing.assert_array_equal(filled, ~np.isfinite(v).T)              # exactly the overflowed cells, each its own
    assert marks["text"][0][1] == "inf" and marks["text"][1][1] == "nan"


def test_huge_values_get_log_colours_and_every_overflowed_cell_its_own_mark():
    rng = np.random.default_rng(0)
    T, H = 1000, 64
    v = rng.normal(size=(T, H)) * 10.0 ** np.linspace(0, 304, T)[:, None]   # grows to 1e304 ...
    v[900:, ::2] = np.inf                                                # ... then overflows in every other unit
    fig = figures.step_heatmap(v, first_step=1).to_dict()
    heat = fig["data"][0]
    finite = np.isfinite(v).T
    np.testing.assert_array_equal(decode(heat["customdata"])[finite], v.T[finite])   # hover: the true values
    colours = heatmap_z(fig)
    np.testing.assert_allclose(colours[finite], figures.signed_log(v.T[finite]))
    assert heat["zmax"] == pytest.approx(figures.signed_log(np.abs(v[np.isfinite(v)]).max()))
    small = np.abs(v.T) < 1e3
    spread = np.ptp(colours[small & finite]) / (heat["zmax"] - heat["zmin"])
    assert spread > 100 * 1e3 / np.abs(v[np.isfinite(v)]).max()          # far from the all-white of a linear scale
    assert spread > 0.005
    overflow = heatmap_z(fig, trace=1)
    assert (~np.isnan(overflow) == ~np.isfinite(v).T).all()              # one mark per overflowed cell, no more
    assert np.isfinite(v[:, 1::2]).all() and np.isnan(overflow[1::2]).all()   # neighbours stay unmarked


def test_latex_numbers_use_scientific_notation_when_large_or_tiny():
    from rnnviz import latex
    for x in (1.8e304, -3.2e-9, 123456.0, 0.5, -2.25, 0.0):
        text = latex.number(x)
        assert len(text) < 24, text
        mantissa, _, exponent = text.partition(r" \times 10^")
        value = float(mantissa) * 10.0 ** int(exponent.strip("{}")) if exponent else float(mantissa)
        assert value == pytest.approx(x, rel=1e-3, abs=1e-4)
    assert latex.row_vector([1e300, -1e-300, 0.25]).count(r"\times") == 2


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


