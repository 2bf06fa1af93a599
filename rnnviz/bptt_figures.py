"""Figures of the BPTT lesson (plotly figure specs, rnnviz.figspec): deltas, per-step contributions, norms over time."""
import numpy as np

from .figspec import FigureSpec
from .figures import DIVERGING, UIREVISION, step_heatmap, symmetric_range

KEPT, DROPPED, PAD = "#1f77b4", "rgba(150,150,150,0.6)", "rgba(200,200,200,0.6)"
# The colours of a line chart's series: the ten that Streamlit's plotly template names by placeholders, which its
# frontend replaces with the light or dark theme's chart colours (streamlit/elements/lib/streamlit_plotly_theme.py).
# A FigureSpec carries no template, so lines_figure writes them out.
THEME_COLOURS = [f"#{k:06d}" for k in range(1, 11)]


def deltas_figure(deltas, pads, current=None) -> FigureSpec:
    """delta^t = dL/dz^t for t = 1..T (deltas (T, H)); filled right to left up to the current step."""
    d = np.asarray(deltas)
    return step_heatmap(d, first_step=1, unit_names=[f"δ_{k}" for k in range(d.shape[1])], pads=pads,
                        current=current, backward=True, title="δ<sup>t</sup> = dL/dz<sup>t</sup>", value_name="δ")


def html_name(name: str) -> str:
    """An element name of rnnviz.params.element_names typeset for plotly: W_s01 -> W<sub>s01</sub>."""
    for head in ("W_", "b_"):
        if name.startswith(head):
            return f"{head[0]}<sub>{name[2:]}</sub>"
    return name


def weight_row_names(H: int, I: int) -> list:
    """Row names of W_s as the pickers name its elements: state rows W_sj· (they multiply s_j), then input rows
    W_ij· (they multiply i_j)."""
    sep = "," if max(H, I) > 10 else ""
    return ([f"W<sub>s{j}{sep}·</sub> (from s<sub>{j}</sub>)" for j in range(H)]
            + [f"W<sub>i{j}{sep}·</sub> (from i<sub>{j}</sub>)" for j in range(I)])


def contribution_matrix_figure(C, H: int, t: int) -> FigureSpec:
    """The step-t copy's gradient dL/dW_s^t = [s^{t-1} i^t]^T delta^t, C (H+I, H), with the block line; rows and
    hover name each element as the pickers do (W_s01, W_i10)."""
    C = np.asarray(C)
    r = symmetric_range(C)
    I = C.shape[0] - H
    rows = weight_row_names(H, I)
    sep = "," if max(H, I) > 10 else ""
    element = [[f"W_{'s' if j < H else 'i'}{j if j < H else j - H}{sep}{k}" for k in range(H)] for j in range(H + I)]
    small = C.shape[0] <= 32
    data = [dict(type="heatmap", z=C, x=[f"to s<sub>{k}</sub>" for k in range(H)], y=rows, zmin=-r, zmax=r, zmid=0,
                 colorscale=DIVERGING, xgap=1 if small else 0, ygap=1 if small else 0, colorbar=dict(thickness=12),
                 text=element, hovertemplate="dL/d%{text}<sup>" + str(t) + "</sup> = %{z:.10g}<extra></extra>")]
    shapes = [dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=H - 0.5, y1=H - 0.5,
                   line=dict(color="black", width=2))] if C.shape[0] > H else []
    layout = dict(title=dict(text=f"dL/dW<sub>s</sub><sup>{t}</sup> = [s<sup>{t - 1}</sup> i<sup>{t}</sup>]"
                                   f"<sup>⊤</sup> δ<sup>{t}</sup>"),
                  yaxis=dict(autorange="reversed", type="category"), xaxis=dict(type="category"), shapes=shapes,
                  uirevision=UIREVISION, margin=dict(l=10, r=10, t=40, b=10),
                  height=min(max(240, 90 + 26 * C.shape[0]), 640))
    return FigureSpec(dict(data=data, layout=layout))


def element_steps_figure(values, names, steps, totals) -> FigureSpec:
    """Weight elements (rows) by steps (columns): each copy's contribution; the total beside them.

    values (n_elements, n_steps); totals (n_elements,). The two panels have their own colour ranges.
    """
    v, tot = np.asarray(values), np.asarray(totals)
    r, rt = symmetric_range(v), symmetric_range(tot)
    data = [dict(type="heatmap", z=v, x=np.asarray(steps), y=list(names), zmin=-r, zmax=r, zmid=0,
                 colorscale=DIVERGING, xgap=1, ygap=1, colorbar=dict(title=dict(text="per step"), x=0.70, thickness=10),
                 hovertemplate="%{y}, step t = %{x}: %{z:.10g}<extra></extra>"),
            dict(type="heatmap", z=tot[:, None], x=["total"], y=list(names), zmin=-rt, zmax=rt, zmid=0,
                 colorscale=DIVERGING, xaxis="x2", ygap=1, colorbar=dict(title=dict(text="total"), x=0.90, thickness=10),
                 hovertemplate="%{y} total: %{z:.10g}<extra></extra>")]
    layout = dict(xaxis=dict(domain=[0, 0.64], title=dict(text="step t")), xaxis2=dict(domain=[0.80, 0.88]),
                  yaxis=dict(autorange="reversed", type="category"), uirevision=UIREVISION,
                  title=dict(text="Each step's copy's contribution, and their sum"),
                  margin=dict(l=10, r=10, t=40, b=10), height=min(max(260, 90 + 20 * len(names)), 700))
    return FigureSpec(dict(data=data, layout=layout))


def step_bars_figure(values, pads, kept=None, title: str = "", y_title: str = "") -> FigureSpec:
    """A bar per step t = 1..T; pad steps light grey; steps not kept (truncation) dark grey."""
    v = np.asarray(values, dtype=np.float64)
    steps = np.arange(1, len(v) + 1)
    kept = np.ones(len(v), bool) if kept is None else np.asarray(kept, bool)
    colours = np.where(np.asarray(pads, bool), PAD, np.where(kept, KEPT, DROPPED))
    finite = np.isfinite(v)
    data = [dict(type="bar", x=steps, y=np.where(finite, v, np.nan), marker=dict(color=colours.tolist()),
                 hovertemplate="step t = %{x}: %{y:.10g}<extra></extra>")]
    if not finite.all():
        data.append(dict(type="scatter", x=steps[~finite], y=np.zeros((~finite).sum()), mode="markers+text",
                         text=["overflow"] * int((~finite).sum()), textposition="top center",
                         marker=dict(symbol="x", size=12, color="black")))
    layout = dict(title=dict(text=title), xaxis=dict(title=dict(text="step t")), yaxis=dict(title=dict(text=y_title)),
                  uirevision=UIREVISION, showlegend=False, margin=dict(l=10, r=10, t=40, b=10), height=300, bargap=0.1)
    return FigureSpec(dict(data=data, layout=layout))


def lines_figure(x, series: dict, title: str, y_title: str, log_y: bool = True, x_title: str = "step t",
                 y_range=None) -> FigureSpec:
    """One line per series over x; log y by default. Zeros and overflow are left out of a log axis and named
    in the hover of the points that remain."""
    data = []
    for name, y in series.items():
        y = np.asarray(y, dtype=np.float64)
        shown = np.where(np.isfinite(y) & ((y > 0) if log_y else True), y, np.nan)
        data.append(dict(type="scatter", mode="lines+markers" if len(y) <= 60 else "lines", x=np.asarray(x),
                         y=shown, name=name, hovertemplate=f"{name}<br>t = %{{x}}: %{{y:.4g}}<extra></extra>"))
    layout = dict(title=dict(text=title), xaxis=dict(title=dict(text=x_title)),
                  yaxis=dict(title=dict(text=y_title), type="log" if log_y else "linear", exponentformat="power",
                             **({} if y_range is None else {"range": y_range})),
                  uirevision=UIREVISION, margin=dict(l=10, r=10, t=40, b=10), height=320,
                  legend=dict(orientation="h", y=-0.25), colorway=THEME_COLOURS)
    return FigureSpec(dict(data=data, layout=layout))
