"""Key N -> the new step painted, on rnnviz's real pages, beside a plain Streamlit rerun; idle and while a
simulated class of 100 uses the same server.

    python benchmarks/bench_browser_latency.py                        # idle, then during a class of 100
    python benchmarks/bench_browser_latency.py --no-class --presses 60
    python benchmarks/bench_browser_latency.py --url http://127.0.0.1:8080 --no-class   # an app already running

Starts `streamlit run app.py` (the class settings) and `streamlit run benchmarks/peer_one_chart.py` on free
loopback ports, and Debian's chromium (/usr/bin/chromium) through Playwright, like tests/browser. Measured
inside the page with performance.now(), the way benchmarks/bench_stepper.py does it: a capture-phase
keydown listener starts the clock, a MutationObserver sees data-step change on the stepper's root
([data-testid="rnnviz-stepper"]), and the next requestAnimationFrame (the frame that paints the step) stops
it. Cases: the step page (/Step_through_time) and the BPTT page's "Step backward" tab, at the default model
and at T = 1000, H = 64 (through a link). Presses come one at a time (each waits for its frame), faster than
the stepper's 300 ms pause, so the server hears of them once per run of presses; at the last step the
stepper's "first" button starts again (not timed).

Also, per case: "pause round trip", from the websocket message a pause sends (WebSocket.send, wrapped by
an init script) to the app reporting that run finished (data-test-script-state back to notRunning): the
server's part, which nobody waits for (the step is already drawn); and the websocket messages the page
sends and receives per 10 steps (10 quick presses, then the pause); and how often data-step changed with no
key pressed ("moved by the server": a pause's rerun that came back after the next presses and took the
stepper back to the older step it carried).

Peer: the one-chart app's "Next" button: click -> the script reruns -> the new number is in the DOM -> the
next frame (a plain Streamlit rerun, on its own server process).

During the class: `python -m serving.loadtest --url <app> --students 100` runs meanwhile (100 simulated
students acting every 2 s on the same rnnviz process); its summary is printed too. Targets (issue 13): key N
p50 <= 16 ms, p95 <= 25 ms, idle and during the class; at most one message per ten steps. Prints; asserts
nothing.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from serving.loadtest.server import Server  # noqa: E402  (the one way this project starts a server)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
STEPPER = '[data-testid="rnnviz-stepper"]'
CASES = [("step page, default model", "Step_through_time"),
         ("step page, T=1000 H=64", "Step_through_time?H=64&T=1000&pads=0"),
         ("BPTT step backward, default model", "Back-propagation_through_time"),
         ("BPTT step backward, T=1000 H=64", "Back-propagation_through_time?H=64&T=1000&pads=0")]

# Before any page script: the time of every websocket message sent, and of every change of the app's
# script state (running / notRunning), in performance.now().
INIT = """(() => {
  window.__sends = []; window.__states = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (d) { window.__sends.push(performance.now()); return send.call(this, d); };
  const watch = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) { requestAnimationFrame(watch); return; }
    new MutationObserver(() => window.__states.push([performance.now(), app.dataset.testScriptState]))
      .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  };
  document.addEventListener('DOMContentLoaded', watch);
})()"""


def instrument(watched: str, event: str, observe: str) -> str:
    """In-page clock: `event` (capture phase) starts it; the first change of `watched` seen by a
    MutationObserver(observe) -> the next animation frame stops it (window.__lat)."""
    return """() => {
  const watched = document.querySelector('%s');
  window.__lat = []; window.__moved = 0; let t0 = null;
  window.addEventListener('%s', () => { t0 = performance.now(); }, true);
  new MutationObserver(() => {
    if (t0 === null) { window.__moved += 1; return; }        // changed with no key pressed: the server moved it
    const start = t0; t0 = null;
    requestAnimationFrame(() => window.__lat.push(performance.now() - start));
  }).observe(watched, %s);
}""" % (watched.replace("'", "\\'"), event, observe)


INSTRUMENT_STEPPER = instrument(STEPPER, "keydown", "{attributes: true, attributeFilter: ['data-step']}")
INSTRUMENT_PLAIN = instrument(".st-key-plain_out", "click", "{subtree: true, childList: true, characterData: true}")
IDLE = ("() => !!document.querySelector('[data-testid=\"stApp\"][data-test-script-state=\"notRunning\"]')"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')")


def wait_idle(page, timeout_s=120, settle_ms=300):
    page.wait_for_function(IDLE, timeout=timeout_s * 1000, polling=50)
    page.wait_for_timeout(settle_ms)


def pct(xs, q):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    pos = (len(xs) - 1) * q / 100
    lo, hi = int(pos), min(len(xs) - 1, int(pos) + 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def step_of(page) -> int:
    return int(page.get_attribute(STEPPER, "data-step"))


def to_first(page):
    """The stepper's "first" button (not measured: no keydown), then its pause's rerun done."""
    for _ in range(10):                       # a late rerun can take the stepper back to an older step: again
        page.evaluate("() => { window.__clicks = (window.__clicks || 0) + 1; }")   # not the server moving it
        page.locator(f'{STEPPER} button[data-action="first"]').click()
        page.wait_for_timeout(400)                             # the stepper's 300 ms pause, then its rerun
        wait_idle(page, settle_ms=50)
        if step_of(page) == 0:
            return


def round_trips(page) -> list:
    """ms from each pause's websocket message to the app's run finishing (notRunning) after it."""
    sends, states = page.evaluate("() => [window.__sends, window.__states]")
    out = []
    for t in sends:
        done = [s for s, v in states if s > t and v == "notRunning"]
        if done:
            out.append(done[0] - t)
    return out


def bench_keys(page, base, path, presses):
    """Key N presses on the page; returns (latencies ms, pause round trips ms, messages per 10 steps)."""
    page.goto(base + path)
    page.wait_for_selector(STEPPER, timeout=120_000)
    wait_idle(page)
    page.evaluate(INSTRUMENT_STEPPER)
    last = int(page.get_attribute(STEPPER, "data-last"))
    done = 0
    page.evaluate("() => { window.__sends = []; window.__states = []; }")
    while done < presses:
        if step_of(page) >= last:
            to_first(page)
        page.keyboard.press("n")
        done += 1
        try:
            page.wait_for_function(f"() => window.__lat.length >= {done}", polling="raf", timeout=20_000)
        except Exception:                                      # a press lost (the server moved the step meanwhile)
            page.evaluate("n => { while (window.__lat.length < n) window.__lat.push(null); }", done)
        if done % 20 == 0:                                   # a pause now and then, as a student makes
            page.wait_for_timeout(400)
            wait_idle(page, settle_ms=50)
    wait_idle(page)
    lat = [x for x in page.evaluate("() => window.__lat") if x is not None]
    moved = page.evaluate("() => window.__moved - (window.__clicks || 0)")
    trips = round_trips(page)
    # messages per 10 steps: 10 quick presses, then the pause (counted by the Playwright websocket events)
    counts = []
    for _ in range(3):
        to_first(page)
        wait_idle(page, settle_ms=600)
        page.sent.clear()
        page.received.clear()
        for _ in range(min(10, last)):
            page.keyboard.press("n")
        try:
            page.wait_for_function(f"() => document.querySelector('{STEPPER}').dataset.step === '{min(10, last)}'",
                                   timeout=15_000)
        except Exception:
            pass                                               # counted all the same; the steps shown are wrong
        during = len(page.sent)
        page.wait_for_timeout(800)
        wait_idle(page, settle_ms=300)
        counts.append((during, len(page.sent), len(page.received)))
    return lat, trips, counts, moved


def bench_plain(page, base, clicks):
    page.goto(base)
    page.wait_for_selector(".st-key-plain_next button")
    wait_idle(page)
    page.evaluate(INSTRUMENT_PLAIN)
    button = page.locator(".st-key-plain_next button")
    for k in range(1, clicks + 1):
        button.click()
        page.wait_for_function(f"() => window.__lat.length >= {k}", polling="raf", timeout=60_000)
        page.wait_for_function(IDLE, polling=10)
    return page.evaluate("() => window.__lat")


def new_page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1400})
    ctx.add_init_script(INIT)
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    page.errors, page.sent, page.received = [], [], []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("websocket", lambda ws: (ws.on("framesent", lambda p: page.sent.append(len(p))),
                                     ws.on("framereceived", lambda p: page.received.append(len(p)))))
    return page


def measure_all(browser, base, peer_base, cases, presses, clicks):
    rows = {}
    page = new_page(browser)
    bench_plain(page, peer_base, 5)                                    # warm
    rows["plain"] = bench_plain(page, peer_base, clicks)
    page.context.close()
    for name, path in cases:
        page = new_page(browser)
        rows[name] = bench_keys(page, base, path, presses)
        if page.errors:
            print(f"  {name}: page errors {page.errors[:3]}", file=sys.stderr)
        page.context.close()
        print(f"  {name}: done", file=sys.stderr, flush=True)
    return rows


def start_class(url, students, seconds, out_path):
    cmd = [sys.executable, "-m", "serving.loadtest", "--url", url, "--students", str(students), "--seconds",
           str(seconds), "--ramp", "10", "--json"]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=open(out_path, "w"), stderr=subprocess.STDOUT)


def print_table(title, rows, cases):
    print(f"\n{title}\n")
    plain = rows["plain"]
    print("| case | key N p50 ms | key N p95 ms | max | p50 / plain rerun's | pause round trip p50 / p95 ms "
          "| messages sent / received per 10 steps | step moved by the server |")
    print("|---|---|---|---|---|---|---|---|")
    for name, _ in cases:
        lat, trips, counts, moved = rows[name]
        sent = "; ".join(f"{s} sent ({d} while stepping) / {r} received" for d, s, r in counts)
        print(f"| {name} | {pct(lat, 50):.1f} | {pct(lat, 95):.1f} | {max(lat):.1f} | {pct(lat, 50) / pct(plain, 50):.2f} "
              f"| {pct(trips, 50):.0f} / {pct(trips, 95):.0f} (n={len(trips)}) | {sent} | {moved} |")
    print(f"| plain Streamlit rerun (peer app: click -> number redrawn) | {pct(plain, 50):.1f} | {pct(plain, 95):.1f} "
          f"| {max(plain):.1f} | 1.00 | | | |")


def busy() -> float:
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:3]) + sum(v[5:8])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--presses", type=int, default=100, help="key N presses per case")
    ap.add_argument("--clicks", type=int, default=40, help="clicks of the plain rerun")
    ap.add_argument("--students", type=int, default=100)
    ap.add_argument("--no-class", action="store_true", help="only the idle server")
    ap.add_argument("--default-only", action="store_true", help="only the cases at the default model")
    ap.add_argument("--url", help="an app already running (default: start one)")
    a = ap.parse_args()
    if not os.access(CHROMIUM, os.X_OK):
        sys.exit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    cases = [c for c in CASES if not a.default_only or "default" in c[0]]
    log_dir = pathlib.Path(tempfile.gettempdir())
    server = None if a.url else Server(log=log_dir / "bench_browser_latency_server.log").start()
    peer = Server(app="benchmarks/peer_one_chart.py", log=log_dir / "bench_browser_latency_peer.log").start()
    url = (a.url or server.url).rstrip("/")
    results = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            b0, t0 = busy(), time.monotonic()
            results["idle"] = measure_all(browser, url + "/", peer.url + "/", cases, a.presses, a.clicks)
            idle_s = time.monotonic() - t0
            results["idle_busy"] = (busy() - b0) / idle_s
            print(f"\nKey N -> step painted, in-page performance.now() (keydown to the frame after data-step "
                  f"changes); headless Chromium 1400x1400; {a.presses} presses per case; {os.cpu_count()} CPUs.")
            print_table(f"Idle server (machine {results['idle_busy']:.2f} cores busy, this benchmark and the browser "
                        "included)", results["idle"], cases)
            sys.stdout.flush()
            if not a.no_class:
                seconds = int(idle_s * 1.6) + 20
                out = log_dir / "bench_browser_latency_class.json"
                cls = start_class(url, a.students, seconds, out)
                try:
                    time.sleep(14)                                       # the ramp (10 s), then a steady class
                    b0, t0 = busy(), time.monotonic()
                    results["class"] = measure_all(browser, url + "/", peer.url + "/", cases, a.presses, a.clicks)
                    results["class_busy"] = (busy() - b0) / (time.monotonic() - t0)
                    if time.monotonic() - t0 > seconds - 4:
                        print("  (the class ended before the measurement did)", file=sys.stderr)
                    cls.wait(seconds + 120)
                finally:
                    if cls.poll() is None:
                        cls.terminate()
                        cls.wait(30)
                text = out.read_text()
                try:
                    results["class_summary"] = json.loads(text[text.index("{"):])
                except ValueError:
                    results["class_summary"] = {"raw": text[-2000:]}
            browser.close()
    finally:
        peer.stop()
        if server is not None:
            server.stop()
    if "class" in results:
        print_table(f"During a class of {a.students} simulated students on the same rnnviz process "
                    f"(machine {results['class_busy']:.2f} cores busy)", results["class"], cases)
        s = results["class_summary"]
        if "actions" in s:
            print(f"\nThe class meanwhile: {s['interactions']} reruns, {s['reruns_per_s']:.1f}/s, students' own actions "
                  f"p50 {s['actions']['p50_ms']:.0f} ms / p95 {s['actions']['p95_ms']:.0f} ms, errors {s['errors']}, "
                  f"exceptions {s['exceptions']}")
        else:
            print("\nThe class's summary:", s)
    print("\nTargets: key N p50 <= 16 ms, p95 <= 25 ms (idle and during the class); at most one message per ten steps.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
