"""rnnviz.sequences: padding and bucketing variable-length batches, vocabularies and one-hot codes."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnviz as rv
from rnnviz import sequences as sq


@st.composite
def sequence_lists(draw, max_B=5, max_T=6):
    """A list of B (T_b, I) float arrays with one I and T_b in 0..max_T (some may be empty)."""
    B = draw(st.integers(1, max_B))
    I = draw(st.integers(1, 3))
    lengths = draw(st.lists(st.integers(0, max_T), min_size=B, max_size=B))
    floats = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
    return [np.array(draw(st.lists(st.lists(floats, min_size=I, max_size=I), min_size=L, max_size=L)),
                     dtype=float).reshape(L, I) for L in lengths]


# ------------------------------------------------------------------------------------------ padding

@settings(max_examples=60, deadline=None)
@given(seqs=sequence_lists(), pad_value=st.sampled_from([0.0, -1.5, 7.0]), extra=st.integers(0, 2))
def test_padding_invariants(seqs, pad_value, extra):
    T = max(len(s) for s in seqs) + extra
    inputs, lengths = sq.pad_sequences(seqs, pad_value=pad_value, T=T)
    B, I = len(seqs), seqs[0].shape[1]
    assert inputs.shape == (B, T, I) and inputs.dtype == np.float64
    assert lengths.dtype == np.int64 and lengths.tolist() == [len(s) for s in seqs]
    for b, s in enumerate(seqs):
        np.testing.assert_array_equal(inputs[b, : len(s)], s)          # real steps untouched
        assert (inputs[b, len(s):] == pad_value).all()                 # pad vectors everywhere after
    for b, s in enumerate(sq.unpad_sequences(inputs, lengths)):        # round trip
        np.testing.assert_array_equal(s, seqs[b])
    real_cells = int(lengths.sum())
    assert sq.pad_fraction(lengths, T) == pytest.approx(0.0 if B * T == 0 else 1 - real_cells / (B * T))


@settings(max_examples=60, deadline=None)
@given(seqs=sequence_lists())
def test_bucket_totals_equal_the_padded_batch_real_cells(seqs):
    inputs, lengths = sq.pad_sequences(seqs)
    buckets = sq.bucket_by_length(seqs)
    assert list(buckets) == sorted(set(lengths.tolist()))              # keys sorted by length
    assert sum(x.shape[0] * L for L, (x, _) in buckets.items()) == lengths.sum()
    assert sum(x.size for x, _ in buckets.values()) == lengths.sum() * seqs[0].shape[1]
    all_indices = np.concatenate([idx for _, idx in buckets.values()])
    assert sorted(all_indices.tolist()) == list(range(len(seqs)))      # every sequence exactly once
    for L, (x, idx) in buckets.items():
        assert x.shape == (len(idx), L, seqs[0].shape[1]) and idx.dtype == np.int64
        assert (np.diff(idx) > 0).all()
        for k, i in enumerate(idx):
            np.testing.assert_array_equal(x[k], seqs[i])
            np.testing.assert_array_equal(x[k], inputs[i, :L])         # the same real cells as the padded batch


def test_pad_vector_and_empty_sequences():
    seqs = [np.ones((2, 2)), np.zeros((0, 2)), [[3.0, 4.0]]]
    inputs, lengths = sq.pad_sequences(seqs, pad_value=[9.0, -9.0])
    assert lengths.tolist() == [2, 0, 1]
    np.testing.assert_array_equal(inputs[1], [[9.0, -9.0], [9.0, -9.0]])
    np.testing.assert_array_equal(inputs[2], [[3.0, 4.0], [9.0, -9.0]])
    inputs, lengths = sq.pad_sequences([np.zeros((0, 3))] * 2)         # nothing but empty sequences
    assert inputs.shape == (2, 0, 3) and lengths.tolist() == [0, 0]
    assert sq.pad_fraction(lengths) == 0.0
    assert sq.pad_sequences(np.ones((2, 3, 1)))[0].shape == (2, 3, 1)  # a (B, T, I) array is B sequences


def test_padded_batch_gives_each_sequence_its_own_result():
    """The lesson text's promise, through forward: pads leave every state as if the sequence ran alone."""
    seqs = sq.random_sequences(4, 2, [5, 2, 0, 3], seed=1)
    inputs, lengths = sq.pad_sequences(seqs, pad_value=123.0)          # a silly pad value changes nothing
    p = rv.init_params(2, 3, 2, seed=0)
    tr = rv.forward(p, inputs, lengths)
    for b, s in enumerate(seqs):
        alone = rv.forward(p, s[None], [len(s)])
        np.testing.assert_array_equal(tr.states[b, len(s)], alone.states[0, -1])
        np.testing.assert_array_equal(tr.output[b], alone.output[0])


def test_pad_fraction():
    assert sq.pad_fraction([3, 1, 2]) == pytest.approx(3 / 9)
    assert sq.pad_fraction([3, 3]) == 0.0
    assert sq.pad_fraction([3, 1], T=4) == pytest.approx(4 / 8)
    assert sq.pad_fraction(np.array([2.0, 1.0])) == pytest.approx(1 / 4)
    with pytest.raises(ValueError, match="T must be"):
        sq.pad_fraction([3, 1], T=2)
    with pytest.raises(ValueError, match="negative"):
        sq.pad_fraction([3, -1])
    with pytest.raises(ValueError, match="whole numbers"):
        sq.pad_fraction([1.5])
    with pytest.raises(ValueError, match="non-empty"):
        sq.pad_fraction([])


@pytest.mark.parametrize("seqs, message", [
    ([], "empty"),
    ([np.ones((2, 2)), np.ones((2, 3))], "same number of inputs per step"),
    ([np.ones(3)], "must be 2-D.*reshape"),
    ([np.ones((2, 2, 2))], "must be 2-D"),
    ([np.array([[1.0, np.nan]])], "NaN or inf .step 1, component 1"),
    ([np.ones((1, 1)), np.array([[np.inf]])], "sequence 1 holds NaN or inf"),
    ([np.array([["a"]])], "must hold numbers"),
    ("abc", "list of"),
    (5, "list of"),
])
def test_pad_and_bucket_errors(seqs, message):
    with pytest.raises(ValueError, match=message):
        sq.pad_sequences(seqs)
    with pytest.raises(ValueError, match=message):
        sq.bucket_by_length(seqs)


def test_pad_value_and_T_errors():
    seqs = [np.ones((2, 2))]
    with pytest.raises(ValueError, match="finite"):
        sq.pad_sequences(seqs, pad_value=np.nan)
    with pytest.raises(ValueError, match="vector of I = 2"):
        sq.pad_sequences(seqs, pad_value=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="at least as long"):
        sq.pad_sequences(seqs, T=1)
    with pytest.raises(ValueError, match="one entry per sequence"):
        sq.unpad_sequences(np.zeros((2, 3, 1)), [1])


# -------------------------------------------------------------------------------------- vocabularies

@settings(max_examples=60, deadline=None)
@given(text=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=30))
def test_char_round_trip(text):
    vocab = sq.Vocabulary.from_text(text)
    x = sq.one_hot(text, vocab)
    assert x.shape == (len(text), vocab.size) and x.dtype == np.float64
    assert (x.sum(axis=1) == 1).all() and set(np.unique(x)) <= {0.0, 1.0}
    assert vocab.decode(x) == text
    assert vocab.decode(vocab.encode(text)) == text
    assert list(vocab.tokens) == sorted(set(text))                     # sorted, deterministic


def test_vocabulary_order_is_sorted_not_first_seen():
    a = sq.Vocabulary.from_text("hello")
    b = sq.Vocabulary.from_text("olleh")
    assert a == b and a.tokens == ("e", "h", "l", "o") and len(a) == 4
    np.testing.assert_array_equal(a.one_hot("he"), [[0, 1, 0, 0], [1, 0, 0, 0]])
    assert hash(a) == hash(b)                                          # usable as a cache key


def test_word_vocabulary_round_trip():
    vocab = sq.Vocabulary.from_text("the cat sat on the mat", kind="word")
    assert vocab.tokens == ("cat", "mat", "on", "sat", "the") and vocab.kind == "word"
    x = vocab.one_hot("the mat")                                       # a string is split on whitespace
    assert x.shape == (2, 5)
    assert vocab.decode(x) == ["the", "mat"]
    words = ["on", "the", "cat"]
    assert vocab.decode(sq.one_hot(words, vocab)) == words
    same = sq.Vocabulary.from_tokens(["the", "cat", "sat", "on", "the", "mat"])
    assert same == vocab
    explicit = sq.Vocabulary(("yes", "no"), kind="word")               # your own order is kept
    np.testing.assert_array_equal(explicit.one_hot(["no"]), [[0.0, 1.0]])
    assert sq.one_hot("", sq.Vocabulary.from_text("ab")).shape == (0, 2)


def test_vocabulary_errors():
    vocab = sq.Vocabulary.from_text("abc")
    with pytest.raises(ValueError, match="unknown token 'z' at position 1"):
        vocab.one_hot("az")
    with pytest.raises(ValueError, match="unknown token 'dog'"):
        sq.Vocabulary.from_text("cat", kind="word").encode(["dog"])
    with pytest.raises(ValueError, match="not one-hot"):
        vocab.decode(np.array([[1.0, 0.0, 0.0], [0.2, 0.8, 0.0]]))
    with pytest.raises(ValueError, match="V = 3"):
        vocab.decode(np.eye(4))
    with pytest.raises(ValueError, match="between 0 and V - 1"):
        vocab.decode(np.array([0, 3]))
    with pytest.raises(ValueError, match="distinct"):
        sq.Vocabulary(("a", "b", "a"))
    with pytest.raises(ValueError, match="single characters"):
        sq.Vocabulary(("ab",))
    with pytest.raises(ValueError, match="kind must be"):
        sq.Vocabulary.from_text("ab", kind="bytes")
    with pytest.raises(ValueError, match="empty"):
        sq.Vocabulary.from_text("")
    with pytest.raises(ValueError, match="empty"):
        sq.Vocabulary.from_tokens([])
    with pytest.raises(ValueError, match="must be a Vocabulary"):
        sq.one_hot("ab", "ab")


def test_digits_one_hot():
    x = sq.digits_one_hot("0427")
    assert x.shape == (4, 10)
    assert x.argmax(axis=1).tolist() == [0, 4, 2, 7]
    np.testing.assert_array_equal(sq.digits_one_hot([0, 4, 2, 7]), x)
    np.testing.assert_array_equal(sq.digits_one_hot(np.array([9])), np.eye(10)[[9]])
    assert sq.DIGITS.decode(x) == "0427"
    assert sq.digits_one_hot([]).shape == (0, 10)
    with pytest.raises(ValueError, match="0-9; got 'a' at position 1"):
        sq.digits_one_hot("1a")
    with pytest.raises(ValueError, match="between 0 and 9; got 10"):
        sq.digits_one_hot([1, 10])
    with pytest.raises(ValueError, match="ambiguous"):
        sq.digits_one_hot(427)
    with pytest.raises(ValueError, match="whole numbers"):
        sq.digits_one_hot([1.5])


# ---------------------------------------------------------------------------------- random sequences

def test_random_sequences_are_deterministic_and_shaped():
    a = sq.random_sequences(5, 3, range(0, 4), seed=11)
    b = sq.random_sequences(5, 3, range(0, 4), seed=11)
    c = sq.random_sequences(5, 3, range(0, 4), seed=12)
    assert len(a) == 5 and all(s.shape[1] == 3 and 0 <= s.shape[0] <= 3 for s in a)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, c))
    assert [s.shape for s in sq.random_sequences(3, 2, 4)] == [(4, 2)] * 3
    assert [len(s) for s in sq.random_sequences(3, 1, [2, 0, 5], seed=0)] == [2, 0, 5]


def test_random_sequences_errors():
    with pytest.raises(ValueError, match="n must be"):
        sq.random_sequences(0, 2, 3)
    with pytest.raises(ValueError, match="I must be"):
        sq.random_sequences(2, 0, 3)
    with pytest.raises(ValueError, match="list of n = 2"):
        sq.random_sequences(2, 1, [1, 2, 3])
    with pytest.raises(ValueError, match="negative"):
        sq.random_sequences(2, 1, [1, -2])
    with pytest.raises(ValueError, match="range"):
        sq.random_sequences(2, 1, range(0))
    with pytest.raises(ValueError, match="seed must be"):
        sq.random_sequences(2, 1, 3, seed=None)
