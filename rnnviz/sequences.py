"""Sequences of different lengths, and turning symbols into input vectors.

The lesson text gives two ways to train on sequences of different lengths:

* group them by length, so every minibatch holds sequences of one length (``bucket_by_length``);
* pad every sequence to the longest with pad vectors and let the RNN copy its state at a pad,
  s^t = s^{t-1} (``pad_sequences``). In rnnviz the lengths, not the pad values, mark the pads:
  ``forward(p, inputs, lengths)`` never reads a pad vector, so the pad value changes nothing.

A sequence here is a (T_b, I) array: T_b steps (0 is allowed), one input vector i^t of I numbers per
step. Symbols (characters, words, digits) become one-hot input vectors through a ``Vocabulary``.
"""
import dataclasses
from typing import Sequence

import numpy as np

from .checks import check_lengths, check_steps, is_whole_number


# --------------------------------------------------------------------------------------------------
# Padding and bucketing
# --------------------------------------------------------------------------------------------------

def _check_sequences(seqs) -> list:
    """seqs as a list of float64 (T_b, I) arrays with one I, finite; ValueError saying what to fix otherwise.

    An array that already is float64 is returned as it is, not copied: callers copy it into their batch."""
    if isinstance(seqs, (str, bytes)) or isinstance(seqs, np.ndarray) and seqs.ndim != 3:
        raise ValueError("seqs must be a list of (T_b, I) arrays, one per sequence")
    try:
        seqs = list(seqs)
    except TypeError:
        raise ValueError(f"seqs must be a list of (T_b, I) arrays, one per sequence; got {type(seqs).__name__}") \
            from None
    if not seqs:
        raise ValueError("the list of sequences is empty: give at least one (T_b, I) array")
    arrays = []
    for b, seq in enumerate(seqs):
        a = np.asarray(seq)
        if a.dtype != np.float64:                                       # speed: float64, the usual case, is a number
            if a.dtype.kind not in "biufc":
                raise ValueError(f"sequence {b} must hold numbers, as an array of shape (T_b, I)")
            if a.dtype.kind == "c":
                raise ValueError(f"sequence {b} holds complex numbers: inputs must be real")
        if a.ndim != 2:
            hint = (" (for one number per step use np.reshape(seq, (-1, 1)); an empty sequence is "
                    "np.zeros((0, I)))") if a.ndim == 1 else ""
            raise ValueError(f"sequence {b} must be 2-D, shape (T_b, I) = (steps, inputs per step); "
                             f"got shape {a.shape}{hint}")
        arrays.append(a if a.dtype == np.float64 else a.astype(np.float64))   # callers copy it (pad, stack)
    I = arrays[0].shape[1]
    for b, a in enumerate(arrays):
        if a.shape[1] != I:
            raise ValueError(f"every sequence needs the same number of inputs per step: sequence 0 has I = {I}, "
                             f"sequence {b} has I = {a.shape[1]}")
    if not np.isfinite(np.concatenate(arrays)).all():                   # speed: one check over every step
        b = next(b for b, a in enumerate(arrays) if not np.isfinite(a).all())
        t, i = (int(v) for v in np.argwhere(~np.isfinite(arrays[b]))[0])
        raise ValueError(f"sequence {b} holds NaN or inf (step {t + 1}, component {i}): use finite numbers")
    return arrays


def _check_pad_value(pad_value, I: int) -> np.ndarray:
    """pad_value as an (I,) float64 vector; a number stands for the vector with every entry equal to it."""
    try:
        v = np.asarray(pad_value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"pad_value must be a number or a vector of I = {I} numbers; got {pad_value!r}") from None
    if v.ndim > 1 or (v.ndim == 1 and v.shape != (I,)):
        raise ValueError(f"pad_value must be a number or a vector of I = {I} numbers; got shape {v.shape}")
    if not np.isfinite(v).all():
        raise ValueError("pad_value must be finite (forward rejects NaN and inf inputs, pads included)")
    return np.broadcast_to(v, (I,))


def pad_sequences(seqs, pad_value=0.0, T=None, extra_pads: int = 0):
    """Pad sequences of different lengths into one batch with pad vectors, the lesson text's first strategy.

    seqs: list of B arrays, each (T_b, I) with T_b >= 0 steps and the same I.
    pad_value: a number (the pad vector has it in every entry; the lesson text uses 0) or an (I,) vector.
    T: steps of the batch; default the longest T_b plus extra_pads. A larger T appends more pads.
    Returns (inputs, lengths): inputs (B, T, I) float64 with inputs[b, :T_b] = seqs[b] and the pad vector
    at every step t >= T_b; lengths (B,) int64 = T_b, ready for ``forward(p, inputs, lengths)``.
    Every padded batch in rnnviz (tasks' datasets, training's "pad" strategy, the padding lesson) is made here.
    """
    arrays = _check_sequences(seqs)
    I = arrays[0].shape[1]
    lengths = np.array([a.shape[0] for a in arrays], dtype=np.int64)   # T_b
    longest = int(lengths.max())
    if not is_whole_number(extra_pads) or extra_pads < 0:
        raise ValueError(f"extra_pads must be a whole number >= 0 (pad steps after the longest); got {extra_pads!r}")
    if T is not None and extra_pads:
        raise ValueError("give the batch's steps T or the extra_pads after the longest, not both")
    T = longest + int(extra_pads) if T is None else check_steps(T, longest)
    pad = _check_pad_value(pad_value, I)
    inputs = np.empty((len(arrays), T, I))
    inputs[:] = pad                                                     # every cell starts as a pad vector
    for b, a in enumerate(arrays):
        inputs[b, : a.shape[0]] = a                                     # real steps t = 1..T_b
    return inputs, lengths


def unpad_sequences(inputs, lengths) -> list:
    """The inverse of ``pad_sequences``: a list of B copies inputs[b, :lengths[b]], each (T_b, I).

    inputs: (B, T, I); lengths: (B,) whole numbers 0..T.
    """
    x = np.asarray(inputs, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"inputs must have shape (B, T, I); got {x.shape}")
    n = check_lengths(lengths, B=x.shape[0], T=x.shape[1])
    return [x[b, :L].copy() for b, L in enumerate(n)]


def bucket_by_length(seqs) -> dict:
    """The lesson text's other strategy: group sequences of equal length, so no batch needs pads.

    seqs: list of B arrays, each (T_b, I). Returns {length: (inputs, indices)} with keys in increasing
    order: inputs (n, length, I) float64 stacks the n sequences of that length, and indices (n,) int64
    are their positions in seqs (increasing), so inputs[k] is seqs[indices[k]].
    """
    arrays = _check_sequences(seqs)
    lengths = np.array([a.shape[0] for a in arrays], dtype=np.int64)
    buckets = {}
    for L in np.unique(lengths):                                        # np.unique sorts: shortest first
        indices = np.flatnonzero(lengths == L).astype(np.int64)
        buckets[int(L)] = (np.stack([arrays[i] for i in indices]), indices)
    return buckets


def pad_fraction(lengths, T=None) -> float:
    """Share of the B x T cells of a padded batch that are pads: (B*T - sum_b T_b) / (B*T).

    lengths: (B,) whole numbers >= 0; T: steps in the batch, default max(lengths), must be at least that.
    A batch with no cells (T = 0) has fraction 0.
    """
    n = check_lengths(lengths)
    T = int(n.max()) if T is None else check_steps(T, int(n.max()))
    cells = n.size * T                                                  # B * T
    return 0.0 if cells == 0 else float(cells - n.sum()) / cells


# --------------------------------------------------------------------------------------------------
# Symbols as one-hot vectors
# --------------------------------------------------------------------------------------------------

KINDS = ("char", "word")


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """The V symbols an RNN reads, each coded as a one-hot vector of V numbers.

    tokens: the symbols in code order; token k becomes the vector with a 1 at position k.
    kind: "char" (a string is read character by character and decoding gives a string) or
    "word" (a string is split on whitespace, and decoding gives a list of tokens).
    ``from_text`` and ``from_tokens`` sort the distinct symbols (Python's string order, so "A" < "a"),
    which makes the code depend only on which symbols occur, never on where they first appear.
    """
    tokens: tuple
    kind: str = "char"

    def __post_init__(self):
        if isinstance(self.tokens, str) and self.kind == "char":
            object.__setattr__(self, "tokens", tuple(self.tokens))
        if isinstance(self.tokens, str):
            raise ValueError("tokens must be a list of strings, e.g. ['the', 'cat']; for characters use kind='char'")
        tokens = tuple(self.tokens)
        object.__setattr__(self, "tokens", tokens)
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {self.kind!r}")
        if not tokens:
            raise ValueError("a vocabulary needs at least one token")
        for k, tok in enumerate(tokens):
            if not isinstance(tok, str) or tok == "":
                raise ValueError(f"every token must be a non-empty string; token {k} is {tok!r}")
            if self.kind == "char" and len(tok) != 1:
                raise ValueError(f"a 'char' vocabulary holds single characters; token {k} is {tok!r} "
                                 "(use kind='word' for longer tokens)")
        if len(set(tokens)) != len(tokens):
            dup = next(tok for k, tok in enumerate(tokens) if tok in tokens[:k])
            raise ValueError(f"tokens must be distinct; {dup!r} appears more than once")
        object.__setattr__(self, "_index", {tok: k for k, tok in enumerate(tokens)})

    @classmethod
    def from_text(cls, text: str, kind: str = "char") -> "Vocabulary":
        """The sorted distinct characters (kind="char") or whitespace-separated words (kind="word") of text."""
        if not isinstance(text, str):
            raise ValueError(f"text must be a string; got {type(text).__name__} (for a list of tokens use from_tokens)")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
        symbols = list(text) if kind == "char" else text.split()
        if not symbols:
            raise ValueError("the text is empty: a vocabulary needs at least one symbol")
        return cls(tuple(sorted(set(symbols))), kind)

    @classmethod
    def from_tokens(cls, tokens: Sequence[str]) -> "Vocabulary":
        """A word vocabulary of the sorted distinct tokens of a list, e.g. ['the', 'cat', 'the']."""
        if isinstance(tokens, str):
            raise ValueError("tokens must be a list of strings; for a text use Vocabulary.from_text(text, kind)")
        tokens = list(tokens)
        for k, tok in enumerate(tokens):
            if not isinstance(tok, str):
                raise ValueError(f"every token must be a string; token {k} is {tok!r}")
        if not tokens:
            raise ValueError("the list of tokens is empty: a vocabulary needs at least one token")
        return cls(tuple(sorted(set(tokens))), "word")

    @property
    def size(self) -> int:
        """V, the number of tokens and the length of every one-hot vector."""
        return len(self.tokens)

    def __len__(self) -> int:
        return len(self.tokens)

    def _split(self, seq) -> list:
        """A string read as characters (char) or words (word); a list of tokens as it is."""
        if isinstance(seq, str):
            return list(seq) if self.kind == "char" else seq.split()
        try:
            return list(seq)
        except TypeError:
            raise ValueError(f"give a string or a list of tokens to encode; got {type(seq).__name__}") from None

    def encode(self, seq) -> np.ndarray:
        """(T,) int64 code of each symbol of seq (a string, or a list of tokens); ValueError for unknown ones."""
        symbols = self._split(seq)
        codes = np.empty(len(symbols), dtype=np.int64)
        for t, tok in enumerate(symbols):
            k = self._index.get(tok) if isinstance(tok, str) else None
            if k is None:
                shown = ", ".join(repr(x) for x in self.tokens[:12]) + (", ..." if len(self.tokens) > 12 else "")
                raise ValueError(f"unknown token {tok!r} at position {t}: the vocabulary has only {shown}; "
                                 "build the vocabulary from text that contains it")
            codes[t] = k
        return codes

    def one_hot(self, seq) -> np.ndarray:
        """(T, V) float64 one-hot input vectors for seq (a string, or a list of tokens): row t is i^{t+1}."""
        codes = self.encode(seq)
        x = np.zeros((codes.size, self.size))
        x[np.arange(codes.size), codes] = 1.0                           # i^t[k] = 1 for the t-th symbol's code k
        return x

    def decode(self, x):
        """Symbols back from one-hot rows (T, V) or from codes (T,) ints.

        Returns a string for a "char" vocabulary and a list of tokens for a "word" one. Every row must be
        exactly one-hot (one 1, the rest 0); for scores or probabilities take argmax over axis -1 first.
        """
        a = np.asarray(x)
        if a.ndim == 2:
            if a.shape[1] != self.size:
                raise ValueError(f"one-hot rows must have V = {self.size} entries; got shape {a.shape}")
            exact = ((a == 0) | (a == 1)).all(axis=1) & (a.sum(axis=1) == 1)
            if not exact.all():
                t = int(np.argmin(exact))
                raise ValueError(f"row {t} is not one-hot (exactly one 1, the rest 0): for scores or "
                                 "probabilities decode x.argmax(axis=-1) instead")
            codes = a.argmax(axis=1)
        elif a.ndim == 1:
            if a.size and not np.issubdtype(a.dtype, np.integer):
                raise ValueError("codes must be whole numbers (or give one-hot rows of shape (T, V))")
            codes = a.astype(np.int64)
            if ((codes < 0) | (codes >= self.size)).any():
                raise ValueError(f"codes must lie between 0 and V - 1 = {self.size - 1}; got {codes.tolist()}")
        else:
            raise ValueError(f"decode one-hot rows (T, V) or codes (T,); got shape {a.shape}")
        symbols = [self.tokens[k] for k in codes]
        return "".join(symbols) if self.kind == "char" else symbols


def one_hot(tokens, vocab: Vocabulary) -> np.ndarray:
    """(T, V) float64 one-hot rows for tokens (a string or list of tokens) under vocab; see Vocabulary.one_hot."""
    if not isinstance(vocab, Vocabulary):
        raise ValueError(f"vocab must be a Vocabulary, e.g. Vocabulary.from_text(text); got {type(vocab).__name__}")
    return vocab.one_hot(tokens)


DIGITS = Vocabulary(tuple("0123456789"), "char")                        # digit d -> one-hot with a 1 at d


def digits_one_hot(digits) -> np.ndarray:
    """(T, 10) float64 one-hot rows for a digit sequence: a string such as "0427" or a list of ints 0..9.

    Digit d becomes the vector with a 1 at position d, so the lesson text's "add 4-digit numbers" task reads
    one digit per step with I = 10.
    """
    if isinstance(digits, str):
        bad = [(t, c) for t, c in enumerate(digits) if c not in "0123456789"]
        if bad:
            t, c = bad[0]
            raise ValueError(f"digits must be the characters 0-9; got {c!r} at position {t}")
        return DIGITS.one_hot(digits)
    if is_whole_number(digits):
        raise ValueError(f"give the digits as a string or a list, e.g. digits_one_hot(str({digits})); "
                         "a single number is ambiguous")
    a = np.asarray(digits)
    if a.ndim != 1 or (a.size and not np.issubdtype(a.dtype, np.integer)):
        raise ValueError("digits must be a string of 0-9 or a 1-D list of whole numbers 0..9")
    codes = a.astype(np.int64)
    if ((codes < 0) | (codes > 9)).any():
        t = int(np.argmax((codes < 0) | (codes > 9)))
        raise ValueError(f"every digit must lie between 0 and 9; got {int(codes[t])} at position {t}")
    return DIGITS.one_hot([str(d) for d in codes])


def random_sequences(n: int, I: int, lengths, seed: int = 0) -> list:
    """n random sequences of I inputs per step, standard normal numbers, the same for the same seed.

    lengths: one whole number (every sequence that long), a list of n whole numbers, or a range
    (each length drawn uniformly from it, e.g. range(1, 6)). seed: an int; the result depends only on
    (n, I, lengths, seed). Returns a list of n float64 arrays, sequence b of shape (T_b, I).
    """
    for name, v, low in (("n", n, 1), ("I", I, 1)):
        if not is_whole_number(v) or v < low:
            raise ValueError(f"{name} must be a whole number >= {low}; got {v!r}")
    if not is_whole_number(seed):
        raise ValueError(f"seed must be a whole number (the sequences are reproducible from it); got {seed!r}")
    rng = np.random.default_rng(seed)
    if isinstance(lengths, range):
        if len(lengths) == 0 or min(lengths) < 0:
            raise ValueError(f"a range of lengths must be non-empty and hold no negative numbers; got {lengths}")
        L = np.asarray(lengths, dtype=np.int64)[rng.integers(len(lengths), size=n)]
    elif is_whole_number(lengths):
        L = np.full(n, int(lengths), dtype=np.int64)
    else:
        L = np.asarray(lengths)
        if L.shape != (n,) or (L.size and not np.issubdtype(L.dtype, np.integer)):
            raise ValueError(f"lengths must be a whole number, a range, or a list of n = {n} whole numbers; "
                             f"got {lengths!r}")
        L = L.astype(np.int64)
    if (L < 0).any():
        raise ValueError(f"lengths cannot be negative; got {L.tolist()}")
    return [rng.standard_normal((int(T_b), int(I))) for T_b in L]
