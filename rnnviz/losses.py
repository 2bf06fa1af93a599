"""Losses on the RNN's output o, each returning ``(L, dL/do)``.

``dL/do`` has o's shape (B, O) and is exactly what ``backward(p, trace, d_output)`` takes:

    L, d_output = mse(trace.output, target)
    g = backward(p, trace, d_output)

Three losses, cross-entropy in two forms:

    output_component(o, k):           L = sum_b o[b, k]                 (the lesson text's do_k/dW: one output, no target)
    mse(o, target):                   L = mean over all elements of (o - target)^2
    cross_entropy(o, labels):         L = -mean_b log o[b, label_b]     (o are softmax probabilities)
    softmax_cross_entropy(u, labels): the same of o = softmax(u), from the logits u (what training uses)

Numpy only.
"""
import numpy as np

from .checks import is_whole_number, real_numbers, whole_numbers

# How far a row of probabilities may sum from 1 and still count as a softmax output (loose enough for
# finite-difference nudges of o, tight enough to catch an output that is not a softmax).
PROBABILITY_TOLERANCE = 1e-4


def _check_output(o, loss: str) -> np.ndarray:
    """o as a float64 (B, O) array of finite numbers; ValueError says what to fix."""
    o = real_numbers(o, f"{loss}: the output o must be an array of real numbers, shape (B, O)")
    if o.ndim != 2 or o.shape[0] < 1 or o.shape[1] < 1:
        raise ValueError(f"{loss}: the output o must have shape (B, O) with B, O >= 1 (trace.output); got {o.shape}")
    if not np.isfinite(o).all():
        b, k = (int(v) for v in np.argwhere(~np.isfinite(o))[0])
        raise ValueError(f"{loss}: the output o holds NaN or inf (sequence {b}, component {k}): "
                         "the forward pass overflowed; use smaller weights or inputs")
    return o


def _check_labels(labels, B: int, O: int, loss: str) -> np.ndarray:
    """labels as (B,) int64 class indices 0..O-1; ValueError says what to fix."""
    y = np.asarray(labels)
    if y.shape != (B,):
        raise ValueError(f"{loss}: labels must have one entry per sequence, shape ({B},); got {y.shape}")
    y = whole_numbers(y, f"{loss}: labels", "the index of each sequence's class")
    if (y < 0).any() or (y >= O).any():
        raise ValueError(f"{loss}: every label must be between 0 and O-1 = {O - 1} (the output has "
                         f"{O} classes); got {y.tolist()}")
    return y


def output_component(o, k: int):
    """L = sum over the batch of o[:, k], the lesson text's own target: backward then gives do_k/dW.

    o: (B, O) the network's output; k: which output component, 0 <= k < O.
    Returns (L, dL/do) with dL/do (B, O): ones in column k, zeros elsewhere.
    """
    o = _check_output(o, "output_component")
    O = o.shape[1]
    if not is_whole_number(k):
        raise ValueError(f"output_component: k must be a whole number, the index of an output component; got {k!r}")
    if not 0 <= k < O:
        raise ValueError(f"output_component: k must be between 0 and O-1 = {O - 1} (the output has {O} "
                         f"components); got k = {k}")
    L = o[:, k].sum()                                   # L = sum_b o_k[b]
    d_o = np.zeros_like(o)
    d_o[:, k] = 1.0                                     # dL/do[b, j] = 1 if j == k else 0
    return float(L), d_o


def mse(o, target):
    """Mean squared error, L = mean over all B*O elements of (o - target)^2.

    o: (B, O); target: broadcastable to (B, O), e.g. (B, O), (O,) or a number.
    Returns (L, dL/do) with dL/do = 2 (o - target) / (B*O), shape (B, O).
    """
    o = _check_output(o, "mse")
    t = real_numbers(target, f"mse: target must be real numbers broadcastable to the output's shape {o.shape}")
    try:
        shape = np.broadcast_shapes(o.shape, t.shape)
    except ValueError:
        shape = None
    if shape != o.shape:
        raise ValueError(f"mse: target has shape {t.shape}, which does not broadcast to the output's shape "
                         f"{o.shape}; give a target of shape {o.shape} (or ({o.shape[1]},) for every sequence)")
    if not np.isfinite(t).all():
        raise ValueError("mse: target holds NaN or inf: every target must be a finite number")
    diff = o - t                                        # o - target
    L = np.mean(diff * diff)                            # L = (1 / (B*O)) sum_{b,k} (o[b,k] - target[b,k])^2
    d_o = 2.0 * diff / o.size                           # dL/do = 2 (o - target) / (B*O)
    return float(L), d_o


def cross_entropy(o, labels):
    """Cross-entropy of softmax probabilities, L = -mean_b log o[b, label_b].

    o: (B, O) probabilities, each row non-negative and summing to 1 (use f_o = "softmax");
    labels: (B,) whole numbers in [0, O), the right class of each sequence.
    Returns (L, dL/do) with dL/do[b, label_b] = -1 / (B o[b, label_b]) and 0 elsewhere.
    """
    o = _check_output(o, "cross_entropy")
    B, O = o.shape
    y = _check_labels(labels, B, O, "cross_entropy")
    if (o < 0).any() or (np.abs(o.sum(axis=1) - 1.0) > PROBABILITY_TOLERANCE).any():
        raise ValueError("cross_entropy: o must hold probabilities (non-negative, each row summing to 1); "
                         "use f_o = 'softmax'")
    rows = np.arange(B)
    p_true = o[rows, y]                                 # o[b, label_b], the probability of the right class
    if (p_true == 0).any():
        b = int(np.argmax(p_true == 0))
        raise ValueError(f"cross_entropy: sequence {b} gives its label probability exactly 0, so log 0 = -inf; "
                         "the softmax saturated: use smaller weights or inputs")
    L = -np.mean(np.log(p_true))                        # L = -(1/B) sum_b log o[b, label_b]
    d_o = np.zeros_like(o)
    d_o[rows, y] = -1.0 / (B * p_true)                  # dL/do[b, label_b] = -1 / (B o[b, label_b])
    return float(L), d_o


def softmax_cross_entropy(u, labels):
    """Cross-entropy of softmax(u) computed on the logits u, the loss training uses for classification.

    u: (B, O) logits, the output pre-activation s^T W_o + b_o; labels: (B,) whole numbers in [0, O).
    Returns (L, dL/du) with L = mean_b [log sum_k exp(u_bk) - u_b,label_b] and dL/du = (softmax(u) - onehot) / B.
    The same loss as ``cross_entropy(softmax(u), labels)``, but a confident wrong answer gives a large
    finite loss instead of log 0.
    """
    u = _check_output(u, "softmax_cross_entropy")
    B, O = u.shape
    y = _check_labels(labels, B, O, "softmax_cross_entropy")
    z = u - u.max(axis=1, keepdims=True)                                 # shift: same softmax, no overflow
    e = np.exp(z)
    total = e.sum(axis=1, keepdims=True)
    rows = np.arange(B)
    L = float(np.mean(np.log(total[:, 0]) - z[rows, y]))                # -log softmax(u)[label]
    du = e / total                                                       # softmax(u)
    du[rows, y] -= 1.0                                                   # softmax(u) - onehot(label)
    return L, du / B                                                     # dL/du
