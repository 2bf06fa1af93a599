"""The app's in-browser stepper in Jupyter: an anywidget around the same JavaScript renderer the Streamlit
page uses (rnnviz/ui/assets/stepper.js), so a notebook steps an RNN through time with the same drawing code.

    from rnnviz.notebook_stepper import Stepper
    Stepper(p, tr)              # forward: states, the step's arithmetic, the unrolled network
    Stepper(p, tr, g)           # backward: δ, dL/ds, each step's copy's contribution
    w = Stepper(p, tr); w       # w.step is the step the browser shows (after a pause), and can be set

One renderer, two hosts: the Streamlit component calls the module's default export with (data, parentElement,
setStateValue); here a small adapter calls the same function with the widget's model. Needs the anywidget
package (pip install anywidget); importing rnnviz does not import it.
"""
from pathlib import Path

import anywidget
import traitlets

from .stepper_payload import backward_payload, forward_payload, wire

ASSETS = Path(__file__).resolve().parent / "ui" / "assets"
RENDERER = "export default function stepper("

ADAPTER = """
export default {
  render({ model, el }) {
    let cleanup = null;
    const draw = () => {
      if (cleanup) cleanup();
      cleanup = stepper({
        data: { ...model.get("payload"), step: model.get("step"), show_all: model.get("show_all") },
        parentElement: el,
        setStateValue: (name, value) => { if (name === "step") { model.set("step", value); model.save_changes(); } },
      });
    };
    draw();
    for (const name of ["payload", "step", "show_all"]) model.on(`change:${name}`, draw);
    return () => { if (cleanup) cleanup(); };
  },
};
"""


def _esm() -> str:
    """The page's stepper.js with its Streamlit entry point kept as a plain function, then the adapter."""
    js = (ASSETS / "stepper.js").read_text(encoding="utf-8")
    if RENDERER not in js:
        raise RuntimeError("rnnviz/ui/assets/stepper.js no longer exports its renderer as expected")
    return js.replace(RENDERER, "function stepper(") + ADAPTER


class Stepper(anywidget.AnyWidget):
    """Step through the forward pass of trace tr (or, with g, the backward pass) of sequence 0."""
    _esm = traitlets.Unicode(_esm()).tag(sync=True)
    _css = traitlets.Unicode((ASSETS / "stepper.css").read_text(encoding="utf-8")).tag(sync=True)
    payload = traitlets.Dict().tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    show_all = traitlets.Bool(False).tag(sync=True)

    def __init__(self, p, tr, g=None, labels=None, step: int = 0, show_all: bool = False):
        payload = forward_payload(p, tr, labels) if g is None else backward_payload(p, tr, g, labels)
        super().__init__(payload=wire(payload), step=max(0, min(int(step), int(payload["T"]))), show_all=show_all)
