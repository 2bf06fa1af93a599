"""Every figure builder returns a FigureSpec that plotly's strict validation accepts, and that carries
exactly what the validated figure would send: validation runs here, not on every rerun of a page."""
import json

import numpy as np
import pandas as pd
import pytest
from _plotly_utils.utils import PlotlyJSONEncoder, convert_to_base64

from figdata import decode
from rnnviz import batch_figures, bptt_figures, figures, train_figures
from rnnviz.figspec import FigureSpec, _structure_copy

RNG = np.random.default_rng(0)


def _states(T, H):
    return np.tanh(RNG.normal(size=(T + 1, H)))


def _overflowing(T, H):
    s = _states(T, H)
    s[2, 0], s[T, H - 1], s[1, 1] = np.inf, np.nan, -np.inf
    return s


def _real_steps(T, length):
    return np.arange(1, T + 1) <= length


def _losses(n):
    return np.exp(-np.arange(n) / 500.0) + 0.01 * RNG.random(n)


CASES = {
    # rnnviz.figures
    "states plain": lambda: figures.states_figure(_states(5, 3)),
    "states pads, current": lambda: figures.states_figure(_states(8, 3), _real_steps(8, 5), current=3, zmax=2.0),
    "states current first": lambda: figures.states_figure(_states(4, 2), current=0),
    "states current last": lambda: figures.states_figure(_states(4, 2), _real_steps(4, 2), current=4),
    "states large T": lambda: figures.states_figure(_states(300, 40), _real_steps(300, 250), current=120),
    "states overflow": lambda: figures.states_figure(_overflowing(6, 3), _real_steps(6, 4), current=2),
    "states all overflow": lambda: figures.step_heatmap(np.full((3, 2), np.nan)),
    "inputs": lambda: figures.inputs_figure(RNG.normal(size=(6, 2)), _real_steps(6, 4), current=2, title=""),
    "heatmap backward": lambda: figures.step_heatmap(RNG.normal(size=(7, 3)), pads=[0, 0, 1, 1, 0, 1, 1],
                                                     current=4, backward=True, height=300, value_name="δ"),
    "heatmap T=1000": lambda: figures.step_heatmap(RNG.normal(size=(1000, 8)), first_step=1),
    # rnnviz.batch_figures
    "mask": lambda: batch_figures.mask_figure([3, 0, 5], 6),
    "mask with text": lambda: batch_figures.mask_figure([2, 4], 4, row_names=["a<b>", "cd"],
                                                        cell_text=[list("ab  "), list("c d&")], title=""),
    "mask large": lambda: batch_figures.mask_figure(RNG.integers(0, 121, size=40), 120),
    "padded inputs": lambda: batch_figures.padded_inputs_figure(RNG.normal(size=(3, 6, 2)), [6, 2, 0]),
    "padded inputs no pads": lambda: batch_figures.padded_inputs_figure(RNG.normal(size=(1, 4, 1)), [4], title=""),
    "padded inputs large": lambda: batch_figures.padded_inputs_figure(RNG.normal(size=(16, 200, 4)),
                                                                      RNG.integers(0, 201, size=16)),
    "masked states": lambda: batch_figures.masked_states_figure(_states(6, 3), 2, title="x"),
    "masked states no bar": lambda: batch_figures.masked_states_figure(_states(6, 3), 6, zmax=1.0, height=200,
                                                                       colour_bar=False),
    "masked states overflow": lambda: batch_figures.masked_states_figure(_overflowing(5, 2), 3, colour_bar=False),
    "unmasked states": lambda: batch_figures.unmasked_states_figure(_states(6, 3), 2, title="y"),
    "unmasked states no pads": lambda: batch_figures.unmasked_states_figure(_states(6, 3), 6, colour_bar=False),
    "unmasked states large": lambda: batch_figures.unmasked_states_figure(_states(150, 20), 40, zmax=1.0,
                                                                          height=400, colour_bar=False),
    "unmasked states overflow": lambda: batch_figures.unmasked_states_figure(_overflowing(5, 2), 1),
    # rnnviz.bptt_figures
    "deltas": lambda: bptt_figures.deltas_figure(RNG.normal(size=(6, 3)), _real_steps(6, 4) == 0, current=3),
    "deltas output": lambda: bptt_figures.deltas_figure(RNG.normal(size=(6, 3)), np.zeros(6, bool), current=7),
    "contribution": lambda: bptt_figures.contribution_matrix_figure(RNG.normal(size=(5, 3)), 3, 2),
    "contribution no input": lambda: bptt_figures.contribution_matrix_figure(RNG.normal(size=(3, 3)), 3, 1),
    "contribution large": lambda: bptt_figures.contribution_matrix_figure(RNG.normal(size=(48, 40)), 40, 9),
    "element steps": lambda: bptt_figures.element_steps_figure(RNG.normal(size=(4, 6)), ["a", "b", "c", "d"],
                                                               np.arange(1, 7), RNG.normal(size=4)),
    "step bars": lambda: bptt_figures.step_bars_figure(RNG.random(6), _real_steps(6, 4) == 0, title="t", y_title="n"),
    "step bars kept, overflow": lambda: bptt_figures.step_bars_figure(
        [1.0, np.inf, np.nan, 2.0], [0, 0, 0, 1], kept=[0, 1, 1, 1]),
    "lines log": lambda: bptt_figures.lines_figure(np.arange(1, 7), {"a": [1, 0, 3, np.inf, 5, 6],
                                                                     "b": RNG.random(6)}, "T", "y"),
    "lines linear, range": lambda: bptt_figures.lines_figure(np.arange(100), {"s": RNG.random(100)}, "S", "share",
                                                             log_y=False, y_range=(0, 1)),
    # rnnviz.train_figures
    "loss before training": lambda: train_figures.loss_figure([], [(0, 1.0)]),
    "loss short": lambda: train_figures.loss_figure(_losses(50), [(0, 1.0), (25, 0.5), (50, 0.2)], height=300),
    "loss binned": lambda: train_figures.loss_figure(_losses(5000), [(0, 1.0), (5000, 0.01)], title=""),
    "generalisation accuracy": lambda: train_figures.generalisation_figure(
        np.arange(1, 21), {"RNN": RNG.random(20), "ff": RNG.random(20)}, (2, 10), "accuracy", True, chance=0.5,
        title="acc"),
    "generalisation error": lambda: train_figures.generalisation_figure(
        np.arange(1, 41), {f"f_s = {k}": RNG.random(40) for k in range(5)}, (5, 20), "relative error", False),
    "prediction": lambda: train_figures.prediction_figure(RNG.random(30), RNG.random(30), RNG.integers(1, 20, 30),
                                                          (2, 10), unit=9.0, title="sums"),
    "prediction trained only": lambda: train_figures.prediction_figure([0.1, 0.2], [0.1, np.nan], [3, 4], (2, 10)),
}


ARRAYS = ("shapes", "annotations")          # layout arrays that plotly leaves out when empty


def same(sent, validated, where="figure"):
    """Assert two figure dicts are equal: typed arrays decoded, NaN equal to NaN, tuples equal to lists, and an
    empty list of shapes or annotations in `sent` equal to none (validation leaves such a list out)."""
    if _container(sent) or _container(validated):
        assert _container(sent) and _container(validated), where
        sent = {key: v for key, v in sent.items() if not (key in ARRAYS and v == [])}
        assert sent.keys() == validated.keys(), f"{where}: {sorted(sent)} != {sorted(validated)}"
        for key in sent:
            same(sent[key], validated[key], f"{where}.{key}")
    elif isinstance(sent, (list, tuple)) and isinstance(validated, (list, tuple)):
        assert len(sent) == len(validated), where
        for k, (a, b) in enumerate(zip(sent, validated)):
            same(a, b, f"{where}[{k}]")
    else:                                                           # arrays, typed arrays, scalars
        a, b = decode(sent), decode(validated)
        assert a.shape == b.shape, where
        if a.dtype.kind in "fiu" and b.dtype.kind in "fiu":
            np.testing.assert_array_equal(a, b, err_msg=where)
        else:
            assert a.tolist() == b.tolist(), where


def _container(value) -> bool:
    return isinstance(value, dict) and "bdata" not in value


@pytest.mark.parametrize("name", CASES)
def test_spec_is_what_validation_would_send(name):
    spec = CASES[name]()
    assert isinstance(spec, FigureSpec)
    validated = spec.validated().to_dict()                         # raises on any invalid property
    sent = spec.to_dict()
    validated["layout"].pop("template")
    assert "template" not in sent["layout"]
    same(sent, validated)


EDGES = FigureSpec(dict(                                           # arrays plotly's walk treats each its own way
    data=[dict(type="heatmap", z=np.arange(12.0).reshape(3, 4)[:, ::2], x=np.arange(3, dtype=np.int64),
               y=np.array([True, False]), text=np.array(["a", "b"]), customdata=[np.ones(2), {"v": np.ones(2)}],
               zmin=np.float64(0.5), hovertext=np.array([], dtype=float), meta=np.array(7.0),
               marker=dict(color=np.arange(4, dtype=np.uint64) * 2**40, size=np.arange(3, dtype=np.float32)),
               ids=pd.Series([1.5, 2.5]), w=np.arange(2, dtype=np.int16), u=np.arange(2, dtype=np.uint8))],
    layout=dict(xaxis=dict(range=np.array([0.0, 1.0])), shapes=(dict(x0=np.zeros(1)),))))


@pytest.mark.parametrize("name", [*CASES, "edge cases"])
def test_to_dict_is_exactly_what_plotlys_own_conversion_makes(name):
    spec = EDGES if name == "edge cases" else CASES[name]()
    expected = _structure_copy(spec.spec)
    convert_to_base64(expected)                                    # plotly's walk, in place on a copy
    sent = spec.to_dict()
    assert json.dumps(sent, cls=PlotlyJSONEncoder, sort_keys=True) == \
        json.dumps(expected, cls=PlotlyJSONEncoder, sort_keys=True)
    assert _kinds(sent) == _kinds(expected)                         # typed-array specs where plotly makes them


def _kinds(value):
    if isinstance(value, dict):
        return {key: _kinds(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_kinds(v) for v in value]
    return type(value).__name__


def test_to_dict_is_a_fresh_copy_that_leaves_the_arrays_alone():
    z = np.arange(6.0).reshape(2, 3)
    spec = FigureSpec(dict(data=[dict(type="heatmap", z=z, y=["a", "b"])], layout=dict(shapes=[])))
    first = spec.to_dict()
    first["data"][0]["y"].append("c")
    first["layout"]["shapes"].append({})
    second = spec.to_dict()
    assert second["data"][0]["y"] == ["a", "b"] and second["layout"]["shapes"] == []
    assert second["data"][0]["z"]["dtype"] == "f8"                 # plotly's typed-array wire format
    np.testing.assert_array_equal(decode(second["data"][0]["z"]), z)
    assert spec.spec["data"][0]["z"] is z                          # the builder's array, neither copied nor encoded


def test_invalid_properties_are_caught_by_validated():
    spec = FigureSpec(dict(data=[dict(type="heatmap", zz=[1])], layout={}))
    with pytest.raises(ValueError):
        spec.validated()
