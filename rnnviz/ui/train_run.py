"""The training lab's life cycle: the session's Trainer (rebuilt when a setting that defines it changes),
Start / Pause / one update / Reset, and the live loop that trains in the worker processes while drawing."""
import time

import streamlit as st

from serving import training_pool

from .. import training
from . import session
from .settings import BY_NAME
from .train_controls import current_task

RUN_EVERY = 0.5             # seconds between live reruns while training (each ~15 ms of the server's CPU)
BUDGET = 0.4                # seconds of training in a worker between two live reruns
TEST_EVERY = 1.0            # seconds between tests against length while training
TEST_PER_LENGTH = 48        # test sequences of each length
COMPARE_UPDATES = 3000      # updates of each RNN in the f_s comparison
BUTTON_WIDTH = 150          # pixels: the run's buttons, side by side with the run length
REBUILD = tuple(row.key for row in BY_NAME.values() if row.group == "train" and row.key != "run_updates")


def _config(s: dict) -> training.TrainConfig:
    return training.TrainConfig(optimizer=s["optimizer"], lr=float(s["lr"]), momentum=float(s["momentum"]),
                                batch_size=int(s["batch_size"]), clip=float(s["clip"]), strategy=s["strategy"],
                                learn_s0=bool(s["learn_s0"]), seed=int(s["seed"]), lr_halflife=int(s["lr_halflife"]))


def _test_args(s: dict) -> tuple:
    """(longest, per length, seed) of the test set against length: lengths 1 .. twice the longest trained."""
    return 2 * s["lengths"][1], TEST_PER_LENGTH, int(s["seed"])


def _build(s: dict) -> None:
    """A fresh Trainer (fresh weights from the seed, or the uploaded ones) for the settings; stops the live view."""
    task = current_task(s)
    start = session.get("train_start")
    if start is not None and (start.input_size, start.state_size, start.output_size, start.f_s) != \
            (task.input_size, int(s["H"]), task.output_size, s["f_s"]):
        start = None                                                  # the settings no longer fit the loaded model
        session.put("train_start", None)
    lo, hi = s["lengths"]
    trainer = training.make_trainer(task, (lo, hi), int(s["n_train"]), int(s["H"]), s["f_s"],
                                    _config(s), params=start)
    test = training.test_set(task, *_test_args(s))
    _drop_chunk()
    for key, value in dict(train_trainer=trainer, train_test=test, train_built={k: s[k] for k in REBUILD},
                           train_running=False, train_clock=[], train_by_length=None).items():
        session.put(key, value)


def session_trainer(s: dict) -> training.Trainer | None:
    """The session's Trainer, rebuilt (and paused) when a setting that defines it has changed; None after
    saying what to fix when the settings cannot make one."""
    if session.get("train_built") != {k: s[k] for k in REBUILD} or session.get("train_trainer") is None:
        try:
            _build(s)
        except ValueError as err:
            st.error(f"Cannot train with these settings: {err}.")
            return None
    return session.get("train_trainer")


# ---- start / pause / one update / reset ------------------------------------------------------------------

# While the live view's timer runs, one click can reach the server twice: Streamlit's browser sends a click a
# moment after it records it, and a timer tick due in between carries the click too. So Start and Pause are
# separate callbacks (a second Pause changes nothing), and one update waits for a pause (it would make two).

def _start() -> None:
    trainer = session.get("train_trainer")
    session.put("train_running", True)
    session.put("train_run_end", trainer.updates + int(session.group("train")["run_updates"]))
    session.put("train_clock", [(time.perf_counter(), trainer.updates)])   # the rate of this run


def _drop_chunk() -> None:
    """Forget the training under way in a worker (cancelled if it has not started)."""
    chunk = session.pop("train_chunk")
    if chunk is not None:
        chunk.cancel()


def _pause() -> None:
    session.put("train_running", False)
    _drop_chunk()                                               # the weights stay those drawn last


def _one_update() -> None:
    session.get("train_trainer").step(1)


def _reset() -> None:
    session.put("train_start", None)
    session.pop("train_built")
    st.rerun()                      # the whole page: its run builds a fresh Trainer (the lab alone would not)


def run_buttons(trainer: training.Trainer) -> bool:
    """Start/Pause, one update, Reset and the run length; returns whether the live view trains."""
    running = session.get("train_running", False)
    with st.container(horizontal=True, vertical_alignment="bottom"):       # one row: one block, not five
        st.button("Pause" if running else "Start", key="train_start_pause", on_click=_pause if running else _start,
                  type="primary", icon=":material/pause:" if running else ":material/play_arrow:", width=BUTTON_WIDTH,
                  disabled=trainer.stopped is not None, shortcut="S", help="train, drawing as it goes (keyboard: S)")
        st.button("One update", key="train_one", on_click=_one_update, icon=":material/skip_next:",
                  width=BUTTON_WIDTH, disabled=running or trainer.stopped is not None,
                  help="one minibatch: forward, BPTT, one optimizer step (while training, press Pause first)")
        st.button("Reset", key="train_reset", on_click=_reset, icon=":material/restart_alt:", width=BUTTON_WIDTH,
                  help="fresh weights from the seed; the losses start again")
        session.widget("train_run_updates", width="stretch")
    return running


def live_step(trainer: training.Trainer) -> training.Trainer:
    """While running: collect the chunk of training that the last live rerun started in a worker process (waiting
    for it if it is not done); the trained copy becomes the session's Trainer (returned). Then, unless the run is
    over, start the next chunk: it trains while this rerun draws and the browser waits for the next, so no rerun
    waits for the training it starts, and Pause is answered at once (the chunk under way is dropped, cancelled if
    no worker has started it: the weights are those drawn last). Records the clock; stops (full rerun) at the end
    of the run, or with a message and the last Trainer when the worker processes fail."""
    end = session.get("train_run_end", trainer.updates)
    chunk = session.pop("train_chunk")
    if chunk is not None and chunk.source is not trainer:           # a chunk of weights no longer shown
        chunk.cancel()
        chunk = None
    try:
        if chunk is not None:
            trainer, result = chunk.collect()
            if result is not None:
                session.put("train_by_length", (trainer.run_id, trainer.updates, time.perf_counter(), result))
            session.put("train_trainer", trainer)
            clock = session.get("train_clock") or []
            session.put("train_clock", clock)
            clock.append((time.perf_counter(), trainer.updates))
            del clock[:-20]                                         # the last few seconds
        if trainer.updates >= end or trainer.stopped:
            session.put("train_running", False)
            st.rerun()                                              # a full run redraws Start and stops the timer
        cached = session.get("train_by_length")
        due = cached is None or cached[0] != trainer.run_id or time.perf_counter() - cached[2] > TEST_EVERY
        session.put("train_chunk", training_pool.Chunk(trainer, BUDGET, end - trainer.updates,
                                                       _test_args(session.group("train")) if due else None))
    except training_pool.TrainingPoolError as err:
        session.put("train_running", False)
        session.put("train_run_message", ("error", f"{err} The weights are those of update {trainer.updates:,}; "
                                                   "press Start to go on."))
        st.rerun()
    return trainer


def tested(trainer: training.Trainer, test, running: bool):
    """(update, by-length result, outputs on the test set) of the trained RNN, recomputed when the weights
    changed; while running, the live step's worker tests it, at most every TEST_EVERY seconds (an unchanged
    chart costs the browser nothing)."""
    cached = session.get("train_by_length")                    # (run_id, update, time, result)
    if cached is None or cached[0] != trainer.run_id or (cached[1] != trainer.updates and not running):
        cached = (trainer.run_id, trainer.updates, time.perf_counter(), trainer.by_length(test))
        session.put("train_by_length", cached)
    return cached[1], cached[3], cached[3]["u"]


def compare_activations(trainer: training.Trainer, running: bool) -> dict | None:
    """A button that trains one RNN per f_s (relu, identity, tanh) with the page's settings, in the worker
    processes; returns the comparison (training.compare_state_activations) made with the current settings, or None."""
    key = session.get("train_built")
    if st.button("Train one RNN with each f_s and compare", key="train_compare", disabled=running,
                 help=f"{COMPARE_UPDATES:,} updates each, with the settings above (several seconds)"):
        s = session.group("train")
        try:
            with st.spinner("training relu, identity and tanh…"):
                result = training_pool.compare_state_activations(
                    trainer.task, updates=COMPARE_UPDATES, config=trainer.config, lengths=tuple(s["lengths"]),
                    n_train=int(s["n_train"]))
            session.put("train_compare_result", (key, result))
        except training_pool.TrainingPoolError as err:
            st.error(str(err))
    stored = session.get("train_compare_result")
    return stored[1] if stored is not None and stored[0] == key else None


def updates_per_second() -> float | None:
    """Updates per second of wall-clock time over the recent live reruns (drawing included)."""
    clock = session.get("train_clock") or []
    if len(clock) < 2 or clock[-1][0] <= clock[0][0]:
        return None
    return (clock[-1][1] - clock[0][1]) / (clock[-1][0] - clock[0][0])


