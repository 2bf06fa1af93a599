"""What the in-browser stepper draws, for sequence b = 0 of a batch: one payload per sequence, computed once.

The browser steps through time on its own (rnnviz/ui/stepper_component.py, rnnviz/ui/assets/stepper.js), so
everything it shows for every step travels here, as the core computed it:

    forward_payload(p, tr, labels)   inputs i^t, states s^0..s^T, pre-activations z^t, pads, output o
                                     (and W_s, b_s when small): each step's [s^{t-1} i^t] is states[t-1] next
                                     to inputs[t-1], copied, so the browser rebuilds it bit for bit
    backward_payload(p, tr, g)       dL/ds^t (t = 0..T), f_s'(z^t), delta^t, the norm of every step's copy's
                                     gradient ||dL/dW_s^t|| (and the full (H+I, H) matrices when small)

A payload holds its numbers as float64 numpy arrays and an "id", a digest of their bytes and of everything
else in it (equal ids, equal numbers), which is cheap: a pause's rerun needs only the id (the browser keeps the
payload it decoded), so the arrays are encoded only when the whole payload travels. ``wire(payload)`` is that
JSON: each array as {"dtype": "f8", "shape": [...], "b64": base64 of the little-endian bytes} (``encode`` /
``decode``), so the number a student reads is the core's to the last digit, and NaN and inf (overflow)
survive, which JSON numbers cannot carry. Size: about 8 * 4/3 bytes per number; at T = 1000, H = 64, I = 2 a
forward payload is ~1.4 MB (states + z) and a backward one ~2.1 MB (dL/ds, f_s', delta); small matrices are
left out above SMALL_MATRIX / SMALL_CONTRIB numbers. ``payload_bytes`` measures one.

Steps: array row t-1 is step t of the equations (t = 1..T); states and d_states have a row for t = 0 too.
"""
import base64
import dataclasses
import hashlib
import json

import numpy as np

from . import activations

FORMAT = 1
SMALL_MATRIX = 1024       # W_s (H+I, H) and b_s travel when W_s has at most this many numbers
SMALL_CONTRIB = 20_000    # every step's dL/dW_s^t travels when T (H+I) H is at most this


def encode(a) -> dict:
    """An array as exact float64 JSON: {"dtype": "f8", "shape": [...], "b64": little-endian bytes in base64}."""
    a = np.ascontiguousarray(a, dtype="<f8")
    return {"dtype": "f8", "shape": list(a.shape), "b64": base64.b64encode(a.tobytes()).decode("ascii")}


def decode(d: dict) -> np.ndarray:
    """The array that ``encode`` encoded, bit for bit."""
    if d.get("dtype") != "f8":
        raise ValueError(f"an encoded array has dtype 'f8'; got {d.get('dtype')!r}")
    return np.frombuffer(base64.b64decode(d["b64"]), dtype="<f8").reshape(d["shape"]).astype(np.float64)


def wire(payload: dict) -> dict:
    """The payload as the browser receives it: plain JSON, every array ``encode``d."""
    return {k: encode(v) if isinstance(v, np.ndarray) else v for k, v in payload.items()}


def payload_bytes(payload: dict) -> int:
    """The size of a payload as JSON (what goes to the browser)."""
    return len(json.dumps(wire(payload), allow_nan=False))


def _f8(a) -> np.ndarray:
    """An array as the payload holds it: float64, C order (a view when it already is)."""
    return np.ascontiguousarray(a, dtype=np.float64)


def _scale(a: np.ndarray) -> float:
    """The largest finite |value| (1.0 when there is none): the one fixed colour range -r..r for every step."""
    finite = np.abs(a[np.isfinite(a)])
    r = float(finite.max()) if finite.size else 0.0
    return r if r > 0 else 1.0


def _labels(labels, T: int) -> list:
    if labels is None:
        return [""] * T
    out = [str(v) for v in labels][:T]
    return out + [""] * (T - len(out))


def _common(p, tr, labels, kind: str) -> dict:
    """Shapes, pads, inputs and names, shared by both payloads (sequence 0)."""
    B, T, H = tr.z.shape
    return {"format": FORMAT, "kind": kind, "T": T, "H": H, "I": p.input_size, "O": p.output_size,
            "length": int(tr.lengths[0]), "f_s": p.f_s, "f_o": p.f_o, "labels": _labels(labels, T),
            "pads": [not bool(m) for m in tr.mask[0]], "inputs": _f8(tr.inputs[0])}


def _with_id(payload: dict) -> dict:
    """Adds "id": a digest of every array's shape and bytes and of every other value, so the browser decodes a
    payload once, and a pause's rerun can name the payload without encoding it."""
    h = hashlib.sha1()
    for name in sorted(payload):
        value = payload[name]
        if isinstance(value, np.ndarray):
            h.update(json.dumps([name, value.shape]).encode())
            h.update(value.astype("<f8", copy=False))
        else:
            h.update(json.dumps([name, value]).encode())
    payload["id"] = h.hexdigest()[:16]
    return payload


def forward_payload(p, tr, labels=None) -> dict:
    """The forward pass of sequence 0 as the stepper draws it.

    p: Params; tr = rnnviz.forward(p, inputs, lengths); labels: T strings naming each step's input (typed
    characters, digits) or None. Keys: kind "forward", T, H, I, O, length (real steps), f_s, f_o, labels (T,),
    pads (T,) bools, inputs (T, I), states (T+1, H) s^0..s^T, z (T, H) (0 at pads), output_pre (O,),
    output (O,), scale (the colour range of the states), W_s (H+I, H) and b_s (H,) or None when large, id.
    """
    small = p.W_s.size <= SMALL_MATRIX
    out = _common(p, tr, labels, "forward")
    out.update(states=_f8(tr.states[0]), z=_f8(tr.z[0]), output_pre=_f8(tr.output_pre[0]),
               output=_f8(tr.output[0]), scale=_scale(tr.states[0]),
               W_s=_f8(p.W_s) if small else None, b_s=_f8(p.b_s) if small else None)
    return _with_id(out)


def backward_payload(p, tr, g, labels=None) -> dict:
    """Back-propagation through time of sequence 0 as the stepper draws it.

    g = rnnviz.backward(p, tr, d_output). Keys beside the shared ones (see forward_payload): d_states (T+1, H)
    dL/ds^t for t = 0..T; fprime (T, H) f_s'(z^t) (the activation's own derivative; 0 at pads, where nothing
    is computed); deltas (T, H) delta^t = dL/dz^t (0 at pads); contrib_norms (T,) ||dL/dW_s^t||_F of
    sequence 0's copies; contrib (T, H+I, H) those copies' gradients [s^{t-1} i^t]^T delta^t, or None when
    large; W_ss (H, H) or None; scale (the colour range of the deltas), id. Backward step n = 0..T: n = 0 is
    dL/ds^T arriving from the output, step n works on t = T + 1 - n.
    """
    T, H = tr.z.shape[1], tr.z.shape[2]
    g0 = dataclasses.replace(g, xs=g.xs[:1], deltas=g.deltas[:1], d_states=g.d_states[:1])   # sequence 0's copies
    f_s = activations.get(p.f_s)
    with np.errstate(over="ignore", invalid="ignore"):
        fprime = f_s.backward(tr.z[0], tr.states[0, 1:], np.ones((T, H)))    # f_s'(z^t): the derivative times 1
        norms = g0.step_norms("W_s")
    fprime[~tr.mask[0]] = 0.0                                                # nothing is computed at a pad
    small = T * p.W_s.size <= SMALL_CONTRIB
    out = _common(p, tr, labels, "backward")
    out.update(d_states=_f8(g.d_states[0]), fprime=_f8(fprime), deltas=_f8(g.deltas[0]),
               contrib_norms=_f8(norms), scale=_scale(g.deltas[0]),
               contrib=_f8(g0.steps("W_s")) if small else None,
               W_ss=_f8(p.W_ss) if p.W_s.size <= SMALL_MATRIX else None)
    return _with_id(out)
