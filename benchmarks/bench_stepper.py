"""Key N -> new step painted, in the in-browser stepper, beside a plain Streamlit rerun, in one run.

    python benchmarks/bench_stepper.py [--presses 200] [--clicks 60]

Headless Chromium (Debian's /usr/bin/chromium) on tests/browser/stepper_app.py, served by one local
`streamlit run`. Inside the page, with performance.now(): a capture-phase keydown listener notes the time,
a MutationObserver sees data-step change on the stepper's root, and the next requestAnimationFrame (the frame
that paints the step) stops the clock; "after paint" adds one task after that frame. The peer is the same
server's plain one-button app (?plain=1): click -> the script reruns -> the new number is in the DOM -> next
frame. Also counts the websocket messages the page sends while stepping 100 steps (and through the pause
that follows). Targets (issue 13): p50 <= 16 ms, p95 <= 25 ms. A measurement, never a test.

    python benchmarks/bench_stepper.py --data-cost

instead measures, in this process and with no browser, what the server spends on the stepper's `data` per
run: building the payload, then what Streamlit 1.67 does with it (serialize it into the element, digest it
for the element's identity, hash the ForwardMsg), for the forms it could take: the JSON dict that is sent
(stepper_payload.wire), the same as one JSON string, raw float64 bytes (exact too, not implemented), and the
lite reply to a pause.
"""
import argparse
import pathlib
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from serving.loadtest.server import Server  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
STEPPER = '[data-testid="rnnviz-stepper"]'


def instrument(watched: str, event: str, observe: str) -> str:
    """In-page clock: `event` (capture phase) starts it; the first change of `watched` seen by a
    MutationObserver(observe options) -> the next animation frame stops it (__lat), and one task later (__post)."""
    return """() => {
  const watched = document.querySelector('%s');
  window.__lat = []; window.__post = []; let t0 = null;
  window.addEventListener('%s', () => { t0 = performance.now(); }, true);
  new MutationObserver(() => {
    if (t0 === null) return;
    const start = t0; t0 = null;
    requestAnimationFrame(() => {
      window.__lat.push(performance.now() - start);
      const ch = new MessageChannel();
      ch.port1.onmessage = () => window.__post.push(performance.now() - start);
      ch.port2.postMessage(0);
    });
  }).observe(watched, %s);
}""" % (watched.replace("'", "\\'"), event, observe)


INSTRUMENT_STEPPER = instrument(STEPPER, "keydown", "{attributes: true, attributeFilter: ['data-step']}")
INSTRUMENT_PLAIN = instrument(".st-key-plain_out", "click", "{subtree: true, childList: true, characterData: true}")


def wait_idle(page, timeout_s=60):
    js = ("() => !!document.querySelector('[data-testid=\"stApp\"][data-test-script-state=\"notRunning\"]')"
          " && !document.querySelector('[data-testid=\"stStatusWidget\"]')")
    page.wait_for_function(js, timeout=timeout_s * 1000, polling=50)
    page.wait_for_timeout(300)


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def bench_keys(page, base, query, presses):
    page.goto(base + "?" + query)
    page.wait_for_selector(STEPPER)
    wait_idle(page)
    t_load = page.evaluate("() => performance.now()")
    page.evaluate(INSTRUMENT_STEPPER)
    last = int(page.get_attribute(STEPPER, "data-last"))
    done = 0
    while done < presses:
        if int(page.get_attribute(STEPPER, "data-step")) >= last:
            page.locator(f'{STEPPER} button[data-action="first"]').click()     # not measured (no keydown)
            page.wait_for_function(f"() => document.querySelector('{STEPPER}').dataset.step === '0'")
        page.keyboard.press("n")
        done += 1
        page.wait_for_function(f"() => window.__post.length >= {done}", polling=5)
    lat = page.evaluate("() => window.__lat")
    post = page.evaluate("() => window.__post")
    return lat, post, t_load


def bench_plain(page, base, clicks):
    page.goto(base + "?plain=1")
    wait_idle(page)
    page.evaluate(INSTRUMENT_PLAIN)
    button = page.locator(".st-key-plain_next button")
    for k in range(1, clicks + 1):
        button.click()
        page.wait_for_function(f"() => window.__post.length >= {k}", polling=5)
        wait_idle_quick(page)
    return page.evaluate("() => window.__lat"), page.evaluate("() => window.__post")


def wait_idle_quick(page):
    page.wait_for_function("() => !!document.querySelector('[data-testid=\"stApp\"][data-test-script-state=\"notRunning\"]')",
                           polling=10)


def count_messages(page, base, n_steps=100):
    """Websocket frames the page sends while pressing N n_steps times, and through the pause after."""
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(time.monotonic())))
    page.goto(base + "?T=200&pads=0")
    page.wait_for_selector(STEPPER)
    wait_idle(page)
    page.wait_for_timeout(500)
    before = len(sent)
    for _ in range(n_steps):
        page.keyboard.press("n")
    page.wait_for_function(f"() => document.querySelector('{STEPPER}').dataset.step === '{n_steps}'")
    during = len(sent) - before
    page.wait_for_timeout(800)
    wait_idle(page)
    return during, len(sent) - before


def data_costs(repeats: int = 20) -> None:
    """Server CPU (ms) per run for each form of the stepper's data, at the test app's default model and at the
    largest the sidebar allows (T = 1000 + 50 pads, H = 64, I = 32)."""
    import json
    import timeit

    import numpy as np
    from streamlit.components.v2.bidi_component.main import BidiComponentMixin
    from streamlit.components.v2.bidi_component.serialization import serialize_mixed_data
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.forward_msg_cache import populate_hash_if_needed

    from rnnviz import stepper_payload
    from rnnviz.ui.stepper_component import lite
    from tests.browser.stepper_app import build, settings

    def streamlit_cost(data) -> None:               # what st._bidi_component does with `data`, then the enqueue
        msg = ForwardMsg()
        el = msg.delta.new_element.bidi_component
        if isinstance(data, bytes):
            el.bytes = data
        elif isinstance(data, dict):
            serialize_mixed_data(data, el)
        else:
            el.json = json.dumps(data)
        BidiComponentMixin()._build_bidi_identity_kwargs(component_name="c", isolate_styles=False, width="stretch",
                                                         height="content", proto=el, data=data)
        populate_hash_if_needed(msg)

    def ms(fn) -> float:
        return 1000 * sorted(timeit.repeat(fn, number=1, repeat=repeats))[repeats // 2]

    print("| model | build the payload | + dict (sent) | + one JSON string | + raw bytes | lite reply | dict size |")
    print("|---|---|---|---|---|---|---|")
    for name, cfg in (("default (T=6+2, H=3)", {}), ("largest (T=1000+50, H=64, I=32)", {"T": 1000, "pads": 50, "H": 64, "I": 32})):
        p, tr, g, labels = build(settings(cfg))
        payload = stepper_payload.forward_payload(p, tr, labels)
        sent = stepper_payload.wire(payload)
        text = json.dumps(sent)

        def raw():
            return b"".join(np.ascontiguousarray(v, "<f8").tobytes() for v in payload.values() if isinstance(v, np.ndarray))
        reply = {**lite(payload), "step": 3}
        print(f"| {name} | {ms(lambda: stepper_payload.forward_payload(p, tr, labels)):.2f} | "
              f"{ms(lambda: stepper_payload.wire(payload)) + ms(lambda: streamlit_cost(sent)):.2f} | "
              f"{ms(lambda: json.dumps(stepper_payload.wire(payload))) + ms(lambda: streamlit_cost(text)):.2f} | "
              f"{ms(lambda: streamlit_cost(raw())):.2f} | {ms(lambda: streamlit_cost(reply)):.3f} | {len(text) / 1024:.0f} KiB |")
    print(f"\nms per run, median of {repeats}; the last four columns add to 'build the payload'.")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--presses", type=int, default=200)
    ap.add_argument("--clicks", type=int, default=60)
    ap.add_argument("--data-cost", action="store_true", help="only the server's cost of the stepper's data, per form")
    a = ap.parse_args()
    if a.data_cost:
        data_costs()
        return 0
    cases = [("stepper, default model (I=2, H=3, T=6+2 pads)", ""),
             ("stepper, T=1000+10 pads, H=64", "T=1000&H=64&pads=10"),
             ("stepper backward, T=1000+10 pads, H=64", "mode=backward&T=1000&H=64&pads=10")]
    rows = []
    with Server(app="tests/browser/stepper_app.py", log=pathlib.Path(tempfile.gettempdir()) / "bench_stepper_server.log") as srv, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        base = srv.url + "/"
        ctx = browser.new_context(viewport={"width": 1400, "height": 2000})
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        bench_plain(page, base, 5)                                     # warm the caches
        plain, plain_post = bench_plain(page, base, a.clicks)
        for name, query in cases:
            lat, post, _ = bench_keys(page, base, query, a.presses)
            rows.append((name, lat, post))
        during, total = count_messages(ctx.new_page(), base)
        browser.close()
    p50_plain, p95_plain = pct(plain, 50), pct(plain, 95)
    print(f"\nKey N -> step painted (ms, in-page performance.now(); {a.presses} presses per case; "
          f"peer: {a.clicks} clicks of a plain Streamlit rerun)\n")
    print(f"| case | p50 | p95 | p50 after paint | p95 after paint | p50 / rerun's | p95 / rerun's |")
    print("|---|---|---|---|---|---|---|")
    for name, lat, post in rows:
        print(f"| {name} | {pct(lat, 50):.1f} | {pct(lat, 95):.1f} | {pct(post, 50):.1f} | {pct(post, 95):.1f} | "
              f"{pct(lat, 50) / p50_plain:.2f} | {pct(lat, 95) / p95_plain:.2f} |")
    print(f"| plain Streamlit rerun (click -> number redrawn) | {p50_plain:.1f} | {p95_plain:.1f} | "
          f"{pct(plain_post, 50):.1f} | {pct(plain_post, 95):.1f} | 1.00 | 1.00 |")
    print("\nTargets: p50 <= 16 ms, p95 <= 25 ms.")
    print(f"Websocket messages sent while stepping 100 steps: {during}; including the pause after: {total} "
          f"(target: at most one per ten steps).")
    if errors:
        print("page errors:", errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
