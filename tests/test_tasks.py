"""The task generators: shapes, lengths, pads, and targets recomputed independently from what each sequence says."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from rnnviz import tasks


def check_layout(data, I, lo, hi, n):
    """Shapes, lengths in range, T = the longest, zero pad vectors after every length."""
    B, T, I_got = data.inputs.shape
    assert (B, I_got) == (n, I) and data.lengths.shape == (n,) and len(data.texts) == n
    assert data.lengths.min() >= lo and data.lengths.max() <= hi and T == data.lengths.max()
    pads = np.arange(T)[None, :] >= data.lengths[:, None]
    assert (data.inputs[pads] == 0).all()


@pytest.mark.parametrize("encoding", tasks.ENCODINGS)
def test_sum_inputs_and_targets(encoding):
    task = tasks.make_task("sum", encoding=encoding)
    data = task.make(300, (2, 9), seed=1)
    check_layout(data, task.input_size, 2, 9, 300)
    for b, text in enumerate(data.texts):
        digits = [int(d) for d in text.split()]                          # the sequence as written
        L = data.lengths[b]
        assert len(digits) == L
        x = data.inputs[b, :L]
        if encoding == "digit/9":
            np.testing.assert_allclose(x[:, 0] * 9, digits, atol=1e-12)
        else:
            assert (x.sum(axis=1) == 1).all() and (x.argmax(axis=1) == digits).all()
        assert data.targets[b, 0] == pytest.approx(sum(digits) / 9, abs=1e-12)
    assert data.targets.shape == (300, 1)


@pytest.mark.parametrize("modulus", [2, 3])
def test_parity_counts_ones(modulus):
    task = tasks.make_task("parity", modulus=modulus)
    data = task.make(300, (1, 12), seed=2)
    check_layout(data, 2, 1, 12, 300)
    assert task.output_size == modulus and task.f_o == "softmax"
    for b, text in enumerate(data.texts):
        L = data.lengths[b]
        bits = data.inputs[b, :L].argmax(axis=1)
        assert "".join(map(str, bits)) == text and (data.inputs[b, :L].sum(axis=1) == 1).all()
        assert data.targets[b] == text.count("1") % modulus
    assert set(np.unique(data.targets)) == set(range(modulus))


def independent_sentiment(sentence: str) -> int | None:
    """The rule restated: +1 per positive word, -1 per negative word, the sign flipped right after "not"."""
    words = sentence.split()
    score = 0
    for k, w in enumerate(words):
        value = 1 if w in tasks.POSITIVE else -1 if w in tasks.NEGATIVE else 0
        if k > 0 and words[k - 1] == "not":
            value = -value
        score += value
    return None if score == 0 else (1 if score > 0 else 0)


def test_sentiment_sentences_and_labels():
    task = tasks.make_task("sentiment")
    data = task.make(400, (1, 10), seed=3)
    check_layout(data, task.vocabulary.size, 1, 10, 400)
    for b, sentence in enumerate(data.texts):
        L = data.lengths[b]
        assert task.vocabulary.decode(data.inputs[b, :L]) == sentence.split()
        assert data.targets[b] == independent_sentiment(sentence)
        assert "not" not in sentence.split()[-1:]                       # "not" is always followed by a word
    assert 0.3 < data.targets.mean() < 0.7                                # both classes, roughly balanced
    assert any("not" in t for t in data.texts)


def test_next_char_windows_come_from_the_text():
    task = tasks.make_task("next_char")
    text = task.text
    for part in ("train", "held-out"):
        t = task.on(part)
        start, stop = t.split()
        data = t.make(200, (1, 12), seed=4)
        check_layout(data, task.vocabulary.size, 1, 12, 200)
        region = text[start:stop]
        for b, window in enumerate(data.texts):
            L = data.lengths[b]
            assert task.vocabulary.decode(data.inputs[b, :L]) == window
            nxt = task.vocabulary.tokens[data.targets[b]]
            assert window + nxt in region                                 # the window and its next character
    assert task.split()[1] == task.on("held-out").split()[0]              # the two parts do not overlap


def test_shipped_text_is_a_few_kilobytes_of_plain_characters():
    text = tasks.load_text()
    assert 2000 < len(text) < 20000
    assert set(text) <= set("abcdefghijklmnopqrstuvwxyz ,.")


def test_same_seed_same_data_other_seed_other_data():
    task = tasks.make_task("sentiment")
    a, b, c = task.make(50, seed=7), task.make(50, seed=7), task.make(50, seed=8)
    assert a.texts == b.texts and np.array_equal(a.inputs, b.inputs) and np.array_equal(a.targets, b.targets)
    assert a.texts != c.texts


def test_each_length_has_its_share():
    data = tasks.make_task("parity").make_each_length(6, 5, seed=0)
    assert np.array_equal(np.bincount(data.lengths), [0] + [5] * 6)


def test_take_pads_to_its_own_longest():
    data = tasks.make_task("sum").make(20, (1, 9), seed=0)
    short = np.flatnonzero(data.lengths <= 3)
    sub = data.take(short)
    assert sub.inputs.shape[1] == data.lengths[short].max()
    assert sub.texts == tuple(data.texts[i] for i in short)


@settings(max_examples=30, deadline=None)
@given(lo=st.integers(1, 15), extra=st.integers(0, 10), n=st.integers(1, 40), seed=st.integers(0, 2**32 - 1),
       name=st.sampled_from(["sum", "parity", "sentiment"]))
def test_any_range_gives_valid_batches(lo, extra, n, seed, name):
    task = tasks.make_task(name)
    check_layout(task.make(n, (lo, lo + extra), seed=seed), task.input_size, lo, lo + extra, n)


@pytest.mark.parametrize("kwargs, message", [
    (dict(n=0), "n must be"), (dict(n=10, lengths=(0, 3)), "1 <= shortest"),
    (dict(n=10, lengths=(5, 2)), "1 <= shortest"), (dict(n=10, lengths="long"), "lengths must be")])
def test_bad_requests_say_what_to_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tasks.make_task("sum").make(**kwargs)


def test_unknown_task_and_options():
    with pytest.raises(ValueError, match="unknown task"):
        tasks.make_task("translation")
    with pytest.raises(ValueError, match="encoding"):
        tasks.make_task("sum", encoding="binary")
    with pytest.raises(ValueError, match="modulus"):
        tasks.make_task("parity", modulus=1)


def test_metric_relative_error_and_accuracy():
    s = tasks.make_task("sum")
    assert s.metric([[1.1], [1.8]], [[1.0], [2.0]]) == pytest.approx((0.1 + 0.2) / 3.0)
    p = tasks.make_task("parity")
    assert p.metric([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], [0, 1, 1]) == pytest.approx(2 / 3)


def test_sampling_is_reproducible_and_uses_the_alphabet():
    import rnnviz as rv
    task = tasks.make_task("next_char")
    p = rv.init_params(task.input_size, 8, task.output_size, f_o="softmax", seed=0)
    a = tasks.sample_text(p, task, "the ", 80, temperature=1.0, seed=3)
    assert a == tasks.sample_text(p, task, "the ", 80, temperature=1.0, seed=3)
    assert len(a) == 80 and set(a) <= set(task.vocabulary.tokens)
    greedy = "the "
    for _ in range(30):                                                   # temperature -> 0: the likeliest character
        x = task.vocabulary.one_hot(greedy[-task.lengths[1]:])[None]
        greedy += task.vocabulary.tokens[int(rv.forward(p, x).output_pre[0].argmax())]
    assert tasks.sample_text(p, task, "the ", 30, temperature=1e-6, seed=1) == greedy[4:]
    with pytest.raises(ValueError, match="temperature"):
        tasks.sample_text(p, task, "the ", 5, temperature=0)


def test_task_for_a_model_size():
    assert tasks.task_options_for(1, 1, "identity") == ("sum", {"encoding": "digit/9"})
    assert tasks.task_options_for(2, 3, "softmax") == ("parity", {"modulus": 3})
    t = tasks.make_task("sentiment")
    assert tasks.task_options_for(t.input_size, 2, "softmax") == ("sentiment", {})
    assert tasks.task_options_for(5, 7, "softmax") is None
