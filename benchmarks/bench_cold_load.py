"""Cold load: a new browser context opens a page -> its first chart (or the stepper) drawn, for every page of
rnnviz, beside a one-chart Streamlit app (benchmarks/peer_one_chart.py), measured side by side in one run.

    python benchmarks/bench_cold_load.py [--rounds 5]
    python benchmarks/bench_cold_load.py --root /tmp/copy-of-rnnviz --label "no st.latex"   # an edited copy

Two `streamlit run` processes on free loopback ports (rnnviz's app.py with the class settings, and the peer),
each warmed by one visit first (Python imports and caches; the first visit of a fresh process is reported
apart). Then, in rounds, each target in turn (the peer, then every page) in a NEW browser context (no cache,
no cookies, a new Streamlit session), Debian's chromium headless through Playwright. Times are
performance.now() in the page (0 = navigation start):

  html+js    the main bundle has run and the websocket is open (WebSocket 'open')
  run        the first script run: from the websocket opening to the app's script state back to notRunning
             (the server's run, its messages, and the browser building the elements as they arrive)
  first chart  the first plotly chart's SVG (.js-plotly-plot .main-svg) in the DOM, seen by a
             MutationObserver, stopped at the next animation frame; on the step page also the stepper
             ([data-testid="rnnviz-stepper"] with data-step) drawn
  first view   the first chart, else the stepper, else the end of the run: the figure the ratios use

and the JavaScript and CSS the page fetched beyond what the peer fetched (Resource Timing: the lazy
front-end chunks such as KaTeX for st.latex, the syntax highlighter for st.code, the data grid for
st.dataframe / st.data_editor), with their sizes on the wire and when they finished. The server's side: how
many websocket messages and bytes the first run sent, and the server's CPU time per first visit
(/proc/<pid>/stat over the rounds). Target (issue 13): each page's first view <= 1.2 x the peer's (ratio of
medians). Prints tables; asserts nothing.
"""
import argparse
import asyncio
import collections
import json
import os
import pathlib
import statistics
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from serving.loadtest.protocol import Session  # noqa: E402
from serving.loadtest.server import Server  # noqa: E402  (the one way this project starts a server)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGES = [("home", ""), ("step", "Step_through_time"), ("padding", "Padding_and_batches"),
         ("bptt", "Back-propagation_through_time"), ("train", "Train_and_generalise"), ("teachers", "For_teachers")]

# Installed before any page script: timestamps of the websocket's life, of the script state, of the first
# chart and of the stepper, all in performance.now().
INIT = """(() => {
  const T = window.__t = {msgs: 0, bytes: 0, states: []};
  const WS = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new WS(...args);
    ws.addEventListener('open', () => { if (T.wsOpen === undefined) T.wsOpen = performance.now(); });
    ws.addEventListener('message', e => {
      if (T.firstMsg === undefined) T.firstMsg = performance.now();
      if (T.runDone === undefined) { T.msgs += 1; T.bytes += (e.data.byteLength || e.data.size || 0); }
      T.lastMsg = performance.now();
    });
    return ws;
  };
  window.WebSocket.prototype = WS.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  const seen = () => {
    if (T.chart === undefined && document.querySelector('.js-plotly-plot .main-svg')) {
      T.chart = -1; requestAnimationFrame(() => { T.chart = performance.now(); });
    }
    const stp = document.querySelector('[data-testid="rnnviz-stepper"][data-step]');
    if (T.stepper === undefined && stp) { T.stepper = -1; requestAnimationFrame(() => { T.stepper = performance.now(); }); }
    const app = document.querySelector('[data-testid="stApp"]');
    if (app) {
      const s = app.dataset.testScriptState;
      if (T.states.length === 0 || T.states[T.states.length - 1][1] !== s) T.states.push([performance.now(), s]);
      if (s === 'running' && T.runStart === undefined) T.runStart = performance.now();
      if (s === 'notRunning' && T.runStart !== undefined && T.runDone === undefined) T.runDone = performance.now();
    }
  };
  new MutationObserver(seen).observe(document, {subtree: true, childList: true, attributes: true,
                                                attributeFilter: ['data-test-script-state', 'data-step', 'class']});
})()"""

IDLE = ("() => !!document.querySelector('[data-testid=\"stApp\"][data-test-script-state=\"notRunning\"]')"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && window.__t && window.__t.runDone !== undefined")

RESOURCES = """() => performance.getEntriesByType('resource').map(r => ({
  name: r.name.split('/').pop().split('?')[0], type: r.initiatorType, size: r.transferSize,
  body: r.decodedBodySize, start: r.startTime, end: r.responseEnd}))"""


def census(base_url: str, path: str) -> collections.Counter:
    """The elements (and blocks) a page's first run sends to a new session, by type, from the protocol."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    seen = collections.Counter()
    original = Session._handle

    def handle(self, raw):
        m = ForwardMsg()
        m.ParseFromString(raw)
        if m.WhichOneof("type") == "delta":
            d = m.delta
            if d.WhichOneof("type") == "new_element":
                seen[d.new_element.WhichOneof("type")] += 1
            elif d.WhichOneof("type") == "add_block":
                seen["block:" + str(d.add_block.WhichOneof("type"))] += 1
        return original(self, raw)

    async def go():
        s = Session(base_url, timeout=60)
        s._handle = handle.__get__(s)
        it = await s.open(path or None)
        await s.close()
        return it
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(1) as pool:         # Playwright's sync API owns this thread's loop
        it = pool.submit(asyncio.run, go()).result()
    seen["(messages)"], seen["(KiB)"] = it.messages, round(it.bytes / 1024)
    return seen


def visit(browser, url: str, want_chart: bool, want_stepper: bool, timeout_s: float = 60) -> dict:
    """One cold visit in a new context: the page's timings, resources, and its messages. Waits for the first
    chart when the page's run draws a plotly chart (census), and for the stepper on the step page."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.add_init_script(INIT)
    page = ctx.new_page()
    page.set_default_timeout(timeout_s * 1000)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_function(IDLE, polling=20)
    if want_chart:
        page.wait_for_function("() => window.__t.chart > 0", polling=20)
    if want_stepper:
        page.wait_for_function("() => window.__t.stepper > 0", polling=20)
    page.wait_for_timeout(500)                              # late chunks and charts
    t = page.evaluate("() => window.__t")
    nav = page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0]; "
                        "return {html: n.responseEnd, dcl: n.domContentLoadedEventEnd}; }")
    res = page.evaluate(RESOURCES)
    charts = page.locator(".js-plotly-plot").count()
    ctx.close()
    first_view = t.get("chart") if want_chart else (t.get("stepper") if want_stepper else t.get("runDone"))
    if want_stepper and t.get("stepper", 0) > 0:
        first_view = min(first_view, t["stepper"]) if first_view else t["stepper"]
    return {"t": t, "nav": nav, "resources": res, "errors": errors, "first_view": first_view, "charts": charts}


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--root", default=str(ROOT), help="the rnnviz checkout to serve (default: this one)")
    ap.add_argument("--label", default="", help="a name for this run's rnnviz (e.g. the change tried)")
    ap.add_argument("--pages", default=",".join(n for n, _ in PAGES), help="comma-separated: " +
                    ", ".join(n for n, _ in PAGES))
    ap.add_argument("--json", metavar="FILE", help="also write every visit to FILE")
    a = ap.parse_args()
    if not os.access(CHROMIUM, os.X_OK):
        sys.exit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    chosen = [(n, p) for n, p in PAGES if n in a.pages.split(",")]
    tmp = pathlib.Path(tempfile.gettempdir())
    app = Server(cwd=pathlib.Path(a.root), log=tmp / "bench_cold_load_app.log")
    peer = Server(app="benchmarks/peer_one_chart.py", log=tmp / "bench_cold_load_peer.log")
    visits = collections.defaultdict(list)
    cpu = collections.defaultdict(list)
    with app, peer, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        targets = [("peer", peer, peer.url + "/", "", False)]
        for name, path in chosen:
            targets.append((name, app, f"{app.url}/{path}", path, name in ("step", "bptt")))
        first = {}
        for name, srv, url, _, stepper in targets:                # the first visit of a fresh process
            c0 = srv.cpu_seconds()
            v = visit(browser, url, False, stepper)
            first[name] = (v, srv.cpu_seconds() - c0)
        elements = {name: census(srv.url, path) for name, srv, _, path, _ in targets}
        for r in range(a.rounds):
            for name, srv, url, _, stepper in targets:
                c0 = srv.cpu_seconds()
                v = visit(browser, url, elements[name]["plotly_chart"] > 0, stepper)
                cpu[name].append(srv.cpu_seconds() - c0)
                visits[name].append(v)
            print(f"  round {r + 1}/{a.rounds} done", file=sys.stderr, flush=True)
        browser.close()
    report(visits, cpu, first, elements, a)
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps({"visits": visits, "cpu": cpu}, default=str))
    return 0


def report(visits, cpu, first, elements, a):
    peer_view = med(v["first_view"] for v in visits["peer"])
    print(f"\nCold load, new browser context -> first view drawn (ms from navigation start, medians of {a.rounds} "
          f"rounds; headless Chromium; {os.cpu_count()} CPUs){' — rnnviz: ' + a.label if a.label else ''}\n")
    print("| target | first view | x peer | html+js (ws open) | first run (ws open -> run done) | run done "
          "| first chart | stepper | messages / KiB in the first run | server CPU per visit | charts | JS+CSS fetched (KiB on the wire) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    peer_names = set()
    for v in visits["peer"]:
        peer_names |= {r["name"] for r in v["resources"] if r["name"].endswith((".js", ".css"))}
    for name, vs in visits.items():
        fv = med(v["first_view"] for v in vs)
        ws = med(v["t"].get("wsOpen") for v in vs)
        done = med(v["t"].get("runDone") for v in vs)
        run = med((v["t"].get("runDone") or 0) - (v["t"].get("wsOpen") or 0) for v in vs)
        chart = med(v["t"].get("chart") for v in vs if v["t"].get("chart", 0) > 0)
        stp = med(v["t"].get("stepper") for v in vs if v["t"].get("stepper", 0) > 0)
        msgs = med(v["t"]["msgs"] for v in vs)
        kib = med(v["t"]["bytes"] for v in vs) / 1024
        js = med(sum(r["size"] for r in v["resources"] if r["name"].endswith((".js", ".css"))) for v in vs) / 1024
        print(f"| {name} | {fv:.0f} | {fv / peer_view:.2f} | {ws:.0f} | {run:.0f} | {done:.0f} | "
              f"{'-' if chart != chart else f'{chart:.0f}'} | {'-' if stp != stp else f'{stp:.0f}'} | "
              f"{msgs:.0f} / {kib:.0f} | {1000 * med(cpu[name]):.0f} ms | {vs[0]['charts']} | {js:.0f} |")
    print("\n'first view' is the first chart where the page draws one (else the stepper, else the end of the run); "
          "'x peer' is the ratio of medians (target <= 1.2).")
    print("\nFirst visit of each page after the server started (one sample; Python's first-run work such as imports "
          "and caches lands here):")
    for name, (v, c) in first.items():
        print(f"  {name:9s} first view {v['first_view'] or float('nan'):7.0f} ms, run done {v['t'].get('runDone', float('nan')):7.0f} ms, "
              f"server CPU {1000 * c:5.0f} ms")
    print("\nJS/CSS chunks each page fetched that the peer did not (median size on the wire KiB, median finish ms):")
    for name, vs in visits.items():
        if name == "peer":
            continue
        extra = collections.defaultdict(list)
        for v in vs:
            for r in v["resources"]:
                if r["name"].endswith((".js", ".css")) and r["name"] not in peer_names:
                    extra[r["name"]].append(r)
        items = sorted(extra.items(), key=lambda kv: -med(r["size"] for r in kv[1]))
        text = ", ".join(f"{n} {med(r['size'] for r in rs) / 1024:.0f} KiB @{med(r['end'] for r in rs):.0f}"
                         for n, rs in items[:10])
        print(f"  {name:9s} {text or '(none)'}")
    print("\nWhat each page's first run sends (elements and blocks by type, from the protocol):")
    for name, seen in elements.items():
        kinds = ", ".join(f"{k} {v}" for k, v in seen.most_common() if not k.startswith("("))
        print(f"  {name:9s} {seen['(messages)']} messages, {seen['(KiB)']} KiB: {kinds}")
    errs = {n: vs[0]["errors"] for n, vs in visits.items() if vs[0]["errors"]}
    if errs:
        print("\npage errors:", errs)


if __name__ == "__main__":
    sys.exit(main())
