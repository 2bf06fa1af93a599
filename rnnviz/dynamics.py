"""Why gradients vanish or explode: the step Jacobians of the lesson text's RNN and their products.

Row vectors, as everywhere in rnnviz, with the recurrent block W_ss = W_s[:H] and the input block
W_is = W_s[H:] (so [s^{t-1} i^t] W_s = s^{t-1} W_ss + i^t W_is):

    z^t = s^{t-1} W_ss + i^t W_is + b_s,     s^t = f_s(z^t)    (s^t = s^{t-1} at a pad)

One step's Jacobian J^t = ds^t/ds^{t-1}, an (H, H) matrix:

    J^t[k, j] = d s^t_k / d s^{t-1}_j = f_s'(z^t_k) W_ss[j, k]     i.e.  J^t = diag(f_s'(z^t)) W_ss^T
    J^t = I                                                          at a pad step

How the last state depends on an earlier one, P^t = ds^T/ds^t (chain rule, t = T down to 0):

    P^T = I,     P^{t-1} = P^t J^t,     so  P^t = J^T J^{T-1} ... J^{t+1}

Back-propagation through time applies exactly these products to a row vector: dL/ds^t = dL/ds^T P^t.
Every J^t has norm at most max|f_s'| * ||W_ss||_2 (max|f_s'| is 1 for tanh, relu and identity, 1/4 for
sigmoid), so when that bound is below 1 the products, and with them the gradient reaching early steps,
shrink geometrically. With f_s = identity, P^t = (W_ss^T)^{T-t}, whose size grows or decays like
rho^{T-t} with rho the spectral radius of W_ss: rho < 1 vanishes, rho > 1 explodes.

Array indices follow ``rnnviz.core``: ``step_jacobians(...)[t - 1]`` is J^t for t = 1..T, and
``jacobian_products(...)[t]`` is P^t for t = 0..T (like ``Trace.states[:, t]`` is s^t).
"""
import numpy as np

from . import activations
from .checks import check_sequence_index
from .core import Grads, Trace
from .params import Params


def _sequence_index(p: Params, tr: Trace, b) -> int:
    """b as a checked int; ValueError if b is not a sequence of the batch or tr came from other parameters."""
    if tr.params is not p and not tr.params.equals(p):
        raise ValueError("the trace was computed with other parameters: run forward(p, ...) again")
    return check_sequence_index(b, tr.states.shape[0])


def _state_slopes(p: Params, tr: Trace, b: int) -> np.ndarray:
    """(T, H) f_s'(z^t) for sequence b, t = 1..T, computed exactly by the activation's own backward.

    backward(z, y, dy) = dy * f_s'(z), so dy = 1 gives the slope (tanh uses y = s^t, relu uses z^t).
    Values at pad steps are meaningless (nothing was computed there); callers mask them.
    """
    f_s = activations.get(p.f_s, activations.STATE_ACTIVATIONS)
    z, y = tr.z[b], tr.states[b, 1:]
    with np.errstate(over="ignore", invalid="ignore"):
        return f_s.backward(z, y, np.ones_like(z))                   # f_s'(z^t)


def step_jacobians(p: Params, tr: Trace, b: int = 0) -> np.ndarray:
    """One step's Jacobian J^t = ds^t/ds^{t-1} for every step of sequence b: (T, H, H).

    p: the parameters tr was computed with; tr: a Trace from ``forward(p, inputs, lengths)``;
    b: which sequence of the batch. Entry [t - 1] is J^t with J^t[k, j] = d s^t_k / d s^{t-1}_j;
    at a pad step J^t is the identity, because the state is copied unchanged.
    """
    b = _sequence_index(p, tr, b)
    H = p.state_size
    slopes = _state_slopes(p, tr, b)                                   # (T, H)  f_s'(z^t)
    with np.errstate(over="ignore", invalid="ignore"):
        J = slopes[:, :, None] * p.W_ss.T[None, :, :]                  # J^t[k, j] = f_s'(z^t_k) W_ss[j, k]
    J[~tr.mask[b]] = np.eye(H)                                         # s^t = s^{t-1} at a pad: J^t = I
    return J


def jacobian_products(p: Params, tr: Trace, b: int = 0) -> np.ndarray:
    """P^t = ds^T/ds^t for t = 0..T, sequence b: (T+1, H, H).

    Entry [t] is P^t with P^t[k, j] = d s^T_k / d s^t_j. P^T = I and P^{t-1} = P^t J^t, so a row
    vector of gradients travels back as dL/ds^t = dL/ds^T P^t. For a sequence of length L < T every
    P^t with t >= L is exactly the identity (only pads follow).
    """
    J = step_jacobians(p, tr, b)
    T, H = J.shape[0], p.state_size
    P = np.empty((T + 1, H, H))
    P[T] = np.eye(H)                                                   # P^T = ds^T/ds^T = I
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T, 0, -1):
            P[t - 1] = P[t] @ J[t - 1]                                 # P^{t-1} = P^t J^t
    return P


def _check_stack(products) -> np.ndarray:
    """products as a float64 (N, H, H) array; ValueError otherwise."""
    P = np.asarray(products, dtype=np.float64)
    if P.ndim != 3 or P.shape[1] != P.shape[2]:
        raise ValueError(f"products must be a stack of square matrices, shape (T+1, H, H), as returned by "
                         f"jacobian_products; got shape {P.shape}")
    return P


def product_norms(products) -> np.ndarray:
    """(T+1,) spectral norm ||P^t||_2 (largest singular value) of each matrix in the stack.

    products: (T+1, H, H) from ``jacobian_products``. ||P^t||_2 bounds how much a gradient at s^T can
    be amplified on its way back to s^t: ||dL/ds^t|| <= ||dL/ds^T|| ||P^t||_2.
    """
    P = _check_stack(products)
    return np.linalg.norm(P, ord=2, axis=(1, 2))                       # ||P^t||_2 = sigma_max(P^t)


def product_singular_values(products) -> np.ndarray:
    """(T+1, H) singular values of each P^t, largest first.

    products: (T+1, H, H) from ``jacobian_products``. Directions whose singular value goes to 0 are
    forgotten: a change of s^t along them no longer moves s^T.
    """
    P = _check_stack(products)
    return np.linalg.svd(P, compute_uv=False)                          # sigma_1 >= ... >= sigma_H per t


def spectral_radius(p: Params) -> float:
    """max |eigenvalue| of the recurrent block W_ss = W_s[:H], (H, H).

    For a linear RNN (f_s = identity) the Jacobian products are powers of W_ss^T, which shrink when the
    spectral radius is below 1 and grow when it is above 1.
    """
    return float(np.max(np.abs(np.linalg.eigvals(p.W_ss))))           # rho(W_ss) = max_k |lambda_k|


def scale_to_spectral_radius(p: Params, rho: float) -> Params:
    """A new Params whose W_ss = W_s[:H] is rescaled to spectral radius rho; nothing else changes.

    The input rows W_s[H:], b_s, W_o, b_o, s0 and the activations are kept as they are. rho must be a
    finite number >= 0. W_ss must have at least one non-zero eigenvalue: an all-zero (or nilpotent)
    W_ss has spectral radius 0, and no multiple of it has any other.
    """
    try:
        rho = float(rho)
    except (TypeError, ValueError):
        raise ValueError(f"rho must be a number >= 0 (the spectral radius wanted); got {rho!r}") from None
    if not np.isfinite(rho) or rho < 0:
        raise ValueError(f"rho must be a finite number >= 0 (the spectral radius wanted); got {rho}")
    W_ss = p.W_ss
    if not W_ss.any():
        raise ValueError("W_ss = W_s[:H] is all zeros, so no rescaling can give it a spectral radius: "
                         "start from random weights, e.g. init_params(...)")
    current = spectral_radius(p)
    if current <= 1e-12 * np.linalg.norm(W_ss, ord=2):
        raise ValueError("W_ss = W_s[:H] has spectral radius 0 (all its eigenvalues are 0), so no rescaling "
                         "can change it: start from random weights, e.g. init_params(...)")
    W_s = np.concatenate([W_ss * (rho / current),                     # W_ss <- W_ss * rho / rho(W_ss)
                          p.W_is], axis=0)                             # input rows unchanged
    return p.replace(W_s=W_s)


def saturation(tr: Trace, threshold: float = 0.99) -> np.ndarray:
    """(T,) share of the real (non-pad) state units that are saturated at each step t = 1..T.

    A unit s^t_k counts as saturated when its slope f_s'(z^t_k) is (close to) 0, which stops gradients:
      tanh:     |s^t_k| > threshold
      sigmoid:  s^t_k < 1 - threshold  or  s^t_k > threshold     (threshold must be above 0.5)
      relu:     z^t_k <= 0, a "dead" unit whose slope is exactly 0 (threshold is not used)
      identity: never (slope 1 everywhere), so the result is all zeros
    The share at step t is (saturated units of sequences for which t is a real step) divided by
    (H * number of such sequences). A step where every sequence has a pad has no real units; its share is
    defined as 0 (not NaN). threshold must lie strictly between 0 and 1.
    """
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        raise ValueError(f"threshold must be a number between 0 and 1; got {threshold!r}") from None
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must lie strictly between 0 and 1; got {threshold}")
    f_s = tr.params.f_s
    s, z = tr.states[:, 1:], tr.z                                      # s^1..s^T and z^1..z^T, (B, T, H)
    if f_s == "tanh":
        saturated = np.abs(s) > threshold                              # tanh' = 1 - s^2 ~ 0 near +-1
    elif f_s == "sigmoid":
        if threshold <= 0.5:
            raise ValueError(f"for sigmoid the threshold must lie between 0.5 and 1 (units below 1 - threshold "
                             f"or above threshold count as saturated); got {threshold}")
        saturated = (s < 1.0 - threshold) | (s > threshold)            # sigmoid' = s (1 - s) ~ 0 near 0 and 1
    elif f_s == "relu":
        saturated = ~(z > 0)                                           # relu' = 0 where z <= 0: a dead unit
    else:
        saturated = np.zeros(s.shape, dtype=bool)                      # identity' = 1: never saturates
    saturated = saturated & tr.mask[:, :, None]                        # only real steps count
    real_units = tr.mask.sum(axis=0) * s.shape[2]                      # (T,) H * sequences with a real step t
    counts = saturated.sum(axis=(0, 2)).astype(np.float64)
    return np.divide(counts, real_units, out=np.zeros(counts.shape), where=real_units > 0)


def gradient_norms_over_time(g: Grads, per_sequence: bool = False) -> np.ndarray:
    """How big the gradient dL/ds^t is at every step t = 0..T, from ``g.d_states`` (B, T+1, H).

    Default: (T+1,) the norm of dL/ds^t over the whole batch, sqrt(sum_b ||dL/ds^t_b||^2), i.e. the
    Frobenius norm of the (B, H) block g.d_states[:, t] (the loss is summed over the batch, and each
    sequence has its own state, so their gradients add in squares, not as vectors). With B = 1 this is
    ||dL/ds^t||. per_sequence=True gives (B, T+1), one row of norms per sequence.
    """
    d = np.asarray(g.d_states, dtype=np.float64)                       # (B, T+1, H)  dL/ds^t
    per_seq = np.linalg.norm(d, axis=2)                                # ||dL/ds^t_b||, (B, T+1)
    if per_sequence:
        return per_seq
    return np.sqrt((per_seq ** 2).sum(axis=0))                         # sqrt(sum_b ||dL/ds^t_b||^2)
