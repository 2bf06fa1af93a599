"""Links that reopen a view: restore the session from the URL once, keep the URL in step with the state,
show the link; guided lessons (?lesson=NAME) and hidden controls (?hide=...)."""
import dataclasses
import urllib.parse

import streamlit as st

from .. import activations, presets, urlstate
from ..lessons import LESSONS
from .model import LIMITS, ModelSettings, hidden, replace_params
from .sequence import MAX_PADS
from .training_controls import clean_settings


def _clean_model(model: dict, problems: list) -> None:
    """Replace model settings a link got wrong by their defaults, saying which."""
    d = dataclasses.asdict(ModelSettings())
    checks = {"I": lambda v: 1 <= v <= LIMITS["I"], "H": lambda v: 1 <= v <= LIMITS["H"],
              "O": lambda v: 1 <= v <= LIMITS["O"], "f_s": lambda v: v in activations.STATE_ACTIVATIONS,
              "f_o": lambda v: v in activations.OUTPUT_ACTIVATIONS, "seed": lambda v: 0 <= v < 2**31,
              "scale": lambda v: 0.1 <= v <= 3.0, "s0": lambda v: v in ("zeros", "learned")}
    for key, ok in checks.items():
        if not ok(model[key]):
            problems.append(f"{key}={model[key]!r} is outside what the app allows; using {d[key]!r}")
            model[key] = d[key]


def _clean_sequence(problems: list) -> None:
    s = st.session_state.setdefault("sequence", {})
    if s.get("preset", presets.PRESETS[0]) not in presets.PRESETS:
        problems.append(f"seq={s['preset']!r} is not a preset; using {presets.PRESETS[0]!r}")
        s["preset"] = presets.PRESETS[0]
    for key, hi in (("T", presets.MAX_T), ("pads", MAX_PADS)):
        if key in s and not 0 <= s[key] <= hi:
            problems.append(f"{key}={s[key]} is outside 0..{hi}; clipped")
            s[key] = min(max(s[key], 0), hi)


def restore_from_url() -> None:
    """Once per session: apply the link's state (or a lesson's) before any widget is drawn."""
    if st.session_state.get("url_restored"):
        return
    st.session_state["url_restored"] = True
    query = st.query_params.to_dict()
    name = query.pop("lesson", None)
    lesson = LESSONS.get(name or "")
    problems = [] if lesson or name is None else [f"there is no lesson {name!r} (try one of {', '.join(LESSONS)})"]
    if lesson:
        query = {**lesson.query, **query}                       # the link's own fields override the lesson's
        st.session_state["lesson"] = name
    updates, bad = urlstate.from_query(query)
    problems += bad
    model = dataclasses.asdict(ModelSettings())
    for where, value in updates.items():
        if isinstance(where, tuple) and where[0] == "model":
            model[where[1]] = value
        elif isinstance(where, tuple):
            st.session_state.setdefault(where[0], {})[where[1]] = value
        else:
            st.session_state[where] = value
    _clean_model(model, problems)
    _clean_sequence(problems)
    if "train" in st.session_state:
        problems += clean_settings(st.session_state["train"])
    st.session_state["model"] = model
    settings = ModelSettings(**model)
    st.session_state["model_settings"] = settings
    params = settings.init()
    if "w" in query:
        try:
            params = urlstate.decode_weights(query["w"], params)
        except ValueError as err:
            problems.append(f"{err}; using the weights the seed gives")
    replace_params(params)
    st.session_state["url_problems"] = problems
    if lesson:
        st.switch_page(lesson.page)


def _link_weights() -> str | None:
    """The link's w field: the weights when they were edited or trained (not what the seed gives), else None.
    Worked out once per version of the parameters (replace_params), not on every step click."""
    version = st.session_state.get("params_version")
    cached = st.session_state.get("link_weights")
    if cached is None or cached[0] != version:
        settings, params = st.session_state.get("model_settings"), st.session_state.get("params")
        weights, too_large = None, False
        if settings is not None and params is not None and not params.equals(settings.init()):
            weights = urlstate.encode_weights(params)          # edited or trained: the weights travel too
            too_large = weights is None
        cached = st.session_state["link_weights"] = (version, weights)
        st.session_state["weights_too_large"] = too_large
    return cached[1]


def sync_url() -> None:
    """Write the session's state into the address bar, so the browser's URL is always the share link."""
    query = urlstate.to_query(st.session_state)
    weights = _link_weights()
    if weights is not None:
        query["w"] = weights
    if query != st.query_params.to_dict():
        st.query_params.from_dict(query)


def link_box() -> None:
    """The link to the view as it is now, in a box with a copy button."""
    query = urllib.parse.urlencode(st.query_params.to_dict())                 # as the address bar spells it
    here = (st.context.url or "http://localhost:8501/").split("?")[0]         # no URL in a test harness
    st.code(here + ("?" + query if query else ""), language=None, wrap_lines=True)


def share_panel() -> None:
    """The link to this view (with a copy button), any problems with the link that opened it, the lesson."""
    for problem in st.session_state.pop("url_problems", []):
        st.warning(f"The link was not fully understood: {problem}.")
    lesson = LESSONS.get(st.session_state.get("lesson") or "")
    if lesson:
        st.info(f"**Lesson: {lesson.title}.** {lesson.caption}")
    if hidden("share"):
        return
    with st.sidebar.expander("Share this view", icon=":material/link:"):
        link_box()
        st.caption("Copy the link (button at the top right of the box): it reopens this page with the same model, "
                   "sequence and step. On pages with step buttons, the link button beside them always has the "
                   "current step; so does the browser's address bar. Add &hide=seed,scale,weights to hide "
                   "controls from a class.")
        if st.session_state.get("weights_too_large"):
            st.caption("This model's edited or trained weights are too many for a link: share the model file "
                       "(Export) instead; the link reproduces the seed's weights.")
