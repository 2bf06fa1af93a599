"""A view's state as URL query parameters, and back (pure: no streamlit).

One table, FIELDS, drives both directions, as in TensorFlow Playground: each row names the parameter in
the link, where its value lives in the session, and its type. Small models also carry their weights,
exactly: the float64 bytes of W_s, b_s, W_o, b_o, s0, base64url-encoded.
"""
import base64
import math

import numpy as np

from .params import PARAM_NAMES, Params

MAX_LINK_WEIGHTS = 256          # more numbers than this and the link offers the model file instead


def _int(text: str) -> int:
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def _bool(text: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError("not 0 or 1")
    return text == "1"


def _ints(text: str) -> list:
    return [int(v) for v in text.split(",")] if text else []


def _floats(text: str) -> list:
    return [_float(v) for v in text.split(",")] if text else []


def _str(text: str) -> str:
    return text


TYPES = {int: (_int, str), float: (_float, repr), bool: (_bool, lambda v: "1" if v else "0"), str: (_str, str),
         "ints": (_ints, lambda v: ",".join(str(int(x)) for x in v)),
         "floats": (_floats, lambda v: ",".join(repr(float(x)) for x in v))}

# (name in the link, where it lives in st.session_state: a key or (dict key, field), type)
FIELDS = [
    ("I", ("model", "I"), int), ("H", ("model", "H"), int), ("O", ("model", "O"), int),
    ("f_s", ("model", "f_s"), str), ("f_o", ("model", "f_o"), str), ("seed", ("model", "seed"), int),
    ("scale", ("model", "scale"), float), ("s0", ("model", "s0"), str),
    ("seq", ("sequence", "preset"), str), ("T", ("sequence", "T"), int), ("text", ("sequence", "text"), str),
    ("digits", ("sequence", "digits"), str), ("pads", ("sequence", "pads"), int),
    ("t", "step_t", int),
    ("n", "bptt_n", int), ("obj", "bptt_objective", str), ("k", "bptt_k", int), ("label", "bptt_label", int),
    ("target", "bptt_target", str), ("tab", "bptt_tab", str), ("el", "bptt_element", str),
    ("tc", "bptt_contrib_t", int), ("trunc", "bptt_trunc_k", int), ("clip", "bptt_clip_mode", str),
    ("c", "bptt_clip_c", float), ("rescale", "bptt_rescale", bool), ("rho", "bptt_rho", float),
    ("pb_source", ("padding", "source"), str), ("pb_B", ("padding", "B"), int),
    ("pb_lengths", ("padding", "lengths"), "ints"), ("pb_text", ("padding", "text"), str),
    ("pb_extra", ("padding", "extra"), int), ("pb_bias", ("padding", "bias"), float),
    ("tr_task", ("train", "task"), str), ("tr_enc", ("train", "encoding"), str), ("tr_mod", ("train", "modulus"), int),
    ("tr_lengths", ("train", "lengths"), "ints"), ("tr_n", ("train", "n_train"), int), ("tr_H", ("train", "H"), int),
    ("tr_f_s", ("train", "f_s"), str), ("tr_s0", ("train", "learn_s0"), bool), ("tr_seed", ("train", "seed"), int),
    ("tr_opt", ("train", "optimizer"), str), ("tr_lr", ("train", "lr"), float),
    ("tr_half", ("train", "lr_halflife"), int), ("tr_mom", ("train", "momentum"), float),
    ("tr_batch", ("train", "batch_size"), int), ("tr_clip", ("train", "clip"), float),
    ("tr_strat", ("train", "strategy"), str), ("tr_run", ("train", "run_updates"), int),
    ("hide", "hidden", "strs"),
]
TYPES["strs"] = (lambda text: [v for v in text.split(",") if v], lambda v: ",".join(v))


def _get(state: dict, where):
    if isinstance(where, tuple):
        group = state.get(where[0])
        return None if group is None else group.get(where[1])
    return state.get(where)


def to_query(state: dict) -> dict:
    """{link name: text} for every field present in state (a mapping like st.session_state)."""
    query = {}
    for name, where, kind in FIELDS:
        value = _get(state, where)
        if value is not None and value != []:
            query[name] = TYPES[kind][1](value)
    return query


def from_query(query: dict) -> tuple:
    """(updates, problems): updates maps a session key, or (dict key, field), to its typed value; problems
    says, in words, which link values were not understood (they are left out)."""
    updates, problems = {}, []
    for name, where, kind in FIELDS:
        if name not in query:
            continue
        try:
            updates[where] = TYPES[kind][0](query[name])
        except ValueError:
            problems.append(f"{name}={query[name]!r} is not a valid {kind if isinstance(kind, str) else kind.__name__}")
    return updates, problems


def encode_weights(p: Params) -> str | None:
    """W_s, b_s, W_o, b_o, s0 as base64url of their float64 bytes (exact), or None for a model too large."""
    flat = np.concatenate([getattr(p, n).ravel() for n in PARAM_NAMES])
    if flat.size > MAX_LINK_WEIGHTS:
        return None
    return base64.urlsafe_b64encode(flat.astype("<f8").tobytes()).decode("ascii").rstrip("=")


def decode_weights(text: str, like: Params) -> Params:
    """Params shaped like `like` (its sizes and activations) with the weights from encode_weights' text.

    ValueError, saying what is wrong, for text that is not base64, has the wrong length or holds NaN/inf.
    """
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise ValueError("the weights in the link are not valid base64") from None
    sizes = [getattr(like, n).size for n in PARAM_NAMES]
    if len(raw) != 8 * sum(sizes):
        raise ValueError(f"the weights in the link hold {len(raw) // 8} numbers; this model needs {sum(sizes)}")
    flat = np.frombuffer(raw, dtype="<f8").astype(np.float64)
    arrays, start = {}, 0
    for name, size in zip(PARAM_NAMES, sizes):
        arrays[name] = flat[start:start + size].reshape(getattr(like, name).shape)
        start += size
    return like.replace(**arrays)                     # validates: NaN or inf is refused with a message
