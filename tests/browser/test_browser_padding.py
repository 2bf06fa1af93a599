"""The padding page in a real browser: a click on a tab builds and draws that tab (and only it), and no tab
makes the browser fetch Streamlit's data grid: the page's tables are Markdown."""
from .conftest import wait_idle

GRID_CHUNKS = ("DataFrame.", "arrowFormatUtils.", "Table.")   # what st.dataframe and st.table pull in
TABS = (("The states, with and without the mask", 1, 1), ("The proof", 0, 2), ("Two ways to make minibatches", 0, 2),
        ("One padded batch", 2, 0))                      # (tab, plotly charts, tables) it shows


def fetched(page) -> list:
    return page.evaluate("() => performance.getEntriesByType('resource').map(r => r.name.split('/').pop())")


def test_each_tab_draws_on_click_and_none_loads_the_data_grid(new_page, app):
    page = new_page()                                    # a new browser: nothing cached by earlier tests
    app.open(page, "Padding_and_batches")
    page.wait_for_selector(".js-plotly-plot .main-svg")
    assert app.n_charts(page) == 2                       # the first tab: the mask and the padded inputs
    for label, charts, tables in TABS:
        page.get_by_role("tab", name=label).click()
        page.wait_for_function("label => new URLSearchParams(location.search).get('pb_tab') === label", arg=label)
        wait_idle(page)
        assert app.n_charts(page) == charts, label
        assert page.locator('[data-testid="stMarkdown"] table').count() == tables, label
        if label.startswith("The states"):              # one chart, a panel per sequence and run: 4 × 2
            page.wait_for_selector(".js-plotly-plot .main-svg")
            assert page.locator(".js-plotly-plot .cartesianlayer .subplot").count() == 8
    assert not [name for name in fetched(page) if name.startswith(GRID_CHUNKS)]
    assert app.exceptions(page) == [] and page.js_errors == []
