"""Inside a trained RNN: what the state learned to hold, how far back the output looks, and the model on a
student's own input (numpy only).

Every task here has a hidden variable that a solution must carry from step to step, known exactly from the
inputs, so a state unit that follows it can be found by correlation:

    sum         the running sum of the digits read so far, d_1 + ... + d_t (the task's target at the last
                step is this sum / 9; a correlation does not change with the scale)
    parity      the number of ones read so far modulo m (for m = 2: the parity so far, 0 or 1)
    sentiment   the sentiment score so far as the task counts it: +1 per positive word, -1 per negative word,
                the sign flipped when "not" comes right before it (rnnviz.tasks.sentiment_label)
    next_char   the number of characters since the last space (0 at a space; before the first space, the
                characters read so far): a simple position-in-the-word variable, not the whole answer

Shapes: B sequences, T steps (the longest), H state units, I inputs, O outputs; steps at or past a
sequence's length are pads, and every per-step array here holds NaN at a pad, so that a pad never enters a
correlation or a mean.

    data  = test_sequences(task, (1, 10), n=200, seed=0)
    track = tracking(p, task, data)             # activations (B,T,H), hidden (B,T), r (H,), order
    track.order[0]                              # the unit with the largest |r|
    influence = mean_influence(p, task.make(32, (10, 10)))   # (T,) mean ||do/di^t||
    x, labels = encode_typed(task, "3 1 4 1 5")  # a student's input as (1, T, I) vectors
"""
import dataclasses

import numpy as np

from . import activations, influence, training
from .core import forward
from .params import Params
from .tasks import NEGATION, NEGATIVE, POSITIVE, Dataset, NextCharTask, Task, sample_text

HIDDEN_NAMES = {"sum": "running sum of the digits so far", "parity": "number of ones so far, modulo m",
                "sentiment": "sentiment score so far", "next_char": "characters since the last space"}
MAX_TYPED = 60                      # the most steps a typed input may have
QUICK_UPDATES = {"sum": 1500, "parity": 2000, "sentiment": 1000, "next_char": 1500}   # about a second each


SHORT_NAMES = {"sum": "running sum", "parity": "ones so far mod m", "sentiment": "sentiment so far",
               "next_char": "characters since a space"}


def short_name(task: Task) -> str:
    """The hidden variable in two or three words (for chart titles)."""
    return "parity so far" if task.name == "parity" and task.modulus == 2 else SHORT_NAMES[task.name]


def hidden_name(task: Task) -> str:
    """The hidden variable in words ("parity so far" for parity modulo 2)."""
    if task.name == "parity" and task.modulus == 2:
        return "parity so far (number of ones mod 2)"
    if task.name == "parity":
        return f"number of ones so far, modulo {task.modulus}"
    return HIDDEN_NAMES[task.name]


# ---- the symbols and the hidden variable --------------------------------------------------------------------

def step_mask(lengths, T: int) -> np.ndarray:
    """(B, T) bool, True at the real steps t = 1..lengths[b] (column t - 1), False at pads."""
    return np.arange(T)[None, :] < np.asarray(lengths)[:, None]


def symbol_codes(task: Task, inputs) -> np.ndarray:
    """(B, T) int64: the symbol each input vector encodes (a digit 0..9, a bit 0/1, a word's or a character's
    code in the task's vocabulary); meaningless at pads (zero vectors), which callers mask."""
    x = np.asarray(inputs, dtype=np.float64)
    if task.name == "sum" and task.encoding == "digit/9":
        return np.rint(x[..., 0] * 9.0).astype(np.int64)              # i^t = d_t / 9
    return x.argmax(axis=-1).astype(np.int64)                         # one-hot: the position of the 1


def hidden_variable(task: Task, inputs, lengths) -> np.ndarray:
    """(B, T) float64: the task's hidden variable after each step t (column t - 1), NaN at pads.

    inputs (B, T, I) as the task encodes them; lengths (B,). See the module docstring for each task's variable.
    """
    x = np.asarray(inputs, dtype=np.float64)
    B, T = x.shape[:2]
    mask = step_mask(lengths, T)
    c = symbol_codes(task, x)
    if task.name == "sum":
        h = np.cumsum(np.where(mask, c, 0), axis=1).astype(np.float64)          # d_1 + ... + d_t
    elif task.name == "parity":
        h = (np.cumsum(np.where(mask, c, 0), axis=1) % task.modulus).astype(np.float64)   # ones so far mod m
    elif task.name == "sentiment":
        tokens = task.vocabulary.tokens
        value = np.array([(w in POSITIVE) - (w in NEGATIVE) for w in tokens], dtype=np.float64)[c]   # +1, -1, 0
        after_not = np.zeros((B, T), bool)
        after_not[:, 1:] = c[:, :-1] == tokens.index(NEGATION)                  # "not" right before step t
        h = np.cumsum(np.where(mask, np.where(after_not, -value, value), 0.0), axis=1)
    elif task.name == "next_char":
        space = (c == task.vocabulary.tokens.index(" ")) & mask
        t = np.broadcast_to(np.arange(1, T + 1), (B, T))
        last_space = np.maximum.accumulate(np.where(space, t, 0), axis=1)      # the step of the last space (0: none)
        h = (t - last_space).astype(np.float64)
    else:                                                             # pragma: no cover - every task is above
        raise ValueError(f"no hidden variable for task {task.name!r}")
    return np.where(mask, h, np.nan)


def unit_activations(p: Params, inputs, lengths) -> np.ndarray:
    """(B, T, H) s^t of every unit after each step t = 1..T (column t - 1), aligned by step, NaN at pads."""
    tr = forward(p, inputs, lengths)
    return np.where(tr.mask[:, :, None], tr.states[:, 1:], np.nan)


def correlations(acts, hidden, steps=None) -> np.ndarray:
    """(H,) Pearson r between each unit and the hidden variable over the chosen real steps of all sequences.

    acts (B, T, H), hidden (B, T) with NaN at pads; steps (B, T) bool picks steps (default: every real step,
    the finite entries of hidden). A unit (or hidden variable) that does not vary over those steps gets NaN.
    """
    a, h = np.asarray(acts, dtype=np.float64), np.asarray(hidden, dtype=np.float64)
    chosen = np.isfinite(h) if steps is None else np.asarray(steps, bool) & np.isfinite(h)
    A, y = a[chosen], h[chosen]                                       # (N, H), (N,): the real steps only
    A = A - A.mean(axis=0)
    y = y - y.mean()
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (A * y[:, None]).sum(axis=0) / np.sqrt((A * A).sum(axis=0) * (y * y).sum())
    return np.where(np.isfinite(r), r, np.nan)


def ranked(r) -> np.ndarray:
    """(H,) unit indices, the largest |r| first (NaN, a constant unit, last)."""
    return np.argsort(-np.nan_to_num(np.abs(np.asarray(r)), nan=-1.0), kind="stable")


@dataclasses.dataclass(frozen=True, eq=False)
class Tracking:
    """How the state units follow the hidden variable over a set of sequences.

    acts (B, T, H) unit activations, hidden (B, T) the hidden variable (both NaN at pads), lengths (B,),
    texts (B,) how the sequences read, r (H,) each unit's Pearson r over all real steps, order (H,) units
    by |r|, best first."""
    acts: np.ndarray
    hidden: np.ndarray
    lengths: np.ndarray
    texts: tuple
    r: np.ndarray
    order: np.ndarray

    @property
    def best(self) -> int:
        return int(self.order[0])

    def head(self, n: int) -> "Tracking":
        """The first n sequences (r and order stay those of all of them)."""
        return dataclasses.replace(self, acts=self.acts[:n], hidden=self.hidden[:n], lengths=self.lengths[:n],
                                   texts=self.texts[:n])


def tracking(p: Params, task: Task, data: Dataset) -> Tracking:
    """The units of p over the sequences of data, and how well each tracks the task's hidden variable."""
    acts = unit_activations(p, data.inputs, data.lengths)
    hidden = hidden_variable(task, data.inputs, data.lengths)
    r = correlations(acts, hidden)
    return Tracking(acts, hidden, np.asarray(data.lengths), tuple(data.texts), r, ranked(r))


def test_sequences(task: Task, lengths, n: int = 200, seed: int = 0) -> Dataset:
    """n test sequences with lengths drawn from lengths = (shortest, longest), from a seed apart from the
    training data's (next_char: windows from the held-out end of the text)."""
    source = task.on("held-out") if isinstance(task, NextCharTask) else task
    return source.make(n, tuple(lengths), seed=[seed, 16])


def r_by_length(track: Tracking, unit: int) -> tuple:
    """(lengths (K,), r (K,)): the unit's r over the sequences of each length in track (all their steps)."""
    Ls = np.unique(track.lengths)
    r = np.array([correlations(track.acts[track.lengths == L][:, :, [unit]], track.hidden[track.lengths == L])[0]
                  for L in Ls])
    return Ls, r


def sequence_order(track: Tracking, unit: int, by: str) -> np.ndarray:
    """(B,) sequence indices for the heatmap, ascending: by "hidden" (hidden variable at the last step), "unit"
    (the unit's value at the last step), "length", or "none" (as drawn); ties go by length."""
    last = track.lengths - 1
    rows = np.arange(track.lengths.size)
    key = {"hidden": track.hidden[rows, last], "unit": track.acts[rows, last, unit],
           "length": track.lengths.astype(np.float64), "none": rows.astype(np.float64)}[by]
    if by == "none":
        return rows
    return np.lexsort((track.lengths, np.nan_to_num(key, nan=-np.inf)))   # ties: shorter sequences first


# ---- how far back it looks ----------------------------------------------------------------------------------

def mean_influence(p: Params, data: Dataset) -> np.ndarray:
    """(T,) the mean over the sequences of data of ||do/di^t|| (rnnviz.influence.influence_norms: exact, from
    backward), t = 1..T; at a step that is a pad in some sequences the mean is over those where it is real."""
    T = data.inputs.shape[1]
    total, count = np.zeros(T), np.zeros(T)
    for b, L in enumerate(data.lengths):
        tr = forward(p, data.inputs[b: b + 1, :L])                       # sequence b alone, no pads
        total[:L] += influence.influence_norms(p, tr, 0)
        count[:L] += 1
    with np.errstate(invalid="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


# ---- a student's own input ----------------------------------------------------------------------------------

def _refuse_length(n: int, what: str) -> None:
    if n == 0:
        raise ValueError(f"type at least one {what}")
    if n > MAX_TYPED:
        raise ValueError(f"that is {n} {what}s; at most {MAX_TYPED} fit")


def typed_symbols(task: Task, text: str) -> list:
    """The steps of a typed input, one symbol each: digits (sum, spaces and commas between them allowed), bits
    0/1 (parity, likewise), words (sentiment, separated by spaces) or characters (next_char, lower-cased).
    ValueError naming what the task cannot read (and what it can), or an empty or too long input."""
    if task.name in ("sum", "parity"):
        allowed, what = ("0123456789", "digit") if task.name == "sum" else ("01", "bit")
        symbols = [c for c in text if c not in " ,"]
        bad = sorted({c for c in symbols if c not in allowed})
        if bad:
            raise ValueError(f"the {task.title} task reads only {'digits 0-9' if task.name == 'sum' else 'bits 0 and 1'}"
                             f" (spaces and commas between them are allowed); it cannot read {''.join(bad)!r}")
        _refuse_length(len(symbols), what)
        return symbols
    if task.name == "sentiment":
        words = text.lower().split()
        bad = list(dict.fromkeys(w for w in words if w not in task.vocabulary.tokens))
        if bad:
            raise ValueError(f"the toy sentiment task knows only its {task.vocabulary.size} words "
                             f"({', '.join(task.vocabulary.tokens)}); it cannot read {', '.join(map(repr, bad[:5]))}")
        _refuse_length(len(words), "word")
        return words
    chars = list(text.lower())
    bad = sorted({c for c in chars if c not in task.vocabulary.tokens})
    if bad:
        raise ValueError(f"the text has only the characters {''.join(task.vocabulary.tokens)!r}; it cannot read "
                         f"{''.join(bad)!r}")
    _refuse_length(len(chars), "character")
    return chars


def encode_typed(task: Task, text: str) -> tuple:
    """(inputs (1, T, I) float64, labels (T,) strings): a typed input encoded as the task encodes its data.

    sum: i^t = d_t / 9 (or one-hot(d_t)); parity: one-hot(bit); sentiment and next_char: one-hot(word or
    character) in the task's vocabulary. ValueError as typed_symbols says."""
    symbols = typed_symbols(task, text)
    if task.name == "sum":
        d = np.array([int(c) for c in symbols])
        x = (d / 9.0)[:, None] if task.encoding == "digit/9" else np.eye(10)[d]
    elif task.name == "parity":
        x = np.eye(2)[[int(c) for c in symbols]]
    else:
        x = task.vocabulary.one_hot(symbols)
    return x[None], [repr(s) if task.name == "next_char" else str(s) for s in symbols]


def prefix_outputs(p: Params, states) -> np.ndarray:
    """(T, O) o^t = f_o(s^t W_o + b_o) for t = 1..T: the output the RNN would give had the sequence ended at
    step t (the same as forward over the first t steps alone). states (T + 1, H) s^0..s^T of one sequence."""
    s = np.asarray(states, dtype=np.float64)[1:]
    return activations.get(p.f_o).forward(s @ p.W_o + p.b_o)


def top_k(task: Task, probs, k: int = 5) -> tuple:
    """(characters (T, k) strings, probabilities (T, k)): the k likeliest next characters after each step,
    likeliest first. probs (T, V): the softmax output after each prefix (prefix_outputs)."""
    q = np.asarray(probs, dtype=np.float64)
    idx = np.argsort(-q, axis=1, kind="stable")[:, :k]
    chars = np.array(task.vocabulary.tokens, dtype=object)[idx]
    return chars, np.take_along_axis(q, idx, axis=1)


def continuations(p: Params, task: NextCharTask, prompt: str, n: int = 3, n_chars: int = 60,
                  temperature: float = 0.7, seed: int = 0) -> list:
    """n sampled continuations of prompt (rnnviz.tasks.sample_text with seeds seed, seed + 1, ...)."""
    return [sample_text(p, task, prompt, n_chars=n_chars, temperature=temperature, seed=seed + j) for j in range(n)]


# ---- the network to look inside ------------------------------------------------------------------------------

def quick_train(task: Task, updates: int | None = None, seed: int = 0) -> tuple:
    """(trained Params, initial Params, training lengths): the task's recommended network (its H, f_s, lengths,
    learning rate) trained for `updates` minibatch updates (default QUICK_UPDATES: about a second), from a seed."""
    trainer = training.make_trainer(task, config=training.default_config(task, seed=seed), with_baseline=False)
    p0 = trainer.params
    trainer.step(QUICK_UPDATES[task.name] if updates is None else updates)
    return trainer.params, p0, tuple(task.lengths)
