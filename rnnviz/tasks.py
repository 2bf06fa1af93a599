"""Training tasks for the lesson text's many-to-one RNN: read a sequence, answer from the final state s^T.

Every task makes training and test sets for a chosen range of lengths from a seed (numpy only):

    task = make_task("sum")                          # or "parity", "sentiment", "next_char"
    data = task.make(n=2000, lengths=(1, 10), seed=0)
    data.inputs   (B, T, I) float64, zero pad vectors after each sequence's length (T = longest)
    data.lengths  (B,) int64, 1..T
    data.targets  (B, O) float64 for regression, (B,) int64 class labels for classification
    data.texts    (B,) how each sequence reads, e.g. "3 1 4" or "the film was not good"

The tasks, and what each one shows:

- ``sum``: add a sequence of digits (regression, one output). The lesson text's own example: a feed-forward net
  trained on 4-digit sums cannot add 3 or 5 digits, an RNN reads any length. Input i^t = d_t / 9 (one
  number, I = 1) by default, or the digit one-hot (I = 10); target = (sum of digits) / 9. With digit/9 the
  exact answer is a single running total, s^t = s^{t-1} + i^t, o = s^T: one input weight to learn, fed on
  every step, so it trains fastest (one-hot needs ten input weights, each seen on a tenth of the steps,
  to line up exactly as 0, 1/9, ..., 1). The total grows with the length: f_s = relu or identity keep
  it, tanh squashes it (tanh(z) < 1 for all z), so a tanh RNN must shrink the total to stay in tanh's
  straight middle and bends on sums longer than it was trained on.
- ``parity``: the number of ones in a bit sequence, modulo m (m = 2 is parity), as m classes with a
  softmax output. The answer flips with every 1, so one wrong step anywhere spoils it: the gradient must
  reach back to the first step, and that is where vanishing gradients show.
- ``sentiment``: short sentences over a small vocabulary of positive, negative and neutral words and the
  negation "not" ("the plot was not dull and very clever"); 2 classes (0 negative, 1 positive): each
  sentiment word counts +1 or -1, flipped when "not" comes right before it; ties are never drawn. Words
  are one-hot (I = vocabulary size).
- ``next_char``: predict the character that follows a window of L characters of a short text shipped in
  data/ (one-hot characters; V classes), read many-to-one from the final state. ``sample_text`` then
  writes new text one character at a time with a temperature.
"""
import dataclasses
import pathlib

import numpy as np

from .checks import is_whole_number, whole_numbers
from .sequences import Vocabulary, pad_sequences

TASKS = ("sum", "parity", "sentiment", "next_char")
TEXT_PATH = pathlib.Path(__file__).resolve().parents[1] / "data" / "lighthouse.txt"
MAX_LENGTH = 200            # the longest sequence any task makes
MAX_SEQUENCES = 100_000     # the most sequences one call makes


@dataclasses.dataclass(frozen=True, eq=False)
class Dataset:
    """A padded batch of sequences with their answers.

    inputs (B, T, I) float64: sequence b's real steps are inputs[b, :lengths[b]], zero vectors after;
    lengths (B,) int64; targets (B, O) float64 (regression) or (B,) int64 labels (classification);
    texts (B,) strings saying how each sequence reads (for tables and captions).
    """
    inputs: np.ndarray
    lengths: np.ndarray
    targets: np.ndarray
    texts: tuple

    def __len__(self) -> int:
        return int(self.lengths.shape[0])

    def take(self, index) -> "Dataset":
        """The sequences at `index` (an int array), padded to their own longest."""
        index = np.asarray(index, dtype=np.int64)
        T = int(self.lengths[index].max(initial=0))
        return Dataset(self.inputs[index, :T], self.lengths[index], self.targets[index],
                       tuple(self.texts[i] for i in index))

    def sequences(self) -> list:
        """The real steps of every sequence: a list of B arrays (T_b, I)."""
        return [self.inputs[b, :L] for b, L in enumerate(self.lengths)]


def _check_request(n, lengths, seed):
    """(n, lo, hi) validated: n sequences with lengths drawn from lo..hi; ValueError says what to fix."""
    if not is_whole_number(n) or not 1 <= n <= MAX_SEQUENCES:
        raise ValueError(f"n must be a whole number of sequences between 1 and {MAX_SEQUENCES}; got {n!r}")
    try:
        pair = np.asarray((lengths, lengths) if is_whole_number(lengths) else lengths)
    except ValueError:
        pair = None
    if pair is None or pair.shape != (2,):
        raise ValueError(f"lengths must be one whole number or a pair (shortest, longest); got {lengths!r}")
    lo, hi = (int(v) for v in whole_numbers(pair, "lengths (shortest, longest)"))
    if not 1 <= lo <= hi <= MAX_LENGTH:
        raise ValueError(f"lengths must satisfy 1 <= shortest <= longest <= {MAX_LENGTH}; got ({lo}, {hi})")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer, list, tuple)):
        raise ValueError(f"seed must be a whole number (the data are reproducible from it); got {seed!r}")
    return int(n), lo, hi


@dataclasses.dataclass(frozen=True)
class Task:
    """What a task needs the RNN to be, and how it is scored.

    kind "regression" (MSE loss, identity output) or "classification" (softmax output, cross-entropy);
    input_size I, output_size O; f_s the state activation the lesson recommends; lengths the default
    training range; metric_name what ``metric`` returns per group of sequences (lower or higher is better).
    """
    name: str
    title: str
    kind: str
    input_size: int
    output_size: int
    f_s: str
    lengths: tuple
    state_size: int
    metric_name: str
    higher_is_better: bool
    chance: float | None = None          # the metric of guessing (classification), for the plots
    lr: float = 0.01                     # a learning rate (Adam) that trains it well
    lr_halflife: int = 0                 # and its half-life in updates (0: constant)
    n_train: int = 2000                  # training sequences that suffice

    @property
    def f_o(self) -> str:
        return "identity" if self.kind == "regression" else "softmax"

    def make(self, n: int, lengths=None, seed=0) -> Dataset:
        """n sequences with lengths drawn uniformly from lengths = (shortest, longest) (default self.lengths)."""
        n, lo, hi = _check_request(n, self.lengths if lengths is None else lengths, seed)
        rng = np.random.default_rng(seed)
        return self._make(rng, rng.integers(lo, hi + 1, size=n))

    def make_each_length(self, longest: int, n_per_length: int, seed=0) -> Dataset:
        """n_per_length sequences of every length 1..longest (a test set for error against length)."""
        n, lo, hi = _check_request(n_per_length * longest, (1, longest), seed)
        rng = np.random.default_rng(seed)
        return self._make(rng, np.repeat(np.arange(1, longest + 1), n_per_length))

    def _make(self, rng, lengths) -> Dataset:
        raise NotImplementedError

    def metric(self, output, targets) -> float:
        """Score a group of sequences: relative error (regression) or accuracy (classification).

        output (B, O) the RNN's o (probabilities or logits both work for accuracy); targets as in Dataset.
        Relative error = sum_b |o_b - y_b| / sum_b |y_b|: the mean error as a share of the mean answer.
        """
        o = np.asarray(output, dtype=np.float64)
        if self.kind == "regression":
            y = np.asarray(targets, dtype=np.float64)
            return float(np.abs(o - y).sum() / max(np.abs(y).sum(), 1e-12))
        return float(np.mean(o.argmax(axis=1) == np.asarray(targets)))


# --------------------------------------------------------------------------------------------------
# Sum of digits
# --------------------------------------------------------------------------------------------------

ENCODINGS = ("digit/9", "one-hot")


@dataclasses.dataclass(frozen=True)
class SumTask(Task):
    encoding: str = "digit/9"

    def _make(self, rng, lengths) -> Dataset:
        digits = [rng.integers(0, 10, size=L) for L in lengths]          # d_1..d_T, each 0..9
        if self.encoding == "digit/9":
            seqs = [(d / 9.0)[:, None] for d in digits]                  # i^t = [d_t / 9]
        else:
            seqs = [np.eye(10)[d] for d in digits]                       # i^t = one-hot(d_t)
        inputs, n = pad_sequences(seqs)                                  # zero pad vectors after each length
        targets = np.array([d.sum() / 9.0 for d in digits])[:, None]     # y = (d_1 + ... + d_T) / 9
        return Dataset(inputs, n, targets, tuple(" ".join(map(str, d)) for d in digits))


def sum_task(encoding: str = "digit/9") -> SumTask:
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}; got {encoding!r}")
    return SumTask(name="sum", title="Sum of digits", kind="regression",
                   input_size=1 if encoding == "digit/9" else 10, output_size=1, f_s="relu", lengths=(1, 10),
                   state_size=8, metric_name="relative error", higher_is_better=False, lr=0.01, lr_halflife=2000,
                   encoding=encoding)


# --------------------------------------------------------------------------------------------------
# Parity / count of ones modulo m
# --------------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ParityTask(Task):
    modulus: int = 2

    def _make(self, rng, lengths) -> Dataset:
        bits = [rng.integers(0, 2, size=L) for L in lengths]             # b_1..b_T, each 0 or 1
        inputs, n = pad_sequences([np.eye(2)[b] for b in bits])          # i^t = one-hot(b_t): [1,0] or [0,1]
        labels = np.array([b.sum() % self.modulus for b in bits], dtype=np.int64)   # y = (number of ones) mod m
        return Dataset(inputs, n, labels, tuple("".join(map(str, b)) for b in bits))


def parity_task(modulus: int = 2) -> ParityTask:
    if not is_whole_number(modulus) or not 2 <= modulus <= 8:
        raise ValueError(f"modulus must be a whole number from 2 (parity) to 8; got {modulus!r}")
    title = "Parity of the number of ones" if modulus == 2 else f"Number of ones modulo {modulus}"
    return ParityTask(name="parity", title=title, kind="classification", input_size=2, output_size=int(modulus),
                      f_s="tanh", lengths=(1, 8), state_size=16, metric_name="accuracy", higher_is_better=True,
                      chance=1.0 / modulus, modulus=int(modulus))


# --------------------------------------------------------------------------------------------------
# Toy sentiment
# --------------------------------------------------------------------------------------------------

POSITIVE = ("good", "great", "fun", "lovely", "funny", "clever")
NEGATIVE = ("bad", "awful", "dull", "boring", "silly", "sad")
NEUTRAL = ("the", "a", "film", "plot", "story", "was", "is", "very", "really", "and")
NEGATION = "not"
NOUNS = ("film", "plot", "story")
CLAUSES = {                 # clause patterns by length: A a sentiment word, N a noun
    1: (("A",),),
    2: (("not", "A"), ("very", "A"), ("was", "A"), ("is", "A")),
    3: (("was", "not", "A"), ("is", "really", "A"), ("was", "very", "A")),
    4: (("the", "N", "was", "A"), ("the", "N", "is", "A"), ("a", "N", "is", "A")),
    5: (("the", "N", "was", "not", "A"), ("the", "N", "is", "very", "A"), ("a", "N", "is", "really", "A")),
    6: (("the", "N", "is", "really", "not", "A"), ("the", "N", "was", "very", "very", "A")),
}
SENTIMENT_WORDS = POSITIVE + NEGATIVE + NEUTRAL + (NEGATION,)


def sentiment_label(words) -> int | None:
    """1 positive, 0 negative, None for a tie: the sum of +1 (positive word) and -1 (negative word), where
    "not" flips the sign of the sentiment word right after it."""
    score, sign = 0, 1
    for w in words:
        if w == NEGATION:
            sign = -1
            continue
        score += sign * ((w in POSITIVE) - (w in NEGATIVE))              # +1, -1 or 0 (neutral), flipped after "not"
        sign = 1
    return None if score == 0 else int(score > 0)


@dataclasses.dataclass(frozen=True)
class SentimentTask(Task):
    vocabulary: Vocabulary = Vocabulary.from_tokens(SENTIMENT_WORDS)

    def _sentence(self, rng, L: int) -> list:
        """L words: clauses such as "good", "was not dull", "the plot is very clever", joined by "and"."""
        words = []
        while len(words) < L:
            if words:
                words.append("and")
            room = L - len(words)
            sizes = [k for k in CLAUSES if k <= room and room - k != 1]    # never leave room for "and" alone
            k = sizes[rng.integers(len(sizes))]
            pattern = CLAUSES[k][rng.integers(len(CLAUSES[k]))]
            pool = POSITIVE if rng.random() < 0.5 else NEGATIVE
            for w in pattern:
                if w == "A":
                    words.append(pool[rng.integers(len(pool))])          # the clause's sentiment word
                elif w == "N":
                    words.append(NOUNS[rng.integers(len(NOUNS))])
                else:
                    words.append(w)
        return words

    def _make(self, rng, lengths) -> Dataset:
        sentences, labels = [], []
        for L in lengths:
            for _ in range(1000):                                        # redraw ties
                words = self._sentence(rng, int(L))
                label = sentiment_label(words)
                if label is not None:
                    break
            else:                                                        # pragma: no cover - practically unreachable
                raise RuntimeError(f"could not draw a sentence of length {L} with a clear sentiment")
            sentences.append(words)
            labels.append(label)
        inputs, n = pad_sequences([self.vocabulary.one_hot(w) for w in sentences])   # zero pads after each length
        return Dataset(inputs, n, np.array(labels, dtype=np.int64), tuple(" ".join(w) for w in sentences))


def sentiment_task() -> SentimentTask:
    V = Vocabulary.from_tokens(SENTIMENT_WORDS)
    return SentimentTask(name="sentiment", title="Toy sentiment", kind="classification", input_size=V.size,
                         output_size=2, f_s="tanh", lengths=(1, 8), state_size=16, metric_name="accuracy",
                         higher_is_better=True, chance=0.5, vocabulary=V)


# --------------------------------------------------------------------------------------------------
# Next character
# --------------------------------------------------------------------------------------------------

def load_text(path=TEXT_PATH) -> str:
    """The shipped text, lower case, every run of whitespace one space, ':' and ';' read as ','."""
    raw = pathlib.Path(path).read_text(encoding="utf-8").lower()
    raw = raw.replace(":", ",").replace(";", ",")
    return " ".join(raw.split())


HELD_OUT = 0.15             # the last 15% of the text: validation and test windows come only from there


@dataclasses.dataclass(frozen=True)
class NextCharTask(Task):
    text: str = ""
    vocabulary: Vocabulary = None
    part: str = "train"     # which part of the text windows come from: "train" (first 85%) or "held-out"

    def split(self) -> tuple:
        """(start, stop) of the part of the text this task's windows come from."""
        cut = int(len(self.text) * (1 - HELD_OUT))
        return (0, cut) if self.part == "train" else (cut, len(self.text))

    def on(self, part: str) -> "NextCharTask":
        """The same task drawing its windows from the other part of the text ("train" or "held-out")."""
        if part not in ("train", "held-out"):
            raise ValueError(f"part must be 'train' or 'held-out'; got {part!r}")
        return dataclasses.replace(self, part=part)

    def _make(self, rng, lengths) -> Dataset:
        start, stop = self.split()
        longest = int(lengths.max())
        if stop - start < longest + 1:
            raise ValueError(f"the {self.part} part of the text has {stop - start} characters; windows of "
                             f"{longest} need at least {longest + 1}: choose shorter lengths")
        codes = self.vocabulary.encode(self.text[start:stop])
        eye = np.eye(self.vocabulary.size)
        seqs, labels, texts = [], [], []
        for L in lengths:
            a = int(rng.integers(0, stop - start - L))                   # window codes[a : a+L], answer codes[a+L]
            seqs.append(eye[codes[a: a + L]])                           # i^t = one-hot(character t of the window)
            labels.append(codes[a + L])                                  # y = the next character
            texts.append(self.text[start + a: start + a + L])
        inputs, n = pad_sequences(seqs)                                  # zero pad vectors after each length
        return Dataset(inputs, n, np.array(labels, dtype=np.int64), tuple(texts))


def next_char_task(text: str | None = None) -> NextCharTask:
    text = load_text() if text is None else text
    V = Vocabulary.from_text(text)
    counts = np.bincount(V.encode(text), minlength=V.size)
    return NextCharTask(name="next_char", title="Next character", kind="classification", input_size=V.size,
                        output_size=V.size, f_s="tanh", lengths=(1, 12), state_size=32, metric_name="accuracy",
                        higher_is_better=True, chance=float(counts.max() / counts.sum()), lr=0.005, n_train=10000,
                        text=text, vocabulary=V)


def sample_text(p, task: NextCharTask, prompt: str, n_chars: int = 200, temperature: float = 0.7,
                window: int | None = None, seed: int = 0) -> str:
    """Write n_chars new characters after prompt, one at a time, with the trained RNN p.

    Each new character: run the RNN over the last `window` characters (default: the longest training
    window, the context it learned to read), take the output pre-activation (the logits u = s^T W_o + b_o),
    and draw from softmax(u / temperature). A low temperature picks the likeliest character almost always
    (repetitive text), a high one flattens the distribution (more surprising, more misspelt text).
    Returns the new characters only.
    """
    from .core import forward                                            # core imports nothing from here

    if not 0 < temperature <= 10:
        raise ValueError(f"temperature must be between 0 (exclusive) and 10; got {temperature!r}")
    if not 0 <= n_chars <= 5000:
        raise ValueError(f"n_chars must be between 0 and 5000; got {n_chars!r}")
    window = task.lengths[1] if window is None else int(window)
    known = "".join(c for c in prompt.lower() if c in task.vocabulary.tokens) or " "
    rng = np.random.default_rng(seed)
    eye = np.eye(task.vocabulary.size)
    text = known
    for _ in range(n_chars):
        x = eye[task.vocabulary.encode(text[-window:])][None]          # (1, L, V) the last `window` characters
        u = forward(p, x).output_pre[0] / temperature                   # logits / temperature
        q = np.exp(u - u.max())
        q /= q.sum()                                                     # softmax(u / temperature)
        text += task.vocabulary.tokens[int(rng.choice(q.size, p=q))]
    return text[len(known):]


def make_task(name: str, **options) -> Task:
    """The task called name ("sum", "parity", "sentiment", "next_char") with its options:
    sum: encoding ("digit/9" or "one-hot"); parity: modulus (2..8); next_char: text (default the shipped one)."""
    makers = {"sum": sum_task, "parity": parity_task, "sentiment": sentiment_task, "next_char": next_char_task}
    if name not in makers:
        raise ValueError(f"unknown task {name!r}: choose one of {', '.join(TASKS)}")
    return makers[name](**options)


def task_options_for(input_size: int, output_size: int, f_o: str):
    """(name, options) of the task whose sizes and output activation a model fits, or None.

    Used to put an uploaded model back on its task: sum digit/9 (I=1, O=1), sum one-hot (I=10, O=1),
    parity modulo m (I=2, O=m), sentiment (I=vocabulary, O=2), next character (I=O=characters)."""
    candidates = [("sum", {"encoding": e}) for e in ENCODINGS] + [("parity", {"modulus": m}) for m in range(2, 9)] \
        + [("sentiment", {}), ("next_char", {})]
    for name, options in candidates:
        t = make_task(name, **options)
        if (t.input_size, t.output_size, t.f_o) == (input_size, output_size, f_o):
            return name, options
    return None
