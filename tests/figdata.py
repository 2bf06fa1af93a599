"""Read plotly figures back as numbers: from AppTest elements or from fig.to_dict().

Plotly 7 encodes numpy arrays as {"dtype", "bdata" (base64), "shape"}; decode them, never index them.
"""
import base64
import json

import numpy as np


def decode(value):
    """A plotly data value as a numpy array (typed-array dicts decoded, lists converted)."""
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if shape:
            arr = arr.reshape([int(n) for n in str(shape).split(",")])
        return arr
    return np.asarray(value)


def chart_spec(at, key):
    """The figure dict of the plotly chart that an AppTest run drew with the given key."""
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        if el.proto.id.endswith(key) or el.proto.id.endswith(f"-{key}"):
            return spec
    raise KeyError(f"no plotly chart with key {key!r}; ids: {[el.proto.id for el in at.get('plotly_chart')]}")


def heatmap_z(fig_dict, trace=0):
    """The z matrix of a heatmap trace, NaN where nothing is coloured."""
    return decode(fig_dict["data"][trace]["z"]).astype(np.float64)


def outlined_step(fig_dict):
    """The step whose column a heatmap outlines (the current step)."""
    outlines = [s for s in fig_dict["layout"].get("shapes", []) if s.get("line", {}).get("width") == 3]
    assert len(outlines) == 1
    return outlines[0]["x0"] + 0.5


def stepper(at, key: str = "step_stepper") -> dict:
    """The data the in-browser stepper with this key was sent (its JSON), arrays decoded to numpy: "states",
    "deltas", ... as rnnviz.stepper_payload wrote them, "step" the step Python holds, "show_all"."""
    for el in at.get("bidi_component"):
        if el.proto.id.endswith(f"-{key}"):
            data = json.loads(el.proto.json)
            return {name: (np.frombuffer(base64.b64decode(v["b64"]), dtype="<f8").reshape(v["shape"])
                           if isinstance(v, dict) and "b64" in v else v) for name, v in data.items()}
    raise KeyError(f"no stepper with key {key!r}")
