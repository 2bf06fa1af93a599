"""The core RNN: shapes, pads and batching bit for bit, per-step contributions, and wrong input.

Every expected number here comes from another run of the network (with pads removed, alone, reordered)
or from the network's own definition applied to its own trace, never from a hand-typed table.
"""
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import rnnviz as rv
from strategies import network_specs
from rnnviz.gradcheck import relative_error

FIELDS = ("W_s", "b_s", "W_o", "b_o", "s0")


def run(p, x, lengths, d_output):
    tr = rv.forward(p, x, lengths)
    return tr, rv.backward(p, tr, d_output)


def with_pads(x, extra, seed=99):
    """x with ``extra`` more steps of random (not zero) pad vectors."""
    garbage = np.random.default_rng(seed).standard_normal((x.shape[0], extra, x.shape[2])) * 10
    return np.concatenate([x, garbage], axis=1)


# ---- forward ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("f_s", rv.STATE_ACTIVATIONS)
@pytest.mark.parametrize("f_o", rv.OUTPUT_ACTIVATIONS)
def test_forward_follows_the_equations(f_s, f_o, case):
    """states and output against the seed's equations evaluated step by step with plain numpy."""
    p, x, lengths = case(B=3, T=4, I=2, H=3, O=2, f_s=f_s, f_o=f_o, seed=1)
    tr = rv.forward(p, x, lengths)
    assert tr.states.shape == (3, 5, 3) and tr.output.shape == (3, 2)
    f = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
         "identity": lambda z: z, "softmax": lambda z: np.exp(z) / np.exp(z).sum()}
    for b in range(3):
        s = p.s0
        assert np.array_equal(tr.states[b, 0], s)
        for t in range(1, 5):
            if t <= lengths[b]:
                s = f[f_s](np.concatenate([s, x[b, t - 1]]) @ p.W_s + p.b_s)   # s^t = f_s([s^{t-1} i^t] W_s + b_s)
            assert relative_error(tr.states[b, t], s) < 1e-13
        assert relative_error(tr.output[b], f[f_o](s @ p.W_o + p.b_o)) < 1e-13


def test_no_lengths_means_no_pads(case):
    p, x, _ = case(B=3, T=4)
    full = rv.forward(p, x, [4, 4, 4])
    tr = rv.forward(p, x)
    assert tr.mask.all()
    assert np.array_equal(tr.states, full.states) and np.array_equal(tr.output, full.output)


def test_length_zero_leaves_the_state_at_s0(case):
    p, x, _ = case(B=3, T=4, f_s="tanh")
    tr = rv.forward(p, x, [0, 4, 0])
    for b in (0, 2):
        assert (tr.states[b] == p.s0).all()
    assert not np.array_equal(tr.states[1, -1], p.s0)
    # and the output is f_o(s0 W_o + b_o), the same as a network that never saw an input (T = 0)
    empty = rv.forward(p, x[:, :0], [0, 0, 0])
    assert empty.states.shape == (3, 1, 3)
    assert np.array_equal(empty.output[0], tr.output[0])
    assert np.array_equal(empty.output[1], tr.output[2])


# ---- pads and batching, bit for bit -------------------------------------------------------------------

@pytest.mark.parametrize("f_s", rv.STATE_ACTIVATIONS)
def test_appending_pads_changes_nothing_bit_for_bit(f_s, case):
    p, x, lengths = case(B=4, T=5, f_s=f_s, f_o="sigmoid", seed=3)
    d_out = np.random.default_rng(3).standard_normal((4, 2))
    tr, g = run(p, x, lengths, d_out)
    for extra in (1, 4):
        tr2, g2 = run(p, with_pads(x, extra), lengths, d_out)
        assert np.array_equal(tr2.states[:, :6], tr.states)                  # states at real steps (and s^0)
        assert np.array_equal(tr2.output, tr.output)
        for name in FIELDS:
            assert np.array_equal(getattr(g2, name), getattr(g, name)), name
        for name in ("W_s", "b_s"):
            steps2 = g2.steps(name)
            assert np.array_equal(steps2[:5], g.steps(name)), name
            assert (steps2[5:] == 0).all(), name


@pytest.mark.parametrize("B,H,O", [(4, 1, 1), (5, 3, 1), (8, 1, 2)])
def test_appending_pads_to_a_batch_of_zero_steps_changes_no_gradient(B, H, O, case):
    """T = 0 -> T = 1, 2 (all pads): dL/dW_o must not move by a single bit.

    With T = 0 the final states s^T form a contiguous (B, H) block; with pads appended they are a strided
    view, and when H or O is 1 numpy's matrix-vector product sums the batch in a different order for the
    two layouts. Several seeds, because a given seed rounds the same way by chance about half the time.
    """
    for seed in range(6):
        p, x, lengths = case(B=B, T=0, I=2, H=H, O=O, seed=seed, lengths=np.zeros(B, dtype=int))
        d_out = np.random.default_rng(seed).standard_normal((B, O))
        _, g = run(p, x, lengths, d_out)
        for extra in (1, 2):
            _, g2 = run(p, with_pads(x, extra), lengths, d_out)
            for name in FIELDS:
                assert np.array_equal(getattr(g2, name), getattr(g, name)), f"seed {seed}, {extra} pads: {name}"


@pytest.mark.parametrize("f_s", rv.STATE_ACTIVATIONS)
def test_pad_steps_copy_the_state_and_contribute_exactly_zero(f_s, case):
    p, x, _ = case(B=4, T=6, f_s=f_s, f_o="tanh", seed=4)
    lengths = np.array([6, 3, 0, 5])
    d_out = np.random.default_rng(4).standard_normal((4, 2))
    tr, g = run(p, x, lengths, d_out)
    assert (tr.z[~tr.mask] == 0).all()                                       # nothing is computed at a pad
    W_steps, b_steps = g.steps("W_s"), g.steps("b_s")
    for b, n in enumerate(lengths):
        for t in range(n + 1, 7):                                            # seed's step t is a pad
            assert np.array_equal(tr.states[b, t], tr.states[b, t - 1])     # s^t = s^{t-1} exactly
            assert (g.deltas[b, t - 1] == 0).all()                           # delta^t = 0
            assert np.array_equal(g.d_states[b, t - 1], g.d_states[b, t])    # dL/ds^{t-1} = dL/ds^t
    # a step that is a pad for every sequence contributes exactly 0 ...
    assert (W_steps[lengths.max():] == 0).all() and (b_steps[lengths.max():] == 0).all()
    # ... and a step's contribution comes only from the sequences that are real there
    single = [run(p, x[b:b + 1], lengths[b:b + 1], d_out[b:b + 1])[1] for b in range(4)]
    assert relative_error(W_steps, sum(s.steps("W_s") for s in single)) < 1e-12
    for t in range(6):
        assert (single[1].steps("W_s")[t] == 0).all() == (t >= 3)


@pytest.mark.parametrize("f_s,f_o", [("tanh", "identity"), ("relu", "softmax"), ("sigmoid", "tanh"),
                                     ("identity", "relu")])
def test_a_sequence_alone_equals_the_same_sequence_in_a_padded_batch(f_s, f_o, case):
    p, x, lengths = case(B=5, T=7, I=3, H=4, O=3, f_s=f_s, f_o=f_o, seed=6)
    tr = rv.forward(p, x, lengths)
    for b in range(5):
        n = lengths[b]
        alone = rv.forward(p, x[b:b + 1, :n], None)                          # no pads at all
        assert np.array_equal(alone.states[0], tr.states[b, :n + 1])
        assert np.array_equal(alone.output[0], tr.output[b])
        assert (tr.states[b, n:] == tr.states[b, n]).all()


def test_pad_values_are_never_read(case):
    p, x, lengths = case(B=3, T=5, seed=7)
    d_out = np.ones((3, 2))
    tr, g = run(p, x, lengths, d_out)
    pads = np.arange(5)[None, :] >= lengths[:, None]
    x2 = x.copy()
    x2[pads] = 1e6
    tr2, g2 = run(p, x2, lengths, d_out)
    assert np.array_equal(tr2.states, tr.states) and np.array_equal(tr2.output, tr.output)
    for name in FIELDS:
        assert np.array_equal(getattr(g2, name), getattr(g, name)), name
    assert np.array_equal(g2.steps("W_s"), g.steps("W_s"))


def test_reordering_the_batch_reorders_states_bit_for_bit(case):
    p, x, lengths = case(B=4, T=6, seed=8)
    order = np.array([2, 0, 3, 1])
    tr = rv.forward(p, x, lengths)
    tr2 = rv.forward(p, x[order], lengths[order])
    assert np.array_equal(tr2.states, tr.states[order])
    assert np.array_equal(tr2.output, tr.output[order])


# ---- backward: per-step contributions -----------------------------------------------------------------

@pytest.mark.parametrize("f_s", rv.STATE_ACTIVATIONS)
def test_steps_sum_to_the_totals_and_factor_as_documented(f_s, case):
    p, x, lengths = case(B=3, T=5, I=2, H=3, O=2, f_s=f_s, seed=9)
    tr, g = run(p, x, lengths, np.random.default_rng(9).standard_normal((3, 2)))
    assert g.steps("W_s").shape == (5, 5, 3) and g.steps("b_s").shape == (5, 3)
    assert relative_error(g.steps("W_s").sum(axis=0), g.W_s) < 1e-13
    assert relative_error(g.steps("b_s").sum(axis=0), g.b_s) < 1e-13
    for t in range(5):
        xs = np.concatenate([tr.states[:, t], x[:, t]], axis=1) * tr.mask[:, t, None]
        assert relative_error(g.steps("W_s")[t], xs.T @ g.deltas[:, t]) < 1e-13   # [s^{t-1} i^t]^T delta^t
    for name in FIELDS:
        assert getattr(g, name).shape == getattr(p, name).shape
    with pytest.raises(ValueError, match="W_s and b_s"):
        g.steps("W_o")


def test_backward_is_linear_in_d_output(case):
    p, x, lengths = case(B=3, T=4, f_s="tanh", f_o="sigmoid", seed=10)
    tr = rv.forward(p, x, lengths)
    rng = np.random.default_rng(10)
    d1, d2 = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    g1, g2, g12 = rv.backward(p, tr, d1), rv.backward(p, tr, d2), rv.backward(p, tr, 2 * d1 - d2)
    for name in FIELDS:
        assert relative_error(getattr(g12, name), 2 * getattr(g1, name) - getattr(g2, name)) < 1e-12
    zero = rv.backward(p, tr, np.zeros((3, 2)))
    for name in FIELDS:
        assert (getattr(zero, name) == 0).all()


# ---- hypothesis over shapes, lengths and activations ------------------------------------------------

@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=network_specs(), extra=st.integers(1, 3))
def test_hypothesis_shapes_pads_and_step_sums(spec, extra, case):
    p, x, lengths = case(**spec)
    B, T, I, H, O = (spec[k] for k in "BTIHO")
    d_out = np.random.default_rng(spec["seed"]).standard_normal((B, O))
    tr, g = run(p, x, lengths, d_out)
    # shapes
    assert tr.states.shape == (B, T + 1, H) and tr.output.shape == (B, O)
    assert g.steps("W_s").shape == (T, H + I, H) and g.steps("b_s").shape == (T, H)
    assert g.step_norms("W_s").shape == (T,) and g.step_element("W_s", H + I - 1, H - 1).shape == (T,)
    for name in FIELDS:
        assert getattr(g, name).shape == getattr(p, name).shape
    assert np.isfinite(tr.states).all() and np.isfinite(tr.output).all()
    # states at pads copy the previous state; steps sum to totals; pad contributions are exactly 0
    for b in range(B):
        assert (tr.states[b, lengths[b]:] == tr.states[b, lengths[b]]).all()
        assert (g.deltas[b, lengths[b]:] == 0).all()
    assert (tr.states[:, 0] == p.s0).all()
    assert relative_error(g.steps("W_s").sum(axis=0), g.W_s) < 1e-12
    assert relative_error(g.steps("b_s").sum(axis=0), g.b_s) < 1e-12
    dead = int(lengths.max(initial=0))
    assert (g.steps("W_s")[dead:] == 0).all() and (g.steps("b_s")[dead:] == 0).all()
    # appending pads changes nothing, bit for bit
    tr2, g2 = run(p, with_pads(x, extra, seed=spec["seed"]), lengths, d_out)
    assert np.array_equal(tr2.states[:, :T + 1], tr.states) and np.array_equal(tr2.output, tr.output)
    assert (tr2.states[:, T + 1:] == tr.states[:, T:T + 1]).all()
    for name in FIELDS:
        assert np.array_equal(getattr(g2, name), getattr(g, name)), name
    # one sequence alone equals the same sequence inside the batch
    b = spec["seed"] % B
    alone = rv.forward(p, x[b:b + 1, :lengths[b]])
    assert np.array_equal(alone.states[0], tr.states[b, :lengths[b] + 1])
    assert np.array_equal(alone.output[0], tr.output[b])


# ---- wrong input: ValueError saying what to fix -------------------------------------------------------

@pytest.fixture
def net(case):
    return case(B=2, T=3, I=2, H=3, O=2)


@pytest.mark.parametrize("shape, match", [((2, 3), r"shape \(B, T, I\).*inputs\[None\]"),
                                          ((3,), r"shape \(B, T, I\)"),
                                          ((1, 2, 3, 2), r"shape \(B, T, I\)"),
                                          ((2, 3, 1), "I = 2"), ((2, 3, 4), "I = 2"),
                                          ((0, 3, 2), "at least one sequence")])
def test_wrong_input_shapes(net, shape, match):
    p, _, _ = net
    with pytest.raises(ValueError, match=match):
        rv.forward(p, np.zeros(shape))


@pytest.mark.parametrize("lengths, match", [([4, 1], r"between 0 and T = 3"), ([-1, 2], "between 0 and T"),
                                            ([3], r"one entry per sequence, shape \(2,\)"),
                                            ([3, 3, 3], "one entry per sequence"),
                                            ([[3, 3]], "one entry per sequence"),
                                            ([1.5, 2], "whole numbers"), ([np.nan, 2], "whole numbers")])
def test_bad_lengths(net, lengths, match):
    p, x, _ = net
    with pytest.raises(ValueError, match=match):
        rv.forward(p, x, lengths)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_in_inputs_names_where(net, bad):
    p, x, _ = net
    x = x.copy()
    x[1, 2, 0] = bad
    with pytest.raises(ValueError, match=r"NaN or inf \(sequence 1, step 3, component 0\)"):
        rv.forward(p, x)


@pytest.mark.parametrize("name", FIELDS)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_in_parameters(net, name, bad):
    p, _, _ = net
    w = getattr(p, name).copy()
    w.flat[-1] = bad
    with pytest.raises(ValueError, match=f"{name} holds NaN or inf"):
        p.replace(**{name: w})


@pytest.mark.parametrize("field, value, match", [("f_s", "softmax", "'softmax'.*tanh, relu, sigmoid, identity"),
                                                 ("f_s", "gelu", "unknown activation 'gelu'"),
                                                 ("f_o", "Tanh", "unknown activation 'Tanh'")])
def test_unknown_or_misplaced_activation(net, field, value, match):
    p, _, _ = net
    with pytest.raises(ValueError, match=match):
        p.replace(**{field: value})
    with pytest.raises(ValueError, match=match):
        rv.init_params(2, 3, 2, **{field: value})


@pytest.mark.parametrize("shape", [(2,), (2, 3), (1, 2), (2, 2, 1)])
def test_wrong_d_output_shape(net, shape):
    p, x, lengths = net
    tr = rv.forward(p, x, lengths)
    with pytest.raises(ValueError, match=r"d_output must have the output's shape \(2, 2\)"):
        rv.backward(p, tr, np.zeros(shape))


def test_backward_refuses_a_trace_of_other_parameters(net):
    p, x, lengths = net
    tr = rv.forward(p, x, lengths)
    with pytest.raises(ValueError, match="other parameters"):
        rv.backward(p.replace(b_o=p.b_o + 1), tr, np.zeros((2, 2)))


def test_wrong_parameter_shapes(net):
    p, _, _ = net
    with pytest.raises(ValueError, match="b_s must have shape"):
        p.replace(b_s=np.zeros(4))
    with pytest.raises(ValueError, match="W_o must be"):
        p.replace(W_o=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="s0 must have shape"):
        p.replace(s0=np.zeros(2))
