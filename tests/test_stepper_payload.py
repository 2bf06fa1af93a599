"""The stepper's payload is the core's numbers, bit for bit: what the browser decodes is what rv.forward and
rv.backward computed, pads and overflow included, in a bounded size."""
import json

import numpy as np
import pytest

import rnnviz as rv
from rnnviz import stepper_payload as sp


def same_bits(a, b) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and a.tobytes() == b.tobytes()


def model(I=2, H=3, T=6, pads=2, f_s="tanh", scale=1.0, B=1, seed=0):
    p = rv.init_params(input_size=I, state_size=H, output_size=1, f_s=f_s, seed=seed)
    if scale != 1.0:
        p = p.replace(W_s=p.W_s * scale)
    x = np.zeros((B, T + pads, I))
    x[:, :T] = np.random.default_rng(seed).uniform(-1.0, 1.0, (B, T, I))
    lengths = np.full(B, T)
    if B > 1:
        lengths[1:] = max(T - 2, 0)
    tr = rv.forward(p, x, lengths)
    g = rv.backward(p, tr, np.ones_like(tr.output))
    return p, tr, g


def roundtrip(payload: dict) -> dict:
    """What the browser receives: the payload's wire form through strict JSON (no NaN tokens)."""
    return json.loads(json.dumps(sp.wire(payload), allow_nan=False))


def test_encode_decode_is_exact_for_awkward_numbers():
    a = np.array([0.1, -0.0, 5e-324, 1.7976931348623157e308, np.inf, -np.inf, np.nan, 1 / 3])
    b = sp.decode(roundtrip(sp.encode(a)))
    assert same_bits(a, b)
    assert sp.encode(np.zeros((0, 3)))["shape"] == [0, 3]


def test_the_payload_holds_float64_arrays_and_the_wire_encodes_only_them():
    p, tr, g = model()
    pl = sp.forward_payload(p, tr, labels=list("abcdef"))
    assert same_bits(pl["states"], tr.states[0]) and pl["states"].dtype == np.float64
    w = sp.wire(pl)
    assert same_bits(sp.decode(w["states"]), tr.states[0])
    assert {k: v for k, v in w.items() if not isinstance(pl[k], np.ndarray)} == \
        {k: v for k, v in pl.items() if not isinstance(v, np.ndarray)}         # the rest travels as it is


def test_forward_payload_is_the_trace_bit_for_bit():
    p, tr, g = model()
    pl = roundtrip(sp.forward_payload(p, tr, labels=list("abcdef")))
    assert (pl["kind"], pl["T"], pl["H"], pl["I"], pl["O"], pl["length"]) == ("forward", 8, 3, 2, 1, 6)
    assert same_bits(sp.decode(pl["states"]), tr.states[0])
    assert same_bits(sp.decode(pl["z"]), tr.z[0])
    assert same_bits(sp.decode(pl["inputs"]), tr.inputs[0])
    assert same_bits(sp.decode(pl["output"]), tr.output[0])
    assert same_bits(sp.decode(pl["output_pre"]), tr.output_pre[0])
    assert same_bits(sp.decode(pl["W_s"]), p.W_s) and same_bits(sp.decode(pl["b_s"]), p.b_s)
    assert pl["pads"] == [False] * 6 + [True] * 2
    assert pl["labels"] == list("abcdef") + ["", ""]
    # [s^{t-1} i^t], which the browser puts together from states and inputs, is the core's xs exactly
    states, inputs = sp.decode(pl["states"]), sp.decode(pl["inputs"])
    assert same_bits(np.concatenate([states[:-1], inputs], axis=1), tr.xs[0])
    assert pl["scale"] == np.abs(tr.states[0]).max()


def test_pads_copy_the_state_in_the_payload():
    p, tr, g = model(T=4, pads=3)
    states = sp.decode(roundtrip(sp.forward_payload(p, tr))["states"])
    for t in (5, 6, 7):
        assert same_bits(states[t], states[4])


def test_backward_payload_is_backward_bit_for_bit():
    p, tr, g = model()
    pl = roundtrip(sp.backward_payload(p, tr, g))
    assert pl["kind"] == "backward"
    assert same_bits(sp.decode(pl["d_states"]), g.d_states[0])
    assert same_bits(sp.decode(pl["deltas"]), g.deltas[0])
    assert same_bits(sp.decode(pl["contrib_norms"]), g.step_norms("W_s"))
    assert same_bits(sp.decode(pl["contrib"]), g.steps("W_s"))
    assert same_bits(sp.decode(pl["W_ss"]), p.W_ss)
    fprime = sp.decode(pl["fprime"])
    real = tr.mask[0]
    assert same_bits(fprime[real], 1.0 - tr.states[0, 1:][real] ** 2)        # tanh' = 1 - s^2
    assert not fprime[~real].any()
    # at a pad delta = 0 and dL/ds^{t-1} = dL/ds^t; elsewhere delta = dL/ds^t * f_s'(z^t), as the core has it
    deltas, d_states = sp.decode(pl["deltas"]), sp.decode(pl["d_states"])
    assert not deltas[~real].any()
    assert same_bits(deltas[real], d_states[1:][real] * fprime[real])
    for t in (7, 8):
        assert same_bits(d_states[t - 1], d_states[t])


def test_backward_payload_of_a_batch_is_sequence_0():
    p, tr, g = model(B=3)
    pl = roundtrip(sp.backward_payload(p, tr, g))
    assert same_bits(sp.decode(pl["deltas"]), g.deltas[0])
    C = sp.decode(pl["contrib"])
    assert same_bits(C, np.einsum("ti,th->tih", g.xs[0], g.deltas[0]))
    assert np.allclose(sp.decode(pl["contrib_norms"]), np.linalg.norm(C, axis=(1, 2)), rtol=1e-12, atol=0)


@pytest.mark.parametrize("f_s", ["relu", "sigmoid", "identity"])
def test_fprime_is_the_activation_derivative(f_s):
    p, tr, g = model(f_s=f_s, T=5, pads=1)
    fprime = sp.decode(roundtrip(sp.backward_payload(p, tr, g))["fprime"])[:5]
    z, s = tr.z[0, :5], tr.states[0, 1:6]
    expect = {"relu": (z > 0).astype(float), "sigmoid": 1.0 * s * (1.0 - s), "identity": np.ones_like(z)}[f_s]
    assert same_bits(fprime, expect)


def test_overflow_survives():
    p, tr, g = model(f_s="relu", scale=1e155, T=8, pads=1, H=4, I=2)
    assert not np.isfinite(tr.states).all(), "the test needs states that overflow"
    fw = roundtrip(sp.forward_payload(p, tr))                    # strict JSON: no NaN tokens anywhere
    assert same_bits(sp.decode(fw["states"]), tr.states[0])
    assert same_bits(sp.decode(fw["z"]), tr.z[0])
    assert np.isfinite(fw["scale"]) and fw["scale"] > 0
    bw = roundtrip(sp.backward_payload(p, tr, g))
    assert same_bits(sp.decode(bw["deltas"]), g.deltas[0])
    assert same_bits(sp.decode(bw["d_states"]), g.d_states[0])
    assert np.isinf(sp.decode(fw["states"])).any()


def test_size_is_bounded_at_T_1000_H_64():
    p, tr, g = model(I=2, H=64, T=1000, pads=10)
    fw, bw = sp.forward_payload(p, tr), sp.backward_payload(p, tr, g)
    assert fw["W_s"] is None and bw["contrib"] is None and bw["W_ss"] is None      # large matrices stay home
    assert sp.payload_bytes(fw) < 1.6e6
    assert sp.payload_bytes(bw) < 2.4e6
    assert same_bits(bw["contrib_norms"], g.step_norms("W_s"))


def test_id_names_the_content():
    p, tr, g = model()
    a, b = sp.forward_payload(p, tr), sp.forward_payload(p, tr)
    assert a["id"] == b["id"]
    p2 = p.replace(b_s=p.b_s + 1.0)
    assert sp.forward_payload(p2, rv.forward(p2, tr.inputs, tr.lengths))["id"] != a["id"]
    assert sp.forward_payload(p, tr, labels=list("xy"))["id"] != a["id"]
    p3 = p.replace(b_s=np.nextafter(p.b_s, np.inf))                               # one ulp of every b_s
    assert sp.forward_payload(p3, rv.forward(p3, tr.inputs, tr.lengths))["id"] != a["id"]
    assert sp.backward_payload(p, tr, g)["id"] != a["id"]


def test_labels_are_plain_strings_padded_to_T():
    p, tr, g = model(T=3, pads=2)
    pl = sp.forward_payload(p, tr, labels=["<b>", "&", "'"])
    assert pl["labels"] == ["<b>", "&", "'", "", ""]
    assert sp.forward_payload(p, tr)["labels"] == [""] * 5
