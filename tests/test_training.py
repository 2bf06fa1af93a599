"""Training: the loss falls, the sum generalises to twice its length, runs are reproducible, the optimizer is
PyTorch's, overflow stops cleanly; and the feed-forward baseline that cannot generalise."""
import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

import rnnviz as rv
from rnnviz import baseline, bptt, clipping, losses, tasks, training


def trainer_for(name, **changes):
    task = tasks.make_task(name)
    return training.make_trainer(task, config=training.default_config(task, **changes))


@pytest.mark.parametrize("name, updates, factor", [("sum", 1500, 100), ("parity", 1500, 20),
                                                   ("sentiment", 800, 100), ("next_char", 800, 1.5)])
def test_training_reduces_the_validation_loss(name, updates, factor):
    """Measured on this seed: sum 9.13 -> 0.045 (x200), parity 0.74 -> 0.017 (x42), sentiment 0.68 -> 0.0022
    (x310), next_char 3.32 -> 1.84 (x1.8: a character's entropy in this text does not allow much lower)."""
    tr = trainer_for(name)
    before = tr.val_points[0][1]                                          # update 0: the untrained network
    assert tr.val_points[0][0] == 0 and before == tr.loss_on(tr.val)
    losses_ = tr.step(updates)
    assert losses_.size == updates and tr.stopped is None
    assert tr.loss_on(tr.val) < before / factor


def test_the_sum_generalises_to_twice_its_training_length():
    """f_s = relu, lengths 1..10, 6,000 Adam updates (~2 s): relative error at length 20 measured 0.4%.
    The feed-forward baseline, reading only the last 10 digits, is off by half (measured 50%)."""
    task = tasks.make_task("sum")
    assert task.f_s == "relu" and task.lengths == (1, 10)
    tr = training.make_trainer(task, config=training.default_config(task, seed=0))
    tr.step(6000)
    result = tr.by_length(training.test_set(task, 20, 200, seed=5))
    assert list(result["lengths"]) == list(range(1, 21))
    assert result["rnn"][-1] < 0.02                                       # length 20, never trained on
    assert result["rnn"][:10].max() < 0.02                                # the trained lengths
    assert result["ff"][9] < 0.05 and result["ff"][-1] > 0.3              # fine at 10, lost at 20


def test_tanh_saturates_on_long_sums():
    task = tasks.make_task("sum")
    out = training.compare_state_activations(task, ("relu", "tanh"), updates=4000,
                                             config=training.default_config(task))
    assert out["metric"]["tanh"][-1] > 5 * out["metric"]["relu"][-1]      # measured 0.37 against ~0.01


def test_same_seed_same_run_bit_for_bit():
    a, b, c = trainer_for("parity", seed=3), trainer_for("parity", seed=3), trainer_for("parity", seed=4)
    la, lb, lc = a.step(60), b.step(60), c.step(60)
    assert np.array_equal(la, lb) and a.params.equals(b.params) and a.val_points == b.val_points
    assert not np.array_equal(la, lc)


@pytest.mark.parametrize("strategy", training.STRATEGIES)
def test_an_epoch_visits_every_sequence_once(strategy):
    tr = trainer_for("sentiment", strategy=strategy, batch_size=16)
    seen, shapes = [], []
    while tr.epoch < 2:
        x, lengths, y, chosen = tr.next_batch()
        if tr.epoch == 2:
            break
        seen.extend(chosen.tolist())
        n = tr.train.lengths[chosen]
        np.testing.assert_array_equal(y, tr.train.targets[chosen])
        if strategy == "bucket":
            assert lengths is None and (n == x.shape[1]).all()            # one length per batch: no pads
        else:
            np.testing.assert_array_equal(lengths, n)
            assert x.shape[1] == n.max()
            shapes.append(len(set(n.tolist())))
        for k, i in enumerate(chosen):
            np.testing.assert_array_equal(x[k, : n[k]], tr.train.inputs[i, : n[k]])
    assert sorted(seen) == list(range(len(tr.train)))
    if strategy == "pad":
        assert max(shapes) > 1                                            # padded batches mix lengths


def bench_training():
    path = Path(__file__).resolve().parents[1] / "benchmarks"
    sys.path.insert(0, str(path))
    try:
        return importlib.import_module("bench_training")
    finally:
        sys.path.remove(str(path))


@pytest.mark.parametrize("name, strategy, changes", [
    ("sum", "pad", dict(learn_s0=True)),                                  # Adam, clip 1, halving rate, learned s0
    ("parity", "bucket", dict(optimizer="sgd", lr=0.1, momentum=0.9, clip=0.3)),
    ("sentiment", "pad", dict(clip=0.0)),
    ("next_char", "bucket", dict(batch_size=8))])
def test_the_same_updates_as_pytorch(name, strategy, changes):
    """PyTorch as the oracle: nn.RNN + Linear, its optimizers, clip_grad_norm_ and ExponentialLR, fed the
    same minibatches, give the same losses and weights after 30 updates."""
    pytest.importorskip("torch")
    assert bench_training().check_same(name, strategy, n=30, **changes) < 1e-8


def test_overflow_stops_cleanly_with_a_message():
    task = tasks.make_task("sum")
    tr = training.make_trainer(task, f_s="identity", config=training.default_config(task, optimizer="sgd", lr=1.0,
                                                                                      clip=0.0))
    done = tr.step(200)                                                   # a linear RNN blows up in a few updates
    assert tr.stopped is not None and done.size < 200 and done.size == tr.updates
    assert "inf or NaN" in tr.stopped and "learning rate" in tr.stopped and "clip" in tr.stopped
    assert all(np.isfinite(a).all() for a in tr.params.arrays().values())  # the last finite weights
    before = tr.params
    assert tr.step(5).size == 0 and tr.params.equals(before)


def test_clipping_scales_to_the_threshold_and_keeps_the_direction():
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 4)) * 10, rng.standard_normal(5)]
    copies = [g.copy() for g in grads]
    norm = clipping.clip_global_norm(grads, 1.0)
    assert norm == pytest.approx(np.sqrt(sum((g ** 2).sum() for g in copies)))
    assert np.sqrt(sum((g ** 2).sum() for g in grads)) == pytest.approx(1.0, rel=1e-5)
    for g, c in zip(grads, copies):
        np.testing.assert_allclose(g * norm, c, rtol=1e-5)
    small = [np.full(3, 0.1)]
    clipping.clip_global_norm(small, 1.0)
    assert (small[0] == 0.1).all()


def test_one_clipping_for_training_and_the_lesson():
    """training clips in place with torch's eps, the BPTT lesson into new arrays with eps = 0: one formula."""
    rng = np.random.default_rng(2)
    grads = {"W_s": rng.standard_normal((5, 3)) * 4, "b_s": rng.standard_normal(3)}
    scaled, scale = bptt.clip_global_norm(grads, 1.0)
    in_place = [g.copy() for g in grads.values()]
    norm = clipping.clip_global_norm(in_place, 1.0, eps=0.0)
    assert norm == clipping.global_norm(grads) == bptt.global_norm(grads)
    assert scale == clipping.clip_scale(norm, 1.0, eps=0.0) == 1.0 / norm
    for a, b in zip(scaled.values(), in_place):
        np.testing.assert_array_equal(a, b)
    assert clipping.clip_scale(norm, 0.0) == 1.0 and clipping.clip_scale(0.5, 1.0) == 1.0   # off, or short enough
    assert training.clip_global_norm is clipping.clip_global_norm                       # re-exported, not copied
    assert training.softmax_cross_entropy is losses.softmax_cross_entropy


def test_softmax_cross_entropy_checks_its_labels():
    with pytest.raises(ValueError, match="softmax_cross_entropy: every label must be between 0 and O-1 = 1"):
        losses.softmax_cross_entropy(np.zeros((2, 2)), [0, 2])
    with pytest.raises(ValueError, match="whole numbers"):
        losses.softmax_cross_entropy(np.zeros((2, 2)), [0, 0.5])


def test_softmax_cross_entropy_is_cross_entropy_of_the_softmax():
    rng = np.random.default_rng(1)
    u, y = rng.standard_normal((6, 4)) * 3, rng.integers(0, 4, 6)
    L, du = losses.softmax_cross_entropy(u, y)
    probs = np.exp(u) / np.exp(u).sum(axis=1, keepdims=True)
    assert L == pytest.approx(losses.cross_entropy(probs, y)[0], rel=1e-12)
    eps, fd = 1e-6, np.zeros_like(u)
    for idx in np.ndindex(u.shape):
        up, um = u.copy(), u.copy()
        up[idx] += eps
        um[idx] -= eps
        fd[idx] = (losses.softmax_cross_entropy(up, y)[0] - losses.softmax_cross_entropy(um, y)[0]) / (2 * eps)
    assert rv.gradcheck.relative_error(du, fd) < 1e-7
    assert np.isfinite(losses.softmax_cross_entropy(np.array([[1e4, -1e4]]), np.array([1]))[0])


@pytest.mark.parametrize("learn", [True, False])
def test_initial_state_is_trained_only_when_asked(learn):
    tr = trainer_for("parity", learn_s0=learn)
    tr.step(50)
    assert (np.abs(tr.params.s0).max() > 0) == learn


def test_learning_rate_halves():
    c = training.TrainConfig(lr=0.1, lr_halflife=10)
    assert c.lr_at(1) == 0.1 and c.lr_at(11) == pytest.approx(0.05) and c.lr_at(21) == pytest.approx(0.025)
    assert training.TrainConfig(lr=0.1).lr_at(1000) == 0.1


@pytest.mark.parametrize("kwargs, message", [
    (dict(optimizer="rmsprop"), "optimizer must be"), (dict(strategy="sorted"), "strategy must be"),
    (dict(lr=0.0), "learning rate"), (dict(lr=float("nan")), "learning rate"), (dict(clip=-1.0), "clip must"),
    (dict(batch_size=0), "batch_size"), (dict(momentum=1.0), "momentum")])
def test_bad_settings_say_what_to_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        training.TrainConfig(**kwargs)


def test_a_model_of_the_wrong_size_is_refused():
    task = tasks.make_task("parity")
    with pytest.raises(ValueError, match="needs I = 2 inputs, O = 2 outputs and f_o = softmax"):
        training.make_trainer(task, params=rv.init_params(3, 4, 2, f_o="softmax"))
    with pytest.raises(ValueError, match="f_o = identity"):
        training.make_trainer(task, params=rv.init_params(2, 4, 2, f_o="identity"))


# ---- the feed-forward baseline ------------------------------------------------------------------------------

def test_fixed_length_keeps_the_last_steps_right_aligned():
    x = np.arange(1, 13, dtype=float).reshape(2, 6, 1)                       # steps 1..6 and 7..12
    out = baseline.fixed_length(x, np.array([2, 6]), 4)
    np.testing.assert_array_equal(out, [[0, 0, 1, 2], [9, 10, 11, 12]])     # zeros in front / first steps lost


def test_baseline_has_about_the_rnns_parameter_count():
    for name in tasks.TASKS:
        tr = trainer_for(name)
        n_rnn = baseline.rnn_param_count(tr.params)
        assert abs(tr.ff.n_params - n_rnn) <= 0.25 * n_rnn + tr.ff.T_ff * tr.task.input_size


def test_baseline_gradients_match_finite_differences():
    rng = np.random.default_rng(2)
    ff = baseline.init_feedforward(3, 2, 2, 4, f="tanh", seed=1)
    x, target = rng.standard_normal((5, 6)), rng.standard_normal((5, 2))

    def loss():
        return losses.mse(baseline.forward(ff, x)[2], target)

    h_pre, h, u = baseline.forward(ff, x)
    grads = baseline.backward(ff, x, h_pre, h, loss()[1])
    for w, g in zip(ff.arrays(), grads):
        fd = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            old = w[idx]
            w[idx] = old + 1e-6
            plus = loss()[0]
            w[idx] = old - 1e-6
            minus = loss()[0]
            w[idx] = old
            fd[idx] = (plus - minus) / 2e-6
        assert rv.gradcheck.relative_error(g, fd) < 1e-7


def test_by_length_returns_the_outputs_it_scored():
    task = tasks.make_task("sum")
    tr = training.make_trainer(task, config=training.default_config(task, seed=1))
    tr.step(20)
    test = training.test_set(task, 6, 5, seed=2)
    result = tr.by_length(test)
    assert np.array_equal(result["u"], tr.outputs(test))
    for k, L in enumerate(result["lengths"]):                            # each metric is over that length's rows
        rows = test.lengths == L
        assert result["rnn"][k] == task.metric(result["u"][rows], test.targets[rows])
