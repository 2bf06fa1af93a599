"""The model sidebar and the session's current parameters."""
import dataclasses
import inspect

import numpy as np
import streamlit as st

from ..params import Params, init_params
from . import session
from .settings import LIMITS


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


def model_settings() -> ModelSettings:
    return ModelSettings(**session.group("model"))


def current_params() -> Params:
    """The session's parameters: fresh ones from the model settings whenever those changed since they were
    last drawn; until then the edited, trained or loaded ones."""
    settings = model_settings()
    if session.get("params_drawn_from") != settings or session.get("params") is None:
        session.put("params_drawn_from", settings)
        session.replace_params(settings.init())
    return session.params()


def weights_edited() -> bool:
    """True when the session's parameters are not the ones the model settings draw (edited, trained or
    loaded); worked out once per version of the parameters (drawing them again costs every sidebar run)."""
    version = session.params_version()
    cached = session.get("params_edited")
    if cached is None or cached[0] != version:
        cached = (version, not current_params().equals(model_settings().init()))
        session.put("params_edited", cached)
    return cached[1]


def adopt_params(p: Params) -> None:
    """Make p the session's model in every lesson: the model settings take p's sizes and activations first
    (so that no fresh weights are drawn over it), then p replaces the parameters.

    ValueError when p is larger than the sidebar allows (LIMITS)."""
    too_big = fits_sidebar(p)
    if too_big:
        raise ValueError(too_big)
    session.update("model", dict(I=p.input_size, H=p.state_size, O=p.output_size, f_s=p.f_s, f_o=p.f_o,
                                 s0="learned" if (p.s0 != 0).any() else "zeros"))
    session.put("params_drawn_from", model_settings())
    session.replace_params(p)


def fits_sidebar(p: Params) -> str | None:
    """None when the sidebar can hold p's sizes (LIMITS); otherwise why not."""
    for key, n in (("I", p.input_size), ("H", p.state_size), ("O", p.output_size)):
        if n > LIMITS[key]:
            return f"this model has {key} = {n}, but the sidebar allows at most {key} = {LIMITS[key]}"
    return None


def reset_weights() -> None:
    """on_click of "reset weights": the weights the model settings draw, replacing edited, trained or loaded ones."""
    session.put("params_drawn_from", model_settings())
    session.replace_params(model_settings().init())


def model_sidebar(draw: bool = True) -> Params:
    """Draw the model controls in the sidebar and return the session's current parameters.

    Changing a control draws fresh parameters from the seed; edited or trained parameters are kept until then.
    draw=False keeps the model without drawing its controls, for a page that sets its own network.
    """
    with st.sidebar:
        if not draw:
            st.caption("The network this page trains is set on the page. 'Open in the other lessons' makes it "
                       "the model the other pages show.")
        elif not session.hidden("model"):
            st.subheader("Model")
            for column, key in zip(st.columns(3), ("I", "H", "O")):
                with column:
                    session.widget(f"model_{key}")
            session.widget("model_f_s")
            session.widget("model_f_o")
            session.widget("model_scale")
            session.widget("model_seed")
            edited = weights_edited()
            st.button("reset weights", key="model_reset", on_click=reset_weights, disabled=not edited,
                      icon=":material/restart_alt:", width="stretch",
                      help="draw the weights again from the weight seed, dropping edits, training or a loaded "
                           "model" if edited else "the weights are already the ones the seed draws")
            session.widget("model_s0", horizontal=True)
            model = session.group("model")
            if model["f_o"] == "softmax" and model["O"] == 1:
                st.caption("softmax over one output is always 1: choose O ≥ 2.")
    return current_params()


def intro(text: str) -> None:
    """A page's introduction (Markdown made by this app), left out when a link hides "intro" and in the
    presentation view."""
    if not session.hidden("intro"):
        st.markdown(text)


def presenting() -> bool:
    """True in the presentation view (present=1): the page shows only what a class looks at."""
    return bool(session.value("view_present"))


def show_source(*functions, label: str = "The code that computed this") -> None:
    """An expander with the source of the given functions, so equation, code and picture sit together."""
    if session.hidden("source"):
        return
    box = st.expander(label, key="source_open", on_change="rerun")
    if box.open:                                           # read and sent only when a student opens it
        with box:
            for f in functions:
                st.code(inspect.getsource(f), language="python")
