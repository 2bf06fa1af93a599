"""'Open this view as a notebook': the notebook that a page's Export offers (the file its download button makes)
runs offline in a real kernel, passes its own checks of the app's numbers, and draws what the page drew
(read back from both sides' plotly figures), bit for bit."""
import json

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from apptest_util import open_page
from figdata import chart_spec, decode, heatmap_z, stepper

NOTEBOOK = "rnnviz_view.ipynb"


def run(text: str) -> list:
    """Execute the notebook; the figure dicts it displayed, in order (a cell that raises fails the test)."""
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    return [json.loads(json.dumps(o["data"]["application/vnd.plotly.v1+json"]))
            for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if "application/vnd.plotly.v1+json" in o.get("data", {})]


def exported_notebook(at, files) -> str:
    files.clear()
    at.session_state["export_open"] = True
    at.run()
    assert not at.exception, at.exception
    return files[NOTEBOOK]()


@pytest.mark.parametrize("changes", [{}, {"model_H": 5, "model_f_s": "relu", "model_seed": 4, "sequence_T": 9}])
def test_the_step_views_notebook_draws_the_pages_states(files, changes):
    at = open_page("step")
    for key, value in changes.items():
        (at.selectbox if key == "model_f_s" else at.number_input)(key=key).set_value(value).run()
    at.session_state["step"]["t"] = 3                                   # the stepper reports step 3
    figs = run(exported_notebook(at, files))
    states = figs[0]
    np.testing.assert_array_equal(decode(states["data"][0]["z"]), stepper(at)["states"].T)


@pytest.mark.parametrize("objective", [None, ("mean squared error", "0.25")])
def test_the_bptt_views_notebook_draws_the_pages_deltas(files, objective):
    at = open_page("bptt")
    if objective:
        at.selectbox(key="bptt_objective").set_value(objective[0]).run()
        at.text_input(key="bptt_target").set_value(objective[1]).run()
    figs = run(exported_notebook(at, files))
    deltas = next(f for f in figs if "δ" in json.dumps(f["layout"].get("title", {}), ensure_ascii=False))
    np.testing.assert_array_equal(decode(deltas["data"][0]["z"]), stepper(at, "bptt_stepper")["deltas"].T)


def test_the_padding_views_notebook_draws_the_pages_mask_and_states(files):
    at = open_page("padding")
    at.slider(key="padding_bias").set_value(-0.3).run()
    figs = run(exported_notebook(at, files))
    np.testing.assert_array_equal(decode(figs[0]["data"][0]["z"]), heatmap_z(chart_spec(at, "pad_mask")))
    at.session_state["padding"]["tab"] = "The states, with and without the mask"
    at.run()
    np.testing.assert_array_equal(decode(figs[1]["data"][0]["z"]), heatmap_z(chart_spec(at, "pad_states")))  # sequence 0, masked
