"""AppTest: the app starts, every page runs without an exception, and draws what the core computes."""
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import rnnviz as rv
from figdata import chart_spec, heatmap_z

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def app():
    return AppTest.from_file(APP, default_timeout=30).run()


def test_home_runs_and_plots_the_core_states(app):
    assert not app.exception
    p = app.session_state["params"]
    inputs = np.random.default_rng(0).uniform(-1, 1, (1, 8, p.input_size))
    states = heatmap_z(chart_spec(app, "home_states"))
    np.testing.assert_array_equal(states, rv.forward(p, inputs).states[0].T)


def set_model(at, **values):
    """Set sidebar controls by their model key and rerun."""
    for key, value in values.items():
        widget = next(w for w in at.sidebar if getattr(w, "key", None) == f"model_{key}")
        widget.set_value(value)
    return at.run()


def test_sidebar_widgets_exist_with_their_keys(app):
    keys = {w.key for w in app.sidebar if getattr(w, "key", None)}
    assert {f"model_{k}" for k in ("I", "H", "O", "f_s", "f_o", "scale", "seed", "s0")} <= keys


def test_changing_the_model_rebuilds_the_parameters(app):
    set_model(app, H=5, f_s="relu")
    assert not app.exception
    p = app.session_state["params"]
    assert (p.state_size, p.f_s) == (5, "relu")
    assert heatmap_z(chart_spec(app, "home_states")).shape == (5, 9)
    set_model(app, s0="learned")
    assert np.abs(app.session_state["params"].s0).max() > 0
