"""The sequence sidebar: a preset, its length and trailing pads, and a table to edit the input vectors."""
import dataclasses

import numpy as np
import pandas as pd
import streamlit as st

from .. import presets
from .model import hidden
from .state import bound

DEFAULTS = {"preset": "random vectors", "T": 6, "text": "hello", "digits": "31415", "pads": 2}
MAX_PADS = 50


@dataclasses.dataclass(frozen=True)
class SequenceView:
    """One padded sequence as the core wants it: inputs (1, T+pads, I), lengths [T], a label per step."""
    inputs: np.ndarray
    lengths: np.ndarray
    labels: tuple
    note: str

    @property
    def n_steps(self) -> int:
        return self.inputs.shape[1]


def _on_preset_change() -> None:
    """Characters and digits are one-hot: give the model the input size the new sequence needs."""
    seq = st.session_state["sequence"]
    try:
        need = presets.required_input_size(seq["preset"], seq["text"], seq["digits"])
    except ValueError:
        return                                             # the page shows the message on its run
    if need is not None and "model" in st.session_state:
        st.session_state["model"]["I"] = need


def sequence_controls(I: int) -> SequenceView | None:
    """Draw the sequence controls (sidebar) and the input table (main area, in an expander).

    Returns the sequence, or None after showing what to fix when the settings cannot make one.
    """
    settings = st.session_state.setdefault("sequence", {})
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)
    if not hidden("sequence"):
        with st.sidebar:
            st.subheader("Sequence")
            bound("sequence", "preset", st.selectbox, "input sequence", presets.PRESETS, on_change=_on_preset_change)
            if settings["preset"] == "random vectors":
                bound("sequence", "T", st.number_input, "length T (real steps)", 0, presets.MAX_T)
            elif settings["preset"] == "typed text":
                bound("sequence", "text", st.text_input, "text (one character per step)", on_change=_on_preset_change,
                      max_chars=presets.MAX_T)
            else:
                bound("sequence", "digits", st.text_input, "digits (one per step)", on_change=_on_preset_change,
                      max_chars=presets.MAX_T)
            bound("sequence", "pads", st.number_input, "pad vectors after it", 0, MAX_PADS,
                  help="pads make the sequence longer without changing it: the state is copied")
    preset, pads = settings["preset"], settings["pads"]
    try:
        seq = presets.make_sequence(preset, I, settings["T"], settings["text"], settings["digits"],
                                    seed=st.session_state["model"]["seed"])
    except ValueError as err:
        st.warning(f"No sequence yet: {err}.")
        return None
    if preset != "random vectors" and seq.inputs.shape[1] != I:
        st.warning(f"This sequence is one-hot over {seq.inputs.shape[1]} symbols, so it needs I = {seq.inputs.shape[1]} "
                   f"inputs; the model has I = {I}. Set I to {seq.inputs.shape[1]} in the sidebar.")
        return None
    x = _edited_inputs(seq, preset)
    T = x.shape[0]
    inputs = np.concatenate([x, np.zeros((int(pads), I))])[None]          # pad vectors: zeros
    labels = seq.labels + ("pad",) * int(pads)
    return SequenceView(inputs, np.array([T]), labels, seq.note)


def _edited_inputs(seq: presets.Sequence, preset: str) -> np.ndarray:
    """The preset's input vectors as edited in the table; the unedited ones if an edit is not a number."""
    T, I = seq.inputs.shape
    key = f"seq_table_{preset}_{T}_{I}_{hash(seq.labels)}_{st.session_state['model']['seed']}"
    table = st.expander(f"Edit the input vectors i¹ … i^T ({T} × {I})", key="seq_table_open", on_change="rerun")
    if not table.open:                                     # an edit survives closing: the editor keeps its state
        edits = st.session_state.get(key)
        if not edits or not edits.get("edited_rows"):
            return seq.inputs
    frame = pd.DataFrame(seq.inputs, columns=[f"i_{k}" for k in range(I)],
                         index=[f"t={t + 1} {lab}".strip() for t, lab in enumerate(seq.labels)])
    with table:
        try:
            edited = st.data_editor(frame, key=key, width="stretch", height=min(400, 40 + 35 * T))
        except (KeyError, ValueError, IndexError):         # an edit naming a cell the table does not have
            del st.session_state[key]
            st.error("That edit did not fit the table and was dropped.")
            return seq.inputs
    if edited.shape != frame.shape:
        st.error(f"The table must keep its {T} rows and {I} columns; showing it without that edit.")
        return seq.inputs
    x = edited.to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isfinite(x).all():
        t, i = np.argwhere(~np.isfinite(x))[0]
        st.error(f"Input i^{t + 1} component {i} is empty or not a finite number: type a number there. "
                 "Showing the sequence without your edits until then.")
        return seq.inputs
    return x
