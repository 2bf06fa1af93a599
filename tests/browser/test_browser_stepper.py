"""The in-browser stepper in headless Chromium, on its own tiny app (tests/browser/stepper_app.py), so these
tests do not depend on the lesson pages.

Contract read here: the root [data-testid="rnnviz-stepper"] carries data-step; every number drawn carries
data-value (JS String(x): the shortest repr, which Python's float() reads back to the same float64); vectors
are [data-vec=<name>] with numbers [data-index]. The app writes "runs N step t" under the key "probe".
"""
import json
import math
import re

import numpy as np
import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from rnnviz.ui.stepper_component import LITE
from serving.loadtest.server import Server

from .conftest import VIEWPORT, _open_page, _pages
from .stepper_app import build, settings

ROOT = '[data-testid="rnnviz-stepper"]'


@pytest.fixture(scope="module")
def stepper_server(browser, tmp_path_factory):
    """`streamlit run tests/browser/stepper_app.py` on a free port; its base URL."""
    log = tmp_path_factory.mktemp("stepper") / "server.log"
    with Server(app="tests/browser/stepper_app.py", log=log) as running:
        yield running.url + "/"


@pytest.fixture
def spage(browser, stepper_server, request):
    """A page in a fresh context (a fresh Streamlit session per test), keeping the websocket frames it sends and
    receives and the names of the stepper's files it fetches."""
    context = browser.new_context(viewport=VIEWPORT)
    page = _open_page(context)
    page.sent = []                                   # every websocket frame the page sends (BackMsg bytes)
    page.received = []                               # and receives (ForwardMsg bytes)
    page.assets = []                                 # the stepper's files it fetches over HTTP
    page.on("websocket", lambda ws: (ws.on("framesent", lambda frame: page.sent.append(frame)),
                                     ws.on("framereceived", lambda frame: page.received.append(frame))))
    page.on("request", lambda r: page.assets.append(r.url.rsplit("/", 1)[-1]) if "/bidi-components/" in r.url else None)
    _pages(request.node).append(page)
    yield page
    context.close()


def open_stepper(page, base, idle, query=""):
    page.goto(base + ("?" + query if query else ""))
    page.wait_for_selector(ROOT)
    idle(page)
    return page


def step(page) -> int:
    return int(page.get_attribute(ROOT, "data-step"))


def wait_step(page, t: int) -> None:
    page.wait_for_function(f"() => document.querySelector('{ROOT}')?.dataset.step === '{t}'", polling="raf")


def vec(page, name: str) -> dict:
    """{index: value} of the numbers the vector `name` shows (its first and last entries when long)."""
    pairs = page.evaluate("""([root, name]) => Array.from(
        document.querySelectorAll(root + ' [data-vec="' + name + '"] [data-index]'),
        e => [Number(e.dataset.index), e.dataset.value])""", [ROOT, name])
    assert pairs, f"no vector {name!r} is drawn"
    return {i: float(v) for i, v in pairs}


def assert_shows(page, name: str, expected) -> None:
    """The drawn numbers of vector `name` are expected's entries, bit for bit (NaN as NaN)."""
    expected = np.asarray(expected, dtype=np.float64)
    shown = vec(page, name)
    assert len(expected) == page.evaluate(f"() => Number(document.querySelector('{ROOT} [data-vec=\"{name}\"]').dataset.n)")
    for i, v in shown.items():
        e = float(expected[i])
        assert (math.isnan(v) and math.isnan(e)) or (v == e and repr(v) == repr(e)), (name, i, v, e)


def probe(page) -> tuple:
    """(runs, step) that the script wrote on its last run."""
    text = page.locator(".st-key-probe").inner_text()
    runs, t = re.search(r"runs (\d+) step (\d+)", text).groups()
    return int(runs), int(t)


def stepper_elements(frames) -> list:
    """The stepper elements (BidiComponent protos) in these ForwardMsg frames, in order."""
    out = []
    for raw in frames:
        m = ForwardMsg()
        m.ParseFromString(raw)
        if m.WhichOneof("type") == "delta" and m.delta.new_element.WhichOneof("type") == "bidi_component":
            out.append(m.delta.new_element.bidi_component)
    return out


def sent_data(frames) -> list:
    """The data each stepper element in these frames carried (its JSON)."""
    return [json.loads(el.json) for el in stepper_elements(frames)]


def fetch_requests(frames) -> list:
    """The payload ids the page asked for with its "fetch" trigger, in the BackMsg frames it sent."""
    out = []
    for raw in frames:
        m = BackMsg()
        m.ParseFromString(raw)
        for w in m.rerun_script.widget_states.widgets:
            if w.HasField("json_trigger_value"):
                out += [e["value"] for e in json.loads(w.json_trigger_value) if e.get("event") == "fetch"]
    return out


def pause_at(page, idle, t: int) -> None:
    """Press N until the stepper shows t, then let the pause reach Python and its reply arrive."""
    press(page, "n", t - step(page))
    wait_step(page, t)
    page.wait_for_timeout(500)                                      # the stepper reports 300 ms after a step
    idle(page)


def press(page, key: str, n: int = 1) -> None:
    for _ in range(n):
        page.keyboard.press(key)


def click(page, label: str) -> None:
    page.locator(f'{ROOT} button[aria-label="{label}"]').click()


def test_forward_numbers_are_the_cores(spage, stepper_server, idle):
    page = open_stepper(spage, stepper_server, idle)
    p, tr, g, _ = build(settings({}))
    assert step(page) == 0
    assert_shows(page, "s", tr.states[0, 0])                        # t = 0: s^0
    press(page, "n")
    wait_step(page, 1)
    for t in (1, 2, 3):
        if t > 1:
            click(page, "Next step")
            wait_step(page, t)
        assert_shows(page, "xs", tr.xs[0, t - 1])                   # [s^{t-1} i^t]
        assert_shows(page, "z", tr.z[0, t - 1])
        assert_shows(page, "s", tr.states[0, t])
    click(page, "Last step")
    wait_step(page, 8)
    press(page, "b")
    wait_step(page, 7)                                              # a pad: the state is copied
    assert "pad" in page.locator(f"{ROOT} .rvs-padnote").inner_text()
    assert page.locator(f'{ROOT} [data-vec="z"]').count() == 0
    assert_shows(page, "s", tr.states[0, 7])
    press(page, "n")
    wait_step(page, 8)
    assert_shows(page, "output", tr.output[0])
    assert_shows(page, "output_pre", tr.output_pre[0])
    assert page.js_errors == []


def test_all_buttons_have_names_and_keys_skip_inputs(spage, stepper_server, idle):
    page = open_stepper(spage, stepper_server, idle)
    names = page.eval_on_selector_all(f"{ROOT} button", "bs => bs.map(b => b.getAttribute('aria-label'))")
    assert len(names) == 6 and all(names)
    page.locator(f"{ROOT} .rvs-speed").focus()                     # typing in an input does not step
    page.keyboard.press("n")
    page.wait_for_timeout(100)
    assert step(page) == 0


def test_click_a_column_jumps_to_its_step(spage, stepper_server, idle):
    page = open_stepper(spage, stepper_server, idle)
    p, tr, g, _ = build(settings({}))
    box = page.locator(f"{ROOT} .rvs-overlay").bounding_box()
    left, right, n_cols = 46, 8, 9                                  # the heatmap's margins; columns t = 0..8
    for t in (5, 2):
        x = left + (t + 0.5) * (box["width"] - left - right) / n_cols
        page.mouse.click(box["x"] + x, box["y"] + 20)
        wait_step(page, t)
        assert_shows(page, "s", tr.states[0, t])
    page.mouse.move(box["x"] + left + 2.5 * (box["width"] - left - right) / n_cols, box["y"] + 10)
    tip = page.locator(f"{ROOT} .rvs-tip [data-value]")
    assert float(tip.get_attribute("data-value")) == tr.states[0, 2, 0]       # hover: the exact value


def test_play_advances_and_pause_stops(spage, stepper_server, idle):
    page = open_stepper(spage, stepper_server, idle, "T=200&pads=0")
    page.eval_on_selector(f"{ROOT} .rvs-speed", "e => { e.value = '60'; e.dispatchEvent(new Event('input', {bubbles: true})); }")
    assert "60 steps/s" in page.locator(f"{ROOT} .rvs-speed-out").inner_text()
    click(page, "Play")
    page.wait_for_function(f"() => Number(document.querySelector('{ROOT}').dataset.step) >= 20")
    click(page, "Pause")
    stopped = step(page)
    page.wait_for_timeout(400)
    assert step(page) == stopped and 20 <= stopped < 200
    idle(page)
    assert probe(page)[1] == stopped                                # the pause sent the step to Python
    click(page, "Play backward")                                    # reverse play runs back to 0 and stops
    page.wait_for_function(f"() => document.querySelector('{ROOT}').dataset.step === '0'", timeout=20_000)
    page.wait_for_timeout(200)
    assert page.get_attribute(ROOT, "data-playing") == "0"
    assert page.js_errors == []


def test_a_burst_of_steps_reaches_python_once(spage, stepper_server, idle):
    page = open_stepper(spage, stepper_server, idle, "T=30")
    runs0, t0 = probe(page)
    assert t0 == 0
    page.wait_for_timeout(500)
    sent0 = len(page.sent)
    press(page, "n", 20)
    wait_step(page, 20)
    sent_while_stepping = len(page.sent) - sent0
    assert sent_while_stepping <= 2                                 # at most one message per ten steps
    page.wait_for_timeout(600)                                      # the debounce fires, the script reruns
    idle(page)
    runs1, t1 = probe(page)
    assert (runs1 - runs0, t1) == (1, 20)
    assert step(page) == 20                                         # the rerun did not move the browser's step
    assert page.js_errors == []


def test_python_moves_the_step_and_the_browser_follows(spage, stepper_server, idle):
    page = open_stepper(spage, stepper_server, idle)
    press(page, "n", 3)
    wait_step(page, 3)
    page.wait_for_timeout(500)
    idle(page)
    assert probe(page)[1] == 3
    page.locator(".st-key-py_jump button").click()                  # Python sets the step to 2
    wait_step(page, 2)
    idle(page)
    press(page, "n")                                                # back to 3, the value Python once had
    wait_step(page, 3)
    page.wait_for_timeout(500)
    idle(page)
    assert probe(page)[1] == 3


def test_backward_shows_delta(spage, stepper_server, idle):
    page = open_stepper(spage, stepper_server, idle, "mode=backward")
    p, tr, g, _ = build(settings({"mode": "backward"}))
    T = 8
    assert page.get_attribute(ROOT, "data-mode") == "backward"
    assert_shows(page, "ds", g.d_states[0, T])                      # n = 0: dL/ds^T from the output
    press(page, "n")
    wait_step(page, 1)                                              # n = 1 works on t = 8, a pad
    assert_shows(page, "delta", np.zeros(3))
    assert_shows(page, "ds_prev", g.d_states[0, T])
    press(page, "n", 2)
    wait_step(page, 3)                                              # t = 6, a real step
    t = 6
    assert_shows(page, "ds", g.d_states[0, t])
    assert_shows(page, "fprime", 1.0 - tr.states[0, t] ** 2)
    assert_shows(page, "delta", g.deltas[0, t - 1])
    assert_shows(page, "ds_prev", g.d_states[0, t - 1])
    norm = page.locator(f'{ROOT} [data-line="contrib_norm"] [data-value]').get_attribute("data-value")
    assert float(norm) == g.step_norms("W_s")[t - 1]
    C = g.steps("W_s")[t - 1]
    cells = page.eval_on_selector_all(f'{ROOT} [data-mat="contrib"] [data-value]', "es => es.map(e => e.dataset.value)")
    assert [float(v) for v in cells] == C.ravel().tolist()
    assert page.js_errors == []


def test_long_sequence_T1000_H64(spage, stepper_server, idle):
    q = "T=1000&H=64&pads=10"
    page = open_stepper(spage, stepper_server, idle, q)
    p, tr, g, _ = build(settings({"T": "1000", "H": "64", "pads": "10"}))
    press(page, "n", 5)
    wait_step(page, 5)
    assert_shows(page, "s", tr.states[0, 5])                        # first and last entries of 64
    assert len(vec(page, "s")) == 6
    click(page, "Last step")
    wait_step(page, 1010)
    assert_shows(page, "s", tr.states[0, 1010])
    assert page.locator(f"{ROOT} .rvs-net-svg .rvs-gap").count() >= 1     # the network is windowed
    assert page.locator(f'{ROOT} .rvs-net-svg [data-node="1010"].rvs-current').count() == 1
    page.goto(stepper_server + "?mode=backward&" + q)
    page.wait_for_selector(ROOT)
    idle(page)
    click(page, "Last backward step (t = 1)")
    wait_step(page, 1010)
    assert_shows(page, "delta", g.deltas[0, 0])
    assert_shows(page, "ds_prev", g.d_states[0, 0])
    assert page.js_errors == []


def test_overflow_is_drawn_distinctly(spage, stepper_server, idle):
    page = open_stepper(spage, stepper_server, idle, "f_s=relu&scale=1e155&H=4&T=8&pads=1")
    p, tr, g, _ = build(settings({"f_s": "relu", "scale": "1e155", "H": "4", "T": "8", "pads": "1"}))
    assert not np.isfinite(tr.states[0]).all()
    click(page, "Last step")
    wait_step(page, 9)
    assert_shows(page, "s", tr.states[0, 9])
    bad = page.eval_on_selector_all(f"{ROOT} .rvs-math .rvs-bad", "es => es.map(e => e.dataset.value)")
    assert bad and set(bad) <= {"Infinity", "-Infinity", "NaN"}
    assert page.js_errors == []


def test_labels_are_text_not_html(spage, stepper_server, idle):
    page = open_stepper(spage, stepper_server, idle, "text=%3Cb%3Eh%3C%2Fb%3E")      # labels "<", "b", ">", "h", ...
    labels = page.eval_on_selector_all(f"{ROOT} .rvs-input-text", "es => es.map(e => e.textContent)")
    assert labels[:4] == ["<", "b", ">", "h"]
    assert page.locator(f"{ROOT} b").count() == 0
    press(page, "n")
    wait_step(page, 1)
    assert page.locator(f"{ROOT} .rvs-status code").inner_text() == "<"
    assert page.js_errors == []


def test_the_diagram_names_the_state_rows_w_s_and_the_input_rows_w_i(spage, stepper_server, idle):
    """As the 'unrolled' lesson says: each state arrow is labelled W_s and each input arrow W_i (pads: copy)."""
    open_stepper(spage, stepper_server, idle, "T=5&pads=1")
    labels = spage.eval_on_selector_all(f"{ROOT} .rvs-edge-label", "els => els.map(e => e.textContent)")
    assert labels.count("W_i") == 5 and labels.count("W_s") == 5 and labels.count("copy") == 1, labels


def test_the_js_and_css_are_files_fetched_once_and_not_in_the_messages(spage, stepper_server, idle):
    page = open_stepper(spage, stepper_server, idle)
    for t in (2, 4, 6):                                             # three pauses: three reruns drawing it
        pause_at(page, idle, t)
    assert sorted(page.assets) == ["stepper.css", "stepper.js"]     # served by Streamlit from rnnviz/ui/assets
    elements = stepper_elements(page.received)
    assert len(elements) >= 4                                      # the first run(s) and one per pause
    for el in elements:                                             # each message names the files, none carries them
        assert (el.js_source_path, el.css_source_path) == ("stepper.js", "stepper.css")
        assert el.js_content == el.css_content == ""
    assert page.js_errors == []


def test_a_pause_is_answered_with_the_step_only_and_draws_the_same_numbers(spage, stepper_server, idle):
    page = open_stepper(spage, stepper_server, idle, "T=30&H=8")
    p, tr, g, _ = build(settings({"T": "30", "H": "8"}))
    first = sent_data(page.received)
    assert len(first) == 1 and "states" in first[0] and not first[0].get("lite")
    payload_id = page.get_attribute(ROOT, "data-payload")
    for t in (3, 7):
        page.received.clear()
        pause_at(page, idle, t)
        (reply,) = sent_data(page.received)                         # the pause's one rerun
        assert reply["lite"] is True and reply["id"] == payload_id and reply["step"] == t
        assert set(reply) <= {*LITE, "lite", "step", "show_all", "present", "moved"}
        assert len(json.dumps(reply)) < 300                           # the whole payload: ~12 KB
        assert probe(page)[1] == t and step(page) == t
        assert page.get_attribute(ROOT, "data-payload") == payload_id
        assert_shows(page, "z", tr.z[0, t - 1])                     # drawn from the payload the browser kept
        assert_shows(page, "s", tr.states[0, t])
    press(page, "n")                                                # and stepping on after a lite reply
    wait_step(page, 8)
    assert_shows(page, "s", tr.states[0, 8])
    assert page.js_errors == []


def test_a_step_only_reply_for_a_payload_it_does_not_hold_fetches_the_whole_payload(spage, stepper_server, idle):
    page = open_stepper(spage, stepper_server, idle, "T=30")
    p, tr, g, _ = build(settings({"T": "30"}))
    payload_id = page.get_attribute(ROOT, "data-payload")
    runs0, _ = probe(page)
    # As if the stepper had been remounted since it was sent its payload: it holds none under this id (it still
    # draws the steps from the numbers it decoded).
    page.eval_on_selector(ROOT, "root => { root.parentElement.__rnnvizStepper.payloadId = 'another'; }")
    page.received.clear()
    sent0 = len(page.sent)
    press(page, "n", 4)
    wait_step(page, 4)
    page.wait_for_timeout(500)                                      # the pause: the step reaches Python
    idle(page)
    lite, whole = sent_data(page.received)                          # two reruns: the report, then the fetch
    assert lite["lite"] is True and lite["id"] == payload_id
    assert fetch_requests(page.sent[sent0:]) == [payload_id]
    assert not whole.get("lite") and whole["id"] == payload_id and "states" in whole
    assert probe(page) == (runs0 + 2, 4)
    assert step(page) == 4 and page.get_attribute(ROOT, "data-payload") == payload_id
    assert page.locator(f"{ROOT}[data-fetching]").count() == 0
    assert_shows(page, "z", tr.z[0, 3])
    assert_shows(page, "s", tr.states[0, 4])
    assert page.js_errors == []
