"""Back-propagation through time against two oracles that share nothing with core.backward:
central finite differences, and the lesson text's untied copies (a feed-forward net with one W_s^t per step)."""
import functools

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings

import rnnviz as rv
from strategies import network_specs
from rnnviz import gradcheck, losses
from rnnviz.gradcheck import relative_error

PAIRS = [(f_s, f_o) for f_s in rv.STATE_ACTIVATIONS for f_o in rv.OUTPUT_ACTIVATIONS]


def loss_functions(f_o, B, O, seed):
    """{name: o -> (L, dL/do)} for every loss that applies to f_o."""
    rng = np.random.default_rng(seed + 1000)
    fns = {"output_component": functools.partial(losses.output_component, k=O - 1),
           "mse": functools.partial(losses.mse, target=rng.standard_normal((B, O)))}
    if f_o == "softmax":
        fns["cross_entropy"] = functools.partial(losses.cross_entropy, labels=rng.integers(0, O, size=B))
    return fns


def backward_with(p, x, lengths, loss):
    tr = rv.forward(p, x, lengths)
    return rv.backward(p, tr, loss(tr.output)[1])


@pytest.mark.parametrize("f_s,f_o", PAIRS)
def test_backward_matches_finite_differences(f_s, f_o, smooth_case):
    p, x, lengths = smooth_case(B=3, T=4, I=2, H=3, O=2, f_s=f_s, f_o=f_o, seed=11)
    assert (lengths < x.shape[1]).any() and (lengths == x.shape[1]).any()        # pads and a full sequence
    for loss_name, loss in loss_functions(f_o, 3, 2, seed=11).items():
        g = backward_with(p, x, lengths, loss)
        fd = gradcheck.finite_differences(p, x, lengths, loss)
        for name in rv.PARAM_NAMES:
            assert np.abs(fd[name]).max() > 1e-3, f"{name}: a zero gradient would make the check vacuous"
            err = relative_error(getattr(g, name), fd[name])
            assert err < 1e-6, f"{f_s}/{f_o}/{loss_name}: dL/d{name} relative error {err:.2e}"


@pytest.mark.parametrize("f_s", rv.STATE_ACTIVATIONS)
def test_learned_s0_gradient_matches_finite_differences(f_s, smooth_case):
    # sequence 1 has length 0: its s0 reaches the output directly; the others pass s0 through f_s
    p, x, lengths = smooth_case(B=3, T=3, I=1, H=4, O=3, f_s=f_s, f_o="tanh", seed=5, lengths=[3, 0, 2])
    target = np.random.default_rng(0).standard_normal((3, 3))
    loss = functools.partial(losses.mse, target=target)
    g = backward_with(p, x, lengths, loss)
    fd = gradcheck.finite_differences(p, x, lengths, loss)
    assert relative_error(g.s0, fd["s0"]) < 1e-6
    # and the gradient really depends on the learned s0 (not only on the structure of the net)
    g_zero = backward_with(p.replace(s0=np.zeros(4)), x, lengths, loss)
    assert not np.allclose(g_zero.W_s, g.W_s)


@pytest.mark.parametrize("f_s,f_o", [("tanh", "identity"), ("relu", "softmax"), ("sigmoid", "sigmoid"),
                                     ("identity", "tanh"), ("tanh", "relu")])
def test_untied_copies_equal_the_per_step_contributions(f_s, f_o, smooth_case):
    p, x, lengths = smooth_case(B=4, T=6, I=2, H=3, O=2, f_s=f_s, f_o=f_o, seed=21)
    d_output = np.random.default_rng(2).standard_normal((4, 2))
    tr = rv.forward(p, x, lengths)
    g = rv.backward(p, tr, d_output)
    u = gradcheck.untied_copies(p, x, lengths, d_output)

    assert relative_error(u.states, tr.states) < 1e-12
    assert relative_error(u.output, tr.output) < 1e-12
    assert relative_error(g.steps("W_s"), u.W_s) < 1e-12            # dL/dW_s^t, one per copy
    assert relative_error(g.steps("b_s"), u.b_s) < 1e-12
    for name in ("W_o", "b_o", "s0"):
        assert relative_error(getattr(g, name), getattr(u, name)) < 1e-12
    # the lesson text's claim: the sum of the copies' gradients IS the gradient of the tied weights
    assert relative_error(g.W_s, u.W_s.sum(axis=0)) < 1e-12
    assert relative_error(g.b_s, u.b_s.sum(axis=0)) < 1e-12
    assert relative_error(g.steps("W_s").sum(axis=0), g.W_s) < 1e-12
    assert relative_error(g.steps("b_s").sum(axis=0), g.b_s) < 1e-12
    # the contributions really differ from step to step (so the per-step comparison means something)
    assert np.ptp(np.linalg.norm(u.W_s.reshape(6, -1), axis=1)) > 1e-6


def test_untied_copies_sum_to_finite_differences():
    """The untied net, checked on its own against finite differences of the tied network."""
    p = rv.init_params(2, 3, 2, f_s="sigmoid", f_o="identity", seed=4)
    x, lengths = np.random.default_rng(4).standard_normal((3, 4, 2)), np.array([4, 1, 3])
    target = np.random.default_rng(5).standard_normal((3, 2))
    tr = rv.forward(p, x, lengths)
    _, d_o = losses.mse(tr.output, target)
    u = gradcheck.untied_copies(p, x, lengths, d_o)
    fd = gradcheck.finite_differences(p, x, lengths, functools.partial(losses.mse, target=target))
    assert relative_error(u.W_s.sum(axis=0), fd["W_s"]) < 1e-6
    assert relative_error(u.b_s.sum(axis=0), fd["b_s"]) < 1e-6
    for name in ("W_o", "b_o", "s0"):
        assert relative_error(getattr(u, name), fd[name]) < 1e-6


def test_untied_copies_are_zero_at_pads_and_pass_the_gradient_through(case):
    p, x, _ = case(B=2, T=5, f_s="tanh", seed=8)
    lengths = np.array([2, 0])
    d_output = np.ones((2, 2))
    u = gradcheck.untied_copies(p, x, lengths, d_output)
    assert (u.W_s[2:] == 0).all() and (u.b_s[2:] == 0).all()
    assert (u.W_s[:2] != 0).any()
    # the empty sequence: s^T = s0, so dL/ds0 = W_o dL/d(o_pre) with f_o = identity
    u_empty = gradcheck.untied_copies(p, x[1:], lengths[1:], d_output[1:])
    assert np.array_equal(u_empty.s0, p.W_o @ d_output[1])


@pytest.mark.parametrize("f_s,f_o", [("tanh", "identity"), ("relu", "sigmoid"), ("sigmoid", "softmax")])
def test_step_norms_and_elements_equal_those_of_steps(f_s, f_o, smooth_case):
    p, x, lengths = smooth_case(B=3, T=5, I=2, H=4, O=3, f_s=f_s, f_o=f_o, seed=30)
    g = backward_with(p, x, lengths, functools.partial(losses.output_component, k=1))
    H, I = 4, 2
    for name in ("W_s", "b_s"):
        steps = g.steps(name)
        norms = np.linalg.norm(steps.reshape(steps.shape[0], -1), axis=1)
        assert g.step_norms(name).shape == (5,)
        assert relative_error(g.step_norms(name), norms) < 1e-12
    assert np.array_equal(g.step_norms(), g.step_norms("W_s"))                         # default is W_s
    for row in range(H + I):
        for col in range(H):
            assert relative_error(g.step_element("W_s", row, col), g.steps("W_s")[:, row, col]) < 1e-12
    for row in range(H):
        assert relative_error(g.step_element("b_s", row), g.steps("b_s")[:, row]) < 1e-12


def test_relative_error():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4))
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.zeros((0, 2)), np.zeros((0, 2))) == 0.0
    b = a.copy()
    b[1, 2] += 1e-3
    scale = max(np.abs(a).max(), np.abs(b).max())
    assert relative_error(a, b) == pytest.approx(1e-3 / scale, rel=1e-9)
    assert relative_error(a, b) == relative_error(b, a)                             # symmetric
    assert relative_error(1e5 * a, 1e5 * b) == pytest.approx(relative_error(a, b), rel=1e-9)  # scale-free
    assert relative_error(np.array([1.0, 0.0]), np.array([0.0, 0.0])) == 1.0
    with pytest.raises(ValueError, match="one shape"):
        relative_error(np.zeros(2), np.zeros(3))


def test_finite_differences_of_a_linear_network_are_exact_slopes():
    """identity f_s and f_o, L = sum o[:, 0]: L is linear in b_o and W_o, so the slopes are plain sums."""
    p = rv.init_params(2, 3, 2, f_s="identity", f_o="identity", seed=1)
    x = np.random.default_rng(1).standard_normal((2, 3, 2))
    fd = gradcheck.finite_differences(p, x, None, functools.partial(losses.output_component, k=0))
    assert set(fd) == set(rv.PARAM_NAMES)
    for name in rv.PARAM_NAMES:
        assert fd[name].shape == getattr(p, name).shape
    tr = rv.forward(p, x)
    assert fd["b_o"] == pytest.approx([2.0, 0.0], abs=1e-9)            # B sequences, each o_0 has slope 1
    assert fd["W_o"][:, 0] == pytest.approx(tr.states[:, -1].sum(axis=0), rel=1e-8)
    assert fd["W_o"][:, 1] == pytest.approx(np.zeros(3), abs=1e-9)
    with pytest.raises(ValueError, match="eps"):
        gradcheck.finite_differences(p, x, None, functools.partial(losses.output_component, k=0), eps=0)


def test_untied_copies_rejects_bad_arguments(case):
    p, x, lengths = case(B=2, T=3)
    with pytest.raises(ValueError, match=r"inputs must have shape \(B, T, 2\)"):
        gradcheck.untied_copies(p, x[0], lengths, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="between 0 and T = 3"):
        gradcheck.untied_copies(p, x, [4, 1], np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"d_output must have shape \(B, O\)"):
        gradcheck.untied_copies(p, x, lengths, np.zeros((2, 3)))


# ---- hypothesis: any shapes, lengths and activations ---------------------------------------------------

@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=network_specs())
def test_hypothesis_backward_matches_finite_differences_and_untied_copies(spec, case, is_kink_free):
    p, x, lengths = case(**spec)
    assume(is_kink_free(p, x, lengths))
    B, O = x.shape[0], p.output_size
    rng = np.random.default_rng(0)
    if p.f_o == "softmax":
        loss = functools.partial(losses.cross_entropy, labels=rng.integers(0, O, size=B))
    else:
        loss = functools.partial(losses.mse, target=rng.standard_normal((B, O)))
    tr = rv.forward(p, x, lengths)
    L, d_o = loss(tr.output)
    g = rv.backward(p, tr, d_o)
    fd = gradcheck.finite_differences(p, x, lengths, loss)
    # (L(w+eps) - L(w-eps)) / (2 eps) carries a rounding error of about 1e-16 |L| / 1e-6 = 1e-10 |L|; a
    # gradient that has vanished through many steps (1e-6, say) cannot be checked to 1e-6 relative below that
    noise_floor = 1e-9 * max(1.0, abs(L))
    for name in rv.PARAM_NAMES:
        a, b = getattr(g, name), fd[name]
        err = relative_error(a, b)
        assert err < 1e-6 or np.abs(a - b).max() < noise_floor, f"dL/d{name}: relative error {err:.2e}"
    u = gradcheck.untied_copies(p, x, lengths, d_o)
    assert relative_error(g.steps("W_s"), u.W_s) < 1e-11
    assert relative_error(g.steps("b_s"), u.b_s) < 1e-11
