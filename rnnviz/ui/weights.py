"""Tables in which a student edits W_s, b_s, W_o, b_o (and a learned s0); every edit recomputes the page."""
import numpy as np
import pandas as pd
import streamlit as st

from ..params import Params, element_names, with_element
from . import session


def weight_frames(p: Params) -> dict:
    """{name: DataFrame} with the lesson text's row names: W_s rows 'from s_j' (recurrent), then 'from i_j' (input)."""
    H, I, O = p.state_size, p.input_size, p.output_size
    to_s = [f"to s_{k}" for k in range(H)]
    frames = {
        "W_s": pd.DataFrame(p.W_s, index=[f"from s_{j}" for j in range(H)] + [f"from i_{j}" for j in range(I)],
                            columns=to_s),
        "b_s": pd.DataFrame(p.b_s[None], index=["b_s"], columns=to_s),
        "W_o": pd.DataFrame(p.W_o, index=[f"from s_{j}" for j in range(H)], columns=[f"to o_{k}" for k in range(O)]),
        "b_o": pd.DataFrame(p.b_o[None], index=["b_o"], columns=[f"to o_{k}" for k in range(O)]),
    }
    if session.value("model_s0") == "learned":
        frames["s0"] = pd.DataFrame(p.s0[None], index=["s0"], columns=[f"s_{k}" for k in range(H)])
    return frames


def _set_one(key: str) -> None:
    """on_change of the single-weight box: apply the typed number (what is wrong is reported on the next run)."""
    p = session.params()
    name, text = session.get(f"{key}_name"), session.get(f"{key}_value")
    try:
        value = float(text)
        if not np.isfinite(value):
            raise ValueError(f"{text!r} is not a finite number")
        session.replace_params(with_element(p, name, value))
    except ValueError as err:
        session.put(f"{key}_error", f"{err}. Type a number such as 0.5 or -1.2e-3")


def one_weight(p: Params, key: str = "one_weight") -> None:
    """Pick one weight by its name in the lesson text (W_s00, W_i00, W_o00, ...) and type its value."""
    names = element_names(p)
    if session.get(f"{key}_name") not in names:
        session.put(f"{key}_name", next(iter(names)))
    name = session.get(f"{key}_name")
    param, index = names[name]
    err = session.pop(f"{key}_error")
    if err is None:                                        # show the current value, to full precision
        session.put(f"{key}_value", repr(float(getattr(p, param)[index])))
    c1, c2 = st.columns(2)
    c1.selectbox("weight", list(names), key=f"{key}_name")
    c2.text_input("value (press Enter to apply)", key=f"{key}_value", on_change=_set_one, args=(key,))
    if err is not None:                                    # the weight is unchanged; the typed text stays to fix
        st.error(f"Not applied: {err}.")


def weight_editors(p: Params) -> Params:
    """An expander of editable weight tables; returns the (possibly edited) parameters.

    A valid edit becomes the session's parameters; an empty or non-finite cell is reported and ignored.
    """
    if session.hidden("weights"):
        return p
    version = session.params_version()
    learned_s0 = session.value("model_s0") == "learned"
    editor = st.expander("Edit the weights (W_s, b_s, W_o, b_o" + (", s0)" if learned_s0 else ")"),
                         key="weights_open", on_change="rerun")
    if not editor.open:                                    # tables are built only while the expander is open
        return p
    frames, edited = weight_frames(p), {}
    with editor:
        st.caption("Rows 'from s_j' of W_s multiply the previous state (the lesson text's W_s·· weights), rows 'from i_j' "
                   "multiply the input (W_i··). Type a number into a cell, or pick one weight by name; "
                   "everything recomputes.")
        one_weight(p)
        for tab, (name, frame) in zip(st.tabs(list(frames)), frames.items()):
            with tab:
                try:
                    edited[name] = st.data_editor(frame, key=f"edit_{name}_{version}", width="stretch")
                except (KeyError, ValueError, IndexError):     # an edit naming a cell the table does not have
                    st.error(f"That edit of {name} did not fit the table and was not applied.")
                    session.replace_params(p)                  # fresh editors (new keys) drop the bad edit
    changes = {}
    for name, frame in edited.items():
        if frame.shape != frames[name].shape:              # rows added or deleted: the shapes must stay
            st.error(f"{name} must keep its shape {frames[name].shape}; that edit was not applied.")
            continue
        values = frame.to_numpy(dtype=np.float64, na_value=np.nan)
        values = values[0] if name in ("b_s", "b_o", "s0") else values
        if not np.array_equal(values, getattr(p, name)):
            changes[name] = values
    if not changes:
        return p
    try:
        new = p.replace(**changes)
    except ValueError as err:
        st.error(f"That edit was not applied: {err}. Type a finite number in every cell.")
        return p
    session.replace_params(new)
    st.rerun()                          # draw everything, the editors included, from the edited parameters
