"""Two ways to check back-propagation through time that share nothing with ``core.backward``.

1. ``finite_differences``: nudge every weight by +-eps, run the forward pass, and take the slope
       dL/dw ~ (L(w + eps) - L(w - eps)) / (2 eps)        (central differences, error O(eps^2))
2. ``untied_copies``: the lesson text's proof written out. Unroll the RNN into a feed-forward net whose layer t
   has its OWN weights W_s^t, b_s^t (every copy equal in value), back-propagate through it as through any
   feed-forward net, and read off one gradient per copy. Their sum is dL/dW_s.

``relative_error`` compares two gradients. Numpy only.
"""
import dataclasses

import numpy as np

from . import activations
from .checks import check_lengths
from .core import forward
from .params import PARAM_NAMES, Params


def finite_differences(p: Params, inputs, lengths, loss, eps: float = 1e-6) -> dict:
    """Central differences of L = loss(forward(p, inputs, lengths).output)[0] for every parameter element.

    loss: o (B, O) -> (L, dL/do), e.g. ``lambda o: losses.mse(o, target)``.
    Returns {name: array shaped like the parameter} for W_s, b_s, W_o, b_o, s0.
    Costs two forward passes per element: use small networks.
    """
    if not eps > 0:
        raise ValueError(f"eps must be a small positive number such as 1e-6; got {eps!r}")

    def L(q: Params) -> float:
        return float(loss(forward(q, inputs, lengths).output)[0])

    grads = {}
    for name in PARAM_NAMES:
        w = getattr(p, name)
        g = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            w_plus, w_minus = w.copy(), w.copy()            # Params arrays are read-only: nudge copies
            w_plus[idx] += eps
            w_minus[idx] -= eps
            L_plus = L(p.replace(**{name: w_plus}))
            L_minus = L(p.replace(**{name: w_minus}))
            g[idx] = (L_plus - L_minus) / (2.0 * eps)       # dL/dw ~ (L(w+eps) - L(w-eps)) / (2 eps)
        grads[name] = g
    return grads


def relative_error(a, b) -> float:
    """max |a - b| / max(max |a|, max |b|, tiny): the largest disagreement, relative to the largest entry.

    One number for two whole arrays of the same shape (a gradient and its check). Scaling by the largest
    entry, not element by element, means that entries near 0 do not blow the ratio up. Two arrays of
    zeros give 0; tiny is the smallest positive float64, so the ratio is never 0/0.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error compares arrays of one shape; got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    scale = max(np.abs(a).max(), np.abs(b).max(), np.finfo(np.float64).tiny)
    return float(np.abs(a - b).max() / scale)


@dataclasses.dataclass(frozen=True, eq=False)
class UntiedGrads:
    """Gradients of the untied, feed-forward unrolling, summed over the batch.

    W_s (T, H+I, H), b_s (T, H): one gradient per copy W_s^t, b_s^t, t = 1..T (0 where a step is a pad);
    W_o (H, O), b_o (O,), s0 (H,): totals (these are not copied per step);
    states (B, T+1, H) s^0..s^T and output (B, O), as the unrolled net computed them.
    """
    W_s: np.ndarray
    b_s: np.ndarray
    W_o: np.ndarray
    b_o: np.ndarray
    s0: np.ndarray
    states: np.ndarray
    output: np.ndarray


def untied_copies(p: Params, inputs, lengths, d_output) -> UntiedGrads:
    """The lesson text's BPTT proof: a feed-forward net with one copy of W_s, b_s per step, back-propagated layer by
    layer, one sequence at a time. Independent of ``core.forward`` and ``core.backward``.

    inputs (B, T, I); lengths (B,) ints or None (no pads), steps at or past a length are pads;
    d_output = dL/do, (B, O). A pad step is an identity layer: it uses no copy, and the gradient passes
    through it unchanged. Returns ``UntiedGrads``.
    """
    x = np.asarray(inputs, dtype=np.float64)
    if x.ndim != 3 or x.shape[2] != p.input_size:
        raise ValueError(f"inputs must have shape (B, T, {p.input_size}); got {x.shape}")
    B, T, I = x.shape
    n = np.full(B, T) if lengths is None else check_lengths(lengths, B, T)
    d_out = np.asarray(d_output, dtype=np.float64)
    H, O = p.state_size, p.output_size
    if d_out.shape != (B, O):
        raise ValueError(f"d_output must have shape (B, O) = {(B, O)}; got {d_out.shape}")
    f_s, f_o = activations.get(p.f_s), activations.get(p.f_o)

    # Untie: layer t gets its own copy of the recurrent weights. All copies hold the same numbers.
    W_s_copy = [p.W_s.copy() for t in range(T)]             # W_s^1 .. W_s^T
    b_s_copy = [p.b_s.copy() for t in range(T)]             # b_s^1 .. b_s^T

    dW_s_copy = np.zeros((T, H + I, H))                    # dL/dW_s^t, summed over the batch
    db_s_copy = np.zeros((T, H))                           # dL/db_s^t
    dW_o, db_o, ds0 = np.zeros((H, O)), np.zeros(O), np.zeros(H)
    states, output = np.zeros((B, T + 1, H)), np.zeros((B, O))

    for b in range(B):
        # ---- forward, layer by layer -------------------------------------------------------------------
        s, xcat, z = {0: p.s0.copy()}, {}, {}               # s[t] = s^t, xcat[t] = [s^{t-1} i^t], z[t] = z^t
        for t in range(1, T + 1):
            if t <= n[b]:                                   # a real step: a feed-forward layer with copy t
                xcat[t] = np.concatenate([s[t - 1], x[b, t - 1]])
                z[t] = xcat[t] @ W_s_copy[t - 1] + b_s_copy[t - 1]   # z^t = [s^{t-1} i^t] W_s^t + b_s^t
                s[t] = f_s.forward(z[t])                    # s^t = f_s(z^t)
            else:                                           # a pad: the identity layer
                s[t] = s[t - 1]                             # s^t = s^{t-1}
        o_pre = s[T] @ p.W_o + p.b_o                        # s^T W_o + b_o
        o = f_o.forward(o_pre)                              # o = f_o(s^T W_o + b_o)
        states[b] = [s[t] for t in range(T + 1)]
        output[b] = o

        # ---- backward, layer by layer, from the output to s^0 ------------------------------------------
        do_pre = f_o.backward(o_pre, o, d_out[b])           # dL/d(o_pre) = dL/do * f_o'(o_pre)
        dW_o += np.outer(s[T], do_pre)                      # dL/dW_o = (s^T)^T dL/d(o_pre)
        db_o += do_pre                                      # dL/db_o = dL/d(o_pre)
        ds = p.W_o @ do_pre                                 # dL/ds^T = dL/d(o_pre) W_o^T
        for t in range(T, 0, -1):
            if t <= n[b]:
                dz = f_s.backward(z[t], s[t], ds)           # delta^t = dL/dz^t = dL/ds^t * f_s'(z^t)
                dW_s_copy[t - 1] += np.outer(xcat[t], dz)   # dL/dW_s^t = [s^{t-1} i^t]^T delta^t
                db_s_copy[t - 1] += dz                      # dL/db_s^t = delta^t
                dxcat = W_s_copy[t - 1] @ dz                # dL/d[s^{t-1} i^t] = delta^t (W_s^t)^T
                ds = dxcat[:H]                              # dL/ds^{t-1}: the first H entries
            # else: a pad is the identity layer, dL/ds^{t-1} = dL/ds^t, nothing to add to any copy
        ds0 += ds                                           # dL/ds^0

    return UntiedGrads(W_s=dW_s_copy, b_s=db_s_copy, W_o=dW_o, b_o=db_o, s0=ds0, states=states, output=output)
