"""Pure functions that turn rnnviz arrays into plotly figures (no streamlit here), each written as the plain
dict of a FigureSpec (rnnviz.figspec: drawn without plotly's validation; tests/test_figspec.py validates).

Conventions: steps run left to right, units top to bottom; a diverging colour scale centred on 0 whose
range is fixed by the caller so that colours compare across steps, and turns logarithmic when the values
span too many orders of magnitude for a linear one (LOG_ABOVE); pad steps are shaded grey and labelled; NaN
or inf never vanish silently: each such cell is drawn black, its own cell, in a trace named "overflow".
"""
import numpy as np
from plotly.colors import diverging

from .figspec import FigureSpec

# Blue negative, white 0, red positive: plotly's "RdBu_r" as the stops plotly.py expands the name to (plotly.js
# has no "RdBu_r", and its own "RdBu" has other colours).
DIVERGING = [[k / (len(diverging.RdBu_r) - 1), colour] for k, colour in enumerate(diverging.RdBu_r)]
PAD_FILL = "rgba(120,120,120,0.35)"
FUTURE_FILL = "rgba(255,255,255,0.75)"
UIREVISION = "rnnviz"         # constant: zoom and pan survive reruns
LOG_ABOVE = 1e4               # a colour range wider than ±LOG_ABOVE is drawn on a signed log scale
OVERFLOW_SCALE = [[0, "black"], [1, "black"]]


def symmetric_range(*arrays, floor: float = 1e-12) -> float:
    """The largest finite |value| over the arrays (at least `floor`): the colour scale runs from -r to r."""
    finite = [np.abs(a[np.isfinite(a)]).max() for a in arrays if np.isfinite(a).any()]
    return float(max(finite + [floor]))


def signed_log(v):
    """sign(v) log10(1 + |v|): a colour coordinate in which 0.5, 1e10 and 1e300 all get distinct colours."""
    v = np.asarray(v, dtype=np.float64)
    return np.sign(v) * np.log10(1.0 + np.abs(v))


def log_colour_bar(r: float, title: str) -> dict:
    """A colour bar for signed_log values in [-signed_log(r), signed_log(r)], ticks at powers of ten labelled
    with the values they stand for."""
    top = int(np.floor(np.log10(r)))
    spacing = max(1, (top + 5) // 6)
    powers = list(range(0 if spacing == 1 else spacing, top + 1, spacing)) or [0]
    vals = [-float(signed_log(10.0 ** k)) for k in reversed(powers)] + [0.0] + [float(signed_log(10.0 ** k)) for k in powers]
    text = [f"−1e{k}" for k in reversed(powers)] + ["0"] + [f"1e{k}" for k in powers]
    return dict(title=dict(text=title + "<br>(log)"), thickness=12, tickmode="array", tickvals=vals, ticktext=text)


def overflow_trace(v, steps, names, gaps: tuple) -> dict | None:
    """A heatmap trace that fills every non-finite cell of v (n_steps, n_units) black, each in its own cell
    (markers of a fixed size would merge into one bar when cells are small); None when all are finite."""
    bad = ~np.isfinite(v)
    if not bad.any():
        return None
    text = np.where(bad, v.astype(str), "").T.tolist()                    # "inf", "-inf" or "nan" in the hover
    return dict(type="heatmap", z=np.where(bad, 1.0, np.nan).astype(np.float32).T, x=steps, y=names, zmin=0, zmax=1,
                colorscale=OVERFLOW_SCALE, showscale=False, hoverongaps=False, name="overflow", xgap=gaps[0],
                ygap=gaps[1], text=text, hovertemplate="overflow (%{text})<br>unit %{y}, step t = %{x}<extra></extra>")


def step_heatmap(values, first_step: int = 1, unit_names=None, pads=None, current=None, zmax=None,
                 title: str = "", value_name: str = "value", height: int | None = None,
                 backward: bool = False) -> FigureSpec:
    """Heatmap of per-step vectors: values (n_steps, n_units), column j is step first_step + j.

    pads: (n_steps,) bool, True where the step is a pad (shaded, tick labelled "pad").
    current: the step to outline; later steps (earlier ones when backward) are greyed as not yet reached.
    None shows every step plainly. (The pages step with the in-browser stepper, which draws only the steps
    computed so far; these figures are for notebooks and pictures.)
    zmax: colour range [-zmax, zmax]; by default the largest finite |value|. A range beyond ±LOG_ABOVE is
    drawn on a signed log scale (z = signed_log(value), the true value in customdata and in the hover).
    """
    v = np.asarray(values, dtype=np.float64)
    n_steps, n_units = v.shape
    steps = np.arange(first_step, first_step + n_steps)
    names = list(unit_names) if unit_names is not None else [str(k) for k in range(n_units)]
    pads = np.zeros(n_steps, bool) if pads is None else np.asarray(pads, bool)
    r = symmetric_range(v) if zmax is None else float(zmax)
    shown_v = np.where(np.isfinite(v), v, np.nan)                          # NaN = no colour
    gaps = (1 if n_steps <= 60 else 0, 1 if n_units <= 32 else 0)         # gaps would hide small cells
    heat = dict(type="heatmap", z=shown_v.T, x=steps, y=names, zmin=-r, zmax=r, zmid=0, colorscale=DIVERGING,
                xgap=gaps[0], ygap=gaps[1], colorbar=dict(title=dict(text=value_name), thickness=12),
                hovertemplate=f"{value_name} = %{{z:.10g}}<br>unit %{{y}}, step t = %{{x}}<extra></extra>")
    if r > LOG_ABOVE:                                                      # 1e300 and 0.5 in one chart: log colours
        lr = float(signed_log(r))
        heat.update(z=signed_log(shown_v).T, customdata=shown_v.T, zmin=-lr, zmax=lr,
                    colorbar=log_colour_bar(r, value_name),
                    hovertemplate=f"{value_name} = %{{customdata:.6g}}<br>unit %{{y}}, step t = %{{x}}<extra></extra>")
    data = [heat]
    overflow = overflow_trace(v, steps, names, gaps)
    if overflow is not None:                                               # overflow: never a blank cell
        data.append(overflow)
    shapes = [_column(a, b, fillcolor=PAD_FILL, line=dict(width=0)) for a, b in _runs(steps, pads)]
    if current is not None:
        if backward and current > steps[0]:                                   # back-propagation runs right to left
            shapes.append(_column(steps[0], current - 1, fillcolor=FUTURE_FILL, line=dict(width=0)))
        if not backward and current < steps[-1]:
            shapes.append(_column(current + 1, steps[-1], fillcolor=FUTURE_FILL, line=dict(width=0)))
    if current is not None and steps[0] <= current <= steps[-1]:
        shapes.append(_column(current, current, line=dict(color="black", width=3)))
    ticks = [f"{t}<br>pad" if pad else str(t) for t, pad in zip(steps, pads)]
    shown = steps % _tick_spacing(n_steps) == 0 if n_steps > 16 else np.ones(n_steps, bool)   # readable ticks
    layout = dict(title=dict(text=title), uirevision=UIREVISION, shapes=shapes, showlegend=False,
                  margin=dict(l=10, r=10, t=40 if title else 10, b=10),
                  height=height or min(max(240, 90 + 28 * n_units), 640),
                  xaxis=dict(title=dict(text="step t"), range=[steps[0] - 0.5, steps[-1] + 0.5], autorange=False,
                             tickmode="array", tickvals=steps[shown],
                             ticktext=[tick for tick, keep in zip(ticks, shown) if keep]),
                  yaxis=dict(title=dict(text="unit"), autorange="reversed", type="category"))
    return FigureSpec(dict(data=data, layout=layout))


def _tick_spacing(n_steps: int, most: int = 16) -> int:
    """A round step between tick labels (1, 2, 5, 10, 20, 50, ...) giving at most `most` labels."""
    for spacing in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000):
        if n_steps / spacing <= most:
            return spacing
    return n_steps


def _runs(steps, flags) -> list:
    """(first, last) step of each run of consecutive flagged steps."""
    runs = []
    for t, flag in zip(steps, flags):
        if flag and runs and runs[-1][1] == t - 1:
            runs[-1][1] = t
        elif flag:
            runs.append([t, t])
    return [tuple(r) for r in runs]


def _column(first: int, last: int, **style) -> dict:
    """A rectangle over the columns of steps first..last, the full height of the plot, above the cells."""
    return dict(type="rect", xref="x", yref="paper", x0=first - 0.5, x1=last + 0.5, y0=0, y1=1, layer="above", **style)


def states_figure(states, lengths_mask=None, current=None, zmax=None, title="States s<sup>0</sup> … s<sup>T</sup>",
                  height: int | None = None) -> FigureSpec:
    """States s^0..s^T of one sequence: states (T+1, H); lengths_mask (T,) True at real steps."""
    s = np.asarray(states)
    pads = None if lengths_mask is None else np.concatenate([[False], ~np.asarray(lengths_mask, bool)])
    return step_heatmap(s, first_step=0, unit_names=[f"s_{k}" for k in range(s.shape[1])], pads=pads,
                        current=current, zmax=zmax, title=title, value_name="s", height=height)


def inputs_figure(inputs, lengths_mask=None, current=None, title="Inputs i<sup>1</sup> … i<sup>T</sup>") -> FigureSpec:
    """Inputs i^1..i^T of one sequence: inputs (T, I); lengths_mask (T,) True at real steps."""
    x = np.asarray(inputs)
    pads = None if lengths_mask is None else ~np.asarray(lengths_mask, bool)
    return step_heatmap(x, first_step=1, unit_names=[f"i_{k}" for k in range(x.shape[1])], pads=pads,
                        current=current, title=title, value_name="i")
