"""The "Export" expander: this page's numbers as files — CSV tables, the parameters, and a PyTorch script
that rebuilds the model and checks rnnviz's numbers.

Nothing is built while the expander is closed, and every file is made only when its button is clicked
(st.download_button with a callable: the page does not wait for files nobody downloads).
"""
import numpy as np
import streamlit as st

from .. import export, notebook_export
from ..bptt import Objective
from ..core import Grads, Trace
from ..params import PARAM_NAMES, Params
from . import session

SCRIPT_NAME = "rnnviz_pytorch_check.py"


def _script_problem(tr: Trace, g: Grads | None) -> str | None:
    """Why no PyTorch script can be written (inf/NaN numbers), or None."""
    if tr.first_nonfinite_step() is not None:
        return "the forward pass overflowed (inf or NaN), so there are no exact numbers to check"
    if g is not None and not all(np.isfinite(getattr(g, n)).all() for n in PARAM_NAMES):
        return "the gradient overflowed (inf or NaN), so there are no exact numbers to check"
    return None


def _download(column, label: str, make, file_name: str, mime: str, key: str, caption: str) -> None:
    """A download button whose file is made by make() on click, with a caption saying what the file holds."""
    column.download_button(label, data=make, file_name=file_name, mime=mime, key=f"export_{key}",
                           on_click="ignore", icon=":material/download:")
    column.caption(caption)


def _panel():
    """The 'Export' expander, or None when a link hides it or it is closed (nothing is built then)."""
    if session.hidden("export"):
        return None
    panel = st.expander("Export", key="export_open", on_change="rerun", icon=":material/download:")
    if not panel.open:
        return None
    panel.caption("Every number is written exactly (Python's repr of a float64): read a CSV back with float() and "
                  "you get rnnviz's numbers bit for bit.")
    return panel


def _notebook(column, make, caption: str) -> None:
    _download(column, "notebook (.ipynb)", make, "rnnviz_view.ipynb", "application/x-ipynb+json", "notebook",
              caption + " Open it in Jupyter (pip install rnnviz's requirements and jupyter) and run all cells.")


def export_panel(p: Params, tr: Trace, g: Grads | None = None, objective: Objective | None = None,
                 step: int | None = None) -> None:
    """An expander "Export" with downloads of this page's numbers.

    p, tr: the parameters and the forward trace the page shows; g: its gradients (adds the deltas and
    per-step contributions CSVs) and objective: what g differentiates (the PyTorch script then checks the
    loss and every gradient too; without it the script checks the forward pass); step: the page's current step
    (the notebook outlines it).
    """
    panel = _panel()
    if panel is None:
        return
    with panel:
        T, H, b = tr.mask.shape[1], p.state_size, 0                      # the pages show one sequence
        tables, model = st.columns(2)
        with tables:
            st.markdown("**Tables (CSV)**")
            _download(tables, "states CSV", lambda: export.states_csv(tr, b), "rnnviz_states.csv", "text/csv",
                      "states", f"One row per t = 0..{T}: the state s^t in columns s_0 … s_{H - 1}, and pad = 1 where "
                      "step t is a pad (s^t = s^{t-1}).")
            if g is not None:
                _download(tables, "deltas CSV", lambda: export.deltas_csv(g, tr, b), "rnnviz_deltas.csv", "text/csv",
                          "deltas", f"One row per step t = 1..{T}: δ^t = dL/dz^t in columns delta_0 … "
                          f"delta_{H - 1} (exactly 0 at a pad).")
                try:
                    export.check_contributions_size(tr)
                except ValueError as err:
                    tables.caption(f"No per-step contributions CSV: {err}.")
                else:
                    rows = T * (p.W_s.size + H)
                    _download(tables, "per-step contributions CSV", lambda: export.contributions_csv(g, tr),
                              "rnnviz_contributions.csv", "text/csv", "contributions",
                              f"{rows:,} rows (t, parameter, row, col, name, value): each step's copy's gradient "
                              "dL/dW_s^t and dL/db_s^t, summed over the batch. Add value over t for one weight and "
                              "you get its total gradient; at a pad every value is 0.")
        with model:
            st.markdown("**The model**")
            _download(model, "parameters .npz", lambda: export.params_npz(p), "rnnviz_params.npz",
                      "application/octet-stream", "npz", "W_s, b_s, W_o, b_o, s0 as float64 arrays and f_s, f_o as "
                      "strings: np.load('rnnviz_params.npz').")
            _download(model, "parameters .json", lambda: export.params_json(p), "rnnviz_params.json",
                      "application/json", "json", "The same parameters as JSON lists of numbers (W_s is a list of "
                      "H+I rows: the state rows first, then the input rows).")
            kind = "step" if objective is None else "bptt"
            _notebook(model, lambda: notebook_export.view_notebook(kind, p, tr.inputs, tr.lengths, step=step,
                                                                   objective=objective, title=f"rnnviz: the {kind} view"),
                      "A Jupyter notebook that rebuilds this view (the exact weights, the sequence, the step"
                      + (", what is differentiated" if objective is not None else "") + "), draws its figures and "
                      "checks that it computes the app's numbers bit for bit.")
            problem = _script_problem(tr, g)
            if problem:
                model.caption(f"No PyTorch script: {problem}.")
            else:
                checked = ("the output, the loss and every gradient" if objective is not None
                           else "the output and the last state (the back-propagation page's script checks the gradients too)")
                _download(model, "PyTorch script (.py)",
                          lambda: export.pytorch_script(p, tr.inputs, tr.lengths, objective, file_name=SCRIPT_NAME),
                          SCRIPT_NAME, "text/x-python", "pytorch",
                          "A standalone Python script that rebuilds this model in PyTorch (torch.nn.RNN, or a loop of "
                          f"torch operations for f_s = sigmoid or identity), runs the same sequence and checks {checked} "
                          f"against rnnviz's to 1e-9. Run python {SCRIPT_NAME}: it prints \"rnnviz and PyTorch agree\".")


def padding_export(p: Params, inputs, lengths, masked: Trace, unmasked: Trace) -> None:
    """The padding page's 'Export': the batch, the mask, the masked and unmasked states as CSV, the page's model
    (its b_s includes the page's bias) and a notebook of the view. inputs (B, T, I), lengths (B,)."""
    panel = _panel()
    if panel is None:
        return
    B, T, _ = inputs.shape
    with panel:
        tables, model = st.columns(2)
        with tables:
            st.markdown("**Tables (CSV)**")
            for key, label, make, caption in (
                    ("batch", "batch CSV", lambda: export.batch_csv(inputs, lengths, "i"),
                     f"One row per sequence b and step t = 1..{T}: the input iᵗ, and pad = 1 at its pads."),
                    ("mask", "mask CSV", lambda: export.mask_csv(lengths, T),
                     "One row per b and t: real = 1 at a sequence's own steps, 0 at a pad."),
                    ("masked", "masked states CSV", lambda: export.batch_csv(masked.states, lengths, "s", 0),
                     "sᵗ for t = 0..T with the mask: each sequence's state is copied at its pads."),
                    ("unmasked", "unmasked states CSV", lambda: export.batch_csv(unmasked.states, lengths, "s", 0),
                     "The same batch without the mask: the pads went through f_s as zero inputs.")):
                _download(tables, label, make, f"rnnviz_{key}.csv", "text/csv", f"pad_{key}", caption)
        with model:
            st.markdown("**The model**")
            _download(model, "parameters .npz", lambda: export.params_npz(p), "rnnviz_params.npz",
                      "application/octet-stream", "npz", "This page's model: its b_s includes the bias added here.")
            _notebook(model, lambda: notebook_export.view_notebook("padding", p, inputs, lengths,
                                                                   title="rnnviz: padding and batches"),
                      "A Jupyter notebook that rebuilds this batch and model, draws the mask and the states with "
                      "and without it, and checks the app's numbers bit for bit.")
