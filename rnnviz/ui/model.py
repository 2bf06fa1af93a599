"""The model sidebar and the session's current parameters."""
import dataclasses
import inspect

import numpy as np
import streamlit as st

from .. import activations
from ..params import Params, init_params
from .state import bound

LIMITS = {"I": 32, "H": 64, "O": 32}          # sizes one session may ask for (bounds memory and time)


@dataclasses.dataclass(frozen=True)
class ModelSettings:
    """What the sidebar chooses; the parameters are a pure function of it (until edited or trained)."""
    I: int = 2
    H: int = 3
    O: int = 1
    f_s: str = "tanh"
    f_o: str = "identity"
    seed: int = 0
    scale: float = 1.0
    s0: str = "zeros"

    def init(self) -> Params:
        p = init_params(self.I, self.H, self.O, f_s=self.f_s, f_o=self.f_o, seed=self.seed, scale=self.scale)
        if self.s0 == "learned":                                    # a learned s0 starts random, from the seed
            p = p.replace(s0=np.random.default_rng([self.seed, 1]).uniform(-0.5, 0.5, self.H))
        return p


def page_setup() -> None:
    """Every page calls this first: the tab's title and a wide layout, the server's memory reclaimer (once per
    process), the state a link carries (once per session), the address bar kept equal to the share link, and
    the share panel."""
    from . import reclaim, share                             # share imports this module
    st.set_page_config(page_title="rnnviz — RNNs and BPTT", page_icon=":material/replay:", layout="wide")
    reclaim.start()
    share.restore_from_url()
    share.sync_url()
    share.share_panel()


def hidden(name: str) -> bool:
    """True when the link asked to hide the control or section called name (?hide=seed,scale,weights)."""
    return name in st.session_state.get("hidden", [])


def model_sidebar(draw: bool = True) -> Params:
    """Draw the model controls in the sidebar and return the session's current parameters.

    Every page calls this first. The settings live in st.session_state["model"] (not in the widgets, whose
    identity differs from page to page), so they survive page switches. Changing a control builds fresh
    parameters from the seed; edited or trained parameters are kept in st.session_state["params"] until then.
    draw=False keeps the model without drawing its controls, for a page that sets its own network.
    """
    model = st.session_state.setdefault("model", dataclasses.asdict(ModelSettings()))

    def control(widget, label, *args, key, **kwargs):
        if not draw or hidden(key) or hidden("model"):                    # a teacher's link hid it; its value still applies
            return model[key]
        return bound("model", key, widget, label, *args, **kwargs)

    with st.sidebar:
        if not draw:
            st.caption("The network this page trains is set on the page. 'Open in the other lessons' makes it "
                       "the model the other pages show.")
        elif not hidden("model"):
            st.subheader("Model")
        c1, c2, c3 = st.columns(3)
        with c1:
            control(st.number_input, "I", 1, LIMITS["I"], key="I", help="I: the number of inputs in each vector i^t")
        with c2:
            control(st.number_input, "H", 1, LIMITS["H"], key="H", help="H: the number of state units in s^t")
        with c3:
            control(st.number_input, "O", 1, LIMITS["O"], key="O", help="O: the number of outputs in o")
        control(st.selectbox, "state activation f_s", activations.STATE_ACTIVATIONS, key="f_s")
        control(st.selectbox, "output activation f_o", activations.OUTPUT_ACTIVATIONS, key="f_o")
        control(st.slider, "weight scale", 0.1, 3.0, step=0.1, key="scale",
                help="weights are drawn from N(0, scale² / fan-in); larger means stronger recurrence")
        control(st.number_input, "seed", 0, 2**31 - 1, key="seed", help="the same seed gives the same weights")
        control(st.radio, "initial state s⁰", ["zeros", "learned"], key="s0", horizontal=True,
                help="zeros: s⁰ = 0 as in the lesson; learned: a vector s0 that training can change (it starts random)")
        if model["f_o"] == "softmax" and model["O"] == 1:
            st.caption("softmax over one output is always 1: choose O ≥ 2.")
    settings = ModelSettings(**model)
    if st.session_state.get("model_settings") != settings:
        st.session_state["model_settings"] = settings
        replace_params(settings.init())
    return st.session_state["params"]


def replace_params(p: Params) -> None:
    """Make p the session's parameters (edited, trained or freshly drawn); editors showing the old ones reset."""
    st.session_state["params"] = p
    st.session_state["params_version"] = st.session_state.get("params_version", 0) + 1


def show_source(*functions, label: str = "The code that computed this") -> None:
    """An expander with the source of the given functions, so equation, code and picture sit together."""
    box = st.expander(label, key="source_open", on_change="rerun")
    if box.open:                                           # read and sent only when a student opens it
        with box:
            for f in functions:
                st.code(inspect.getsource(f), language="python")
