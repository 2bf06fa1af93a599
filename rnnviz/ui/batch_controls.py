"""The batch controls of the "Padding and batches" lesson: B sequences of chosen lengths, or typed sentences.

The settings live in st.session_state["padding"] (not in the widgets, which Streamlit forgets when they are
not drawn), so a length survives lowering and raising B, and the whole batch survives page switches.
"""
import dataclasses

import numpy as np
import streamlit as st

from .. import batching
from ..params import Params
from .model import LIMITS

SOURCES = {"random": "random vectors, lengths you choose", "sentences": "typed sentences, one per line"}
DEFAULTS = {"source": "random", "B": 4, "lengths": [8, 5, 3, 1, 6, 2, 4, 7], "text": "the cat sat\nthe hat\na cat",
            "extra": 0, "bias": 0.5}
MAX_EXTRA = 8          # extra pad steps after the longest sequence
MAX_TEXT = 2000        # characters in the sentence box


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


def _settings() -> dict:
    settings = st.session_state.setdefault("padding", {})
    for key, value in DEFAULTS.items():
        settings.setdefault(key, list(value) if isinstance(value, list) else value)
    return settings


def _remember(key: str, index: int | None = None) -> None:
    """on_change: copy a widget's new value into the page's settings."""
    settings = _settings()
    if index is None:
        settings[key] = st.session_state[f"pad_{key}"]
    else:
        settings[key][index] = st.session_state[f"pad_{key}_{index}"]


def _needed_input_size(settings: dict) -> int | None:
    """V, the number of distinct characters of the typed sentences (None when there are none)."""
    try:
        return batching.sentence_batch(settings["text"]).vocab.size
    except ValueError:
        return None


def _set_model_input_size(size: int | None) -> None:
    """Give the model I = size inputs (the sidebar then draws fresh parameters for it)."""
    if size is not None and 1 <= size <= LIMITS["I"] and "model" in st.session_state:
        st.session_state["model"]["I"] = int(size)


def _on_text_change(key: str) -> None:
    """on_change of the source and the sentences: one-hot characters need I = V, so set it."""
    _remember(key)
    settings = _settings()
    if settings["source"] == "sentences":
        _set_model_input_size(_needed_input_size(settings))


def _bound(widget, label, *args, key, index=None, on_change=_remember, **kwargs):
    """A widget whose value lives in the page's settings (shown from them, written back on change)."""
    settings = _settings()
    wkey = f"pad_{key}" if index is None else f"pad_{key}_{index}"
    st.session_state[wkey] = settings[key] if index is None else settings[key][index]
    return widget(label, *args, key=wkey, on_change=on_change, args=(key,) if index is None else (key, index), **kwargs)


def batch_controls(p: Params) -> BatchView | None:
    """Draw the batch controls (main area) and return the batch; None after saying what to fix."""
    settings = _settings()
    with st.container(border=True):
        c1, c2, c3 = st.columns([3, 2, 3])
        with c1:
            _bound(st.radio, "the batch", list(SOURCES), key="source", format_func=SOURCES.get, horizontal=True,
                   on_change=_on_text_change)
        with c2:
            _bound(st.number_input, "extra pad steps after the longest", 0, MAX_EXTRA, key="extra",
                   help="T = the longest length + this many. More pads: more drift without the mask, more wasted cells")
        with c3:
            _bound(st.slider, "add to every entry of b_s (this page only)", -1.0, 1.0, step=0.1, key="bias",
                   help="The sidebar's model starts with b_s = 0; a bias makes a zero input move the state, so "
                        "the drift without the mask is easy to see. Your model and the other pages keep their b_s.")
        if settings["source"] == "random":
            view = _random_batch(p, settings)
        else:
            view = _sentence_batch(p, settings)
    return view


def _random_batch(p: Params, settings: dict) -> BatchView:
    cols = st.columns([2] + [1] * batching.MAX_B)
    with cols[0]:
        B = int(_bound(st.number_input, "sequences B", 1, batching.MAX_B, key="B",
                       help=f"how many sequences the batch holds (1 to {batching.MAX_B})"))
    for b in range(B):
        with cols[1 + b]:
            _bound(st.number_input, f"length {b}", 0, batching.MAX_LEN, key="lengths", index=b,
                   help=f"T_{b}: real steps of sequence {b} (0 to {batching.MAX_LEN}; 0 = only pads)")
    lengths = np.array(settings["lengths"][:B], dtype=np.int64)
    seqs = batching.random_batch(lengths, p.input_size, seed=st.session_state["model"]["seed"])
    st.caption(f"Each input vector iᵗ holds I = {p.input_size} random numbers from U(−1, 1) (the sidebar's seed); "
               "changing a length adds or removes steps at the end of that sequence only.")
    return BatchView(seqs, tuple(f"seq {b}" for b in range(B)), None, int(settings["extra"]), float(settings["bias"]),
                     note=f"random vectors, I = {p.input_size}")


def _sentence_batch(p: Params, settings: dict) -> BatchView | None:
    _bound(st.text_area, "sentences, one per line", key="text", on_change=_on_text_change, max_chars=MAX_TEXT,
           height=150, help=f"each line is one sequence and each character one step (at most {batching.MAX_B} lines "
                            f"of {batching.MAX_LEN} characters); an empty line is a sequence of length 0")
    try:
        sb = batching.sentence_batch(settings["text"])
    except ValueError as err:
        st.warning(f"No batch yet: {err}.")
        return None
    for note in sb.notes:
        st.info(f"Cut to fit: {note}.")
    V = sb.vocab.size
    shown = " ".join(repr(c) for c in sb.vocab.tokens)
    if V > LIMITS["I"]:
        st.error(f"These sentences use {V} distinct characters, but a model here has at most I = {LIMITS['I']} "
                 "inputs: use fewer different characters (e.g. lower case only, no punctuation).")
        return None
    if p.input_size != V:
        st.warning(f"Each character is a one-hot vector over the {V} distinct characters, so the model needs "
                   f"I = {V} inputs; it has I = {p.input_size}.")
        st.button(f"Set I = {V} in the model", key="pad_fix_I", on_click=_set_model_input_size, args=(V,),
                  type="primary")
        return None
    st.caption(f"One-hot over the V = {V} distinct characters {shown}: iᵗ has a 1 at the character's position.")
    names = tuple(f"{b}: {s}" if 0 < len(s) <= 14 else f"{b}: {s[:13]}…" if s else f"{b}: (empty)"
                  for b, s in enumerate(sb.sentences))
    return BatchView(sb.seqs, names, sb.sentences, int(settings["extra"]), float(settings["bias"]),
                     note=f"one-hot characters, I = V = {V}")
