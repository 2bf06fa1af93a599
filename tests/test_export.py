"""rnnviz.export: CSV files read back exactly, contributions add up to the gradient, and the generated
PyTorch script — run in a subprocess — agrees with rnnviz (and fails when a number in it is changed)."""
import csv
import io
import json
import re
import subprocess
import sys

import numpy as np
import pytest

import rnnviz as rv
from rnnviz import export, model_io
from rnnviz.bptt import Objective
from rnnviz.gradcheck import relative_error
from rnnviz.params import element_names

AGREE = "rnnviz and PyTorch agree"


def read_csv(text: str):
    """(header, rows) of CSV text."""
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


@pytest.fixture
def batch(case):
    """A batch of 3 with pads (lengths [5, 2, 4] of T = 6), a learned s0, and its trace and gradients."""
    p, x, lengths = case(B=3, T=6, I=2, H=3, O=2, seed=4, lengths=[5, 2, 4])
    tr = rv.forward(p, x, lengths)
    g = rv.backward(p, tr, np.random.default_rng(4).standard_normal((3, 2)))
    return p, tr, g


# --------------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------------

def test_states_csv_reads_back_exactly(batch):
    p, tr, g = batch
    for b in range(3):
        header, rows = read_csv(export.states_csv(tr, b))
        assert header == ["t", "pad", "s_0", "s_1", "s_2"]
        assert [int(r[0]) for r in rows] == list(range(7))                      # t = 0..T
        assert [int(r[1]) for r in rows] == [0] + (~tr.mask[b]).astype(int).tolist()
        states = np.array([[float(v) for v in r[2:]] for r in rows])
        np.testing.assert_array_equal(states, tr.states[b])                     # bit for bit


def test_deltas_csv_reads_back_exactly_and_is_zero_at_pads(batch):
    p, tr, g = batch
    for b in range(3):
        header, rows = read_csv(export.deltas_csv(g, tr, b))
        assert header == ["t", "pad", "delta_0", "delta_1", "delta_2"]
        assert [int(r[0]) for r in rows] == list(range(1, 7))                   # t = 1..T
        pads = np.array([int(r[1]) for r in rows], dtype=bool)
        np.testing.assert_array_equal(pads, ~tr.mask[b])
        deltas = np.array([[float(v) for v in r[2:]] for r in rows])
        np.testing.assert_array_equal(deltas, g.deltas[b])
        assert (deltas[pads] == 0).all()


def test_csv_refuses_a_sequence_outside_the_batch(batch):
    p, tr, g = batch
    with pytest.raises(ValueError, match="0..2"):
        export.states_csv(tr, 3)


def contributions(text: str):
    """{(parameter, row, col): (T,) values}, with the names, from a contributions CSV."""
    header, rows = read_csv(text)
    assert header == ["t", "parameter", "row", "col", "name", "value"]
    values, names = {}, {}
    for t, param, row, col, name, value in rows:
        key = (param, int(row), int(col))
        values.setdefault(key, []).append((int(t), float(value)))
        names[key] = name
    out = {}
    for key, tv in values.items():
        ts = [t for t, _ in tv]
        assert ts == sorted(ts)
        out[key] = np.array([v for _, v in tv])
    return out, names


def test_contributions_add_up_to_the_gradient_and_are_zero_at_pads(batch):
    p, tr, g = batch
    values, names = contributions(export.contributions_csv(g, tr))
    HI, H = p.W_s.shape
    assert len(values) == HI * H + H
    seed_names = {(param, idx): name for name, (param, idx) in element_names(p).items()}
    everyone_pads = ~tr.mask.any(axis=0)                                   # steps that are pads in every sequence
    assert everyone_pads.tolist() == [False] * 5 + [True]                # step 6 is a pad in every sequence
    for (param, row, col), per_step in values.items():
        assert per_step.shape == (6,)
        if param == "W_s":
            assert names[(param, row, col)] == seed_names[("W_s", (row, col))]
            total = g.W_s[row, col]
            np.testing.assert_allclose(per_step, g.step_element("W_s", row, col), rtol=1e-12, atol=1e-15)
        else:
            assert param == "b_s" and row == 0
            assert names[(param, row, col)] == f"b_s{col}"
            total = g.b_s[col]
            np.testing.assert_allclose(per_step, g.steps("b_s")[:, col], rtol=1e-12, atol=1e-15)
        assert relative_error(per_step.sum(), total) < 1e-12
        assert (per_step[everyone_pads] == 0).all()


@pytest.fixture
def padded_one(case):
    p, x, lengths = case(B=1, T=7, I=2, H=3, O=1, seed=8, lengths=[4])
    tr = rv.forward(p, x, lengths)
    return p, tr, rv.backward(p, tr, np.ones((1, 1)))


def test_contributions_of_one_padded_sequence(padded_one):
    p, tr, g = padded_one
    text = export.contributions_csv(g, tr)
    values, _ = contributions(text)
    for (param, row, col), per_step in values.items():
        assert (per_step[4:] == 0).all() and not np.signbit(per_step[4:]).any()    # 0.0, never -0.0
        assert relative_error(per_step.sum(), g.W_s[row, col] if param == "W_s" else g.b_s[col]) < 1e-12
    assert text.count("\n") == 1 + 7 * (5 * 3 + 3)


def test_contributions_names_with_commas_are_quoted(case):
    p, x, lengths = case(B=1, T=2, I=1, H=11, O=1, seed=2, lengths=[2])
    tr = rv.forward(p, x, lengths)
    g = rv.backward(p, tr, np.ones((1, 1)))
    values, names = contributions(export.contributions_csv(g, tr))
    assert names[("W_s", 1, 10)] == "W_s1,10" and names[("W_s", 11, 3)] == "W_i0,3"
    assert relative_error(values[("W_s", 1, 10)].sum(), g.W_s[1, 10]) < 1e-12


def test_contributions_refuse_a_too_long_sequence():
    p = rv.init_params(1, 32, 1, seed=0)
    x = np.zeros((1, 5000, 1))                                           # 5000 x 33 x 32 = 5.28 million > the limit
    tr = rv.forward(p, x)
    g = rv.backward(p, tr, np.ones((1, 1)))
    with pytest.raises(ValueError, match="shorten the sequence"):
        export.contributions_csv(g, tr)


def test_parameter_files_round_trip(batch):
    p = batch[0]
    assert model_io.from_npz(export.params_npz(p)).equals(p)
    assert model_io.from_json(export.params_json(p)).equals(p)
    with np.load(io.BytesIO(export.params_npz(p))) as f:                 # plain numpy reads it too
        np.testing.assert_array_equal(f["W_s"], p.W_s)


# --------------------------------------------------------------------------------------------------
# The PyTorch script
# --------------------------------------------------------------------------------------------------

def test_script_refuses_an_overflowed_run():
    p = rv.init_params(1, 2, 1, f_s="identity", seed=0, scale=1e200)
    with pytest.raises(ValueError, match="overflowed"):
        export.pytorch_script(p, np.ones((1, 5, 1)), None, Objective())


def test_script_refuses_a_d_output_of_the_wrong_shape():
    p = rv.init_params(1, 2, 2, seed=0)
    with pytest.raises(ValueError, match="output's shape"):
        export.pytorch_script(p, np.ones((1, 3, 1)), None, np.ones((1, 3)))


# name: (make_case kwargs, objective (or "d_output"), uses nn.RNN)
SCRIPT_CASES = {
    "tanh-identity-component-batch": (dict(B=2, T=6, I=2, H=3, O=2, f_s="tanh", f_o="identity", lengths=[6, 3]),
                                      Objective("output component", k=1), True),
    "relu-tanh-mse-pads": (dict(B=1, T=7, I=3, H=4, O=2, f_s="relu", f_o="tanh", lengths=[5]),
                           Objective("mean squared error", target=(0.3, -0.4)), True),
    "sigmoid-softmax-ce-batch": (dict(B=2, T=5, I=2, H=3, O=3, f_s="sigmoid", f_o="softmax", lengths=[5, 2]),
                                 Objective("cross-entropy", label=2), False),
    "identity-identity-mse-batch": (dict(B=2, T=6, I=2, H=3, O=1, f_s="identity", f_o="identity", lengths=[4, 6]),
                                    Objective("mean squared error", target=(0.5,)), False),
    "tanh-softmax-ce-one": (dict(B=1, T=4, I=2, H=3, O=2, f_s="tanh", f_o="softmax", lengths=[4]),
                            Objective("cross-entropy", label=0), True),
    "relu-sigmoid-d_output-batch3": (dict(B=3, T=6, I=2, H=4, O=2, f_s="relu", f_o="sigmoid", lengths=[6, 1, 4]),
                                     "d_output", True),
    "sigmoid-tanh-component-pads": (dict(B=1, T=6, I=1, H=2, O=1, f_s="sigmoid", f_o="tanh", lengths=[3]),
                                    Objective("output component", k=0), False),
    "tanh-forward-only-length-0": (dict(B=2, T=4, I=2, H=3, O=2, f_s="tanh", f_o="identity", lengths=[4, 0]),
                                   None, False),
}


def corrupt_weight(code: str) -> str:
    """The script with the first number of W_S changed in its 4th significant digit."""
    start = code.index("W_S = [")
    m = re.compile(r"-?\d+\.\d+(e-?\d+)?").search(code, start)
    return code[:m.start()] + repr(float(m.group()) * 1.001 + 1e-3) + code[m.end():]


def corrupt_expected_s0_gradient(code: str) -> str:
    """The script with rnnviz's expected dL/ds0 (first entry) changed by one part in a million."""
    start = code.index("'s0': [", code.index("EXPECTED = {"))
    m = re.compile(r"-?\d+\.\d+(e-?\d+)?").search(code, start)
    return code[:m.start()] + repr(float(m.group()) * (1 + 1e-6)) + code[m.end():]


# Importing torch takes ~2.5 s here and parallel processes do not overlap it, so the scripts run in one
# subprocess that imports torch once and runs each script as __main__ (runpy), recording whether it raised;
# two scripts (one good, one corrupted) also run as real programs to check their exit codes.
RUNNER = """
import contextlib, io, json, runpy, sys, traceback
import torch
results = {}
for path in sys.argv[1:]:
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(path, run_name="__main__")
        results[path] = [0, out.getvalue(), ""]
    except BaseException as e:
        results[path] = [1, out.getvalue(), "".join(traceback.format_exception(e))]
print(json.dumps(results))
"""
STANDALONE = ("tanh-identity-component-batch", "corrupted weight")


@pytest.fixture(scope="module")
def script_runs(smooth_case, tmp_path_factory):
    """{name: (code, returncode, stdout, stderr)} of every generated (and corrupted) script."""
    pytest.importorskip("torch")
    folder = tmp_path_factory.mktemp("scripts")
    codes = {}
    for i, (name, (kw, objective, _)) in enumerate(SCRIPT_CASES.items()):
        p, x, lengths = smooth_case(seed=20 + 10 * i, **kw)
        if objective == "d_output":
            objective = np.random.default_rng(i).standard_normal((kw["B"], kw["O"]))
        codes[name] = export.pytorch_script(p, x, lengths, objective)
    codes["corrupted weight"] = corrupt_weight(codes["tanh-identity-component-batch"])
    codes["corrupted loop weight"] = corrupt_weight(codes["sigmoid-softmax-ce-batch"])
    codes["corrupted expected s0 gradient"] = corrupt_expected_s0_gradient(codes["relu-tanh-mse-pads"])
    paths = {}
    for name, code in codes.items():
        paths[name] = folder / (name.replace(" ", "_") + ".py")
        paths[name].write_text(code)
    # -I: isolated (no PYTHONPATH, no current directory): the scripts need torch and nothing of rnnviz
    run = lambda *args: subprocess.Popen([sys.executable, "-I", *map(str, args)], cwd=folder, text=True,  # noqa: E731
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    batch = run("-c", RUNNER, *paths.values())
    alone = {name: run(paths[name]) for name in STANDALONE}
    out, err = batch.communicate(timeout=120)
    assert batch.returncode == 0, err
    results = json.loads(out)
    runs = {name: (codes[name], *results[str(path)]) for name, path in paths.items()}
    for name, proc in alone.items():
        out, err = proc.communicate(timeout=120)
        runs[name + " (standalone)"] = (codes[name], proc.returncode, out, err)
    return runs


@pytest.mark.parametrize("name", list(SCRIPT_CASES))
def test_generated_pytorch_script_agrees(name, script_runs):
    code, returncode, out, err = script_runs[name]
    assert returncode == 0, err
    assert out.strip().endswith(AGREE), out
    assert re.findall(r"^\s*(?:import|from)\s+(\S+)", code, re.M) == ["torch"]            # it imports torch only
    assert ("torch.nn.RNN(" in code) == SCRIPT_CASES[name][2]
    n_checks = out.count("relative difference")
    assert n_checks == (2 if SCRIPT_CASES[name][1] is None else 8 + SCRIPT_CASES[name][2]), out


@pytest.mark.parametrize("name", ["corrupted weight", "corrupted loop weight", "corrupted expected s0 gradient"])
def test_a_corrupted_script_fails(name, script_runs):
    code, returncode, out, err = script_runs[name]
    assert returncode != 0
    assert AGREE not in out
    assert "AssertionError: rnnviz and PyTorch disagree" in err
    if name == "corrupted expected s0 gradient":
        assert "dL/ds0" in err and "dL/dW_s" not in err                    # only the changed number disagrees


def test_scripts_run_as_programs(script_runs):
    """python script.py: exit status 0 and the agreement line; the corrupted one exits 1 with the reason."""
    _, returncode, out, err = script_runs["tanh-identity-component-batch (standalone)"]
    assert returncode == 0 and out.strip().endswith(AGREE), err
    _, returncode, out, err = script_runs["corrupted weight (standalone)"]
    assert returncode == 1 and AGREE not in out
    assert "AssertionError: rnnviz and PyTorch disagree on: output o" in err
