"""Shared helpers for the core-maths tests: random networks and batches, and a guard against ReLU kinks.

Session-scoped factory fixtures (not plain imports), so hypothesis tests can use them too.
"""
import os
import tempfile

import numpy as np
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

import rnnviz as rv

# The app's model store (serving.model_store) writes where RNNVIZ_DATA_DIR says: a folder of this test run's own.
os.environ.setdefault("RNNVIZ_DATA_DIR", tempfile.mkdtemp(prefix="rnnviz-test-store-"))


def make_case(B=3, T=5, I=2, H=3, O=2, f_s="tanh", f_o="identity", seed=0, lengths=None, learned_s0=True):
    """(params, inputs, lengths): random weights, non-zero biases and (by default) a non-zero s0.

    Pad positions of ``inputs`` hold random numbers, not zeros, so a core that reads a pad is caught.
    Default lengths: the first sequence is full, the last (when B > 1) ends two steps early, the rest random.
    """
    rng = np.random.default_rng(seed)
    p = rv.init_params(I, H, O, f_s=f_s, f_o=f_o, seed=seed)
    p = p.replace(b_s=0.3 * rng.standard_normal(H), b_o=0.3 * rng.standard_normal(O),
                  s0=0.5 * rng.standard_normal(H) if learned_s0 else np.zeros(H))
    x = rng.standard_normal((B, T, I))
    if lengths is None:
        lengths = rng.integers(0, T + 1, size=B)
        lengths[0] = T
        if B > 1:
            lengths[-1] = max(T - 2, 0)
    return p, x, np.asarray(lengths, dtype=np.int64)


def kink_free(p, x, lengths, margin=1e-4) -> bool:
    """True when no ReLU input sits within ``margin`` of its kink at 0, and ReLUs are switched on
    (some state unit at some step, every output unit for some sequence).

    Finite differences with eps = 1e-6 straddle a kink only if |z| < ~1e-5; and a network whose every
    ReLU is off has all-zero gradients, which would make a gradient check pass trivially.
    """
    tr = rv.forward(p, x, lengths)
    z = tr.z[tr.mask]                                               # pre-activations at real steps
    if p.f_s == "relu" and z.size and (np.abs(z).min() <= margin or not (z > margin).any()):
        return False
    o_pre = tr.output_pre                                           # every output unit on for some sequence
    if p.f_o == "relu" and (np.abs(o_pre).min() <= margin or not (o_pre > margin).any(axis=0).all()):
        return False
    return True


def kink_free_case(**kw):
    """make_case(**kw), trying seeds from kw['seed'] up until the case is kink_free."""
    seed = kw.pop("seed", 0)
    for s in range(seed, seed + 200):
        case = make_case(seed=s, **kw)
        if kink_free(*case):
            return case
    raise AssertionError(f"no kink-free case among 200 seeds for {kw}")


@pytest.fixture(scope="session")
def case():
    """The factory ``make_case``."""
    return make_case


@pytest.fixture(scope="session")
def smooth_case():
    """The factory ``kink_free_case``."""
    return kink_free_case


@pytest.fixture(scope="session")
def is_kink_free():
    """The predicate ``kink_free``."""
    return kink_free


@pytest.fixture
def files(monkeypatch):
    """{file name: the callable that makes it} for the download buttons of the latest AppTest run.

    st.download_button with a callable registers it with the runtime's media file manager and sends only an
    id; AppTest has no browser to click, so the fixture records the callables and a test calls them, as the
    server does on a click."""
    made = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return made
