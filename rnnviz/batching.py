"""Padding and variable-length minibatches, as numbers (pure numpy; the "Padding and batches" lesson).

The lesson text pads every sequence of a batch to one length T and makes the RNN copy its state at a pad:

    s^t = f_s([s^{t-1} i^t] W_s + b_s)     if i^t is not a pad
    s^t = s^{t-1}                          otherwise

This module builds small batches of different lengths (random vectors or typed sentences), runs them with
the mask and without it (pads fed through f_s as ordinary zero inputs), runs every sequence alone without
pads, and measures the differences, so a page can show that the mask makes padding exact, bit for bit.
"""
import dataclasses
import functools

import numpy as np

from .checks import check_lengths, is_whole_number
from .core import Trace, backward, forward
from .params import Params
from .sequences import Vocabulary, bucket_by_length, pad_fraction, pad_sequences

MAX_B = 8              # sequences in one batch
MAX_LEN = 20           # real steps in one sequence


# --------------------------------------------------------------------------------------------------
# Making a batch
# --------------------------------------------------------------------------------------------------

def random_batch(lengths, I: int, seed: int = 0) -> list:
    """B sequences of random input vectors, i^t ~ U(-1, 1): sequence b has shape (lengths[b], I).

    Sequence b is drawn from its own generator (seed, b), always MAX_LEN steps long and then cut, so
    changing one length only adds or removes steps at its end and leaves every other sequence unchanged.
    """
    n = check_lengths(lengths, T=MAX_LEN)
    if not is_whole_number(I) or I < 1:
        raise ValueError(f"I must be a whole number >= 1; got {I!r}")
    return [np.random.default_rng([seed, 3, b]).uniform(-1.0, 1.0, (MAX_LEN, I))[:L]    # i^1..i^L of seq b
            for b, L in enumerate(n.tolist())]


@dataclasses.dataclass(frozen=True)
class SentenceBatch:
    """Typed sentences as one-hot sequences over their shared vocabulary.

    sentences: the B lines used (after cutting); seqs: B arrays (T_b, V), row t the one-hot i^{t+1};
    vocab: the sorted distinct characters of all lines (V = vocab.size = the I the model needs);
    notes: what was changed to make the text fit (lines cut to MAX_LEN characters, lines dropped).
    """
    sentences: tuple
    seqs: list
    vocab: Vocabulary
    notes: tuple


def sentence_batch(text: str, max_b: int = MAX_B, max_len: int = MAX_LEN) -> SentenceBatch:
    """One sequence per line of text; each character is one step, one-hot over the characters of all lines.

    An empty line is a sequence of length 0 (all pads). Trailing empty lines are ignored. Lines longer than
    max_len characters are cut and lines after the max_b-th dropped, each with a note saying so.
    ValueError (saying what to fix) when there is no character at all.
    """
    if not isinstance(text, str):
        raise ValueError(f"type the sentences as text, one per line; got {type(text).__name__}")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    notes = []
    if len(lines) > max_b:
        notes.append(f"only the first {max_b} lines are used (a batch here holds at most {max_b} sequences); "
                     f"{len(lines) - max_b} more were left out")
        lines = lines[:max_b]
    for k, line in enumerate(lines):
        if len(line) > max_len:
            notes.append(f"line {k + 1} has {len(line)} characters; only its first {max_len} are used "
                         f"(at most {max_len} steps per sequence)")
            lines[k] = line[:max_len]
    if not "".join(lines):
        raise ValueError("type at least one sentence: each line is one sequence, each character one step")
    vocab = Vocabulary.from_text("".join(lines))
    seqs = [vocab.one_hot(line) for line in lines]                       # (T_b, V) one-hot rows
    return SentenceBatch(tuple(lines), seqs, vocab, tuple(notes))


def cell_labels(sentences, T: int) -> np.ndarray:
    """(B, T) strings: sentences[b][t] at sequence b's real steps, "" at its pads (for the mask figure)."""
    return np.array([[s[t] if t < len(s) else "" for t in range(T)] for s in sentences], dtype=object).reshape(-1, T)


def add_bias(p: Params, shift: float) -> Params:
    """p with b_s + shift in every entry (a new Params; p itself is unchanged)."""
    return p.replace(b_s=p.b_s + float(shift))


# --------------------------------------------------------------------------------------------------
# Comparing runs
# --------------------------------------------------------------------------------------------------

def max_abs_diff(a, b) -> float:
    """max |a - b| over all entries, counting bit-identical entries (also equal inf, or NaN with NaN) as 0.

    0.0 exactly when the arrays are identical; inf or NaN when a non-finite value differs. Empty: 0.0.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    with np.errstate(invalid="ignore", over="ignore"):
        d = np.where(same, 0.0, np.abs(a - b))
    return float(d.max(initial=0.0)) if not np.isnan(d).any() else float("nan")


def identical(a, b) -> bool:
    """True when the arrays have the same shape and every entry is the same float64 (NaN equals NaN)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def pad_step_contributions(deltas: np.ndarray, xs: np.ndarray, lengths) -> np.ndarray:
    """(B,) max |[s^{t-1} i^t]^T delta^t| over sequence b's pad steps t > lengths[b] (0 with no pads).

    deltas (B, T, H) = dL/dz^t and xs (B, T, H+I) = [s^{t-1} i^t], as in Grads from rv.backward;
    lengths (B,) say which steps count as pads (for an unmasked run, pass the masked lengths to measure
    what its pad steps contributed).
    """
    B, T, _ = deltas.shape
    out = np.zeros(B)
    with np.errstate(invalid="ignore", over="ignore"):
        for b, L in enumerate(np.asarray(lengths).tolist()):
            if L < T:
                contrib = np.einsum("ti,th->tih", xs[b, L:], deltas[b, L:])     # [s^{t-1} i^t]^T delta^t
                out[b] = np.abs(contrib).max()
    return out


@dataclasses.dataclass(frozen=True, eq=False)
class PadDemo:
    """Everything the lesson shows about one padded batch (inputs (B,T,I), lengths (B,)).

    p: the parameters of every run.
    masked: forward(p, inputs, lengths), the lesson text's RNN (state copied at pads).
    unmasked: forward(p, inputs), the pads fed through f_s as ordinary zero inputs.
    The comparisons below are computed when first read (and then kept), so a view that shows only some of
    them pays only for those:
    alone: B traces forward(p, inputs[b:b+1, :L_b], [L_b]), each sequence alone without pads.
    unmasked_state_diff, unmasked_output_diff (B,): max |masked - unmasked| in s^T and in o.
    alone_state_diff, alone_output_diff, alone_states_diff (B,): max |batch - alone| in s^T, in o, and
    over every state s^0..s^{L_b}; alone_identical (B,) bool: all three bit for bit equal.
    pad_delta (B,): max |delta^t| at sequence b's pads, masked run, d_output = ones (exactly 0).
    pad_contrib, unmasked_pad_contrib (B,): max |[s^{t-1} i^t]^T delta^t| at b's pads, masked and unmasked.
    """
    p: Params
    masked: Trace
    unmasked: Trace

    @property
    def inputs(self) -> np.ndarray:
        return self.masked.inputs

    @property
    def lengths(self) -> np.ndarray:
        return self.masked.lengths

    @property
    def T(self) -> int:
        return self.inputs.shape[1]

    def _per(self, f) -> np.ndarray:
        """(B,) from a function of the sequence index b."""
        return np.array([f(b) for b in range(self.lengths.size)])

    @functools.cached_property
    def alone(self) -> tuple:
        x = self.inputs
        return tuple(forward(self.p, x[b:b + 1, :L], [L]) for b, L in enumerate(self.lengths.tolist()))  # no pads

    @functools.cached_property
    def unmasked_state_diff(self) -> np.ndarray:
        T = self.T
        return self._per(lambda b: max_abs_diff(self.masked.states[b, T], self.unmasked.states[b, T]))

    @functools.cached_property
    def unmasked_output_diff(self) -> np.ndarray:
        return self._per(lambda b: max_abs_diff(self.masked.output[b], self.unmasked.output[b]))

    @functools.cached_property
    def alone_state_diff(self) -> np.ndarray:
        return self._per(lambda b: max_abs_diff(self.masked.states[b, self.T], self.alone[b].states[0, -1]))

    @functools.cached_property
    def alone_output_diff(self) -> np.ndarray:
        return self._per(lambda b: max_abs_diff(self.masked.output[b], self.alone[b].output[0]))

    @functools.cached_property
    def alone_states_diff(self) -> np.ndarray:
        n = self.lengths
        return self._per(lambda b: max_abs_diff(self.masked.states[b, : n[b] + 1], self.alone[b].states[0]))

    @functools.cached_property
    def alone_identical(self) -> np.ndarray:
        masked, alone, n, T = self.masked, self.alone, self.lengths, self.T
        return self._per(lambda b: identical(masked.states[b, T], alone[b].states[0, -1])
                         and identical(masked.output[b], alone[b].output[0])
                         and identical(masked.states[b, : n[b] + 1], alone[b].states[0])).astype(bool)

    @functools.cached_property
    def _grads(self) -> tuple:
        """(masked grads, unmasked grads) of L = the sum of all outputs (dL/do = 1)."""
        d_out = np.ones_like(self.masked.output)
        return backward(self.p, self.masked, d_out), backward(self.p, self.unmasked, d_out)

    @functools.cached_property
    def pad_delta(self) -> np.ndarray:
        deltas = self._grads[0].deltas
        with np.errstate(invalid="ignore", over="ignore"):
            return self._per(lambda b: np.abs(deltas[b, self.lengths[b]:]).max(initial=0.0))   # delta^t, t > L_b

    @functools.cached_property
    def pad_contrib(self) -> np.ndarray:
        g = self._grads[0]
        return pad_step_contributions(g.deltas, g.xs, self.lengths)

    @functools.cached_property
    def unmasked_pad_contrib(self) -> np.ndarray:
        g_un = self._grads[1]
        return pad_step_contributions(g_un.deltas, g_un.xs, self.lengths)


def pad_demo(p: Params, inputs, lengths) -> PadDemo:
    """Run a padded batch with the mask and without it; PadDemo compares them with each other and with each
    sequence run alone when asked.

    inputs (B, T, I) with pad vectors at steps t > lengths[b]; lengths (B,) whole numbers 0..T.
    Gradients use d_output = dL/do = ones (B, O), i.e. L = the sum of all outputs.
    """
    masked = forward(p, inputs, lengths)                                 # s^t = s^{t-1} at a pad
    unmasked = forward(p, masked.inputs)                                 # lengths = T: pads go through f_s
    return PadDemo(p=p, masked=masked, unmasked=unmasked)


# --------------------------------------------------------------------------------------------------
# The lesson text's two minibatch strategies
# --------------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class StrategyCosts:
    """What each of the lesson text's strategies computes for one set of sequences.

    Group by length: n_buckets batches (one forward call each, no pads), bucket_lengths and bucket_sizes
    per batch, real_cells = sum_b T_b steps computed.
    Pad and mask: one batch of B x T cells (padded_cells), pad_cells of them pads, pad_fraction = their share.
    """
    n_buckets: int
    bucket_lengths: tuple
    bucket_sizes: tuple
    real_cells: int
    padded_cells: int
    pad_cells: int
    pad_fraction: float


def strategy_costs(seqs, T=None) -> StrategyCosts:
    """Compare grouping by length (rv.sequences.bucket_by_length) with padding to T (default the longest)."""
    buckets = bucket_by_length(seqs)                                     # {length: (inputs, indices)}
    lengths = np.array([np.asarray(s).shape[0] for s in seqs], dtype=np.int64)
    T = int(lengths.max()) if T is None else T
    frac = pad_fraction(lengths, T)                                      # (B*T - sum T_b) / (B*T)
    cells = lengths.size * T
    return StrategyCosts(n_buckets=len(buckets), bucket_lengths=tuple(buckets),
                         bucket_sizes=tuple(len(ix) for _, ix in buckets.values()),
                         real_cells=int(lengths.sum()), padded_cells=int(cells),
                         pad_cells=int(cells - lengths.sum()), pad_fraction=frac)


def bucket_outputs_diff(p: Params, seqs, padded_output) -> dict:
    """{length: max |o_bucket - o_padded|}: run each length group as its own batch (no pads) and compare
    its outputs with the padded batch's outputs padded_output (B, O) for the same sequences (exactly 0)."""
    out = {}
    for L, (x, idx) in bucket_by_length(seqs).items():
        out[L] = max_abs_diff(forward(p, x).output, np.asarray(padded_output)[idx])
    return out


def padded(seqs, extra_pads: int = 0):
    """(inputs (B, T, I), lengths (B,)): seqs padded with zero vectors (the lesson text's pad) to
    T = longest + extra_pads; see sequences.pad_sequences."""
    return pad_sequences(seqs, 0.0, extra_pads=extra_pads)
