"""Charts: every page draws its plotly figures through `chart`, which also keeps them for the sidebar's
'Pictures for your notes' box (each chart as SVG or high-resolution PNG, in a print style). A page whose first
view has charts starts loading their front-end code first (`preload`)."""
import functools
import pathlib
import re

import streamlit as st

from .. import pictures
from ..figspec import FigureSpec
from . import session


def _name(spec: FigureSpec, key: str) -> str:
    """A chart's title as plain words (its HTML tags dropped), or its key."""
    title = ((spec.spec.get("layout") or {}).get("title") or {}).get("text") or ""
    title = re.sub(r"<sup>(.*?)</sup>", r"^\1", re.sub(r"<sub>(.*?)</sub>", r"_\1", title))
    return re.sub(r"<[^>]+>", "", title).strip() or key


def chart(spec: FigureSpec, key: str, where=None, page: str | None = None) -> None:
    """st.plotly_chart of the figure (full width, a stable key) in `where` (a column; default: here), kept as
    this page's chart `key` for 'Pictures for your notes'."""
    (where or st).plotly_chart(spec, key=key, width="stretch")
    charts = session.get("charts") or {}
    page = page or session.get("page")
    charts.setdefault(page, {})[key] = spec
    session.put("charts", charts)


# The chunk's URL is resolved against Streamlit's own main bundle, as the front end's lazy import resolves it
# (whatever path the app is served under); data-loaded is for the tests.
PRELOAD = ("<style>.stElementContainer:has(script[data-rnnviz-preload]) {{ display: none; }}</style>"
           "<script data-rnnviz-preload>{{ const me = document.currentScript;"
           " const main = document.querySelector('script[type=module][src*=\"/static/js/index.\"]');"
           " if (main) import(new URL('{chunk}', main.src).href)"
           ".then(() => {{ if (me) me.dataset.loaded = 'yes'; }}, () => {{}}); }}</script>")


@functools.cache
def plotly_chunk() -> str | None:
    """The file name of the front-end chunk of the installed Streamlit that draws st.plotly_chart (it imports
    plotly.js, ~3.8 MB), or None if this Streamlit has no such file."""
    found = sorted((pathlib.Path(st.__file__).parent / "static" / "static" / "js").glob("PlotlyChart.*.js"))
    return found[0].name if found else None


def preload() -> None:
    """Start loading the chart code in the browser now, before the page's other elements.

    Streamlit's front end fetches a chart's code only when the first chart arrives. On our chart pages that was
    after 20-45 other elements (controls, text), so plotly.js began loading late, and a new browser drew the
    first chart 1.15-1.44 x as late as a one-chart app's (home, padding, training; bench_cold_load.py). This
    element imports the same module at once; the same URL means the browser loads it once. Its code is fixed
    here (no user text), and its container is hidden, so it takes no space."""
    chunk = plotly_chunk()
    if chunk is not None:
        st.sidebar.html(PRELOAD.format(chunk=chunk), unsafe_allow_javascript=True)


def pictures_panel(page: str) -> None:
    """The sidebar's 'Pictures for your notes': pick one of the charts this page showed, download it as SVG
    or PNG. Built only while open; the file is drawn (in a headless Chromium, a few seconds) on click."""
    if session.hidden("pictures"):
        return
    box = st.sidebar.expander("Pictures for your notes", icon=":material/image:", key="pictures_open",
                              on_change="rerun")
    if not box.open:
        return
    shown = (session.get("charts") or {}).get(page) or {}
    with box:
        if not shown:
            st.caption("This page shows no charts yet.")
            return
        missing = pictures.unavailable()
        if missing:
            st.caption(f"Pictures cannot be drawn on this server: {missing}.")
            return
        names = {key: _name(spec, key) for key, spec in shown.items()}
        key = st.selectbox("chart", list(names), format_func=names.get, key="pictures_chart")
        spec = shown[key]
        c1, c2 = st.columns(2)
        for column, label, make, ext, mime in ((c1, "SVG", pictures.to_svg, "svg", "image/svg+xml"),
                                               (c2, "PNG (3×)", pictures.to_png, "png", "image/png")):
            column.download_button(label, data=lambda make=make: make(spec), file_name=f"rnnviz_{key}.{ext}",
                                   mime=mime, key=f"pictures_{ext}", on_click="ignore", icon=":material/download:")
        st.caption("White background and larger type, for notes and slides; SVG stays sharp at any size.")
