"""Real-browser fixtures: one Streamlit server, one headless Chromium, a tall shared page.

The tests here drive Debian's chromium (/usr/bin/chromium) through Playwright's Python package, against
`streamlit run app.py` started once for this folder on a free port. They skip (every one of them) only when
Playwright or /usr/bin/chromium is missing; CI (.ci/run) installs both. When a test fails, a screenshot
of every page it used goes to test-artifacts/, with a copy of the server's log.

Fixtures: `server` (base URL), `browser`, `page` (one page shared by the folder's tests, for speed),
`new_page` (a page in a fresh browser context: a different user), `idle` (wait until the app has finished
drawing), `app` (open a page, click a keyed button, read a slider or a chart). They are package-scoped
(this folder is a package): the server and the browser stop when the folder's last test is done, not at
the end of the whole run.
"""
import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

try:
    from playwright.sync_api import sync_playwright
except ImportError:                                   # the folder skips; nothing else breaks
    sync_playwright = None

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from serving.loadtest.server import Server  # noqa: E402  (the one way this project starts a server)
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 2000}            # tall: screenshots cannot scroll Streamlit's container
TIMEOUT_MS = 20_000                                   # per Playwright action or wait
IDLE_S = 30                                           # the longest a page may take to finish drawing

MISSING = ("playwright is not installed" if sync_playwright is None
           else None if os.access(CHROMIUM, os.X_OK) else f"{CHROMIUM} is missing (apt-get install -y chromium)")


@pytest.fixture(scope="package")
def _browser_ready():
    if MISSING:
        pytest.skip(f"browser tests need Playwright and Debian's chromium: {MISSING}")


@pytest.fixture(scope="package")
def server(_browser_ready, tmp_path_factory):
    """`streamlit run app.py` with the class settings on a free port; yields its base URL ("http://127.0.0.1:PORT/")."""
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    server_log[0] = log_path
    store = tmp_path_factory.mktemp("model-store")                  # this run's own model store
    with Server(log=log_path, env={"RNNVIZ_DATA_DIR": str(store)}) as running:
        yield running.url + "/"


server_log = [None]                                   # the running server's log, for failure reports


@pytest.fixture(scope="package")
def browser(_browser_ready):
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _open_page(context):
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.js_errors = []                               # uncaught exceptions in the page's JavaScript
    page.on("pageerror", lambda err: page.js_errors.append(str(err)))
    return page


@pytest.fixture(scope="package")
def _shared_page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    page = _open_page(context)
    yield page
    context.close()


@pytest.fixture
def page(_shared_page, server, request):
    """The folder's shared page (its context keeps Streamlit's scripts cached, so each goto is a fresh Streamlit
    session but loads fast). Every test starts with its own page.goto."""
    _pages(request.node).append(_shared_page)
    _shared_page.js_errors.clear()
    return _shared_page


@pytest.fixture
def new_page(browser, server, request):
    """Factory: a page in a brand-new browser context (no cache, no storage: another person's browser)."""
    contexts = []

    def make():
        context = browser.new_context(viewport=VIEWPORT)
        contexts.append(context)
        p = _open_page(context)
        _pages(request.node).append(p)
        return p

    yield make
    for context in contexts:
        context.close()


def _pages(item) -> list:
    if not hasattr(item, "_browser_pages"):
        item._browser_pages = []
    return item._browser_pages


def wait_idle(page, timeout_s: float = IDLE_S) -> None:
    """Wait until the app has finished a run and drawn it: [data-testid="stApp"] reports notRunning, no
    running indicator (stStatusWidget) and no loading skeleton (widgets whose code is still loading); then
    ~300 ms for plotly to draw, after which the same must still hold (a run can follow a run)."""
    js = ("() => !!document.querySelector('[data-testid=\"stApp\"][data-test-script-state=\"notRunning\"]')"
          " && !document.querySelector('[data-testid=\"stStatusWidget\"]')"
          " && !document.querySelector('[data-testid=\"stSkeleton\"]')")
    deadline = time.monotonic() + timeout_s
    while True:
        left_ms = max(1, (deadline - time.monotonic()) * 1000)
        page.wait_for_function(js, timeout=left_ms, polling=50)
        page.wait_for_timeout(300)
        if page.evaluate(js):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the app was still running after {timeout_s} s")


@pytest.fixture(scope="package")
def idle():
    """The function wait_idle(page): wait until the app has finished running and drawing."""
    return wait_idle


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and report.when in ("setup", "call"):
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", item.nodeid.removeprefix("tests/browser/").replace(".py::", "-"))[:120]
        for i, p in enumerate(getattr(item, "_browser_pages", [])):
            try:
                shot = ARTIFACTS / f"{name}-{i}.png"
                p.screenshot(path=str(shot), timeout=10_000)
                report.sections.append(("browser", f"screenshot: {shot}\nurl: {p.url}\n"
                                                   f"page JS errors: {p.js_errors}"))
            except Exception as err:                       # a crashed page must not hide the real failure
                report.sections.append(("browser", f"no screenshot of page {i}: {err}"))
        if server_log[0] is not None and server_log[0].exists():
            shutil.copy(server_log[0], ARTIFACTS / "streamlit-server.log")
    return report


class App:
    """Ways to drive and read the app in a page; `app` fixture. Widgets and charts are found by their
    Streamlit key, which Streamlit puts on the element's container as the class st-key-<key>."""

    def __init__(self, base: str):
        self.base = base

    def open(self, page, path: str = ""):
        """Go to base + path (a page's URL path and/or ?query) in a fresh Streamlit session; wait until drawn."""
        page.goto(self.base + path.lstrip("/"))
        wait_idle(page)
        return page

    @staticmethod
    def idle(page) -> None:
        wait_idle(page)

    @staticmethod
    def exceptions(page) -> list:
        return page.locator('[data-testid="stException"]').all_inner_texts()

    @staticmethod
    def n_charts(page) -> int:
        return page.locator(".js-plotly-plot").count()

    @staticmethod
    def click(page, key: str) -> None:
        page.locator(f".st-key-{key} button").first.click()

    @staticmethod
    def set_state_size(page, H: int) -> None:
        """Type H into the sidebar and wait until the page has run with it."""
        box = page.locator(".st-key-model_H input").first
        box.fill(str(H))
        box.press("Enter")
        page.wait_for_function("H => new URLSearchParams(location.search).get('H') === String(H)", arg=H)
        wait_idle(page)

    STEPPER = '[data-testid="rnnviz-stepper"]'

    @staticmethod
    def stepper(page) -> dict:
        """What the in-browser stepper shows: its step, its last step, the id of the payload it draws (a digest
        of its exact float64 bytes: equal ids, equal numbers) and every exact number it shows (data-value)."""
        return page.evaluate("""sel => {
            const root = document.querySelector(sel);
            if (!root) return null;
            return {step: Number(root.dataset.step), last: Number(root.dataset.last), payload: root.dataset.payload,
                    values: Array.from(root.querySelectorAll('[data-value]'), e => e.dataset.value)};
        }""", App.STEPPER)

    @staticmethod
    def press(page, key: str, times: int = 1) -> None:
        """Keys for the stepper (N, B, P, Home, End), as a student types them after clicking into it."""
        page.locator(App.STEPPER).first.click(position={"x": 4, "y": 4})
        for _ in range(times):
            page.keyboard.press(key)

    @staticmethod
    def wait_step(page, t: int, synced: bool = True) -> None:
        """Wait until the stepper shows step t and (synced) the address bar carries it (after the pause), then
        until the app has finished its run."""
        page.wait_for_function("""([sel, t]) => document.querySelector(sel)?.dataset.step === String(t)""",
                               arg=[App.STEPPER, t], polling="raf")
        if synced:
            page.wait_for_function("""t => { const q = new URLSearchParams(location.search);
                return q.get('t') === String(t) || q.get('n') === String(t); }""", arg=t, timeout=20_000)
        wait_idle(page)


@pytest.fixture(scope="package")
def app(server):
    return App(server)
