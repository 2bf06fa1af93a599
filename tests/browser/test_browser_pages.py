"""Every page opens in a real browser: no exception box, charts drawn by plotly, no JavaScript error."""
import pytest

PAGES = [("", "How a recurrent neural network remembers"), ("Step_through_time", "Step through time"),
         ("Padding_and_batches", "Padding and batches"),
         ("Back-propagation_through_time", "Back-propagation through time")]


@pytest.mark.parametrize("path,title", PAGES, ids=[p or "home" for p, _ in PAGES])
def test_page_opens_and_draws_its_charts(page, app, path, title):
    app.open(page, path)
    assert app.exceptions(page) == []
    assert page.locator("h1").first.inner_text().strip() == title
    page.wait_for_selector(".js-plotly-plot", state="attached")      # plotly's code may still be loading
    assert app.n_charts(page) >= 1
    assert page.js_errors == []


def test_train_page_opens_without_an_exception(page, app):
    app.open(page, "Train_and_generalise")
    assert app.exceptions(page) == []
    assert page.js_errors == []


def test_the_sidebar_lists_every_page(page, app):
    app.open(page)
    links = page.locator('[data-testid="stSidebarNavLink"]').all_inner_texts()
    for name in ("Step through time", "Padding and batches", "Back-propagation through time", "Train and generalise"):
        assert any(name in text for text in links), links
