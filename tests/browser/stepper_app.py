"""A tiny Streamlit app that mounts only the in-browser stepper, for its browser tests and benchmark.

    streamlit run tests/browser/stepper_app.py   then open  /?mode=backward&T=1000&H=64&pads=10

Query params: mode (forward | backward), I, H, T (real steps), pads, f_s, scale (multiplies W_s: large values
overflow with relu), seed, text (labels for the steps: typed characters), plain=1 (a one-button Streamlit app
instead, the peer a benchmark compares with). The app writes "runs N step t" under the key "probe", so a test
can count reruns and read the step Python holds.
"""
import numpy as np

import rnnviz as rv
from rnnviz import stepper_payload

DEFAULTS = {"mode": "forward", "I": 2, "H": 3, "T": 6, "pads": 2, "f_s": "tanh", "scale": 1.0, "seed": 0, "text": ""}


def settings(query) -> dict:
    """The model and sequence settings from query params (strings), with the defaults above."""
    out = dict(DEFAULTS)
    for name, default in DEFAULTS.items():
        if name in query:
            out[name] = type(default)(query[name])
    return out


def build(cfg: dict):
    """(p, tr, g, labels) for the settings: random inputs in U(-1, 1) from the seed, zero pads at the end,
    L = the sum of the outputs (dL/do = 1)."""
    p = rv.init_params(input_size=cfg["I"], state_size=cfg["H"], output_size=1, f_s=cfg["f_s"], seed=cfg["seed"])
    if cfg["scale"] != 1.0:
        p = p.replace(W_s=p.W_s * cfg["scale"])
    T, n_pad = cfg["T"], cfg["pads"]
    x = np.zeros((1, T + n_pad, cfg["I"]))
    x[0, :T] = np.random.default_rng([cfg["seed"], 7]).uniform(-1.0, 1.0, (T, cfg["I"]))
    tr = rv.forward(p, x, [T])
    g = rv.backward(p, tr, np.ones_like(tr.output))
    labels = list(cfg["text"][:T + n_pad]) if cfg["text"] else None
    return p, tr, g, labels


def payload(cfg: dict) -> dict:
    p, tr, g, labels = build(cfg)
    if cfg["mode"] == "backward":
        return stepper_payload.backward_payload(p, tr, g, labels)
    return stepper_payload.forward_payload(p, tr, labels)


if __name__ == "__main__":                     # streamlit runs the script as __main__; tests import build()
    import streamlit as st

    st.session_state.runs = st.session_state.get("runs", 0) + 1
    if st.query_params.get("plain"):
        # the peer: a plain Streamlit rerun (a click reruns the script and redraws a number)
        st.session_state.clicks = st.session_state.get("clicks", 0)
        if st.button("Next", key="plain_next"):
            st.session_state.clicks += 1
        with st.container(key="plain_out"):
            st.text(f"clicks {st.session_state.clicks}")
        st.stop()

    from rnnviz.ui.stepper_component import stepper_view

    cfg = settings(st.query_params)

    @st.cache_data(max_entries=8)
    def cached_payload(items: tuple) -> dict:
        return payload(dict(items))

    data = cached_payload(tuple(sorted(cfg.items())))
    st.session_state.setdefault("step", 0)

    def save(t):
        st.session_state.step = t

    st.title("Stepper test app")
    st.button("Python: go to step 2", key="py_jump", on_click=save, args=(2,))
    t = stepper_view(data, key="step_stepper", step=st.session_state.step, on_step=save, mode=cfg["mode"])
    with st.container(key="probe"):
        st.text(f"runs {st.session_state.runs} step {t}")
