"""What the training lab says in words: the status line, the generalisation chart's note, messages."""
import numpy as np
import streamlit as st

from .. import training
from . import session
from .train_run import updates_per_second


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


def show_message(key: str = "train_message") -> None:
    """The last success or error of a model action (or of a run: "train_run_message"), shown once."""
    msg = session.pop(key)
    if msg is not None:
        {"success": st.success, "error": st.error, "info": st.info}[msg[0]](msg[1])
