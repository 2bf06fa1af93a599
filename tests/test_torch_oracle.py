"""PyTorch as the trusted oracle: torch.nn.RNN + nn.Linear in float64, variable lengths through packed
sequences, must give the same states, output and gradients as rnnviz (relative error < 1e-9).

The weight mapping (torch computes h^t = tanh(x^t W_ih^T + b_ih + h^{t-1} W_hh^T + b_hh)):

    W_s = [W_hh^T ; W_ih^T]   (state rows first, then input rows)     b_s = b_ih + b_hh, with b_hh = 0
    W_o = Linear.weight^T      b_o = Linear.bias      s0 = h0 (one copy per sequence; its gradient summed)
"""
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import rnnviz as rv
from rnnviz import losses
from rnnviz.gradcheck import relative_error

torch = pytest.importorskip("torch")
F = torch.nn.functional
pack_padded_sequence = torch.nn.utils.rnn.pack_padded_sequence
pad_packed_sequence = torch.nn.utils.rnn.pad_packed_sequence

TORCH_F_O = {"identity": lambda a: a, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
             "softmax": lambda a: torch.softmax(a, dim=-1)}


def torch_run(p, x, lengths, loss_of_output):
    """Forward + backward in torch. Returns (states (B,T,H) at real steps, zeros at pads; output; grads)."""
    B, T, I = x.shape
    H, O = p.state_size, p.output_size
    t = lambda a: torch.tensor(np.array(a), dtype=torch.float64)            # noqa: E731
    rnn = torch.nn.RNN(I, H, nonlinearity=p.f_s, batch_first=True, dtype=torch.float64)
    lin = torch.nn.Linear(H, O, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_hh_l0.copy_(t(p.W_ss.T))                                 # W_s[:H] = W_hh^T
        rnn.weight_ih_l0.copy_(t(p.W_is.T))                                 # W_s[H:] = W_ih^T
        rnn.bias_ih_l0.copy_(t(p.b_s))                                      # b_s = b_ih + b_hh
        rnn.bias_hh_l0.zero_()
        lin.weight.copy_(t(p.W_o.T))                                        # W_o = weight^T
        lin.bias.copy_(t(p.b_o))
    h0 = t(np.tile(p.s0, (1, B, 1))).requires_grad_(True)                   # s0 for every sequence
    packed = pack_padded_sequence(t(x), torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    out, h_n = rnn(packed, h0)
    o = TORCH_F_O[p.f_o](lin(h_n[0]))
    loss_of_output(o).backward()
    states, _ = pad_packed_sequence(out, batch_first=True, total_length=T)
    grads = {"W_s": torch.cat([rnn.weight_hh_l0.grad.T, rnn.weight_ih_l0.grad.T]).numpy(),
             "b_s": rnn.bias_ih_l0.grad.numpy(), "W_o": lin.weight.grad.T.numpy(), "b_o": lin.bias.grad.numpy(),
             "s0": h0.grad[0].sum(dim=0).numpy()}
    assert relative_error(rnn.bias_hh_l0.grad, rnn.bias_ih_l0.grad) < 1e-12  # the two biases act as one b_s
    return states.detach().numpy(), h_n[0].detach().numpy(), o.detach().numpy(), grads


def compare(p, x, lengths, tol=1e-9):
    """rnnviz against torch for L = sum(o * G), G random: then dL/do = G exactly."""
    G = np.random.default_rng(len(lengths)).standard_normal((x.shape[0], p.output_size))
    states_t, h_n, o_t, grads_t = torch_run(p, x, lengths, lambda o: (o * torch.tensor(G)).sum())
    tr = rv.forward(p, x, lengths)
    g = rv.backward(p, tr, G)
    assert relative_error(tr.states[:, 1:][tr.mask], states_t[tr.mask]) < tol   # s^t at every real step
    assert relative_error(tr.states[:, -1], h_n) < tol                          # s^T = the state at the length
    assert relative_error(tr.output, o_t) < tol
    for name in rv.PARAM_NAMES:
        err = relative_error(getattr(g, name), grads_t[name])
        assert err < tol, f"dL/d{name}: relative error {err:.1e} against torch"
        assert np.abs(grads_t[name]).max() > 0


@pytest.mark.parametrize("f_s", ["tanh", "relu"])
@pytest.mark.parametrize("f_o", rv.OUTPUT_ACTIVATIONS)
def test_matches_torch_rnn_with_packed_variable_lengths(f_s, f_o, case):
    p, x, lengths = case(B=4, T=6, I=3, H=5, O=3, f_s=f_s, f_o=f_o, seed=12, lengths=[6, 2, 5, 1])
    compare(p, x, lengths)


@pytest.mark.parametrize("B,T,I,H,O,lengths", [(1, 1, 1, 1, 1, [1]), (1, 9, 2, 4, 2, [9]),
                                               (3, 4, 2, 3, 1, [4, 4, 4]), (6, 8, 3, 7, 4, [1, 8, 3, 3, 7, 2])])
def test_matches_torch_at_other_sizes(B, T, I, H, O, lengths, case):
    for f_s in ("tanh", "relu"):
        p, x, lengths_ = case(B=B, T=T, I=I, H=H, O=O, f_s=f_s, f_o="sigmoid", seed=B + T, lengths=lengths)
        compare(p, x, lengths_)


def test_cross_entropy_through_softmax_matches_torch_cross_entropy_on_logits(case):
    """rnnviz: f_o = softmax, losses.cross_entropy; torch: F.cross_entropy on the linear layer's logits."""
    p, x, lengths = case(B=5, T=5, I=2, H=4, O=3, f_s="tanh", f_o="softmax", seed=13, lengths=[5, 3, 1, 4, 5])
    labels = np.array([2, 0, 1, 1, 0])
    logits_p = p.replace(f_o="identity")                                    # torch gets the logits
    _, _, _, grads_t = torch_run(logits_p, x, lengths, lambda a: F.cross_entropy(a, torch.tensor(labels)))
    tr = rv.forward(p, x, lengths)
    _, d_o = losses.cross_entropy(tr.output, labels)
    g = rv.backward(p, tr, d_o)
    for name in rv.PARAM_NAMES:
        assert relative_error(getattr(g, name), grads_t[name]) < 1e-9, name


def test_mse_matches_torch_mse_loss(case):
    p, x, lengths = case(B=3, T=4, I=2, H=3, O=2, f_s="relu", f_o="tanh", seed=14, lengths=[4, 2, 3])
    target = np.random.default_rng(14).standard_normal((3, 2))
    _, _, _, grads_t = torch_run(p, x, lengths, lambda o: F.mse_loss(o, torch.tensor(target)))
    tr = rv.forward(p, x, lengths)
    g = rv.backward(p, tr, losses.mse(tr.output, target)[1])
    for name in rv.PARAM_NAMES:
        assert relative_error(getattr(g, name), grads_t[name]) < 1e-9, name


@st.composite
def specs(draw):
    B, T = draw(st.integers(1, 4)), draw(st.integers(1, 7))       # torch packs lengths >= 1 only
    return dict(B=B, T=T, I=draw(st.integers(1, 3)), H=draw(st.integers(1, 4)), O=draw(st.integers(1, 3)),
                f_s=draw(st.sampled_from(["tanh", "relu"])), f_o=draw(st.sampled_from(rv.OUTPUT_ACTIVATIONS)),
                lengths=draw(st.lists(st.integers(1, T), min_size=B, max_size=B)),
                seed=draw(st.integers(0, 2**16)))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs())
def test_hypothesis_matches_torch(spec, case):
    p, x, lengths = case(**spec)
    G = np.random.default_rng(spec["seed"]).standard_normal((spec["B"], spec["O"]))
    states_t, _, o_t, grads_t = torch_run(p, x, lengths, lambda o: (o * torch.tensor(G)).sum())
    tr = rv.forward(p, x, lengths)
    g = rv.backward(p, tr, G)
    assert relative_error(tr.states[:, 1:][tr.mask], states_t[tr.mask]) < 1e-9
    assert relative_error(tr.output, o_t) < 1e-9
    for name in rv.PARAM_NAMES:
        assert relative_error(getattr(g, name), grads_t[name]) < 1e-9, name
