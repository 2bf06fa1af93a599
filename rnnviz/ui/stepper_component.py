"""The in-browser stepper: a Streamlit custom component (v2) that steps an unrolled RNN through time with no
server round trip, drawing from one payload per sequence (rnnviz.stepper_payload).

    payload = stepper_payload.forward_payload(p, tr, labels)            # once per sequence
    t = stepper_view(payload, key="step_stepper", step=t, on_step=save)  # draws; returns the step

The browser draws the heatmap, the unrolled network and the step's arithmetic, and steps on its own (buttons,
N / B keys, play at up to 60 steps/s, a click on a column). The step comes back to Python only when stepping
pauses (300 ms after the last step, or on pause): one rerun per pause. When Python moves the step (a link,
another control), pass the new `step`: the browser follows it.

What a run sends: the whole payload (stepper_payload.wire), except on the rerun of the stepper's own report
(a pause), when the browser holds the payload with this id: then only its id, T and the view (step, show_all,
present, moved), and the browser draws from the payload it decoded. A reply that names an id the browser does
not hold (it was remounted, or missed a run) makes it ask for the whole payload: the trigger "fetch", on
whose rerun the whole payload goes.

The JS and CSS are files of the installed package (assets/stepper.js, assets/stepper.css: the asset_dir that
pyproject.toml declares for the component "stepper"), which Streamlit serves under
/_stcore/bidi-components/rnnviz.stepper/, and each message names: the browser fetches the module once per page
load and the stylesheet once per mount (Streamlit serves them with no max-age), instead of receiving their
50 KB in every run that draws the stepper. So rnnviz must be installed: `pip install -e .` (requirements.txt
does it).
"""
import functools

import streamlit as st
from streamlit.errors import StreamlitAPIException

from ..stepper_payload import wire
from . import session

NAME = "rnnviz.stepper"                  # "<project name>.<component name>", as pyproject.toml declares them
LITE = ("kind", "id", "T")               # what a pause's reply keeps of the payload: which one, and its steps


def lite(payload: dict) -> dict:
    """A pause's reply when the browser holds this payload: which one it is and its steps, nothing else."""
    return {**{k: payload[k] for k in LITE}, "lite": True}


NOT_INSTALLED = ("The in-browser stepper's JS and CSS are served from the installed rnnviz package, which is not "
                 "installed here: run `pip install -e .` in the repository root (`pip install -r requirements.txt` "
                 "does it), then restart Streamlit.")


@functools.cache
def _component():
    """The component, registered on first use: inside a script run, where Streamlit knows the installed
    packages' asset dirs (an import outside one, by a test or a notebook, would not resolve the files)."""
    try:
        return st.components.v2.component(NAME, js="stepper.js", css="stepper.css",
                                         isolate_styles=False)   # tests find the root with document.querySelector
    except StreamlitAPIException as err:
        if err.error_id == "component-missing-asset-dir":
            raise RuntimeError(NOT_INSTALLED) from err
        raise


def stepper_view(payload: dict, *, key: str, step: int, on_step=None, mode: str = "forward",
                 height: int | None = None, show_all: bool = False, present: bool = False,
                 moved: int | None = None) -> int:
    """Mount the stepper for `payload` at `step`; returns the current step.

    payload: forward_payload(...) (mode "forward", steps t = 0..T) or backward_payload(...) (mode "backward",
    steps n = 0..T: n = 0 is dL/ds^T arriving from the output, n works on t = T + 1 - n).
    step: the step Python holds now; the browser shows it on mount and follows it when it changes.
    on_step(t): called (as a widget callback, before the script's next run) when the browser reports a step
    after a pause; store it there (e.g. in the app's settings). With on_step, the function returns `step`
    (already updated by the callback); without, the step the browser last reported.
    height: pixels, or None for the content's own height.
    show_all: draw the states (δ) not computed yet too, faded; otherwise a column appears when its step is.
    present: the presentation view's layout (two columns, larger type).
    moved: a counter Python increments whenever it moves the step itself (a link, a clamp to a shorter
    sequence, a lesson): the browser follows `step` only when it changed, so a late reply to an earlier pause
    never moves the browser back. None: follow any step that differs from the last data and the last report.
    """
    if mode not in ("forward", "backward"):
        raise ValueError(f"mode must be 'forward' or 'backward'; got {mode!r}")
    if payload.get("kind") != mode:
        raise ValueError(f"a {payload.get('kind')!r} payload cannot be shown in mode {mode!r}")
    step = max(0, min(int(payload["T"]), int(step)))
    held = session.pop(f"{key}_held")                     # noted by `reported` when this run is a report
    fetch = (session.get(key) or {}).get("fetch")         # the browser lacks the payload a reply named
    if held == payload["id"] and not fetch:
        sent = lite(payload)
    else:
        sent = wire(payload)
    view = {"step": step, "show_all": bool(show_all), "present": bool(present),
            **({} if moved is None else {"moved": int(moved)})}

    def reported():
        session.put(f"{key}_held", payload["id"])          # it reports after drawing this run's data
        if on_step is not None:
            on_step(int(session.get(key)["step"]))

    result = _component()(key=key, data={**sent, **view}, default={"step": step}, on_step_change=reported,
                          height="content" if height is None else height)
    if on_step is not None:
        return step
    return int(result["step"]) if result.get("step") is not None else step
