"""What the BPTT lesson computes on top of the core (numpy only): the objective, single-element finite
differences, the lesson text's product-rule terms, truncated BPTT and gradient clipping.
"""
import dataclasses

import numpy as np

from . import activations, losses
from .clipping import clip_elementwise, global_norm  # noqa: F401  (the lesson's clipping, by these names)
from .clipping import clipped_global_norm as clip_global_norm  # noqa: F401
from .core import Grads, Trace, forward
from .params import Params, element_names

OBJECTIVES = ("output component", "mean squared error", "cross-entropy")


@dataclasses.dataclass(frozen=True)
class Objective:
    """What is differentiated: one output component o_k (the lesson text's do_k/dW), MSE against a target, or
    cross-entropy against a label (f_o must be softmax)."""
    kind: str = "output component"
    k: int = 0
    target: tuple = ()
    label: int = 0

    def __call__(self, o):
        """(L, dL/do) for outputs o (B, O)."""
        if self.kind == "output component":
            return losses.output_component(o, self.k)
        if self.kind == "mean squared error":
            return losses.mse(o, np.asarray(self.target, dtype=np.float64)[None])
        if self.kind == "cross-entropy":
            return losses.cross_entropy(o, np.full(len(o), self.label))
        raise ValueError(f"unknown objective {self.kind!r}: choose one of {', '.join(OBJECTIVES)}")

    def symbol(self) -> str:
        """LaTeX for what is differentiated."""
        return {"output component": rf"o_{{{self.k}}}", "mean squared error": "L_{MSE}",
                "cross-entropy": "L_{CE}"}[self.kind]


def element_finite_difference(p: Params, inputs, lengths, objective, param: str, index: tuple,
                              eps: float = 1e-6) -> float:
    """Central difference (L(w + eps) - L(w - eps)) / (2 eps) for one element of one parameter."""
    def loss_at(value):
        arr = np.array(getattr(p, param))
        arr[index] = value
        return objective(forward(p.replace(**{param: arr}), inputs, lengths).output)[0]
    w = float(getattr(p, param)[index])
    return (loss_at(w + eps) - loss_at(w - eps)) / (2 * eps)


def product_rule_terms(g: Grads, row: int, col: int) -> dict:
    """The derivation's expansion of dL/dW_s[row, col] into one term per step, summed over the batch.

    term^t = [s^{t-1} i^t]_row * delta^t_col — the gradient of the step-t copy W_s^t[row, col].
    Returns {"x": (T,) the factor [s^{t-1} i^t]_row (batch 0), "delta": (T,) delta^t_col (batch 0),
    "term": (T,) the per-step terms summed over the batch}.
    """
    return {"x": g.xs[0, :, row], "delta": g.deltas[0, :, col], "term": g.step_element("W_s", row, col)}


def unfold_element(p: Params, tr: Trace, g: Grads, row: int, col: int) -> dict:
    """The lesson text's product-rule derivation of dL/dW_s[row, col], one level per step, with its numbers.

    With x^t = [s^{t-1} i^t] and w = W_s[row, col], differentiate z^t = x^t W_s + b_s by the product rule:
    W_s varies (giving x^t_row in column col) and x^t varies through s^{t-1} (giving ds^{t-1}/dw times the
    state rows W_ss); the inputs do not depend on w:

        ds^t/dw = f_s'(z^t) * (x^t_row e_col + ds^{t-1}/dw W_ss)        (ds^t/dw = ds^{t-1}/dw at a pad)
        ds^0/dw = 0

    Unfolding n steps back from the output leaves n per-step terms and one part not unfolded yet:

        dL/dw = sum_{t = T-n+1}^{T} x^t_row delta^t_col  +  dL/ds^{T-n} . ds^{T-n}/dw

    After T levels the rest is dL/ds^0 . ds^0/dw = 0 and the sum of per-step terms is backward()'s total.
    The rest is computed here forward-mode (the tangents ds^t/dw), independently of backward()'s sums, so
    terms + rest = total is a check, not an identity of the code.

    row: 0..H+I-1 (rows < H multiply the state, the others the input); col: 0..H-1.
    Returns, summed over the batch where a sum is meant:
      "x" (B, T) x^t_row;  "delta" (B, T) delta^t_col;  "term" (T,) x^t_row delta^t_col summed over the batch
      (the gradient of step t's copy; 0 at pads);  "tangent" (B, T+1, H) ds^t/dw for t = 0..T;
      "rest" (T+1,) entry n = sum_b dL/ds^{T-n}_b . ds^{T-n}_b/dw, the part not unfolded after n levels.
    """
    B, T, H = tr.z.shape
    if not (0 <= row < p.W_s.shape[0] and 0 <= col < H):
        raise ValueError(f"W_s has {p.W_s.shape[0]} rows and {H} columns; got element ({row}, {col})")
    f_s = activations.get(p.f_s)
    xs = g.xs
    tangent = np.zeros((B, T + 1, H))                                       # ds^t/dw, ds^0/dw = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, T + 1):
            dz = tangent[:, t - 1] @ p.W_ss                                 # x^t varies: ds^{t-1}/dw W_ss
            dz[:, col] += xs[:, t - 1, row]                                 # W_s varies: x^t_row e_col
            ds = f_s.backward(tr.z[:, t - 1], tr.states[:, t], dz)          # times f_s'(z^t)
            tangent[:, t] = np.where(tr.mask[:, t - 1, None], ds, tangent[:, t - 1])   # a pad copies the state
        rest = np.einsum("bnh,bnh->n", g.d_states[:, ::-1], tangent[:, ::-1])    # n = 0..T: dL/ds^{T-n} . ds^{T-n}/dw
    return {"x": xs[:, :, row], "delta": g.deltas[:, :, col], "term": g.step_element("W_s", row, col),
            "tangent": tangent, "rest": rest}


def input_gradient(p: Params, tr: Trace, g: Grads) -> np.ndarray:
    """(B, T, I) dL/di^t = delta^t W_is^T, the gradient reaching each input vector (0 at pads, where the
    input is never read). W_is = W_s[H:], the input rows of W_s."""
    return g.deltas @ p.W_is.T


def output_weight_derivation(p: Params, tr: Trace, row: int, col: int, b: int = 0) -> dict:
    """The lesson text's first example, do_col/dW_o[row, col] = f_o'(s^T W_o + b_o)_col * s^T_row (sequence b).

    For an element-wise f_o. Returns the slope f_o'(...), the state factor s^T_row and their product.
    """
    f_o = activations.get(p.f_o)
    if not f_o.elementwise:
        raise ValueError("the one-line derivative holds for an element-wise f_o; softmax mixes outputs")
    pre, out = tr.output_pre[b], tr.output[b]
    slope = f_o.backward(pre, out, np.ones_like(pre))[col]                  # f_o'(s^T W_o + b_o)_col
    s_T = tr.states[b, -1, row]
    return {"slope": float(slope), "state": float(s_T), "product": float(slope * s_T)}


def proof_elements(p: Params, name: str, index: tuple, k: int = 0) -> list:
    """[(element name, parameter, index)]: the W_s element called name at index (row, col) and, for state unit
    col, one element of every other parameter: b_s[col], W_o[col, k], b_o[k], s0[col] (k: an output component)."""
    by_index = {(param, idx): label for label, (param, idx) in element_names(p).items()}
    row, col = index
    k = min(max(int(k), 0), p.output_size - 1)
    wanted = [("W_s", (row, col)), ("b_s", (col,)), ("W_o", (col, k)), ("b_o", (k,)), ("s0", (col,))]
    return [(by_index[(param, idx)], param, idx) for param, idx in wanted]


def grads_dict(g: Grads) -> dict:
    """{name: total gradient} for W_s, b_s, W_o, b_o, s0."""
    return {name: getattr(g, name) for name in ("W_s", "b_s", "W_o", "b_o", "s0")}


def truncation_mask(tr: Trace, k: int) -> np.ndarray:
    """(B, T) True at the steps BPTT truncated after k steps keeps: each sequence's last k real steps."""
    T = tr.mask.shape[1]
    if not 0 <= k <= T:
        raise ValueError(f"truncate after k = 0..{T} steps; got {k}")
    t = np.arange(T)[None, :]
    return tr.mask & (t >= tr.lengths[:, None] - k)                   # length - k <= t < length (0-based t)


def truncated(g: Grads, tr: Trace, k: int) -> dict:
    """Gradients of BPTT truncated after k steps back from each sequence's end: the contributions of its
    last k real steps are kept exactly, earlier ones (and s0's) dropped. W_o and b_o are unchanged."""
    keep = truncation_mask(tr, k)
    out = grads_dict(g)
    out["W_s"] = g.xs[keep].T @ g.deltas[keep]                       # sum over kept t of [s^{t-1} i^t]^T delta^t
    out["b_s"] = g.deltas[keep].sum(axis=0)                           # sum over kept t of delta^t
    if (keep.sum(axis=1) < tr.lengths).any():
        out["s0"] = np.zeros_like(g.s0)                               # the path back to s^0 is cut
    return out


def cosine(a: dict, b: dict) -> float:
    """The cosine of the angle between two gradients taken as one vector over all parameters: 1 when a is b
    scaled down (global-norm clipping), below 1 when a points elsewhere; 0 when either is all zeros."""
    dot = sum(float(np.vdot(a[n], b[n])) for n in b)
    na, nb = global_norm(a), global_norm(b)
    return dot / (na * nb) if na > 0 and nb > 0 else 0.0


def relative_distance(a: dict, b: dict) -> float:
    """||a - b|| / ||b|| over all parameters together (0 when b is all zeros and a equals it)."""
    diff = global_norm({n: a[n] - b[n] for n in b})
    base = global_norm(b)
    return diff / base if base > 0 else diff
