"""Helpers for AppTest: open a page of the app, set sidebar controls by their model key."""
from pathlib import Path

from streamlit.testing.v1 import AppTest
from rnnviz.ui.pages import PAGES

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def open_page(page: str | None = None, timeout: float = 30) -> AppTest:
    """A fresh session that has run app.py and, if given, switched to the page of that key (rnnviz.ui.pages.PAGES) and run it."""
    at = AppTest.from_file(APP, default_timeout=timeout).run()
    if page is not None:
        at.switch_page(PAGES[page].file).run()
    assert not at.exception, at.exception
    return at


def sidebar_widget(at: AppTest, key: str):
    """The sidebar control of a model setting ('H', 'f_s', ...)."""
    return next(w for w in at.sidebar if getattr(w, "key", None) == f"model_{key}")


def set_model(at: AppTest, **values) -> AppTest:
    """Set sidebar model controls by their model key and rerun."""
    for key, value in values.items():
        sidebar_widget(at, key).set_value(value)
    return at.run()


def open_weights(at: AppTest) -> AppTest:
    """Open the weight editors' expander (its tables are only built while it is open)."""
    at.session_state["weights_open"] = True
    return at.run()


def make_it_overflow(at: AppTest) -> AppTest:
    """relu with two huge weights: the states grow past the largest float within a few steps."""
    set_model(at, f_s="relu", scale=3.0)
    open_weights(at)
    for name in ("W_s00", "W_i00"):
        at.selectbox(key="one_weight_name").set_value(name).run()
        at.text_input(key="one_weight_value").set_value("1e200").run()
    return at
