"""Controls of the "Train and generalise" lesson: task and training settings, start / pause / one update /
reset, the session's Trainer, and moving models in and out (other lessons, files).

Per-user state, all in st.session_state:
    "train"          the settings dict (widgets "train_<key>" show it and write back to it: ui.state.bound)
    "train_trainer"  the Trainer (replaced by the trained copy training_pool returns);  "train_built" the
                     settings it was built from
    "train_running"  True while the live view trains;  "train_run_end" the update this run stops at
    "train_start"    Params from an uploaded file to start from (None: fresh weights from the seed)
    "train_message"  (kind, text) to show once under the model section: "success", "error" or "info"
    "train_run_message"  the same, shown once beside the charts (training in the worker processes failed)
    "train_clock"    [(time, updates)] of recent live reruns, for updates per second
"""
import dataclasses
import time

import numpy as np
import streamlit as st

from .. import activations, model_io, tasks, training, training_pool
from ..params import Params
from . import state
from .model import LIMITS, ModelSettings, replace_params

TASK_TITLES = {"sum": "Sum of digits (regression)", "parity": "Parity / count of ones (classification)",
               "sentiment": "Toy sentiment (classification)", "next_char": "Next character (classification)"}
LEARNING_RATES = (0.0003, 0.001, 0.003, 0.005, 0.01, 0.03, 0.1, 0.3, 1.0)
CLIPS = (0.0, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZES = (1, 4, 8, 16, 32, 64, 128)
TRAIN_SIZES = (200, 500, 1000, 2000, 5000, 10000)
RUN_LENGTHS = (100, 300, 1000, 3000, 10000, 30000)
HALFLIVES = (0, 500, 1000, 2000, 5000, 10000)
MAX_TRAIN_LENGTH = 30
STRATEGIES = {"bucket": "group by length (no pads)", "pad": "pad and mask"}
RUN_EVERY = 0.2             # seconds between live reruns while training
BUDGET = 0.15               # seconds of training per live rerun (the rest draws the charts)
TEST_EVERY = 1.0            # seconds between tests against length while training
COMPARE_UPDATES = 3000      # updates of each RNN in the f_s comparison


TASK_NOTES = {
    "sum": "Try: f_s = tanh (the sums of long sequences fall short: see the bottom of the page); the feed-forward "
           "net at length 20 (it sees only the last 10 digits, so it answers about half the sum).",
    "parity": "Try: training lengths 20–25 only. The loss then stays at log 2 ≈ 0.69, guessing: the answer needs "
              "every step, and the gradient reaching the early steps is a product of ~20 factors f_s′·W_ss that "
              "has faded away (vanishing gradients). With 1–25 it learns, from the short sequences first.",
    "sentiment": "Each positive word counts +1 and each negative word −1, flipped by a “not” right before it. Try "
                 "training on lengths 1–4 only and see how far the RNN carries it.",
    "next_char": "The validation loss stops falling while the training loss keeps going down: with a text of a few "
                 "KB the network starts to memorise it (overfitting). Try fewer state units or fewer updates.",
}
RUN_DEFAULTS = {"sum": 10000, "parity": 3000, "sentiment": 3000, "next_char": 3000}   # enough to see it learn


def task_defaults(name: str, **options) -> dict:
    """The settings a task starts with: its recommended lengths, H, f_s, learning rate, training set size,
    and how many updates one Start runs."""
    t = tasks.make_task(name, **options)
    return {"lengths": tuple(t.lengths), "H": t.state_size, "f_s": t.f_s, "lr": t.lr,
            "lr_halflife": t.lr_halflife, "n_train": t.n_train, "run_updates": RUN_DEFAULTS[name]}


DEFAULTS = {"task": "sum", "encoding": "digit/9", "modulus": 2, "learn_s0": False, "seed": 0, "optimizer": "adam",
            "momentum": 0.9, "batch_size": 32, "clip": 1.0, "strategy": "bucket", **task_defaults("sum")}
REBUILD = tuple(k for k in DEFAULTS if k != "run_updates")    # changing any of these starts again


# What each setting may be, as its control allows (a link's values are checked against this).
ALLOWED = {"task": tasks.TASKS, "encoding": tasks.ENCODINGS, "modulus": range(2, 9), "learn_s0": (False, True),
           "seed": range(0, 2**31), "optimizer": training.OPTIMIZERS, "momentum": (0.0, 0.5, 0.9, 0.99),
           "batch_size": BATCH_SIZES, "clip": CLIPS, "strategy": tuple(STRATEGIES), "n_train": TRAIN_SIZES,
           "H": range(1, LIMITS["H"] + 1), "f_s": activations.STATE_ACTIVATIONS, "lr": LEARNING_RATES,
           "lr_halflife": HALFLIVES, "run_updates": RUN_LENGTHS}


def clean_settings(s: dict) -> list:
    """Put back the default of every setting a link got wrong; returns what was wrong, in words."""
    problems = []
    for key, allowed in ALLOWED.items():
        if key in s and s[key] not in allowed:
            problems.append(f"training {key}={s[key]!r} is not one of the choices; using {DEFAULTS[key]!r}")
            s[key] = DEFAULTS[key]
    lengths = s.get("lengths", DEFAULTS["lengths"])
    if not (len(lengths) == 2 and 1 <= lengths[0] <= lengths[1] <= MAX_TRAIN_LENGTH):
        problems.append(f"training lengths={lengths} must be two numbers 1 <= a <= b <= {MAX_TRAIN_LENGTH}")
        lengths = DEFAULTS["lengths"]
    s["lengths"] = tuple(lengths)
    return problems


def settings() -> dict:
    """The session's training settings (created with the defaults)."""
    s = st.session_state.setdefault("train", {})
    for key, value in DEFAULTS.items():
        s.setdefault(key, value)
    return s


def _task_changed() -> None:
    """A new task (or encoding, modulus) brings its recommended lengths, H, f_s and learning rate."""
    s = settings()
    s.update(task_defaults(s["task"], **task_options(s)))
    st.session_state["train_start"] = None


def _bound(widget, label, *args, key: str, **kwargs):
    """A widget showing settings()[key] and writing changes back (widget key "train_<key>")."""
    settings()
    return state.bound("train", key, widget, label, *args, **kwargs)


def task_options(s: dict) -> dict:
    return {"sum": {"encoding": s["encoding"]}, "parity": {"modulus": int(s["modulus"])}}.get(s["task"], {})


def current_task(s: dict) -> tasks.Task:
    return tasks.make_task(s["task"], **task_options(s))


def settings_controls() -> dict:
    """Draw the task, network and optimizer settings; returns the settings dict."""
    s = settings()
    with st.container(border=True):
        c1, c2, c3 = st.columns(3)
        with c1:
            st.markdown("**Task**")
            _bound(st.selectbox, "task", list(TASK_TITLES), key="task", format_func=TASK_TITLES.get,
                   on_change=_task_changed)
            if s["task"] == "sum":
                _bound(st.radio, "each digit d is read as", tasks.ENCODINGS, key="encoding", horizontal=True,
                       on_change=_task_changed, format_func={"digit/9": "one number d/9", "one-hot": "one-hot (10)"}.get,
                       help="d/9 (I = 1) trains fastest: the exact answer is one running total with one input weight")
            elif s["task"] == "parity":
                _bound(st.number_input, "count the ones modulo m (2 = parity)", 2, 8, key="modulus",
                       on_change=_task_changed)
            _bound(st.slider, "training lengths", 1, MAX_TRAIN_LENGTH, key="lengths",
                   help="training sequences have lengths drawn from this range; the test goes up to twice the longest")
            _bound(st.select_slider, "training sequences", TRAIN_SIZES, key="n_train")
        with c2:
            st.markdown("**Network**")
            _bound(st.slider, "state units H", 1, LIMITS["H"], key="H")
            _bound(st.selectbox, "state activation f_s", activations.STATE_ACTIVATIONS, key="f_s",
                   help="for sums choose relu or identity: tanh keeps every state unit between -1 and 1")
            _bound(st.checkbox, "learn the initial state s⁰", key="learn_s0",
                   help="off: s⁰ = 0 as in the lesson; on: s⁰ is a parameter that training moves (it starts at 0)")
            _bound(st.number_input, "seed", 0, 2**31 - 1, key="seed", help="the same seed gives the same weights, "
                                                                          "data and minibatches")
        with c3:
            st.markdown("**Optimizer**")
            _bound(st.radio, "optimizer", training.OPTIMIZERS, key="optimizer", horizontal=True,
                   format_func={"adam": "Adam", "sgd": "SGD + momentum"}.get)
            _bound(st.select_slider, "learning rate", LEARNING_RATES, key="lr")
            _bound(st.select_slider, "the learning rate halves every", HALFLIVES, key="lr_halflife",
                   format_func=lambda h: "never" if h == 0 else f"{h:,} updates",
                   help="a shrinking step lets the weights settle instead of jittering around the answer")
            if s["optimizer"] == "sgd":
                _bound(st.select_slider, "momentum", (0.0, 0.5, 0.9, 0.99), key="momentum")
            _bound(st.select_slider, "minibatch size", BATCH_SIZES, key="batch_size")
            _bound(st.select_slider, "clip the gradient norm at", CLIPS, key="clip",
                   format_func=lambda c: "off" if c == 0 else f"{c:g}",
                   help="if the gradient of all parameters together is longer than this, scale it down to it")
            _bound(st.radio, "minibatches", list(STRATEGIES), key="strategy", format_func=STRATEGIES.get,
                   horizontal=True, help="the seed's two ways: batches of one length, or padded batches whose "
                                         "pads copy the state")
    return s


def _config(s: dict) -> training.TrainConfig:
    return training.TrainConfig(optimizer=s["optimizer"], lr=float(s["lr"]), momentum=float(s["momentum"]),
                                batch_size=int(s["batch_size"]), clip=float(s["clip"]), strategy=s["strategy"],
                                learn_s0=bool(s["learn_s0"]), seed=int(s["seed"]), lr_halflife=int(s["lr_halflife"]))


def _build(s: dict) -> None:
    """A fresh Trainer (fresh weights from the seed, or the uploaded ones) for the settings; stops the live view."""
    task = current_task(s)
    start = st.session_state.get("train_start")
    if start is not None and (start.input_size, start.state_size, start.output_size, start.f_s) != \
            (task.input_size, int(s["H"]), task.output_size, s["f_s"]):
        start = st.session_state["train_start"] = None               # the settings no longer fit the loaded model
    lo, hi = s["lengths"]
    trainer = training.make_trainer(task, (lo, hi), int(s["n_train"]), int(s["H"]), s["f_s"],
                                    _config(s), params=start)
    test = training.test_set(task, 2 * hi, n_per_length=48, seed=int(s["seed"]))
    st.session_state.update(train_trainer=trainer, train_test=test, train_built={k: s[k] for k in REBUILD},
                            train_running=False, train_clock=[], train_by_length=None)


def session_trainer(s: dict) -> training.Trainer | None:
    """The session's Trainer, rebuilt (and paused) when a setting that defines it has changed; None after
    saying what to fix when the settings cannot make one."""
    if st.session_state.get("train_built") != {k: s[k] for k in REBUILD} or "train_trainer" not in st.session_state:
        try:
            _build(s)
        except ValueError as err:
            st.error(f"Cannot train with these settings: {err}.")
            return None
    return st.session_state["train_trainer"]


# ---- start / pause / one update / reset ------------------------------------------------------------------

def _toggle() -> None:
    running = not st.session_state.get("train_running", False)
    st.session_state["train_running"] = running
    if running:
        trainer = st.session_state["train_trainer"]
        st.session_state["train_run_end"] = trainer.updates + int(settings()["run_updates"])
        st.session_state["train_clock"] = [(time.perf_counter(), trainer.updates)]   # the rate of this run
        st.session_state["train_just_started"] = True


def _one_update() -> None:
    st.session_state["train_running"] = False
    st.session_state["train_trainer"].step(1)


def _reset() -> None:
    st.session_state["train_start"] = None
    st.session_state.pop("train_built", None)                      # the next run builds a fresh Trainer


def run_buttons(trainer: training.Trainer) -> bool:
    """Start/Pause, one update, Reset and the run length; returns whether the live view trains."""
    running = st.session_state.get("train_running", False)
    c1, c2, c3, c4 = st.columns([1, 1, 1, 3], vertical_alignment="bottom")
    c1.button("Pause" if running else "Start", key="train_start_pause", on_click=_toggle, type="primary",
              icon=":material/pause:" if running else ":material/play_arrow:", width="stretch",
              disabled=trainer.stopped is not None, shortcut="S", help="train, drawing as it goes (keyboard: S)")
    c2.button("One update", key="train_one", on_click=_one_update, icon=":material/skip_next:", width="stretch",
              disabled=trainer.stopped is not None, help="one minibatch: forward, BPTT, one optimizer step")
    c3.button("Reset", key="train_reset", on_click=_reset, icon=":material/restart_alt:", width="stretch",
              help="fresh weights from the seed; the losses start again")
    with c4:
        _bound(st.select_slider, "updates per Start", RUN_LENGTHS, key="run_updates",
               help="Start trains this many updates (or until Pause)")
    return running


def live_step(trainer: training.Trainer) -> training.Trainer:
    """While running: train for a bounded time in a worker process, so that other sessions go on meanwhile;
    the trained copy becomes the session's Trainer (returned). Records the clock, and stops (full rerun) at the
    end of the run, or with a message and the last Trainer when the worker processes fail. The run that Start
    itself makes only draws (Pause shows at once); training starts on the timer's first rerun."""
    if st.session_state.pop("train_just_started", False):
        return trainer
    end = st.session_state.get("train_run_end", trainer.updates)
    try:
        trainer = training_pool.run_for(trainer, BUDGET, max(0, end - trainer.updates))
    except training_pool.TrainingPoolError as err:
        st.session_state.update(train_running=False, train_run_message=(
            "error", f"{err} The weights are those of update {trainer.updates:,}; press Start to go on."))
        st.rerun()
    st.session_state["train_trainer"] = trainer
    clock = st.session_state.setdefault("train_clock", [])
    clock.append((time.perf_counter(), trainer.updates))
    del clock[:-20]                                                 # the last few seconds
    if trainer.updates >= end or trainer.stopped:
        st.session_state["train_running"] = False
        st.rerun()                                                  # a full run redraws Start and stops the timer
    return trainer


def status_line(trainer: training.Trainer, running: bool) -> str:
    """Update, epoch, losses and speed, in one line of markdown."""
    recent = trainer.train_losses[-50:]
    last_val = trainer.val_points[-1]
    line = (f"Update **{trainer.updates:,}** (epoch {trainer.epoch}) · training loss "
            + (f"**{np.mean(recent):.3g}** (mean of the last {len(recent)})" if recent else "–")
            + f" · validation loss **{last_val[1]:.3g}** (at update {last_val[0]:,})")
    rate = updates_per_second()
    if rate is not None:
        line += f" · **{rate:,.0f} updates/s**{'' if running else ' in the last run'}, drawing included"
    if trainer.compute_seconds > 0:
        line += f" ({trainer.updates / trainer.compute_seconds:,.0f}/s training alone)"
    return line


def tested(trainer: training.Trainer, test, running: bool):
    """(update, by-length result, outputs on the test set) of the trained RNN, recomputed when the weights
    changed, but while running at most every TEST_EVERY seconds (an unchanged chart costs the browser nothing)."""
    cached = st.session_state.get("train_by_length")                    # (run_id, update, time, result)
    if cached is None or cached[0] != trainer.run_id or (
            cached[1] != trainer.updates and (not running or time.perf_counter() - cached[2] > TEST_EVERY)):
        cached = (trainer.run_id, trainer.updates, time.perf_counter(), trainer.by_length(test))
        st.session_state["train_by_length"] = cached
    return cached[1], cached[3], cached[3]["u"]


def compare_activations(trainer: training.Trainer, running: bool) -> dict | None:
    """A button that trains one RNN per f_s (relu, identity, tanh) with the page's settings, in the worker
    processes; returns the comparison (training.compare_state_activations) made with the current settings, or None."""
    key = st.session_state.get("train_built")
    if st.button("Train one RNN with each f_s and compare", key="train_compare", disabled=running,
                 help=f"{COMPARE_UPDATES:,} updates each, with the settings above (several seconds)"):
        s = settings()
        try:
            with st.spinner("training relu, identity and tanh…"):
                result = training_pool.compare_state_activations(
                    trainer.task, updates=COMPARE_UPDATES, config=trainer.config, lengths=tuple(s["lengths"]),
                    n_train=int(s["n_train"]))
            st.session_state["train_compare_result"] = (key, result)
        except training_pool.TrainingPoolError as err:
            st.error(str(err))
    stored = st.session_state.get("train_compare_result")
    return stored[1] if stored is not None and stored[0] == key else None


def percent(v: float) -> str:
    """A share as a percentage with three significant digits (0.0042 -> '0.42%', 0.997 -> '99.7%')."""
    return f"{100 * v:.3g}%" if np.isfinite(v) else "overflow"


def generalisation_note(trainer: training.Trainer, result: dict, test) -> str:
    """What the generalisation chart says, in words: the RNN inside and at twice the trained length, and the baseline."""
    task, hi = trainer.task, int(trainer.train.lengths.max())
    inside = result["lengths"] <= hi
    n = test.lengths.size // result["lengths"].size
    where = " (windows from the held-out end of the text)" if task.name == "next_char" else ""
    note = (f"{task.metric_name.capitalize()} on {n} test sequences per length{where}: RNN "
            f"{percent(np.mean(result['rnn'][inside]))} over the trained lengths and {percent(result['rnn'][-1])} at "
            f"length {2 * hi}; feed-forward {percent(result['ff'][-1])} at length {2 * hi}. The feed-forward net sees "
            f"only the last {trainer.ff.T_ff} steps of a longer sequence, and zero vectors in front of a shorter one.")
    if task.kind == "regression":
        note += " Relative error = mean |answer − true sum| / mean true sum."
    if trainer.ff_stopped:
        note += f" Note: {trainer.ff_stopped}; its curve shows its last finite weights."
    return note


def updates_per_second() -> float | None:
    """Updates per second of wall-clock time over the recent live reruns (drawing included)."""
    clock = st.session_state.get("train_clock") or []
    if len(clock) < 2 or clock[-1][0] <= clock[0][0]:
        return None
    return (clock[-1][1] - clock[0][1]) / (clock[-1][0] - clock[0][0])


# ---- models in and out -------------------------------------------------------------------------------------

def fits_other_lessons(p: Params) -> str | None:
    """None when the sidebar can hold p's sizes (LIMITS); otherwise why not."""
    for key, n in (("I", p.input_size), ("H", p.state_size), ("O", p.output_size)):
        if n > LIMITS[key]:
            return f"this model has {key} = {n}, but the other lessons' sidebar allows at most {key} = {LIMITS[key]}"
    return None


def adopt_params(p: Params) -> None:
    """Make p the session's model in every lesson: the sidebar's settings are set to p's sizes and activations
    first (so the sidebar does not draw fresh weights over it), then p replaces the parameters.

    ValueError when p is larger than the sidebar allows (LIMITS)."""
    too_big = fits_other_lessons(p)
    if too_big:
        raise ValueError(too_big)
    model = dict(st.session_state.get("model") or dataclasses.asdict(ModelSettings()))
    model.update(I=p.input_size, H=p.state_size, O=p.output_size, f_s=p.f_s, f_o=p.f_o,
                 s0="learned" if (p.s0 != 0).any() else "zeros")
    st.session_state["model"] = model
    st.session_state["model_settings"] = ModelSettings(**model)
    replace_params(p)


def _adopt() -> None:
    trainer = st.session_state["train_trainer"]
    try:
        adopt_params(trainer.params)
    except ValueError as err:
        st.session_state["train_message"] = ("error", f"Not opened: {err}.")
        return
    st.session_state["train_message"] = ("success", f"The trained model (update {trainer.updates}) is now the model "
                                                    "of every lesson: open one from the sidebar.")


def _upload() -> None:
    """on_change of the file uploader: validate, then start from the file's weights (or keep everything)."""
    f = st.session_state.get("train_upload")
    if f is None:
        return
    try:
        p = model_io.load(f.getvalue(), f.name)
        match = tasks.task_options_for(p.input_size, p.output_size, p.f_o)
        if match is None:
            raise ValueError(f"its sizes (I = {p.input_size}, O = {p.output_size}, f_o = {p.f_o}) fit none of the "
                             "tasks here")
        if p.state_size > LIMITS["H"]:
            raise ValueError(f"it has H = {p.state_size} state units; this page trains at most {LIMITS['H']}")
    except ValueError as err:
        st.session_state["train_message"] = ("error", f"{f.name} was not loaded, and nothing changed: {err}.")
        return
    name, options = match
    s = settings()
    s.update(task=name, **options)
    s.update({k: v for k, v in task_defaults(name, **options).items() if k not in ("H", "f_s")},
             H=p.state_size, f_s=p.f_s, learn_s0=bool((p.s0 != 0).any()))
    st.session_state["train_start"] = p
    st.session_state.pop("train_built", None)
    st.session_state["train_message"] = ("success", f"Loaded {f.name}: the {TASK_TITLES[name]} task, H = {p.state_size}, "
                                                    f"f_s = {p.f_s}. Training continues from these weights.")


def model_section(trainer: training.Trainer, running: bool) -> None:
    """Open in the other lessons; download as .npz / .json; upload a model to continue from."""
    c1, c2, c3, c4 = st.columns([1.3, 1, 1, 2.2], vertical_alignment="center")
    too_big = fits_other_lessons(trainer.params)
    c1.button("Open in the other lessons", key="train_adopt", on_click=_adopt, icon=":material/open_in_new:",
              type="primary", disabled=running or too_big is not None, width="stretch",
              help=too_big or "the step-through, padding and BPTT lessons then show this trained model (the "
                              "sidebar's model is replaced by it)")
    stem, p = f"rnnviz_{trainer.task.name}_{trainer.updates}", trainer.params
    for col, kind, make, mime in ((c2, "npz", model_io.to_npz, "application/octet-stream"),
                                  (c3, "json", model_io.to_json, "application/json")):
        col.download_button(f"Download .{kind}", lambda make=make: make(p), f"{stem}.{kind}", mime,   # made on click
                            key=f"train_download_{kind}", on_click="ignore", disabled=running,
                            icon=":material/download:", width="stretch")
    c4.file_uploader("Continue from a saved model (.npz or .json)", type=["npz", "json"], key="train_upload",
                     on_change=_upload, disabled=running)
    if running:
        st.caption("Pause to open, save or load a model.")
    elif too_big:
        st.caption(f"Cannot open it in the other lessons: {too_big}. Download and upload work.")
    show_message()


def show_message(key: str = "train_message") -> None:
    """The last success or error of a model action (or of a run: "train_run_message"), shown once."""
    msg = st.session_state.pop(key, None)
    if msg is not None:
        {"success": st.success, "error": st.error, "info": st.info}[msg[0]](msg[1])
