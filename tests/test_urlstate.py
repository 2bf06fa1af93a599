"""Links: the state table round-trips, weights travel exactly, bad links are refused with a reason."""
import numpy as np
import pytest

import rnnviz as rv
from rnnviz import urlstate


def test_every_field_round_trips():
    state = {"model": {"I": 3, "H": 5, "O": 2, "f_s": "relu", "f_o": "softmax", "seed": 7, "scale": 1.3, "s0": "learned"},
             "sequence": {"preset": "typed text", "T": 9, "text": "hi there\n&?=", "digits": "0123", "pads": 4},
             "step_t": 3, "bptt_n": 2, "bptt_objective": "mean squared error", "bptt_k": 1, "bptt_label": 0,
             "bptt_target": "0.5, -1", "bptt_tab": "Truncation and clipping", "bptt_element": "W_i12",
             "bptt_contrib_t": 4, "bptt_trunc_k": 2, "bptt_clip_mode": "global norm", "bptt_clip_c": 0.1 + 0.2,
             "bptt_rescale": True, "bptt_rho": 1.1,
             "padding": {"source": "random", "B": 3, "lengths": [4, 0, 2], "text": "a\nb", "extra": 1, "bias": -0.25},
             "train": {"task": "parity", "encoding": "one-hot", "modulus": 3, "lengths": [2, 12], "n_train": 500,
                       "H": 16, "f_s": "relu", "learn_s0": True, "seed": 5, "optimizer": "sgd", "lr": 0.003,
                       "lr_halflife": 1000, "momentum": 0.9, "batch_size": 64, "clip": 0.3, "strategy": "pad",
                       "run_updates": 300},
             "hidden": ["seed", "weights"]}
    query = urlstate.to_query(state)
    assert all(isinstance(v, str) for v in query.values())
    updates, problems = urlstate.from_query(query)
    assert problems == []
    for name, where, kind in urlstate.FIELDS:
        expected = state[where[0]][where[1]] if isinstance(where, tuple) else state[where]
        assert updates[where] == expected, name                      # floats exactly (repr round-trips)


@pytest.mark.parametrize("query, word", [({"H": "five"}, "H="), ({"scale": "nan"}, "scale="),
                                         ({"rescale": "yes"}, "rescale="), ({"pb_lengths": "1,x"}, "pb_lengths=")])
def test_bad_values_are_named_and_left_out(query, word):
    updates, problems = urlstate.from_query(query)
    assert updates == {} and len(problems) == 1 and problems[0].startswith(word)


def test_weights_travel_exactly():
    p = rv.init_params(2, 3, 2, f_s="sigmoid", seed=4).replace(s0=[0.1, -0.2, 1e-300])
    text = urlstate.encode_weights(p)
    q = urlstate.decode_weights(text, rv.init_params(2, 3, 2, f_s="sigmoid", seed=99))
    assert q.equals(p)


def test_large_models_do_not_go_into_links():
    assert urlstate.encode_weights(rv.init_params(8, 16, 2)) is None


@pytest.mark.parametrize("text, match", [("not base64!!", "base64|numbers"), ("AAAA", "numbers"),
                                         (None, "NaN or inf")])
def test_bad_weights_are_refused(text, match):
    like = rv.init_params(1, 1, 1)
    if text is None:                                                   # the right length, but a NaN inside
        import base64
        text = base64.urlsafe_b64encode(np.array([np.nan, 0, 0, 0, 0, 0]).tobytes()).decode().rstrip("=")
    with pytest.raises(ValueError, match=match):
        urlstate.decode_weights(text, like)
