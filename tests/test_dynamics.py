"""rnnviz.dynamics: step Jacobians and their products against finite differences through the real forward,
the chain rule against core.backward, spectral-radius scaling, saturation and gradient norms."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnviz as rv
from rnnviz import activations
from rnnviz import dynamics as dyn

STATE_FS = ["tanh", "relu", "sigmoid", "identity"]
EPS = 1e-6


def one_step(p, s_prev, i_t):
    """s^t = f_s(s^{t-1} W_ss + i^t W_is + b_s), the forward equation written out for one sequence."""
    return activations.get(p.f_s).forward(s_prev @ p.W_ss + i_t @ p.W_is + p.b_s)


def final_state_from(p, x, length, t, s_t):
    """s^T when the state at step t is replaced by s_t: forward over the remaining inputs from s0 = s_t."""
    suffix = x[None, t:]                                               # steps t+1..T
    tr = rv.forward(p.replace(s0=s_t), suffix, [max(length - t, 0)])
    return tr.states[0, -1]


def rel_err(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), 1e-300)


@pytest.mark.parametrize("f_s", STATE_FS)
def test_step_jacobians_match_finite_differences_of_one_step(f_s, smooth_case):
    p, x, lengths = smooth_case(B=3, T=5, I=2, H=3, f_s=f_s, lengths=[5, 3, 0])
    tr = rv.forward(p, x, lengths)
    for b in range(3):
        J = dyn.step_jacobians(p, tr, b)
        assert J.shape == (5, 3, 3)
        for t in range(1, lengths[b] + 1):                             # real steps only
            s_prev = tr.states[b, t - 1]
            fd = np.empty((3, 3))
            for j in range(3):
                e = np.zeros(3)
                e[j] = EPS
                fd[:, j] = (one_step(p, s_prev + e, x[b, t - 1]) - one_step(p, s_prev - e, x[b, t - 1])) / (2 * EPS)
            assert rel_err(fd, J[t - 1]) < 1e-6, (f_s, b, t)
            # and the single step written out reproduces the trace, so the test uses the real forward
            np.testing.assert_allclose(one_step(p, s_prev, x[b, t - 1]), tr.states[b, t], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("f_s", STATE_FS)
def test_jacobian_products_match_finite_differences_through_forward(f_s, smooth_case):
    p, x, lengths = smooth_case(B=2, T=6, I=2, H=3, f_s=f_s, lengths=[6, 4])
    tr = rv.forward(p, x, lengths)
    for b in range(2):
        P = dyn.jacobian_products(p, tr, b)
        assert P.shape == (7, 3, 3)
        for t in range(0, 7):
            s_t = tr.states[b, t]
            np.testing.assert_array_equal(final_state_from(p, x[b], lengths[b], t, s_t), tr.states[b, -1])
            fd = np.empty((3, 3))
            for j in range(3):
                e = np.zeros(3)
                e[j] = EPS
                fd[:, j] = (final_state_from(p, x[b], lengths[b], t, s_t + e)
                            - final_state_from(p, x[b], lengths[b], t, s_t - e)) / (2 * EPS)
            np.testing.assert_allclose(fd, P[t], rtol=1e-6, atol=1e-9, err_msg=f"{f_s} b={b} t={t}")


@pytest.mark.parametrize("f_s", STATE_FS)
@pytest.mark.parametrize("f_o", ["identity", "softmax"])
def test_chain_rule_matches_backward_for_one_sequence(f_s, f_o, case):
    """g.d_states[0, t] == g.d_states[0, T] @ P^t for B = 1 (row vectors), to 1e-12 relative."""
    for T, length in ((7, 7), (7, 4), (1, 1), (3, 0)):
        p, x, lengths = case(B=1, T=T, I=2, H=4, O=3, f_s=f_s, f_o=f_o, seed=T + length, lengths=[length])
        tr = rv.forward(p, x, lengths)
        g = rv.backward(p, tr, np.random.default_rng(1).standard_normal((1, 3)))
        P = dyn.jacobian_products(p, tr, 0)
        dT = g.d_states[0, T]
        for t in range(T + 1):
            assert rel_err(g.d_states[0, t], dT @ P[t]) < 1e-12, (f_s, f_o, T, length, t)


@settings(max_examples=25, deadline=None)
@given(B=st.integers(1, 3), T=st.integers(0, 6), H=st.integers(1, 4), f_s=st.sampled_from(STATE_FS),
       seed=st.integers(0, 10_000), data=st.data())
def test_chain_rule_and_pad_identities_for_any_batch(B, T, H, f_s, seed, data):
    lengths = data.draw(st.lists(st.integers(0, T), min_size=B, max_size=B))
    rng = np.random.default_rng(seed)
    p = rv.init_params(2, H, 2, f_s=f_s, seed=seed).replace(s0=rng.standard_normal(H), b_s=rng.standard_normal(H))
    x = rng.standard_normal((B, T, 2))
    tr = rv.forward(p, x, lengths)
    g = rv.backward(p, tr, rng.standard_normal((B, 2)))
    eye = np.eye(H)
    for b, L in enumerate(lengths):
        J = dyn.step_jacobians(p, tr, b)
        P = dyn.jacobian_products(p, tr, b)
        assert J.shape == (T, H, H) and P.shape == (T + 1, H, H)
        for t in range(L + 1, T + 1):
            np.testing.assert_array_equal(J[t - 1], eye)               # J^t = I at a pad
        for t in range(L, T + 1):
            np.testing.assert_array_equal(P[t], eye)                   # only pads follow: P^t = I exactly
        for t in range(T + 1):
            assert rel_err(g.d_states[b, t], g.d_states[b, T] @ P[t]) < 1e-12


def test_step_jacobian_is_diag_slope_times_W_ss_transposed(case):
    p, x, lengths = case(B=1, T=4, H=3, f_s="tanh", lengths=[4])
    tr = rv.forward(p, x, lengths)
    J = dyn.step_jacobians(p, tr)
    for t in range(1, 5):
        slope = 1.0 - tr.states[0, t] ** 2                             # tanh'(z^t) = 1 - (s^t)^2
        np.testing.assert_array_equal(J[t - 1], np.diag(slope) @ p.W_ss.T)


def test_identity_rnn_products_are_powers_of_W_ss_transposed(case):
    p, x, lengths = case(B=1, T=5, H=3, f_s="identity", lengths=[5])
    tr = rv.forward(p, x, lengths)
    P = dyn.jacobian_products(p, tr)
    for t in range(6):
        np.testing.assert_allclose(P[t], np.linalg.matrix_power(p.W_ss.T, 5 - t), rtol=1e-12, atol=1e-14)


def test_product_norms_and_singular_values(case):
    p, x, lengths = case(B=2, T=6, H=4, f_s="tanh", lengths=[6, 2])
    tr = rv.forward(p, x, lengths)
    P = dyn.jacobian_products(p, tr, 0)
    norms = dyn.product_norms(P)
    sv = dyn.product_singular_values(P)
    assert norms.shape == (7,) and sv.shape == (7, 4)
    np.testing.assert_allclose(norms, sv[:, 0], rtol=1e-12)
    assert (np.diff(sv, axis=1) <= 0).all()                            # largest first
    np.testing.assert_allclose(sv[-1], np.ones(4), rtol=1e-15)         # P^T = I
    for t in range(7):
        np.testing.assert_allclose(sv[t], np.linalg.svd(P[t], compute_uv=False), rtol=1e-12)
    with pytest.raises(ValueError, match="stack of square matrices"):
        dyn.product_norms(np.zeros((3, 2, 3)))
    with pytest.raises(ValueError, match="stack of square matrices"):
        dyn.product_singular_values(np.eye(3))


@pytest.mark.parametrize("f_s", STATE_FS)
@pytest.mark.parametrize("rho", [0.5, 1.0, 1.7, 3.0])
def test_scale_to_spectral_radius_is_exact_and_touches_only_W_ss(f_s, rho):
    p = rv.init_params(3, 5, 2, f_s=f_s, seed=7).replace(s0=np.arange(5.0), b_s=np.ones(5))
    q = dyn.scale_to_spectral_radius(p, rho)
    assert abs(dyn.spectral_radius(q) - rho) <= 1e-12 * rho
    np.testing.assert_array_equal(q.W_is, p.W_is)                      # input rows unchanged
    for name in ("b_s", "W_o", "b_o", "s0"):
        np.testing.assert_array_equal(getattr(q, name), getattr(p, name))
    assert (q.f_s, q.f_o) == (p.f_s, p.f_o)
    np.testing.assert_allclose(q.W_ss, p.W_ss * rho / dyn.spectral_radius(p), rtol=1e-15)


def test_spectral_radius_of_a_known_matrix():
    W_s = np.array([[0.0, 2.0], [-2.0, 0.0], [1.0, 1.0]])              # W_ss: eigenvalues +-2i
    p = rv.Params(W_s=W_s, b_s=np.zeros(2), W_o=np.ones((2, 1)), b_o=np.zeros(1), s0=np.zeros(2))
    assert dyn.spectral_radius(p) == pytest.approx(2.0, rel=1e-15)
    assert dyn.spectral_radius(dyn.scale_to_spectral_radius(p, 0.9)) == pytest.approx(0.9, rel=1e-15)


def test_scale_to_spectral_radius_errors():
    p = rv.init_params(2, 3, 1, seed=0)
    zero = p.replace(W_s=np.concatenate([np.zeros((3, 3)), p.W_is]))
    with pytest.raises(ValueError, match="all zeros"):
        dyn.scale_to_spectral_radius(zero, 1.0)
    nilpotent = p.replace(W_s=np.concatenate([np.triu(np.ones((3, 3)), k=1), p.W_is]))
    with pytest.raises(ValueError, match="spectral radius 0"):
        dyn.scale_to_spectral_radius(nilpotent, 1.0)
    for bad in (-1.0, np.inf, np.nan, "big"):
        with pytest.raises(ValueError, match="rho must be"):
            dyn.scale_to_spectral_radius(p, bad)
    q = dyn.scale_to_spectral_radius(p, 0.0)
    assert not q.W_ss.any()


def test_bad_sequence_index_and_foreign_trace(case):
    p, x, lengths = case(B=2, T=3)
    tr = rv.forward(p, x, lengths)
    for bad in (2, -1, 0.5, True):
        with pytest.raises(ValueError, match="b must be the index"):
            dyn.step_jacobians(p, tr, bad)
    other = p.replace(b_s=p.b_s + 1.0)
    with pytest.raises(ValueError, match="other parameters"):
        dyn.jacobian_products(other, tr)


def hand_trace(f_s, W_is, inputs, lengths):
    """H = 2, I = 1, W_ss = 0: each state is f_s(i^t W_is), easy to read off."""
    W_s = np.concatenate([np.zeros((2, 2)), np.asarray(W_is, dtype=float)[None]])
    p = rv.Params(W_s=W_s, b_s=np.zeros(2), W_o=np.ones((2, 1)), b_o=np.zeros(1), s0=np.zeros(2), f_s=f_s)
    return rv.forward(p, np.asarray(inputs, dtype=float)[:, :, None], lengths)


def test_saturation_counts_real_units_only():
    # step 1: both sequences real; step 2: only sequence 0; step 3: all pads
    tr = hand_trace("tanh", [10.0, 0.1], [[1.0, 1.0, 1.0], [1.0, 5.0, 5.0]], [2, 1])
    np.testing.assert_array_equal(dyn.saturation(tr), [0.5, 0.5, 0.0])  # unit 0 saturates, unit 1 does not
    np.testing.assert_array_equal(dyn.saturation(tr, threshold=0.05), [1.0, 1.0, 0.0])
    assert not np.isnan(dyn.saturation(tr)).any()


def test_saturation_per_activation():
    sig = hand_trace("sigmoid", [10.0, -10.0], [[1.0, 0.0]], None)     # s = (0.99995, 0.00005), then (0.5, 0.5)
    np.testing.assert_array_equal(dyn.saturation(sig), [1.0, 0.0])
    relu = hand_trace("relu", [1.0, -1.0], [[1.0, 0.0]], None)         # step 1: unit 1 dead; step 2: z = 0, both
    np.testing.assert_array_equal(dyn.saturation(relu), [0.5, 1.0])
    ident = hand_trace("identity", [100.0, -100.0], [[1.0, 1.0]], None)
    np.testing.assert_array_equal(dyn.saturation(ident), [0.0, 0.0])
    empty = hand_trace("tanh", [1.0, 1.0], [[1.0, 1.0]], [0])          # nothing real at all
    np.testing.assert_array_equal(dyn.saturation(empty), [0.0, 0.0])


def test_saturation_grows_with_weight_scale():
    x = np.random.default_rng(0).standard_normal((4, 8, 2))
    small = rv.forward(rv.init_params(2, 6, 1, seed=1, scale=0.1), x)
    large = rv.forward(rv.init_params(2, 6, 1, seed=1, scale=30.0), x)
    assert dyn.saturation(small).max() == 0.0
    assert dyn.saturation(large).mean() > 0.5


def test_saturation_errors():
    tr = hand_trace("sigmoid", [1.0, 1.0], [[1.0]], None)
    for bad in (0.0, 1.0, -0.5, "x"):
        with pytest.raises(ValueError, match="threshold must"):
            dyn.saturation(tr, bad)
    with pytest.raises(ValueError, match="between 0.5 and 1"):
        dyn.saturation(tr, 0.3)


def test_gradient_norms_over_time(case):
    p, x, lengths = case(B=3, T=5, H=3, O=2)
    tr = rv.forward(p, x, lengths)
    g = rv.backward(p, tr, np.ones((3, 2)))
    norms = dyn.gradient_norms_over_time(g)
    assert norms.shape == (6,)
    per = dyn.gradient_norms_over_time(g, per_sequence=True)
    assert per.shape == (3, 6)
    for t in range(6):
        assert norms[t] == pytest.approx(np.linalg.norm(g.d_states[:, t]), rel=1e-14)   # Frobenius over (B, H)
        for b in range(3):
            assert per[b, t] == pytest.approx(np.linalg.norm(g.d_states[b, t]), rel=1e-14)
    np.testing.assert_allclose(norms ** 2, (per ** 2).sum(axis=0), rtol=1e-13)
    # a sequence of length L passes its gradient unchanged through its pads: equal norms for t >= L
    b = 2
    L = lengths[b]
    assert np.all(per[b, L:] == per[b, -1])


def test_vanishing_and_exploding_with_spectral_radius():
    """The lesson in one test: a linear RNN's products shrink for rho < 1 and grow for rho > 1."""
    p = rv.init_params(1, 4, 1, f_s="identity", seed=3)
    x = np.zeros((1, 30, 1))
    for rho, grows in ((0.5, False), (1.5, True)):
        q = dyn.scale_to_spectral_radius(p, rho)
        norms = dyn.product_norms(dyn.jacobian_products(q, rv.forward(q, x)))
        if grows:
            assert norms[0] > 1e3
        else:
            assert norms[0] < 1e-6


@pytest.mark.parametrize("f_s", ["tanh", "relu", "identity"])
def test_input_influence_is_the_output_jacobian_by_finite_differences(f_s):
    from rnnviz import influence
    p = rv.init_params(3, 4, 2, f_s=f_s, seed=5).replace(b_s=[0.1, -0.2, 0.05, 0.3])
    x = np.random.default_rng(6).normal(size=(2, 6, 3))
    lengths = np.array([6, 4])
    tr = rv.forward(p, x, lengths)
    for b in (0, 1):
        J = influence.input_jacobians(p, tr, b)                       # (T, O, I)
        assert J.shape == (6, 2, 3)
        eps = 1e-6
        for t in range(6):
            for j in range(3):
                plus, minus = x.copy(), x.copy()
                plus[b, t, j] += eps
                minus[b, t, j] -= eps
                slope = (rv.forward(p, plus, lengths).output[b] - rv.forward(p, minus, lengths).output[b]) / (2 * eps)
                np.testing.assert_allclose(J[t, :, j], slope, rtol=1e-6, atol=1e-9)
        assert (J[lengths[b]:] == 0).all()                            # a pad is never read
        np.testing.assert_allclose(influence.influence_norms(p, tr, b), np.linalg.norm(J, axis=(1, 2)))
