"""rnnviz.inside against direct recomputations: hidden variables by a per-sequence Python loop, correlations by
np.corrcoef on hand-picked real steps, influence by finite differences, typed-input states by rv.forward; and the
claim the page makes for the sum task: one relu unit holds the running sum, also past the trained length."""
import numpy as np
import pytest

import rnnviz as rv
from rnnviz import inside, inside_figures, tasks
from rnnviz.tasks import NEGATION, NEGATIVE, POSITIVE

TASKS = [("sum", {}), ("sum", {"encoding": "one-hot"}), ("parity", {}), ("parity", {"modulus": 3}),
         ("sentiment", {}), ("next_char", {})]


def loop_hidden(task, text_steps):
    """The hidden variable after each step of one sequence, by a plain loop over its symbols."""
    out, total, sign, since = [], 0, 1, 0
    for s in text_steps:
        if task.name == "sum":
            total += int(s)
            out.append(total)
        elif task.name == "parity":
            total += int(s)
            out.append(total % task.modulus)
        elif task.name == "sentiment":
            if s == NEGATION:
                sign = -1
            else:
                total += sign * ((s in POSITIVE) - (s in NEGATIVE))
                sign = 1
            out.append(total)
        else:
            since = 0 if s == " " else since + 1
            out.append(since)
    return out


def steps_of(task, text):
    """A dataset text split into its steps, as the task reads them."""
    if task.name == "sum":
        return text.split()
    if task.name == "sentiment":
        return text.split()
    return list(text)


@pytest.mark.parametrize("name, options", TASKS)
def test_hidden_variable_matches_a_per_sequence_loop_and_pads_are_nan(name, options):
    task = tasks.make_task(name, **options)
    data = inside.test_sequences(task, (1, 9), n=60, seed=3)
    h = inside.hidden_variable(task, data.inputs, data.lengths)
    assert h.shape == data.inputs.shape[:2]
    for b, (text, L) in enumerate(zip(data.texts, data.lengths)):
        np.testing.assert_array_equal(h[b, :L], loop_hidden(task, steps_of(task, text)))
        assert np.isnan(h[b, L:]).all()
    if name == "sentiment":                                            # the final score decides the label
        last = h[np.arange(len(data)), data.lengths - 1]
        np.testing.assert_array_equal(last > 0, data.targets == 1)


def test_correlations_equal_corrcoef_on_hand_picked_real_steps():
    task = tasks.make_task("sum")
    p = rv.init_params(1, 4, 1, f_s="tanh", seed=2)
    data = task.make(3, lengths=(2, 5), seed=7)
    assert len(set(data.lengths.tolist())) > 1                              # some sequences have pads
    track = inside.tracking(p, task, data)
    tr = rv.forward(p, data.inputs, data.lengths)
    real = [(b, t) for b in range(3) for t in range(int(data.lengths[b]))]   # every real step, by hand
    digits = [[int(c) for c in text.split()] for text in data.texts]
    y = [sum(digits[b][: t + 1]) for b, t in real]
    for k in range(4):
        a = [tr.states[b, t + 1, k] for b, t in real]
        np.testing.assert_allclose(track.r[k], np.corrcoef(a, y)[0, 1], rtol=1e-12)
    assert np.isnan(track.acts[~tr.mask]).all()                             # pads are NaN, left out
    assert list(track.order) == list(np.argsort(-np.abs(track.r)))


def test_pads_change_nothing():
    """Appending pad steps to every sequence leaves r and the aligned activations unchanged."""
    task = tasks.make_task("parity")
    p = rv.init_params(2, 5, 2, f_s="tanh", f_o="softmax", seed=1)
    data = task.make(40, lengths=(1, 8), seed=0)
    padded = tasks.Dataset(np.concatenate([data.inputs, np.full((40, 4, 2), 7.0)], axis=1), data.lengths,
                           data.targets, data.texts)                        # junk pad vectors: never read
    a, b = inside.tracking(p, task, data), inside.tracking(p, task, padded)
    np.testing.assert_array_equal(a.r, b.r)
    np.testing.assert_array_equal(a.acts, b.acts[:, :8])
    assert np.isnan(b.acts[:, 8:]).all()


def test_a_constant_unit_gets_nan_and_ranks_last():
    acts = np.zeros((2, 3, 2))
    acts[..., 1] = [[1, 2, 3], [4, 5, np.nan]]
    hidden = np.array([[1.0, 2, 3], [4, 5, np.nan]])
    r = inside.correlations(acts, hidden)
    assert np.isnan(r[0]) and r[1] == pytest.approx(1.0)
    assert list(inside.ranked(r)) == [1, 0]


@pytest.mark.parametrize("name", ["sum", "parity"])
def test_mean_influence_equals_finite_differences(name):
    task = tasks.make_task(name)
    p = rv.init_params(task.input_size, 3, task.output_size, f_s="tanh", f_o=task.f_o, seed=4)
    data = task.make(4, lengths=(3, 5), seed=1)
    got = inside.mean_influence(p, data)
    eps, norms = 1e-6, np.zeros((4, data.inputs.shape[1]))
    for b, L in enumerate(data.lengths):
        x = data.inputs[b: b + 1, :L]
        for t in range(L):
            J = np.empty((task.output_size, task.input_size))
            for j in range(task.input_size):
                up, down = x.copy(), x.copy()
                up[0, t, j] += eps
                down[0, t, j] -= eps
                J[:, j] = (rv.forward(p, up).output[0] - rv.forward(p, down).output[0]) / (2 * eps)
            norms[b, t] = np.linalg.norm(J)
    mask = inside.step_mask(data.lengths, data.inputs.shape[1])
    expected = np.array([norms[mask[:, t], t].mean() for t in range(data.inputs.shape[1])])
    np.testing.assert_allclose(got, expected, rtol=1e-6)


@pytest.mark.parametrize("name, text", [("sum", "3 1, 4 1 5"), ("parity", "1 0 1 1"),
                                        ("sentiment", "the film was NOT good"), ("next_char", "The light ")])
def test_typed_input_states_and_prefix_outputs_equal_forward(name, text):
    task = tasks.make_task(name)
    p = rv.init_params(task.input_size, 4, task.output_size, f_s="tanh", f_o=task.f_o, seed=5)
    x, labels = inside.encode_typed(task, text)
    assert x.shape == (1, len(labels), task.input_size)
    tr = rv.forward(p, x)
    o = inside.prefix_outputs(p, tr.states[0])
    for t in range(1, len(labels) + 1):
        alone = rv.forward(p, x[:, :t])                                       # the prefix as its own sequence
        np.testing.assert_array_equal(alone.states[0], tr.states[0, : t + 1])
        np.testing.assert_allclose(o[t - 1], alone.output[0], rtol=1e-12, atol=1e-15)
    if name == "sum":
        np.testing.assert_array_equal(x[0, :, 0] * 9, [3, 1, 4, 1, 5])
        assert inside.hidden_variable(task, x, [5])[0].tolist() == [3, 4, 8, 9, 14]


@pytest.mark.parametrize("name, text, words", [
    ("sum", "", "at least one"), ("sum", "12a", "'a'"), ("sum", "9" * 61, "at most 60"),
    ("parity", "102", "'2'"), ("sentiment", "the film was wonderful", "'wonderful'"),
    ("sentiment", "   ", "at least one"), ("next_char", "hello\tworld€", "'\\t€'")])
def test_typed_input_the_task_cannot_read_is_refused_clearly(name, text, words):
    with pytest.raises(ValueError) as err:
        inside.encode_typed(tasks.make_task(name), text)
    assert words in str(err.value)


def test_top_k_and_continuations():
    task = tasks.make_task("next_char")
    p, _, _ = inside.quick_train(task, updates=50)
    x, labels = inside.encode_typed(task, "the ")
    probs = inside.prefix_outputs(p, rv.forward(p, x).states[0])
    chars, q = inside.top_k(task, probs, 3)
    assert chars.shape == q.shape == (4, 3)
    for t in range(4):
        best = np.argsort(-probs[t])[:3]
        assert list(chars[t]) == [task.vocabulary.tokens[i] for i in best]
        np.testing.assert_array_equal(q[t], probs[t, best])
    runs = inside.continuations(p, task, "the ", n=2, n_chars=20, seed=3)
    assert runs == [tasks.sample_text(p, task, "the ", n_chars=20, temperature=0.7, seed=s) for s in (3, 4)]
    fig = inside_figures.top_k_figure(chars, q, labels, "t").validated()
    assert fig.data[0].text[0][0] == ("␣" if chars[0, 0] == " " else chars[0, 0])


def test_figures_validate_and_carry_the_numbers():
    task = tasks.make_task("sum")
    p = rv.init_params(1, 3, 1, f_s="relu", seed=0)
    track = inside.tracking(p, task, task.make(10, (1, 4), seed=0))
    figs = [inside_figures.sequences_heatmap(track.acts[:, :, 0], track.texts, "t", "unit 0"),
            inside_figures.sequences_heatmap(track.hidden, track.texts, "t", "h", signed=False),
            inside_figures.r_bars(track.r, track.order, "t"),
            inside_figures.unit_scatter(track.hidden, track.acts[:, :, 0], "t", "h", "u", track.hidden,
                                        track.acts[:, :, 0]),
            inside_figures.influence_figure(np.ones(4), np.ones(4) / 2, "t")]
    for f in figs:
        f.validated()
    np.testing.assert_array_equal(figs[2].spec["data"][0]["y"], track.r[track.order])


def test_sum_relu_unit_tracks_the_running_sum_inside_and_at_twice_the_trained_length():
    """The page's claim, at its own settings (quick_train: H = 8, relu, lengths 1-10, 1,500 Adam updates,
    seed 0; measured r = 0.9991 inside and 0.9985 at lengths 11-20)."""
    task = tasks.make_task("sum")
    p, p0, (lo, hi) = inside.quick_train(task)
    assert (p.f_s, p.state_size, (lo, hi)) == ("relu", 8, (1, 10))
    track = inside.tracking(p, task, inside.test_sequences(task, (lo, hi), 200))
    unit = track.best
    assert abs(track.r[unit]) > 0.99
    longer = inside.tracking(p, task, inside.test_sequences(task, (hi + 1, 2 * hi), 200))
    assert abs(inside.correlations(longer.acts[:, :, [unit]], longer.hidden)[0]) > 0.99
    Ls, r = inside.r_by_length(longer, unit)
    assert Ls[-1] == 2 * hi and abs(r[-1]) > 0.99                          # still at exactly twice the length
    untrained = inside.tracking(p0, task, inside.test_sequences(task, (lo, hi), 200))
    assert abs(untrained.r[untrained.best]) < 0.8                          # before training no unit does (0.57)
