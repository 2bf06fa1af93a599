// rnnviz in-browser stepper (Streamlit custom component v2): steps an unrolled RNN through time with no server
// round trip. The server sends one payload per sequence (rnnviz/stepper_payload.py); every number drawn is
// the core's float64, decoded from base64 bytes. The step goes back to Python (setStateValue("step", t))
// only when stepping pauses; the reply to that is "lite": the payload's id and the step, no numbers, and the
// payload decoded for that id is drawn again. A lite reply for an id this browser does not hold (a remount, a
// missed run) asks Python for the whole payload (setTriggerValue("fetch", id)) and shows no numbers meanwhile.
//
// Contract for tests: the root has data-testid="rnnviz-stepper" and data-step="<t>", set in the same task
// (hence the same frame) that draws step t; every number shown carries data-value = String(x), the shortest
// repr that reads back as the same float64. Vectors carry data-vec="<name>", their numbers data-index.
//
// Forward mode: step t = 0..T, the state s^t. Backward mode: step n = 0..T; n = 0 is dL/ds^T arriving from
// the output, step n works on t = T + 1 - n (delta^t, dL/ds^{t-1}).

const SEND_DELAY_MS = 300;          // the step reaches Python this long after the last step (and on pause)
const MAX_SPEED = 60;               // steps per second
const RDBU = [[5, 48, 97], [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240], [247, 247, 247],
  [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31]];   // plotly's RdBu_r
const LOG_ABOVE = 1e4;              // a colour range wider than this is drawn on a signed log scale
const PAD_RGB = [150, 150, 150];    // pads are blended towards this grey
const BAD_RGB = [255, 214, 102];    // overflow (inf, NaN): amber, off the blue-white-red scale, with a black ×
const SVG_NS = "http://www.w3.org/2000/svg";
const VEC_EDGE = 3;                 // long vectors show this many entries at each end
const VEC_FULL = 8;                 // vectors up to this long are shown in full
const NET_SIDE = 4;                 // the unrolled network shows this many steps each side of the current one
const STATE = "__rnnvizStepper";    // per-instance state kept on the parent element across runs

// ---------------------------------------------------------------------------------------------------------
// numbers

function decodeArray(enc) {
  if (!enc) return null;
  let bytes;
  if (typeof Uint8Array.fromBase64 === "function") {
    bytes = Uint8Array.fromBase64(enc.b64);
  } else {
    const bin = atob(enc.b64);
    bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  }
  const n = bytes.length / 8;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);   // little-endian, on any machine
  return {shape: enc.shape, data: out};
}

function row(arr, r) {                        // row r of a 2-D array, as a Float64Array view
  const w = arr.shape[1];
  return arr.data.subarray(r * w, (r + 1) * w);
}

export function fmt(x) {                       // 4 significant digits; scientific for large and tiny
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "∞";
  if (x === -Infinity) return "−∞";
  if (x === 0) return Object.is(x, -0) ? "−0" : "0";
  const a = Math.abs(x);
  let s;
  if (a >= 1e4 || a < 1e-3) {
    s = x.toExponential(3).replace(/\.?0+e/, "e").replace("e+", "e");
  } else {
    s = x.toPrecision(4);
    if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  }
  return s.replace("-", "−");
}

// ---------------------------------------------------------------------------------------------------------
// DOM helpers (text always through text nodes: labels are user text)

function h(tag, attrs, children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v;
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of [].concat(children ?? [])) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function s(tag, attrs, children) {             // an SVG element
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) e.setAttribute(k, String(v));
  for (const c of [].concat(children ?? [])) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// "s", "t-1" -> s<sup>t−1</sup>; an optional subscript
function sym(base, sup, sub) {
  return h("span", {class: "rvs-sym"}, [base, sub !== undefined ? h("sub", {}, String(sub)) : null,
    sup !== undefined ? h("sup", {}, String(sup).replace("-", "−")) : null]);
}

function num(x) {
  const cls = Number.isFinite(x) ? "rvs-num" : "rvs-num rvs-bad";
  return h("span", {class: cls, "data-value": String(x), title: String(x)}, fmt(x));
}

// a row vector [a b c | d e]; long ones as first entries … last entries (each side of the bar on its own)
function vec(name, values, split) {
  const n = values.length;
  const idx = [];
  const part = (a, b) => {                     // entries a..b-1
    if (b - a <= VEC_FULL) { for (let i = a; i < b; i++) idx.push(i); return; }
    for (let i = a; i < a + VEC_EDGE; i++) idx.push(i);
    idx.push(-(b - a - 2 * VEC_EDGE));         // a gap of this many entries
    for (let i = b - VEC_EDGE; i < b; i++) idx.push(i);
  };
  if (split !== undefined && split > 0 && split < n) { part(0, split); idx.push("|"); part(split, n); }
  else part(0, n);
  const parts = [h("span", {class: "rvs-bracket"}, "[")];
  for (const i of idx) {
    if (i === "|") { parts.push(h("span", {class: "rvs-split"}, "|")); continue; }
    if (i < 0 || Object.is(i, -0)) { parts.push(h("span", {class: "rvs-ellipsis", title: `${-i} more`}, "…")); continue; }
    const e = num(values[i]);
    e.setAttribute("data-index", i);
    parts.push(e);
  }
  parts.push(h("span", {class: "rvs-bracket"}, "]"));
  return h("span", {class: "rvs-vec", "data-vec": name, "data-n": n}, parts);
}

function matrix(name, arr, splitRow) {          // a small matrix as a grid; splitRow: rule above this row
  const [R, C] = arr.shape;
  const t = h("table", {class: "rvs-matrix", "data-mat": name});
  for (let r = 0; r < R; r++) {
    const tr = h("tr", {class: r === splitRow ? "rvs-rule" : null});
    for (let c = 0; c < C; c++) {
      const e = num(arr.data[r * C + c]);
      e.setAttribute("data-index", `${r},${c}`);
      tr.append(h("td", {}, e));
    }
    t.append(tr);
  }
  return t;
}

// ---------------------------------------------------------------------------------------------------------
// colours

function makeColour(scale) {
  const useLog = scale > LOG_ABOVE;
  const top = useLog ? Math.log10(1 + scale) : scale;
  return function colour(v) {                   // -> [r, g, b] for a finite v
    let u = useLog ? Math.sign(v) * Math.log10(1 + Math.abs(v)) : v;
    u = Math.max(-1, Math.min(1, u / top));
    const f = (u + 1) / 2 * (RDBU.length - 1);
    const i = Math.min(RDBU.length - 2, Math.floor(f));
    const w = f - i;
    const a = RDBU[i], b = RDBU[i + 1];
    return [a[0] + (b[0] - a[0]) * w, a[1] + (b[1] - a[1]) * w, a[2] + (b[2] - a[2]) * w];
  };
}

function cssGradient() {
  return "linear-gradient(to right, " + RDBU.map((c, i) => `rgb(${c[0]},${c[1]},${c[2]}) ${(100 * i / (RDBU.length - 1)).toFixed(1)}%`).join(", ") + ")";
}

// ---------------------------------------------------------------------------------------------------------
// the payload, decoded once per payload id

function decodePayload(d) {
  const P = {
    id: d.id, kind: d.kind, T: d.T, H: d.H, I: d.I, O: d.O, length: d.length, f_s: d.f_s, f_o: d.f_o,
    labels: d.labels || [], pads: d.pads || [], scale: d.scale || 1,
    inputs: decodeArray(d.inputs),
  };
  const names = P.kind === "backward" ? ["d_states", "fprime", "deltas", "contrib_norms", "contrib", "W_ss"]
    : ["states", "z", "output_pre", "output", "W_s", "b_s"];
  for (const k of names) P[k] = decodeArray(d[k]);
  // the heatmap: forward columns are s^0..s^T; backward columns are delta^1..delta^T
  P.grid = P.kind === "backward" ? P.deltas : P.states;
  P.ncols = P.grid.shape[0];
  P.colour = makeColour(P.scale);
  return P;
}

// ---------------------------------------------------------------------------------------------------------
// the component

function placeholder(st, host, text, attrs) {   // a line of text in place of the stepper (no step drawn)
  if (st.root) st.root.remove();
  st.root = h("div", {class: "rvs-empty", "data-testid": "rnnviz-stepper", ...attrs}, text);
  st.built = false;
  host.append(st.root);
  return () => {};
}

export default function stepper(args) {
  const {data, parentElement, setStateValue, setTriggerValue} = args;
  const host = parentElement;
  let st = host[STATE];
  if (st && st.cleanup) st.cleanup();          // a run that was not cleaned up: never two sets of listeners
  if (!st) {
    st = host[STATE] = {t: null, synced: null, lastData: null, payloadId: null, P: null, playing: 0,
      speed: 10, showAll: false, sendTimer: null, nSent: 0};
  }
  st.setStateValue = setStateValue;
  if (!data || !data.kind) return placeholder(st, host, "No sequence to step through.");
  if (st.payloadId !== data.id) {
    if (data.lite) {                             // numbers this browser does not hold: ask for them (one rerun)
      setTriggerValue("fetch", data.id);
      return placeholder(st, host, "Loading the sequence…", {"data-fetching": data.id});
    }
    st.P = decodePayload(data);
    st.payloadId = data.id;
    st.built = false;
  }
  const P = st.P;
  const last = P.T;                              // steps run 0..T in both modes
  const server = Math.max(0, Math.min(last, Number(data.step) || 0));
  const moved = data.moved === undefined ? null : Number(data.moved);   // counts Python's own moves
  if (st.t === null) {                           // first mount: Python's step; its state holds it (default)
    st.t = server;
    st.synced = server;
  } else if (moved !== null ? moved !== st.moved : (server !== st.lastData && server !== st.synced)) {
    st.t = server;                               // Python moved the step (a link, a clamp, a lesson): follow it.
    st.synced = server;                          // A late reply to an earlier pause does not count as a move.
    setStateValue("step", server);               // and keep the component's own state equal to it
  }
  st.moved = moved;
  st.lastData = server;
  if (st.root) st.root.classList.toggle("rvs-present", !!data.present);
  st.present = !!data.present;                   // the presentation view: two columns, larger type
  const showAll = !!data.show_all;                // the page's own control (a setting that links carry)
  const showChanged = st.showAll !== showAll;
  st.showAll = showAll;
  st.t = Math.max(0, Math.min(last, st.t));

  if (!st.built || !st.root || !st.root.isConnected) build(st, host);
  const ui = st.ui;
  const root = st.root;

  // ---------------- stepping

  function send() {
    clearTimeout(st.sendTimer);
    st.sendTimer = null;
    if (st.t !== st.synced) {
      st.synced = st.t;
      st.nSent += 1;
      root.dataset.sent = String(st.nSent);
      st.setStateValue("step", st.t);
    }
  }

  function scheduleSend() {
    clearTimeout(st.sendTimer);
    st.sendTimer = st.playing ? null : setTimeout(send, SEND_DELAY_MS);
  }

  function go(t, fromUser = true) {
    t = Math.max(0, Math.min(last, t));
    if (t === st.t && st.drawn === t) return;
    st.t = t;
    draw(st);
    if (fromUser) scheduleSend();
  }

  function pause() {
    if (!st.playing) return;
    st.playing = 0;
    cancelAnimationFrame(st.playFrame);
    updatePlayButtons(st);
    send();
  }

  function play(dir) {
    if (st.playing === dir) { pause(); return; }
    clearTimeout(st.sendTimer);
    st.playing = dir;
    if (dir > 0 && st.t >= last) go(0, false);
    if (dir < 0 && st.t <= 0) go(last, false);
    updatePlayButtons(st);
    let prev = performance.now();
    let owed = 0;
    const tick = (now) => {
      if (!st.playing) return;
      owed += (now - prev) * st.speed / 1000;
      prev = now;
      if (owed >= 1) {
        owed = Math.min(owed - 1, 1);            // at most one step per frame: every step is drawn
        go(st.t + st.playing, false);
        if ((st.playing > 0 && st.t >= last) || (st.playing < 0 && st.t <= 0)) { pause(); return; }
      }
      st.playFrame = requestAnimationFrame(tick);
    };
    st.playFrame = requestAnimationFrame(tick);
  }

  const clickers = {
    first: () => { pause(); go(0); },
    back: () => { pause(); go(st.t - 1); },
    next: () => { pause(); go(st.t + 1); },
    last: () => { pause(); go(last); },
    play: () => play(1),
    reverse: () => play(-1),
  };

  const onClick = (e) => {
    const b = e.target.closest("button[data-action]");
    if (!b || !root.contains(b)) return;
    activate();
    clickers[b.dataset.action]();
  };
  const onInput = (e) => {
    if (e.target === ui.speed) {
      st.speed = Number(ui.speed.value);
      ui.speedOut.textContent = `${st.speed} steps/s`;
    }
  };
  const onKey = (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || !isActive()) return;
    const tgt = e.composedPath ? e.composedPath()[0] : e.target;
    if (tgt && (tgt.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(tgt.tagName || ""))) return;
    const k = e.key.toLowerCase();
    if (k === "n") { e.preventDefault(); clickers.next(); }
    else if (k === "b") { e.preventDefault(); clickers.back(); }
    else if (k === "p") { e.preventDefault(); clickers.play(); }      // play / pause
    else if (k === "home") { e.preventDefault(); clickers.first(); }
    else if (k === "end") { e.preventDefault(); clickers.last(); }
  };
  const onPointer = () => activate();
  const onCanvasClick = (e) => {
    const c = cellAt(st, e);
    if (!c) return;
    activate();
    pause();
    go(P.kind === "backward" ? last - c.col : c.col);
  };
  const onMove = (e) => hover(st, cellAt(st, e));
  const onLeave = () => hover(st, null);

  // N / B go to the stepper last clicked on this page (the first one otherwise)
  const reg = (window.__rnnvizSteppers = window.__rnnvizSteppers || new Set());
  reg.add(root);
  function activate() { window.__rnnvizActiveStepper = root; }
  function isActive() {
    const a = window.__rnnvizActiveStepper;
    if (a && a.isConnected) return a === root;
    for (const r of reg) { if (r.isConnected) return r === root; reg.delete(r); }
    return false;
  }

  const listeners = [[root, "click", onClick], [root, "input", onInput], [root, "pointerdown", onPointer],
    [ui.overlay, "click", onCanvasClick], [ui.overlay, "mousemove", onMove], [ui.overlay, "mouseleave", onLeave],
    [document, "keydown", onKey]];
  for (const [target, type, fn] of listeners) target.addEventListener(type, fn);
  const ro = new ResizeObserver(() => {
    const w = ui.heatBox.clientWidth;
    if (w && w !== st.width) { layoutHeat(st); draw(st, true); }
  });
  ro.observe(ui.heatBox);

  ui.speed.value = String(st.speed);
  ui.speedOut.textContent = `${st.speed} steps/s`;
  layoutHeat(st);
  if (showChanged) redrawHeat(st);
  draw(st, true);
  const resume = st.playing;
  st.playing = 0;
  if (resume) play(resume);                       // a rerun while playing (another control) keeps playing
  updatePlayButtons(st);

  let cleaned = false;
  st.cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    for (const [target, type, fn] of listeners) target.removeEventListener(type, fn);
    ro.disconnect();
    cancelAnimationFrame(st.playFrame);            // st.playing stays: the next run resumes it
    if (!root.isConnected) { reg.delete(root); clearTimeout(st.sendTimer); }
    st.cleanup = null;
  };
  return st.cleanup;
}

// ---------------------------------------------------------------------------------------------------------
// building the DOM (once per payload)

const ICONS = {        // 16x16 paths
  first: "M3 2h2v12H3zM14 2v12L6 8z",
  back: "M12 2v12L4 8z",
  next: "M4 2v12l8-6z",
  last: "M11 2h2v12h-2zM2 2v12l8-6z",
  play: "M4 2v12l10-6z",
  reverse: "M12 2v12L2 8z",
  pause: "M3 2h4v12H3zM9 2h4v12H9z",
};

function icon(name) {
  return s("svg", {viewBox: "0 0 16 16", width: 14, height: 14, "aria-hidden": "true"}, s("path", {d: ICONS[name]}));
}

function button(action, label, text, key) {
  return h("button", {type: "button", class: "rvs-btn", "data-action": action, "aria-label": label,
    title: key ? `${label} (key ${key})` : label}, [icon(action), text ? h("span", {class: "rvs-btn-text"}, text) : null]);
}

function build(st, host) {
  const P = st.P;
  const back = P.kind === "backward";
  const ui = st.ui = {};
  const root = h("div", {class: "rvs", "data-testid": "rnnviz-stepper", "data-mode": P.kind,
    "data-step": String(st.t), "data-last": String(P.T), "data-payload": String(st.payloadId), role: "group",
    "aria-label": back ? "Backward pass stepper" : "Forward pass stepper"});

  ui.title = h("div", {class: "rvs-title"});
  ui.status = h("div", {class: "rvs-status", "aria-live": "polite"});
  ui.speed = h("input", {type: "range", min: 1, max: MAX_SPEED, step: 1, class: "rvs-speed", "aria-label": "Play speed, steps per second"});
  ui.speedOut = h("span", {class: "rvs-speed-out"});
  ui.playBtn = button("play", back ? "Play the backward pass" : "Play", "Play");
  ui.reverseBtn = button("reverse", back ? "Play backward (towards the output)" : "Play backward", "Reverse");
  const controls = h("div", {class: "rvs-controls"}, [
    h("div", {class: "rvs-group"}, [
      button("first", back ? "First backward step (the output)" : "First step", null),
      button("back", "Previous step", null, "B"),
      button("next", "Next step", null, "N"),
      button("last", back ? "Last backward step (t = 1)" : "Last step", null),
    ]),
    h("div", {class: "rvs-group"}, [ui.reverseBtn, ui.playBtn]),
    h("label", {class: "rvs-speed-box"}, ["Speed ", ui.speed, ui.speedOut]),
    h("span", {class: "rvs-keys"}, "Keys: N next · B back · P play · Home / End"),
  ]);

  ui.net = s("svg", {class: "rvs-net-svg", role: "img", "aria-label": "The unrolled network"});
  const netBox = h("div", {class: "rvs-net"}, [
    h("div", {class: "rvs-caption"}, back
      ? "The unrolled network: the gradient flows back from the loss L, right to left; ∂sᵗ stands for dL/dsᵗ. Dashed arrows are pads (the gradient passes through unchanged)."
      : "The unrolled network: each step uses the same W_s — its state rows (W_s) on the state arrows, its input rows (W_i) on the input arrows. Dashed arrows are pads (the state is copied)."),
    ui.net]);

  // heatmap: a base canvas (cells, axes) and an overlay (current-step outline, hover)
  ui.canvas = h("canvas", {class: "rvs-canvas", "aria-hidden": "true"});
  ui.overlay = h("canvas", {class: "rvs-overlay", role: "img",
    "aria-label": back ? "Heatmap of delta^t; click a column to go to its step" : "Heatmap of the states; click a column to go to its step"});
  ui.tip = h("div", {class: "rvs-tip", role: "tooltip", hidden: true});
  ui.heatBox = h("div", {class: "rvs-heat"}, [ui.canvas, ui.overlay, ui.tip]);
  const legend = h("div", {class: "rvs-legend"}, [
    h("span", {class: "rvs-legend-label"}, [num(-P.scale)]),
    h("span", {class: "rvs-bar", style: `background:${cssGradient()}`, title: "blue negative, white 0, red positive"}),
    h("span", {class: "rvs-legend-label"}, [num(P.scale)]),
    P.scale > LOG_ABOVE ? h("span", {class: "rvs-note"}, "(signed log scale)") : null,
    h("span", {class: "rvs-swatch rvs-sw-pad"}), h("span", {}, "pad"),
    h("span", {class: "rvs-swatch rvs-sw-bad"}, "×"), h("span", {}, "overflow (∞ or NaN; black when cells are tiny)"),
    h("span", {class: "rvs-swatch rvs-sw-cur"}), h("span", {}, "current step"),
  ]);
  const heatTitle = back
    ? [sym("δ", "t"), " = dL/d", sym("z", "t"), " for t = 1…", String(P.T), ": one column per step, one row per state unit. Filled from the right as the gradient flows back."]
    : ["The states ", sym("s", "t"), " for t = 0…", String(P.T), ": one column per step, one row per state unit. A column appears when its step is computed."];
  const heat = h("div", {class: "rvs-heat-box"}, [h("div", {class: "rvs-caption"}, heatTitle), ui.heatBox, legend,
    h("div", {class: "rvs-hint"}, "Hover a cell for its exact value; click a column to go to its step.")]);

  ui.math = h("div", {class: "rvs-math", "aria-live": "polite"});
  root.append(h("div", {class: "rvs-head"}, [ui.title, ui.status]), controls, netBox, heat, ui.math);
  if (st.root && st.root !== root) st.root.remove();   // Streamlit's <style> for the CSS lives in host too: keep it
  root.classList.toggle("rvs-present", !!st.present);
  st.root = root;
  host.append(root);
  st.built = true;
  st.drawn = null;
}

function updatePlayButtons(st) {
  const {ui} = st;
  for (const [b, dir, name, label] of [[ui.playBtn, 1, "play", "Play"], [ui.reverseBtn, -1, "reverse", "Reverse"]]) {
    const on = st.playing === dir;
    b.replaceChildren(icon(on ? "pause" : name), h("span", {class: "rvs-btn-text"}, on ? "Pause" : label));
    b.setAttribute("aria-label", on ? "Pause" : (dir > 0 ? "Play" : "Play backward"));
    b.setAttribute("aria-pressed", on ? "true" : "false");
  }
  st.root.dataset.playing = String(st.playing);
}

// ---------------------------------------------------------------------------------------------------------
// heatmap

function layoutHeat(st) {
  const P = st.P, ui = st.ui;
  const dpr = window.devicePixelRatio || 1;
  const W = Math.max(320, ui.heatBox.clientWidth || 800);
  const ch = Math.max(3, Math.min(28, Math.floor(320 / P.H)));
  const left = 46, top = 6, bottom = 26, right = 8;
  const plotW = W - left - right, plotH = ch * P.H;
  const Hpx = top + plotH + bottom;
  for (const c of [ui.canvas, ui.overlay]) {
    c.width = Math.round(W * dpr);
    c.height = Math.round(Hpx * dpr);
    c.style.width = W + "px";
    c.style.height = Hpx + "px";
  }
  ui.heatBox.style.height = Hpx + "px";
  st.width = W;
  st.geo = {dpr, W, Hpx, left, top, plotW, plotH, ch, cw: plotW / P.ncols};
  // one pixel per cell, scaled up when drawn
  st.cells = document.createElement("canvas");
  st.cells.width = P.ncols;
  st.cells.height = P.H;
  st.cellCtx = st.cells.getContext("2d");
  st.img = st.cellCtx.createImageData(P.ncols, P.H);
  st.revealedState = new Int8Array(P.ncols).fill(-1);   // what each column was last drawn as
}

function colX(g, c) { return g.left + Math.round(c * g.cw); }

// 0: not computed (hidden), 1: not computed (faded, "show all"), 2: computed
function colState(st, c) {
  const P = st.P, t = st.t;
  const done = P.kind === "backward" ? c >= P.T - t : c <= t;
  return done ? 2 : (st.showAll ? 1 : 0);
}

function isPadCol(P, c) {                      // forward column c is s^c (t = c); backward column c is delta^{c+1}
  const t = P.kind === "backward" ? c + 1 : c;
  return t >= 1 && P.pads[t - 1];
}

function paintColumns(st, c0, c1) {            // recolour columns c0..c1 into the 1-px image, then draw them
  const P = st.P, g = st.geo, img = st.img.data, grid = P.grid.data, H = P.H, n = P.ncols;
  const bad = [];
  const crossable = g.cw >= 5 && g.ch >= 5;     // big cells: amber with a black ×; tiny ones: black
  for (let c = c0; c <= c1; c++) {
    const state = colState(st, c);
    st.revealedState[c] = state;
    const pad = isPadCol(P, c);
    for (let k = 0; k < H; k++) {
      const v = grid[c * H + k];
      const o = (k * n + c) * 4;
      if (state === 0) { img[o] = img[o + 1] = img[o + 2] = 0; img[o + 3] = 0; continue; }
      let rgb;
      if (!Number.isFinite(v)) { rgb = crossable ? BAD_RGB : [20, 20, 20]; if (state === 2) bad.push([c, k]); }
      else rgb = P.colour(v);
      if (pad) rgb = [rgb[0] * 0.55 + PAD_RGB[0] * 0.45, rgb[1] * 0.55 + PAD_RGB[1] * 0.45, rgb[2] * 0.55 + PAD_RGB[2] * 0.45];
      img[o] = rgb[0]; img[o + 1] = rgb[1]; img[o + 2] = rgb[2];
      img[o + 3] = state === 2 ? 255 : 70;
    }
  }
  st.cellCtx.putImageData(st.img, 0, 0, c0, 0, c1 - c0 + 1, H);
  const ctx = st.ui.canvas.getContext("2d");
  ctx.setTransform(g.dpr, 0, 0, g.dpr, 0, 0);
  ctx.imageSmoothingEnabled = false;
  const x0 = colX(g, c0), x1 = colX(g, c1 + 1);
  ctx.clearRect(x0, g.top, x1 - x0, g.plotH);
  ctx.drawImage(st.cells, c0, 0, c1 - c0 + 1, H, x0, g.top, x1 - x0, g.plotH);
  if (bad.length) {                              // overflow: a black × per cell (a black cell when tiny)
    ctx.strokeStyle = "#000";
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    for (const [c, k] of bad) {
      const xa = colX(g, c), xb = colX(g, c + 1), ya = g.top + k * g.ch, yb = ya + g.ch;
      const m = Math.min(xb - xa, g.ch) * 0.2;
      if (xb - xa < 5 || g.ch < 5) continue;
      ctx.moveTo(xa + m, ya + m); ctx.lineTo(xb - m, yb - m);
      ctx.moveTo(xb - m, ya + m); ctx.lineTo(xa + m, yb - m);
    }
    ctx.stroke();
  }
  if (g.cw >= 6 && g.ch >= 6) {                  // thin gaps between large cells
    ctx.strokeStyle = "rgba(255,255,255,0.9)";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let c = c0; c <= c1 + 1; c++) { const x = colX(g, c) + 0.5; ctx.moveTo(x, g.top); ctx.lineTo(x, g.top + g.plotH); }
    for (let k = 0; k <= H; k++) { const y = g.top + k * g.ch + 0.5; ctx.moveTo(x0, y); ctx.lineTo(x1, y); }
    ctx.stroke();
  }
}

function drawAxes(st) {
  const P = st.P, g = st.geo, ctx = st.ui.canvas.getContext("2d");
  ctx.setTransform(g.dpr, 0, 0, g.dpr, 0, 0);
  ctx.clearRect(0, 0, g.W, g.Hpx);
  const style = getComputedStyle(st.root);
  ctx.fillStyle = style.color || "#333";
  ctx.font = `12px ${style.fontFamily || "sans-serif"}`;
  ctx.textBaseline = "middle";
  ctx.textAlign = "right";
  const name = P.kind === "backward" ? "δ" : "s";
  const every = Math.max(1, Math.ceil(14 / g.ch));
  for (let k = 0; k < P.H; k += every) ctx.fillText(`${name}${subDigits(k)}`, g.left - 6, g.top + (k + 0.5) * g.ch);
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  const first = P.kind === "backward" ? 1 : 0;
  const stepEvery = niceEvery(P.ncols, g.plotW / 40);
  for (let c = 0; c < P.ncols; c++) {
    const t = c + first;
    if (t % stepEvery !== 0 && !(stepEvery === 1)) continue;
    ctx.fillText(String(t), (colX(g, c) + colX(g, c + 1)) / 2, g.top + g.plotH + 5);
  }
  ctx.textAlign = "left";
  ctx.fillText("t", g.left - 20, g.top + g.plotH + 5);
}

function niceEvery(n, maxLabels) {
  for (const e of [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000]) if (n / e <= maxLabels) return e;
  return 10000;
}

function subDigits(k) { return String(k).replace(/\d/g, (d) => "₀₁₂₃₄₅₆₇₈₉"[d]); }

function redrawHeat(st) {
  drawAxes(st);
  paintColumns(st, 0, st.P.ncols - 1);
  drawOverlay(st);
}

function currentCol(st) {                      // the column outlined at the current step, or -1
  const P = st.P;
  if (P.kind === "backward") return st.t === 0 ? -1 : P.T - st.t;
  return st.t;
}

function drawOverlay(st) {
  const g = st.geo, ctx = st.ui.overlay.getContext("2d");
  ctx.setTransform(g.dpr, 0, 0, g.dpr, 0, 0);
  ctx.clearRect(0, 0, g.W, g.Hpx);
  const c = currentCol(st);
  if (c >= 0) {
    const xa = colX(g, c), xb = Math.max(colX(g, c + 1), xa + 2);
    ctx.strokeStyle = "#111";
    ctx.lineWidth = 3;
    ctx.strokeRect(xa - 1.5, g.top - 1.5, xb - xa + 3, g.plotH + 3);
    ctx.strokeStyle = "#ffd400";
    ctx.lineWidth = 1;
    ctx.strokeRect(xa - 1.5, g.top - 1.5, xb - xa + 3, g.plotH + 3);
  }
  if (st.hoverCell) {
    const {col, k} = st.hoverCell;
    ctx.strokeStyle = "rgba(0,0,0,0.8)";
    ctx.lineWidth = 1;
    ctx.strokeRect(colX(g, col) + 0.5, g.top + k * g.ch + 0.5, Math.max(1, colX(g, col + 1) - colX(g, col)) - 1, g.ch - 1);
  }
}

function cellAt(st, e) {
  const g = st.geo, r = st.ui.overlay.getBoundingClientRect();
  const x = e.clientX - r.left, y = e.clientY - r.top;
  if (x < g.left || x >= g.left + g.plotW || y < g.top - 2 || y > g.top + g.plotH + 20) return null;
  const col = Math.min(st.P.ncols - 1, Math.max(0, Math.floor((x - g.left) / g.cw)));
  const k = Math.min(st.P.H - 1, Math.max(0, Math.floor((y - g.top) / g.ch)));
  return {col, k, x, y};
}

function hover(st, cell) {
  const P = st.P, tip = st.ui.tip;
  st.hoverCell = cell;
  drawOverlay(st);
  if (!cell) { tip.hidden = true; return; }
  const {col, k} = cell;
  const back = P.kind === "backward";
  const t = back ? col + 1 : col;
  const v = P.grid.data[col * P.H + k];
  const state = colState(st, col);
  const parts = [back ? sym("δ", t, k) : sym("s", t, k), " = "];
  if (state === 0) parts.push(h("span", {class: "rvs-muted"}, "not computed yet"));
  else parts.push(h("span", {class: Number.isFinite(v) ? "rvs-num" : "rvs-num rvs-bad", "data-value": String(v)}, String(v)));
  if (isPadCol(P, col)) parts.push(h("span", {class: "rvs-muted"}, back ? "  (pad: δ = 0)" : "  (pad: copied)"));
  if (state === 1) parts.push(h("span", {class: "rvs-muted"}, "  (not computed yet at this step)"));
  tip.replaceChildren(...parts);
  tip.hidden = false;
  const g = st.geo;
  const w = tip.offsetWidth;                     // right of the pointer, or left of it near the right edge
  const left = cell.x + 14 + w <= g.W ? cell.x + 14 : cell.x - 14 - w;
  tip.style.left = Math.max(0, left) + "px";
  tip.style.top = Math.min(g.top + (k + 1) * g.ch + 4, g.Hpx - 4) + "px";
}

// ---------------------------------------------------------------------------------------------------------
// drawing one step: heatmap columns whose state changed, outline, network, arithmetic, data-step

function draw(st, full = false) {
  const P = st.P;
  if (full) {
    drawAxes(st);
    paintColumns(st, 0, P.ncols - 1);
  } else {
    let lo = -1, hi = -1;                       // only the columns whose reveal state changed
    for (let c = 0; c < P.ncols; c++) {
      if (colState(st, c) !== st.revealedState[c]) { if (lo < 0) lo = c; hi = c; }
    }
    if (lo >= 0) paintColumns(st, lo, hi);
  }
  drawOverlay(st);
  drawNet(st);
  drawMath(st);
  drawTitle(st);
  if (st.hoverCell) hover(st, st.hoverCell);
  st.root.dataset.step = String(st.t);
  st.drawn = st.t;
}

function timeOf(st) {                           // backward: the t that step n works on (0 at n = 0: the output)
  return st.P.kind === "backward" ? (st.t === 0 ? 0 : st.P.T + 1 - st.t) : st.t;
}

function drawTitle(st) {
  const P = st.P, t = st.t, ui = st.ui;
  const back = P.kind === "backward";
  st.root.dataset.time = String(timeOf(st));
  if (!back) {
    ui.title.replaceChildren(h("span", {class: "rvs-stepno"}, `Step t = ${t}`), h("span", {class: "rvs-of"}, ` of ${P.T}`));
    let status;
    if (t === 0) status = "the initial state s⁰, before any input";
    else if (P.pads[t - 1]) status = "a pad: nothing is computed, the state is copied";
    else status = labelText(P, t) ? `reads input ${t}: ` : `reads input ${t}`;
    ui.status.replaceChildren(status, (!P.pads[t - 1] && t > 0 && labelText(P, t)) ? h("code", {class: "rvs-label"}, labelText(P, t)) : "");
  } else {
    const tt = timeOf(st);
    ui.title.replaceChildren(h("span", {class: "rvs-stepno"}, `Backward step ${t}`), h("span", {class: "rvs-of"}, ` of ${P.T}`),
      h("span", {class: "rvs-of"}, t === 0 ? " · at the output" : ` · t = ${tt}`));
    ui.status.replaceChildren(t === 0 ? "the gradient arrives from the output: dL/dsᵀ"
      : P.pads[tt - 1] ? "a pad: δ = 0, the gradient passes through unchanged" : "one step of back-propagation through time");
  }
}

function labelText(P, t) { return (P.labels[t - 1] || ""); }

// ---------------------------------------------------------------------------------------------------------
// the unrolled network (SVG), windowed around the current step

function netWindow(T, cur) {                    // the node indices 0..T shown, with -1 for a gap
  if (T + 1 <= 2 * NET_SIDE + 5) return Array.from({length: T + 1}, (_, i) => i);
  const lo = Math.max(0, cur - NET_SIDE), hi = Math.min(T, cur + NET_SIDE);
  const out = [];
  if (lo > 0) { out.push(0); if (lo > 1) out.push(-1); }
  for (let i = lo; i <= hi; i++) out.push(i);
  if (hi < T) { if (hi < T - 1) out.push(-1); out.push(T); }
  return out;
}

function drawNet(st) {
  const P = st.P, svg = st.ui.net, back = P.kind === "backward";
  const cur = back ? (st.t === 0 ? P.T + 1 : P.T + 1 - st.t) : st.t;     // node index highlighted (T+1: output)
  const nodes = netWindow(P.T, Math.min(cur, P.T));
  const dx = 80, x0 = 40, yS = 92, yI = 28, r = 21;
  const width = x0 + dx * (nodes.length) + 60;
  svg.setAttribute("viewBox", `0 0 ${width} 130`);
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", "130");
  const kids = [s("defs", {}, [
    s("marker", {id: "rvs-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse"},
      s("path", {d: "M0 0L10 5L0 10z", class: "rvs-arrowhead"})),
    s("marker", {id: "rvs-arrow-hot", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse"},
      s("path", {d: "M0 0L10 5L0 10z", class: "rvs-arrowhead-hot"}))])];
  const xs = nodes.map((_, j) => x0 + j * dx);
  const done = (i) => back ? (st.t > 0 && i >= P.T + 1 - st.t) : i <= st.t;
  nodes.forEach((i, j) => {
    const x = xs[j];
    if (i === -1) { kids.push(s("text", {x, y: yS + 5, class: "rvs-gap", "text-anchor": "middle"}, "…")); return; }
    const pad = i >= 1 && P.pads[i - 1];
    // the arrow in from the previous shown node (only when it is the previous step)
    if (j > 0 && nodes[j - 1] === i - 1) {
      const hotArrow = back ? (i === cur) : (i === cur);
      const cls = `rvs-edge${pad ? " rvs-pad" : ""}${hotArrow ? " rvs-hot" : ""}`;
      const [xa, xb] = back ? [x - r - 2, xs[j - 1] + r + 2] : [xs[j - 1] + r + 2, x - r - 2];
      kids.push(s("line", {x1: xa, y1: yS, x2: xb, y2: yS, class: cls, "marker-end": `url(#${hotArrow ? "rvs-arrow-hot" : "rvs-arrow"})`}));
      kids.push(s("text", {x: (xs[j - 1] + x) / 2, y: yS - 7, class: "rvs-edge-label", "text-anchor": "middle"},
        pad ? "copy" : (back ? "W_ssᵀ" : "W_s")));
    }
    if (i >= 1) {                                // the input above
      const lab = labelText(P, i);
      kids.push(s("rect", {x: x - 17, y: yI - 13, width: 34, height: 24, rx: 4,
        class: `rvs-input${pad ? " rvs-pad" : ""}${i === cur ? " rvs-hot" : ""}`}));
      const tx = s("text", {x, y: yI + 4, "text-anchor": "middle", class: "rvs-input-text"});
      if (pad) tx.textContent = "pad";
      else if (lab) tx.textContent = lab.length > 3 ? lab.slice(0, 3) + "…" : (lab === " " ? "␣" : lab);
      else { tx.append("i"); tx.append(s("tspan", {dy: -6, class: "rvs-supt"}, String(i))); }
      kids.push(tx);
      if (!back) kids.push(s("line", {x1: x, y1: yI + 12, x2: x, y2: yS - r - 2,
        class: `rvs-edge${pad ? " rvs-pad" : ""}`, "marker-end": "url(#rvs-arrow)"}));
      if (!back && !pad) kids.push(s("text", {x: x + 5, y: (yI + 12 + yS - r) / 2 + 3, class: "rvs-edge-label rvs-input-label",
        "text-anchor": "start"}, "W_i"));            // the input rows of W_s (W_i·· in the pickers and tables)
    }
    const cls = `rvs-node${done(i) ? " rvs-done" : ""}${i === cur ? " rvs-current" : ""}${pad ? " rvs-pad" : ""}`;
    const g = s("g", {class: cls, "data-node": i});
    g.append(s("circle", {cx: x, cy: yS, r}));
    const digits = String(i).length;
    const label = s("text", {x: x - (digits > 2 ? 2 : 0), y: yS + 5, "text-anchor": "middle",
      class: digits > 2 ? "rvs-long" : null});
    label.append(back ? "∂s" : "s");
    label.append(s("tspan", {dy: -7, class: "rvs-supt"}, String(i)));
    g.append(label);
    kids.push(g);
  });
  // the output after s^T
  const lastX = xs[xs.length - 1];
  if (nodes[nodes.length - 1] === P.T) {
    const ox = lastX + dx;
    const hot = back && st.t === 0;
    const [xa, xb] = back ? [ox - 20, lastX + r + 2] : [lastX + r + 2, ox - 20];
    kids.push(s("line", {x1: xa, y1: yS, x2: xb, y2: yS, class: `rvs-edge${hot ? " rvs-hot" : ""}`,
      "marker-end": `url(#${hot ? "rvs-arrow-hot" : "rvs-arrow"})`}));
    kids.push(s("text", {x: (lastX + ox) / 2, y: yS - 7, class: "rvs-edge-label", "text-anchor": "middle"}, back ? "W_oᵀ" : "W_o"));
    const og = s("g", {class: `rvs-node rvs-out${(back || st.t === P.T) ? " rvs-done" : ""}${hot ? " rvs-current" : ""}`, "data-node": "o"});
    og.append(s("rect", {x: ox - 18, y: yS - 18, width: 36, height: 36, rx: 6}));
    og.append(s("text", {x: ox, y: yS + 5, "text-anchor": "middle"}, back ? "L" : "o"));
    kids.push(og);
  }
  svg.replaceChildren(...kids);
}

// ---------------------------------------------------------------------------------------------------------
// the step's arithmetic, with live numbers

function line(role, lhs, rhs, note) {
  return h("div", {class: "rvs-line", "data-line": role}, [h("span", {class: "rvs-lhs"}, lhs), h("span", {class: "rvs-eq"}, "="),
    h("span", {class: "rvs-rhs"}, rhs), note ? h("span", {class: "rvs-note"}, note) : null]);
}

function drawMath(st) {
  const P = st.P, box = st.ui.math;
  const out = [];
  if (P.kind === "backward") backwardMath(st, out); else forwardMath(st, out);
  box.replaceChildren(...out);
}

function forwardMath(st, out) {
  const P = st.P, t = st.t, H = P.H;
  out.push(h("div", {class: "rvs-math-title"}, t === 0 ? "The initial state" : `The arithmetic of step ${t}`));
  if (t === 0) {
    out.push(line("s", [sym("s", 0)], [vec("s", row(P.states, 0))], "s⁰ = s0, the initial state"));
    return;
  }
  const sPrev = row(P.states, t - 1), sNew = row(P.states, t), inp = row(P.inputs, t - 1);
  if (P.pads[t - 1]) {
    out.push(h("div", {class: "rvs-padnote"}, [sym("i", t), " is a pad: nothing is computed, so the state is copied: ",
      sym("s", t), " = ", sym("s", t - 1), "."]));
    out.push(line("s", [sym("s", t), " = ", sym("s", t - 1)], [vec("s", sNew)]));
  } else {
    const xs = new Float64Array(H + P.I);
    xs.set(sPrev, 0);
    xs.set(inp, H);
    out.push(line("xs", ["[", sym("s", t - 1), " ", sym("i", t), "]"], [vec("xs", xs, H)],
      `the previous state (${H} numbers) next to the input (${P.I})`));
    out.push(line("z", [sym("z", t), " = [", sym("s", t - 1), " ", sym("i", t), "] ", sym("W", undefined, "s"), " + ", sym("b", undefined, "s")],
      [vec("z", row(P.z, t - 1))]));
    out.push(line("s", [sym("s", t), ` = ${P.f_s}(`, sym("z", t), ")"], [vec("s", sNew)]));
    const lab = labelText(P, t);
    if (lab) out.push(h("div", {class: "rvs-note"}, ["input ", sym("i", t), " encodes ", h("code", {class: "rvs-label"}, lab)]));
  }
  if (P.W_s && P.H <= 8 && P.H + P.I <= 12) {
    out.push(h("div", {class: "rvs-weights"}, [
      h("div", {class: "rvs-wbox"}, [h("div", {class: "rvs-wname"}, [sym("W", undefined, "s"), " (state rows above the line, input rows below)"]), matrix("W_s", P.W_s, H)]),
      h("div", {class: "rvs-wbox"}, [h("div", {class: "rvs-wname"}, [sym("b", undefined, "s")]), vec("b_s", P.b_s.data)]),
    ]));
  }
  if (t === P.T) {
    out.push(line("output", ["o = ", `${P.f_o}(`, sym("s", "T"), " ", sym("W", undefined, "o"), " + ", sym("b", undefined, "o"), ")"],
      [`${P.f_o}(`, vec("output_pre", P.output_pre.data), ") = ", vec("output", P.output.data)], "the output after the last step"));
  }
}

function backwardMath(st, out) {
  const P = st.P, n = st.t, T = P.T;
  if (n === 0) {
    out.push(h("div", {class: "rvs-math-title"}, "The gradient arrives from the output"));
    out.push(line("ds", ["dL/d", sym("s", T)], [vec("ds", row(P.d_states, T))], "= dL/do · do/dsᵀ, through W_oᵀ"));
    return;
  }
  const t = T + 1 - n;
  out.push(h("div", {class: "rvs-math-title"}, `Back-propagation through step t = ${t}`));
  const ds = row(P.d_states, t), fp = row(P.fprime, t - 1), d = row(P.deltas, t - 1), dPrev = row(P.d_states, t - 1);
  out.push(line("ds", ["dL/d", sym("s", t)], [vec("ds", ds)], "what reaches this step from later ones"));
  if (P.pads[t - 1]) {
    out.push(h("div", {class: "rvs-padnote"}, [sym("i", t), " is a pad: ", sym("δ", t), " = 0 and the gradient passes through unchanged: dL/d",
      sym("s", t - 1), " = dL/d", sym("s", t), "."]));
    out.push(line("delta", [sym("δ", t)], [vec("delta", d)]));
    out.push(line("ds_prev", ["dL/d", sym("s", t - 1)], [vec("ds_prev", dPrev)]));
  } else {
    out.push(line("fprime", [`${P.f_s}′(`, sym("z", t), ")"], [vec("fprime", fp)], "the activation's local slope"));
    out.push(line("delta", [sym("δ", t), " = dL/d", sym("s", t), " ⊙ ", `${P.f_s}′(`, sym("z", t), ")"], [vec("delta", d)]));
    out.push(line("ds_prev", ["dL/d", sym("s", t - 1), " = ", sym("δ", t), " ", sym("W", "⊤", "ss")], [vec("ds_prev", dPrev)],
      "passed on to the step before"));
  }
  const norm = P.contrib_norms.data[t - 1];
  out.push(line("contrib_norm", ["‖dL/d", sym("W", t, "s"), "‖ = ‖[", sym("s", t - 1), " ", sym("i", t), "]", "ᵀ", sym("δ", t), "‖"],
    [num(norm)], "this step's copy's share of dL/dW_s"));
  const C = P.contrib;
  if (C && C.shape[1] <= 12 && C.shape[2] <= 8) {
    const R = C.shape[1], K = C.shape[2];
    const m = {shape: [R, K], data: C.data.subarray((t - 1) * R * K, t * R * K)};
    out.push(h("div", {class: "rvs-weights"}, [h("div", {class: "rvs-wbox"}, [
      h("div", {class: "rvs-wname"}, ["dL/d", sym("W", t, "s"), " = [", sym("s", t - 1), " ", sym("i", t), "]ᵀ ", sym("δ", t),
        " (state rows above the line, input rows below)"]), matrix("contrib", m, P.H)])]));
  }
  // the norms of every copy so far, as a strip of bars (small multiples of the vanishing gradient)
  out.push(normStrip(st, t));
}

function normStrip(st, tCur) {
  const P = st.P, T = P.T, norms = P.contrib_norms.data;
  let mx = 0;
  for (let i = 0; i < T; i++) if (Number.isFinite(norms[i]) && norms[i] > mx) mx = norms[i];
  const W = Math.max(200, Math.min(900, T * 14)), Hh = 46;
  const svg = s("svg", {class: "rvs-norms", viewBox: `0 0 ${W} ${Hh}`, width: W, height: Hh, role: "img",
    "aria-label": "Norm of each step's copy's gradient"});
  const bw = W / Math.max(T, 1);
  const path = [];
  for (let i = 0; i < T; i++) {
    const t = i + 1;
    if (t < tCur) continue;                        // not computed yet
    const v = norms[i];
    const hgt = Number.isFinite(v) && mx > 0 ? Math.max(v > 0 ? 1 : 0, (Hh - 6) * v / mx) : Hh - 6;
    path.push(`M${(i * bw + bw * 0.1).toFixed(2)} ${Hh}v${-hgt.toFixed(2)}h${Math.max(0.6, bw * 0.8).toFixed(2)}v${hgt.toFixed(2)}z`);
  }
  svg.append(s("path", {d: path.join(""), class: "rvs-normbar"}));
  svg.append(s("rect", {x: (tCur - 1) * bw, y: 0, width: Math.max(bw, 2), height: Hh, class: "rvs-normcur"}));
  return h("div", {class: "rvs-normbox"}, [h("div", {class: "rvs-caption"}, ["‖dL/d", sym("W", "t", "s"),
    "‖ for every step computed so far (t = ", String(tCur), "…", String(T), "); the tallest bar is ", num(mx)]), svg]);
}
