"""Figures of "Inside a trained RNN" (rnnviz.inside), each a FigureSpec dict (no streamlit here).

    sequences_heatmap   one value per (sequence, step): a unit's activation, or the hidden variable
    r_bars              every unit's correlation r with the hidden variable, best |r| first
    unit_scatter        a unit against the hidden variable at every real step, r in the title
    influence_figure    mean ||do/di^t|| against the step, trained and untrained
    top_k_figure        the k likeliest next characters after each typed character
"""
import numpy as np

from .figspec import FigureSpec
from .figures import DIVERGING, UIREVISION, symmetric_range

TRAINED, UNTRAINED, BEYOND, NEGATIVE = "#1f77b4", "#7f7f7f", "#d62728", "#ff7f0e"
SEQUENTIAL = "Viridis"


def _layout(title: str, height: int, **kw) -> dict:
    return dict(title=dict(text=title), uirevision=UIREVISION, height=height, margin=dict(l=10, r=10, t=50, b=10),
                **kw)


def sequences_heatmap(values, texts, title: str, value_name: str, signed: bool = True, zmax=None,
                      height: int = 420) -> FigureSpec:
    """values (B, T): row b is sequence b (in the order given), column t - 1 is step t, NaN at pads (left blank).

    texts (B,) how each sequence reads (shown in the hover); signed: a blue-white-red scale centred on 0 from
    -zmax to zmax (default the largest |value|), else a sequential scale from the smallest to the largest value.
    """
    v = np.asarray(values, dtype=np.float64)
    B, T = v.shape
    colour = dict(zmin=-(zmax or symmetric_range(v)), zmax=zmax or symmetric_range(v), zmid=0,
                  colorscale=DIVERGING) if signed else dict(colorscale=SEQUENTIAL)
    heat = dict(type="heatmap", z=v, x=np.arange(1, T + 1), y=np.arange(B), hoverongaps=False, xgap=1 if T <= 40 else 0,
                ygap=1 if B <= 60 else 0, customdata=[[str(t)] * T for t in texts],
                colorbar=dict(title=dict(text=value_name), thickness=12),
                hovertemplate=f"step t = %{{x}}<br>{value_name} %{{z:.4g}}<br>%{{customdata}}<extra></extra>",
                **colour)
    layout = _layout(title, height, xaxis=dict(title=dict(text="step t"), dtick=1 if T <= 30 else None),
                     yaxis=dict(title=dict(text="test sequence (sorted)"), showticklabels=False, autorange="reversed"))
    return FigureSpec(dict(data=[heat], layout=layout))


def r_bars(r, order, title: str, height: int = 300) -> FigureSpec:
    """Bars of each unit's Pearson r with the hidden variable, units in `order` (best |r| first)."""
    r = np.asarray(r, dtype=np.float64)
    order = np.asarray(order)
    shown = r[order]
    colours = [TRAINED if v >= 0 else NEGATIVE for v in np.nan_to_num(shown)]
    data = [dict(type="bar", x=[f"unit {k}" for k in order], y=shown, marker=dict(color=colours),
                 hovertemplate="%{x}<br>r = %{y:.4f}<extra></extra>")]
    layout = _layout(title, height, xaxis=dict(title=dict(text="state unit (best |r| first)"), type="category"),
                     yaxis=dict(title=dict(text="Pearson r"), range=[-1.05, 1.05], zeroline=True))
    return FigureSpec(dict(data=data, layout=layout))


def unit_scatter(hidden, acts, title: str, hidden_label: str, unit_label: str, beyond_hidden=None,
                 beyond_acts=None, height: int = 380) -> FigureSpec:
    """The unit's value (y) against the hidden variable (x), one dot per real step of every sequence.

    hidden, acts (B, T) with NaN at pads (left out); beyond_*: the same for sequences longer than trained,
    drawn in red under them (trace 0; the trained lengths are then trace 1). The title should carry r."""
    def points(h, a):
        h, a = np.asarray(h, dtype=np.float64), np.asarray(a, dtype=np.float64)
        real = np.isfinite(h)
        return h[real], a[real]

    data = []
    if beyond_hidden is not None:                                     # drawn first: the trained dots stay on top
        bx, by = points(beyond_hidden, beyond_acts)
        data.append(dict(type="scatter", x=bx, y=by, mode="markers", name="longer than trained",
                         marker=dict(color=BEYOND, size=5, opacity=0.35, symbol="x"),
                         hovertemplate=f"{hidden_label} %{{x:.4g}}<br>{unit_label} %{{y:.4g}}<extra>longer</extra>"))
    x, y = points(hidden, acts)
    data.append(dict(type="scatter", x=x, y=y, mode="markers", name="trained lengths",
                     marker=dict(color=TRAINED, size=5, opacity=0.5),
                     hovertemplate=f"{hidden_label} %{{x:.4g}}<br>{unit_label} %{{y:.4g}}<extra></extra>"))
    layout = _layout(title, height, legend=dict(orientation="h", y=-0.25, x=0),
                     xaxis=dict(title=dict(text=hidden_label)), yaxis=dict(title=dict(text=unit_label)))
    return FigureSpec(dict(data=data, layout=layout))


def influence_figure(trained, untrained, title: str, height: int = 340) -> FigureSpec:
    """Mean ||do/di^t|| against step t = 1..T for the trained (blue) and the untrained (grey) network, log y."""
    a, b = np.asarray(trained, dtype=np.float64), np.asarray(untrained, dtype=np.float64)
    t = np.arange(1, a.size + 1)
    data = [dict(type="scatter", x=t, y=a, mode="lines+markers", name="trained", line=dict(color=TRAINED, width=2),
                 hovertemplate="step %{x}<br>mean ||do/di^t|| %{y:.4g}<extra>trained</extra>"),
            dict(type="scatter", x=t, y=b, mode="lines+markers", name="untrained (its initial weights)",
                 line=dict(color=UNTRAINED, width=2, dash="dash"), marker=dict(symbol="square"),
                 hovertemplate="step %{x}<br>mean ||do/di^t|| %{y:.4g}<extra>untrained</extra>")]
    layout = _layout(title, height, legend=dict(orientation="h", y=-0.25, x=0),
                     xaxis=dict(title=dict(text="input step t (the output is read after the last step)"), dtick=1),
                     yaxis=dict(title=dict(text="mean ||do/di^t|| (log scale)"), type="log", exponentformat="power"))
    return FigureSpec(dict(data=data, layout=layout))


def top_k_figure(chars, probs, labels, title: str, height: int = 300) -> FigureSpec:
    """chars (T, k) and probs (T, k): after typed character t (column t, labelled by labels (T,)), the k
    likeliest next characters, likeliest at the top; colour = probability, text = the character."""
    c = np.asarray(chars, dtype=object)
    q = np.asarray(probs, dtype=np.float64)
    T, k = q.shape
    shown = np.array([[("␣" if ch == " " else ch) for ch in row] for row in c], dtype=object)
    heat = dict(type="heatmap", z=q.T, x=np.arange(1, T + 1), y=np.arange(1, k + 1), zmin=0, zmax=1,
                colorscale=[[0, "#f7fbff"], [0.5, "#6baed6"], [1, "#08306b"]], text=shown.T.tolist(), texttemplate="%{text}", textfont=dict(size=13), xgap=1, ygap=1,
                colorbar=dict(title=dict(text="probability"), thickness=12),
                hovertemplate="after step %{x}<br>rank %{y}: %{text}<br>probability %{z:.3f}<extra></extra>")
    layout = _layout(title, height,
                     xaxis=dict(title=dict(text="after reading character (step t)"), tickmode="array",
                                tickvals=list(range(1, T + 1)), ticktext=[str(s) for s in labels]),
                     yaxis=dict(title=dict(text="rank"), autorange="reversed", dtick=1))
    return FigureSpec(dict(data=[heat], layout=layout))
