"""Every page opens in a real browser: no exception box, charts drawn by plotly, no JavaScript error."""
import re

import pytest

from rnnviz.ui import charts
from rnnviz.ui.pages import PAGES as PAGE_TABLE
from rnnviz.ui.train_run import RUN_EVERY

from .conftest import wait_idle
from .test_browser_padding import GRID_CHUNKS, fetched

PAGES = [("", "How a recurrent neural network remembers"), ("Step_through_time", "Step through time"),
         ("Padding_and_batches", "Padding and batches"),
         ("Back-propagation_through_time", "Back-propagation through time")]


@pytest.mark.parametrize("path,title", PAGES, ids=[p or "home" for p, _ in PAGES])
def test_page_opens_and_draws_its_charts(page, app, path, title):
    app.open(page, path)
    assert app.exceptions(page) == []
    assert page.locator("h1").first.inner_text().strip() == title
    page.wait_for_selector(".js-plotly-plot, [data-testid='rnnviz-stepper']", state="attached")
    assert app.n_charts(page) + page.locator(app.STEPPER).count() >= 1
    assert page.js_errors == []


def test_train_page_opens_without_a_data_grid_and_trains(new_page, app):
    """The first view loads no data grid (its examples are text); one update redraws the lab; Start trains and
    Pause stops the live view's timer (the update count then stays put)."""
    page = new_page()
    app.open(page, "Train_and_generalise")
    assert app.exceptions(page) == []
    page.wait_for_selector(".js-plotly-plot .main-svg", state="attached")
    assert not [c for c in fetched(page) if c.startswith(GRID_CHUNKS)], fetched(page)
    assert page.locator('[data-testid="stDataFrame"], [data-testid="stTable"]').count() == 0
    status = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text=re.compile(r"^Update \d"))
    address = page.url
    for n in (1, 2):
        app.click(page, "train_one")
        app.idle(page)
        assert status.inner_text().startswith(f"Update {n} (epoch"), status.inner_text()
    assert page.url == address                                      # no linked value changed
    app.click(page, "train_start_pause")
    page.wait_for_function("() => /^Update [1-9][0-9,]{2,}/.test(document.body.innerText.split('\\n')"
                           ".find(l => l.startsWith('Update ')) || '')")        # trained past 100 updates
    app.click(page, "train_start_pause")                                # Pause
    app.idle(page)
    paused = status.inner_text()
    page.wait_for_timeout(3 * 1000 * RUN_EVERY)                     # three ticks of a timer that kept going
    assert status.inner_text() == paused and "in the last run" in paused
    assert app.exceptions(page) == [] and page.js_errors == []


@pytest.mark.parametrize("key", [k for k, p in PAGE_TABLE.items() if p.charts])
def test_a_chart_page_loads_the_chart_code_at_once(new_page, app, key):
    """In a new browser (nothing cached) the sidebar's first element imports the chart code (its script marks
    itself loaded); the browser fetches that file once, and the element takes no space."""
    page = new_page()
    app.open(page, PAGE_TABLE[key].url_path)
    page.wait_for_selector(".js-plotly-plot .main-svg", state="attached")
    page.wait_for_selector("script[data-rnnviz-preload][data-loaded='yes']", state="attached")
    chunk = charts.plotly_chunk()
    fetches = [name for name in fetched(page) if name == chunk]
    assert fetches == [chunk], fetched(page)
    box = page.evaluate("""() => {
      const c = document.querySelector('script[data-rnnviz-preload]').closest('.stElementContainer');
      return [getComputedStyle(c).display, c.getBoundingClientRect().height,
              c === document.querySelector('[data-testid="stSidebarUserContent"] .stElementContainer')]; }""")
    assert box == ["none", 0, True], box                          # hidden, and the sidebar's first element
    assert app.exceptions(page) == [] and page.js_errors == []


def test_the_sidebar_lists_every_page(page, app):
    app.open(page)
    links = page.locator('[data-testid="stSidebarNavLink"]').all_inner_texts()
    for name in ("Step through time", "Padding and batches", "Back-propagation through time", "Train and generalise"):
        assert any(name in text for text in links), links


@pytest.mark.parametrize("path", ["Back-propagation_through_time", "Train_and_generalise"])
def test_a_deep_link_on_a_fresh_server_goes_through_the_app(browser, path, tmp_path):
    """The first request a just-started server gets names a page: the navigation, the link's settings and
    the share box are there (the page ran through app.py, not on its own)."""
    from serving.loadtest.server import Server
    with Server(log=tmp_path / "server.log") as fresh:
        context = browser.new_context(viewport={"width": 1400, "height": 1400})
        try:
            page = context.new_page()
            page.goto(f"{fresh.url}/{path}?H=5&tr_H=9&nosuch=1")
            wait_idle(page)
            assert page.locator('[data-testid="stException"]').count() == 0
            nav = page.locator('[data-testid="stSidebarNavLink"]').all_inner_texts()
            assert any("The RNN" in text for text in nav), nav               # the home page by its title
            assert "nosuch" in " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts())
            assert page.get_by_text("Share this view").count() == 1
            query = page.evaluate("location.search")
            assert ("H=5" in query) if path != "Train_and_generalise" else ("tr_H=9" in query), query
        finally:
            context.close()
