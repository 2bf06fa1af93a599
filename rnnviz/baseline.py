"""The lesson text's counter-example: a feed-forward net that reads a FIXED number of input vectors.

    x = [i^1 i^2 ... i^{T_ff}]              one row of T_ff * I numbers (the steps side by side)
    h = f(x W_1 + b_1)                       one hidden layer of n_hidden units
    u = h W_2 + b_2                          the output pre-activation (o = f_o(u), as for the RNN)

It has no state and no notion of "the next step": every position in x has its own weights. A sequence of
another length must be made to fit (``fixed_length``): it is right-aligned, so its LAST T_ff steps fill
the row; a shorter sequence gets zero vectors in front, a longer one loses its first steps. So it can
answer well at lengths it was trained on, may cope with shorter ones when a zero vector means nothing
(a digit 0 adds nothing to a sum), and cannot see the steps that do not fit. ``hidden_for`` picks
n_hidden so that it has about as many parameters as a given RNN. Numpy only; training.py trains it.
"""
import dataclasses

import numpy as np

from . import activations
from .params import Params

NAMES = ("W_1", "b_1", "W_2", "b_2")


@dataclasses.dataclass(eq=False)
class FeedForward:
    """A one-hidden-layer MLP over T_ff steps of I inputs. Arrays are updated in place by the optimizer.

    W_1 (T_ff*I, n_hidden), b_1 (n_hidden,), W_2 (n_hidden, O), b_2 (O,); f the hidden activation.
    """
    T_ff: int
    W_1: np.ndarray
    b_1: np.ndarray
    W_2: np.ndarray
    b_2: np.ndarray
    f: str = "relu"

    def arrays(self) -> list:
        return [self.W_1, self.b_1, self.W_2, self.b_2]

    @property
    def n_params(self) -> int:
        return sum(a.size for a in self.arrays())


def rnn_param_count(p: Params, learned_s0: bool = False) -> int:
    """The RNN's trainable numbers: W_s, b_s, W_o, b_o (and s0 when it is learned)."""
    return p.W_s.size + p.b_s.size + p.W_o.size + p.b_o.size + (p.s0.size if learned_s0 else 0)


def hidden_for(n_params: int, T_ff: int, I: int, O: int) -> int:
    """n_hidden giving (T_ff I + 1) n_hidden + (n_hidden + 1) O closest to n_params (at least 1)."""
    return max(1, int(round((n_params - O) / (T_ff * I + 1 + O))))


def init_feedforward(T_ff: int, I: int, O: int, n_hidden: int, f: str = "relu", seed: int = 0) -> FeedForward:
    """Weights ~ N(0, 1 / fan_in), biases 0 (as rnnviz.init_params does for the RNN)."""
    activations.get(f, activations.STATE_ACTIVATIONS)
    if min(T_ff, I, O, n_hidden) < 1:
        raise ValueError(f"T_ff, I, O and n_hidden must all be >= 1; got {(T_ff, I, O, n_hidden)}")
    rng = np.random.default_rng([seed, 7])
    return FeedForward(T_ff=int(T_ff), W_1=rng.standard_normal((T_ff * I, n_hidden)) / np.sqrt(T_ff * I),
                       b_1=np.zeros(n_hidden), W_2=rng.standard_normal((n_hidden, O)) / np.sqrt(n_hidden),
                       b_2=np.zeros(O), f=f)


def fixed_length(inputs, lengths, T_ff: int) -> np.ndarray:
    """(B, T_ff * I): each sequence's last T_ff real steps, right-aligned, zero vectors in front if shorter.

    inputs (B, T, I), lengths (B,): steps at or past a length are pads and never read.
    Row b holds [0 ... 0  i^{L-k+1} ... i^L] with k = min(L, T_ff) real steps.
    """
    x = np.asarray(inputs, dtype=np.float64)
    B, T, I = x.shape
    n = np.asarray(lengths, dtype=np.int64)
    src = n[:, None] - T_ff + np.arange(T_ff)[None, :]                   # step read into slot j: L - T_ff + j
    ok = src >= 0                                                        # slots before the first step: zeros
    out = np.where(ok[:, :, None], x[np.arange(B)[:, None], np.clip(src, 0, max(T - 1, 0))], 0.0)
    return out.reshape(B, T_ff * I)


def forward(ff: FeedForward, x_flat):
    """(h_pre, h, u) for rows x_flat (B, T_ff*I): h_pre = x W_1 + b_1, h = f(h_pre), u = h W_2 + b_2."""
    f = activations.get(ff.f)
    h_pre = x_flat @ ff.W_1 + ff.b_1                                     # x W_1 + b_1
    h = f.forward(h_pre)                                                 # h = f(x W_1 + b_1)
    u = h @ ff.W_2 + ff.b_2                                              # u = h W_2 + b_2
    return h_pre, h, u


def backward(ff: FeedForward, x_flat, h_pre, h, du) -> list:
    """[dL/dW_1, dL/db_1, dL/dW_2, dL/db_2] from du = dL/du (B, O), summed over the batch."""
    f = activations.get(ff.f)
    dW_2 = h.T @ du                                                      # dL/dW_2 = h^T du
    db_2 = du.sum(axis=0)                                                # dL/db_2 = sum_b du
    dh_pre = f.backward(h_pre, h, du @ ff.W_2.T)                         # dL/dh_pre = (du W_2^T) * f'(h_pre)
    dW_1 = x_flat.T @ dh_pre                                             # dL/dW_1 = x^T dL/dh_pre
    db_1 = dh_pre.sum(axis=0)                                            # dL/db_1 = sum_b dL/dh_pre
    return [dW_1, db_1, dW_2, db_2]


def predict(ff: FeedForward, inputs, lengths) -> np.ndarray:
    """u (B, O) for a padded batch of any length: the sequences are fitted to T_ff first."""
    return forward(ff, fixed_length(inputs, lengths, ff.T_ff))[2]
