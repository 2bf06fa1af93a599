"""FigureSpec: a plotly figure kept as the plain dict its builder wrote, drawn without re-validation.

Why: plotly validates every property of a go.Figure as it is built (and again in every update_* call), and
st.plotly_chart then deep-copies the figure; on a page rerun that was most of the server's time (issue 7).
st.plotly_chart validates a dict in full (go.Figure(**d)), but trusts an instance of plotly's BaseFigure and
only calls its to_dict(). So FigureSpec subclasses go.Figure for that alone: it never runs go.Figure.__init__
and holds no plotly objects, only the dict. Validation moves from every rerun to the tests: they check that
plotly's strict validation accepts every builder's spec (validated()) and that to_dict() carries exactly what
the validated figure would, apart from plotly's default template, which FigureSpec leaves out (the frontend
themes each chart itself; a spec writes out any template property it relies on).

What breaks it: a Streamlit that re-validates BaseFigure instances (or reads them through plotly's
attributes, which a FigureSpec does not have). The page tests draw every figure through st.plotly_chart and
would show it: slow again, or failing.
"""
import base64

import numpy as np
import plotly.graph_objects as go
from _plotly_utils.utils import is_homogeneous_array, is_skipped_key, plotlyjsShortTypes, to_typed_array_spec

# Streamlit's light theme (chartCategoricalColors) in the order of the colour placeholders #000001 … #000010
# that the figure builders write and Streamlit's frontend swaps for its theme's colours.
STREAMLIT_CATEGORICAL = ("#0068c9", "#83c9ff", "#ff2b2b", "#ffabab", "#29b09d", "#7defa1", "#ff8700", "#ffd16a",
                         "#6d3fc0", "#d5dae5")
PLACEHOLDERS = {f"#{k:06d}": colour for k, colour in enumerate(STREAMLIT_CATEGORICAL, start=1)}


class FigureSpec(go.Figure):
    """A figure dict {"data": [trace dicts], "layout": {...}} that st.plotly_chart draws as it is.

    Write properties in full (title=dict(text=...), line=dict(width=0)): no plotly shorthand is expanded.
    """

    def __init__(self, spec: dict):                            # go.Figure.__init__ (validation) is never run
        self._spec = spec

    @property
    def spec(self) -> dict:
        """The builder's dict itself (not a copy): numpy arrays as the builder left them."""
        return self._spec

    def to_dict(self) -> dict:
        """A fresh copy of the dict (dicts and lists copied, numpy arrays shared), with every array that is a
        dict's value replaced by plotly's typed-array spec, as go.Figure.to_dict() would send it (what
        plotly's convert_to_base64 makes of the copy, in one walk: tests/test_figspec.py)."""
        return _wire(self._spec)

    def themed(self, template: str = "plotly_white") -> dict:
        """The figure outside Streamlit (a notebook, a picture): every colour placeholder replaced by Streamlit's
        light-theme colour, and a plotly template (Streamlit themes each chart itself; plotly.js alone would use
        bare defaults: black lines, tick labels cut off)."""
        fig = _themed(self.to_dict())
        fig.setdefault("layout", {}).setdefault("template", template)
        return fig

    def show(self, *args, **kwargs) -> None:
        """Display the figure with plotly's own renderer (inline in Jupyter), themed as in the app."""
        go.Figure(self.themed()).show(*args, **kwargs)

    def _ipython_display_(self) -> None:                       # a figure as a notebook cell's last line
        self.show()

    def validated(self) -> go.Figure:
        """The spec through plotly's strict validation: raises ValueError on any invalid property (for tests)."""
        return go.Figure(self._spec)


def show(spec: FigureSpec) -> None:
    """Display a figure builder's figure inline in Jupyter, themed as in the app (FigureSpec.show)."""
    spec.show()


def _themed(value):
    """A figure dict with every Streamlit colour placeholder replaced by its light-theme colour."""
    if isinstance(value, dict):
        return {key: _themed(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_themed(v) for v in value]
    if isinstance(value, str):
        return PLACEHOLDERS.get(value.lower(), value)
    return value


def _wire(value):
    """The structure copy of a dict or list in which each dict value that is an array is a typed-array spec."""
    if isinstance(value, dict):
        return {key: _structure_copy(v) if is_skipped_key(key) else _wire_value(v) for key, v in value.items()}
    return [_wire(v) if isinstance(v, (dict, list, tuple)) else v for v in value]    # arrays in lists: as they are


def _wire_value(value):
    if isinstance(value, (dict, list, tuple)):
        return _wire(value)
    if isinstance(value, np.ndarray) and value.size and str(value.dtype) in plotlyjsShortTypes:
        spec = {"dtype": plotlyjsShortTypes[str(value.dtype)],                  # plotly's to_typed_array_spec,
                "bdata": base64.b64encode(np.ascontiguousarray(value)).decode("ascii")}  # without its copies
        if value.ndim > 1:
            spec["shape"] = str(value.shape)[1:-1]
        return spec
    if isinstance(value, (str, int, float, type(None))):
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind in "USOb":
        return value                                # text and truth arrays: plotly's copy would send the same JSON
    return to_typed_array_spec(value) if is_homogeneous_array(value) else value     # int64, pandas, …: plotly's way


def _structure_copy(value):
    """A copy of nested dicts, lists and tuples (tuples become lists); other values are shared."""
    if isinstance(value, dict):
        return {key: _structure_copy(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_structure_copy(v) for v in value]
    return value
