"""AppTest of the Export expander on the step and BPTT pages: it builds nothing while closed; opened, it
offers download buttons whose (deferred) files are exactly rnnviz.export's for the page's model and sequence.

The download buttons' deferred files are recorded by the `files` fixture (tests/conftest.py) and called, as
the server does on a click.
"""
import subprocess
import sys

import numpy as np
import pytest

import rnnviz as rv
from apptest_util import open_page, set_model
from rnnviz import export, model_io, presets
from rnnviz.bptt import Objective

STEP, BPTT = "step", "bptt"
AGREE = "rnnviz and PyTorch agree"


def export_keys(at) -> set:
    return {b.key for b in at.get("download_button") if (b.key or "").startswith("export_")}


def open_export(at, files):
    files.clear()
    at.session_state["export_open"] = True
    at.run()
    assert not at.exception, at.exception
    return at


def page_trace(at):
    """(p, trace) of the page's default sequence: 6 random vectors from the seed, then 2 zero pads."""
    p = at.session_state["params"]
    x = presets.make_sequence("random vectors", p.input_size, 6, seed=at.session_state["model"]["seed"]).inputs
    inputs = np.concatenate([x, np.zeros((2, p.input_size))])[None]
    return p, rv.forward(p, inputs, [6])


def test_step_page_exports_states_parameters_and_a_forward_script(files):
    at = open_page(STEP)
    assert export_keys(at) == set() and not files                       # closed: nothing is built
    open_export(at, files)
    assert export_keys(at) == {"export_states", "export_npz", "export_json", "export_pytorch", "export_notebook"}
    p, tr = page_trace(at)
    assert files["rnnviz_states.csv"]() == export.states_csv(tr)
    assert model_io.from_npz(files["rnnviz_params.npz"]()).equals(p)
    assert model_io.from_json(files["rnnviz_params.json"]()).equals(p)
    code = files["rnnviz_pytorch_check.py"]()
    assert code == export.pytorch_script(p, tr.inputs, tr.lengths, None)
    assert "Nothing is differentiated" in code
    compile(code, "rnnviz_pytorch_check.py", "exec")


def test_bptt_page_exports_gradients_and_a_script_that_torch_agrees_with(files):
    at = open_page(BPTT)
    assert export_keys(at) == set()
    open_export(at, files)
    assert export_keys(at) == {"export_states", "export_deltas", "export_contributions", "export_npz", "export_json",
                               "export_pytorch", "export_notebook"}
    p, tr = page_trace(at)
    objective = Objective("output component", k=0)                      # the page's default
    g = rv.backward(p, tr, objective(tr.output)[1])
    assert files["rnnviz_deltas.csv"]() == export.deltas_csv(g, tr)
    assert files["rnnviz_contributions.csv"]() == export.contributions_csv(g, tr)
    code = files["rnnviz_pytorch_check.py"]()
    assert code == export.pytorch_script(p, tr.inputs, tr.lengths, objective)
    pytest.importorskip("torch")
    run = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().endswith(AGREE)


def test_bptt_page_script_follows_the_objective_and_f_s(files):
    at = open_page(BPTT)
    set_model(at, f_s="sigmoid")
    at.selectbox(key="bptt_objective").set_value("mean squared error").run()
    at.text_input(key="bptt_target").set_value("0.25").run()
    open_export(at, files)
    p, tr = page_trace(at)
    assert p.f_s == "sigmoid"
    code = files["rnnviz_pytorch_check.py"]()
    assert code == export.pytorch_script(p, tr.inputs, tr.lengths, Objective("mean squared error", target=(0.25,)))
    assert "TARGET = [0.25]" in code and "torch.nn.RNN(" not in code      # sigmoid: the explicit loop


def test_an_overflowed_model_offers_no_script(files):
    at = open_page(STEP)
    p = at.session_state["params"]
    at.session_state["params"] = p.replace(W_s=p.W_s * 1e200, f_s="identity")   # s^2 overflows to inf
    open_export(at, files)
    assert page_trace(at)[1].first_nonfinite_step() is not None
    assert export_keys(at) == {"export_states", "export_npz", "export_json", "export_notebook"}
    assert any("No PyTorch script" in c.value for c in at.caption)
    header, *rows = files["rnnviz_states.csv"]().splitlines()
    assert "inf" in rows[-1] or "nan" in rows[-1]                        # the states CSV still shows what happened
