"""Click "step" in a real browser and time how long until the chart shows the new step.

    python benchmarks/bench_browser_latency.py [--clicks 40] [--width 1400 --height 1000]
    python benchmarks/bench_browser_latency.py --url http://127.0.0.1:8080 --default-only   # a running class

Starts `streamlit run app.py` on a free port and Debian's chromium (/usr/bin/chromium) through Playwright,
like tests/browser. For each case it opens the page through a link, then clicks the step-forward button N
times. Each time is measured inside the page with performance.now(): from the button's click() to the
first animation frame in which plotly's SVG has changed for the new step: the outlined column (the black
box that marks the current step, a <path> with stroke-width 3 in the chart's shape layer) or, when the
axis range moved with it, the heatmap image's position. That frame is the one that paints the new step. Between clicks the script waits until the app is idle, so clicks never overlap; at
the last step it goes back to the first (not timed).

Cases: the step-through page (states heatmap) and the BPTT page's backward step (delta heatmap), each at
the default model and at T = 1000, H = 64 (set through a link: ?H=64&T=1000). Target (issue 6): p50 <= 150
ms and p95 <= 300 ms at the default. Prints a table; asserts nothing.
"""
import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from serving.loadtest.server import Server  # noqa: E402  (the one way this project starts a server)
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

# (name, link path, stepper key, chart key)
CASES = [("step forward, default model", "Step_through_time", "step_t", "step_states"),
         ("step forward, T=1000 H=64", "Step_through_time?H=64&T=1000&pads=0", "step_t", "step_states"),
         ("BPTT step back, default model", "Back-propagation_through_time", "bptt_n", "bptt_deltas"),
         ("BPTT step back, T=1000 H=64", "Back-propagation_through_time?H=64&T=1000&pads=0", "bptt_n", "bptt_deltas")]

# What plotly has drawn for the current step: the outline (layout.shapes are drawn as <path>s in the shape
# layers; ours has stroke-width 3) and where the heatmap's image sits (the x-axis range follows the outline
# near the ends, so at T = 1000 the heatmap can slide under an outline that stays put).
SIGNATURE = """chartKey => {
    const gd = document.querySelector('.st-key-' + chartKey + ' .js-plotly-plot');
    if (!gd) return 'no chart';
    const box = Array.from(gd.querySelectorAll('.shapelayer path'))
        .find(p => parseFloat(p.style.strokeWidth || p.getAttribute('stroke-width') || '0') === 3);
    const image = gd.querySelector('.hm image');
    return (box ? box.getAttribute('d') : 'none') + '|' +
           (image ? image.getAttribute('x') + ',' + image.getAttribute('width') : 'no image');
}"""

CLICK_AND_WAIT = """async ([buttonKey, chartKey]) => {
    const signature = %s;
    const before = signature(chartKey);
    const button = document.querySelector('.st-key-' + buttonKey + ' button');
    return await new Promise(resolve => {
        const t0 = performance.now();
        button.click();
        const frame = now => {
            if (signature(chartKey) !== before) resolve(now - t0);      // this frame paints the new step
            else if (performance.now() - t0 > 30000) resolve(null);
            else requestAnimationFrame(frame);
        };
        requestAnimationFrame(frame);
    });
}""" % SIGNATURE

IDLE = ("() => !!document.querySelector('[data-testid=\"stApp\"][data-test-script-state=\"notRunning\"]')"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')")


def wait_idle(page, timeout_s=120):
    deadline = time.monotonic() + timeout_s
    while True:
        page.wait_for_function(IDLE, timeout=max(1, (deadline - time.monotonic()) * 1000), polling=20)
        page.wait_for_timeout(150)
        if page.evaluate(IDLE):
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the app kept running")


def slider(page, key):
    value = page.locator(f'.st-key-{key} [data-testid="stSliderThumbValue"]').inner_text().strip()
    top = page.locator(f'.st-key-{key} input[type="range"]').get_attribute("max")
    return int(value), int(top)


def measure(page, base, path, key, chart, clicks, warmup=3):
    t0 = time.perf_counter()
    page.goto(base + path)
    wait_idle(page)
    page.wait_for_selector(f".st-key-{chart} .js-plotly-plot .shapelayer", state="attached", timeout=60_000)
    load = time.perf_counter() - t0
    drawn, rerun = [], []
    for i in range(warmup + clicks):
        t, last = slider(page, key)
        if t >= last:                                                   # back to the start, not timed
            page.locator(f".st-key-{key}_first button").first.click()
            page.wait_for_function("k => document.querySelector('.st-key-' + k + "
                                   "' [data-testid=\"stSliderThumbValue\"]').innerText.trim() === '0'", arg=key)
            wait_idle(page)
        w0 = time.perf_counter()
        ms = page.evaluate(CLICK_AND_WAIT, [f"{key}_forward", chart])
        if ms is None:
            raise RuntimeError(f"{path}: the chart did not change within 30 s of a click")
        wait_idle(page)
        if i >= warmup:
            drawn.append(ms)
            rerun.append((time.perf_counter() - w0) * 1000 - 150)       # minus wait_idle's settling pause
    exceptions = page.locator('[data-testid="stException"]').count()
    return load, np.array(drawn), np.array(rerun), exceptions


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clicks", type=int, default=40)
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=1000)
    ap.add_argument("--url", help="an app that is already running (e.g. nginx in front of replicas while "
                                  "python -m serving.loadtest plays a class); default: start one")
    ap.add_argument("--default-only", action="store_true", help="only the cases with the default model")
    a = ap.parse_args()
    if not os.access(CHROMIUM, os.X_OK):
        sys.exit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    server = None if a.url else Server().start()
    base = (a.url or server.url).rstrip("/") + "/"
    cases = [c for c in CASES if not a.default_only or "default" in c[0]]
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": a.width, "height": a.height})
            page.set_default_timeout(60_000)
            rows = []
            for name, path, key, chart in cases:
                load, drawn, rerun, exc = measure(page, base, path, key, chart, a.clicks)
                rows.append((name, load, drawn, rerun, exc))
                print(f"  {name}: done", file=sys.stderr)
            browser.close()
    finally:
        if server is not None:
            server.stop()
    print(f"\nClick 'step' -> the chart shows the new step, in headless chromium ({a.width}x{a.height}), "
          f"{a.clicks} clicks per case, {os.cpu_count()} CPUs.")
    print("'drawn' is measured in the page (performance.now, click to the first frame that draws the new step); "
          "'done' is click to the app reporting its run finished, seen from Python (polling adds a little).\n")
    head = f"| {'case':<31} | {'p50 drawn':>9} | {'p95 drawn':>9} | {'max':>7} | {'p50 done':>8} | {'page load':>9} |"
    print(head)
    print("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|")
    for name, load, drawn, rerun, exc in rows:
        print(f"| {name:<31} | {np.percentile(drawn, 50):6.0f} ms | {np.percentile(drawn, 95):6.0f} ms | "
              f"{drawn.max():4.0f} ms | {np.percentile(rerun, 50):5.0f} ms | {load:7.1f} s |"
              + (f"  ({exc} exception boxes!)" if exc else ""))
    print("\nTarget at the default model: p50 <= 150 ms, p95 <= 300 ms.")


if __name__ == "__main__":
    main()
