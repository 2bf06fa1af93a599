"""The lesson text's RNN, forward and back-propagation through time, exactly.

    s^0 = s0
    z^t = [s^{t-1} i^t] W_s + b_s          (pre-activation, t = 1..T)
    s^t = f_s(z^t)                         if step t is not a pad (t <= length)
    s^t = s^{t-1}                          if it is a pad
    o   = f_o(s^T W_o + b_o)

Back-propagation through time, the lesson text's way: every step t has its own copy W_s^t of the weights; each
copy is differentiated as in a feed-forward net and the copies' gradients are added. With
delta^t = dL/dz^t:

    dL/dW_s^t = [s^{t-1} i^t]^T delta^t        dL/db_s^t = delta^t       (summed over the batch)
    dL/dW_s   = sum_t dL/dW_s^t
    at a pad:   delta^t = 0 and dL/ds^{t-1} = dL/ds^t

The per-step contributions are kept as their two factors, [s^{t-1} i^t] and delta^t, never as T full
matrices; ``Grads.steps`` multiplies them out on request.

Numbers are float64. Every product that a state or output depends on is computed one sequence (row) at a
time (``_rows_matmul``), so a sequence gives bit-for-bit the same states and output whether it runs alone
or inside a batch, and appending pads changes nothing.
"""
import dataclasses

import numpy as np

from . import activations
from .checks import check_lengths, real_numbers
from .params import Params


def _rows_matmul(x: np.ndarray, W: np.ndarray) -> np.ndarray:
    """x @ W for x (N, K), one row at a time inside numpy's C loop (np.vecmat: a row-vector product per row).

    A single BLAS matrix product rounds a row differently depending on how many other rows it is batched
    with; a stack of row-vector products (one BLAS gemv per row) does not, which is what makes pads and
    batching exact. Keep this orientation: np.matvec(W.T, x) is faster at large H, but with some OpenBLAS
    kernel sets (OPENBLAS_CORETYPE=Prescott, Core2, Opteron) its result depends on where the row sits in
    memory, which breaks the exactness (benchmarks/check_core_exactness.py finds it).
    """
    return np.vecmat(x, W)


def check_inputs(p: Params, inputs, lengths=None):
    """Validated (inputs (B,T,I) float64, lengths (B,) int64, mask (B,T) bool); ValueError says what to fix."""
    x = real_numbers(inputs, "inputs must be real numbers: an array of shape (B, T, I)")
    if x.ndim != 3:
        raise ValueError(f"inputs must have shape (B, T, I) = (sequences, steps, {p.input_size}); got {x.shape}"
                         + (" (for one sequence use inputs[None])" if x.ndim == 2 else ""))
    B, T, I = x.shape
    if I != p.input_size:
        raise ValueError(f"each input vector must have I = {p.input_size} numbers to match W_s; got {I}")
    if B < 1:
        raise ValueError("the batch is empty: give at least one sequence")
    if not np.isfinite(x).all():
        b, t, i = (int(v) for v in np.argwhere(~np.isfinite(x))[0])
        raise ValueError(f"inputs hold NaN or inf (sequence {b}, step {t + 1}, component {i}): use finite numbers")
    n = np.full(B, T, dtype=np.int64) if lengths is None else check_lengths(lengths, B, T)
    mask = np.arange(T)[None, :] < n[:, None]
    return x, n, mask


@dataclasses.dataclass(frozen=True, eq=False)
class Trace:
    """Everything the forward pass computed; backward reads it.

    inputs (B,T,I) as given; lengths (B,); mask (B,T) True at real steps, False at pads;
    states (B,T+1,H) s^0..s^T; z (B,T,H) pre-activations z^t (0 at pads, where nothing is computed);
    output_pre (B,O) = s^T W_o + b_o; output (B,O) = o;
    xs (B,T,H+I) [s^{t-1} i^t] for every step, the factor that multiplies W_s (None: backward rebuilds it).
    states and xs are views of one buffer (they share memory): read the arrays, do not write to them.
    """
    params: Params
    inputs: np.ndarray
    lengths: np.ndarray
    mask: np.ndarray
    states: np.ndarray
    z: np.ndarray
    output_pre: np.ndarray
    output: np.ndarray
    xs: np.ndarray = None

    def first_nonfinite_step(self):
        """(t, where) of the first step whose state is inf/NaN ('state'), or of a non-finite output
        (t = T+1, 'output'); None when every number is finite."""
        bad = ~np.isfinite(self.states).all(axis=(0, 2))
        if bad.any():
            return int(np.argmax(bad)), "state"
        if not np.isfinite(self.output).all():
            return self.states.shape[1], "output"
        return None


def forward(p: Params, inputs, lengths=None) -> Trace:
    """Run the RNN over a batch. inputs (B,T,I); lengths (B,) ints, steps at or past a length are pads."""
    x, n, mask = check_inputs(p, inputs, lengths)
    B, T, I = x.shape
    H = p.state_size
    f_s, f_o = activations.get(p.f_s), activations.get(p.f_o)
    # Speed: one buffer, xs[:, t] = the rows [s^{t-1} i^t] that step t multiplies by W_s. Each new state is
    # written straight into the next step's rows (no concatenation per step), and the trace's states and
    # xs are views of it (no copies). The extra last step holds s^T (its input part is unused, 0).
    xs = np.empty((B, T + 1, H + I))
    states = xs[:, :, :H]                                              # states[:, t] = s^t, (B, T+1, H)
    xs[:, :T, H:] = x                                                  # i^t
    xs[:, T, H:] = 0.0
    states[:, 0] = p.s0                                                # s^0
    z = np.empty((B, T, H))
    pad = ~mask.T[:, :, None]                                          # (T, B, 1): is step t a pad?
    has_pads = pad.any(axis=(1, 2)).tolist()
    T_run = int(n.max(initial=0))                                      # later steps are pads everywhere
    with np.errstate(over="ignore", invalid="ignore"):                 # overflow is reported, not raised
        for t in range(T_run):                                         # array index t is step t+1 of the equations
            # (a pad's row is multiplied with the others, row by row, and its result thrown away below:
            # the pad vector reaches nothing)
            z[:, t] = _rows_matmul(xs[:, t], p.W_s) + p.b_s            # z^t = [s^{t-1} i^t] W_s + b_s
            states[:, t + 1] = f_s.forward(z[:, t])                    # s^t = f_s(z^t)
            if has_pads[t]:                                            # speed: skip when no sequence has a pad
                np.copyto(states[:, t + 1], states[:, t], where=pad[t])  # s^t = s^{t-1} at a pad
        states[:, T_run + 1:] = states[:, T_run, None]                 # only pads after the longest
        z[~mask] = 0.0                                                 # nothing is computed at a pad
        output_pre = _rows_matmul(states[:, T], p.W_o) + p.b_o         # s^T W_o + b_o
        output = f_o.forward(output_pre)                               # o = f_o(s^T W_o + b_o)
    return Trace(p, x, n, mask, states, z, output_pre, output, xs=xs[:, :T])


@dataclasses.dataclass(frozen=True, eq=False)
class Grads:
    """dL/d(parameter) summed over the batch, plus the factors of every step's contribution.

    W_s, b_s, W_o, b_o, s0: totals, shaped like the parameters.
    xs (B,T,H+I): [s^{t-1} i^t] per step (the trace's own array, shared);
    deltas (B,T,H): delta^t = dL/dz^t (0 at pads);  d_states (B,T+1,H): dL/ds^t for t = 0..T.
    """
    W_s: np.ndarray
    b_s: np.ndarray
    W_o: np.ndarray
    b_o: np.ndarray
    s0: np.ndarray
    xs: np.ndarray
    deltas: np.ndarray
    d_states: np.ndarray

    def steps(self, name: str) -> np.ndarray:
        """Per-step contributions of each step's weight copy, t = 1..T: (T, H+I, H) for W_s, (T, H) for b_s.

        Summing over axis 0 gives the total (to rounding). Contributions at pad steps are exactly 0.
        """
        if name == "W_s":
            return np.einsum("bti,bth->tih", self.xs, self.deltas)    # dL/dW_s^t = [s^{t-1} i^t]^T delta^t
        if name == "b_s":
            return self.deltas.sum(axis=0)                             # dL/db_s^t = delta^t
        raise ValueError(f"per-step contributions exist for the recurrent weights W_s and b_s, not {name!r}")

    def step_norms(self, name: str = "W_s") -> np.ndarray:
        """(T,) Frobenius norm of each step's contribution, from the factors (no (T, H+I, H) array).

        ||X_t^T D_t||_F^2 = sum_{b,c} (x_b . x_c)(d_b . d_c) with X_t, D_t the step's rows over the batch.
        """
        if name == "b_s":
            return np.linalg.norm(self.steps("b_s"), axis=1)
        if name != "W_s":
            raise ValueError(f"per-step norms exist for W_s and b_s, not {name!r}")
        gram_x = np.einsum("bti,cti->tbc", self.xs, self.xs)
        gram_d = np.einsum("bth,cth->tbc", self.deltas, self.deltas)
        return np.sqrt(np.maximum((gram_x * gram_d).sum(axis=(1, 2)), 0.0))

    def step_element(self, name: str, row: int, col: int = 0) -> np.ndarray:
        """(T,) contribution of each step to one element: W_s[row, col], or b_s[row] (col ignored)."""
        if name == "W_s":
            return np.einsum("bt,bt->t", self.xs[:, :, row], self.deltas[:, :, col])
        if name == "b_s":
            return self.deltas[:, :, row].sum(axis=0)
        raise ValueError(f"per-step contributions exist for W_s and b_s, not {name!r}")


def backward(p: Params, tr: Trace, d_output) -> Grads:
    """Back-propagation through time. d_output = dL/do, (B, O); returns totals summed over the batch."""
    do = np.asarray(d_output, dtype=np.float64)
    if do.shape != tr.output.shape:
        raise ValueError(f"d_output must have the output's shape {tr.output.shape}; got {do.shape}")
    if tr.params is not p and not tr.params.equals(p):
        raise ValueError("the trace was computed with other parameters: run forward(p, ...) again")
    f_s, f_o = activations.get(p.f_s), activations.get(p.f_o)
    B, T, H = tr.z.shape
    states, z, mask = tr.states, tr.z, tr.mask
    xs = tr.xs if tr.xs is not None else np.concatenate([states[:, :-1], tr.inputs], axis=2)
    pad = ~mask.T[:, :, None]                                           # (T, B, 1): is step t a pad?
    has_pads = pad.any(axis=(1, 2)).tolist()
    T_run = int(tr.lengths.max(initial=0))                              # later steps are pads everywhere
    deltas = np.zeros((B, T, H))                                        # deltas[:, t] = delta^t
    d_states = np.empty((B, T + 1, H))                                  # d_states[:, t] = dL/ds^t
    W_ssT = np.ascontiguousarray(p.W_ss.T)                              # speed: faster than a transposed view
    # s^T as a contiguous block: the batch sum in dL/dW_o then rounds the same way whatever T is
    s_T = np.ascontiguousarray(states[:, T])
    with np.errstate(over="ignore", invalid="ignore"):
        d_pre = f_o.backward(tr.output_pre, tr.output, do)              # dL/d(s^T W_o + b_o)
        W_o = s_T.T @ d_pre                                             # dL/dW_o = (s^T)^T dL/d(pre)
        d_states[:, T] = d_pre @ p.W_o.T                                # dL/ds^T
        d_states[:, T_run:T] = d_states[:, T, None]                     # pads after the longest pass it on
        for t in reversed(range(T_run)):                                # array index t is step t+1 of the equations
            deltas[:, t] = f_s.backward(z[:, t], states[:, t + 1], d_states[:, t + 1])  # delta^t = dL/ds^t * f_s'(z^t)
            delta = deltas[:, t]
            if has_pads[t]:                                             # speed: skip when no sequence has a pad
                np.copyto(delta, 0.0, where=pad[t])                     # delta^t = 0 at a pad
            np.matmul(delta, W_ssT, out=d_states[:, t])                 # dL/ds^{t-1} = delta^t W_ss^T
            if has_pads[t]:
                np.copyto(d_states[:, t], d_states[:, t + 1], where=pad[t])  # at a pad dL/ds^{t-1} = dL/ds^t
        # Sums over the real steps' rows only: a pad adds nothing, not even rounding, so appending pads
        # changes no bit of the totals.
        deltas_real = deltas[mask]                                      # (real steps, H)
        W_s = xs[mask].T @ deltas_real                                  # sum_t [s^{t-1} i^t]^T delta^t
        b_s = deltas_real.sum(axis=0)                                   # sum_t delta^t
        s0 = np.ascontiguousarray(d_states[:, 0]).sum(axis=0)           # dL/ds^0 (contiguous, as s^T above)
    return Grads(W_s=W_s, b_s=b_s, W_o=W_o, b_o=d_pre.sum(axis=0), s0=s0,
                 xs=xs, deltas=deltas, d_states=d_states)
