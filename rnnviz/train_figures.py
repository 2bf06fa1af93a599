"""Pure functions that draw training and generalisation as plotly figures (no streamlit here).

Each figure is written as one plain dict, a FigureSpec (rnnviz.figspec: drawn without plotly's validation),
with a constant uirevision so zoom survives reruns.
"""
import numpy as np

from .figspec import FigureSpec
from .figures import UIREVISION

MAX_POINTS = 600                    # a loss curve longer than this is drawn as means over equal bins (about
                                    # a point per pixel of a half-width chart: the live view stays light)
DOTS_UP_TO = 50                     # updates whose losses are also dots (one update alone is no line)
RNN_COLOUR, FF_COLOUR, VAL_COLOUR = "#1f77b4", "#d62728", "#ff7f0e"
TRAINED_FILL = "rgba(44,160,44,0.12)"
SERIES_STYLES = ((RNN_COLOUR, "solid", "circle"), (FF_COLOUR, "dot", "square"), ("#9467bd", "dash", "diamond"),
                 ("#8c564b", "dashdot", "triangle-up"))


def binned(values, max_points: int = MAX_POINTS):
    """(x, y): the values against update 1..n, or, when n > max_points, the mean of each of max_points
    equal bins against the bin's middle update (so a long run stays a light chart)."""
    v = np.asarray(values, dtype=np.float64)
    n = v.size
    if n <= max_points:
        return np.arange(1, n + 1, dtype=np.float64), v
    edges = np.linspace(0, n, max_points + 1).astype(np.int64)
    sums = np.add.reduceat(v, edges[:-1])
    counts = np.diff(edges)
    return (edges[:-1] + edges[1:]) / 2 + 0.5, sums / counts


def loss_figure(train_losses, val_points, title: str = "Loss", height: int = 340) -> FigureSpec:
    """Training loss per update (each minibatch's loss; bin means on long runs) and validation loss.

    train_losses: (n,) one per update; val_points: [(update, loss)], update 0 is before training.
    """
    x, y = binned(train_losses)
    vx = np.array([u for u, _ in val_points], dtype=np.float64)
    vy = np.array([v for _, v in val_points], dtype=np.float64)
    name = "training (minibatch)" if len(train_losses) <= MAX_POINTS else "training (mean per bin)"
    # The validation curve goes on top of the training curve but cannot hide it: dashed, half transparent, its
    # measured points as open circles (the training line shows through the gaps).
    data = [dict(type="scatter", x=x, y=y, mode="lines+markers" if len(train_losses) <= DOTS_UP_TO else "lines",
                 name=name, line=dict(color=RNN_COLOUR, width=1.5), marker=dict(size=5, color=RNN_COLOUR),
                 hovertemplate="update %{x:.0f}<br>loss %{y:.4g}<extra>training</extra>"),
            dict(type="scatter", x=vx, y=vy, mode="lines+markers", name="validation", opacity=0.8,
                 line=dict(color=VAL_COLOUR, width=2, dash="dash"),
                 marker=dict(size=8, symbol="circle-open", line=dict(width=2, color=VAL_COLOUR)),
                 hovertemplate="update %{x:.0f}<br>loss %{y:.4g}<extra>validation</extra>")]
    layout = dict(title=dict(text=title), uirevision=UIREVISION, height=height,
                  margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.22, x=0),
                  xaxis=dict(title=dict(text="update"), rangemode="tozero",
                             **({} if len(train_losses) else {"range": [0, 100]})),   # before training: an empty axis
                  yaxis=dict(title=dict(text="loss (log scale)"), type="log", exponentformat="power"))
    return FigureSpec(dict(data=data, layout=layout))


def generalisation_figure(lengths, series: dict, trained: tuple, metric_name: str, higher_is_better: bool,
                          chance: float | None = None, title: str = "", height: int = 360) -> FigureSpec:
    """The task's metric against sequence length, one line per model, with the trained lengths shaded.

    lengths (K,); series {name: (K,) values} (e.g. "RNN" and "feed-forward", see Trainer.by_length), drawn
    in order with the colours of SERIES_STYLES; trained: (shortest, longest) training lengths;
    chance: the metric of guessing (a dashed line). Errors use a log axis, accuracy 0..1.
    """
    L = np.asarray(lengths, dtype=np.float64)
    data = []
    for k, (name, values) in enumerate(series.items()):
        colour, dash, symbol = SERIES_STYLES[k % len(SERIES_STYLES)]
        data.append(dict(type="scatter", x=L, y=np.asarray(values, dtype=np.float64), mode="lines+markers", name=name,
                         line=dict(color=colour, width=2, dash=dash), marker=dict(symbol=symbol, size=6),
                         hovertemplate=f"length %{{x}}<br>{metric_name} %{{y:.4g}}<extra>{name}</extra>"))
    shapes = [dict(type="rect", xref="x", yref="paper", x0=trained[0] - 0.5, x1=trained[1] + 0.5, y0=0, y1=1,
                   fillcolor=TRAINED_FILL, line=dict(width=0), layer="below")]
    annotations = [dict(x=(trained[0] + trained[1]) / 2, y=1, xref="x", yref="paper", yanchor="bottom",
                        text="trained lengths", showarrow=False, font=dict(color="#2ca02c"))]
    if chance is not None:
        shapes.append(dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=chance, y1=chance,
                           line=dict(color="grey", dash="dash", width=1)))
        annotations.append(dict(x=1, xref="paper", xanchor="right", y=chance, yref="y", yanchor="bottom",
                                text="guessing", showarrow=False, font=dict(color="grey", size=11)))
    yaxis = (dict(title=dict(text=f"{metric_name} (higher is better)"), range=[0, 1.05]) if higher_is_better
             else dict(title=dict(text=f"{metric_name} (log scale, lower is better)"), type="log",
                       exponentformat="power"))
    layout = dict(title=dict(text=title), uirevision=UIREVISION, height=height, shapes=shapes,
                  annotations=annotations, margin=dict(l=10, r=10, t=40 if title else 25, b=10),
                  legend=dict(orientation="h", y=-0.22, x=0),
                  xaxis=dict(title=dict(text="sequence length T"), dtick=max(1, int(L.max(initial=1)) // 12)),
                  yaxis=yaxis)
    return FigureSpec(dict(data=data, layout=layout))


def prediction_figure(true, predicted, lengths, trained: tuple, unit: float = 1.0, title: str = "",
                      height: int = 360) -> FigureSpec:
    """Prediction against the true answer (regression), one dot per test sequence, coloured by whether
    its length was trained on; the diagonal is a perfect answer. Values are multiplied by unit
    (e.g. 9 to show sums of digits rather than sums of digit/9)."""
    y = np.asarray(true, dtype=np.float64).ravel() * unit
    o = np.asarray(predicted, dtype=np.float64).ravel() * unit
    n = np.asarray(lengths)
    inside = (n >= trained[0]) & (n <= trained[1])
    top = float(max(np.nanmax(np.abs(y), initial=1.0), 1.0))
    data = [dict(type="scatter", x=[0, top], y=[0, top], mode="lines", name="right answer",
                 line=dict(color="grey", dash="dash", width=1), hoverinfo="skip")]
    for mask, name, colour in ((inside, "trained lengths", RNN_COLOUR), (~inside, "longer than trained", FF_COLOUR)):
        if mask.any():
            data.append(dict(type="scatter", x=y[mask], y=o[mask], mode="markers", name=name,
                             marker=dict(color=colour, size=5, opacity=0.6), customdata=n[mask],
                             hovertemplate="true %{x:.4g}<br>predicted %{y:.4g}<br>length %{customdata}<extra></extra>"))
    layout = dict(title=dict(text=title), uirevision=UIREVISION, height=height, margin=dict(l=10, r=10, t=40, b=10),
                  legend=dict(orientation="h", y=-0.2, x=0),
                  xaxis=dict(title=dict(text="true answer")), yaxis=dict(title=dict(text="RNN's answer")))
    return FigureSpec(dict(data=data, layout=layout))
