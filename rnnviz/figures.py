"""Pure functions that turn rnnviz arrays into plotly figures (no streamlit here), each written as the plain
dict of a FigureSpec (rnnviz.figspec: drawn without plotly's validation; tests/test_figspec.py validates).

Conventions: steps run left to right, units top to bottom; a diverging colour scale centred on 0 whose
range is fixed by the caller so that colours compare across steps; pad steps are hatched grey and
labelled; NaN or inf never vanish silently: such cells are drawn as black crosses labelled "overflow".
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


def symmetric_range(*arrays, floor: float = 1e-12) -> float:
    """The largest finite |value| over the arrays (at least `floor`): the colour scale runs from -r to r."""
    finite = [np.abs(a[np.isfinite(a)]).max() for a in arrays if np.isfinite(a).any()]
    return float(max(finite + [floor]))


def step_heatmap(values, first_step: int = 1, unit_names=None, pads=None, current=None, zmax=None,
                 title: str = "", value_name: str = "value", height: int | None = None,
                 backward: bool = False, reveal: bool = True) -> FigureSpec:
    """Heatmap of per-step vectors: values (n_steps, n_units), column j is step first_step + j.

    pads: (n_steps,) bool, True where the step is a pad (hatched, tick labelled "pad").
    current: the step to outline; later steps (earlier ones when backward) are not reached yet: greyed when
    reveal, else left empty (no colour, no hover value: they are not computed yet). None shows every step.
    zmax: colour range [-zmax, zmax]; by default the largest finite |value|.
    """
    v = np.asarray(values, dtype=np.float64)
    n_steps, n_units = v.shape
    steps = np.arange(first_step, first_step + n_steps)
    names = list(unit_names) if unit_names is not None else [str(k) for k in range(n_units)]
    pads = np.zeros(n_steps, bool) if pads is None else np.asarray(pads, bool)
    r = symmetric_range(v) if zmax is None else float(zmax)
    reached = np.ones(n_steps, bool)
    if current is not None and not reveal:
        reached = steps >= current if backward else steps <= current
    finite = np.isfinite(v) | ~reached[:, None]                            # unreached cells are empty, not overflow
    data = [dict(type="heatmap", z=np.where(np.isfinite(v) & reached[:, None], v, np.nan).T,   # NaN = no colour
                 x=steps, y=names, zmin=-r, zmax=r, zmid=0, colorscale=DIVERGING, hoverongaps=False,
                 xgap=1 if n_steps <= 60 else 0, ygap=1 if n_units <= 32 else 0,   # gaps would hide small cells
                 colorbar=dict(title=dict(text=value_name), thickness=12),
                 hovertemplate=f"{value_name} = %{{z:.10g}}<br>unit %{{y}}, step t = %{{x}}<extra></extra>")]
    if not finite.all():                                                   # overflow: never a blank cell
        t_bad, u_bad = np.nonzero(~finite)
        data.append(dict(type="scatter", x=steps[t_bad], y=[names[u] for u in u_bad], mode="markers",
                         marker=dict(symbol="x", size=12, color="black"), name="overflow",
                         text=[str(x) for x in v[t_bad, u_bad]],
                         hovertemplate="overflow (%{text})<br>unit %{y}, step t = %{x}<extra></extra>"))
    shapes = [_column(a, b, fillcolor=PAD_FILL, line=dict(width=0)) for a, b in _runs(steps, pads)]
    if current is not None and reveal:
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
                  height: int | None = None, reveal: bool = True) -> FigureSpec:
    """States s^0..s^T of one sequence: states (T+1, H); lengths_mask (T,) True at real steps; reveal=False
    leaves the states after `current` empty (see step_heatmap)."""
    s = np.asarray(states)
    pads = None if lengths_mask is None else np.concatenate([[False], ~np.asarray(lengths_mask, bool)])
    return step_heatmap(s, first_step=0, unit_names=[f"s_{k}" for k in range(s.shape[1])], pads=pads,
                        current=current, zmax=zmax, title=title, value_name="s", height=height, reveal=reveal)


def inputs_figure(inputs, lengths_mask=None, current=None, title="Inputs i<sup>1</sup> … i<sup>T</sup>") -> FigureSpec:
    """Inputs i^1..i^T of one sequence: inputs (T, I); lengths_mask (T,) True at real steps."""
    x = np.asarray(inputs)
    pads = None if lengths_mask is None else ~np.asarray(lengths_mask, bool)
    return step_heatmap(x, first_step=1, unit_names=[f"i_{k}" for k in range(x.shape[1])], pads=pads,
                        current=current, title=title, value_name="i")
