"""The in-browser stepper: a Streamlit custom component (v2) that steps an unrolled RNN through time with no
server round trip, drawing from one payload per sequence (rnnviz.stepper_payload).

    payload = stepper_payload.forward_payload(p, tr, labels)            # once per sequence (cache it)
    t = stepper_view(payload, key="step_stepper", step=t, on_step=save)  # draws; returns the step

The browser draws the heatmap, the unrolled network and the step's arithmetic, and steps on its own (buttons,
N / B keys, play at up to 60 steps/s, a click on a column). The step comes back to Python only when stepping
pauses (300 ms after the last step, or on pause): one rerun per pause. When Python moves the step (a link,
another control), pass the new `step`: the browser follows it.

The JS and CSS are plain files beside this module (assets/stepper.js, assets/stepper.css), read once at import
and registered as raw strings: paths work only for an installed package with an asset_dir.
"""
from pathlib import Path

import streamlit as st

from . import session

ASSETS = Path(__file__).resolve().parent / "assets"
HTML = ""                                           # the JS builds everything (text only through textContent)

_component = st.components.v2.component(
    "rnnviz_stepper",
    html=HTML,
    css=(ASSETS / "stepper.css").read_text(encoding="utf-8"),
    js=(ASSETS / "stepper.js").read_text(encoding="utf-8"),
    isolate_styles=False,                            # tests and benchmarks find the root with document.querySelector
)


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

    def reported():
        if on_step is not None:
            on_step(int(session.get(key)["step"]))

    result = _component(key=key, data={**payload, "step": step, "show_all": bool(show_all), "present": bool(present),
                                         **({} if moved is None else {"moved": int(moved)})}, default={"step": step},
                        on_step_change=reported, height="content" if height is None else height)
    if on_step is not None:
        return step
    return int(result["step"]) if result.get("step") is not None else step
