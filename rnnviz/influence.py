"""How far back the network looks: how much each input vector i^t moves the output o (numpy only).

The Jacobian of the output with respect to one input vector comes straight out of back-propagation through
time. Back-propagate the output component o_k alone (dL/do = e_k); its delta^t = do_k/dz^t, and since
z^t = s^{t-1} W_ss + i^t W_is + b_s,

    do_k/di^t = delta^t(k) W_is^T          (a row of I numbers; W_is = W_s[H:], the input rows of W_s)

Stacking the O components gives the (O, I) Jacobian do/di^t; its Frobenius norm ||do/di^t|| says how
strongly step t's input still reaches the output. At a pad it is 0: the pad vector is never read.
"""
import numpy as np

from .core import Trace, backward
from .params import Params


def input_jacobians(p: Params, tr: Trace, b: int = 0) -> np.ndarray:
    """(T, O, I) do/di^t for sequence b, t = 1..T: entry [t - 1, k, j] = d o_k / d i^t_j (exact, from O
    backward passes, one per output component; 0 at pad steps)."""
    B, O = tr.output.shape
    if not 0 <= b < B:
        raise ValueError(f"sequence b must be 0..{B - 1}; got {b}")
    T = tr.z.shape[1]
    J = np.empty((T, O, p.input_size))
    for k in range(O):
        d_output = np.zeros((B, O))
        d_output[b, k] = 1.0                                          # dL/do = e_k for sequence b only
        g = backward(p, tr, d_output)
        J[:, k, :] = g.deltas[b] @ p.W_is.T                           # do_k/di^t = delta^t(k) W_is^T
    return J


def influence_norms(p: Params, tr: Trace, b: int = 0) -> np.ndarray:
    """(T,) ||do/di^t||, the Frobenius norm of each step's (O, I) Jacobian, t = 1..T (sequence b)."""
    return np.linalg.norm(input_jacobians(p, tr, b), axis=(1, 2))
