"""A page whose first view has charts starts loading the chart code first (rnnviz.ui.charts.preload).

The page table's `charts` flag says which pages do; these tests check it against what each page's first run
really draws. They also check that the preloaded file is the one the installed Streamlit loads for
st.plotly_chart, so a Streamlit that renames it fails here instead of losing the preload without a sign."""
import pathlib
import re

import pytest
import streamlit as st

from apptest_util import open_page
from rnnviz.ui import charts
from rnnviz.ui.pages import PAGES

JS = pathlib.Path(st.__file__).parent / "static" / "static" / "js"


def test_the_preloaded_file_is_what_streamlit_loads_for_a_plotly_chart():
    chunk = charts.plotly_chunk()
    assert chunk is not None and (JS / chunk).is_file()
    main_bundle = "".join(p.read_text(encoding="utf-8") for p in JS.glob("index.*.js"))
    # the front end's lazy import of its plotly chart element names exactly this file
    assert re.search(r"import\(`\./" + re.escape(chunk) + "`\\)", main_bundle), chunk
    # the preload finds that bundle by its script tag, and resolves the chunk's URL against the tag's src
    page = (JS.parent.parent / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<script type="module"[^>]* src="\./static/js/index\.[^"]+\.js"', page)


@pytest.mark.parametrize("key", list(PAGES))
def test_a_page_preloads_the_chart_code_exactly_when_its_first_view_has_charts(key):
    at = open_page(key, timeout=60)
    draws_charts = len(at.get("plotly_chart")) > 0
    assert PAGES[key].charts == draws_charts, f"{key}: set charts={draws_charts} in rnnviz.ui.pages.PAGES"
    preloads = [h for h in at.sidebar.get("html") if "data-rnnviz-preload" in h.proto.body]
    assert len(preloads) == (1 if draws_charts else 0)
    if preloads:
        assert preloads[0].proto.unsafe_allow_javascript
        assert preloads[0].proto.body == charts.PRELOAD.format(chunk=charts.plotly_chunk())
