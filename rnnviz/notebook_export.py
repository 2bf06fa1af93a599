"""'Open this view as a notebook': a Jupyter notebook (.ipynb text) that rebuilds one view of the app —
the exact weights, the sequence or batch, the step, what is differentiated — and draws its figures with the
same builders, then checks that it computes the app's numbers bit for bit.

    text = view_notebook("step", p, inputs, lengths, step=3)
    text = view_notebook("bptt", p, inputs, lengths, step=2, objective=Objective("output component", k=0))
    text = view_notebook("padding", p_page, inputs, lengths)          # the padding page's model, b_s + bias

Every number is written as Python's repr of the float64 (exact). The notebook needs only rnnviz (and
plotly to show the figures). Pure: returns the notebook as JSON text (nbformat 4.5, no outputs).
"""
import json

import numpy as np

from .bptt import Objective
from .core import backward, forward
from .export import _literal
from .params import PARAM_NAMES, Params

KINDS = ("step", "bptt", "padding")


def _cell(kind: str, text: str, n: int) -> dict:
    cell = {"cell_type": kind, "id": f"cell-{n}", "metadata": {}, "source": text.strip("\n").splitlines(True)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _params_code(p: Params) -> str:
    arrays = "\n".join(f"    {name}=np.array({_literal(getattr(p, name))}, dtype=np.float64)," for name in PARAM_NAMES)
    return f"p = rv.Params(\n{arrays}\n    f_s={p.f_s!r}, f_o={p.f_o!r})\n"


def view_notebook(kind: str, p: Params, inputs, lengths, *, step: int | None = None,
                  objective: Objective | None = None, title: str = "") -> str:
    """The notebook of one view. kind: "step" (the states, the current step outlined), "bptt" (also δ, each
    step's copy's contribution and the proof; objective required) or "padding" (a batch with and without the
    mask). inputs (B, T, I), lengths (B,) as the page ran them; step: the page's current step."""
    if kind not in KINDS:
        raise ValueError(f"unknown view {kind!r}: choose one of {', '.join(KINDS)}")
    if kind == "bptt" and objective is None:
        raise ValueError("a BPTT view needs the objective it differentiates")
    inputs, lengths = np.asarray(inputs, dtype=np.float64), np.asarray(lengths, dtype=np.int64)
    tr = forward(p, inputs, lengths)
    B, T, I = inputs.shape
    cells = [("markdown", f"# {title or 'An rnnviz view'}\n\nThis notebook rebuilds the view exactly: the weights, "
                          f"the {'batch' if B > 1 else 'sequence'} (B = {B}, T = {T} steps, I = {I}), "
                          "and what the page computed; then it draws the page's figures and checks that rnnviz "
                          "computes here, bit for bit, the numbers the app showed."),
             ("code", "import numpy as np\n\nimport rnnviz as rv\nfrom rnnviz import batch_figures, bptt_figures, "
                      "figures\nfrom rnnviz.bptt import Objective"),
             ("markdown", "The parameters: $W_s$ is (H+I) × H — its first H rows multiply $s^{t-1}$, its last I rows "
                          "multiply $i^t$ — then $b_s$, $W_o$, $b_o$ and $s_0$."),
             ("code", _params_code(p)),
             ("markdown", "The inputs (B, T, I); steps at or past a sequence's length are pads."),
             ("code", f"inputs = np.array({_literal(inputs)}, dtype=np.float64)\n"
                      f"lengths = np.array({lengths.tolist()!r})\ntr = rv.forward(p, inputs, lengths)"),
             ("code", f"EXPECTED_OUTPUT = np.array({_literal(tr.output)})\n"
                      f"EXPECTED_LAST_STATES = np.array({_literal(tr.states[:, -1])})\n"
                      "assert np.array_equal(tr.output, EXPECTED_OUTPUT), 'the output differs from the app'\n"
                      "assert np.array_equal(tr.states[:, -1], EXPECTED_LAST_STATES), 'the states differ'\n"
                      "print('the same output and states as the app, bit for bit:', tr.output)")]
    if kind in ("step", "bptt"):
        t = 0 if step is None else int(step)
        cells += [("markdown", f"The states $s^0 … s^T$ of the sequence, step {t} outlined."),
                  ("code", f"figures.states_figure(tr.states[0], tr.mask[0], current={t})")]
    if kind == "bptt":
        g = backward(p, tr, objective(tr.output)[1])
        cells += [("markdown", f"Back-propagation through time of {objective.kind}: δᵗ = dL/dzᵗ for every step, "
                               "and each step's copy's contribution to dL/dW_s."),
                  ("code", f"objective = {objective!r}\nL, d_output = objective(tr.output)\n"
                           "g = rv.backward(p, tr, d_output)\n"
                           f"EXPECTED_W_S = np.array({_literal(g.W_s)})\n"
                           "assert np.array_equal(g.W_s, EXPECTED_W_S), 'dL/dW_s differs from the app'\n"
                           "assert np.allclose(g.steps('W_s').sum(axis=0), g.W_s, rtol=1e-12, atol=1e-15)\n"
                           "print('L =', L)"),
                  ("code", "bptt_figures.deltas_figure(g.deltas[0], ~tr.mask[0], current=None)"),
                  ("code", "norms = g.step_norms('W_s')          # ‖dL/dW_s^t‖, t = 1..T\n"
                           "bptt_figures.step_bars_figure(norms, ~tr.mask[0], title='Size of each step\\'s copy\\'s "
                           "gradient', y_title='norm')")]
    if kind == "padding":
        cells += [("markdown", "The mask, and the states with and without it: without the mask the pads go through "
                               "f_s as zero inputs and the state drifts."),
                  ("code", "batch_figures.mask_figure(lengths, inputs.shape[1])"),
                  ("code", "from rnnviz import batching\ndemo = batching.pad_demo(p, inputs, lengths)\n"
                           "assert demo.alone_identical.all(), 'a sequence differs from its run alone'\n"
                           "batch_figures.masked_states_figure(demo.masked.states[0], int(lengths[0]), "
                           "title='with the mask')"),
                  ("code", "batch_figures.unmasked_states_figure(demo.unmasked.states[0], int(lengths[0]), "
                           "title='without the mask')")]
    notebook = {"cells": [_cell(k, text, n) for n, (k, text) in enumerate(cells)],
                "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                             "language_info": {"name": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook, indent=1)
