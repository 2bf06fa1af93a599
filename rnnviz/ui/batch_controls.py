"""The batch controls of the "Padding and batches" lesson: B sequences of chosen lengths, or typed sentences.

The settings are the settings table's group "padding", so a length survives lowering and raising B, and
the whole batch survives page switches.
"""
import dataclasses

import numpy as np
import streamlit as st

from .. import batching
from ..params import Params
from . import session
from .sequence import new_sequence_controls
from .settings import LIMITS, quote


@dataclasses.dataclass(frozen=True)
class BatchView:
    """The batch the page runs: seqs B arrays (T_b, I); names (B,) row labels; texts (B,) the sentences or None;
    extra pad steps after the longest; bias added to b_s on this page; note what the inputs are."""
    seqs: list
    names: tuple
    texts: tuple | None
    extra: int
    bias: float
    note: str

    @property
    def lengths(self) -> np.ndarray:
        return np.array([s.shape[0] for s in self.seqs], dtype=np.int64)


def _needed_input_size(settings: dict) -> int | None:
    """V, the number of distinct characters of the typed sentences (None when there are none)."""
    try:
        return batching.sentence_batch(settings["text"]).vocab.size
    except ValueError:
        return None


def _set_model_input_size(size: int | None) -> None:
    """Give the model I = size inputs (the sidebar then draws fresh parameters for it)."""
    if size is not None and 1 <= size <= LIMITS["I"]:
        session.set_value("model_I", int(size))


def _on_text_change() -> None:
    """on_change of the source and the sentences: one-hot characters need I = V, so set it."""
    settings = session.group("padding")
    if settings["source"] == "sentences":
        _set_model_input_size(_needed_input_size(settings))


def batch_controls(p: Params) -> BatchView | None:
    """Draw the batch controls (main area) and return the batch; None after saying what to fix."""
    settings = session.group("padding")
    with st.container(border=True):
        with st.container(horizontal=True, gap="medium"):     # a row is one block (st.columns: one per column too)
            session.widget("padding_source", horizontal=True, on_change=_on_text_change, width=300)
            session.widget("padding_extra", width=240)
            session.widget("padding_bias", width=260)
        if settings["source"] == "random":
            view = _random_batch(p, settings)
        else:
            view = _sentence_batch(p, settings)
    return view


def _random_batch(p: Params, settings: dict) -> BatchView:
    with st.container(horizontal=True):
        B = int(session.widget("padding_B", width=150))
        for b in range(B):
            session.widget("padding_lengths", index=b, label=f"length {b}", width=100)
    lengths = np.array(settings["lengths"][:B], dtype=np.int64)
    seqs = batching.random_batch(lengths, p.input_size, seed=session.value("sequence_seed"))
    with st.container(horizontal=True, wrap=False, vertical_alignment="center"):
        st.caption(f"Each input vector iᵗ holds I = {p.input_size} random numbers from U(−1, 1), drawn from the "
                   "input seed (the weights keep theirs); changing a length adds or removes steps at the end of "
                   "that sequence only.")
        with st.container(width=260):
            new_sequence_controls(key="padding_new")
    return BatchView(seqs, tuple(f"seq {b}" for b in range(B)), None, int(settings["extra"]), float(settings["bias"]),
                     note=f"random vectors, I = {p.input_size}")


def _sentence_batch(p: Params, settings: dict) -> BatchView | None:
    session.widget("padding_text", on_change=_on_text_change, height=150)
    try:
        sb = batching.sentence_batch(settings["text"])
    except ValueError as err:
        st.warning(f"No batch yet: {err}.")
        return None
    for note in sb.notes:
        st.info(f"Cut to fit: {note}.")
    V = sb.vocab.size
    shown = quote(" ".join(repr(c) for c in sb.vocab.tokens), limit=400)
    if V > LIMITS["I"]:
        st.error(f"These sentences use {V} distinct characters, but a model here has at most I = {LIMITS['I']} "
                 "inputs: use fewer different characters (e.g. lower case only, no punctuation).")
        return None
    if p.input_size != V:
        st.warning(f"Each character is a one-hot vector over the {V} distinct characters, so the model needs "
                   f"I = {V} inputs; it has I = {p.input_size}.")
        st.button(f"Set I = {V} in the model", key="padding_fix_I", on_click=_set_model_input_size, args=(V,),
                  type="primary")
        return None
    st.caption(f"One-hot over the V = {V} distinct characters {shown}: iᵗ has a 1 at the character's position.")
    names = tuple(f"{b}: {s}" if 0 < len(s) <= 14 else f"{b}: {s[:13]}…" if s else f"{b}: (empty)"
                  for b, s in enumerate(sb.sentences))
    return BatchView(sb.seqs, names, sb.sentences, int(settings["extra"]), float(settings["bias"]),
                     note=f"one-hot characters, I = V = {V}")
