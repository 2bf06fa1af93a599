"""Controls of the "Train and generalise" lesson: task and training settings, start / pause / one update /
reset, the session's Trainer, and moving models in and out (other lessons, files).

Per-user state, all in st.session_state:
    "train"          the settings dict (widgets show it and write back to it, so it survives page switches)
    "train_trainer"  the Trainer;  "train_built" the settings it was built from
    "train_running"  True while the live view trains;  "train_run_end" the update this run stops at
    "train_start"    Params from an uploaded file to start from (None: fresh weights from the seed)
    "train_message"  (kind, text) to show once: "success", "error" or "info"
    "train_clock"    [(time, updates)] of recent live reruns, for updates per second
"""
import dataclasses
import time

import streamlit as st

from .. import activations, model_io, tasks, training
from ..params import Params
from .model import LIMITS, ModelSettings, replace_params

TASK_TITLES = {"sum": "Sum of digits (regression)", "parity": "Parity / count of ones (classification)",
               "sentiment": "Toy sentiment (classification)", "next_char": "Next character (classification)"}
LEARNING_RATES = (0.0003, 0.001, 0.003, 0.005, 0.01, 0.03, 0.1, 0.3, 1.0)
CLIPS = (0.0, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZES = (1, 4, 8, 16, 32, 64, 128)
TRAIN_SIZES = (200, 500, 1000, 2000, 5000, 10000)
RUN_LENGTHS = (100, 300, 1000, 3000, 10000, 30000)
MAX_TRAIN_LENGTH = 30
STRATEGIES = {"bucket": "group by length (no pads)", "pad": "pad and mask"}
RUN_EVERY = 0.25            # seconds between live reruns while training
BUDGET = 0.15               # seconds of training per live rerun (the rest draws the charts)


def task_defaults(name: str, **options) -> dict:
    """The settings a task starts with: its recommended lengths, H, f_s, learning rate, training set size."""
    t = tasks.make_task(name, **options)
    return {"lo": t.lengths[0], "hi": t.lengths[1], "H": t.state_size, "f_s": t.f_s, "lr": t.lr,
            "n_train": t.n_train}


DEFAULTS = {"task": "sum", "encoding": "digit/9", "modulus": 2, **task_defaults("sum"), "learn_s0": False, "seed": 0,
            "optimizer": "adam", "momentum": 0.9, "batch_size": 32, "clip": 1.0, "strategy": "bucket",
            "run_updates": 1000}
REBUILD = tuple(k for k in DEFAULTS if k != "run_updates")    # changing any of these starts again


def settings() -> dict:
    """The session's training settings (created with the defaults)."""
    s = st.session_state.setdefault("train", {})
    for key, value in DEFAULTS.items():
        s.setdefault(key, value)
    return s


def _remember(key: str) -> None:
    """on_change: copy the widget's value into the settings."""
    settings()[key] = st.session_state[f"train_w_{key}"]


def _lengths_changed() -> None:
    lo, hi = st.session_state["train_w_lengths"]
    settings().update(lo=int(lo), hi=int(hi))


def _task_changed(key: str) -> None:
    """A new task (or encoding, modulus) brings its recommended lengths, H, f_s and learning rate."""
    _remember(key)
    s = settings()
    s.update(task_defaults(s["task"], **task_options(s)))
    st.session_state["train_start"] = None


def _bound(widget, label, *args, key: str, on_change=_remember, **kwargs):
    """A widget whose value lives in the settings dict (shown from it, written back on change)."""
    st.session_state[f"train_w_{key}"] = settings()[key]
    return widget(label, *args, key=f"train_w_{key}", on_change=on_change, args=(key,), **kwargs)


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
            st.session_state["train_w_lengths"] = (s["lo"], s["hi"])
            st.slider("training lengths", 1, MAX_TRAIN_LENGTH, key="train_w_lengths", on_change=_lengths_changed,
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
                                learn_s0=bool(s["learn_s0"]), seed=int(s["seed"]))


def _build(s: dict) -> None:
    """A fresh Trainer (fresh weights from the seed, or the uploaded ones) for the settings; stops the live view."""
    task = current_task(s)
    start = st.session_state.get("train_start")
    if start is not None and (start.input_size, start.state_size, start.output_size, start.f_s) != \
            (task.input_size, int(s["H"]), task.output_size, s["f_s"]):
        start = st.session_state["train_start"] = None               # the settings no longer fit the loaded model
    trainer = training.make_trainer(task, (s["lo"], s["hi"]), int(s["n_train"]), int(s["H"]), s["f_s"],
                                    _config(s), params=start)
    test = training.test_set(task, 2 * s["hi"], n_per_length=48, seed=int(s["seed"]))
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
        st.session_state["train_clock"] = [(time.perf_counter(), trainer.updates)]


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


def live_step(trainer: training.Trainer) -> None:
    """While running: train for a bounded time, record the clock, and stop (full rerun) at the end of the run."""
    end = st.session_state.get("train_run_end", trainer.updates)
    trainer.run_for(BUDGET, max(0, end - trainer.updates))
    clock = st.session_state.setdefault("train_clock", [])
    clock.append((time.perf_counter(), trainer.updates))
    del clock[:-20]                                                 # the last few seconds
    if trainer.updates >= end or trainer.stopped:
        st.session_state["train_running"] = False
        st.rerun()                                                  # a full run redraws Start and stops the timer


def updates_per_second() -> float | None:
    """Updates per second of wall-clock time over the recent live reruns (drawing included)."""
    clock = st.session_state.get("train_clock") or []
    if len(clock) < 2 or clock[-1][0] <= clock[0][0]:
        return None
    return (clock[-1][1] - clock[0][1]) / (clock[-1][0] - clock[0][0])


# ---- models in and out -------------------------------------------------------------------------------------

def adopt_params(p: Params) -> None:
    """Make p the session's model in every lesson: the sidebar's settings are set to p's sizes and activations
    first (so the sidebar does not draw fresh weights over it), then p replaces the parameters.

    ValueError when p is larger than the sidebar allows (LIMITS)."""
    for key, n in (("I", p.input_size), ("H", p.state_size), ("O", p.output_size)):
        if n > LIMITS[key]:
            raise ValueError(f"this model has {key} = {n}, but the other lessons take at most {key} = {LIMITS[key]}; "
                             "train a smaller one (fewer state units, or another task) to open it there")
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
    c1.button("Open in the other lessons", key="train_adopt", on_click=_adopt, icon=":material/open_in_new:",
              type="primary", disabled=running, width="stretch",
              help="the step-through, padding and BPTT lessons then show this trained model")
    stem = f"rnnviz_{trainer.task.name}_{trainer.updates}"
    c2.download_button("Download .npz", model_io.to_npz(trainer.params), f"{stem}.npz", "application/octet-stream",
                       key="train_download_npz", disabled=running, icon=":material/download:", width="stretch")
    c3.download_button("Download .json", model_io.to_json(trainer.params), f"{stem}.json", "application/json",
                       key="train_download_json", disabled=running, icon=":material/download:", width="stretch")
    c4.file_uploader("Continue from a saved model (.npz or .json)", type=["npz", "json"], key="train_upload",
                     on_change=_upload, disabled=running)
    if running:
        st.caption("Pause to open, save or load a model.")
    show_message()


def show_message() -> None:
    """The last success or error of a model action, shown once."""
    msg = st.session_state.pop("train_message", None)
    if msg is not None:
        {"success": st.success, "error": st.error, "info": st.info}[msg[0]](msg[1])
