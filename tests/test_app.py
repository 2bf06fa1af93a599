"""AppTest of the home page (app.py): it runs, and draws what the core computes."""
import numpy as np

import rnnviz as rv
from apptest_util import open_page, set_model
from figdata import chart_spec, heatmap_z


def test_home_runs_and_plots_the_core_states():
    at = open_page()
    p = at.session_state["params"]
    inputs = np.random.default_rng(0).uniform(-1, 1, (1, 8, p.input_size))
    states = heatmap_z(chart_spec(at, "home_states"))
    np.testing.assert_array_equal(states, rv.forward(p, inputs).states[0].T)


def test_sidebar_has_every_model_control():
    at = open_page()
    keys = {w.key for w in at.sidebar if getattr(w, "key", None)}
    assert {f"model_{k}" for k in ("I", "H", "O", "f_s", "f_o", "scale", "seed", "s0")} <= keys


def test_changing_the_model_rebuilds_the_parameters():
    at = set_model(open_page(), H=5, f_s="relu")
    assert not at.exception
    p = at.session_state["params"]
    assert (p.state_size, p.f_s) == (5, "relu")
    assert heatmap_z(chart_spec(at, "home_states")).shape == (5, 9)
    at = set_model(at, s0="learned")
    assert np.abs(at.session_state["params"].s0).max() > 0
