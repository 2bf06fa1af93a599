"""Stepping through time on the real pages in a real browser: the in-browser stepper moves with the keys, the
step reaches the address bar after a pause, and the numbers it draws are the core's."""
import urllib.parse

from .test_browser_stepper import sent_data

STEP = "Step_through_time"


def query(page) -> dict:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))


def test_keys_step_the_page_and_the_link_follows_after_a_pause(page, app):
    app.open(page, STEP)
    assert app.stepper(page)["step"] == 0
    app.press(page, "n", 3)
    app.wait_step(page, 3)
    assert query(page)["t"] == "3"
    app.press(page, "b")
    app.wait_step(page, 2)
    app.press(page, "End")
    last = app.stepper(page)["last"]
    app.wait_step(page, last)
    app.press(page, "Home")
    app.wait_step(page, 0)
    assert app.exceptions(page) == [] and page.js_errors == []


def test_a_link_opens_the_stepper_at_its_step(page, app):
    app.open(page, f"{STEP}?t=4&pads=3")
    assert app.stepper(page)["step"] == 4
    assert "state copied" not in " ".join(page.locator('[data-testid="rnnviz-stepper"]').all_inner_texts())
    app.press(page, "End")                                              # the last step is a pad
    app.wait_step(page, app.stepper(page)["last"])
    assert "copied" in page.locator('[data-testid="rnnviz-stepper"]').inner_text()


def test_the_backward_stepper_starts_at_the_output(page, app):
    app.open(page, "Back-propagation_through_time")
    s = app.stepper(page)
    assert s["step"] == 0 and page.get_attribute(app.STEPPER, "data-mode") == "backward"
    app.press(page, "n", 2)
    app.wait_step(page, 2)
    assert query(page)["n"] == "2"
    assert app.exceptions(page) == [] and page.js_errors == []


def test_a_pause_sends_only_the_step_and_the_files_are_not_sent_again(page, app):
    frames, assets = [], []
    on_socket = lambda ws: ws.on("framereceived", lambda frame: frames.append(frame))       # noqa: E731
    on_request = lambda r: assets.append(r.url.rsplit("/", 1)[-1]) if "/bidi-components/" in r.url else None  # noqa: E731
    page.on("websocket", on_socket)
    page.on("request", on_request)
    try:
        app.open(page, STEP)
        app.press(page, "n", 2)
        app.wait_step(page, 2)
        at_2 = app.stepper(page)                                        # the numbers drawn at step 2
        frames.clear()
        app.press(page, "n")
        app.wait_step(page, 3)
        assert [d.get("lite") for d in sent_data(frames)] == [True]     # the pause's fragment rerun: the step only
        app.press(page, "b")
        app.wait_step(page, 2)
        assert app.stepper(page) == at_2                                # the same payload, the same numbers
        page.locator('[data-testid="stSidebarNav"] a[href$="/Back-propagation_through_time"]').click()
        page.wait_for_function("() => document.querySelector('[data-testid=\"rnnviz-stepper\"]')?.dataset.mode === 'backward'")
        app.idle(page)
        # The module once per page load; the stylesheet once per mount (a page switch mounts the stepper anew, and
        # Streamlit serves component files with no max-age, so a new <link> fetches it again): never per rerun.
        assert assets.count("stepper.js") == 1 and assets.count("stepper.css") <= 2 and len(assets) <= 3
    finally:
        page.remove_listener("websocket", on_socket)
        page.remove_listener("request", on_request)
    assert app.exceptions(page) == [] and page.js_errors == []
