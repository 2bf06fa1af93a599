"""Figures for a padded batch (pure functions returning plotly figure specs, rnnviz.figspec; no streamlit here).

Same conventions as rnnviz.figures: steps left to right, a diverging colour scale centred on 0, pads
hatched grey. The per-sequence state heatmaps reuse figures.states_figure and figures.step_heatmap.
"""
import numpy as np

from .checks import check_lengths
from .figspec import FigureSpec
from .figures import DIVERGING, PAD_FILL, UIREVISION, states_figure, step_heatmap, symmetric_range

REAL_COLOUR = "#9ecae1"       # a real step in the mask
PAD_COLOUR = "#d9d9d9"        # a pad step in the mask
DRIFT_LINE = "#d62728"        # where an unmasked run starts feeding pads through f_s


def plain(text) -> str:
    """Typed text shown literally by plotly (its labels understand a few HTML tags and entities)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mask_figure(lengths, T: int, row_names=None, cell_text=None, title: str = "The mask") -> FigureSpec:
    """The B x T mask as a heatmap: 1 (real step, blue) where t <= lengths[b], 0 (pad, grey) after.

    lengths (B,) whole numbers 0..T; row_names (B,) labels for the sequences (default "seq b");
    cell_text (B, T) strings written in the real cells (e.g. the characters read); pads read "pad".
    z is the mask itself, (B, T) of 1.0 and 0.0.
    """
    n = check_lengths(lengths, T=T)
    B = n.size
    steps = np.arange(1, T + 1)
    mask = (steps[None, :] <= n[:, None]).astype(np.float64)            # 1 = real step, 0 = pad
    text = np.where(mask == 1, "", "pad").astype(object)
    if cell_text is not None:
        text = np.where(mask == 1, np.asarray(cell_text, dtype=object), "pad")
    text = np.vectorize(lambda s: "␣" if s == " " else plain(s), otypes=[object])(text)   # a visible space
    names = [plain(s) for s in row_names] if row_names is not None else [f"seq {b}" for b in range(B)]
    data = [dict(type="heatmap", z=mask, x=steps, y=list(range(B)), zmin=0, zmax=1, xgap=2, ygap=2, showscale=False,
                 colorscale=[[0.0, PAD_COLOUR], [0.5, PAD_COLOUR], [0.5, REAL_COLOUR], [1.0, REAL_COLOUR]],
                 text=text, texttemplate="%{text}", textfont=dict(size=12),
                 customdata=np.where(mask == 1, "real step", "pad").astype(object),
                 hovertemplate="sequence %{y}, step t=%{x}: %{customdata}<extra></extra>")]
    layout = dict(title=dict(text=title), uirevision=UIREVISION, margin=dict(l=10, r=10, t=40 if title else 10, b=10),
                  height=max(170, 100 + 30 * B),
                  xaxis=dict(title=dict(text="step t"), tickmode="array", tickvals=steps[:: max(1, T // 30)]),
                  yaxis=dict(title=dict(text=""), autorange="reversed", tickmode="array", tickvals=list(range(B)),
                             ticktext=names))
    return FigureSpec(dict(data=data, layout=layout))


def padded_inputs_figure(inputs, lengths, title: str = "The padded inputs") -> FigureSpec:
    """inputs (B, T, I) of a padded batch as one heatmap: I rows per sequence, one column per step.

    Row b*I + k is component i_k of sequence b (z = inputs.transpose(0, 2, 1).reshape(B*I, T)); each
    sequence's pads (steps t > lengths[b]) are hatched grey; thin lines separate the sequences.
    """
    x = np.asarray(inputs, dtype=np.float64)
    B, T, I = x.shape
    n = check_lengths(lengths, T=T)
    steps = np.arange(1, T + 1)
    z = x.transpose(0, 2, 1).reshape(B * I, T)                          # rows (b, k), columns t
    r = symmetric_range(z, floor=1.0)
    rows = [f"seq {b} · i_{k}" for b in range(B) for k in range(I)]
    data = [dict(type="heatmap", z=z, x=steps, y=list(range(B * I)), zmin=-r, zmax=r, zmid=0, colorscale=DIVERGING,
                 xgap=1, ygap=0, colorbar=dict(title=dict(text="i"), thickness=12),
                 text=np.array(rows, dtype=object)[:, None].repeat(T, 1),
                 hovertemplate="%{text}, step t=%{x}: %{z:.10g}<extra></extra>")]
    shapes = []
    for b, L in enumerate(n.tolist()):
        if L < T:                                                       # this sequence's pad vectors
            shapes.append(dict(type="rect", x0=L + 0.5, x1=T + 0.5, y0=b * I - 0.5, y1=(b + 1) * I - 0.5,
                               fillcolor=PAD_FILL, line=dict(width=0), layer="above"))
        if b:
            shapes.append(dict(type="line", x0=0.5, x1=T + 0.5, y0=b * I - 0.5, y1=b * I - 0.5,
                               line=dict(color="black", width=1.5), layer="above"))
    every = max(1, (B * I) // 40)
    layout = dict(title=dict(text=title), uirevision=UIREVISION, shapes=shapes, showlegend=False,
                  margin=dict(l=10, r=10, t=40 if title else 10, b=10), height=max(200, 110 + min(14 * B * I, 900)),
                  xaxis=dict(title=dict(text="step t  (grey: pad vectors, all zeros)"), tickmode="array",
                             tickvals=steps[:: max(1, T // 30)]),
                  yaxis=dict(autorange="reversed", tickmode="array", tickvals=list(range(0, B * I, every)),
                             ticktext=rows[::every]))
    return FigureSpec(dict(data=data, layout=layout))


def masked_states_figure(states, length: int, zmax=None, title: str = "", height: int | None = None,
                         colour_bar: bool = True) -> FigureSpec:
    """States s^0..s^T (T+1, H) of one sequence of a masked run; steps t > length hatched as pads.

    colour_bar=False hides the scale (when many small charts share one range given by zmax)."""
    s = np.asarray(states)
    T = s.shape[0] - 1
    fig = states_figure(s, lengths_mask=np.arange(1, T + 1) <= length, zmax=zmax, title=title, height=height)
    return _with_colour_bar(fig, colour_bar)


def unmasked_states_figure(states, length: int, zmax=None, title: str = "", height: int | None = None,
                           colour_bar: bool = True) -> FigureSpec:
    """States s^0..s^T (T+1, H) of one sequence run WITHOUT the mask (pads fed through f_s as zero inputs).

    Steps after `length` are not hatched (their colours are the drift); a dashed red box encloses them and
    their ticks read "0 in" (a zero input went through f_s). colour_bar=False hides the scale.
    """
    s = np.asarray(states)
    T = s.shape[0] - 1
    fig = step_heatmap(s, first_step=0, unit_names=[f"s_{k}" for k in range(s.shape[1])], zmax=zmax,
                       title=title, value_name="s", height=height)
    layout = fig.spec["layout"]
    if length < T:
        layout["shapes"].append(dict(type="rect", x0=length + 0.5, x1=T + 0.5, y0=-0.5, y1=s.shape[1] - 0.5,
                                     line=dict(color=DRIFT_LINE, width=2, dash="dash"), fillcolor="rgba(0,0,0,0)",
                                     layer="above"))
    steps = np.arange(0, T + 1)
    ticks = [f"{t}<br>0 in" if t > length else str(t) for t in steps]
    every = max(1, (T + 1) // 40)
    layout["xaxis"].update(tickvals=steps[::every], ticktext=ticks[::every])
    return _with_colour_bar(fig, colour_bar)


def _with_colour_bar(fig: FigureSpec, shown: bool) -> FigureSpec:
    """The state heatmap (trace 0) with its colour scale shown or hidden."""
    fig.spec["data"][0]["showscale"] = shown
    return fig


def grid_figure(panels, columns: int, column_titles=(), title: str = "", panel_height: int = 120,
                colour_bar: bool = True) -> FigureSpec:
    """One figure of one-heatmap panels (figures with a single x and y axis, e.g. masked_states_figure and
    unmasked_states_figure), row by row, `columns` to a row, each keeping its traces, shapes, axes and title.

    Rows line up across the columns (one plot height, panel_height px, for all); x-axis titles are kept on
    the bottom row and y-axis titles on the left column only. The panels' colour ranges are theirs: give them
    one zmax so that colours compare. colour_bar=True shows the first panel's scale for all of them.
    """
    rows = -(-len(panels) // columns)
    gap, top = 90, 40 * bool(title) + 30 * bool(column_titles) + 26     # px: ticks, axis title and panel title
    plot = rows * panel_height + (rows - 1) * gap                       # px of the plot area
    hgap = 0.06                                                         # between columns, fraction of the width
    width = (1 - hgap * (columns - 1)) / columns
    data, shapes, annotations = [], [], []
    layout = dict(title=dict(text=title, yref="container", y=1, yanchor="top", pad=dict(t=10)),   # above the rest
                  uirevision=UIREVISION, showlegend=False, height=plot + top + 50,
                  margin=dict(l=10, r=10, t=top, b=50))
    for k, panel in enumerate(panels):
        row, col = divmod(k, columns)
        n = "" if k == 0 else str(k + 1)                                # plotly's axis names: x, x2, x3, ...
        x0, y1 = col * (width + hgap), 1 - row * (panel_height + gap) / plot
        xdom, ydom = [x0, x0 + width], [y1 - panel_height / plot, y1]
        spec = panel.spec
        for trace in spec["data"]:
            data.append({**trace, "xaxis": f"x{n}", "yaxis": f"y{n}", "showscale": False})
        for shape in spec["layout"].get("shapes", []):
            shapes.append({**shape, "xref": _on(shape.get("xref", "x"), f"x{n}"),
                           "yref": _on(shape.get("yref", "y"), f"y{n}")})
        xaxis, yaxis = dict(spec["layout"]["xaxis"]), dict(spec["layout"]["yaxis"])
        if row < rows - 1:
            xaxis["title"] = dict(text="")
        if col > 0:
            yaxis["title"] = dict(text="")
        layout[f"xaxis{n}"] = {**xaxis, "domain": xdom, "anchor": f"y{n}"}
        layout[f"yaxis{n}"] = {**yaxis, "domain": ydom, "anchor": f"x{n}"}
        panel_title = spec["layout"].get("title", {}).get("text")
        if panel_title:
            annotations.append(_label(panel_title, sum(xdom) / 2, y1, shift=4, size=13))
    for col, text in enumerate(column_titles):
        annotations.append(_label(text, col * (width + hgap) + width / 2, 1, shift=30, size=15))
    if colour_bar:                                                      # the first panel's, at the top right
        first = data[0]
        first.update(showscale=True, colorbar={**first.get("colorbar", {}), "lenmode": "pixels",
                                               "len": min(plot, 300), "y": 1, "yanchor": "top"})
    layout.update(shapes=shapes, annotations=annotations)
    return FigureSpec(dict(data=data, layout=layout))


def _on(ref: str, axis: str) -> str:
    """A panel's shape reference ("x", "y" or "paper") on the grid: its axis, or "paper" as that axis's domain."""
    return f"{axis} domain" if ref == "paper" else axis


def _label(text: str, x: float, y: float, shift: int, size: int) -> dict:
    """A title centred at paper x, `shift` px above paper y."""
    return dict(text=text, x=x, y=y, xref="paper", yref="paper", xanchor="center", yanchor="bottom", yshift=shift,
                showarrow=False, font=dict(size=size))
