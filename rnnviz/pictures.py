"""The app's charts as pictures for notes and slides: a print style, then SVG or high-resolution PNG.

    spec = figures.states_figure(states)          # any figure builder's FigureSpec
    svg  = to_svg(spec)                           # bytes of an SVG file, white background, larger type
    png  = to_png(spec, scale=3)                  # bytes of a PNG at 3x the on-screen pixels

The pictures are drawn by plotly's own renderer (plotly.io.to_image, through the kaleido package, which
drives a headless Chromium), so they match what the app shows, in the print style. ValueError, saying what
to install, where kaleido or a Chromium is missing.
"""
import copy
import importlib.util
import os
import shutil

from .figspec import FigureSpec

FONT = dict(family="Helvetica, Arial, sans-serif", size=18, color="black")
TITLE_SIZE = 22
WIDTH, HEIGHT = 1100, 560          # pixels of the picture at scale 1 (SVG user units)


def print_style(spec: FigureSpec, width: int = WIDTH, height: int | None = None) -> dict:
    """The figure as a plain dict in a print style: white background, black type of 18 px (titles 22 px), a
    fixed size, no interactive leftovers. The data are the figure's own (not copied into new numbers)."""
    fig = spec.themed()                                       # the app's colours, not Streamlit's placeholders
    layout = copy.deepcopy(fig.get("layout", {}))
    layout.pop("uirevision", None)
    title = layout.get("title") or {}
    layout.update(template="plotly_white", paper_bgcolor="white", plot_bgcolor="white", font=FONT,
                  width=width, height=height or max(int(layout.get("height") or HEIGHT), 420),
                  title={**title, "font": {**FONT, "size": TITLE_SIZE}})
    margin = layout.get("margin") or {}
    layout["margin"] = {**margin, "l": max(margin.get("l", 0), 80), "b": max(margin.get("b", 0), 70),
                        "t": max(margin.get("t", 0), 70 if title.get("text") else 30)}
    for name, value in layout.items():
        if name.startswith(("xaxis", "yaxis")) and isinstance(value, dict):
            value.update(tickfont={**FONT, "size": 16}, title={**(value.get("title") or {}),
                                                                "font": {**FONT, "size": 18}})
    return {"data": fig.get("data", []), "layout": layout}


BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def unavailable() -> str | None:
    """Why pictures cannot be drawn on this machine (what to install), or None when they can."""
    if importlib.util.find_spec("kaleido") is None:
        return "the kaleido package is not installed (pip install kaleido)"
    if not os.environ.get("BROWSER_PATH") and not any(shutil.which(name) for name in BROWSERS):
        return "kaleido needs a Chromium or Chrome on the server (Debian: apt-get install chromium)"
    return None


def _image(spec: FigureSpec, fmt: str, scale: float) -> bytes:
    try:
        import plotly.io as pio
        return pio.to_image(print_style(spec), format=fmt, scale=scale)
    except ImportError:
        raise ValueError("pictures need the kaleido package: pip install kaleido") from None
    except Exception as err:                               # kaleido reports a missing Chromium as its own errors
        raise ValueError(f"the picture could not be drawn ({type(err).__name__}: {str(err)[:200]}); kaleido "
                         "needs a Chromium or Chrome on the server (Debian: apt-get install chromium)") from None


def to_svg(spec: FigureSpec) -> bytes:
    """An SVG file of the figure in the print style (vector: sharp at any size)."""
    return _image(spec, "svg", 1)


def to_png(spec: FigureSpec, scale: float = 3) -> bytes:
    """A PNG file of the figure in the print style, at `scale` times WIDTH x height pixels."""
    return _image(spec, "png", scale)
