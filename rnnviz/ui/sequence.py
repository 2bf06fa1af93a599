"""The sequence sidebar: a preset, its length and trailing pads, and a table to edit the input vectors."""
import dataclasses

import numpy as np
import pandas as pd
import streamlit as st

from .. import presets
from . import session
from . import settings as table
from .settings import LIMITS, quote


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


def needed_input_size() -> int | None:
    """The I the chosen sequence needs (one-hot characters or digits), or None when any I works or the text
    cannot make a sequence (the page says why)."""
    seq = session.group("sequence")
    try:
        return presets.required_input_size(seq["preset"], seq["text"], seq["digits"])
    except ValueError:
        return None


def _fit_input_size() -> None:
    """on_change of the preset and the text: characters and digits are one-hot, so give the model the input
    size the new sequence needs (when the sidebar allows it; the page says so otherwise)."""
    need = needed_input_size()
    if need is not None and need <= LIMITS["I"]:
        session.set_value("model_I", need)


def _next_input_seed() -> None:
    """on_click of "new sequence": the next input seed draws new random inputs; the weights stay."""
    session.set_value("sequence_seed", (session.value("sequence_seed") + 1) % (table.MAX_SEED + 1))


def new_sequence_controls(key: str = "sequence_new") -> None:
    """The input seed and a "new sequence" button (the next input seed: new data, the same weights)."""
    session.widget("sequence_seed")
    st.button("new sequence", key=key, on_click=_next_input_seed, icon=":material/casino:", width="stretch",
              help="draw new random input vectors (the next input seed); the weights are kept")


def sequence_controls(I: int) -> SequenceView | None:
    """Draw the sequence controls (sidebar) and the input table (main area, in an expander).

    Returns the sequence, or None after showing what to fix when the settings cannot make one.
    """
    settings = session.group("sequence")
    if not session.hidden("sequence"):
        with st.sidebar:
            st.subheader("Sequence")
            session.widget("sequence_preset", on_change=_fit_input_size)
            if settings["preset"] == "random vectors":
                session.widget("sequence_T")
                new_sequence_controls()
            elif settings["preset"] == "typed text":
                session.widget("sequence_text", on_change=_fit_input_size)
            else:
                session.widget("sequence_digits", on_change=_fit_input_size)
            session.widget("sequence_pads")
    preset, pads = settings["preset"], int(settings["pads"])
    need = needed_input_size()
    if need is not None and need > LIMITS["I"]:
        st.warning(f"This text uses {need} distinct characters, and each becomes one input of a one-hot vector, "
                   f"but a model here has at most I = {LIMITS['I']} inputs: use fewer different characters "
                   "(e.g. lower case only, no punctuation).")
        return None
    try:
        seq = presets.make_sequence(preset, I, settings["T"], settings["text"], settings["digits"],
                                    seed=session.value("sequence_seed"))
    except ValueError as err:
        st.warning(f"No sequence yet: {err}.")
        return None
    if preset != "random vectors" and seq.inputs.shape[1] != I:
        st.warning(f"This sequence is one-hot over {seq.inputs.shape[1]} symbols, so it needs I = {seq.inputs.shape[1]} "
                   f"inputs; the model has I = {I}. Set I to {seq.inputs.shape[1]} in the sidebar.")
        return None
    if seq.inputs.shape[0] + pads == 0:
        st.warning("The sequence has no steps at all (T = 0 and no pads): set T ≥ 1 or add pad vectors in the "
                   "sidebar.")
        return None
    x = seq.inputs if session.hidden("inputs") else _edited_inputs(seq, preset)
    T = x.shape[0]
    inputs = np.concatenate([x, np.zeros((pads, I))])[None]               # pad vectors: zeros
    labels = seq.labels + ("pad",) * pads
    note = quote(seq.note, limit=400) if preset == "typed text" else seq.note      # it lists the typed characters
    return SequenceView(inputs, np.array([T]), labels, note)


def _edited_inputs(seq: presets.Sequence, preset: str) -> np.ndarray:
    """The preset's input vectors as edited in the table; the unedited ones if an edit is not a number."""
    T, I = seq.inputs.shape
    key = f"seq_table_{preset}_{T}_{I}_{hash(seq.labels)}_{session.value('sequence_seed')}"
    table = st.expander(f"Edit the input vectors i¹ … iᵀ ({T} × {I})", key="seq_table_open", on_change="rerun")
    if not table.open:                                     # an edit survives closing: the editor keeps its state
        edits = session.get(key)
        if not edits or not edits.get("edited_rows"):
            return seq.inputs
    frame = pd.DataFrame(seq.inputs, columns=[f"i_{k}" for k in range(I)],
                         index=[f"t={t + 1} {lab}".strip() for t, lab in enumerate(seq.labels)])
    with table:
        try:
            edited = st.data_editor(frame, key=key, width="stretch", height=min(400, 40 + 35 * T))
        except (KeyError, ValueError, IndexError):         # an edit naming a cell the table does not have
            session.drop(key)
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
