"""The BPTT lesson's helpers against oracles: finite differences, the core's per-step contributions."""
import numpy as np
import pytest

import rnnviz as rv
from rnnviz import bptt


@pytest.fixture
def case():
    p = rv.init_params(2, 3, 2, f_s="tanh", seed=3).replace(b_s=[0.1, -0.2, 0.3])
    x = np.random.default_rng(4).normal(size=(3, 7, 2))
    lengths = np.array([7, 4, 0])
    return p, x, lengths


@pytest.mark.parametrize("objective", [bptt.Objective("output component", k=1),
                                       bptt.Objective("mean squared error", target=(0.5, -1.0))])
def test_element_finite_difference_matches_backward(case, objective):
    p, x, lengths = case
    tr = rv.forward(p, x, lengths)
    g = rv.backward(p, tr, objective(tr.output)[1])
    for param, index in [("W_s", (0, 0)), ("W_s", (4, 2)), ("b_s", (1,)), ("W_o", (2, 1))]:
        fd = bptt.element_finite_difference(p, x, lengths, objective, param, index)
        assert rv.gradcheck.relative_error(getattr(g, param)[index], fd) < 1e-6


def test_cross_entropy_objective_needs_softmax_probabilities(case):
    p, x, lengths = case
    p = p.replace(f_o="softmax")
    obj = bptt.Objective("cross-entropy", label=1)
    tr = rv.forward(p, x, lengths)
    g = rv.backward(p, tr, obj(tr.output)[1])
    fd = bptt.element_finite_difference(p, x, lengths, obj, "W_s", (1, 2))
    assert rv.gradcheck.relative_error(g.W_s[1, 2], fd) < 1e-6


def test_product_rule_terms_are_the_copies_gradients(case):
    p, x, lengths = case
    tr = rv.forward(p, x, lengths)
    g = rv.backward(p, tr, np.ones((3, 2)))
    terms = bptt.product_rule_terms(g, 0, 0)
    untied = rv.gradcheck.untied_copies(p, x, lengths, np.ones((3, 2)))
    np.testing.assert_allclose(terms["term"], untied.W_s[:, 0, 0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(terms["term"].sum(), g.W_s[0, 0], rtol=1e-12)
    np.testing.assert_array_equal(terms["x"] * terms["delta"], g.xs[0, :, 0] * g.deltas[0, :, 0])


def test_output_weight_derivation_is_the_backward_gradient(case):
    p, x, lengths = case
    tr = rv.forward(p, x[:1], lengths[:1])
    g = rv.backward(p, tr, bptt.Objective("output component", k=1)(tr.output)[1])
    d = bptt.output_weight_derivation(p, tr, 2, 1)
    assert d["product"] == pytest.approx(g.W_o[2, 1], rel=1e-14)


@pytest.mark.parametrize("k", [0, 1, 3, 7])
def test_truncated_gradient_is_the_sum_of_the_kept_contributions(case, k):
    p, x, lengths = case
    tr = rv.forward(p, x, lengths)
    g = rv.backward(p, tr, np.ones((3, 2)))
    keep = bptt.truncation_mask(tr, k)
    assert (keep.sum(axis=1) == np.minimum(lengths, k)).all()
    per_step = np.einsum("bti,bth->btih", g.xs, g.deltas)                 # every sequence's every copy
    cut = bptt.truncated(g, tr, k)
    np.testing.assert_allclose(cut["W_s"], per_step[keep].sum(axis=0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(cut["b_s"], g.deltas[keep].sum(axis=0), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(cut["W_o"], g.W_o)
    if k >= lengths.max():
        np.testing.assert_allclose(cut["W_s"], g.W_s, rtol=1e-12)
        np.testing.assert_array_equal(cut["s0"], g.s0)
    else:
        assert not cut["s0"].any()


def test_truncation_equals_backprop_through_a_short_network():
    """Oracle for truncation: the gradient of the last k steps, run as a k-step RNN from the fixed state s^{T-k}."""
    p = rv.init_params(2, 3, 1, seed=5)
    x = np.random.default_rng(6).normal(size=(1, 6, 2))
    tr = rv.forward(p, x)
    g = rv.backward(p, tr, np.ones((1, 1)))
    k = 2
    short = p.replace(s0=tr.states[0, 6 - k])
    tr2 = rv.forward(short, x[:, 6 - k:])
    g2 = rv.backward(short, tr2, np.ones((1, 1)))
    np.testing.assert_allclose(bptt.truncated(g, tr, k)["W_s"], g2.W_s, rtol=1e-12)


def test_clipping():
    grads = {"a": np.array([3.0, -4.0]), "b": np.array([[0.5]])}
    clipped = bptt.clip_elementwise(grads, 1.0)
    np.testing.assert_array_equal(clipped["a"], [1.0, -1.0])
    scaled, scale = bptt.clip_global_norm(grads, 1.0)
    assert bptt.global_norm(scaled) == pytest.approx(1.0)
    assert scale == pytest.approx(1.0 / np.sqrt(25.25))
    same, one = bptt.clip_global_norm(grads, 100.0)
    assert one == 1.0 and np.array_equal(same["a"], grads["a"])
    with pytest.raises(ValueError, match="positive"):
        bptt.clip_elementwise(grads, 0.0)
    assert bptt.relative_distance(grads, grads) == 0.0


@pytest.mark.parametrize("f_s", ["tanh", "relu", "sigmoid", "identity"])
def test_the_product_rule_unfolds_to_backward_at_every_level(case, f_s):
    p, x, lengths = case
    p = p.replace(f_s=f_s, s0=np.array([0.3, -0.1, 0.2]))
    obj = bptt.Objective("output component", k=1)
    tr = rv.forward(p, x, lengths)
    g = rv.backward(p, tr, obj(tr.output)[1])
    T = x.shape[1]
    for row, col in [(0, 0), (2, 1), (3, 2), (4, 0)]:                    # state rows and input rows
        u = bptt.unfold_element(p, tr, g, row, col)
        fd = bptt.element_finite_difference(p, x, lengths, obj, "W_s", (row, col))
        for n in range(T + 1):                                          # unfolded terms + the rest = the total
            assert u["term"][T - n:].sum() + u["rest"][n] == pytest.approx(g.W_s[row, col], rel=1e-10, abs=1e-13)
        assert u["rest"][T] == 0.0                                      # ds^0/dW = 0: nothing left after T levels
        assert rv.gradcheck.relative_error(u["term"].sum(), fd) < 1e-6
        assert rv.gradcheck.relative_error(u["rest"][0], fd) < 1e-6    # the forward-mode tangent alone


def test_the_tangents_are_finite_differences_of_the_states(case):
    p, x, lengths = case
    tr = rv.forward(p, x, lengths)
    g = rv.backward(p, tr, np.ones((3, 2)))
    u = bptt.unfold_element(p, tr, g, 4, 1)
    eps = 1e-6
    W = np.array(p.W_s)
    plus, minus = W.copy(), W.copy()
    plus[4, 1] += eps
    minus[4, 1] -= eps
    slope = (rv.forward(p.replace(W_s=plus), x, lengths).states - rv.forward(p.replace(W_s=minus), x, lengths).states) / (2 * eps)
    np.testing.assert_allclose(u["tangent"], slope, rtol=1e-6, atol=1e-9)   # ds^t/dW_i11 for every t


def test_cosine_of_clipping():
    g = {"a": np.array([3.0, -4.0]), "b": np.array([[12.0]])}
    scaled, scale = bptt.clip_global_norm(g, 1.0)
    assert scale < 1 and bptt.cosine(scaled, g) == pytest.approx(1.0, abs=1e-15)
    cut = bptt.clip_elementwise(g, 1.0)
    flat = lambda d: np.concatenate([v.ravel() for v in d.values()])   # noqa: E731
    assert bptt.cosine(cut, g) == pytest.approx(flat(cut) @ flat(g) / np.linalg.norm(flat(cut)) / np.linalg.norm(flat(g)))
    assert bptt.cosine(cut, g) < 1
    assert bptt.cosine({"a": np.zeros(2), "b": np.zeros((1, 1))}, g) == 0.0


def test_proof_elements_name_one_element_of_every_parameter(case):
    p = case[0]
    rows = bptt.proof_elements(p, "W_i12", (4, 2), k=1)
    assert [param for _, param, _ in rows] == ["W_s", "b_s", "W_o", "b_o", "s0"]
    names = rv.params.element_names(p)
    for label, param, index in rows:
        assert names[label] == (param, index)
    assert [label for label, _, _ in rows] == ["W_i12", "b_s2", "W_o21", "b_o1", "s02"]
