"""Losses: values against independent formulas (and PyTorch where installed), dL/do against finite
differences of the loss itself, and ValueErrors that say what to fix."""
import numpy as np
import pytest

import rnnviz as rv
from rnnviz import losses
from rnnviz.gradcheck import relative_error


def numeric_dL_do(loss, o, eps=1e-6):
    """Central differences of loss(o)[0] in every element of o."""
    g = np.zeros_like(o)
    for idx in np.ndindex(o.shape):
        up, down = o.copy(), o.copy()
        up[idx] += eps
        down[idx] -= eps
        g[idx] = (loss(up)[0] - loss(down)[0]) / (2 * eps)
    return g


def probabilities(B, O, seed):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((B, O))
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return logits, e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("B,O,k", [(1, 1, 0), (3, 2, 1), (4, 3, 0), (2, 3, 2)])
def test_output_component_is_the_sum_of_column_k(B, O, k):
    o = np.random.default_rng(B * 10 + O).standard_normal((B, O))
    L, d_o = losses.output_component(o, k)
    assert isinstance(L, float)
    assert d_o.shape == (B, O)
    assert L == pytest.approx(sum(o[b, k] for b in range(B)), rel=1e-15)
    assert relative_error(d_o, numeric_dL_do(lambda q: losses.output_component(q, k), o)) < 1e-8
    # only column k moves the loss
    assert (np.delete(d_o, k, axis=1) == 0).all() and (d_o[:, k] == 1).all()


@pytest.mark.parametrize("target_shape", [(3, 2), (2,), (), (3, 1), (1, 2)])
def test_mse_value_and_gradient_with_broadcast_targets(target_shape):
    rng = np.random.default_rng(len(target_shape))
    o = rng.standard_normal((3, 2))
    target = rng.standard_normal(target_shape)
    L, d_o = losses.mse(o, target)
    full = np.broadcast_to(target, o.shape)
    expected = sum((o[b, k] - full[b, k]) ** 2 for b in range(3) for k in range(2)) / 6
    assert L == pytest.approx(expected, rel=1e-14)
    assert d_o.shape == o.shape
    assert relative_error(d_o, numeric_dL_do(lambda q: losses.mse(q, target), o)) < 1e-8


@pytest.mark.parametrize("B,O", [(1, 2), (4, 3), (3, 5)])
def test_cross_entropy_value_and_gradient(B, O):
    _, o = probabilities(B, O, seed=B + O)
    labels = np.random.default_rng(O).integers(0, O, size=B)
    L, d_o = losses.cross_entropy(o, labels)
    expected = -sum(np.log(o[b, labels[b]]) for b in range(B)) / B
    assert L == pytest.approx(expected, rel=1e-14)
    assert d_o.shape == (B, O)
    assert relative_error(d_o, numeric_dL_do(lambda q: losses.cross_entropy(q, labels), o)) < 1e-7


def test_cross_entropy_through_softmax_backward_gives_p_minus_onehot():
    """Through f_o = softmax the gradient at the logits is (o - onehot) / B: an independent identity."""
    p = rv.init_params(2, 3, 4, f_o="softmax", seed=3)
    x = np.random.default_rng(3).standard_normal((5, 4, 2))
    labels = np.array([0, 3, 1, 2, 3])
    tr = rv.forward(p, x)
    _, d_o = losses.cross_entropy(tr.output, labels)
    g = rv.backward(p, tr, d_o)
    d_logits = (tr.output - np.eye(4)[labels]) / 5
    assert relative_error(g.b_o, d_logits.sum(axis=0)) < 1e-12
    assert relative_error(g.W_o, tr.states[:, -1].T @ d_logits) < 1e-12


def test_losses_agree_with_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(7)
    o = rng.standard_normal((4, 3))
    target = rng.standard_normal((4, 3))
    to = torch.tensor(o, requires_grad=True)
    F.mse_loss(to, torch.tensor(target)).backward()
    L, d_o = losses.mse(o, target)
    assert L == pytest.approx(F.mse_loss(torch.tensor(o), torch.tensor(target)).item(), rel=1e-14)
    assert relative_error(d_o, to.grad.numpy()) < 1e-14

    logits, probs = probabilities(4, 3, seed=8)
    labels = np.array([2, 0, 1, 2])
    tp = torch.tensor(probs, requires_grad=True)
    loss_t = F.nll_loss(torch.log(tp), torch.tensor(labels))
    loss_t.backward()
    L, d_o = losses.cross_entropy(probs, labels)
    assert L == pytest.approx(loss_t.item(), rel=1e-13)
    assert L == pytest.approx(F.cross_entropy(torch.tensor(logits), torch.tensor(labels)).item(), rel=1e-13)
    assert relative_error(d_o, tp.grad.numpy()) < 1e-13


def test_losses_do_not_change_their_arguments():
    o = np.random.default_rng(0).standard_normal((3, 2))
    target = o + 1
    o_before, target_before = o.copy(), target.copy()
    losses.mse(o, target)
    losses.output_component(o, 1)
    assert np.array_equal(o, o_before) and np.array_equal(target, target_before)


# ---- what a wrong call says ----------------------------------------------------------------------------

O2 = np.array([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])


@pytest.mark.parametrize("k, match", [(2, r"between 0 and O-1 = 1"), (-1, r"between 0 and O-1"),
                                      (1.5, "whole number"), (True, "whole number"), ("0", "whole number")])
def test_output_component_rejects_bad_k(k, match):
    with pytest.raises(ValueError, match=match):
        losses.output_component(O2, k)


@pytest.mark.parametrize("loss", [lambda o: losses.output_component(o, 0), lambda o: losses.mse(o, 0.0),
                                  lambda o: losses.cross_entropy(o, [0])])
@pytest.mark.parametrize("o, match", [(np.array([0.5, 0.5]), r"shape \(B, O\)"),
                                      (np.zeros((0, 2)), r"shape \(B, O\)"),
                                      (np.array([[np.nan, 0.5]]), "NaN or inf"),
                                      (np.array([[np.inf, 0.5]]), "NaN or inf"),
                                      (np.array([["a", "b"]]), "numbers")])
def test_every_loss_rejects_a_bad_output(loss, o, match):
    with pytest.raises(ValueError, match=match):
        loss(o)


@pytest.mark.parametrize("target, match", [(np.zeros((2, 2)), r"does not broadcast .* \(3, 2\)"),
                                           (np.zeros(3), "does not broadcast"),
                                           (np.zeros((1, 3, 2)), "does not broadcast"),
                                           (np.array([[np.nan, 0.0]]), "NaN or inf"),
                                           ("x", "numbers")])
def test_mse_rejects_bad_targets(target, match):
    with pytest.raises(ValueError, match=match):
        losses.mse(O2, target)


@pytest.mark.parametrize("labels, match", [([0, 1, 2], r"between 0 and O-1 = 1"),
                                           ([0, -1, 1], "between 0 and O-1"),
                                           ([0, 1], r"one entry per sequence, shape \(3,\)"),
                                           ([[0, 1, 1]], "one entry per sequence"),
                                           ([0, 0.5, 1], "whole numbers"),
                                           ([0, np.nan, 1], "whole numbers")])
def test_cross_entropy_rejects_bad_labels(labels, match):
    with pytest.raises(ValueError, match=match):
        losses.cross_entropy(O2, labels)


@pytest.mark.parametrize("o", [np.array([[0.5, 0.6]]), np.array([[1.5, -0.5]]), np.array([[2.0, 3.0]])])
def test_cross_entropy_wants_probabilities(o):
    with pytest.raises(ValueError, match="probabilities.*softmax"):
        losses.cross_entropy(o, [0])


def test_cross_entropy_names_a_zero_probability():
    with pytest.raises(ValueError, match="sequence 1 .* exactly 0"):
        losses.cross_entropy(np.array([[0.5, 0.5], [1.0, 0.0]]), [0, 1])
